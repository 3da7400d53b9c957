#!/usr/bin/env python3
"""GPU numerical check of the NVIDIA Mamba2 and attention kernels.

Each case is a hand-written Tile-IR module lowered by ``convert-tile-to-nvvm``
(lib/Conversion/TileToNVVM: ConvKernels, SSDKernels, AttentionKernels) to a
cubin; its kernels are launched with random inputs and compared with numpy
(the op semantics in float64, and python/tessera/reference.py where it has the
same computation: the chunked SSD scan, the recurrent step, the conv).

Two steps, because the GPU machine has no LLVM/MLIR:

  build DIR   here (tessera-opt and ptxas): one .cubin (and
              .ptx) per module in DIR
  run DIR     on the GPU machine (numpy + libcuda.so.1 through ctypes):
              launches every case, prints max|gpu - ref| / max|ref| per
              output, exits 1 if any exceeds its tolerance

Launch grids mirror the recipes (see each kernel file's header comment);
memref arguments are passed as expanded descriptors (allocated pointer,
aligned pointer, offset, sizes..., strides..., 8 bytes each).
"""
from __future__ import annotations

import argparse
import ctypes
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------- modules
F32_INF = "0x7FF0000000000000"

MODULES: dict[str, str] = {}

MODULES["conv_bias_state"] = """
func.func @f(%x: memref<?x?x200xf32>, %w: memref<200x4xbf16>, %b: memref<200xf32>,
             %s0: memref<?x200x3xf32>, %y: memref<?x?x200xf32>, %s1: memref<?x200x3xf32>) {
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1 {silu, block_channels = 64 : i64}
      : memref<?x?x200xf32>, memref<200x4xbf16>, memref<200xf32>, memref<?x200x3xf32>,
        memref<?x?x200xf32>, memref<?x200x3xf32>
  return
}
"""
MODULES["conv_state_only"] = """
func.func @f(%x: memref<?x?x200xf32>, %w: memref<200x4xf32>, %s0: memref<?x200x3xf32>,
             %y: memref<?x?x200xf32>, %s1: memref<?x200x3xf32>) {
  tile.causal_conv1d %x, %w state_in(%s0) -> %y, %s1 {silu, block_channels = 64 : i64}
      : memref<?x?x200xf32>, memref<200x4xf32>, memref<?x200x3xf32>,
        memref<?x?x200xf32>, memref<?x200x3xf32>
  return
}
"""


def ssd_module(h, g, p, n, q, xt, init, dt_min="0.0", dt_max=F32_INF):
    """The four chunked-scan stages, one function each (one gpu.module)."""
    x = f"memref<?x?x{h}x{p}x{xt}>"
    bm = f"memref<?x?x{g}x{n}x{xt}>"
    dt = f"memref<?x?x{h}xf32>"
    cs = f"memref<?x{h}x?x{q}xf32>"
    st = f"memref<?x?x{h}x{p}x{n}xf32>"
    fs = f"memref<?x{h}x{p}x{n}xf32>"
    vh = f"memref<{h}xf32>"
    y = f"memref<?x?x{h}x{p}xf32>"
    init_arg = f", %s0: {fs}" if init else ""
    init_use = " init(%s0)" if init else ""
    init_ty = f", {fs}" if init else ""
    return f"""
func.func @cumsum(%dt: {dt}, %dtb: {vh}, %alog: {vh}, %dt2: {dt}, %cs: {cs}) {{
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dt2, %cs
      {{chunk_size = {q} : i64, dt_min = {dt_min} : f64, dt_max = {dt_max} : f64}}
      : {dt}, {vh}, {vh}, {dt}, {cs}
  return
}}
func.func @state(%x: {x}, %B: {bm}, %dt2: {dt}, %cs: {cs}, %st: {st}) {{
  tile.ssd_chunk_state %x, %B, %dt2, %cs -> %st {{chunk_size = {q} : i64}}
      : {x}, {bm}, {dt}, {cs}, {st}
  return
}}
func.func @passing(%st: {st}, %cs: {cs}{init_arg}, %sin: {st}, %s1: {fs}) {{
  tile.ssd_state_passing %st, %cs{init_use} -> %sin, %s1 {{chunk_size = {q} : i64}}
      : {st}, {cs}{init_ty}, {st}, {fs}
  return
}}
func.func @scan(%x: {x}, %C: {bm}, %B: {bm}, %dt2: {dt}, %cs: {cs}, %sin: {st}, %D: {vh}, %y: {y}) {{
  tile.ssd_chunk_scan %x, %C, %B, %dt2, %cs, %sin, %D -> %y {{chunk_size = {q} : i64}}
      : {x}, {bm}, {bm}, {dt}, {cs}, {st}, {vh}, {y}
  return
}}
"""


