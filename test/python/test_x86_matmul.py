"""The x86 matmul kernel at each vector width the ISA may pick, against numpy.

Each case is one `tile.matmul` compiled through the x86 pipeline for a
forced target: `x86-64-v3` (AVX2 + FMA: 8-lane vectors, 6 x 2 ymm register
blocks) and `x86-64-v4` (AVX-512: 16 lanes, 6 x 4 zmm). Shapes cover the
packed many-row kernel (M >= 16) with row, panel and column tails and the
few-row dot kernel (M < 16), with bias, epilogues, accumulation and bf16
weights. The AVX-512 build runs only where the host has AVX-512.
"""

import ctypes
import re
import shutil
import subprocess

import numpy as np
import pytest

from tessera import compiler, ir
from tessera._tessera import JitLibrary, host_features
from tessera.runtime import _descriptor
from tessera.runtime.abi import parse_functions
from tessera.runtime.packing import pack_weight

WIDTHS = {"x86-64-v3": 8, "x86-64-v4": 16}


def _compile(cpu: str, k: int, n: int, wtype: str, attrs: str, bias: bool):
    btype = f", memref<{n}xf32>" if bias else ""
    text = f"""
    func.func @mm(%a: memref<?x{k}xf32>, %w: memref<{n}x{k}x{wtype}>, %c: memref<?x{n}xf32>
                  {f", %b: memref<{n}xf32>" if bias else ""}) attributes {{llvm.emit_c_interface}} {{
      tile.matmul %a, %w, %c {"bias(%b)" if bias else ""} {{transpose_b{attrs}}}
          : memref<?x{k}xf32>, memref<{n}x{k}x{wtype}>, memref<?x{n}xf32>{btype}
      return
    }}"""
    module = ir.parse(text)
    target = compiler.lower(module, "tile", "target", "x86", cpu=cpu).module
    widths = {int(w) for w in re.findall(r"vector<(\d+)xf32>", str(target))}
    obj = compiler.lower(target, "target", "obj", "x86").module
    lib = JitLibrary(obj)
    fn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * (4 if bias else 3))(lib.lookup("_mlir_ciface_mm"))
    return lib, fn, widths


def _bf16(x):
    """bf16 bits (round to nearest even) and their f32 values."""
    u = x.astype(np.float32).view(np.uint32)
    bits = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return bits, (bits.astype(np.uint32) << 16).view(np.float32)


def _inputs(m, k, n, wtype, epi, acc):
    """A [m, k], the weight's f32 values w [n, k] and what the kernel is given
    (bf16 bits for bf16), bias, C and the matmul's attribute text."""
    rng = np.random.default_rng(m * n + k)
    a = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((n, k), dtype=np.float32)
    b = rng.standard_normal(n, dtype=np.float32)
    c = rng.standard_normal((m, n), dtype=np.float32)
    attrs = (f", epilogue = #tile.epilogue<{epi}>" if epi else "") + (", accumulate" if acc else "")
    warg = w
    if wtype == "bf16":
        warg, w = _bf16(w)
    return a, w, warg, b, c, attrs


CASES = [  # m, k, n, weights, epilogue, bias, accumulate
    (37, 300, 83 + 64, "f32", None, True, False),   # packed: row/panel/column tails, K blocks
    (64, 64, 128, "f32", "relu2", True, False),
    (23, 48, 40, "f32", "silu", False, False),
    (20, 96, 72, "f32", None, False, True),
    (18, 64, 64, "bf16", None, False, False),
    (5, 96, 83, "f32", "relu2", True, False),      # few rows: dot kernel
]


@pytest.mark.parametrize("cpu", list(WIDTHS))
@pytest.mark.parametrize("m,k,n,wtype,epi,bias,acc", CASES)
def test_matmul_matches_numpy_at_each_width(cpu, m, k, n, wtype, epi, bias, acc):
    if WIDTHS[cpu] == 16 and "+avx512f" not in host_features().split(","):
        pytest.skip("this host has no AVX-512: the 16-lane build cannot run here")
    a, w, warg, b, c, attrs = _inputs(m, k, n, wtype, epi, acc)
    lib, fn, widths = _compile(cpu, k, n, wtype, attrs, bias)
    assert max(widths) == WIDTHS[cpu]

    ref = a.astype(np.float64) @ w.T.astype(np.float64) + (b if bias else 0) + (c if acc else 0)
    if epi == "relu2":
        ref = np.maximum(ref, 0) ** 2
    elif epi == "silu":
        ref = ref / (1 + np.exp(-ref))
    args = [a, warg, c] + ([b] if bias else [])
    ds = [_descriptor(x) for x in args]
    fn(*[ctypes.addressof(d) for d in ds])
    assert np.abs(c - ref).max() / np.abs(ref).max() <= 1e-5


