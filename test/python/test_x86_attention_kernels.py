"""x86 attention kernel emitters (flash attention, KV cache append) against numpy.

Each case runs one emitter through ``tessera-test-x86-kernels`` and the real
lowering (kernel_harness) and compares with a float64 reference: causal GQA
with bottom-right alignment (query s of S sees keys j <= s + T - S), query head
h reading KV head h // (Hq / Hkv), as in ``tessera.reference``.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from kernel_harness import absent, run_kernel

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
                  q_scale=2.0):
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
    run_kernel("flash_attention", [q, k, v, out], attrs, dynamic=dyn)
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