SSD_CFGS = {
    # name: B, S, H, G, P, N, Q, x/B/C type, init
    "ssd_12b_like": (2, 300, 8, 2, 80, 128, 128, "f32", True),
    "ssd_wide_state": (1, 150, 4, 1, 64, 256, 64, "bf16", False),
}
for _name, (_b, _s, _h, _g, _p, _n, _q, _t, _init) in SSD_CFGS.items():
    MODULES[_name] = ssd_module(_h, _g, _p, _n, _q, _t, _init)

MODULES["ssd_update"] = f"""
func.func @f(%x: memref<?x8x80xf32>, %dt: memref<?x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>,
             %B: memref<?x2x128xf32>, %C: memref<?x2x128xf32>, %D: memref<8xf32>,
             %s: memref<?x8x80x128xf32>, %y: memref<?x8x80xf32>) {{
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
      {{dt_min = 0.001 : f64, dt_max = 0.1 : f64}}
      : memref<?x8x80xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>,
        memref<?x2x128xf32>, memref<?x2x128xf32>, memref<8xf32>,
        memref<?x8x80x128xf32>, memref<?x8x80xf32>
  return
}}
"""

STRIDED = "strided<[?, ?, ?, 1], offset: ?>"
ATTN_CFGS = {
    # name: B, S, T, Hq, Hkv, D, causal, dtype, K/V as a transposed cache view
    "attn_gqa5_prefill": (2, 45, 45, 10, 2, 128, True, "f32", False),
    "attn_mqa_decode_cache": (2, 1, 77, 32, 1, 80, True, "bf16", True),
    "attn_chunked_prefill": (1, 20, 50, 4, 4, 64, True, "f32", False),
    "attn_noncausal": (1, 33, 33, 6, 3, 32, False, "f32", False),
}
for _name, (_b, _s, _t, _hq, _hkv, _d, _causal, _ty, _view) in ATTN_CFGS.items():
    _q = f"memref<?x?x{_hq}x{_d}x{_ty}>"
    _k = f"memref<?x?x{_hkv}x{_d}x{_ty}" + (f", {STRIDED}>" if _view else ">")
    _attrs = ("causal, " if _causal else "") + f"scale = {1 / math.sqrt(_d)!r} : f64, block_q = 64 : i64, block_k = 64 : i64"
    MODULES[_name] = f"""
func.func @f(%q: {_q}, %k: {_k}, %v: {_k}, %o: {_q}) {{
  tile.flash_attention %q, %k, %v, %o {{{_attrs}}} : {_q}, {_k}, {_k}, {_q}
  return
}}
"""

MODULES["kv_append"] = """
func.func @f(%new: memref<?x?x3x40xf32>, %cache: memref<?x16x3x40xbf16>, %pos: memref<1xi64>) {
  tile.kv_cache_append %new -> %cache[%pos] : memref<?x?x3x40xf32> -> memref<?x16x3x40xbf16>, memref<1xi64>
  return
}
"""

# Nemotron-H 12B sizes, for --time (no reference: the shapes per head are
# those checked above): 128 SSM heads of 80, 8 groups of state 128, chunk 128;
# conv over 128*80 + 2*8*128 = 12288 channels; attention 40 query heads over
# 8 K/V heads of 128.
MODULES["ssd_12b"] = ssd_module(128, 8, 80, 128, 128, "bf16", True)
MODULES["conv_12b"] = """
func.func @f(%x: memref<?x?x12288xbf16>, %w: memref<12288x4xbf16>, %b: memref<12288xbf16>,
             %s0: memref<?x12288x3xf32>, %y: memref<?x?x12288xbf16>, %s1: memref<?x12288x3xf32>) {
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1 {silu, block_channels = 64 : i64}
      : memref<?x?x12288xbf16>, memref<12288x4xbf16>, memref<12288xbf16>, memref<?x12288x3xf32>,
        memref<?x?x12288xbf16>, memref<?x12288x3xf32>
  return
}
"""
MODULES["attn_12b"] = f"""
func.func @f(%q: memref<?x?x40x128xbf16>, %k: memref<?x?x8x128xbf16>, %v: memref<?x?x8x128xbf16>,
             %o: memref<?x?x40x128xbf16>) {{
  tile.flash_attention %q, %k, %v, %o {{causal, scale = {1 / math.sqrt(128)!r} : f64, block_q = 64 : i64, block_k = 64 : i64}}
      : memref<?x?x40x128xbf16>, memref<?x?x8x128xbf16>, memref<?x?x8x128xbf16>, memref<?x?x40x128xbf16>
  return
}}
"""
MODULES["ssd_update_12b"] = """
func.func @f(%x: memref<?x128x80xbf16>, %dt: memref<?x128xbf16>, %dtb: memref<128xf32>, %alog: memref<128xf32>,
             %B: memref<?x8x128xbf16>, %C: memref<?x8x128xbf16>, %D: memref<128xf32>,
             %s: memref<?x128x80x128xf32>, %y: memref<?x128x80xbf16>) {
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
      {dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<?x128x80xbf16>, memref<?x128xbf16>, memref<128xf32>, memref<128xf32>,
        memref<?x8x128xbf16>, memref<?x8x128xbf16>, memref<128xf32>,
        memref<?x128x80x128xf32>, memref<?x128x80xbf16>
  return
}
"""

