"""Compile-and-run from Python: the last step of the Tessera pipeline on x86.

    m = tessera.compile("nemotron_h_tiny", target="x86")   # or an artifact dir
    m.load(ART)                                             # bind weights
    logits, state = m.prefill(ids)                          # ids [B, S] int64
    logits, state = m.decode(token, state)                  # token [B]
    tokens = m.generate(ids, max_new_tokens=8)              # greedy

The compiled object comes from the driver's stages (:mod:`tessera.compiler`)
and is cached on disk, keyed by config, target, weight dtype, CPU and
compiler build. It is loaded in process (ORC JIT, no system linker) and its
functions are called through MLIR's C interface: every argument is a pointer
to a memref descriptor. The ABI (what convert-graph-to-tile guarantees):

    @f(inputs..., weights..., results...)    destination-passing, no returns

``weights`` are the ``graph.weight`` tensors in the order of the function's
``tessera.weights`` attribute; the runtime binds them to the artifact's
memory-mapped arrays (no copies). Results are buffers the runtime allocates.
Every input is validated before compiled code runs.
"""

from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from tessera import compiler
from tessera.checkpoint.artifact import Artifact
from tessera.config import NemotronHConfig, builtin_config_path, load_config
from tessera.errors import ArtifactError, CompileError, RuntimeInputError
from tessera.graph_builder import FUNCTIONS, StateSpec, build_graph, state_specs

_NUMPY_OF_STORAGE = {"fp32": np.float32, "bf16": np.uint16, "fp16": np.float16}


# ---------------------------------------------------------------- memref ABI
_DESCRIPTORS: dict[int, type] = {}


def _descriptor_type(rank: int) -> type:
    """ctypes mirror of MLIR's ranked memref descriptor for ``rank``."""
    if rank not in _DESCRIPTORS:
        class Descriptor(ctypes.Structure):
            _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                        ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                        ("strides", ctypes.c_int64 * rank)]
        _DESCRIPTORS[rank] = Descriptor
    return _DESCRIPTORS[rank]


def _descriptor(arr: np.ndarray):
    if not arr.flags.c_contiguous:
        raise RuntimeInputError("internal: arrays passed to compiled code must be C-contiguous")
    d = _descriptor_type(arr.ndim)()
    d.allocated = d.aligned = arr.ctypes.data
    d.offset = 0
    for i, (n, s) in enumerate(zip(arr.shape, arr.strides)):
        d.sizes[i] = n
        d.strides[i] = s // arr.itemsize
    return d


@dataclass
class State:
    """Recurrent state of a batch: one array per :func:`state_specs` entry
    (conv and SSM states of Mamba layers, K/V caches of attention layers) plus
    the number of tokens consumed."""

    arrays: list
    position: int
    batch: int


