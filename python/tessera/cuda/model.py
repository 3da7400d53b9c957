"""A compiled Nemotron-H bundle running on an NVIDIA GPU: the CUDA twin of
:class:`tessera.runtime.CompiledModel`.

    m = tessera.cuda.load_bundle(BUNDLE).load(ART)   # weights uploaded once
    logits, state = m.prefill(ids)                     # ids [B, S] int64 -> [B, 1, V] float32 (all_logits=True: [B, S, V])
    logits, state = m.decode(token, state)             # token [B] -> [B, V]
    tokens = m.generate(ids, max_new_tokens=8)

Where it sits: bundle (plan.json + kernels.cubin, from ``tessera compile
--target cuda``) -> :mod:`tessera.cuda.plan` (one LaunchList per function and
argument shapes, cached here with its arena) -> :mod:`tessera.cuda.driver`
(launches, CUDA graphs). States stay on the device between calls; only
token ids go up and logits come back.

Argument roles (ids, position, states, weights, logits) come from each
function's ``abi`` in plan.json and are read in ONE place, :func:`function_abi`.
A launch list met a second time is captured into a CUDA graph and replayed
(``TESSERA_CUDA_GRAPHS=0`` turns that off); ``stats`` keeps the eager and
graph step times so the launch overhead can be read off.

Imports with numpy alone (no extension, MLIR or torch).
"""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tessera.cuda.driver import capture_graph, open_device, run_launches
from tessera.cuda.plan import DTYPE_BYTES, Function, LaunchList, Plan, evaluate
from tessera.errors import ArtifactError, BundleError, CudaError, RuntimeInputError, TesseraError

log = logging.getLogger("tessera.cuda")

_NUMPY = {"f32": np.float32, "bf16": np.uint16, "f16": np.float16, "i64": np.int64, "i32": np.int32,
          "i8": np.int8, "f64": np.float64}
_ARTIFACT_DTYPE = {"f32": "fp32", "bf16": "bf16", "f16": "fp16"}
_GRAPHS_PER_ENTRY = 4  # graphs kept per launch list, keyed by the argument addresses they captured
#: launch lists kept (least recently used dropped with their arenas): a cache that grows every
#: step (today's decode) must not hold one arena per step
_MAX_ENTRIES = 16


# ============================================================================ ABI
@dataclass(frozen=True)
class Role:
    """What a host-function argument is: ``ids``, ``position`` (tokens already
    consumed, an i64 device buffer or an index scalar), ``state_in`` /
    ``state_out`` number ``index``, ``weight`` named ``name``, or ``logits``."""

    kind: str
    index: int = -1
    name: str = ""


@dataclass(frozen=True)
class FunctionAbi:
    function: str
    roles: tuple
    in_place: bool  # states are updated in place (fixed-capacity caches), none are returned
    capacity: int | None = None  # cache capacity fixed by the compiler, if any

    @property
    def weights(self) -> list[str]:
        return [r.name for r in self.roles if r.kind == "weight"]

    def count(self, kind: str) -> int:
        return sum(1 for r in self.roles if r.kind == kind)


def _roles_of_ir_abi(abi: dict, where: str) -> dict:
    """convert-graph-to-tile's ``tessera.abi`` (inputs, states, results as
    ``{arg, name|kind, dtype, shape, in_place}`` entries, weights by name from
    ``first_weight_arg``) as the role lists read below: inputs and states in
    argument order before the weights, results after them."""
    try:
        entries = [(int(e["arg"]), str(e["name"])) for e in abi["inputs"]]
        states = abi.get("states", [])
        entries += [(int(e["arg"]), "state") for e in states]
        results = sorted((int(e["arg"]), str(e["name"])) for e in abi["results"])
    except (KeyError, TypeError, ValueError):
        raise BundleError(f"{where}: tessera.abi entries need an arg index and a name") from None
    entries.sort()
    if [a for a, _ in entries] != list(range(len(entries))):
        raise BundleError(f"{where}: tessera.abi inputs and states must be the arguments 0..{len(entries) - 1}")
    if not all(e.get("in_place") for e in states):
        raise BundleError(f"{where}: this driver needs every state updated in place (in_place = true)")
    return {"inputs": [name for _, name in entries], "results": [name for _, name in results]}


