"""The CUDA runtime's plan interpreter and launch path, without a GPU.

A fake in-memory device (cuda_fake.py) implements the driver interface; the
bundle is the hand-written fixture in fixtures/cuda_vadd (its cubin is only
read, never loaded here). Checks evaluation, arena sizing, the exact bytes of
packed kernel parameters, every plan-validation error and the launch errors.
"""

import copy
import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO
from cuda_fake import FakeDevice, memref

from tessera.cuda.driver import capture_graph, run_launches
from tessera.cuda.plan import Plan, _binary, _compare, evaluate
from tessera.errors import BundleError, CudaError

FIXTURE = REPO / "test/python/fixtures/cuda_vadd"


def _vadd(dev, grid, block, v):
    a, p = memref(dev, v, 0, 1, "f32")
    b, p = memref(dev, v, p, 1, "f32")
    c, p = memref(dev, v, p, 1, "f32")
    n = v[p]
    assert grid[0] * block[0] >= n
    c[:n] = a[:n] + b[:n]


def _scale(dev, grid, block, v):
    a, p = memref(dev, v, 0, 1, "f32")
    alpha = struct.unpack("<f", struct.pack("<I", v[p] & 0xFFFFFFFF))[0]
    n = v[p + 1] & 0xFFFFFFFF
    c, _ = memref(dev, v, p + 2, 1, "f32")
    c[:n] = alpha * a[:n]


def _poke(dev, grid, block, v):
    c, p = memref(dev, v, 0, 1, "f32")
    dev.bytes(v[1] + v[p] * 4, 4)[:] = np.array([1.0], np.float32).view(np.uint8)


KERNELS = {"vadd": _vadd, "scale": _scale, "poke": _poke}


@pytest.fixture(scope="module")
def plan():
    return Plan.load(FIXTURE)


def raw_plan():
    return json.loads((FIXTURE / "plan.json").read_text())


def _run(dev, launches, arrays, function="f"):
    """Uploads ``arrays`` as the arguments, runs, returns them downloaded."""
    ptrs = []
    for a in arrays:
        ptrs.append(dev.alloc(a.nbytes))
        dev.upload(ptrs[-1], a)
    arena = dev.alloc(launches.arena_bytes)
    launches.bind(ptrs + [arena])
    launches.functions = {k: k for k in KERNELS}
    run_launches(dev, launches, function)
    return [dev.download(np.empty_like(a), p) for a, p in zip(arrays, ptrs)]


# ---------------------------------------------------------------------------- evaluation
def test_vadd_evaluates_to_one_launch_one_copy_and_an_arena(plan):
    launches = evaluate(plan, "vadd", [(300,), (300,), (300,)])
    assert [s.kind for s in launches.steps] == ["launch", "copy"]
    assert launches.steps[0].grid == (3, 1, 1) and launches.steps[0].block == (128, 1, 1)
    assert launches.arena_bytes == 1200 and launches.allocations == [(0, 1200)]
    assert launches.steps[1].nbytes == 1200


def test_arena_places_each_allocation_on_its_alignment():
    raw = raw_plan()
    raw["functions"] = {"f": {"abi": {}, "args": [], "body": [
        {"op": "alloc", "result": "%a", "dtype": "f32", "shape": [10]},
        {"op": "alloc", "result": "%b", "dtype": "i64", "shape": [3], "alignment": 512},
        {"op": "alloc", "result": "%c", "dtype": "bf16", "shape": [0]},
        {"op": "alloc", "result": "%d", "dtype": "bf16", "shape": [2, 3]},
        *[{"op": "dim", "result": f"%n{x}", "source": f"%{x}", "index": 0} for x in "abcd"],  # all live
        {"op": "dealloc", "source": "%a"}, {"op": "return"}]}}
    launches = evaluate(Plan.from_json(raw), "f", [])
    assert launches.allocations == [(0, 40), (512, 24), (768, 0), (768, 12)]
    assert launches.arena_bytes == 780 and launches.steps == []


