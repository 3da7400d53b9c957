"""Checks Tessera's dense NVIDIA kernels on a GPU against numpy.

    tessera compile test/python/fixtures/cuda_dense_tile.mlir --target cuda -o BUNDLE   # compile machine
    python scripts/gpu_dense_check.py BUNDLE [--json OUT.json]                          # GPU machine

Runs the bundle's functions through the CUDA runtime (tessera.cuda: plan
evaluation, parameter packing, launches) and compares with float64 numpy:

* ``prefill``: embedding -> RMSNorm -> bf16 matmul + bias + relu² -> strided
  copies -> gated RMSNorm -> f32 matmul -> accumulating f32 matmul -> add;
* ``mm_bf16`` / ``mm_f32``: matmuls whose N and K are not multiples of the
  tiles (K odd), for several M, with SiLU / relu² epilogues;
* ``mm_perf``: a 5120x5120 bf16 projection, timed (TFLOP/s; no target).

The bf16 tensor-core kernels take f32 activations as hi + lo bf16 parts, so
their reference is f32 math on the bf16 weights (``rel_err_bf16w``); the
distance to the same math with activations rounded to bf16
(``info_vs_bf16_activations``, not checked) shows what the split buys.
Exit code 1 when a check is over its tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from tessera.cuda.driver import Device, run_launches
from tessera.cuda.plan import Plan, evaluate

TOL = {"f32": 1e-5, "bf16w": 1e-4}


def to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (round to nearest even), as uint16."""
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(b: np.ndarray) -> np.ndarray:
    return (b.astype(np.uint32) << 16).view(np.float32)


def round_bf16(x: np.ndarray) -> np.ndarray:
    return from_bf16_bits(to_bf16_bits(x))


def rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def silu(x):
    return x / (1.0 + np.exp(-x))


def rmsnorm(x, w, eps=1e-5):
    x = x.astype(np.float64)
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


class Runner:
    def __init__(self, bundle: str):
        self.plan = Plan.load(bundle)
        self.dev = Device(0)
        module = self.dev.load_module(self.plan.cubin)
        self.functions = {k: self.dev.get_function(module, k, v.shared_bytes)
                          for k, v in self.plan.kernels.items()}

    def run(self, name: str, arrays: list[np.ndarray], out_index: int, timed: int = 0):
        launches = evaluate(self.plan, name, [a.shape for a in arrays])
        launches.functions = self.functions
        ptrs = []
        for a in arrays:
            ptrs.append(self.dev.alloc(a.nbytes))
            self.dev.upload(ptrs[-1], a)
        arena = self.dev.alloc(launches.arena_bytes)
        launches.bind(ptrs + [arena])
        run_launches(self.dev, launches, name)
        self.dev.synchronize(name)
        ms = None
        if timed:
            start, end = self.dev.event(), self.dev.event()
            self.dev.record(start)
            for _ in range(timed):
                run_launches(self.dev, launches, name)
            self.dev.record(end)
            self.dev.synchronize(name)
            ms = self.dev.elapsed_ms(start, end) / timed
        out = self.dev.download(np.empty_like(arrays[out_index]), ptrs[out_index])
        for p in ptrs + [arena]:
            self.dev.free(p)
        return out, ms