def function_abi(fn: Function) -> FunctionAbi:
    """The calling convention of a host function, from its ``abi`` attributes.

    Keys may carry their ``tessera.`` prefix or not. Today's (GraphToTile):
    ``@f(inputs..., weights..., results...)`` with
    ``tessera.weights`` (names), ``tessera.num_inputs`` (ids, then states) and
    ``tessera.num_results`` (logits, then the new states). With a
    ``tessera.abi`` attribute the inputs and results are listed by role,
    ``{"inputs": ["ids", "position", "state", ...], "results": ["logits", ...],
    "capacity": N?}``; states that appear among the inputs but not among the
    results are updated in place."""
    where = f"plan.json: function {fn.name!r}: abi"
    # The exporter may keep the attribute names whole ("tessera.weights") or drop the prefix.
    abi = {k.removeprefix("tessera."): v for k, v in fn.abi.items()}
    weights = abi.get("weights")
    if not isinstance(weights, list) or not all(isinstance(w, str) for w in weights):
        raise BundleError(f"{where}: tessera.weights must be a list of weight names")
    described = abi.get("abi")
    if described is None:
        n_in, n_out = abi.get("num_inputs"), abi.get("num_results")
        if not isinstance(n_in, int) or not isinstance(n_out, int) or n_in < 1 or n_out < 1:
            raise BundleError(f"{where}: tessera.num_inputs / tessera.num_results must be positive integers")
        inputs = ["ids"] + ["state"] * (n_in - 1)
        results = ["logits"] + ["state"] * (n_out - 1)
        capacity = None
    else:
        if isinstance(described, str):
            try:
                described = json.loads(described)
            except json.JSONDecodeError:
                described = None
        if isinstance(described, dict) and described.get("inputs") \
                and all(isinstance(e, dict) for e in described["inputs"]):
            described = _roles_of_ir_abi(described, where)
        if not isinstance(described, dict) or not isinstance(described.get("inputs"), list) \
                or not isinstance(described.get("results"), list):
            raise BundleError(f"{where}: tessera.abi is not understood by this driver (expected "
                              '{"inputs": [roles], "results": [roles]})')
        inputs, results = described["inputs"], described["results"]
        capacity = described.get("capacity")
        for r in inputs:
            if r not in ("ids", "position", "state"):
                raise BundleError(f"{where}: unknown input role {r!r} (expected ids, position, state)")
        for r in results:
            if r not in ("logits", "state"):
                raise BundleError(f"{where}: unknown result role {r!r} (expected logits, state)")
    if inputs.count("ids") != 1 or results.count("logits") != 1:
        raise BundleError(f"{where}: expected one ids input and one logits result")
    n_state_in, n_state_out = inputs.count("state"), results.count("state")
    in_place = n_state_in > 0 and n_state_out == 0
    if not in_place and n_state_in not in (0, n_state_out):
        raise BundleError(f"{where}: {n_state_in} state inputs but {n_state_out} state results")
    if len(fn.args) != len(inputs) + len(weights) + len(results):
        raise BundleError(f"{where}: {len(inputs)} inputs + {len(weights)} weights + {len(results)} results, "
                          f"but the function has {len(fn.args)} arguments")
    roles, k_in, k_out = [], 0, 0
    for r in inputs:
        roles.append(Role("state_in", k_in) if r == "state" else Role(r))
        k_in += r == "state"
    roles += [Role("weight", name=w) for w in weights]
    for r in results:
        roles.append(Role("state_out", k_out) if r == "state" else Role(r))
        k_out += r == "state"
    for role, spec in zip(roles, fn.args):
        if role.kind == "position":
            continue  # an index scalar or an i64 buffer
        if spec.kind != "memref":
            raise BundleError(f"{where}: argument {spec.name} ({role.kind}) must be a memref")
        if role.kind == "ids" and (spec.dtype != "i64" or len(spec.shape) != 2):
            raise BundleError(f"{where}: the ids argument {spec.name} must be an i64 [B, S] memref")
        if role.kind == "logits" and (spec.dtype != "f32" or len(spec.shape) != 3):
            raise BundleError(f"{where}: the logits argument {spec.name} must be an f32 [B, S, V] memref")
    return FunctionAbi(fn.name, tuple(roles), in_place, capacity)


