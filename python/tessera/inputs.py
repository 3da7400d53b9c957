"""Checks of what users hand to a compiled model, shared by the runtimes
(x86: tessera.runtime; CUDA: tessera.cuda). Imports only numpy, so the CUDA
driver stays importable without the compiler extension."""

from __future__ import annotations

import math
import os

import numpy as np

from tessera.errors import RuntimeInputError


def check_token_ids(ids, ndim: int, vocab_size: int) -> np.ndarray:
    """``ids`` [B, S] (``ndim`` 2) or a decode step's ``token`` [B] (``ndim``
    1) as C-contiguous int64, or a one-line RuntimeInputError naming what is
    wrong (rank, dtype, emptiness, an id outside the vocabulary)."""
    arr = np.asarray(ids)
    what = "ids [B, S]" if ndim == 2 else "token [B]"
    if arr.ndim != ndim:
        raise RuntimeInputError(f"{what}: expected rank {ndim}, got shape {list(arr.shape)}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise RuntimeInputError(f"{what}: expected integer token ids, got {arr.dtype}")
    if arr.size == 0:
        raise RuntimeInputError(f"{what}: empty (shape {list(arr.shape)})")
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= vocab_size:
        raise RuntimeInputError(f"{what}: token id {lo if lo < 0 else hi} is outside [0, {vocab_size})")
    return np.ascontiguousarray(arr, dtype=np.int64)


def check_capacity(total: int, capacity: int, what: str, note: str = "") -> None:
    """Refuses a sequence of ``total`` tokens (prompt, plus earlier tokens of
    the state, plus tokens to generate) longer than ``capacity``: the same
    check for prefill, chunked prefill, decode and generate in both runtimes.
    ``what`` names the limit (``max_position_embeddings``, ``max_seq_len``,
    ``the K/V cache capacity``), ``note`` says what it bounds."""
    if total > capacity:
        raise RuntimeInputError(f"sequence length {total} exceeds {what} {capacity}" + (f" ({note})" if note else ""))


#: A token-id file bigger than this is not a prompt (256 Mi tokens).
MAX_IDS_FILE_ELEMENTS = 1 << 28


def load_ids_file(path) -> np.ndarray:
    """Token ids from a ``.npy`` file (``tessera run --input-ids``): the header
    is read and checked against the file's size before any data, so an
    empty, truncated, pickled or lying file is a one-line RuntimeInputError,
    never a traceback or a huge allocation."""
    what = f"--input-ids {path}"
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
            except Exception as e:  # noqa: BLE001 - numpy's header parser raises many types (tokenize errors too)
                detail = "empty file" if size == 0 else " ".join(str(e).split())[:120] or type(e).__name__
                raise RuntimeInputError(f"{what}: not a .npy array file ({detail})") from None
            if dtype.hasobject:
                raise RuntimeInputError(f"{what}: holds Python objects, expected int64 token ids")
            if dtype != np.dtype(np.int64):
                raise RuntimeInputError(f"{what}: expected int64 token ids, got {dtype}")
            count = math.prod(shape)
            if count > MAX_IDS_FILE_ELEMENTS:
                raise RuntimeInputError(f"{what}: the header claims {count} ids (shape {list(shape)}), more than "
                                        f"{MAX_IDS_FILE_ELEMENTS}")
            expected = count * dtype.itemsize
            if size - f.tell() != expected:
                raise RuntimeInputError(f"{what}: truncated or corrupt (shape {list(shape)} needs {expected} "
                                        f"data bytes, the file has {size - f.tell()})")
            data = f.read(expected)
    except OSError as e:
        raise RuntimeInputError(f"{what}: cannot read a .npy array ({e.strerror or e})") from None
    arr = np.frombuffer(data, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C").copy()


def check_new_tokens(max_new_tokens) -> int:
    """``generate``'s token count: a non-negative int (not a bool)."""
    if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
        raise RuntimeInputError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
    return max_new_tokens


def greedy_generate(prefill, decode, ids: np.ndarray, max_new_tokens: int, vocab_size: int,
                    return_logits: bool):
    """Greedy decoding over a runtime's ``prefill(ids) -> (logits, state)`` and
    ``decode(token, state) -> (logits, state)`` (inputs already checked):
    tokens [B, N] and, with ``return_logits``, each step's logits [B, N, V].
    Logits with a NaN/Inf raise RuntimeInputError: no token can be chosen from
    them (an argmax of NaNs would silently be token 0)."""
    b = ids.shape[0]
    if max_new_tokens == 0:
        empty = np.zeros((b, 0), np.int64)
        return (empty, np.zeros((b, 0, vocab_size), np.float32)) if return_logits else empty
    logits, state = prefill(ids)
    last, tokens, steps = logits[:, -1], [], []
    for step in range(max_new_tokens):
        steps.append(last)
        _check_finite(last, step)
        token = np.argmax(last, axis=-1).astype(np.int64)
        tokens.append(token)
        if step + 1 < max_new_tokens:
            last, state = decode(token, state)
    out = np.stack(tokens, axis=1)
    return (out, np.stack(steps, axis=1)) if return_logits else out


def _check_finite(logits: np.ndarray, step: int) -> None:
    finite = np.isfinite(logits).all(axis=-1)
    if not finite.all():
        rows = np.flatnonzero(~finite).tolist()
        raise RuntimeInputError(
            f"the logits of generated token {step + 1} contain NaN/Inf (sequence(s) {', '.join(map(str, rows[:8]))}"
            f"{', ...' if len(rows) > 8 else ''}): no token can be chosen; the weights are not finite (load the "
            "artifact with verify=True to name the tensor) or the computation overflowed")