def test_packed_bytes_of_a_strided_view_with_an_offset(plan):
    # pairs(a [11], c [5]): vadd(odd = a[1::2], even = a[0::2], sum) then scale(sum, 0.5, 5, c)
    launches = evaluate(plan, "pairs", [(11,), (5,)])
    a, c, arena = 0x7000_0000_1000, 0x7000_0000_2000, 0x7000_0010_0000
    launches.bind([a, c, arena])
    odd = struct.pack("<QQqqq", a, a, 1, 5, 2)
    even = struct.pack("<QQqqq", a, a, 0, 5, 2)
    total = struct.pack("<QQqqq", arena, arena, 0, 5, 1)
    assert launches.packed_bytes(0) == odd + even + total + struct.pack("<q", 5)
    half_f32 = struct.pack("<fI", 0.5, 0)  # f32 in the low 4 bytes of its 8-byte slot
    five_i32 = struct.pack("<iI", 5, 0)
    assert launches.packed_bytes(1) == total + half_f32 + five_i32 + struct.pack("<QQqqq", c, c, 0, 5, 1)
    # The void*[] handed to cuLaunchKernel points at consecutive 8-byte slots.
    p = launches.params(1).pointers
    assert list(np.diff(p)) == [8] * (len(p) - 1) and int(p[0]) == launches.flat.ctypes.data + 8 * 16


def test_rebinding_moves_only_pointer_slots(plan):
    launches = evaluate(plan, "pairs", [(11,), (5,)])
    launches.bind([0x1000, 0x2000, 0x3000])
    before = launches.flat.copy()
    launches.bind([0x5000, 0x2000, 0x3000])
    changed = np.nonzero(before != launches.flat)[0].tolist()
    assert changed == [0, 1, 5, 6]  # allocated + aligned pointers of the two views of a


def test_fake_device_runs_the_plans(plan):
    dev = FakeDevice(KERNELS)
    a, b = np.arange(300, dtype=np.float32), np.linspace(0, 1, 300, dtype=np.float32)
    _, _, c = _run(dev, evaluate(plan, "vadd", [(300,)] * 3), [a, b, np.zeros(300, np.float32)])
    np.testing.assert_array_equal(c, a + b)
    x = np.random.default_rng(0).normal(size=11).astype(np.float32)
    _, c = _run(dev, evaluate(plan, "pairs", [(11,), (5,)]), [x, np.zeros(5, np.float32)])
    np.testing.assert_allclose(c, 0.5 * (x[1:11:2] + x[0:10:2]), rtol=1e-6)


def test_graph_capture_replays_the_launches(plan):
    dev = FakeDevice(KERNELS)
    launches = evaluate(plan, "vadd", [(10,)] * 3)
    ptrs = [dev.alloc(40) for _ in range(3)]
    dev.upload(ptrs[0], np.ones(10, np.float32))
    dev.upload(ptrs[1], np.full(10, 2, np.float32))
    launches.bind(ptrs + [dev.alloc(launches.arena_bytes)])
    launches.functions = {k: k for k in KERNELS}
    graph = capture_graph(dev, launches, "vadd")
    assert dev.launched == []  # captured, not run
    dev.launch_graph(graph)
    np.testing.assert_array_equal(dev.download(np.empty(10, np.float32), ptrs[2]), 3)


def test_launch_error_names_function_index_kernel_grid_and_block(plan):
    dev = FakeDevice(KERNELS)
    launches = evaluate(plan, "poke", [(4,), 1 << 20])
    launches.bind([dev.alloc(16), 0, dev.alloc(0)])  # a scalar argument has no base
    launches.functions = {k: k for k in KERNELS}
    with pytest.raises(CudaError, match=r"^poke: launch 0 of 1: kernel poke grid \[1, 1, 1\] block \[1, 1, 1\]: "
                                        r"CUDA_ERROR_ILLEGAL_ADDRESS"):
        run_launches(dev, launches, "poke")


@pytest.mark.parametrize("op,a,b,want", [
    ("divsi", -7, 2, -3), ("remsi", -7, 2, -1), ("floordivsi", -7, 2, -4), ("ceildivsi", -7, 2, -3),
    ("ceildivsi", 7, 2, 4), ("ceildivui", 7, 2, 4), ("divui", -2, 2, 2**63 - 1),
    ("shrui", -1, 60, 15), ("shli", 3, 4, 48), ("minui", -1, 5, 5), ("maxsi", -1, 5, 5),
    ("addi", 2**63 - 1, 1, -2**63)])
