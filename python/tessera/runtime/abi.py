"""The runtime ABI, as ``convert-graph-to-tile`` writes it on each function.

Each lowered function carries ``tessera.abi``, a dictionary describing every
argument of ``@f(inputs..., weights..., results...)`` once::

    inputs   [{name, dtype, shape, arg}]       ids [B, S] i64, position [1] i64
    states   [{kind, layer, dtype, shape, arg, in_place}]   recurrent state
    weights  [name | {name, layout, ...}]       from arg first_weight_arg on
    results  [{name, dtype, shape, arg}]        logits [B, S, V] f32

``shape`` uses -1 for dynamic dimensions. States are read and written in
place (``in_place``: the new value goes into the same buffer); their dynamic
dimensions are the batch (dim 0) and, for K/V caches, the capacity.
A weight entry is the tensor's name when the compiled code takes it as
stored (``[N, K]`` etc.), or a dictionary when the compiler chose another
layout for it (``tessera-x86-pack-weights``)::

    {name, layout = "panels", panel_cols NR, k_pack 1|2,
     shape [N, K], packed_shape [ceil(N/NR), ceil(K/k_pack), NR(, 2)]}

``panels``: ``packed[p, k, j] = W[p*NR + j, k]`` (k_pack 1) or
``packed[p, k2, j, i] = W[p*NR + j, 2*k2 + i]`` (k_pack 2), zero-padded; the
runtime packs the stored tensor once when it binds the weights
(:func:`tessera.runtime.packing.pack_weight`). A layout this runtime does
not know is refused when the ABI is read.
Result dimensions that are dynamic follow the ``ids`` input's dimensions
in order (batch, then sequence). This module turns the dictionary (read off
the IR, or from the compile cache's JSON) into checked dataclasses; drivers
and the generic runtime read only these.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.errors import CompileError

DTYPES = {"f32": "float32", "i64": "int64", "i32": "int32", "bf16": "uint16", "f16": "float16"}


@dataclass(frozen=True)
class BufferABI:
    name: str
    dtype: str  # MLIR element type: f32, i64, bf16, ...
    shape: tuple  # -1 for dynamic
    arg: int


@dataclass(frozen=True)
class StateABI(BufferABI):
    kind: str = ""  # conv, ssm, k_cache, v_cache
    layer: int = 0
    in_place: bool = True


#: Weight layouts this runtime can produce from a stored tensor.
WEIGHT_LAYOUTS = ("panels",)


@dataclass(frozen=True)
class WeightLayout:
    """How the compiled code takes a weight when not as stored."""

    kind: str  # "panels"
    panel_cols: int
    k_pack: int
    shape: tuple  # the stored tensor's [N, K]
    packed_shape: tuple


def packed_panels_shape(shape, panel_cols: int, k_pack: int) -> tuple:
    n, k = shape
    out = (-(-n // panel_cols), -(-k // k_pack), panel_cols)
    return out + ((2,) if k_pack == 2 else ())


@dataclass(frozen=True)
class FunctionABI:
    name: str
    inputs: tuple  # BufferABI
    states: tuple  # StateABI
    weights: tuple  # str
    first_weight_arg: int
    results: tuple  # BufferABI
    layouts: tuple = ()  # (name, WeightLayout) of the weights not taken as stored

    @property
    def num_args(self) -> int:
        return self.first_weight_arg + len(self.weights) + len(self.results)

    def input(self, name: str) -> BufferABI | None:
        return next((i for i in self.inputs if i.name == name), None)


def parse_function(name: str, abi: dict) -> FunctionABI:
    """Checks and converts one function's ``tessera.abi`` dictionary."""
    try:
        def buffer(d, cls=BufferABI, **extra):
            if d["dtype"] not in DTYPES:
                raise CompileError(f"function {name}: ABI dtype {d['dtype']!r} is not supported by the runtime")
            return cls(name=d.get("name", ""), dtype=d["dtype"], shape=tuple(int(x) for x in d["shape"]),
                       arg=int(d["arg"]), **extra)

        inputs = tuple(buffer(d) for d in abi["inputs"])
        states = tuple(buffer(d, StateABI, kind=str(d["kind"]), layer=int(d["layer"]),
                              in_place=bool(d["in_place"])) for d in abi["states"])
        results = tuple(buffer(d) for d in abi["results"])
        names, layouts = [], []
        for w in abi["weights"]:
            if isinstance(w, str):
                names.append(w)
                continue
            names.append(str(w["name"]))
            layouts.append((names[-1], _weight_layout(name, w)))
        fn = FunctionABI(name, inputs, states, tuple(names), int(abi["first_weight_arg"]), results,
                         tuple(layouts))
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as e:  # any JSON of the wrong shape
        raise CompileError(f"function {name}: malformed tessera.abi ({type(e).__name__}: {e})") from None
    args = sorted(b.arg for b in (*fn.inputs, *fn.states, *fn.results))
    if not 0 <= fn.first_weight_arg <= len(args):  # (also bounds the ranges below)
        raise CompileError(f"function {name}: tessera.abi first_weight_arg {fn.first_weight_arg} is not in "
                           f"[0, {len(args)}]")
    expected = list(range(fn.first_weight_arg)) + list(
        range(fn.first_weight_arg + len(fn.weights), fn.num_args))
    if args != expected:
        raise CompileError(f"function {name}: tessera.abi argument indices {args} do not cover the "
                           f"non-weight arguments {expected}")
    return fn


def _weight_layout(function: str, w: dict) -> WeightLayout:
    """A weight entry with a layout, checked (KeyError/TypeError/ValueError
    on a malformed one)."""
    kind = w["layout"]
    if kind not in WEIGHT_LAYOUTS:
        raise CompileError(f"function {function}: weight {w['name']!r} has layout {kind!r}, which this "
                           f"runtime does not understand (it knows: {', '.join(WEIGHT_LAYOUTS)}); "
                           "use the Tessera that compiled it")
    nr, kp = int(w["panel_cols"]), int(w["k_pack"])
    shape = tuple(int(x) for x in w["shape"])
    packed = tuple(int(x) for x in w["packed_shape"])
    if nr < 1 or kp not in (1, 2) or len(shape) != 2 or min(shape) < 1 or \
            packed != packed_panels_shape(shape, nr, kp):
        raise ValueError(f"weight {w['name']!r}: panels of {nr} columns, k_pack {kp}, shape {list(shape)} "
                         f"do not give packed_shape {list(packed)}")
    return WeightLayout(kind, nr, kp, shape, packed)


def parse_functions(metadata: dict) -> dict[str, FunctionABI]:
    """``{"functions": {name: abi dict}}`` -> FunctionABI per function."""
    functions = metadata.get("functions") if isinstance(metadata, dict) else None
    if not isinstance(functions, dict):
        raise CompileError("compiled module metadata has no functions")
    return {name: parse_function(name, abi) for name, abi in functions.items()}