PIPELINE = ("builtin.module(tessera-attach-target{kind=nvidia chip=sm_90a},convert-tile-to-nvvm,gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,"
            "canonicalize,cse,reconcile-unrealized-casts),gpu-module-to-binary{format=isa})")


def _unescape_mlir(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            if s[i + 1] == "\\":
                out.append("\\")
                i += 2
                continue
            if re.match(r"[0-9A-Fa-f]{2}", s[i + 1:i + 3]):
                out.append(chr(int(s[i + 1:i + 3], 16)))
                i += 3
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def build(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in MODULES.items():
        res = subprocess.run(["tessera-opt", "-", f"--pass-pipeline={PIPELINE}"],
                             input=text, capture_output=True, text=True)
        if res.returncode:
            sys.exit(f"{name}: tessera-opt failed:\n{res.stderr}")
        m = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', res.stdout)
        ptx = _unescape_mlir(m.group(1))
        if "__nv_" in ptx:
            sys.exit(f"{name}: the PTX calls libdevice (__nv_*), which is not linked")
        (outdir / f"{name}.ptx").write_text(ptx)
        cubin = outdir / f"{name}.cubin"
        subprocess.run(["ptxas", "-arch=sm_90a", str(outdir / f"{name}.ptx"), "-o", str(cubin)],
                       check=True)
        print(f"built {name}: {len(ptx)} B PTX, {cubin.stat().st_size} B cubin,",
              "entries", re.findall(r"\.entry (\w+)", ptx))


# ----------------------------------------------------------------- CUDA (ctypes)
class Cuda:
    def __init__(self) -> None:
        self.lib = ctypes.CDLL("libcuda.so.1")
        self.check(self.lib.cuInit(0), "cuInit")
        dev = ctypes.c_int()
        self.check(self.lib.cuDeviceGet(ctypes.byref(dev), 0), "cuDeviceGet")
        ctx = ctypes.c_void_p()
        self.check(self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev), "cuDevicePrimaryCtxRetain")
        self.check(self.lib.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        name = ctypes.create_string_buffer(128)
        self.lib.cuDeviceGetName(name, 128, dev)
        self.device = name.value.decode()
        self.modules: dict[str, ctypes.c_void_p] = {}

    def check(self, rc: int, what: str) -> None:
        if rc:
            s = ctypes.c_char_p()
            self.lib.cuGetErrorString(rc, ctypes.byref(s))
            raise RuntimeError(f"{what}: CUDA error {rc} ({s.value.decode() if s.value else '?'})")

    def function(self, module: str, kernel: str, outdir: Path):
        if module not in self.modules:
            mod = ctypes.c_void_p()
            data = (outdir / f"{module}.cubin").read_bytes()
            self.check(self.lib.cuModuleLoadData(ctypes.byref(mod), data), f"load {module}")
            self.modules[module] = mod
        fn = ctypes.c_void_p()
        self.check(self.lib.cuModuleGetFunction(ctypes.byref(fn), self.modules[module], kernel.encode()),
                   f"{module}:{kernel}")
        return fn

    def alloc(self, nbytes: int) -> int:
        p = ctypes.c_uint64()
        self.check(self.lib.cuMemAlloc_v2(ctypes.byref(p), max(nbytes, 4)), "cuMemAlloc")
        return p.value

    def htod(self, ptr: int, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr)
        self.check(self.lib.cuMemcpyHtoD_v2(ctypes.c_uint64(ptr), arr.ctypes.data_as(ctypes.c_void_p),
                                            ctypes.c_size_t(arr.nbytes)), "HtoD")

    def dtoh(self, arr: np.ndarray, ptr: int) -> None:
        self.check(self.lib.cuMemcpyDtoH_v2(arr.ctypes.data_as(ctypes.c_void_p), ctypes.c_uint64(ptr),
                                            ctypes.c_size_t(arr.nbytes)), "DtoH")

    def time_ms(self, fn, grid, block, params: list[int], what: str, reps: int = 10) -> float:
        """Mean time of `reps` back-to-back launches (after one warm-up)."""
        vals = [ctypes.c_uint64(v & 0xFFFFFFFFFFFFFFFF) for v in params]
        arr = (ctypes.c_void_p * len(vals))(*[ctypes.addressof(v) for v in vals])
        g, b = [int(x) for x in grid], [int(x) for x in block]
        ev = [ctypes.c_void_p(), ctypes.c_void_p()]
        for e in ev:
            self.check(self.lib.cuEventCreate(ctypes.byref(e), 0), "cuEventCreate")
        self.check(self.lib.cuLaunchKernel(fn, *g, *b, 0, None, arr, None), f"launch {what}")
        self.check(self.lib.cuEventRecord(ev[0], None), "cuEventRecord")
        for _ in range(reps):
            self.check(self.lib.cuLaunchKernel(fn, *g, *b, 0, None, arr, None), f"launch {what}")
        self.check(self.lib.cuEventRecord(ev[1], None), "cuEventRecord")
        self.check(self.lib.cuEventSynchronize(ev[1]), f"sync {what}")
        ms = ctypes.c_float()
        self.check(self.lib.cuEventElapsedTime(ctypes.byref(ms), ev[0], ev[1]), "cuEventElapsedTime")
        return ms.value / reps

    def launch(self, fn, grid, block, params: list[int], what: str) -> None:
        vals = [ctypes.c_uint64(v & 0xFFFFFFFFFFFFFFFF) for v in params]
        arr = (ctypes.c_void_p * len(vals))(*[ctypes.addressof(v) for v in vals])
        g = [int(x) for x in grid]
        b = [int(x) for x in block]
        self.check(self.lib.cuLaunchKernel(fn, g[0], g[1], g[2], b[0], b[1], b[2], 0, None, arr, None),
                   f"launch {what}")
        self.check(self.lib.cuCtxSynchronize(), f"sync {what}")


class FakeCuda(Cuda):
    """--dry: host memory, launches do nothing (checks the script, not kernels)."""

    def __init__(self) -> None:
        self.device, self.mem, self.next = "none (dry run)", {}, 4096

    def function(self, module, kernel, outdir):
        assert kernel in (outdir / f"{module}.ptx").read_text(), kernel
        return None

    def alloc(self, nbytes):
        self.next += 1 << 32
        self.mem[self.next] = bytearray(max(nbytes, 4))
        return self.next

    def htod(self, ptr, arr):
        b = np.ascontiguousarray(arr).tobytes()
        self.mem[ptr][:len(b)] = b

    def dtoh(self, arr, ptr):
        arr.reshape(-1).view(np.uint8)[:] = np.frombuffer(bytes(self.mem[ptr][:arr.nbytes]), np.uint8)

    def launch(self, fn, grid, block, params, what):
        pass

    def time_ms(self, fn, grid, block, params, what, reps=10):
        return 0.0


def to_bf16_bits(a: np.ndarray) -> np.ndarray:
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(b: np.ndarray) -> np.ndarray:
    return (b.astype(np.uint32) << 16).view(np.float32)


def bf16_round(a: np.ndarray) -> np.ndarray:
    return from_bf16_bits(to_bf16_bits(a))


class Buf:
    """A device buffer holding a float array (f32 or bf16 storage), viewed by
    a memref descriptor (default: contiguous)."""

    def __init__(self, cu: Cuda, arr: np.ndarray, dtype: str = "f32"):
        self.cu, self.dtype, self.shape = cu, dtype, arr.shape
        host = to_bf16_bits(arr) if dtype == "bf16" else np.ascontiguousarray(arr, dtype=np.float32)
        self.nbytes = host.nbytes
        self.ptr = cu.alloc(host.nbytes)
        cu.htod(self.ptr, host)

    def desc(self, shape=None, strides=None, offset=0) -> list[int]:
        shape = list(self.shape if shape is None else shape)
        if strides is None:
            strides = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
        return [self.ptr, self.ptr, offset, *shape, *strides]

    def get(self) -> np.ndarray:
        if self.dtype == "bf16":
            h = np.empty(self.shape, np.uint16)
            self.cu.dtoh(h, self.ptr)
            return from_bf16_bits(h).astype(np.float64)
        h = np.empty(self.shape, np.float32)
        self.cu.dtoh(h, self.ptr)
        return h.astype(np.float64)


RESULTS: list[tuple[str, float, float]] = []


def compare(what: str, got: np.ndarray, ref: np.ndarray, tol: float) -> None:
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    assert got.shape == ref.shape, (what, got.shape, ref.shape)
    scale = max(np.max(np.abs(ref)), 1e-30)
    err = float(np.max(np.abs(got - ref)) / scale) if ref.size else 0.0
    if not np.all(np.isfinite(got)):
        err = float("inf")
    RESULTS.append((what, err, tol))
    print(f"{'ok  ' if err <= tol else 'FAIL'} {what:58s} rel max err {err:.3e} (tol {tol:g})", flush=True)


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def softplus(x):
    return np.logaddexp(0.0, x)


def silu(x):
    return x / (1 + np.exp(-x))


# ----------------------------------------------------------------- cases
def run_conv(cu: Cuda, d: Path, rng) -> None:
    C, K = 200, 4

    def ref(x, w, bias, s0):
        window = np.concatenate([s0, x.transpose(0, 2, 1)], axis=2)  # [B, C, K-1+S]
        S = x.shape[1]
        out = sum(w[None, :, k, None] * window[:, :, k:k + S] for k in range(K))
        if bias is not None:
            out = out + bias[None, :, None]
        return silu(out).transpose(0, 2, 1), window[:, :, -(K - 1):]

    fn = cu.function("conv_bias_state", "causal_conv1d_0", d)
    for B, S in ((2, 37), (3, 2)):
        x, s0 = rng.standard_normal((B, S, C)), rng.standard_normal((B, C, K - 1))
        w, bias = bf16_round(rng.standard_normal((C, K)) * 0.5), rng.standard_normal(C) * 0.1
        bx, bw, bb, bs0 = Buf(cu, x), Buf(cu, w, "bf16"), Buf(cu, bias), Buf(cu, s0)
        by, bs1 = Buf(cu, np.zeros((B, S, C))), Buf(cu, np.zeros((B, C, K - 1)))
        cu.launch(fn, (cdiv(C, 128), B, 1), (128, 1, 1),
                  bx.desc() + bw.desc() + bb.desc() + bs0.desc() + by.desc() + bs1.desc(), "conv")
        y_ref, s_ref = ref(x, w, bias, s0)
        compare(f"conv bias+state bf16 w  B={B} S={S}: out", by.get(), y_ref, 1e-5)
        compare(f"conv bias+state bf16 w  B={B} S={S}: state_out", bs1.get(), s_ref, 1e-6)

    # Decode: S = 1, state updated in place (state_out is state_in's buffer),
    # and x's buffer reused as out.
    fn = cu.function("conv_state_only", "causal_conv1d_0", d)
    B = 3
    x, s0, w = rng.standard_normal((B, 1, C)), rng.standard_normal((B, C, K - 1)), rng.standard_normal((C, K))
    bx, bw, bs = Buf(cu, x), Buf(cu, w), Buf(cu, s0)
    cu.launch(fn, (cdiv(C, 128), B, 1), (128, 1, 1),
              bx.desc() + bw.desc() + bs.desc() + bx.desc() + bs.desc(), "conv decode")
    y_ref, s_ref = ref(x, w, None, s0)
    compare("conv decode in place (out=x, state_out=state_in): out", bx.get(), y_ref, 1e-5)
    compare("conv decode in place: state", bs.get(), s_ref, 1e-6)


def run_ssd(cu: Cuda, d: Path, rng, reference) -> None:
    for name, (B, S, H, G, P, N, Q, xt, init) in SSD_CFGS.items():
        nc = cdiv(S, Q)
        hpg = H // G
        rnd = bf16_round if xt == "bf16" else (lambda a: a)
        x = rnd(rng.standard_normal((B, S, H, P)))
        Bm = rnd(rng.standard_normal((B, S, G, N)) * 0.3)
        Cm = rnd(rng.standard_normal((B, S, G, N)) * 0.3)
        dt = rng.standard_normal((B, S, H)) - 1.0
        dtb = rng.standard_normal(H) * 0.5
        alog = np.log(rng.uniform(1, 8, H))
        D = rng.standard_normal(H)
        s0 = rng.standard_normal((B, H, P, N)) * 0.5 if init else None

        # numpy: the op semantics, float64.
        A = -np.exp(alog)
        dt2 = softplus(dt + dtb)
        cum = np.zeros((B, H, nc, Q))
        for c in range(nc):
            seg = dt2[:, c * Q:(c + 1) * Q, :] * A  # [B, L, H]
            cs = np.cumsum(seg, axis=1).transpose(0, 2, 1)
            cum[:, :, c, :cs.shape[2]] = cs
            cum[:, :, c, cs.shape[2]:] = cs[:, :, -1:]
        grp = np.arange(H) // hpg
        states = np.zeros((B, nc, H, P, N))
        for c in range(nc):
            t0, t1 = c * Q, min(S, (c + 1) * Q)
            L = t1 - t0
            w = np.exp(cum[:, :, c, Q - 1:Q] - cum[:, :, c, :L]) * dt2[:, t0:t1].transpose(0, 2, 1)  # [B,H,L]
            states[:, c] = np.einsum("bhl,blhp,blhn->bhpn", w, x[:, t0:t1], Bm[:, t0:t1][:, :, grp])
        y_ref, final_ref = reference.ssd_chunked(x, dt2, A, Bm, Cm, Q, s0)
        y_ref = y_ref + D[None, None, :, None] * x
        s = np.zeros((B, H, P, N)) if s0 is None else s0.copy()
        st_in = np.zeros_like(states)
        for c in range(nc):
            st_in[:, c] = s
            s = np.exp(cum[:, :, c, Q - 1])[:, :, None, None] * s + states[:, c]
        # The stage-by-stage numpy above and reference.ssd_chunked agree.
        assert np.allclose(s, final_ref, rtol=1e-9, atol=1e-9), "numpy stages disagree with the reference"

        t = xt
        bdt, bdtb, balog = Buf(cu, dt), Buf(cu, dtb), Buf(cu, alog)
        bdt2, bcs = Buf(cu, np.zeros((B, S, H))), Buf(cu, np.zeros((B, H, nc, Q)))
        bx, bB, bC = Buf(cu, x, t), Buf(cu, Bm, t), Buf(cu, Cm, t)
        bst, bsin = Buf(cu, np.zeros((B, nc, H, P, N))), Buf(cu, np.zeros((B, nc, H, P, N)))
        bfin, bD, by = Buf(cu, np.zeros((B, H, P, N))), Buf(cu, D), Buf(cu, np.zeros((B, S, H, P)))
        bs0 = Buf(cu, s0) if init else None

        cu.launch(cu.function(name, "ssd_chunk_cumsum_0", d), (cdiv(H, 128), nc, B), (128, 1, 1),
                  bdt.desc() + bdtb.desc() + balog.desc() + bdt2.desc() + bcs.desc(), "cumsum")
        cu.launch(cu.function(name, "ssd_chunk_state_0", d), (H, nc, B), (256, 1, 1),
                  bx.desc() + bB.desc() + bdt2.desc() + bcs.desc() + bst.desc(), "chunk_state")
        cu.launch(cu.function(name, "ssd_state_passing_0", d), (cdiv(P * N, 256), H, B), (256, 1, 1),
                  bst.desc() + bcs.desc() + (bs0.desc() if init else []) + bsin.desc() + bfin.desc(),
                  "state_passing")
        cu.launch(cu.function(name, "ssd_chunk_scan_0", d), (H, nc, B), (256, 1, 1),
                  bx.desc() + bC.desc() + bB.desc() + bdt2.desc() + bcs.desc() + bsin.desc() + bD.desc()
                  + by.desc(), "chunk_scan")
        tag = f"{name} (B={B} S={S} H={H} G={G} P={P} N={N} Q={Q} {xt})"
        compare(f"{tag}: dt_out", bdt2.get(), dt2, 1e-5)
        got_cum = bcs.get()
        compare(f"{tag}: dA_cumsum", got_cum, cum, 1e-5)
        compare(f"{tag}: chunk states", bst.get(), states, 1e-4)
        compare(f"{tag}: states_out", bsin.get(), st_in, 1e-4)
        compare(f"{tag}: final_state (vs reference.ssd_chunked)", bfin.get(), final_ref, 1e-4)
        compare(f"{tag}: y (vs reference.ssd_chunked + D x)", by.get(), y_ref, 1e-4)


def run_ssd_update(cu: Cuda, d: Path, rng, reference) -> None:
    B, H, G, P, N = 3, 8, 2, 80, 128
    x, dt = rng.standard_normal((B, H, P)), rng.standard_normal((B, H)) - 2.0
    dtb, alog, D = rng.standard_normal(H) * 0.5, np.log(rng.uniform(1, 8, H)), rng.standard_normal(H)
    Bm, Cm = rng.standard_normal((B, G, N)) * 0.3, rng.standard_normal((B, G, N)) * 0.3
    s0 = rng.standard_normal((B, H, P, N))
    dt2 = np.clip(softplus(dt + dtb), 0.001, 0.1)
    y_ref, s_ref = reference.ssd_recurrent(x[:, None], dt2[:, None], -np.exp(alog), Bm[:, None], Cm[:, None],
                                           initial_state=s0)
    y_ref = y_ref[:, 0] + D[None, :, None] * x
    bufs = [Buf(cu, a) for a in (x, dt, dtb, alog, Bm, Cm, D, s0, np.zeros((B, H, P)))]
    cu.launch(cu.function("ssd_update", "ssd_state_update_0", d), (H, B, 1), (256, 1, 1),
              sum((b.desc() for b in bufs), []), "state_update")
    compare("ssd_state_update (dt clamp 0.001..0.1): y", bufs[8].get(), y_ref, 1e-5)
    compare("ssd_state_update: state in place", bufs[7].get(), s_ref, 1e-5)


def run_attention(cu: Cuda, d: Path, rng) -> None:
    for name, (B, S, T, Hq, Hkv, D, causal, ty, view) in ATTN_CFGS.items():
        rnd = bf16_round if ty == "bf16" else (lambda a: a)
        q = rnd(rng.standard_normal((B, S, Hq, D)))
        k = rnd(rng.standard_normal((B, T, Hkv, D)))
        v = rnd(rng.standard_normal((B, T, Hkv, D)))
        G = Hq // Hkv
        kr, vr = np.repeat(k, G, axis=2), np.repeat(v, G, axis=2)
        sc = np.einsum("bshd,bthd->bhst", q, kr) / math.sqrt(D)
        if causal:
            mask = np.arange(T)[None, :] <= np.arange(S)[:, None] + T - S
            sc = np.where(mask, sc, -np.inf)
        p = np.exp(sc - sc.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        o_ref = np.einsum("bhst,bthd->bshd", p, vr)
        bq, bo = Buf(cu, q, ty), Buf(cu, np.zeros((B, S, Hq, D)), ty)
        if view:
            # K/V live in a [B, Hkv, Tmax, D] cache; the kernel reads
            # [B, T, Hkv, D] through strides (a transposed subview).
            tmax = T + 19
            kc = np.zeros((B, Hkv, tmax, D))
            vc = np.zeros((B, Hkv, tmax, D))
            kc[:, :, :T], vc[:, :, :T] = k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3)
            bk, bv = Buf(cu, kc, ty), Buf(cu, vc, ty)
            strides = [Hkv * tmax * D, D, tmax * D, 1]
            kd, vd = bk.desc((B, T, Hkv, D), strides), bv.desc((B, T, Hkv, D), strides)
        else:
            bk, bv = Buf(cu, k, ty), Buf(cu, v, ty)
            kd, vd = bk.desc(), bv.desc()
        gt = min(G, 16)
        tiles, tq = cdiv(G, gt), max(1, 16 // gt)
        cu.launch(cu.function(name, "flash_attention_0", d), (cdiv(S, tq), Hkv * tiles, B), (128, 1, 1),
                  bq.desc() + kd + vd + bo.desc(), name)
        tol = 1e-2 if ty == "bf16" else 1e-5  # bf16 output rounding
        compare(f"{name} (B={B} S={S} T={T} Hq={Hq} Hkv={Hkv} D={D} "
                f"{'causal' if causal else 'full'} {ty}{' cache view' if view else ''})",
                bo.get(), rnd(o_ref), tol)


def run_kv_append(cu: Cuda, d: Path, rng) -> None:
    # Cache [B, capacity, Hkv, D]; the position is a device int64 the kernel reads.
    B, Hkv, M, D, S = 2, 3, 16, 40, 3
    cache = bf16_round(rng.standard_normal((B, M, Hkv, D)))
    bc = Buf(cu, cache, "bf16")
    fn = cu.function("kv_append", "kv_cache_append_0", d)
    ref = cache.copy()
    for pos in (5, 14):  # the second one runs past the capacity: 16 is dropped
        new = rng.standard_normal((B, S, Hkv, D))
        bn = Buf(cu, new)
        position = np.array([pos], np.int64)
        pptr = cu.alloc(position.nbytes)
        cu.htod(pptr, position)
        cu.launch(fn, (cdiv(S * D, 128), Hkv, B), (128, 1, 1),
                  bc.desc() + bn.desc() + [pptr, pptr, 0, 1, 1], "kv_append")
        for s in range(S):
            if pos + s < M:
                ref[:, pos + s] = bf16_round(new[:, s])
    compare("kv_cache_append f32 -> bf16 cache (pos 5, then 14 past capacity)", bc.get(), ref, 0.0)


def time_12b(cu: Cuda, d: Path, rng) -> dict:
    """Kernel times at the 12B model's sizes (prefill of 2048 tokens, decode
    at batch 1 and 16 over 2048 cached keys). Inputs are random; no check."""
    times = {}

    def rnd(*shape, scale=1.0, ty="bf16"):
        return Buf(cu, rng.standard_normal(shape) * scale, ty)

    B, S, H, G, P, N, Q = 1, 2048, 128, 8, 80, 128, 128
    nc = S // Q
    dt, dtb, alog = rnd(B, S, H, ty="f32"), rnd(H, ty="f32"), Buf(cu, np.log(rng.uniform(1, 8, H)))
    dt2, cs = rnd(B, S, H, ty="f32"), rnd(B, H, nc, Q, ty="f32")
    x, Bm, Cm = rnd(B, S, H, P), rnd(B, S, G, N, scale=0.3), rnd(B, S, G, N, scale=0.3)
    st, sin = rnd(B, nc, H, P, N, ty="f32"), rnd(B, nc, H, P, N, ty="f32")
    s0, s1, D, y = rnd(B, H, P, N, ty="f32"), rnd(B, H, P, N, ty="f32"), rnd(H, ty="f32"), rnd(B, S, H, P, ty="f32")
    m = "ssd_12b"
    times["ssd_chunk_cumsum S=2048"] = cu.time_ms(
        cu.function(m, "ssd_chunk_cumsum_0", d), (1, nc, B), (128, 1, 1),
        dt.desc() + dtb.desc() + alog.desc() + dt2.desc() + cs.desc(), "cumsum")
    times["ssd_chunk_state S=2048"] = cu.time_ms(
        cu.function(m, "ssd_chunk_state_0", d), (H, nc, B), (256, 1, 1),
        x.desc() + Bm.desc() + dt2.desc() + cs.desc() + st.desc(), "chunk_state")
    times["ssd_state_passing S=2048"] = cu.time_ms(
        cu.function(m, "ssd_state_passing_0", d), (cdiv(P * N, 256), H, B), (256, 1, 1),
        st.desc() + cs.desc() + s0.desc() + sin.desc() + s1.desc(), "state_passing")
    times["ssd_chunk_scan S=2048"] = cu.time_ms(
        cu.function(m, "ssd_chunk_scan_0", d), (H, nc, B), (256, 1, 1),
        x.desc() + Cm.desc() + Bm.desc() + dt2.desc() + cs.desc() + sin.desc() + D.desc() + y.desc(), "chunk_scan")

    C = 12288
    fn = cu.function("conv_12b", "causal_conv1d_0", d)
    w, bias = rnd(C, 4, scale=0.5), rnd(C, scale=0.1)
    for b_, s_ in ((1, 2048), (1, 1), (16, 1)):
        xc, yc = rnd(b_, s_, C), rnd(b_, s_, C)
        c0, c1 = rnd(b_, C, 3, ty="f32"), rnd(b_, C, 3, ty="f32")
        times[f"causal_conv1d B={b_} S={s_}"] = cu.time_ms(
            fn, (cdiv(C, 128), b_, 1), (128, 1, 1),
            xc.desc() + w.desc() + bias.desc() + c0.desc() + yc.desc() + c1.desc(), "conv")

    fn = cu.function("ssd_update_12b", "ssd_state_update_0", d)
    for b_ in (1, 16):
        args = [rnd(b_, H, P), rnd(b_, H), rnd(H, ty="f32"), Buf(cu, np.log(rng.uniform(1, 8, H))),
                rnd(b_, G, N), rnd(b_, G, N), rnd(H, ty="f32"), rnd(b_, H, P, N, ty="f32"), rnd(b_, H, P)]
        times[f"ssd_state_update B={b_}"] = cu.time_ms(fn, (H, b_, 1), (256, 1, 1),
                                                       sum((a.desc() for a in args), []), "update")

    fn = cu.function("attn_12b", "flash_attention_0", d)
    Hq, Hkv, Dh = 40, 8, 128
    gt = Hq // Hkv
    tq = 16 // gt
    for b_, s_, t_ in ((1, 2048, 2048), (1, 1, 2048), (16, 1, 2048)):
        q, o = rnd(b_, s_, Hq, Dh), rnd(b_, s_, Hq, Dh)
        k, v = rnd(b_, t_, Hkv, Dh), rnd(b_, t_, Hkv, Dh)
        times[f"flash_attention B={b_} S={s_} T={t_}"] = cu.time_ms(
            fn, (cdiv(s_, tq), Hkv, b_), (128, 1, 1), q.desc() + k.desc() + v.desc() + o.desc(), "attn")
    for k_, v_ in times.items():
        print(f"time {k_:40s} {v_ * 1000:10.1f} us", flush=True)
    return times


def run(outdir: Path, repo: Path, dry: bool = False, timing: bool = False,
        timing_json: str | None = None) -> int:
    sys.path.insert(0, str(repo / "python"))
    from tessera import reference  # noqa: E402

    cu = FakeCuda() if dry else Cuda()
    print("device:", cu.device, flush=True)
    rng = np.random.default_rng(0)
    for step in (lambda: run_conv(cu, outdir, rng), lambda: run_ssd(cu, outdir, rng, reference),
                 lambda: run_ssd_update(cu, outdir, rng, reference), lambda: run_attention(cu, outdir, rng),
                 lambda: run_kv_append(cu, outdir, rng)):
        try:
            step()
        except Exception as exc:  # report and go on with the other families
            RESULTS.append((repr(exc), float("inf"), 0.0))
            print("FAIL", repr(exc), flush=True)
    bad = [r for r in RESULTS if not r[1] <= r[2]]
    print(f"{len(RESULTS) - len(bad)}/{len(RESULTS)} checks passed", flush=True)
    if timing:
        import json
        try:
            result = {"device": cu.device, "kernel_ms": time_12b(cu, outdir, rng)}
            if timing_json:
                Path(timing_json).write_text(json.dumps(result, indent=1))
        except Exception as exc:
            print("timing failed:", repr(exc), flush=True)
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("dir", type=Path)
    r = sub.add_parser("run")
    r.add_argument("dir", type=Path)
    r.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    r.add_argument("--dry", action="store_true", help="no GPU: exercise the script only")
    r.add_argument("--time", metavar="JSON", nargs="?", const="", default=None,
                   help="then time the kernels at the 12B sizes (optionally writing JSON)")
    a = ap.parse_args()
    if a.cmd == "build":
        build(a.dir)
    else:
        sys.exit(run(a.dir, a.repo, a.dry, a.time is not None, a.time or None))


if __name__ == "__main__":
    main()