def test_index_arithmetic(op, a, b, want):
    assert _binary(op, a, b) == want


def test_unsigned_compare():
    assert _compare("ult", 1, -1) == 1 and _compare("slt", 1, -1) == 0 and _compare("uge", -1, 0) == 1


# ---------------------------------------------------------------------------- plan validation
def _mutate(fn_name, index, **changes):
    raw = raw_plan()
    ins = raw["functions"][fn_name]["body"][index]
    for k, v in changes.items():
        if v is None:
            ins.pop(k, None)
        else:
            ins[k] = v
    return raw


def _vadd_body(raw):
    return raw["functions"]["vadd"]["body"]


BAD_PLANS = [
    ("unknown op", lambda r: _vadd_body(r).insert(1, {"op": "scf.for"}),
     "function 'vadd', instruction 1 (scf.for): unknown op 'scf.for'"),
    ("undefined value", lambda r: _vadd_body(r)[4].update(lhs="%nope"),
     "function 'vadd', instruction 4 (ceildivsi): lhs: undefined value %nope"),
    ("use before definition", lambda r: _vadd_body(r).insert(0, _vadd_body(r)[4]),
     "function 'vadd', instruction 0 (ceildivsi): lhs: undefined value %n"),
    ("grid arity", lambda r: _vadd_body(r)[5].update(grid=["%g", 1]),
     "instruction 5 (launch): grid: expected 3 operands, got 2"),
    ("launch arity", lambda r: _vadd_body(r)[5].update(args=["%arg0", "%arg1", "%tmp"]),
     "instruction 5 (launch): kernel 'vadd' takes 4 parameters, got 3 arguments"),
    ("scalar for memref", lambda r: _vadd_body(r)[5].update(args=["%arg0", "%n", "%tmp", "%n"]),
     "instruction 5 (launch): args[1] (%n): kernel 'vadd' parameter 1 is memref rank 1 f32, got a scalar"),
    ("memref for scalar", lambda r: _vadd_body(r)[5].update(args=["%arg0", "%arg1", "%tmp", "%tmp"]),
     "args[3] (%tmp): kernel 'vadd' parameter 3 is index, got a memref"),
    ("dtype mismatch", lambda r: _vadd_body(r)[3].update(dtype="bf16"),
     "args[2] (%tmp): kernel 'vadd' parameter 2 is memref rank 1 f32, got memref rank 1 bf16"),
    ("rank mismatch", lambda r: _vadd_body(r)[3].update(shape=["%n", 1]),
     "args[2] (%tmp): kernel 'vadd' parameter 2 is memref rank 1 f32, got memref rank 2 f32"),
    ("unknown kernel", lambda r: _vadd_body(r)[5].update(kernel="vsub"),
     "instruction 5 (launch): unknown kernel 'vsub' (not in the kernel table)"),
    ("redefinition", lambda r: _vadd_body(r)[1].update(result="%c0"),
     "instruction 1 (constant): %c0 is defined twice"),
    ("missing field", lambda r: _vadd_body(r)[2].pop("index"),
     "instruction 2 (dim): missing field 'index'"),
    ("memref operand to arithmetic", lambda r: _vadd_body(r)[4].update(lhs="%tmp"),
     "instruction 4 (ceildivsi): lhs: %tmp is a memref, expected a scalar"),
    ("metadata arity", lambda r: r["functions"]["pairs"]["body"][3].update(sizes=[]),
     "function 'pairs', instruction 3 (extract_strided_metadata): sizes: expected 1 result names"),
    ("cast arity", lambda r: r["functions"]["pairs"]["body"][5].update(strides=[2, 1]),
     "instruction 5 (reinterpret_cast): 1 sizes but 2 strides"),
    ("bad predicate", lambda r: _vadd_body(r).insert(3, {"op": "cmpi", "predicate": "lt", "result": "%q",
                                                          "lhs": 1, "rhs": 2}),
     "instruction 3 (cmpi): unknown predicate 'lt'"),
    ("bad format", lambda r: r.update(format="other"), "not a Tessera CUDA plan"),
    ("bad version", lambda r: r.update(version=2), "unsupported version 2"),
    ("bad param kind", lambda r: r["kernels"]["vadd"]["params"].__setitem__(3, {"kind": "u8"}),
     "kernel 'vadd': param 3: unknown kind 'u8'"),
    ("bad block", lambda r: r["kernels"]["vadd"].update(block=[2048, 1, 1]),
     "kernel 'vadd': block must be 3 positive integers with at most 1024 threads"),
    ("bad arg", lambda r: r["functions"]["vadd"]["args"][0].update(dtype="f8"),
     "function 'vadd': args[0] (%arg0): memref needs a dtype"),
]


