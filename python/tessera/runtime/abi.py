"""The runtime ABI, as ``convert-graph-to-tile`` writes it on each function.

Each lowered function carries ``tessera.abi``, a dictionary describing every
argument of ``@f(inputs..., weights..., results...)`` once::

    inputs   [{name, dtype, shape, arg}]       ids [B, S] i64, position [1] i64
    states   [{kind, layer, dtype, shape, arg, in_place}]   recurrent state
    weights  [name...]                          from arg first_weight_arg on
    results  [{name, dtype, shape, arg}]        logits [B, S, V] f32

``shape`` uses -1 for dynamic dimensions. States are read and written in
place (``in_place``: the new value goes into the same buffer); their dynamic
dimensions are the batch (dim 0) and, for K/V caches, the capacity.
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


@dataclass(frozen=True)
class FunctionABI:
    name: str
    inputs: tuple  # BufferABI
    states: tuple  # StateABI
    weights: tuple  # str
    first_weight_arg: int
    results: tuple  # BufferABI

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
        fn = FunctionABI(name, inputs, states, tuple(str(w) for w in abi["weights"]),
                         int(abi["first_weight_arg"]), results)
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


def parse_functions(metadata: dict) -> dict[str, FunctionABI]:
    """``{"functions": {name: abi dict}}`` -> FunctionABI per function."""
    functions = metadata.get("functions") if isinstance(metadata, dict) else None
    if not isinstance(functions, dict):
        raise CompileError("compiled module metadata has no functions")
    return {name: parse_function(name, abi) for name, abi in functions.items()}
