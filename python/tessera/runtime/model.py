"""The generic runtime: a compiled model, its states and greedy generation.

Target-independent: it reads the ABI off the compiled module
(:mod:`tessera.runtime.abi`), validates every input before compiled code
runs, owns the recurrent state (allocated once, with a capacity) and calls
one target :class:`~tessera.runtime.driver.Driver` to run functions.

State is allocated once per sequence batch: conv and SSM states, and K/V
caches ``[B, capacity, kv_heads, head_dim]`` whose capacity is the
``max_seq_len`` given to ``compile``/``prefill``/``generate`` (default: the
config's ``max_position_embeddings``). Every call updates the state's
buffers in place and advances ``State.position``, the number of tokens
consumed; the compiled code reads the position from an int64 input, so a
decode step costs the same at every position (apart from attention's reads
of the cache). Exceeding the capacity is a RuntimeInputError raised before
any compiled code runs.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tessera.checkpoint.artifact import Artifact
from tessera.checkpoint.names import weight_specs
from tessera.config import NemotronHConfig, builtin_config_path, load_config
from tessera.errors import ArtifactError, CompileError, RuntimeInputError
from tessera.runtime.abi import DTYPES, FunctionABI, StateABI, parse_functions
from tessera.runtime.driver import Driver

_NUMPY_OF_STORAGE = {"fp32": np.float32, "bf16": np.uint16, "fp16": np.float16}
_FUNCTIONS = ("prefill", "prefill_chunk", "decode")


@dataclass
class State:
    """Recurrent state of a batch: one buffer per ABI state (conv and SSM
    states of Mamba layers, K/V caches of attention layers), the number of
    tokens consumed and the K/V capacity. Calls update it in place."""

    arrays: list
    position: int
    batch: int
    capacity: int = 0

    def copy(self) -> "State":
        """An independent copy (e.g. to decode twice from one prompt)."""
        return State([np.array(a, copy=True) for a in self.arrays], self.position, self.batch,
                     self.capacity)


class CompiledModel:
    """A Nemotron-H config compiled for one target; ``load`` links it to weights."""

    def __init__(self, config: NemotronHConfig, target: str, weight_dtype: str, obj: bytes,
                 metadata: dict, cache_path: Path | None, *, max_seq_len: int | None = None,
                 driver: type[Driver] | None = None, cache_status: str = "uncached",
                 num_threads: int | None = None):
        from tessera.runtime.cpu import CPUDriver

        self.config = config
        self.target = target
        self.weight_dtype = weight_dtype
        self.metadata = metadata
        self.cache_path = cache_path
        self.cache_status = cache_status
        # x86: the CPU and LLVM features the code was compiled for (set by compile()).
        self.cpu: str | None = None
        self.features: str | None = None
        self.abi: dict[str, FunctionABI] = parse_functions(metadata)
        missing = [f for f in _FUNCTIONS if f not in self.abi]
        if missing:
            raise CompileError(f"the compiled module lacks function(s) {', '.join(missing)}")
        self.states: tuple[StateABI, ...] = self._common_states()
        self.max_seq_len = self._check_max_seq_len(max_seq_len)
        if driver is None:
            self._driver = CPUDriver(obj, self.abi, num_threads=num_threads)
        else:
            self._driver = driver(obj, self.abi)
        self._artifact: Artifact | None = None

    def _common_states(self) -> tuple:
        """The states every function takes, in one order, all in place."""
        key = lambda s: (s.kind, s.layer, s.dtype, s.shape)  # noqa: E731
        first = self.abi["decode"].states
        for name, fn in self.abi.items():
            if [key(s) for s in fn.states] != [key(s) for s in first]:
                raise CompileError(f"function {name} takes other states than decode")
            for s in fn.states:
                if not s.in_place:
                    raise CompileError(f"function {name}: state of layer {s.layer} ({s.kind}) is not "
                                       "updated in place, which this runtime requires")
        return first

    def _check_max_seq_len(self, max_seq_len) -> int:
        limit = self.config.max_position_embeddings
        if max_seq_len is None:
            return limit
        if not isinstance(max_seq_len, int) or isinstance(max_seq_len, bool) or max_seq_len < 1:
            raise RuntimeInputError(f"max_seq_len must be a positive integer, got {max_seq_len!r}")
        if max_seq_len > limit:
            raise RuntimeInputError(f"max_seq_len {max_seq_len} exceeds max_position_embeddings {limit}")
        return max_seq_len

    # ------------------------------------------------------------ weights
    def load(self, artifact: str | os.PathLike | Artifact, *, verify: bool = True,
             cache_dir: str | os.PathLike | None = None) -> "CompiledModel":
        """Binds the weights of a converted checkpoint (memory-mapped). With
        ``verify`` the shards are first checked against the manifest's
        sha256 and for finite values, once per artifact (remembered in
        ``cache_dir``/verified, default the compile cache's directory)."""
        art = artifact if isinstance(artifact, Artifact) else Artifact.open(artifact)
        if verify:
            art.verify(cache_dir)
        if art.config.to_hf_dict(json_safe=True) != self.config.to_hf_dict(json_safe=True):
            raise ArtifactError(f"{art.path}: the artifact's config differs from the compiled model's "
                                f"({art.config.hybrid_override_pattern!r}, hidden {art.config.hidden_size} vs "
                                f"{self.config.hybrid_override_pattern!r}, hidden {self.config.hidden_size})")
        weights = {}
        fp32_only = {s.name for s in weight_specs(self.config) if s.keep_fp32}  # the MoE router
        for name in art.names():
            arr = art.array(name)
            want = _NUMPY_OF_STORAGE["fp32" if name in fp32_only else self.weight_dtype]
            if arr.dtype != want:
                raise ArtifactError(f"{art.path}: tensor {name!r} is {arr.dtype}, but the model was compiled "
                                    f"for {self.weight_dtype} weights; compile from this artifact")
            weights[name] = arr
        for fn in self.abi.values():
            for name in fn.weights:
                if name not in weights:
                    raise ArtifactError(f"{art.path}: the artifact has no tensor {name!r} that the compiled "
                                        "model needs")
        self._driver.bind_weights(weights)
        self._artifact = art
        return self

    # ------------------------------------------------------------ states
    def init_state(self, batch: int, max_seq_len: int | None = None) -> State:
        """Zeroed states for ``batch`` sequences of up to ``max_seq_len``
        tokens (default: the model's)."""
        if not isinstance(batch, int) or batch < 1:
            raise RuntimeInputError(f"batch must be a positive integer, got {batch!r}")
        capacity = self.max_seq_len if max_seq_len is None else self._check_max_seq_len(max_seq_len)
        shapes = [self._state_shape(s, batch, capacity) for s in self.states]
        try:
            arrays = [self._driver.allocate_state(s, shape) for s, shape in zip(self.states, shapes)]
        except (MemoryError, ValueError) as e:  # numpy: "array is too big" / cannot allocate
            total = sum(math.prod(shape) * np.dtype(DTYPES[s.dtype]).itemsize for s, shape in zip(self.states, shapes))
            raise RuntimeInputError(
                f"cannot allocate the state of batch {batch} with K/V capacity {capacity} ({total:,} bytes; "
                f"{type(e).__name__}): pass a smaller max_seq_len to compile/prefill/generate") from None
        return State(arrays, 0, batch, capacity)

    @staticmethod
    def _state_shape(spec: StateABI, batch: int, capacity: int) -> list:
        # Dynamic dims: the batch (dim 0), else the K/V capacity.
        return [d if d >= 0 else (batch if i == 0 else capacity) for i, d in enumerate(spec.shape)]

    # ------------------------------------------------------------ running
    def prefill(self, ids, state: State | None = None, *, max_seq_len: int | None = None,
                all_logits: bool = False) -> tuple[np.ndarray, State]:
        """ids [B, S] int64 -> (logits [B, 1, V] float32 of the last position,
        or [B, S, V] of every position with ``all_logits``, state). With
        ``state`` the prompt continues an earlier call (chunked prefill) and
        the state is updated in place; else a new state of capacity
        ``max_seq_len``. The logits are returned as computed: weights loaded
        with ``verify=False`` that hold NaN/Inf give NaN/Inf logits here,
        unchecked (``generate`` and ``tessera run`` refuse them)."""
        ids = self._check_ids(ids, 2)
        b, s = ids.shape
        suffix = _all_logits_suffix(all_logits, self.abi)
        if state is not None:
            self._check_state(state, b)
            return self._run("prefill_chunk" + suffix, ids, state)
        return self._run("prefill" + suffix, ids, self.init_state(b, max_seq_len))

    def decode(self, token, state: State) -> tuple[np.ndarray, State]:
        """token [B] int64 -> (logits [B, V] float32, the state, advanced in place);
        the logits as computed, NaN/Inf unchecked (see ``prefill``)."""
        token = self._check_ids(token, 1)
        self._check_state(state, token.shape[0])
        logits, state = self._run("decode", np.ascontiguousarray(token[:, None]), state)
        return logits[:, 0], state

    def generate(self, ids, max_new_tokens: int, return_logits: bool = False, *,
                 max_seq_len: int | None = None):
        """Greedy decoding: returns tokens [B, max_new_tokens] (and the logits of
        each generated step [B, N, V] when ``return_logits``). Logits with a
        NaN/Inf raise RuntimeInputError (no token is chosen from them)."""
        from tessera.inputs import check_new_tokens, greedy_generate

        max_new_tokens = check_new_tokens(max_new_tokens)
        ids = self._check_ids(ids, 2)
        capacity = self.max_seq_len if max_seq_len is None else self._check_max_seq_len(max_seq_len)
        # The whole sequence (prompt + generated tokens) must fit the capacity.
        self._check_capacity(ids.shape[1] + max_new_tokens, capacity)
        return greedy_generate(lambda x: self.prefill(x, max_seq_len=capacity), self.decode, ids,
                               max_new_tokens, self.config.vocab_size, return_logits)

    # ------------------------------------------------------------ internals
    def _run(self, name: str, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        if self._artifact is None:
            raise RuntimeInputError("no weights bound: call load(ARTIFACT) first")
        fn = self.abi[name]
        b, s = ids.shape
        self._check_capacity(state.position + s, state.capacity)
        inputs = {}
        for spec in fn.inputs:
            if spec.name == "ids":
                inputs["ids"] = ids
            elif spec.name == "position":
                inputs["position"] = np.array([state.position], np.int64)
            else:
                raise CompileError(f"function {name} takes an input {spec.name!r} the runtime does not know")
        shapes = {}
        for spec in fn.results:
            dims = iter(ids.shape)
            shapes[spec.name] = [d if d >= 0 else next(dims) for d in spec.shape]
        out = self._driver.run(name, inputs, state.arrays, shapes)
        state.position += s
        return out["logits"], state

    def _check_ids(self, ids, ndim: int) -> np.ndarray:
        from tessera.inputs import check_token_ids

        return check_token_ids(ids, ndim, self.config.vocab_size)

    def _check_capacity(self, total: int, capacity: int) -> None:
        from tessera.inputs import check_capacity

        what = "max_position_embeddings" if capacity == self.config.max_position_embeddings else "max_seq_len"
        check_capacity(total, capacity, what, "the state's K/V cache capacity")

    def _check_state(self, state: State, batch: int) -> None:
        if not isinstance(state, State):
            raise RuntimeInputError(f"state: expected a tessera.runtime.State, got {type(state).__name__}")
        if state.batch != batch:
            raise RuntimeInputError(f"state is for batch {state.batch}, got {batch} sequences")
        if len(state.arrays) != len(self.states):
            raise RuntimeInputError(f"state: expected {len(self.states)} arrays, got {len(state.arrays)}")
        for spec, arr in zip(self.states, state.arrays):
            expected = self._state_shape(spec, batch, state.capacity)
            dtype = np.dtype(DTYPES[spec.dtype])
            if not isinstance(arr, np.ndarray) or arr.dtype != dtype or list(arr.shape) != expected \
                    or not arr.flags.c_contiguous or not arr.flags.writeable:
                got = f"{arr.dtype} {list(arr.shape)}" if isinstance(arr, np.ndarray) else type(arr).__name__
                raise RuntimeInputError(f"state of layer {spec.layer} ({spec.kind}): expected {dtype} "
                                        f"{expected}, got {got}")


# ---------------------------------------------------------------- entry point
def _all_logits_suffix(all_logits, functions) -> str:
    """The suffix of the prefill functions that return every position's logits."""
    if not isinstance(all_logits, bool):
        raise RuntimeInputError(f"all_logits must be a bool, got {all_logits!r}")
    if not all_logits:
        return ""
    from tessera.graph_builder import ALL_LOGITS
    if "prefill" + ALL_LOGITS not in functions:
        raise RuntimeInputError("this compiled model has no all-position prefill (compiled before "
                                "all_logits existed): recompile it")
    return ALL_LOGITS


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


def _compile_cuda(config_or_artifacts, *, weight_dtype, cache_dir, max_seq_len, verify):
    import json
    import tempfile

    from tessera import compiler
    from tessera.cuda import load_bundle
    from tessera.graph_builder import FUNCTIONS, build_graph

    config, art_dtype, art = _resolve(config_or_artifacts)
    if art is not None and verify:
        art.verify(cache_dir)
    wdtype = weight_dtype or art_dtype or "bf16"
    if wdtype not in ("bf16", "fp32"):
        raise CompileError(f"weight dtype {wdtype!r}: the CUDA target takes bf16 or fp32")
    module = build_graph(config, weight_dtype=wdtype, functions=FUNCTIONS)
    result = compiler.lower_cuda(module, "graph", "bundle")
    files = compiler.cuda_bundle_files(result.module, config, wdtype)
    root = Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="tessera-cuda-"))
    import hashlib

    digest = hashlib.sha256(json.dumps(config.to_hf_dict(json_safe=True), sort_keys=True).encode()
                            + wdtype.encode()).hexdigest()[:16]
    bundle = root / f"cuda-{digest}"
    compiler.write_directory_atomically(bundle, files)
    model = load_bundle(bundle, max_seq_len=max_seq_len)
    if art is not None:
        model.load(art)
    return model


