"""Checks of what users hand to a compiled model, shared by the runtimes
(x86: tessera.runtime; CUDA: tessera.cuda). Imports only numpy, so the CUDA
driver stays importable without the compiler extension."""

from __future__ import annotations

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
