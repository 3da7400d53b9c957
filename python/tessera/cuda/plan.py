"""Launch plans: plan.json of a CUDA bundle -> resolved kernel launches.

Where it sits: ``tessera compile --target cuda --emit bundle`` writes the
bundle (contract: CUDA_BUNDLE.md, format ``tessera-cuda-plan`` v1); this module
reads it on the GPU machine, checks it once (:meth:`Plan.load`), and evaluates
a host function for concrete argument shapes (:func:`evaluate`) into a
:class:`LaunchList`: every launch with its grid, block, shared bytes and packed
parameters, every intermediate buffer placed in one arena. The model
(:mod:`tessera.cuda.model`) caches one LaunchList per (function, shapes) and
runs it through :mod:`tessera.cuda.driver`.

Run-time values are Python ints (index/integer scalars) and memref views
(allocation, element offset, sizes, strides, dtype). A memref kernel parameter
is expanded as convert-gpu-to-nvvm lowers it: allocated ptr, aligned ptr,
offset, sizes[R], strides[R], each in an 8-byte slot (scalars too: i32/f32 sit
in the low 4 bytes). Pointers are not known when a plan is evaluated: slots
holding them are filled by :meth:`LaunchList.bind` from the current argument
and arena base addresses, so one evaluation serves every call of that shape.

Imports with numpy alone (no extension, MLIR or torch).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tessera import safejson
from tessera.errors import BundleError

FORMAT, VERSION = "tessera-cuda-plan", 1
#: The AMD bundle's plan (the same plan; its kernels are kernels.hsaco, run by
#: tessera.rocm's HIP driver).
ROCM_FORMAT = "tessera-rocm-plan"
#: The kernel image of each plan format.
IMAGE_FILE = {FORMAT: "kernels.cubin", ROCM_FORMAT: "kernels.hsaco"}
#: element sizes in bytes of the dtypes a plan may use
DTYPE_BYTES = {"f32": 4, "bf16": 2, "f16": 2, "i64": 8, "i32": 4, "i8": 1, "f64": 8}
SCALAR_KINDS = ("index", "i64", "i32", "f32")
ARENA_ALIGN = 256  # bytes; every intermediate starts on a 256-byte boundary (or its own larger alignment)
_MASK64 = (1 << 64) - 1

BINARY_OPS = ("addi", "subi", "muli", "divui", "divsi", "remui", "remsi", "ceildivui", "ceildivsi",
              "floordivsi", "minui", "maxui", "minsi", "maxsi", "andi", "ori", "shli", "shrui")
CMP_PREDICATES = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
#: op -> (operand fields, operand-list fields, result fields)
_OPS: dict[str, tuple[tuple, tuple, tuple]] = {
    **{op: (("lhs", "rhs"), (), ("result",)) for op in BINARY_OPS},
    "cmpi": (("lhs", "rhs"), (), ("result",)),
    "select": (("cond", "true", "false"), (), ("result",)),
    "index_cast": (("source",), (), ("result",)),
    "constant": ((), (), ("result",)),
    "dim": (("source", "index"), (), ("result",)),
    "alloc": ((), ("shape",), ("result",)),
    "extract_strided_metadata": (("source",), (), ("base", "offset")),
    "reinterpret_cast": (("source", "offset"), ("sizes", "strides"), ("result",)),
    "launch": ((), ("grid", "args"), ()),
    "copy": (("source", "target"), (), ()),
    "dealloc": (("source",), (), ()),
    "return": ((), (), ()),
}


def _wrap(x: int) -> int:
    """Two's-complement 64-bit wrap-around, as index arithmetic does on the GPU's host."""
    return ((x + (1 << 63)) & _MASK64) - (1 << 63)


def _u(x: int) -> int:
    return x & _MASK64


def _tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _binary(op: str, a: int, b: int) -> int:
    if op in ("divui", "divsi", "remui", "remsi", "ceildivui", "ceildivsi", "floordivsi") and b == 0:
        raise ZeroDivisionError("division by zero")
    r = {
        "addi": lambda: a + b, "subi": lambda: a - b, "muli": lambda: a * b,
        "divui": lambda: _u(a) // _u(b), "divsi": lambda: _tdiv(a, b),
        "remui": lambda: _u(a) % _u(b), "remsi": lambda: a - b * _tdiv(a, b),
        "ceildivui": lambda: -(-_u(a) // _u(b)), "ceildivsi": lambda: -(-a // b), "floordivsi": lambda: a // b,
        "minui": lambda: min(_u(a), _u(b)), "maxui": lambda: max(_u(a), _u(b)),
        "minsi": lambda: min(a, b), "maxsi": lambda: max(a, b),
        "andi": lambda: a & b, "ori": lambda: a | b,
        "shli": lambda: a << b if 0 <= b < 64 else 0,
        "shrui": lambda: _u(a) >> b if 0 <= b < 64 else 0,
    }[op]()
    return _wrap(r)


def _compare(pred: str, a: int, b: int) -> int:
    if pred.startswith("u"):
        a, b = _u(a), _u(b)
        pred = "s" + pred[1:]
    return int({"eq": a == b, "ne": a != b, "slt": a < b, "sle": a <= b, "sgt": a > b, "sge": a >= b}[pred])


# ============================================================================ the plan
class _Arena:
    """Places a function's intermediates in one device buffer, reusing the
    bytes of freed ones (first fit). Reuse is safe because every launch and
    copy of a function runs in order on one stream (or one captured graph):
    a later kernel cannot start before an earlier one that used the bytes
    has finished. ``top`` is the arena size needed: the peak of live bytes
    plus fragmentation, not the sum of all allocations."""

    def __init__(self):
        self.top = 0
        self.free: list[tuple[int, int]] = []  # (offset, bytes), sorted, coalesced
        self.live: dict[int, int] = {}  # offset -> bytes

    def alloc(self, nbytes: int, align: int) -> int:
        for i, (off, size) in enumerate(self.free):
            start = -(-off // align) * align
            if start + nbytes <= off + size:
                del self.free[i]
                if start > off:
                    self._insert(off, start - off)
                if off + size > start + nbytes:
                    self._insert(start + nbytes, off + size - start - nbytes)
                self.live[start] = nbytes
                return start
        start = -(-self.top // align) * align
        self.top = start + nbytes
        self.live[start] = nbytes
        return start

    def release(self, offset: int) -> bool:
        nbytes = self.live.pop(offset, None)
        if nbytes is None:
            return False
        self._insert(offset, nbytes)
        return True

    def _insert(self, offset: int, nbytes: int) -> None:
        if nbytes <= 0:
            return
        self.free.append((offset, nbytes))
        self.free.sort()
        merged: list[tuple[int, int]] = []
        for off, size in self.free:
            if merged and merged[-1][0] + merged[-1][1] == off:
                merged[-1] = (merged[-1][0], merged[-1][1] + size)
            else:
                merged.append((off, size))
        self.free = merged


@dataclass(frozen=True)
class Param:
    """A kernel parameter: ``kind`` memref (with rank, dtype) or a scalar kind."""

    kind: str
    rank: int = 0
    dtype: str = ""

    @property
    def slots(self) -> int:
        return 3 + 2 * self.rank if self.kind == "memref" else 1

    def __str__(self) -> str:
        return f"memref rank {self.rank} {self.dtype}" if self.kind == "memref" else self.kind


@dataclass(frozen=True)
class Kernel:
    name: str
    block: tuple
    shared_bytes: int
    params: tuple


@dataclass(frozen=True)
class ArgSpec:
    """A host-function argument: a memref (dtype, shape with -1 = dynamic) or a scalar."""

    name: str
    kind: str
    dtype: str = ""
    shape: tuple = ()


@dataclass
class Function:
    name: str
    abi: dict
    args: list
    body: list


@dataclass
class Plan:
    """A checked plan.json, with the cubin it refers to."""

    path: Path
    chip: str
    config: dict
    weight_dtype: str
    kernels: dict
    functions: dict
    cubin: bytes = b""
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, bundle: str | Path, format: str = FORMAT) -> "Plan":
        """Reads ``bundle``/plan.json (+ kernels.cubin, or kernels.hsaco for
        ``format=ROCM_FORMAT``; kept in ``cubin``) and checks every function."""
        root = Path(bundle)
        plan_path = root / "plan.json"
        if not root.is_dir():
            raise BundleError(f"{root}: not a bundle directory (expected plan.json and kernels.cubin)")
        try:
            raw = safejson.loads(plan_path.read_bytes())
        except FileNotFoundError:
            raise BundleError(f"{root}: no plan.json (not a CUDA bundle)") from None
        except (OSError, ValueError) as e:
            raise BundleError(f"{plan_path}: cannot parse: {' '.join(str(e).split())}") from None
        plan = cls.from_json(raw, plan_path, format)
        cubin = root / IMAGE_FILE[format]
        try:
            plan.cubin = cubin.read_bytes()
        except OSError as e:
            raise BundleError(f"{root}: cannot read {IMAGE_FILE[format]} ({e.strerror})") from None
        if not plan.cubin:
            raise BundleError(f"{cubin}: empty file")
        return plan

    @classmethod
    def from_json(cls, raw: Any, where: str | Path = "plan.json", format: str = FORMAT) -> "Plan":
        w = str(where)
        if not isinstance(raw, dict) or raw.get("format") != format:
            what = "ROCm" if format == ROCM_FORMAT else "CUDA"
            raise BundleError(f"{w}: not a Tessera {what} plan (format is not {format!r})")
        if raw.get("version") != VERSION:
            raise BundleError(f"{w}: unsupported version {raw.get('version')!r} (this Tessera reads {VERSION})")
        for key, typ in (("kernels", dict), ("functions", dict), ("config", dict)):
            if not isinstance(raw.get(key), typ):
                raise BundleError(f"{w}: missing or malformed {key!r}")
        if raw.get("weight_dtype") not in ("bf16", "fp32", "fp16"):
            raise BundleError(f"{w}: weight_dtype must be bf16, fp32 or fp16, got {raw.get('weight_dtype')!r}")
        kernels = {name: _parse_kernel(name, k, w) for name, k in raw["kernels"].items()}
        functions = {name: _parse_function(name, f, w) for name, f in raw["functions"].items()}
        plan = cls(Path(w), str(raw.get("chip", "")), raw["config"], raw["weight_dtype"], kernels, functions,
                   raw=raw)
        for fn in functions.values():
            check_function(plan, fn)
        return plan


def _parse_kernel(name: str, k: Any, w: str) -> Kernel:
    where = f"{w}: kernel {name!r}"
    if not isinstance(k, dict):
        raise BundleError(f"{where}: expected an object")
    block = k.get("block")
    if not (isinstance(block, list) and len(block) == 3 and all(isinstance(b, int) and b >= 1 for b in block)
            and math.prod(block) <= 1024):
        raise BundleError(f"{where}: block must be 3 positive integers with at most 1024 threads, got {block!r}")
    shared = k.get("shared_bytes", 0)
    if not isinstance(shared, int) or shared < 0:
        raise BundleError(f"{where}: shared_bytes must be a non-negative integer, got {shared!r}")
    params = []
    for i, p in enumerate(k.get("params", []) if isinstance(k.get("params"), list) else [None]):
        kind = p.get("kind") if isinstance(p, dict) else None
        if kind == "memref":
            rank, dtype = p.get("rank"), p.get("dtype")
            if not isinstance(rank, int) or rank < 0 or dtype not in DTYPE_BYTES:
                raise BundleError(f"{where}: param {i}: memref needs a rank >= 0 and a dtype in "
                                  f"{', '.join(DTYPE_BYTES)}, got {p!r}")
            params.append(Param("memref", rank, dtype))
        elif kind in SCALAR_KINDS:
            params.append(Param(kind))
        else:
            raise BundleError(f"{where}: param {i}: unknown kind {kind!r} "
                              f"(expected memref, {', '.join(SCALAR_KINDS)})")
    return Kernel(name, tuple(block), shared, tuple(params))


def _parse_function(name: str, f: Any, w: str) -> Function:
    where = f"{w}: function {name!r}"
    if not isinstance(f, dict) or not isinstance(f.get("args"), list) or not isinstance(f.get("body"), list):
        raise BundleError(f"{where}: expected an object with 'args' and 'body' lists")
    args = []
    for i, a in enumerate(f["args"]):
        if not isinstance(a, dict) or not isinstance(a.get("name"), str):
            raise BundleError(f"{where}: args[{i}]: expected an object with a 'name'")
        kind = a.get("kind")
        if kind == "memref":
            shape = a.get("shape")
            if a.get("dtype") not in DTYPE_BYTES or not isinstance(shape, list) or \
                    not all(isinstance(d, int) and d >= -1 for d in shape):
                raise BundleError(f"{where}: args[{i}] ({a['name']}): memref needs a dtype in "
                                  f"{', '.join(DTYPE_BYTES)} and a shape of integers (-1 = dynamic)")
            args.append(ArgSpec(a["name"], "memref", a["dtype"], tuple(shape)))
        elif kind in SCALAR_KINDS:
            args.append(ArgSpec(a["name"], kind))
        else:
            raise BundleError(f"{where}: args[{i}] ({a['name']}): unknown kind {kind!r}")
    abi = f.get("abi", {})
    if not isinstance(abi, dict):
        raise BundleError(f"{where}: 'abi' must be an object")
    return Function(name, abi, args, f["body"])


# ============================================================================ static checks
@dataclass(frozen=True)
class _Type:
    """What is known of a value before run time: a scalar, or a memref of rank/dtype."""

    memref: bool
    rank: int = 0
    dtype: str = ""


def _fail(fn: Function, index: int, op: str, message: str) -> BundleError:
    return BundleError(f"plan.json: function {fn.name!r}, instruction {index} ({op}): {message}")


def check_function(plan: Plan, fn: Function) -> None:
    """Checks ``fn``'s body once, before anything runs: known ops, fields,
    values defined before use, and launch arguments against the kernel table."""
    types: dict[str, _Type] = {}
    for a in fn.args:
        if a.name in types:
            raise BundleError(f"plan.json: function {fn.name!r}: argument {a.name} listed twice")
        types[a.name] = _Type(True, len(a.shape), a.dtype) if a.kind == "memref" else _Type(False)

    for index, ins in enumerate(fn.body):
        op = ins.get("op") if isinstance(ins, dict) else None
        if op not in _OPS:
            raise _fail(fn, index, str(op), f"unknown op {op!r}" if isinstance(ins, dict) else "not an object")
        fail = lambda msg: _fail(fn, index, op, msg)  # noqa: E731
        single, lists, results = _OPS[op]

        def use(value, want_memref: bool | None = False, what: str = "operand") -> _Type:
            if isinstance(value, bool) or not isinstance(value, (int, str)) or \
                    (isinstance(value, str) and not value.startswith("%")):
                raise fail(f"{what}: expected an integer or a value name, got {value!r}")
            if isinstance(value, int):
                t = _Type(False)
            elif value not in types:
                raise fail(f"{what}: undefined value {value}")
            else:
                t = types[value]
            if want_memref is not None and t.memref != want_memref:
                raise fail(f"{what}: {value} is {'a memref' if t.memref else 'a scalar'}, "
                           f"expected {'a memref' if want_memref else 'a scalar'}")
            return t

        for key in single:
            if key not in ins:
                raise fail(f"missing field {key!r}")
        for key in lists:
            if not isinstance(ins.get(key), list):
                raise fail(f"field {key!r} must be a list")

        if op in BINARY_OPS:
            use(ins["lhs"], what="lhs"); use(ins["rhs"], what="rhs")  # noqa: E702
        elif op == "cmpi":
            if ins.get("predicate") not in CMP_PREDICATES:
                raise fail(f"unknown predicate {ins.get('predicate')!r}")
            use(ins["lhs"], what="lhs"); use(ins["rhs"], what="rhs")  # noqa: E702
        elif op == "select":
            for k in single:
                use(ins[k], what=k)
        elif op == "index_cast":
            use(ins["source"], what="source")
        elif op == "constant":
            v = ins.get("value")
            if not isinstance(v, (int, float)):  # bools are i1 constants: 0/1
                raise fail(f"value: expected a number, got {v!r}")
        elif op == "dim":
            use(ins["source"], True, "source"); use(ins["index"], what="index")  # noqa: E702
        elif op == "alloc":
            if ins.get("dtype") not in DTYPE_BYTES:
                raise fail(f"unknown dtype {ins.get('dtype')!r}")
            for k, d in enumerate(ins["shape"]):
                use(d, what=f"shape[{k}]")
            align = ins.get("alignment", 64)
            if not isinstance(align, int) or align < 1 or align & (align - 1):
                raise fail(f"alignment must be a power of two, got {align!r}")
        elif op == "extract_strided_metadata":
            src = use(ins["source"], True, "source")
            for k in ("sizes", "strides"):
                if not isinstance(ins.get(k), list) or len(ins[k]) != src.rank:
                    raise fail(f"{k}: expected {src.rank} result names for a rank-{src.rank} source, "
                               f"got {ins.get(k)!r}")
        elif op == "reinterpret_cast":
            use(ins["source"], True, "source")
            use(ins["offset"], what="offset")
            if len(ins["sizes"]) != len(ins["strides"]):
                raise fail(f"{len(ins['sizes'])} sizes but {len(ins['strides'])} strides")
            for k in ("sizes", "strides"):
                for j, v in enumerate(ins[k]):
                    use(v, what=f"{k}[{j}]")
        elif op == "launch":
            kernel = plan.kernels.get(ins.get("kernel"))
            if kernel is None:
                raise fail(f"unknown kernel {ins.get('kernel')!r} (not in the kernel table)")
            if len(ins["grid"]) != 3:
                raise fail(f"grid: expected 3 operands, got {len(ins['grid'])}")
            for j, g in enumerate(ins["grid"]):
                use(g, what=f"grid[{j}]")
            if len(ins["args"]) != len(kernel.params):
                raise fail(f"kernel {kernel.name!r} takes {len(kernel.params)} parameters, "
                           f"got {len(ins['args'])} arguments")
            for j, (a, p) in enumerate(zip(ins["args"], kernel.params)):
                t = use(a, None, f"args[{j}]")
                if (p.kind == "memref") != t.memref:
                    raise fail(f"args[{j}] ({a}): kernel {kernel.name!r} parameter {j} is {p}, "
                               f"got a {'memref' if t.memref else 'scalar'}")
                if p.kind == "memref" and (t.rank, t.dtype) != (p.rank, p.dtype):
                    raise fail(f"args[{j}] ({a}): kernel {kernel.name!r} parameter {j} is {p}, "
                               f"got memref rank {t.rank} {t.dtype}")
        elif op == "copy":
            s, t = use(ins["source"], True, "source"), use(ins["target"], True, "target")
            if s.dtype != t.dtype:
                raise fail(f"source is {s.dtype}, target is {t.dtype}")
        elif op == "dealloc":
            use(ins["source"], True, "source")

        # Results: define the names this instruction produces.
        def define(name, t: _Type):
            if not isinstance(name, str) or not name.startswith("%"):
                raise fail(f"result name: expected a value name, got {name!r}")
            if name in types:
                raise fail(f"{name} is defined twice")
            types[name] = t

        for key in results:
            if key not in ins:
                raise fail(f"missing field {key!r}")
        if op == "alloc":
            define(ins["result"], _Type(True, len(ins["shape"]), ins["dtype"]))
        elif op == "reinterpret_cast":
            define(ins["result"], _Type(True, len(ins["sizes"]), types[ins["source"]].dtype))
        elif op == "extract_strided_metadata":
            define(ins["base"], _Type(True, 0, types[ins["source"]].dtype))
            define(ins["offset"], _Type(False))
            for n in ins["sizes"] + ins["strides"]:
                define(n, _Type(False))
        elif results:
            define(ins["result"], _Type(False))


# ============================================================================ evaluation
@dataclass(frozen=True)
class View:
    """A memref at run time. ``ref`` is the argument index the memory belongs
    to, or the arena (index == number of arguments); ``base`` is the byte
    offset of the allocation from that base, ``capacity`` its element count."""

    ref: int
    base: int
    capacity: int
    offset: int
    sizes: tuple
    strides: tuple
    dtype: str

    def extent(self) -> tuple[int, int]:
        """(lowest, highest) element index touched, relative to the allocation; (0, -1) if empty."""
        if any(s == 0 for s in self.sizes):
            return 0, -1
        lo = hi = self.offset
        for s, st in zip(self.sizes, self.strides):
            if st > 0:
                hi += (s - 1) * st
            else:
                lo += (s - 1) * st
        return lo, hi

    def contiguous(self) -> bool:
        expect = 1
        for s, st in zip(reversed(self.sizes), reversed(self.strides)):
            if s != 1 and st != expect:
                return False
            expect *= s
        return True

    def numel(self) -> int:
        return math.prod(self.sizes)


@dataclass
class Step:
    """One entry of a LaunchList: a kernel launch or a device-to-device copy."""

    kind: str
    kernel: str = ""
    grid: tuple = ()
    block: tuple = ()
    shared_bytes: int = 0
    slot_start: int = 0
    slot_count: int = 0
    source: tuple = ()  # copies: (ref, byte offset)
    target: tuple = ()
    nbytes: int = 0
    instruction: int = -1

    def describe(self) -> str:
        if self.kind == "copy":
            return f"copy of {self.nbytes} bytes (instruction {self.instruction})"
        return f"kernel {self.kernel} grid {list(self.grid)} block {list(self.block)}"


@dataclass
class PackedParams:
    """A launch's parameters: ``values`` (8-byte slots) and ``pointers`` (the
    ``void*[]`` of slot addresses that cuLaunchKernel reads)."""

    values: np.ndarray
    pointers: np.ndarray


class LaunchList:
    """The resolved body of one function for one set of argument shapes."""

    def __init__(self, function: str, arg_shapes: tuple, num_args: int):
        self.function = function
        self.arg_shapes = arg_shapes
        self.num_args = num_args  # ref index num_args is the arena
        self.steps: list[Step] = []
        self.arena_bytes = 0
        self.allocations: list[tuple[int, int]] = []  # (byte offset, bytes) in the arena
        self._arena = _Arena()
        self.functions: dict = {}  # kernel name -> driver function handle, set by the runner
        self._slots: list[int] = []
        self._ptr: list[tuple[int, int, int]] = []  # (slot, ref, byte addend)
        self.flat = np.zeros(0, np.uint64)
        self.bases = np.zeros(num_args + 1, np.uint64)

    # building ------------------------------------------------------------
    def _add_launch(self, kernel: Kernel, grid: tuple, args: list, index: int) -> None:
        start = len(self._slots)
        for value, param in zip(args, kernel.params):
            if param.kind == "memref":
                slot = len(self._slots)
                self._ptr += [(slot, value.ref, value.base), (slot + 1, value.ref, value.base)]
                self._slots += [0, 0, _u(value.offset)] + [_u(s) for s in value.sizes] + \
                               [_u(s) for s in value.strides]
            else:
                self._slots.append(_scalar_slot(value, param.kind))
        self.steps.append(Step("launch", kernel.name, grid, kernel.block, kernel.shared_bytes, start,
                               len(self._slots) - start, instruction=index))

    def _finish(self) -> None:
        self.flat = np.array(self._slots, dtype=np.uint64)
        base = self.flat.ctypes.data
        self._pointers = (base + 8 * np.arange(len(self._slots), dtype=np.uint64)).astype(np.uint64)
        p = np.array(self._ptr, dtype=np.int64).reshape(-1, 3)
        self._ptr_slots, self._ptr_refs = p[:, 0], p[:, 1]
        self._ptr_addends = p[:, 2].astype(np.uint64)
        self._params = [PackedParams(self.flat[s.slot_start:s.slot_start + s.slot_count],
                                     self._pointers[s.slot_start:s.slot_start + s.slot_count])
                        for s in self.steps]
        del self._slots

    # running -------------------------------------------------------------
    def bind(self, bases: Sequence[int]) -> None:
        """Writes the pointer slots for argument base addresses ``bases``
        (one per function argument; scalars 0) followed by the arena's."""
        if len(bases) != self.num_args + 1:
            raise BundleError(f"internal: {self.function} binds {self.num_args + 1} bases, got {len(bases)}")
        self.bases = np.array([_u(int(b)) for b in bases], dtype=np.uint64)
        self.flat[self._ptr_slots] = self.bases[self._ptr_refs] + self._ptr_addends

    def params(self, index: int) -> PackedParams:
        return self._params[index]

    def address(self, where: tuple) -> int:
        ref, offset = where
        return int(self.bases[ref]) + offset

    def packed_bytes(self, index: int) -> bytes:
        """The parameter bytes of step ``index`` as cuLaunchKernel sees them."""
        return self._params[index].values.tobytes()

    @property
    def launch_count(self) -> int:
        return sum(1 for s in self.steps if s.kind == "launch")