def compile(config_or_artifacts, target: str = "x86", *, weight_dtype: str | None = None,
            cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
            max_seq_len: int | None = None, verify: bool = True,
            num_threads: int | None = None, cpu: str | None = None,
            features: str | None = None) -> CompiledModel:
    """Compiles a model (config object, config file, built-in config name or
    artifact directory) for ``target``. An artifact also fixes the weight dtype
    and is bound right away. ``max_seq_len`` (default
    ``max_position_embeddings``) is the K/V capacity of the states it makes.
    ``num_threads`` (x86) is the number of threads the compiled kernels use
    (default: ``OMP_NUM_THREADS`` when set, else the cores this process may
    use). ``cpu`` and ``features`` (x86) pick the code's CPU and LLVM
    feature string (default: this machine's; a CPU alone gets the features
    LLVM enables for it), e.g. ``cpu="x86-64-v3"`` for AVX2 code on an
    AVX-512 host; the object must run here, so features this host lacks are
    refused.

    ``target="cuda"`` compiles a CUDA bundle (kernels.cubin + plan.json) into
    ``cache_dir`` (or a temporary directory) and returns a
    :class:`tessera.cuda.CudaModel` on this machine's GPU, with the same
    prefill/decode/generate interface; a bundle made here can also be carried
    to a GPU machine without the compiler (``tessera.cuda.load_bundle``).

    ``verify`` (default on): an artifact's shards are checked against the
    manifest's sha256 (and for finite values) before use, once per artifact
    (remembered in ``cache_dir``, see :mod:`tessera.checkpoint.verify`)."""
    if target == "cuda":
        if num_threads is not None or cpu is not None or features is not None:
            raise CompileError("num_threads, cpu and features apply to target x86 only")
        return _compile_cuda(config_or_artifacts, weight_dtype=weight_dtype, cache_dir=cache_dir,
                             max_seq_len=max_seq_len, verify=verify)
    from tessera import compiler
    from tessera.graph_builder import FUNCTIONS, build_graph
    from tessera.runtime.cache import CompileCache, cache_key, host_target
    from tessera.runtime.cpu import ObjectLoadError

    config, art_dtype, art = _resolve(config_or_artifacts)
    if art is not None and verify:
        art.verify(cache_dir)  # before any compile work: a corrupt artifact fails fast
    if art_dtype == "mixed":
        raise CompileError("artifacts with mixed tensor dtypes cannot be compiled; convert with --dtype")
    wdtype = weight_dtype or art_dtype or "fp32"
    if wdtype not in _NUMPY_OF_STORAGE:
        raise CompileError(f"weight dtype {wdtype!r}: expected one of {', '.join(_NUMPY_OF_STORAGE)}")
    compiler._check_target(target)
    cpu_target = host_target(target, cpu, features)
    key, payload = cache_key(config, cpu_target, wdtype)
    cache = CompileCache(Path(cache_dir) if cache_dir else compiler.default_cache_dir()) if use_cache else None
    # The ABI always comes from this compile's own tile stage and the
    # target's weight-layout choice (cheap); only codegen is cached, and an
    # entry must record exactly this ABI.
    tile = compiler.lower(build_graph(config, weight_dtype=wdtype, functions=FUNCTIONS), "graph", "tile", target,
                          cpu=cpu_target["cpu"], features=cpu_target["features"])
    metadata = json.loads(json.dumps(compiler.target_abi_metadata(tile.module, target), sort_keys=True))
    hit = cache.load(key, payload, metadata) if cache else None
    if hit is not None:
        try:
            model = CompiledModel(config, target, wdtype, hit[0], metadata, cache.object_path(key),
                                  max_seq_len=max_seq_len, cache_status="hit", num_threads=num_threads)
        except ObjectLoadError as e:
            cache.reject(key, str(e))
            hit = None
    if hit is None:
        # A problem here is an invalid entry (rebuilt) or an unreadable dir.
        problem = cache.last_problem if cache else None
        lowered = compiler.lower(tile.module, "tile", "obj", target)
        if json.loads(json.dumps(lowered.metadata, sort_keys=True)) != metadata:
            raise CompileError("internal: the target stage recorded another ABI than the weight-layout "
                               "passes chose")
        obj = lowered.module
        path = cache.store(key, payload, obj, metadata) if cache else None
        if cache is None:
            status = "disabled"
        elif path is None:
            status = f"uncached ({cache.last_problem})"
        else:
            status = f"rebuilt ({problem})" if problem else "stored"
        model = CompiledModel(config, target, wdtype, obj, metadata, path, max_seq_len=max_seq_len,
                              cache_status=status, num_threads=num_threads)
    model.cpu, model.features = cpu_target["cpu"], cpu_target["features"]
    if art is not None:
        model.load(art, verify=False)  # verified above when asked
    return model