# ============================================================================ device memory
class DeviceBuffer:
    """A device allocation with the numpy shape/dtype it holds; freed with the object."""

    def __init__(self, device, shape, dtype):
        self.device = device
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        self.ptr = device.alloc(self.nbytes)
        self._finalizer = weakref.finalize(self, _free_quietly, device, self.ptr)

    def upload(self, array) -> "DeviceBuffer":
        a = np.ascontiguousarray(array, dtype=self.dtype)
        if a.shape != self.shape:
            raise RuntimeInputError(f"internal: uploading {list(a.shape)} into a {list(self.shape)} buffer")
        self.device.upload(self.ptr, a)
        return self

    def zero(self) -> "DeviceBuffer":
        self.device.zero(self.ptr, self.nbytes)
        return self

    def numpy(self) -> np.ndarray:
        return self.device.download(np.empty(self.shape, self.dtype), self.ptr)


def _model_fields(config) -> dict:
    """The config as HF writes it, less the storage dtype (each tensor's dtype is checked on its own)."""
    d = config.to_hf_dict(json_safe=True)
    d.pop("torch_dtype", None)
    d.pop("dtype", None)
    return d


def _free_quietly(device, ptr):
    try:
        device.free(ptr)
    except Exception:  # at interpreter exit or after a sticky CUDA error: nothing to do
        pass


class State:
    """Recurrent state of a batch, on the device: conv and SSM states and K/V
    caches (one buffer per state of the plan), plus the tokens consumed."""

    def __init__(self, model, buffers: list, position: int, batch: int):
        self._model = weakref.ref(model)
        self.buffers = buffers
        self.position = position
        self.batch = batch
        self.stale = False  # set when a later call updated these buffers in place

    @property
    def arrays(self) -> list:
        """The states copied to the host (float32 numpy arrays)."""
        return [b.numpy() for b in self.buffers]


# ============================================================================ the model
@dataclass
class _Entry:
    """A cached launch list with the device memory it runs on."""

    launches: LaunchList
    arena: DeviceBuffer
    io: dict  # role kind -> DeviceBuffer owned by the entry (ids, position, logits)
    calls: int = 0
    graphs: OrderedDict = field(default_factory=OrderedDict)


class _ArtifactTensor:
    """A tensor of an artifact, read when uploaded."""

    def __init__(self, art, name: str):
        self._art, self._name = art, name
        self.dtype, self.shape = art.tensor_dtype(name), tuple(art.shape(name))

    def array(self):
        return self._art.array(self._name)


class _ArrayTensor:
    """A numpy array given by name (uint16 = bf16 bits)."""

    _DTYPES = {np.dtype(np.float32): "fp32", np.dtype(np.uint16): "bf16", np.dtype(np.float16): "fp16"}

    def __init__(self, arr):
        arr = np.asarray(arr)
        self._arr, self.shape = arr, tuple(arr.shape)
        self.dtype = self._DTYPES.get(arr.dtype, str(arr.dtype))

    def array(self):
        return self._arr