@pytest.mark.parametrize("name,mutate,message", BAD_PLANS, ids=[b[0] for b in BAD_PLANS])
def test_plan_validation_errors(name, mutate, message):
    raw = raw_plan()
    mutate(raw)
    with pytest.raises(BundleError) as e:
        Plan.from_json(raw)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_bundle_directory_errors(tmp_path):
    with pytest.raises(BundleError, match="not a bundle directory"):
        Plan.load(tmp_path / "missing")
    with pytest.raises(BundleError, match="no plan.json"):
        Plan.load(tmp_path)
    (tmp_path / "plan.json").write_text("{")
    with pytest.raises(BundleError, match="plan.json: cannot parse"):
        Plan.load(tmp_path)
    (tmp_path / "plan.json").write_text((FIXTURE / "plan.json").read_text())
    with pytest.raises(BundleError, match="cannot read kernels.cubin"):
        Plan.load(tmp_path)


def test_evaluation_errors(plan):
    with pytest.raises(BundleError, match=r"function 'pairs', instruction 5 \(reinterpret_cast\): view \(offset 1, "
                                          r"sizes \[5\], strides \[2\]\) reaches elements 1..9 of an allocation of 9"):
        evaluate(plan, "pairs", [(9,), (5,)])
    with pytest.raises(BundleError, match=r"vadd: argument 1 \(%arg1\) must have shape \[-1\] \(-1 = any\), got \[3, 1\]"):
        evaluate(plan, "vadd", [(3,), (3, 1), (3,)])
    with pytest.raises(BundleError, match="plan.json has no function 'nope'"):
        evaluate(plan, "nope", [])
    raw = raw_plan()
    _vadd_body(raw)[4].update(rhs=0)
    with pytest.raises(BundleError, match=r"instruction 4 \(ceildivsi\): division by zero"):
        evaluate(Plan.from_json(raw), "vadd", [(3,)] * 3)
    raw = raw_plan()
    _vadd_body(raw)[7].update(source="%arg0")
    with pytest.raises(BundleError, match=r"instruction 7 \(dealloc\): %arg0 is a function argument"):
        evaluate(Plan.from_json(raw), "vadd", [(3,)] * 3)


def test_arena_reuses_the_bytes_of_freed_intermediates():
    """The arena holds the peak of live bytes, not their sum: a buffer
    allocated after a dealloc takes the freed bytes (first fit, aligned),
    neighbouring free blocks merge, and a double free is an error."""
    raw = raw_plan()
    uses = iter(range(100))
    use = lambda x: {"op": "dim", "result": f"%n{next(uses)}", "source": f"%{x}", "index": 0}  # noqa: E731
    raw["functions"] = {"f": {"abi": {}, "args": [], "body": [
        {"op": "alloc", "result": "%a", "dtype": "f32", "shape": [256]},   # 1024 B at 0
        {"op": "alloc", "result": "%b", "dtype": "f32", "shape": [64]},    # 256 B at 1024
        {"op": "alloc", "result": "%c", "dtype": "f32", "shape": [64]},    # 256 B at 1280
        use("a"), use("b"), use("c"),
        {"op": "dealloc", "source": "%a"},
        {"op": "alloc", "result": "%d", "dtype": "f32", "shape": [128]},   # 512 B at 0 (reused)
        use("d"), use("b"),
        {"op": "dealloc", "source": "%b"}, {"op": "dealloc", "source": "%d"},
        {"op": "alloc", "result": "%e", "dtype": "f32", "shape": [320]},   # 1280 B at 0: 0..1280 merged
        use("c"), use("e"),
        {"op": "dealloc", "source": "%c"}, {"op": "dealloc", "source": "%e"}, {"op": "return"}]}}
    launches = evaluate(Plan.from_json(raw), "f", [])
    assert launches.allocations == [(0, 1024), (1024, 256), (1280, 256), (0, 512), (0, 1280)]
    assert launches.arena_bytes == 1536
    raw["functions"]["f"]["body"].insert(7, {"op": "dealloc", "source": "%a"})
    with pytest.raises(BundleError, match=r"instruction 7 \(dealloc\): %a is freed twice"):
        evaluate(Plan.from_json(raw), "f", [])