class CompiledModel:
    """A Nemotron-H config compiled for one target; ``load`` links it to weights."""

    def __init__(self, config: NemotronHConfig, target: str, weight_dtype: str, obj: bytes,
                 metadata: dict, cache_path: Path | None):
        from tessera._tessera import JitLibrary

        self.config = config
        self.target = target
        self.weight_dtype = weight_dtype
        self.metadata = metadata
        self.cache_path = cache_path
        self._lib = JitLibrary(obj)
        self._states = state_specs(config)
        self._functions = {}
        for name, info in metadata["functions"].items():
            n_args = info["num_inputs"] + len(info["weights"]) + info["num_results"]
            address = self._lib.lookup(f"_mlir_ciface_{name}")
            proto = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * n_args))
            self._functions[name] = (proto(address), info)
        self._weights: dict[str, np.ndarray] | None = None
        self._artifact: Artifact | None = None

    # ------------------------------------------------------------ weights
    def load(self, artifact: str | os.PathLike | Artifact) -> "CompiledModel":
        """Binds the weights of a converted checkpoint (memory-mapped)."""
        art = artifact if isinstance(artifact, Artifact) else Artifact.open(artifact)
        if art.config.to_hf_dict(json_safe=True) != self.config.to_hf_dict(json_safe=True):
            raise ArtifactError(f"{art.path}: the artifact's config differs from the compiled model's "
                                f"({art.config.hybrid_override_pattern!r}, hidden {art.config.hidden_size} vs "
                                f"{self.config.hybrid_override_pattern!r}, hidden {self.config.hidden_size})")
        weights = {}
        want = _NUMPY_OF_STORAGE[self.weight_dtype]
        for name in art.names():
            arr = art.array(name)
            if arr.dtype != want:
                raise ArtifactError(f"{art.path}: tensor {name!r} is {arr.dtype}, but the model was compiled "
                                    f"for {self.weight_dtype} weights; compile from this artifact")
            weights[name] = np.ascontiguousarray(arr)
        self._weights, self._artifact = weights, art
        return self

    # ------------------------------------------------------------ running
    def init_state(self, batch: int) -> State:
        return State(self._empty_states(batch, 0), 0, batch)

    def prefill(self, ids, state: State | None = None) -> tuple[np.ndarray, State]:
        """ids [B, S] int64 -> (logits [B, S, V] float32, state). With ``state``
        the prompt continues an earlier call (chunked prefill)."""
        ids = self._check_ids(ids, 2)
        b, s = ids.shape
        if state is not None:
            self._check_state(state, b)
            return self._run("prefill_chunk", ids, state)
        return self._run("prefill", ids, None)

    def decode(self, token, state: State) -> tuple[np.ndarray, State]:
        """token [B] int64 -> (logits [B, V] float32, new state)."""
        token = self._check_ids(token, 1)
        self._check_state(state, token.shape[0])
        logits, new = self._run("decode", np.ascontiguousarray(token[:, None]), state)
        return logits[:, 0], new

    def generate(self, ids, max_new_tokens: int, return_logits: bool = False):
        """Greedy decoding: returns tokens [B, max_new_tokens] (and the logits of
        each generated step [B, N, V] when ``return_logits``)."""
        if not isinstance(max_new_tokens, int) or max_new_tokens < 0:
            raise RuntimeInputError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
        ids = self._check_ids(ids, 2)
        self._check_length(ids.shape[1] + max_new_tokens)
        tokens, steps = [], []
        if max_new_tokens == 0:
            empty = np.zeros((ids.shape[0], 0), np.int64)
            return (empty, np.zeros((ids.shape[0], 0, self.config.vocab_size), np.float32)) if return_logits else empty
        logits, state = self.prefill(ids)
        last = logits[:, -1]
        for step in range(max_new_tokens):
            steps.append(last)
            token = np.argmax(last, axis=-1).astype(np.int64)
            tokens.append(token)
            if step + 1 < max_new_tokens:
                last, state = self.decode(token, state)
        out = np.stack(tokens, axis=1)
        return (out, np.stack(steps, axis=1)) if return_logits else out

    # ------------------------------------------------------------ internals
    def _run(self, name: str, ids: np.ndarray, state: State | None) -> tuple[np.ndarray, State]:
        if self._weights is None:
            raise RuntimeInputError("no weights bound: call load(ARTIFACT) first")
        fn, info = self._functions[name]
        b, s = ids.shape
        past = state.position if state is not None else 0
        inputs = [ids] + (list(state.arrays) if state is not None else [])
        if len(inputs) != info["num_inputs"]:
            raise CompileError(f"internal: {name} expects {info['num_inputs']} inputs, got {len(inputs)}")
        try:
            weights = [self._weights[w] for w in info["weights"]]
        except KeyError as e:
            raise ArtifactError(f"the artifact has no tensor {e.args[0]!r} that the compiled model needs") from None
        logits = np.empty((b, s, self.config.vocab_size), np.float32)
        outputs = [logits] + self._empty_states(b, past + s)
        descriptors = [_descriptor(a) for a in inputs + weights + outputs]
        fn(*[ctypes.addressof(d) for d in descriptors])
        return logits, State(outputs[1:], past + s, b)

    def _empty_states(self, batch: int, length: int) -> list:
        arrays = []
        for spec in self._states:
            shape = [batch if i == 0 else (length if d is None else d) for i, d in enumerate(spec.shape)]
            arrays.append(np.zeros(shape, np.float32))
        return arrays

    def _check_ids(self, ids, ndim: int) -> np.ndarray:
        arr = np.asarray(ids)
        what = "ids [B, S]" if ndim == 2 else "token [B]"
        if arr.ndim != ndim:
            raise RuntimeInputError(f"{what}: expected rank {ndim}, got shape {list(arr.shape)}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise RuntimeInputError(f"{what}: expected integer token ids, got {arr.dtype}")
        if arr.size == 0:
            raise RuntimeInputError(f"{what}: empty (shape {list(arr.shape)})")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= self.config.vocab_size:
            bad = lo if lo < 0 else hi
            raise RuntimeInputError(f"{what}: token id {bad} is outside [0, {self.config.vocab_size})")
        return np.ascontiguousarray(arr, dtype=np.int64)

    def _check_length(self, total: int) -> None:
        limit = self.config.max_position_embeddings
        if total > limit:
            raise RuntimeInputError(f"sequence length {total} exceeds max_position_embeddings {limit}")

    def _check_state(self, state: State, batch: int) -> None:
        if not isinstance(state, State):
            raise RuntimeInputError(f"state: expected a tessera.runtime.State, got {type(state).__name__}")
        if state.batch != batch:
            raise RuntimeInputError(f"state is for batch {state.batch}, got {batch} sequences")
        if len(state.arrays) != len(self._states):
            raise RuntimeInputError(f"state: expected {len(self._states)} arrays, got {len(state.arrays)}")
        for spec, arr in zip(self._states, state.arrays):
            expected = [batch if i == 0 else (state.position if d is None else d)
                        for i, d in enumerate(spec.shape)]
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float32 or list(arr.shape) != expected \
                    or not arr.flags.c_contiguous:
                got = f"{arr.dtype} {list(arr.shape)}" if isinstance(arr, np.ndarray) else type(arr).__name__
                raise RuntimeInputError(f"state of layer {spec.layer} ({spec.kind}): expected float32 "
                                        f"{expected}, got {got}")
        self._check_length(state.position + 1)


# ---------------------------------------------------------------- entry point
def _resolve(config_or_artifacts) -> tuple[NemotronHConfig, str | None, Artifact | None]:
    """(config, artifact weight dtype or None, artifact or None)."""
    if isinstance(config_or_artifacts, NemotronHConfig):
        return config_or_artifacts, None, None
    if isinstance(config_or_artifacts, Artifact):
        return config_or_artifacts.config, config_or_artifacts.dtype, config_or_artifacts
    path = Path(config_or_artifacts)
    if path.is_dir() and (path / "manifest.json").exists():
        art = Artifact.open(path)
        return art.config, art.dtype, art
    if not path.exists() and "/" not in str(config_or_artifacts) and not path.suffix:
        path = builtin_config_path(str(config_or_artifacts))
    return load_config(path), None, None


def compile(config_or_artifacts, target: str = "x86", *, weight_dtype: str | None = None,
            cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> CompiledModel:
    """Compiles a model (config object, config file, built-in config name or
    artifact directory) for ``target``. An artifact also fixes the weight dtype
    and is bound right away."""
    from tessera._tessera import host_cpu

    config, art_dtype, art = _resolve(config_or_artifacts)
    if art_dtype == "mixed":
        raise CompileError("artifacts with mixed tensor dtypes cannot be compiled; convert with --dtype")
    wdtype = weight_dtype or art_dtype or "fp32"
    if wdtype not in _NUMPY_OF_STORAGE:
        raise CompileError(f"weight dtype {wdtype!r}: expected one of {', '.join(_NUMPY_OF_STORAGE)}")
    compiler._check_target(target)
    key = compiler.cache_key(config, target, wdtype, host_cpu())
    directory = Path(cache_dir) if cache_dir else compiler.default_cache_dir()
    obj_path, meta_path = directory / f"{key}.o", directory / f"{key}.json"
    if use_cache and obj_path.exists() and meta_path.exists():
        obj, metadata = obj_path.read_bytes(), json.loads(meta_path.read_text())
    else:
        module = build_graph(config, weight_dtype=wdtype, functions=FUNCTIONS)
        result = compiler.lower(module, "graph", "obj", target)
        obj, metadata = result.module, result.metadata
        if use_cache:
            compiler.write_atomically(obj_path, obj)
            compiler.write_atomically(meta_path, json.dumps(metadata).encode())
    model = CompiledModel(config, target, wdtype, obj, metadata, obj_path if use_cache else None)
    if art is not None:
        model.load(art)
    return model


__all__ = ["CompiledModel", "State", "compile", "StateSpec"]
