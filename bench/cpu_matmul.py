#!/usr/bin/env python3
"""Tessera's x86 matmul kernel vs numpy's OpenBLAS sgemm, same shapes, same run.

The shapes are the bench config's (bench/cpu_e2e.py: hidden 1024) projections
at M = 512 tokens: the Mamba in_proj (1024 -> 6176), the MLP up (1024 ->
4096) and down (4096 -> 1024) projections. Each is one `tile.matmul` in a
function of its own, compiled by the x86 pipeline (lowering config, kernel
emitter, OpenMP threads) and called in process; numpy computes `a @ w.T` in
float32 (OpenBLAS) with the same number of threads. Tessera runs each shape
twice: with the weight as stored ([N, K], packed into panels inside every
call with M >= 16, read in place by the dot kernel below:
`tessera_unpacked_gflops`) and with the weight argument that
tessera-x86-pack-weights chooses (panels packed once beforehand, as the
runtime does at load: `tessera_gflops`); with `--dtype bf16` the weight is
bf16 (vdpbf16ps where the host has AVX512_BF16) and numpy still computes in
f32. Rows: `--m` (default 512 and 1: prefill and one decode token).
GFLOP/s = 2*M*N*K / the
median time; each measurement starts after a pause (SETTLE_S) in which the
other library's idle threads stop spinning. The pre-packed kernel and
OpenBLAS are timed alternately (`paired_ratio`: the median of each pair's
ratio), as this VM's speed drifts between seconds. Writes JSON
(bench/results/cpu_matmul.json by default).

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS
builds) slow a current numpy: this script re-runs itself without them, so
numpy picks its own kernel (reported from threadpoolctl when installed).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if any(v in os.environ for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--m", default="512,1", help="rows of A, comma-separated")
    ap.add_argument("--dtype", choices=("f32", "bf16"), default="f32", help="weight element type")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cpu_matmul.json"))
    return ap.parse_args()


ARGS = parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)  # read when numpy loads OpenBLAS

import numpy as np  # noqa: E402

sys.path.insert(0, str(ROOT / "python"))
import tessera  # noqa: E402,F401
from tessera import compiler, ir  # noqa: E402
from tessera._tessera import JitLibrary, host_cpu, set_num_threads  # noqa: E402
from tessera.runtime import _descriptor  # noqa: E402
from tessera.runtime.abi import parse_functions  # noqa: E402
from tessera.runtime.packing import pack_weight  # noqa: E402

SHAPES = {"in_proj": (1024, 6176), "mlp_up": (1024, 4096), "mlp_down": (4096, 1024)}


def tessera_matmul(k: int, n: int, wtype: str, prepack: bool):
    """A compiled `c = a @ w^T` for a [M, k] and w [n, k] (M dynamic). With
    `prepack` the function declares w as a weight (tessera.abi), so that
    tessera-x86-pack-weights chooses its panel layout; `run.prepare(w)`
    gives the argument to pass (packed as the runtime packs at load)."""
    abi = (f'tessera.abi = {{inputs = [{{name = "a", dtype = "f32", shape = [-1, {k}], arg = 0 : i64}}], '
           f'states = [], weights = ["w"], first_weight_arg = 1 : i64, results = [{{name = "c", '
           f'dtype = "f32", shape = [-1, {n}], arg = 2 : i64}}]}}, ') if prepack else ""
    text = f"""
    func.func @mm(%a: memref<?x{k}xf32>, %w: memref<{n}x{k}x{wtype}>, %c: memref<?x{n}xf32>)
        attributes {{{abi}llvm.emit_c_interface}} {{
      tile.matmul %a, %w, %c {{transpose_b}} : memref<?x{k}xf32>, memref<{n}x{k}x{wtype}>, memref<?x{n}xf32>
      return
    }}"""
    lowered = compiler.lower(ir.parse(text), "tile", "obj", "x86")
    lib = JitLibrary(lowered.module)
    fn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3)(lib.lookup("_mlir_ciface_mm"))
    layout = dict(parse_functions(lowered.metadata)["mm"].layouts).get("w") if prepack else None

    def run(a, w, c):
        ds = [_descriptor(x) for x in (a, w, c)]
        fn(*[ctypes.addressof(d) for d in ds])
    run.lib = lib  # keep the code loaded
    run.prepare = (lambda w: w) if layout is None else (lambda w: pack_weight("w", w, layout))
    run.layout = layout
    return run


def to_bf16(x):
    """bf16 bits (round to nearest even) and their f32 values."""
    u = x.astype(np.float32).view(np.uint32)
    bits = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return bits, (bits.astype(np.uint32) << 16).view(np.float32)


# OpenBLAS's idle worker keeps a core busy polling its queue for ~0.11 s
# after each call (measured: 0.11 s of CPU time in a 0.4 s idle window after
# `a @ w.T`, OpenBLAS 0.3.31). With as many threads as cores, timing Tessera
# right after numpy computed the reference left Tessera one core (mlp_up and
# mlp_down at 0.5x; Tessera alone runs them at 2x its one-thread rate). Each
# measurement starts after the other library's pool has gone idle.
SETTLE_S = 0.5


def paired(fa, fb, repeats: int, inner: int = 1) -> tuple[float, float, float]:
    """a and b timed alternately (a, b, a, b, ...), each after SETTLE_S:
    this VM's speed drifts between seconds (OpenBLAS alone read 137 and 277
    GFLOP/s on one shape in two runs a minute apart), so each pair sees the
    same conditions. Returns a's and b's median times and the median of
    each pair's time ratio b / a (a's speed over b's). Each sample is
    `inner` calls in a row (a few rows take ~1 ms: one call after a pause
    would time the threads waking up), divided by `inner`."""
    ta, tb = [], []
    for f in (fa, fb):
        time.sleep(SETTLE_S)
        f()
    for _ in range(repeats):
        for f, times in ((fa, ta), (fb, tb)):
            time.sleep(SETTLE_S)
            t = time.perf_counter()
            for _ in range(inner):
                f()
            times.append((time.perf_counter() - t) / inner)
    return statistics.median(ta), statistics.median(tb), statistics.median(y / x for x, y in zip(ta, tb))


def median_s(fn, repeats: int) -> float:
    time.sleep(SETTLE_S)
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    args = ARGS
    blas = "threadpoolctl not installed"
    try:
        from threadpoolctl import threadpool_info
        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:
        pass
    set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    load_before = os.getloadavg()[0]
    results = {}
    for name, (k, n) in SHAPES.items():
        packed_run = tessera_matmul(k, n, args.dtype, prepack=True)
        per_call = tessera_matmul(k, n, args.dtype, prepack=False)
        w32 = rng.standard_normal((n, k), dtype=np.float32)
        if args.dtype == "bf16":
            stored, w32 = to_bf16(w32)
        else:
            stored = w32
        packed = packed_run.prepare(stored)
        for m in [int(x) for x in str(args.m).split(",")]:
            a = rng.standard_normal((m, k), dtype=np.float32)
            c = np.empty((m, n), np.float32)
            ref = a @ w32.T
            flops = 2.0 * m * n * k
            row = {"m": m, "n": n, "k": k, "weights": args.dtype,
                   "layout": None if packed_run.layout is None else
                   {"panel_cols": packed_run.layout.panel_cols, "k_pack": packed_run.layout.k_pack}}
            for key, run, w in (("tessera_gflops", packed_run, packed),
                                ("tessera_unpacked_gflops", per_call, stored)):
                c[...] = np.nan
                run(a, w, c)
                row[key.replace("gflops", "rel_err")] = float(np.abs(c - ref).max() / np.abs(ref).max())
            row["tessera_unpacked_gflops"] = flops / median_s(lambda: per_call(a, stored, c), args.repeats) / 1e9
            # The pre-packed kernel (what the runtime calls) and OpenBLAS
            # alternately: `paired_ratio` is the median of each pair's ratio.
            t_tessera, t_blas, pair = paired(lambda: packed_run(a, packed, c), lambda: a @ w32.T, args.repeats,
                                             inner=1 if m >= 16 else 50)
            row["tessera_gflops"] = flops / t_tessera / 1e9
            row["numpy_openblas_gflops"] = flops / t_blas / 1e9
            row["ratio"] = row["tessera_gflops"] / row["numpy_openblas_gflops"]
            row["paired_ratio"] = pair
            row["prepack_speedup"] = row["tessera_gflops"] / row["tessera_unpacked_gflops"]
            results[f"{name}_m{m}"] = row
    out = {"machine": {"cpu": host_cpu(), "cores": os.cpu_count(), "threads": args.threads, "blas": blas,
                       "loadavg_1m": [load_before, os.getloadavg()[0]]},
           "weights": args.dtype, "repeats": args.repeats, "settle_s": SETTLE_S, "shapes": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