def _scalar_slot(value, kind: str) -> int:
    if kind == "f32":
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    if kind == "i32":
        return value & 0xFFFFFFFF
    return _u(value)


def _lifetimes(fn) -> tuple[dict, dict]:
    """(root, frees): the allocation each value views (alloc results, and the
    views made from them through extract_strided_metadata and
    reinterpret_cast), and for each instruction index the allocations read
    there for the last time. convert-graph-to-tile frees every intermediate
    just before the return; freeing each at its last use instead keeps the
    arena at the peak of what is live (one layer's intermediates, not the
    whole model's)."""
    root: dict[str, str] = {}
    last: dict[str, int] = {}
    for index, ins in enumerate(fn.body):
        op = ins["op"]
        fields, lists, _ = _OPS[op]
        if op != "dealloc":
            reads = [ins.get(f) for f in fields] + [v for f in lists for v in ins.get(f, ())]
            for name in reads:
                if isinstance(name, str) and name in root:
                    last[root[name]] = index
        if op == "alloc":
            root[ins["result"]] = ins["result"]
            last.setdefault(ins["result"], index)
        elif op == "extract_strided_metadata" and ins["source"] in root:
            root[ins["base"]] = root[ins["source"]]
        elif op == "reinterpret_cast" and ins["source"] in root:
            root[ins["result"]] = root[ins["source"]]
    frees: dict[int, list] = {}
    for name, index in last.items():
        frees.setdefault(index, []).append(name)
    return root, frees


