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

import numpy as np
import pytest

from tessera import compiler, ir
from tessera._tessera import JitLibrary, host_features
from tessera.runtime import _descriptor

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
    rng = np.random.default_rng(m * n + k)
    a = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((n, k), dtype=np.float32)
    b = rng.standard_normal(n, dtype=np.float32)
    c = rng.standard_normal((m, n), dtype=np.float32)
    attrs = (f", epilogue = #tile.epilogue<{epi}>" if epi else "") + (", accumulate" if acc else "")
    warg = w
    if wtype == "bf16":
        warg, w = _bf16(w)
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