def test_intermediates_are_given_back_after_their_last_use():
    """convert-graph-to-tile frees intermediates only before the return; the
    arena still holds just what is live: an allocation whose views are read
    for the last time gives its bytes to the next one, before its dealloc."""
    raw = raw_plan()
    raw["functions"] = {"f": {"abi": {}, "args": [], "body": [
        {"op": "alloc", "result": "%a", "dtype": "f32", "shape": [256]},   # 1024 B at 0
        {"op": "extract_strided_metadata", "source": "%a", "base": "%ab", "offset": "%ao",
         "sizes": ["%as"], "strides": ["%at"]},
        {"op": "reinterpret_cast", "result": "%av", "source": "%ab", "offset": 0, "sizes": [16], "strides": [1]},
        {"op": "dim", "result": "%n", "source": "%av", "index": 0},        # last read of %a (through a view)
        {"op": "alloc", "result": "%b", "dtype": "f32", "shape": [256]},   # takes %a's bytes
        {"op": "dim", "result": "%m", "source": "%b", "index": 0},
        {"op": "dealloc", "source": "%a"}, {"op": "dealloc", "source": "%b"}, {"op": "return"}]}}
    launches = evaluate(Plan.from_json(raw), "f", [])
    assert launches.allocations == [(0, 1024), (0, 1024)] and launches.arena_bytes == 1024


def test_strided_copy_becomes_contiguous_runs():
    # target[3, 2] = source[3, 4][:, 1:3]
    raw = raw_plan()
    raw["functions"] = {"f": {"abi": {}, "args": [
        {"name": "%src", "kind": "memref", "dtype": "f32", "shape": [3, 4]},
        {"name": "%dst", "kind": "memref", "dtype": "f32", "shape": [3, 2]}], "body": [
        {"op": "extract_strided_metadata", "source": "%src", "base": "%b", "offset": "%o",
         "sizes": ["%s0", "%s1"], "strides": ["%t0", "%t1"]},
        {"op": "reinterpret_cast", "result": "%v", "source": "%b", "offset": 1, "sizes": [3, 2], "strides": [4, 1]},
        {"op": "copy", "source": "%v", "target": "%dst"}, {"op": "return"}]}}
    launches = evaluate(Plan.from_json(raw), "f", [(3, 4), (3, 2)])
    assert [(s.source[1], s.target[1], s.nbytes) for s in launches.steps] == [(4, 0, 8), (20, 8, 8), (36, 16, 8)]
    src = np.arange(12, dtype=np.float32).reshape(3, 4)
    _, dst = _run(FakeDevice(KERNELS), launches, [src, np.zeros((3, 2), np.float32)])
    np.testing.assert_array_equal(dst, src[:, 1:3])


def test_empty_grid_is_skipped(plan):
    assert evaluate(plan, "vadd", [(0,)] * 3).steps == []


def test_cuda_package_imports_without_extension_mlir_or_torch():
    # What the GPU machine has: numpy, no tessera._tessera, no MLIR bindings; torch not needed.
    code = ("import sys\n"
            "for m in ('tessera._tessera', 'mlir', 'torch', 'transformers', 'cuda'):\n"
            "    sys.modules[m] = None\n"
            "import tessera.cuda, tessera.cuda.model, tessera.checkpoint.artifact, tessera.testing\n"
            "ok, why = tessera.cuda.probe()\n"
            "assert not ok and 'no CUDA driver' in why or ok, why\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