class CudaModel:
    """A CUDA bundle on one device; ``load`` uploads an artifact's weights."""

    target = "cuda"

    def __init__(self, plan: Plan, device, *, max_seq_len: int | None = None, graphs: bool | None = None):
        from tessera.config import load_config

        self.plan = plan
        self.device = device
        try:
            self.config = load_config(plan.config)
        except TesseraError as e:
            raise BundleError(f"{plan.path}: invalid config: {e}") from None
        self.weight_dtype = plan.weight_dtype
        for required in ("prefill", "decode"):
            if required not in plan.functions:
                raise BundleError(f"{plan.path}: no {required!r} function")
        self._abi = {name: function_abi(fn) for name, fn in plan.functions.items()}
        self._state_specs = self._collect_state_specs()
        caps = {a.capacity for a in self._abi.values() if a.capacity is not None}
        self.capacity = (caps.pop() if len(caps) == 1 else None) if caps else None
        if self.capacity is None and any(a.in_place for a in self._abi.values()):
            self.capacity = int(max_seq_len or self.config.max_position_embeddings)
        self.graphs = (os.environ.get("TESSERA_CUDA_GRAPHS", "1") != "0") if graphs is None else graphs
        self._functions = self._load_kernels()
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._weights: dict[str, DeviceBuffer] | None = None
        self.stats: dict[str, dict] = {}

    # ------------------------------------------------------------ set-up
    def _collect_state_specs(self) -> list:
        """(dtype, shape with -1) of each state, checked to agree across functions."""
        specs: dict[int, tuple] = {}
        for name, abi in self._abi.items():
            for role, spec in zip(abi.roles, self.plan.functions[name].args):
                if role.kind not in ("state_in", "state_out"):
                    continue
                # A state's length dim may be static in one function and dynamic in another
                # (prefill returns caches of exactly S tokens): compare rank and dtype only.
                seen = specs.setdefault(role.index, (spec.dtype, spec.shape))
                if (seen[0], len(seen[1])) != (spec.dtype, len(spec.shape)):
                    raise BundleError(f"plan.json: function {name!r}: state {role.index} is {spec.dtype} "
                                      f"{list(spec.shape)}, another function has {seen[0]} {list(seen[1])}")
                if role.kind == "state_in":
                    specs[role.index] = (spec.dtype, spec.shape)
        return [specs[k] for k in sorted(specs)]

    def _load_kernels(self) -> dict:
        try:
            module = self.device.load_module(self.plan.cubin)
        except CudaError as e:
            raise BundleError(f"{self.plan.path}: kernels.cubin does not load on {self.device!r}: {e}") from None
        functions = {}
        for name, kernel in self.plan.kernels.items():
            try:
                functions[name] = self.device.get_function(module, name, kernel.shared_bytes)
            except CudaError as e:
                raise BundleError(f"{self.plan.path}: kernel {name!r} of the kernel table: {e}") from None
        self._module = module
        return functions

    def load(self, artifact, *, verify: bool = True, cache_dir=None) -> "CudaModel":
        """Uploads the weights of a converted checkpoint (bf16 as stored uint16
        bits); ``verify``: check the shards' sha256 first, once per artifact
        (tessera.checkpoint.verify)."""
        from tessera.checkpoint.artifact import Artifact

        art = artifact if isinstance(artifact, Artifact) else Artifact.open(artifact)
        if verify:
            art.verify(cache_dir)
        if _model_fields(art.config) != _model_fields(self.config):
            raise ArtifactError(f"{art.path}: the artifact's config differs from the bundle's "
                                f"({art.config.hybrid_override_pattern!r}, hidden {art.config.hidden_size} vs "
                                f"{self.config.hybrid_override_pattern!r}, hidden {self.config.hidden_size})")
        for name in self._wanted_weights():
            if name not in art:
                raise ArtifactError(f"{art.path}: no tensor {name!r}, which the bundle needs")
        self._upload({name: _ArtifactTensor(art, name) for name in self._wanted_weights()}, str(art.path))
        self._artifact = art
        return self

    def load_weights(self, weights, source: str = "weights") -> "CudaModel":
        """Uploads weights from a mapping Tessera name -> numpy array (bf16 as
        uint16 bits, fp32 as float32), e.g. made in memory from an HF model
        (tessera.testing.tessera_weights_from_hf) -- for models too large to
        write to disk twice. Checked like an artifact's tensors."""
        for name in self._wanted_weights():
            if name not in weights:
                raise ArtifactError(f"{source}: no tensor {name!r}, which the bundle needs")
        self._upload({name: _ArrayTensor(weights[name]) for name in self._wanted_weights()}, source)
        self._artifact = None
        return self

    def _wanted_weights(self) -> dict:
        wanted: dict[str, object] = {}
        for name, abi in self._abi.items():
            for role, spec in zip(abi.roles, self.plan.functions[name].args):
                if role.kind == "weight":
                    wanted.setdefault(role.name, spec)
        return wanted

    def _upload(self, tensors: dict, source: str) -> None:
        weights = {}
        for name, spec in self._wanted_weights().items():
            tensor = tensors[name]
            want = _ARTIFACT_DTYPE.get(spec.dtype)
            if tensor.dtype != want:
                raise ArtifactError(f"{source}: tensor {name!r} is {tensor.dtype}, but the bundle was "
                                    f"compiled for {want} weights; compile for this dtype")
            shape = tensor.shape
            if len(shape) != len(spec.shape) or any(d != -1 and d != s for d, s in zip(spec.shape, shape)):
                raise ArtifactError(f"{source}: tensor {name!r} has shape {list(shape)}, "
                                    f"the bundle expects {list(spec.shape)}")
            weights[name] = DeviceBuffer(self.device, shape, _NUMPY[spec.dtype]).upload(tensor.array())
        self._weights = weights

    # ------------------------------------------------------------ API
    def init_state(self, batch: int) -> State:
        """Zeroed states for ``batch`` sequences (position 0)."""
        return State(self, [self._state_buffer(k, batch).zero()
                            for k in range(len(self._state_specs))], 0, batch)

    def prefill(self, ids, state: State | None = None, *, all_logits: bool = False) -> tuple[np.ndarray, State]:
        """ids [B, S] int64 -> (logits float32, state): the bundle's prefill
        logits (a compiled model's: the last position, [B, 1, V]), or every
        position's [B, S, V] with ``all_logits``. With ``state`` the prompt
        continues an earlier call (chunked prefill)."""
        ids = self._check_ids(ids, 2)
        if not isinstance(all_logits, bool):
            raise RuntimeInputError(f"all_logits must be a bool, got {all_logits!r}")
        suffix = "_all_logits" if all_logits else ""
        if all_logits and "prefill" + suffix not in self.plan.functions:
            raise RuntimeInputError("this bundle has no all-position prefill (prefill_all_logits): "
                                    "rebuild it with tessera compile --target cuda")
        if state is not None:
            self._check_state(state, ids.shape[0], ids.shape[1])
            if "prefill_chunk" + suffix not in self.plan.functions:
                raise RuntimeInputError(f"this bundle has no prefill_chunk{suffix} function: prefill takes no state")
            return self._call("prefill_chunk" + suffix, ids, state)
        self._check_length(ids.shape[1])
        return self._call("prefill" + suffix, ids, None)

    def decode(self, token, state: State) -> tuple[np.ndarray, State]:
        """token [B] int64 -> (logits [B, V] float32, new state)."""
        token = self._check_ids(token, 1)
        self._check_state(state, token.shape[0], 1)
        logits, new = self._call("decode", np.ascontiguousarray(token[:, None]), state)
        return logits[:, 0], new

    def generate(self, ids, max_new_tokens: int, return_logits: bool = False):
        """Greedy decoding: tokens [B, max_new_tokens] (and the logits of each
        generated step [B, N, V] when ``return_logits``); logits with a NaN/Inf
        raise RuntimeInputError. prefill/decode return logits as computed."""
        from tessera.inputs import check_new_tokens, greedy_generate

        max_new_tokens = check_new_tokens(max_new_tokens)
        ids = self._check_ids(ids, 2)
        self._check_length(ids.shape[1] + max_new_tokens)
        return greedy_generate(self.prefill, self.decode, ids, max_new_tokens, self.config.vocab_size,
                               return_logits)

    # ------------------------------------------------------------ one call
    def _call(self, name: str, ids: np.ndarray, state: State | None) -> tuple[np.ndarray, State]:
        if self._weights is None:
            raise RuntimeInputError("no weights on the device: call load(ARTIFACT) first")
        abi, fn = self._abi[name], self.plan.functions[name]
        b, s = ids.shape
        past = state.position if state is not None else 0
        if state is None and abi.count("state_in"):
            state = self.init_state(b)
        total = past + s

        # Concrete argument shapes (and scalar values): the cache key.
        values = []
        for i, (role, spec) in enumerate(zip(abi.roles, fn.args)):
            if spec.kind != "memref":
                values.append(past if role.kind == "position" else 0)
            elif role.kind == "weight":
                values.append(self._weights[role.name].shape)
            elif role.kind == "state_in":
                values.append(state.buffers[role.index].shape)
            else:
                values.append(self._dims(name, i, role, spec.shape, b, s, total))
        key = (name, tuple(values))
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = self._new_entry(name, values)
            if len(self._entries) > _MAX_ENTRIES:
                self._drop(self._entries.popitem(last=False)[1])
        else:
            self._entries.move_to_end(key)

        new_states = []
        bases = []
        for role, spec, value in zip(abi.roles, fn.args, values):
            if spec.kind != "memref":
                bases.append(0)
            elif role.kind == "ids":
                bases.append(entry.io["ids"].upload(ids).ptr)
            elif role.kind == "position":
                bases.append(entry.io["position"].upload(np.full(value, past, np.int64)).ptr)
            elif role.kind == "weight":
                bases.append(self._weights[role.name].ptr)
            elif role.kind == "state_in":
                bases.append(state.buffers[role.index].ptr)
            elif role.kind == "state_out":
                buf = DeviceBuffer(self.device, value, _NUMPY[spec.dtype]).zero()
                new_states.append(buf)
                bases.append(buf.ptr)
            else:  # logits
                bases.append(entry.io["logits"].ptr)
        bases.append(entry.arena.ptr)
        if abi.in_place:
            state.stale = True  # from here on its buffers hold the next position's state
        self._execute(name, entry, bases)
        logits = entry.io["logits"].numpy()
        if abi.in_place:
            return logits, State(self, state.buffers, total, b)
        return logits, State(self, new_states, total, b)

    def _dims(self, name: str, index: int, role: Role, shape: tuple, b: int, s: int, total: int) -> tuple:
        """Sizes the dynamic (-1) dims of an argument the runtime allocates."""
        out = []
        for k, d in enumerate(shape):
            if d != -1:
                out.append(d)
            elif k == 0:
                out.append(b)
            elif role.kind in ("ids", "logits") and k == 1:
                out.append(s)
            elif role.kind in ("state_in", "state_out"):
                # Fixed-capacity caches (any in-place function) have their capacity everywhere;
                # otherwise a cache holds exactly the tokens seen before / after this call.
                out.append(self.capacity if self.capacity is not None else
                           (total if role.kind == "state_out" else total - s))
            else:
                raise BundleError(f"plan.json: function {name!r}: cannot size dynamic dimension {k} "
                                  f"of argument {index} ({role.kind})")
        return tuple(out)

    def _state_buffer(self, k: int, batch: int) -> DeviceBuffer:
        """State ``k`` for ``batch`` sequences at position 0 (a cache of its capacity, or empty)."""
        dtype, shape = self._state_specs[k]
        sizes = [batch if i == 0 else (self.capacity or 0) if d == -1 else d for i, d in enumerate(shape)]
        return DeviceBuffer(self.device, sizes, _NUMPY[dtype])

    def _new_entry(self, name: str, values: list) -> _Entry:
        launches = evaluate(self.plan, name, values)
        launches.functions = self._functions
        abi, fn = self._abi[name], self.plan.functions[name]
        io = {}
        for role, spec, value in zip(abi.roles, fn.args, values):
            if role.kind in ("ids", "position", "logits") and spec.kind == "memref":
                io[role.kind] = DeviceBuffer(self.device, value, _NUMPY[spec.dtype])
        arena = DeviceBuffer(self.device, (launches.arena_bytes,), np.uint8)
        log.info("%s %s: %d launches, %d copies, arena %.1f MiB", name, values[0], launches.launch_count,
                 len(launches.steps) - launches.launch_count, launches.arena_bytes / 2**20)
        return _Entry(launches, arena, io)

    def _drop(self, entry: _Entry) -> None:
        for graph in entry.graphs.values():
            self.device.destroy_graph(graph)
        entry.graphs.clear()

    def close(self) -> None:
        """Frees the cached launch lists, graphs and weights (states the caller holds stay valid)."""
        while self._entries:
            self._drop(self._entries.popitem()[1])
        self._weights = None

    def _execute(self, name: str, entry: _Entry, bases: list) -> None:
        """Runs a cached launch list: eagerly the first time, then as a CUDA graph."""
        entry.launches.bind(bases)
        use_graph = bool(self.graphs and entry.calls >= 1 and entry.launches.steps)
        t0 = time.perf_counter()
        if use_graph:
            key = tuple(bases)
            graph = entry.graphs.get(key)
            if graph is None:
                graph = capture_graph(self.device, entry.launches, name)
                entry.graphs[key] = graph
                if len(entry.graphs) > _GRAPHS_PER_ENTRY:
                    self.device.destroy_graph(entry.graphs.popitem(last=False)[1])
            else:
                entry.graphs.move_to_end(key)
            self.device.launch_graph(graph)
        else:
            run_launches(self.device, entry.launches, name)
        t1 = time.perf_counter()
        self.device.synchronize(f"{name}: after its {len(entry.launches.steps)} launches "
                                "(TESSERA_CUDA_SYNC=1 names the failing kernel)")
        t2 = time.perf_counter()
        entry.calls += 1
        st = self.stats.setdefault(name, {"launches": entry.launches.launch_count})
        mode = "graph" if use_graph else "eager"
        st[f"{mode}_calls"] = st.get(f"{mode}_calls", 0) + 1
        st[f"{mode}_submit_ms"] = (t1 - t0) * 1e3
        st[f"{mode}_step_ms"] = (t2 - t0) * 1e3
        if use_graph and st["graph_calls"] == 2 and "eager_step_ms" in st:
            log.info("%s: %d launches; eager step %.3f ms (submit %.3f ms), graph step %.3f ms (submit %.3f ms)",
                     name, st["launches"], st["eager_step_ms"], st["eager_submit_ms"], st["graph_step_ms"],
                     st["graph_submit_ms"])

    # ------------------------------------------------------------ checks (before any launch)
    def _check_ids(self, ids, ndim: int) -> np.ndarray:
        from tessera.inputs import check_token_ids

        return check_token_ids(ids, ndim, self.config.vocab_size)

    def _check_length(self, total: int) -> None:
        from tessera.inputs import check_capacity

        limit = self.capacity if self.capacity is not None else self.config.max_position_embeddings
        what = "the K/V cache capacity" if self.capacity is not None else "max_position_embeddings"
        check_capacity(total, limit, what)

    def _check_state(self, state, batch: int, new_tokens: int) -> None:
        if not isinstance(state, State):
            raise RuntimeInputError(f"state: expected a tessera.cuda.State, got {type(state).__name__}")
        if state._model() is not self:
            raise RuntimeInputError("state: it belongs to another model")
        if state.stale:
            raise RuntimeInputError("state: already advanced by a later call (its buffers are updated in place); "
                                    "use the state that call returned")
        if state.batch != batch:
            raise RuntimeInputError(f"state is for batch {state.batch}, got {batch} sequences")
        self._check_length(state.position + new_tokens)


def load_bundle(bundle, *, device=None, max_seq_len: int | None = None, graphs: bool | None = None) -> CudaModel:
    """Opens a CUDA bundle directory (plan.json + kernels.cubin) on ``device``
    (default: GPU 0) and loads its kernels."""
    plan = bundle if isinstance(bundle, Plan) else Plan.load(Path(bundle))
    return CudaModel(plan, device if device is not None else open_device(), max_seq_len=max_seq_len,
                     graphs=graphs)


__all__ = ["CudaModel", "State", "FunctionAbi", "Role", "function_abi", "load_bundle", "DTYPE_BYTES"]
