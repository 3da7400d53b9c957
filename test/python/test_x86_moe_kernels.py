"""x86 MoE kernels (tile.moe_route, moe_sort, moe_gather, grouped_matmul,
moe_combine) against numpy: the routed-expert chain as Tile-IR, lowered by the
real tile -> obj pipeline (tessera.compiler.lower), run in process.

Sizes go beyond the tiny HF parity models: hundreds of token-expert pairs, so
expert segments span several row panels and register blocks of the grouped
GEMM, some experts get no token, and the group limit is active.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from tessera import ir
from tessera._tessera import JitLibrary
from tessera.compiler import lower
from tessera.dtypes import bf16_to_f32, f32_to_bf16
from tessera.reference import moe_route
from tessera.runtime import _descriptor

TOL = 1e-5


def _type(shape, elem, dynamic_first=True):
    dims = ["?" if (i == 0 and dynamic_first) else str(n) for i, n in enumerate(shape)]
    return "memref<" + "x".join(dims + [elem]) + ">"


def run_chain(logits, bias, w_up, w_down, x, top_k, n_group, topk_group, norm, scale, weight_dtype="f32"):
    T, E = logits.shape
    D, I = x.shape[1], w_up.shape[1]
    P = T * top_k
    ids = np.zeros((T, top_k), np.int64)
    weights = np.zeros((T, top_k), np.float32)
    offsets = np.zeros((E + 1,), np.int64)
    order = np.zeros((P,), np.int64)
    xs = np.zeros((P, D), np.float32)
    hs = np.zeros((P, I), np.float32)
    ys = np.zeros((P, D), np.float32)
    out = np.full((T, D), np.nan, np.float32)  # overwritten, not accumulated
    wdt = weight_dtype
    up_arr = f32_to_bf16(w_up) if wdt == "bf16" else w_up
    down_arr = f32_to_bf16(w_down) if wdt == "bf16" else w_down
    arrays = [logits, bias, ids, weights, offsets, order, x, xs, up_arr, hs, down_arr, ys, out]
    t = {
        "l": _type(logits.shape, "f32"), "b": _type(bias.shape, "f32", False),
        "ids": _type(ids.shape, "i64"), "w": _type(weights.shape, "f32"),
        "off": _type(offsets.shape, "i64", False), "ord": _type(order.shape, "i64"),
        "x": _type(x.shape, "f32"), "xs": _type(xs.shape, "f32"), "up": _type(w_up.shape, wdt, False),
        "hs": _type(hs.shape, "f32"), "down": _type(w_down.shape, wdt, False), "ys": _type(ys.shape, "f32"),
        "out": _type(out.shape, "f32"),
    }
    names = list(t)
    args = ", ".join(f"%{n}: {t[n]}" for n in names)
    text = f"""
    func.func @run({args}) attributes {{llvm.emit_c_interface}} {{
      tile.moe_route %l, %b, %ids, %w {{n_group = {n_group} : i64, topk_group = {topk_group} : i64,
          norm_topk_prob = {str(norm).lower()}, routed_scaling_factor = {scale!r} : f64}}
          : {t['l']}, {t['b']}, {t['ids']}, {t['w']}
      tile.moe_sort %ids, %off, %ord : {t['ids']}, {t['off']}, {t['ord']}
      tile.moe_gather %x, %ord, %xs {{top_k = {top_k} : i64}} : {t['x']}, {t['ord']}, {t['xs']}
      tile.grouped_matmul %xs, %up, %off, %hs {{epilogue = #tile.epilogue<relu2>}}
          : {t['xs']}, {t['up']}, {t['off']}, {t['hs']}
      tile.grouped_matmul %hs, %down, %off, %ys : {t['hs']}, {t['down']}, {t['off']}, {t['ys']}
      tile.moe_combine %ys, %ord, %w, %out : {t['ys']}, {t['ord']}, {t['w']}, {t['out']}
      return
    }}"""
    obj = lower(ir.parse(text), "tile", "obj").module
    lib = JitLibrary(obj)
    fn = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))(lib.lookup("_mlir_ciface_run"))
    descriptors = [_descriptor(a) for a in arrays]
    fn(*[ctypes.addressof(d) for d in descriptors])
    return ids, weights, offsets, order, out


CASES = {
    # group-limited (4 groups of 4, 2 kept), top-5 spans two groups
    "groups": dict(T=67, E=16, D=40, I=24, top_k=5, n_group=4, topk_group=2, norm=True, scale=2.5),
    # one group, 8 experts, ~75 pairs per expert (several 48-row panels), unnormalised
    "panels": dict(T=200, E=8, D=72, I=36, top_k=3, n_group=1, topk_group=1, norm=False, scale=1.0),
    # the 30B's routing shape (128 experts, top-6, one group): most experts get 0-2 tokens
    "nano30b-routing": dict(T=21, E=128, D=16, I=8, top_k=6, n_group=1, topk_group=1, norm=True, scale=2.5),
}


@pytest.mark.parametrize("weight_dtype", ["f32", "bf16"])
@pytest.mark.parametrize("name", list(CASES))
def test_moe_chain_matches_numpy(name, weight_dtype):
    p = CASES[name]
    rng = np.random.default_rng(len(name) * 7 + (weight_dtype == "bf16"))
    T, E, D, I, K = p["T"], p["E"], p["D"], p["I"], p["top_k"]
    logits = rng.normal(0, 1.5, (T, E)).astype(np.float32)
    bias = rng.normal(0, 0.3, (E,)).astype(np.float32)
    x = rng.normal(0, 1, (T, D)).astype(np.float32)
    w_up = rng.normal(0, 1 / np.sqrt(D), (E, I, D)).astype(np.float32)
    w_down = rng.normal(0, 1 / np.sqrt(I), (E, D, I)).astype(np.float32)
    if name == "panels":
        bias[3] = -5.0  # expert 3 is never chosen: an empty segment
    ids, weights, offsets, order, out = run_chain(logits, bias, w_up, w_down, x, K, p["n_group"],
                                                  p["topk_group"], p["norm"], p["scale"], weight_dtype)

    ref_ids, ref_w = moe_route(logits.astype(np.float64), bias.astype(np.float64), K, p["n_group"],
                               p["topk_group"], p["norm"], p["scale"])
    np.testing.assert_array_equal(ids, ref_ids)  # best first, like the reference
    np.testing.assert_allclose(weights, ref_w, rtol=1e-5)
    # counting sort: stable grouping of the pairs by expert
    flat = ids.reshape(-1)
    np.testing.assert_array_equal(order, np.argsort(flat, kind="stable"))
    np.testing.assert_array_equal(offsets, np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=E))]))
    if name == "panels":
        assert offsets[4] == offsets[3] and (np.diff(offsets) > 48).sum() >= 5

    if weight_dtype == "bf16":
        w_up, w_down = bf16_to_f32(f32_to_bf16(w_up)), bf16_to_f32(f32_to_bf16(w_down))
    expected = np.zeros((T, D))
    for t in range(T):
        for k in range(K):
            e = ids[t, k]
            h = np.maximum(w_up[e].astype(np.float64) @ x[t], 0.0) ** 2
            expected[t] += ref_w[t, k] * (w_down[e].astype(np.float64) @ h)
    err = np.abs(out - expected).max() / np.abs(expected).max()
    assert err <= TOL, err
