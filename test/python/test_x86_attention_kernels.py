"""x86 attention kernel emitters (flash attention, KV cache append) against numpy.

Each case runs one emitter through ``tessera-test-x86-kernels`` and the real
lowering (kernel_harness) and compares with a float64 reference: causal GQA
with bottom-right alignment (query s of S sees keys j <= s + T - S), query head
h reading KV head h // (Hq / Hkv), as in ``tessera.reference``.
"""

from __future__ import annotations

import ctypes
import zlib

import numpy as np
import pytest

import kernel_harness
from kernel_harness import absent, run_kernel
from tessera.dtypes import bf16_to_f32, f32_to_bf16

TOL = 1e-4


def rel_err(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual.astype(np.float64) - expected)) / np.max(np.abs(expected)))


def attention_ref(q, k, v, scale, causal):
    """q [B,S,Hq,D], k/v [B,Hkv,T,D] -> [B,S,Hq,D], in float64."""
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    B, S, Hq, D = q.shape
    Hkv, T = k.shape[1], k.shape[2]
    kh = np.repeat(k, Hq // Hkv, axis=1)  # [B, Hq, T, D]
    vh = np.repeat(v, Hq // Hkv, axis=1)
    scores = np.einsum("bshd,bhtd->bhst", q, kh) * scale
    if causal:
        mask = np.arange(T)[None, :] <= (T - S) + np.arange(S)[:, None]
        scores = np.where(mask, scores, -np.inf)
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    return np.einsum("bhst,bhtd->bshd", p, vh)


def run_attention(B, S, T, Hq, Hkv, D, *, causal=True, block_k=8, dynamic=False, seed=0,
                  q_scale=2.0, vector_width=8):
    rng = np.random.default_rng(seed)
    # Large enough magnitudes that the softmax is peaky for some rows (scores
    # of tens after scaling) while others stay flat.
    q = (rng.standard_normal((B, S, Hq, D)) * q_scale).astype(np.float32)
    k = (rng.standard_normal((B, Hkv, T, D)) * rng.uniform(0.2, 2.0, (1, Hkv, T, 1))).astype(np.float32)
    v = rng.standard_normal((B, Hkv, T, D)).astype(np.float32)
    out = np.full((B, S, Hq, D), np.nan, np.float32)
    scale = 1.0 / np.sqrt(D)
    attrs = {"scale": float(scale), "block_k": block_k}
    if causal:
        attrs["causal"] = True
    dyn = {0: (0, 1), 1: (0, 2), 2: (0, 2), 3: (0, 1)} if dynamic else None
    run_kernel("flash_attention", [q, k, v, out], attrs, dynamic=dyn, vector_width=vector_width)
    expected = attention_ref(q, k, v, scale, causal)
    assert not np.isnan(out).any()
    err = rel_err(out, expected)
    assert err <= TOL, err
    return q, k, v, out


# (B, S, T, Hq, Hkv, D, block_k)
CASES = {
    "prefill_gqa4": (1, 21, 21, 4, 1, 16, 8),
    "prefill_gqa2_batch2": (2, 19, 19, 4, 2, 16, 8),
    "prefill_mha": (1, 17, 17, 2, 2, 16, 4),
    "chunked_prefill_gqa4": (1, 7, 30, 4, 1, 16, 8),
    "chunked_prefill_gqa2": (2, 5, 23, 4, 2, 16, 16),
    "decode_t1": (1, 1, 1, 4, 1, 16, 8),
    "decode_t37_gqa4": (2, 1, 37, 4, 1, 16, 8),
    "decode_t37_gqa2": (1, 1, 37, 4, 2, 16, 16),
    "decode_t37_mha": (2, 1, 37, 2, 2, 16, 64),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_flash_attention_causal(case):
    B, S, T, Hq, Hkv, D, bk = CASES[case]
    run_attention(B, S, T, Hq, Hkv, D, block_k=bk, seed=zlib.crc32(case.encode()))


@pytest.mark.parametrize("case", ["prefill_gqa2_batch2", "chunked_prefill_gqa4", "decode_t37_mha"])
def test_flash_attention_non_causal(case):
    B, S, T, Hq, Hkv, D, bk = CASES[case]
    run_attention(B, S, T, Hq, Hkv, D, causal=False, block_k=bk, seed=7)


@pytest.mark.parametrize("causal", [True, False])
def test_flash_attention_dynamic_dims(causal):
    # B, S, T dynamic in the IR; T = 29 not a multiple of block_k.
    run_attention(2, 6, 29, 4, 2, 16, causal=causal, block_k=8, dynamic=True, seed=11)


def test_flash_attention_head_dim_not_multiple_of_vector_width():
    # D = 20: two full 8-lane chunks and a 4-lane one.
    run_attention(1, 9, 13, 4, 1, 20, block_k=4, seed=5)


def test_flash_attention_large_group_and_peaky():
    # Group of 10 query heads per KV head (split into register blocks of 5),
    # very peaky softmax: scores reach a few hundred.
    run_attention(1, 4, 11, 10, 1, 16, block_k=8, seed=3, q_scale=12.0)


def test_flash_attention_writes_every_output():
    # Outputs start as NaN; every element must be written (checked inside).
    run_attention(1, 3, 3, 8, 2, 16, block_k=1, seed=13)


@pytest.mark.parametrize("vector_width", [4, 16])
@pytest.mark.parametrize("D", [16, 20])
def test_flash_attention_vector_widths(vector_width, D):
    # SSE-sized and AVX-512-sized vectors (D loop, lane runs split across
    # vectors, a narrower last D chunk).
    run_attention(2, 5, 19, 4, 1, D, block_k=8, seed=17, vector_width=vector_width)


def test_flash_attention_bf16_cache():
    # K/V stored as bf16 (extended to f32 on load); the reference uses the
    # same rounded values.
    rng = np.random.default_rng(19)
    B, S, T, Hq, Hkv, D = 1, 3, 26, 4, 2, 16
    q = (rng.standard_normal((B, S, Hq, D)) * 2).astype(np.float32)
    k = f32_to_bf16(rng.standard_normal((B, Hkv, T, D)).astype(np.float32))
    v = f32_to_bf16(rng.standard_normal((B, Hkv, T, D)).astype(np.float32))
    out = np.full((B, S, Hq, D), np.nan, np.float32)
    scale = 1.0 / np.sqrt(D)
    run_kernel("flash_attention", [q, k, v, out], {"scale": float(scale), "causal": True, "block_k": 8})
    expected = attention_ref(q, bf16_to_f32(k), bf16_to_f32(v), scale, True)
    assert rel_err(out, expected) <= TOL


def run_func(text: str, arrays: list[np.ndarray], vector_width: int = 8) -> None:
    """Compiles and runs ``@run`` of ``text`` (a kernel call behind memref
    views, as the x86 lowering emits them) on C-contiguous ``arrays``."""
    m = kernel_harness.inline_kernels(text, vector_width)
    m.run_pipeline(kernel_harness.X86_TO_LLVM)
    lib = kernel_harness.JitLibrary(m.emit_object(opt_level=2))
    fn = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))(lib.lookup("_mlir_ciface_run"))
    descriptors = [kernel_harness._descriptor(a) for a in arrays]
    fn(*[ctypes.addressof(d) for d in descriptors])


@pytest.mark.parametrize("S,T", [(6, 6), (1, 23)])
def test_flash_attention_on_transposed_kv_views(S, T):
    # The x86 lowering passes K/V stored [B, T, Hkv, D] as memref.transpose
    # views [B, Hkv, T, D] (keys strided by Hkv * D).
    rng = np.random.default_rng(23 + T)
    B, Hq, Hkv, D = 2, 4, 2, 16
    q = (rng.standard_normal((B, S, Hq, D)) * 2).astype(np.float32)
    k_bthd = rng.standard_normal((B, T, Hkv, D)).astype(np.float32)
    v_bthd = rng.standard_normal((B, T, Hkv, D)).astype(np.float32)
    out = np.full((B, S, Hq, D), np.nan, np.float32)
    qt = f"memref<{B}x{S}x{Hq}x{D}xf32>"
    kt = f"memref<{B}x{T}x{Hkv}x{D}xf32>"
    view = f"memref<{B}x{Hkv}x{T}x{D}xf32, strided<[{T * Hkv * D}, {D}, {Hkv * D}, 1]>>"
    scale = 1.0 / np.sqrt(D)
    text = f"""
    func.func private @tessera_kernel_flash_attention({qt}, {view}, {view}, {qt})
    func.func @run(%q: {qt}, %k: {kt}, %v: {kt}, %o: {qt}) attributes {{llvm.emit_c_interface}} {{
      %kv = memref.transpose %k (d0, d1, d2, d3) -> (d0, d2, d1, d3) : {kt} to {view}
      %vv = memref.transpose %v (d0, d1, d2, d3) -> (d0, d2, d1, d3) : {kt} to {view}
      func.call @tessera_kernel_flash_attention(%q, %kv, %vv, %o)
          {{scale = {scale:.17e} : f64, causal, block_k = 8 : i64}} : ({qt}, {view}, {view}, {qt}) -> ()
      return
    }}"""
    run_func(text, [q, k_bthd, v_bthd, out])
    expected = attention_ref(q, k_bthd.transpose(0, 2, 1, 3), v_bthd.transpose(0, 2, 1, 3), scale, True)
    assert rel_err(out, expected) <= TOL


# --------------------------------------------------------------------------- KV cache
def kv_append_ref(past, fresh):
    moved = fresh.transpose(0, 2, 1, 3)  # [B, Hkv, S, D]
    return moved if past is None else np.concatenate([past, moved], axis=2)


@pytest.mark.parametrize("P,S", [(5, 3), (0, 4), (9, 1)])
def test_kv_cache_append(P, S):
    rng = np.random.default_rng(P * 10 + S)
    B, H, D = 2, 3, 20
    past = rng.standard_normal((B, H, P, D)).astype(np.float32) if P else None
    fresh = rng.standard_normal((B, S, H, D)).astype(np.float32)
    out = np.full((B, H, P + S, D), np.nan, np.float32)
    run_kernel("kv_cache_append", [absent() if past is None else past, fresh, out])
    np.testing.assert_array_equal(out, kv_append_ref(past, fresh))


def test_kv_cache_append_dynamic():
    rng = np.random.default_rng(1)
    B, H, P, S, D = 2, 2, 6, 3, 16
    past = rng.standard_normal((B, H, P, D)).astype(np.float32)
    fresh = rng.standard_normal((B, S, H, D)).astype(np.float32)
    out = np.full((B, H, P + S, D), np.nan, np.float32)
    run_kernel("kv_cache_append", [past, fresh, out], dynamic={0: (0, 2), 1: (0, 1), 2: (0, 2)})
    np.testing.assert_array_equal(out, kv_append_ref(past, fresh))


def test_kv_cache_append_then_attend():
    # Chunked prefill step as the model does it: append the fresh K/V to the
    # cache, then attend with S < T.
    rng = np.random.default_rng(2)
    B, P, S, Hq, Hkv, D = 1, 10, 4, 4, 2, 16
    pk, pv = (rng.standard_normal((B, Hkv, P, D)).astype(np.float32) for _ in range(2))
    fk, fv = (rng.standard_normal((B, S, Hkv, D)).astype(np.float32) for _ in range(2))
    k, v = (np.full((B, Hkv, P + S, D), np.nan, np.float32) for _ in range(2))
    run_kernel("kv_cache_append", [pk, fk, k])
    run_kernel("kv_cache_append", [pv, fv, v])
    q = (rng.standard_normal((B, S, Hq, D)) * 2).astype(np.float32)
    out = np.full((B, S, Hq, D), np.nan, np.float32)
    scale = 1.0 / np.sqrt(D)
    run_kernel("flash_attention", [q, k, v, out], {"scale": float(scale), "causal": True, "block_k": 8})
    expected = attention_ref(q, kv_append_ref(pk, fk), kv_append_ref(pv, fv), scale, True)
    assert rel_err(out, expected) <= TOL


def test_kv_cache_append_strided_views():
    # As the x86 lowering uses it: no past, `out` a window [B, Hkv, S, D] of a
    # larger cache at position P, and `fresh` a strided view (the K half of a
    # fused [B, S, Hkv, 2D] projection).
    rng = np.random.default_rng(29)
    B, H, P, S, D, Tmax = 2, 3, 4, 5, 16, 12
    cache = np.full((B, H, Tmax, D), np.nan, np.float32)
    before = rng.standard_normal(cache.shape).astype(np.float32)
    cache[...] = before
    fused = rng.standard_normal((B, S, H, 2 * D)).astype(np.float32)
    ct = f"memref<{B}x{H}x{Tmax}x{D}xf32>"
    ft = f"memref<{B}x{S}x{H}x{2 * D}xf32>"
    fresh = f"memref<{B}x{S}x{H}x{D}xf32, strided<[{S * H * 2 * D}, {H * 2 * D}, {2 * D}, 1], offset: {D}>>"
    window = f"memref<{B}x{H}x{S}x{D}xf32, strided<[{H * Tmax * D}, {Tmax * D}, {D}, 1], offset: {P * D}>>"
    text = f"""
    func.func private @tessera_kernel_kv_cache_append(memref<0xf32>, {fresh}, {window})
    func.func @run(%none: memref<0xf32>, %f: {ft}, %c: {ct}) attributes {{llvm.emit_c_interface}} {{
      %fv = memref.subview %f[0, 0, 0, {D}] [{B}, {S}, {H}, {D}] [1, 1, 1, 1] : {ft} to {fresh}
      %w = memref.subview %c[0, 0, {P}, 0] [{B}, {H}, {S}, {D}] [1, 1, 1, 1] : {ct} to {window}
      func.call @tessera_kernel_kv_cache_append(%none, %fv, %w) : (memref<0xf32>, {fresh}, {window}) -> ()
      return
    }}"""
    run_func(text, [absent(), fused, cache])
    expected = before.copy()
    expected[:, :, P:P + S] = fused[..., D:].transpose(0, 2, 1, 3)
    np.testing.assert_array_equal(cache, expected)


def test_kv_cache_append_bf16():
    rng = np.random.default_rng(31)
    B, H, P, S, D = 1, 2, 3, 2, 16
    past = f32_to_bf16(rng.standard_normal((B, H, P, D)).astype(np.float32))
    fresh = f32_to_bf16(rng.standard_normal((B, S, H, D)).astype(np.float32))
    out = np.zeros((B, H, P + S, D), np.uint16)
    run_kernel("kv_cache_append", [past, fresh, out])
    np.testing.assert_array_equal(out, kv_append_ref(past, fresh))