def evaluate(plan: Plan, function: str, arg_values: Sequence) -> LaunchList:
    """Evaluates ``function``'s body. ``arg_values``: for each argument, the
    concrete shape (tuple) of a memref or the int value of a scalar."""
    fn = plan.functions.get(function)
    if fn is None:
        raise BundleError(f"plan.json has no function {function!r} (has: {', '.join(plan.functions)})")
    if len(arg_values) != len(fn.args):
        raise BundleError(f"{function}: expected {len(fn.args)} arguments, got {len(arg_values)}")
    out = LaunchList(function, tuple(tuple(v) if isinstance(v, (tuple, list)) else v for v in arg_values),
                     len(fn.args))
    env: dict[str, Any] = {}
    for i, (spec, value) in enumerate(zip(fn.args, arg_values)):
        if spec.kind == "memref":
            shape = tuple(int(d) for d in value)
            if len(shape) != len(spec.shape) or any(s != d and s != -1 for s, d in zip(spec.shape, shape)) \
                    or any(d < 0 for d in shape):
                raise BundleError(f"{function}: argument {i} ({spec.name}) must have shape "
                                  f"{list(spec.shape)} (-1 = any), got {list(shape)}")
            strides = tuple(math.prod(shape[k + 1:]) for k in range(len(shape)))
            env[spec.name] = View(i, 0, math.prod(shape), 0, shape, strides, spec.dtype)
        else:
            env[spec.name] = int(value)

    shapes = [list(v) if isinstance(v, (tuple, list)) else v for v in arg_values]
    root, frees = _lifetimes(fn)
    released: set = set()  # allocations given back after their last use
    for index, ins in enumerate(fn.body):
        op = ins["op"]
        # Safe to reuse: the steps run in order on one stream.
        for name in frees.get(index - 1, ()):
            if name in env and name not in released:
                out._arena.release(env[name].base)
                released.add(name)

        def fail(msg: str) -> BundleError:
            return BundleError(f"plan.json: function {function!r}, instruction {index} ({op}): {msg} "
                               f"(arguments {shapes})")

        val = lambda v: v if isinstance(v, int) else env[v]  # noqa: E731
        try:
            if op in BINARY_OPS:
                env[ins["result"]] = _binary(op, val(ins["lhs"]), val(ins["rhs"]))
            elif op == "cmpi":
                env[ins["result"]] = _compare(ins["predicate"], val(ins["lhs"]), val(ins["rhs"]))
            elif op == "select":
                env[ins["result"]] = val(ins["true"]) if val(ins["cond"]) else val(ins["false"])
            elif op == "index_cast":
                env[ins["result"]] = val(ins["source"])
            elif op == "constant":
                v = ins["value"]
                env[ins["result"]] = int(v) if isinstance(v, bool) else v
            elif op == "dim":
                v, d = env[ins["source"]], val(ins["index"])
                if not 0 <= d < len(v.sizes):
                    raise fail(f"dimension {d} of a rank-{len(v.sizes)} memref")
                env[ins["result"]] = v.sizes[d]
            elif op == "alloc":
                shape = tuple(val(d) for d in ins["shape"])
                if any(d < 0 for d in shape):
                    raise fail(f"negative size in shape {list(shape)}")
                align = max(ARENA_ALIGN, ins.get("alignment", 64))
                nbytes = math.prod(shape) * DTYPE_BYTES[ins["dtype"]]
                offset = out._arena.alloc(nbytes, align)
                out.allocations.append((offset, nbytes))
                out.arena_bytes = out._arena.top
                strides = tuple(math.prod(shape[k + 1:]) for k in range(len(shape)))
                env[ins["result"]] = View(len(fn.args), offset, math.prod(shape), 0, shape, strides, ins["dtype"])
            elif op == "extract_strided_metadata":
                v = env[ins["source"]]
                env[ins["base"]] = View(v.ref, v.base, v.capacity, 0, (), (), v.dtype)
                env[ins["offset"]] = v.offset
                for n, s in zip(ins["sizes"], v.sizes):
                    env[n] = s
                for n, s in zip(ins["strides"], v.strides):
                    env[n] = s
            elif op == "reinterpret_cast":
                v = env[ins["source"]]
                view = View(v.ref, v.base, v.capacity, val(ins["offset"]), tuple(val(s) for s in ins["sizes"]),
                            tuple(val(s) for s in ins["strides"]), v.dtype)
                _check_bounds(view, fail)
                env[ins["result"]] = view
            elif op == "launch":
                kernel = plan.kernels[ins["kernel"]]
                grid = tuple(val(g) for g in ins["grid"])
                if any(g < 0 for g in grid) or grid[0] > 2**31 - 1 or grid[1] > 65535 or grid[2] > 65535:
                    raise fail(f"grid {list(grid)} is out of range for kernel {kernel.name!r}")
                args = [val(a) for a in ins["args"]]
                for j, (a, p) in enumerate(zip(args, kernel.params)):
                    if p.kind == "memref":
                        _check_bounds(a, fail)
                    elif p.kind == "i32" and not -2**31 <= a < 2**32:
                        raise fail(f"args[{j}] = {a} does not fit kernel {kernel.name!r}'s i32 parameter {j}")
                    elif p.kind != "f32" and not isinstance(a, int):
                        raise fail(f"args[{j}] = {a!r} for kernel {kernel.name!r}'s {p.kind} parameter {j}")
                if 0 in grid:
                    continue  # an empty grid has no work (CUDA refuses to launch it)
                out._add_launch(kernel, grid, args, index)
            elif op == "copy":
                s, t = env[ins["source"]], env[ins["target"]]
                if s.sizes != t.sizes:
                    raise fail(f"source sizes {list(s.sizes)} differ from target sizes {list(t.sizes)}")
                if s.numel() == 0:
                    continue
                _check_bounds(s, fail)
                _check_bounds(t, fail)
                runs = _copy_runs(s, t)
                if len(runs) > MAX_COPY_RUNS:
                    raise fail(f"a strided copy of {len(runs)} pieces (more than {MAX_COPY_RUNS}); "
                               "the compiler should lower it to a kernel")
                size = DTYPE_BYTES[s.dtype]
                for s_off, t_off, n in runs:
                    out.steps.append(Step("copy", source=(s.ref, s.base + s_off * size),
                                          target=(t.ref, t.base + t_off * size), nbytes=n * size,
                                          instruction=index))
            elif op == "dealloc":
                v = env[ins["source"]]
                if v.ref != len(fn.args):
                    raise fail(f"{ins['source']} is a function argument, not an allocation of this function")
                name = root.get(ins["source"])
                if name in released:
                    released.discard(name)  # given back at its last use already
                    released.add(("dealloc", name))
                elif ("dealloc", name) in released or not out._arena.release(v.base):
                    raise fail(f"{ins['source']} is freed twice")
                else:
                    released.add(("dealloc", name))
            elif op == "return":
                break
        except ZeroDivisionError:
            raise fail("division by zero") from None
        except TypeError:
            raise fail("a float operand where an integer is needed") from None
    out._finish()
    return out