def check_prefill(r: Runner, rng, batch: int, seq: int) -> dict:
    ids = rng.integers(0, 256, size=(batch, seq), dtype=np.int64)
    table = to_bf16_bits(rng.normal(size=(256, 64)).astype(np.float32))
    nw = to_bf16_bits(1.0 + 0.1 * rng.normal(size=64).astype(np.float32))
    w1 = to_bf16_bits((rng.normal(size=(96, 64)) / 8).astype(np.float32))
    b1 = (0.1 * rng.normal(size=96)).astype(np.float32)
    w2 = (rng.normal(size=(64, 96)) / 10).astype(np.float32)
    gw = to_bf16_bits(1.0 + 0.1 * rng.normal(size=96).astype(np.float32))
    out = np.zeros((batch, seq, 64), np.float32)
    got, _ = r.run("prefill", [ids, table, nw, w1, b1, w2, gw, out], 7)

    def reference(round_activations: bool):
        h = from_bf16_bits(table)[ids].reshape(-1, 64).astype(np.float64)
        n = rmsnorm(h, from_bf16_bits(nw))
        if round_activations:
            n = round_bf16(n.astype(np.float32)).astype(np.float64)
        u = np.maximum(n @ from_bf16_bits(w1).T.astype(np.float64) + b1, 0.0) ** 2
        g = np.concatenate([u[:, 48:], u[:, :48]], axis=1)
        hh = (u * silu(g)).reshape(-1, 2, 48)
        hh = hh / np.sqrt((hh * hh).mean(-1, keepdims=True) + 1e-5)
        u2 = hh.reshape(-1, 96) * from_bf16_bits(gw)
        o = 2.0 * (u2 @ w2.T.astype(np.float64)) + h
        return o.reshape(batch, seq, 64)

    return {"check": f"prefill B={batch} S={seq}", "rel_err_bf16w": rel(got, reference(False)),
            "info_vs_bf16_activations": rel(got, reference(True))}


def check_matmuls(r: Runner, rng, m: int) -> list[dict]:
    a = rng.normal(size=(m, 77)).astype(np.float32)
    w = (rng.normal(size=(200, 77)) / 9).astype(np.float32)
    bias = to_bf16_bits((0.1 * rng.normal(size=200)).astype(np.float32))
    c = np.full((m, 200), np.nan, np.float32)  # every element must be written
    got, _ = r.run("mm_bf16", [a, to_bf16_bits(w), bias, c], 3)
    wb = from_bf16_bits(to_bf16_bits(w)).astype(np.float64)
    biasf = from_bf16_bits(bias)
    ref_in = silu(round_bf16(a).astype(np.float64) @ wb.T + biasf)
    ref_f32 = silu(a.astype(np.float64) @ wb.T + biasf)
    rows = [{"check": f"mm_bf16 (tensor cores, silu) M={m} N=200 K=77",
             "rel_err_bf16w": rel(got, ref_f32), "info_vs_bf16_activations": rel(got, ref_in),
             "nan": int(np.isnan(got).sum())}]
    got32, _ = r.run("mm_f32", [a, w, np.full((m, 200), np.nan, np.float32)], 2)
    ref = np.maximum(a.astype(np.float64) @ w.T.astype(np.float64), 0.0) ** 2
    rows.append({"check": f"mm_f32 (SIMT, relu2) M={m} N=200 K=77", "rel_err_f32": rel(got32, ref),
                 "nan": int(np.isnan(got32).sum())})
    return rows


def check_perf(r: Runner, rng, m: int) -> dict:
    a = rng.normal(size=(m, 5120)).astype(np.float32)
    w = to_bf16_bits((rng.normal(size=(5120, 5120)) / 70).astype(np.float32))
    got, ms = r.run("mm_perf", [a, w, np.zeros((m, 5120), np.float32)], 2, timed=10)
    sample = rng.choice(m, size=min(m, 64), replace=False)
    ref = a[sample].astype(np.float64) @ from_bf16_bits(w).T.astype(np.float64)
    return {"check": f"mm_perf M={m} N=K=5120", "rel_err_bf16w": rel(got[sample], ref), "ms": ms,
            "tflops": 2.0 * m * 5120 * 5120 / (ms * 1e-3) / 1e12}


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("bundle")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    t0 = time.time()
    r = Runner(args.bundle)
    rows = []
    for b, s in ((2, 37), (1, 1), (3, 130)):
        rows.append(check_prefill(r, rng, b, s))
    for m in (1, 37, 64, 130):
        rows += check_matmuls(r, rng, m)
    for m in (128, 2048):
        rows.append(check_perf(r, rng, m))
    failed = []
    for row in rows:
        for key, value in row.items():
            if key.startswith("rel_err") and not value <= TOL[key[len("rel_err_"):]]:
                failed.append(f"{row['check']}: {key} = {value:.3g} > {TOL[key[len('rel_err_'):]]}")
        if row.get("nan"):
            failed.append(f"{row['check']}: {row['nan']} elements not written")
    report = {"device": r.dev.name, "rows": rows, "failed": failed, "seconds": time.time() - t0}
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