# -- weights packed at load (tessera-x86-pack-weights + runtime packing) --------

#: name -> (cpu, features added to the CPU's, lanes, whether bf16 weights
#: take vdpbf16ps, whether many-row bf16 matmuls take AMX tiles)
PACKED_CPUS = {"x86-64-v3": ("x86-64-v3", "", 8, False, False),
               "x86-64-v4": ("x86-64-v4", "", 16, False, False),
               "x86-64-v4+bf16": ("x86-64-v4", "+avx512bf16", 16, True, False),
               "sapphirerapids": ("sapphirerapids", "", 16, True, True)}

PACKED_CASES = [  # m, k, n, weights, epilogue, bias, accumulate
    (37, 300, 83 + 64, "f32", None, True, False),   # row tails, K blocks, a partial last panel
    (1, 300, 83, "f32", "relu2", True, False),      # decode: one row, N < one panel (AVX-512)
    (4, 96, 72, "f32", None, False, True),          # 3 + 1 rows, accumulate
    (23, 48, 40, "f32", "silu", False, False),
    (7, 97, 70, "f32", None, True, False),          # odd K: the 2-step K loop's last single step
    (18, 64, 64, "bf16", None, False, False),
    (2, 257, 83, "bf16", "relu2", True, False),     # odd K: the last K pair is half padding
    (13, 130, 150, "bf16", None, True, True),
    # K a multiple of 32 (16 K pairs): AMX tiles from 16 rows
    (40, 96, 150, "bf16", "relu2", True, False),    # row tail of a 32-row block, a half panel past N
    (33, 64, 100, "bf16", None, True, True),        # bias + accumulate, one row past a block
    (16, 32, 64, "bf16", "silu", False, False),     # one A tile of rows
    (5, 64, 64, "bf16", None, False, False),        # few rows: vdpbf16ps in the same kernel
]


def _compile_packed(cpu, k, n, wtype, attrs, bias, features=""):
    """Like _compile, with `w` declared a weight (tessera.abi): the pass
    chooses its layout; returns the layout the ABI records too."""
    btype = f", memref<{n}xf32>" if bias else ""
    weights = '["w", "b"]' if bias else '["w"]'
    abi = (f'tessera.abi = {{inputs = [{{name = "a", dtype = "f32", shape = [-1, {k}], arg = 0 : i64}}], '
           f'states = [], weights = {weights}, first_weight_arg = 1 : i64, results = [{{name = "c", '
           f'dtype = "f32", shape = [-1, {n}], arg = {3 if bias else 2} : i64}}]}}')
    text = f"""
    func.func @mm(%a: memref<?x{k}xf32>, %w: memref<{n}x{k}x{wtype}>{f", %b: memref<{n}xf32>" if bias else ""},
                  %c: memref<?x{n}xf32>) attributes {{{abi}, llvm.emit_c_interface}} {{
      tile.matmul %a, %w, %c {"bias(%b)" if bias else ""} {{transpose_b{attrs}}}
          : memref<?x{k}xf32>, memref<{n}x{k}x{wtype}>, memref<?x{n}xf32>{btype}
      return
    }}"""
    extra = {}
    if features:
        from tessera._tessera import cpu_features
        extra["features"] = cpu_features(cpu) + "," + features
    lowered = compiler.lower(ir.parse(text), "tile", "target", "x86", cpu=cpu, **extra)
    ir_text = str(lowered.module)
    layout = dict(parse_functions(lowered.metadata)["mm"].layouts)["w"]
    obj = compiler.lower(lowered.module, "target", "obj", "x86").module
    lib = JitLibrary(obj)
    fn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * (4 if bias else 3))(lib.lookup("_mlir_ciface_mm"))
    return lib, fn, layout, ir_text, obj


