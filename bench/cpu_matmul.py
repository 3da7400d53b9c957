#!/usr/bin/env python3
"""Tessera's x86 matmul kernel vs numpy's OpenBLAS sgemm, same shapes, same run.

The shapes are the bench config's (bench/cpu_e2e.py: hidden 1024) projections
at M = 512 tokens: the Mamba in_proj (1024 -> 6176), the MLP up (1024 ->
4096) and down (4096 -> 1024) projections. Each is one `tile.matmul` in a
function of its own, compiled by the x86 pipeline (lowering config, kernel
emitter, OpenMP threads) and called in process; numpy computes `a @ w.T` in
float32 (OpenBLAS) with the same number of threads. GFLOP/s = 2*M*N*K / the
median time; each measurement starts after a pause (SETTLE_S) in which the
other library's idle threads stop spinning. Writes JSON
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
    ap.add_argument("--m", type=int, default=512)
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

SHAPES = {"in_proj": (1024, 6176), "mlp_up": (1024, 4096), "mlp_down": (4096, 1024)}


def tessera_matmul(k: int, n: int):
    """A compiled `c = a @ w^T` for a [M, k] and w [n, k] (M dynamic)."""
    text = f"""
    func.func @mm(%a: memref<?x{k}xf32>, %w: memref<{n}x{k}xf32>, %c: memref<?x{n}xf32>)
        attributes {{llvm.emit_c_interface}} {{
      tile.matmul %a, %w, %c {{transpose_b}} : memref<?x{k}xf32>, memref<{n}x{k}xf32>, memref<?x{n}xf32>
      return
    }}"""
    obj = compiler.lower(ir.parse(text), "tile", "obj", "x86").module
    lib = JitLibrary(obj)
    fn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3)(lib.lookup("_mlir_ciface_mm"))

    def run(a, w, c):
        ds = [_descriptor(x) for x in (a, w, c)]
        fn(*[ctypes.addressof(d) for d in ds])
    run.lib = lib  # keep the code loaded
    return run


# OpenBLAS's idle worker keeps a core busy polling its queue for ~0.11 s
# after each call (measured: 0.11 s of CPU time in a 0.4 s idle window after
# `a @ w.T`, OpenBLAS 0.3.31). With as many threads as cores, timing Tessera
# right after numpy computed the reference left Tessera one core (mlp_up and
# mlp_down at 0.5x; Tessera alone runs them at 2x its one-thread rate). Each
# measurement starts after the other library's pool has gone idle.
SETTLE_S = 0.5


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
        a = rng.standard_normal((args.m, k), dtype=np.float32)
        w = rng.standard_normal((n, k), dtype=np.float32)
        c = np.empty((args.m, n), np.float32)
        run = tessera_matmul(k, n)
        run(a, w, c)
        ref = a @ w.T
        err = float(np.abs(c - ref).max() / np.abs(ref).max())
        flops = 2.0 * args.m * n * k
        ours = flops / median_s(lambda: run(a, w, c), args.repeats) / 1e9
        theirs = flops / median_s(lambda: a @ w.T, args.repeats) / 1e9
        results[name] = {"m": args.m, "n": n, "k": k, "tessera_gflops": ours, "numpy_openblas_gflops": theirs,
                         "ratio": ours / theirs, "rel_err": err}
    out = {"machine": {"cpu": host_cpu(), "cores": os.cpu_count(), "threads": args.threads, "blas": blas,
                       "loadavg_1m": [load_before, os.getloadavg()[0]]},
           "repeats": args.repeats, "settle_s": SETTLE_S, "shapes": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