MAX_COPY_RUNS = 4096  # device copies one strided memref.copy may become


def _copy_runs(s: View, t: View) -> list[tuple[int, int, int]]:
    """A copy between two views of equal sizes as (source offset, target
    offset, elements) runs: one per index of the outer dims, each run covering
    the innermost dims that are contiguous in both views."""
    k, inner = len(s.sizes), 1
    while k > 0 and (s.sizes[k - 1] == 1 or (s.strides[k - 1] == inner and t.strides[k - 1] == inner)):
        inner *= s.sizes[k - 1]
        k -= 1
    runs = []
    for idx in np.ndindex(*s.sizes[:k]) if k else [()]:
        runs.append((s.offset + sum(i * st for i, st in zip(idx, s.strides)),
                     t.offset + sum(i * st for i, st in zip(idx, t.strides)), inner))
        if len(runs) > MAX_COPY_RUNS:
            break
    return runs


def _check_bounds(view: View, fail) -> None:
    if any(s < 0 for s in view.sizes):
        raise fail(f"negative size in {list(view.sizes)}")
    lo, hi = view.extent()
    if hi >= lo and (lo < 0 or hi >= view.capacity):
        raise fail(f"view (offset {view.offset}, sizes {list(view.sizes)}, strides {list(view.strides)}) "
                   f"reaches elements {lo}..{hi} of an allocation of {view.capacity}")