def _disassembly(obj: bytes, tmp_path) -> str | None:
    tool = shutil.which("llvm-objdump") or shutil.which("objdump")
    if tool is None:
        return None
    path = tmp_path / "mm.o"
    path.write_bytes(obj)
    return subprocess.run([tool, "-d", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("cpu", list(PACKED_CPUS))
@pytest.mark.parametrize("m,k,n,wtype,epi,bias,acc", PACKED_CASES)
def test_prepacked_matmul_matches_numpy(cpu, m, k, n, wtype, epi, bias, acc, tmp_path):
    target_cpu, features, lanes, dot, amx = PACKED_CPUS[cpu]
    host = host_features().split(",")
    if (lanes == 16 and "+avx512f" not in host or dot and "+avx512bf16" not in host
            or amx and not {"+amx-tile", "+amx-bf16"} <= set(host)):
        pytest.skip(f"this host cannot run {cpu} code")
    a, w, warg, b, c, attrs = _inputs(m, k, n, wtype, epi, acc)
    lib, fn, layout, text, obj = _compile_packed(target_cpu, k, n, wtype, attrs, bias, features)
    bf16_dot = wtype == "bf16" and dot
    # AMX takes bf16 K-pair panels whose K pairs fill whole 16-pair tiles
    # (the kernel branches on the row count: vdpbf16ps below 16 rows).
    tiles = bf16_dot and amx and (k + 1) // 2 % 16 == 0
    assert (layout.panel_cols, layout.k_pack) == ((4 if lanes == 16 else 2) * lanes, 2 if bf16_dot else 1)
    assert ("target.x86.bf16_dot" in text) == bf16_dot
    assert ("amx.tile_mulf" in text) == tiles
    if wtype == "bf16" and (asm := _disassembly(obj, tmp_path)) is not None:
        assert ("vdpbf16ps" in asm) == bf16_dot
        assert ("tdpbf16ps" in asm) == tiles
    packed = pack_weight("w", warg, layout)
    assert packed.shape == layout.packed_shape

    # vdpbf16ps and AMX multiply bf16 activations: the reference rounds A
    # the same way; then only the f32 summation order differs.
    a_ref = _bf16(a)[1] if bf16_dot else a
    ref = a_ref.astype(np.float64) @ w.T.astype(np.float64) + (b if bias else 0) + (c if acc else 0)
    if epi == "relu2":
        ref = np.maximum(ref, 0) ** 2
    elif epi == "silu":
        ref = ref / (1 + np.exp(-ref))
    args = [a, packed] + ([b] if bias else []) + [c]
    ds = [_descriptor(x) for x in args]
    fn(*[ctypes.addressof(d) for d in ds])
    assert np.abs(c - ref).max() / np.abs(ref).max() <= 1e-5


def test_pack_weight_layout_by_hand():
    """pack_weight against the layout's definition, element by element."""
    from tessera.runtime.abi import WeightLayout
    w = np.arange(5 * 7, dtype=np.float32).reshape(5, 7) + 1
    p1 = pack_weight("w", w, WeightLayout("panels", 4, 1, (5, 7), (2, 7, 4)))
    p2 = pack_weight("w", w, WeightLayout("panels", 4, 2, (5, 7), (2, 4, 4, 2)))
    for n in range(8):
        for k in range(8):
            v = w[n, k] if n < 5 and k < 7 else 0
            if k < 7:
                assert p1[n // 4, k, n % 4] == v
            assert p2[n // 4, k // 2, n % 4, k % 2] == v


def test_pack_weight_refuses_a_tensor_of_another_shape():
    from tessera.errors import ArtifactError
    from tessera.runtime.abi import WeightLayout
    with pytest.raises(ArtifactError, match=r"^tensor 'w' has shape \[5, 6\], but the compiled model takes it "
                                            r"as \[5, 7\] packed into panels of 4 columns$"):
        pack_weight("w", np.zeros((5, 6), np.float32), WeightLayout("panels", 4, 1, (5, 7), (2, 7, 4)))


_AMX_MAIN_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { float *alloc, *aligned; int64_t offset, sizes[2], strides[2]; } F2;
typedef struct { uint16_t *alloc, *aligned; int64_t offset, sizes[4], strides[4]; } B4;
void _mlir_ciface_mm(F2 *a, B4 *w, F2 *c);
int main(void) {
  enum { M = 40, K = 32, N = 64 };
  static float a[M][K], c[M][N];
  static uint16_t w[1][K / 2][N][2];
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      a[i][k] = (float)(i % 5) + 1.0f; /* exact in bf16 */
  for (int k2 = 0; k2 < K / 2; ++k2)
    for (int j = 0; j < N; ++j)
      w[0][k2][j][0] = w[0][k2][j][1] = 0x3F80 + 0x80 * (j % 2); /* 1.0, 2.0 */
  F2 da = {&a[0][0], &a[0][0], 0, {M, K}, {K, 1}};
  B4 dw = {&w[0][0][0][0], &w[0][0][0][0], 0, {1, K / 2, N, 2}, {K * N, 2 * N, 2, 1}};
  F2 dc = {&c[0][0], &c[0][0], 0, {M, N}, {N, 1}};
  _mlir_ciface_mm(&da, &dw, &dc);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      if (c[i][j] != K * ((float)(i % 5) + 1.0f) * (1 + j % 2)) {
        printf("c[%d][%d] = %g\n", i, j, c[i][j]);
        return 2;
      }
  puts("ok");
  return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to link the object")
def test_amx_object_runs_outside_python(tmp_path):
    """An `--emit obj`-style object with AMX tiles runs in a plain C program
    linked with libtessera_runtime, which asks Linux for AMX state when it
    loads (without it the first tile instruction raises SIGILL)."""
    if not {"+amx-tile", "+amx-bf16"} <= set(host_features().split(",")):
        pytest.skip("this host has no AMX (or the OS does not grant it)")
    import os

    from tessera.runtime.cpu import runtime_library

    lib, fn, layout, text, obj = _compile_packed("sapphirerapids", 32, 64, "bf16", "", False)
    assert "amx.tile_mulf" in text and layout.packed_shape == (1, 16, 64, 2)
    (tmp_path / "m.o").write_bytes(obj)
    (tmp_path / "main.c").write_text(_AMX_MAIN_C)
    libdir = os.path.dirname(runtime_library())
    subprocess.run(["cc", "-o", str(tmp_path / "main"), str(tmp_path / "main.c"), str(tmp_path / "m.o"),
                    f"-L{libdir}", "-ltessera_runtime", f"-Wl,-rpath,{libdir}", "-L/usr/lib/llvm-22/lib", "-lomp",
                    "-Wl,-rpath,/usr/lib/llvm-22/lib", "-lm"], check=True)
    done = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), (done.returncode, done.stdout, done.stderr)


def test_perf_map_names_jit_code(tmp_path):
    """With TESSERA_PERF_MAP set, loading an object appends its functions to
    perf's /tmp/perf-<pid>.map: exported ones at the JIT's own addresses,
    the OpenMP bodies (local symbols) beside them."""
    import json
    import os
    import sys
    import textwrap

    script = textwrap.dedent("""
        import json, os, sys
        sys.path.insert(0, sys.argv[1])
        import test_x86_matmul as t
        lib, fn, layout, text, obj = t._compile_packed("x86-64-v3", 64, 40, "f32", "", False)
        print(json.dumps({"pid": os.getpid(), "ciface": lib.lookup("_mlir_ciface_mm")}))
    """)
    env = dict(os.environ, TESSERA_PERF_MAP="1")
    done = subprocess.run([sys.executable, "-c", script, os.path.dirname(__file__)], env=env,
                          capture_output=True, text=True, check=True)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    path = f"/tmp/perf-{info['pid']}.map"
    try:
        rows = [line.split(maxsplit=2) for line in open(path).read().splitlines()]
    finally:
        os.remove(path)
    names = {name: (int(start, 16), int(size, 16)) for start, size, name in rows}
    assert names["_mlir_ciface_mm"][0] == info["ciface"]
    assert any("omp_par" in n for n in names) and all(size > 0 for _, size in names.values())
