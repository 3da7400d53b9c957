"""x86 kernel emitters of the Mamba2 mixer vs float64 numpy.

Covers ``causal_conv1d`` and the SSD scan: the four chunked stages
(``ssd_chunk_cumsum``, ``ssd_chunk_state``, ``ssd_state_passing``,
``ssd_chunk_scan``), their chain against :func:`tessera.reference.ssd_chunked`,
and the one-step decode form ``ssd_state_update`` against
:func:`tessera.reference.ssd_recurrent`. Each kernel runs through the real
x86 lowering (see kernel_harness.py); every output buffer is poisoned with NaN
first so an element the kernel fails to write shows up.

Inputs are drawn larger than a model's initialisation so that every term
matters: dt_bias spans softplus' range (tiny to large steps, so some heads
forget within a step and others carry the state across chunks), A_log spans
log(1..16), x/B/C/D/states are O(1). Tolerance: max|a-b| / max|b| <= 1e-4
(float32 arithmetic lands near 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest

import ctypes

from kernel_harness import X86_TO_LLVM, absent, inline_kernels, run_kernel
from tessera import ir
from tessera import reference as ref
from tessera._tessera import JitLibrary
from tessera.dtypes import bf16_to_f32, f32_to_bf16
from tessera.runtime import _descriptor

Q = 16  # chunk size in tests (128 in the 12B model)
TOL = 1e-4


def rel_err(out: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(out.astype(np.float64) - expected)) / np.max(np.abs(expected)))


def check(out: np.ndarray, expected: np.ndarray, tol: float = TOL) -> None:
    assert out.shape == expected.shape
    assert np.all(np.isfinite(out)), "kernel left unwritten (NaN) or non-finite elements"
    err = rel_err(out, expected)
    assert err <= tol, f"relative error {err:.3g} > {tol}"


def poison(*shape: int) -> np.ndarray:
    return np.full(shape, np.nan, np.float32)


def f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def dyn(n: int, dims=(0, 1)) -> dict:
    """Leave dims (default: batch and sequence) of the first n operands dynamic."""
    return {i: dims for i in range(n)}


def n_chunks(s: int) -> int:
    return -(-s // Q)


# ----------------------------------------------------------------------------- inputs
def ssd_inputs(rng, b, s, h, g, p, n):
    return dict(
        x=f32(rng.normal(0, 2.0, (b, s, h, p))),
        B=f32(rng.normal(0, 1.5, (b, s, g, n))),
        C=f32(rng.normal(0, 1.5, (b, s, g, n))),
        dt=f32(rng.normal(0, 1.0, (b, s, h))),
        dt_bias=f32(rng.uniform(-6.0, 3.0, h)),  # softplus from ~0.002 to ~3
        A_log=f32(np.log(rng.uniform(1.0, 16.0, h))),
        D=f32(rng.normal(0, 1.5, h)),
        init=f32(rng.normal(0, 1.0, (b, h, p, n))),
    )


# ----------------------------------------------------------------------------- numpy stage references
def dt_ref(dt, dt_bias, lo, hi):
    return np.clip(ref.softplus(dt.astype(np.float64) + dt_bias), lo, hi)


def cumsum_ref(dt, dt_bias, A_log, lo=0.0, hi=np.inf):
    """(dt_out [b,S,h], dA_cumsum [b,h,nc,Q]); past S the last valid value."""
    d = dt_ref(dt, dt_bias, lo, hi)
    b, s, h = d.shape
    a = d * -np.exp(A_log.astype(np.float64))
    a = np.pad(a, [(0, 0), (0, n_chunks(s) * Q - s), (0, 0)])  # a = 0 past S
    cum = np.cumsum(a.reshape(b, -1, Q, h), axis=2)
    return d, cum.transpose(0, 3, 1, 2)


def heads_of_groups(m, h):
    return np.repeat(m.astype(np.float64), h // m.shape[2], axis=2)


def chunk_state_ref(x, B, dt, cum):
    b, s, h, p = x.shape
    Bh = heads_of_groups(B, h)
    out = np.zeros((b, n_chunks(s), h, p, B.shape[3]))
    for c in range(n_chunks(s)):
        sl = slice(c * Q, min(s, (c + 1) * Q))
        L = sl.stop - sl.start
        w = np.exp(cum[:, :, c, Q - 1 : Q] - cum[:, :, c, :L]) * dt[:, sl].transpose(0, 2, 1)  # [b,h,L]
        out[:, c] = np.einsum("bhl,blhp,blhn->bhpn", w, x[:, sl], Bh[:, sl])
    return out


def state_passing_ref(states, cum, init):
    b, nc, h, p, n = states.shape
    state = np.zeros((b, h, p, n)) if init is None else init.astype(np.float64)
    states_in = np.empty(states.shape)
    for c in range(nc):
        states_in[:, c] = state
        state = np.exp(cum[:, :, c, Q - 1])[..., None, None] * state + states[:, c]
    return states_in, state


def chunk_scan_ref(x, B, C, dt, cum, states_in, D):
    b, s, h, p = x.shape
    Bh, Ch = heads_of_groups(B, h), heads_of_groups(C, h)
    y = np.empty((b, s, h, p))
    for c in range(n_chunks(s)):
        sl = slice(c * Q, min(s, (c + 1) * Q))
        L = sl.stop - sl.start
        cc = cum[:, :, c, :L]  # [b,h,L]
        diff = cc[..., :, None] - cc[..., None, :]
        tril = np.tril(np.ones((L, L), bool))
        decay = np.where(tril, np.exp(np.where(tril, diff, 0.0)), 0.0)  # [b,h,i,j]
        cb = np.einsum("bihn,bjhn->bhij", Ch[:, sl], Bh[:, sl])
        mat = cb * decay * dt[:, sl].transpose(0, 2, 1)[:, :, None, :]
        y_diag = np.einsum("bhij,bjhp->bihp", mat, x[:, sl])
        y_off = np.einsum("bihn,bhpn,bhi->bihp", Ch[:, sl], states_in[:, c], np.exp(cc))
        y[:, sl] = y_diag + y_off + D[:, None] * x[:, sl]
    return y


# ----------------------------------------------------------------------------- kernel runners
def run_cumsum(dt, dt_bias, A_log, lo=0.0, hi=np.inf, dynamic=True, vector_width=8):
    b, s, h = dt.shape
    dt_out, cum = poison(b, s, h), poison(b, h, n_chunks(s), Q)
    run_kernel("ssd_chunk_cumsum", [dt, dt_bias, A_log, dt_out, cum],
               {"chunk_size": Q, "dt_min": float(lo), "dt_max": float(hi)},
               dynamic={0: (0, 1), 3: (0, 1), 4: (0, 2)} if dynamic else None,
               vector_width=vector_width)
    return dt_out, cum


def run_chunk_state(x, B, dt, cum, dynamic=True, vector_width=8):
    b, s, h, p = x.shape
    states = poison(b, n_chunks(s), h, p, B.shape[3])
    run_kernel("ssd_chunk_state", [x, B, dt, cum, states], {"chunk_size": Q},
               dynamic={0: (0, 1), 1: (0, 1), 2: (0, 1), 3: (0, 2), 4: (0, 1)} if dynamic else None,
               vector_width=vector_width)
    return states


def run_state_passing(states, cum, init, dt, dynamic=True, vector_width=8):
    b, nc, h, p, n = states.shape
    states_in, final = poison(*states.shape), poison(b, h, p, n)
    run_kernel("ssd_state_passing",
               [states, cum, absent() if init is None else init, states_in, final, dt],
               {"chunk_size": Q},
               dynamic={0: (0, 1), 1: (0, 2), 3: (0, 1), 4: (0,), 5: (0, 1),
                        **({} if init is None else {2: (0,)})} if dynamic else None,
               vector_width=vector_width)
    return states_in, final


def run_chunk_scan(x, B, C, dt, cum, states_in, D, dynamic=True, vector_width=8):
    y = poison(*x.shape)
    run_kernel("ssd_chunk_scan", [x, B, C, dt, cum, states_in, D, y], {"chunk_size": Q},
               dynamic={0: (0, 1), 1: (0, 1), 2: (0, 1), 3: (0, 1), 4: (0, 2), 5: (0, 1),
                        7: (0, 1)} if dynamic else None,
               vector_width=vector_width)
    return y


# ----------------------------------------------------------------------------- stage tests
@pytest.mark.parametrize("s,h,lo,hi,dynamic,vw", [
    (37, 4, 0.0, np.inf, True, 8),     # partial last chunk, scalar head tail only
    (37, 12, 0.0, np.inf, True, 8),    # vector heads + tail
    (7, 12, 0.01, 0.5, False, 8),      # S < Q, finite dt limits, static shapes
    (1, 4, 0.0, 2.0, True, 4),         # decode-sized
    (32, 5, 0.0, np.inf, True, 4),     # S multiple of Q
])
def test_chunk_cumsum(s, h, lo, hi, dynamic, vw):
    rng = np.random.default_rng(100 + s + h)
    inp = ssd_inputs(rng, 2, s, h, 1, 1, 1)
    inp["dt"] = f32(rng.normal(0, 3.0, (2, s, h)))  # wide: clamps both ways, softplus tails
    dt_out, cum = run_cumsum(inp["dt"], inp["dt_bias"], inp["A_log"], lo, hi, dynamic, vw)
    d_ref, cum_ref = cumsum_ref(inp["dt"], inp["dt_bias"], inp["A_log"], lo, hi)
    check(dt_out, d_ref)
    # softplus is accurate element-wise, not only relative to the largest step
    np.testing.assert_allclose(dt_out, d_ref, rtol=1e-5, atol=0)
    check(cum, cum_ref)


@pytest.mark.parametrize("s,p,n,vw", [(37, 27, 27, 8), (7, 8, 16, 8), (1, 5, 11, 4)])
def test_chunk_state(s, p, n, vw):
    rng = np.random.default_rng(200 + s + p)
    inp = ssd_inputs(rng, 2, s, 4, 2, p, n)
    dt, cum = (f32(a) for a in cumsum_ref(inp["dt"], inp["dt_bias"], inp["A_log"]))
    states = run_chunk_state(inp["x"], inp["B"], dt, cum, vector_width=vw)
    check(states, chunk_state_ref(inp["x"], inp["B"], dt, cum))


@pytest.mark.parametrize("s,with_init", [(37, True), (37, False), (7, True), (1, False)])
def test_state_passing(s, with_init):
    rng = np.random.default_rng(300 + s + with_init)
    b, h, p, n = 2, 4, 6, 19
    inp = ssd_inputs(rng, b, s, h, 2, p, n)
    dt, cum = (f32(a) for a in cumsum_ref(inp["dt"], inp["dt_bias"], inp["A_log"]))
    states = f32(rng.normal(0, 1.0, (b, n_chunks(s), h, p, n)))
    init = inp["init"] if with_init else None
    states_in, final = run_state_passing(states, cum, init, dt)
    si_ref, final_ref = state_passing_ref(states, cum, init)
    if with_init or n_chunks(s) > 1:
        check(states_in, si_ref)
    else:
        assert np.all(states_in == 0.0)
    check(final, final_ref)


@pytest.mark.parametrize("s,p,n,vw", [(37, 27, 27, 8), (7, 19, 8, 8), (1, 8, 16, 8), (45, 9, 13, 4)])
def test_chunk_scan(s, p, n, vw):
    rng = np.random.default_rng(400 + s + p)
    inp = ssd_inputs(rng, 2, s, 4, 2, p, n)
    dt, cum = (f32(a) for a in cumsum_ref(inp["dt"], inp["dt_bias"], inp["A_log"]))
    states_in = f32(rng.normal(0, 1.0, (2, n_chunks(s), 4, p, n)))
    y = run_chunk_scan(inp["x"], inp["B"], inp["C"], dt, cum, states_in, inp["D"], vector_width=vw)
    check(y, chunk_scan_ref(inp["x"], inp["B"], inp["C"], dt, cum, states_in, inp["D"]))


# ----------------------------------------------------------------------------- end to end
@pytest.mark.parametrize("s,with_init,hi,dynamic,vw", [
    (37, True, np.inf, True, 8),
    (37, False, 1.5, True, 8),
    (7, True, np.inf, False, 8),
    (1, True, 0.8, True, 8),
    (50, True, np.inf, True, 4),
    (37, True, np.inf, True, 2),
    (21, True, 3.0, True, 1),          # all-scalar code paths
])
def test_chunked_scan_matches_reference(s, with_init, hi, dynamic, vw):
    """cumsum -> chunk_state -> state_passing -> chunk_scan == reference.ssd_chunked (+ D x)."""
    rng = np.random.default_rng(500 + s + with_init)
    b, h, g, p, n = 2, 4, 2, 12, 20
    inp = ssd_inputs(rng, b, s, h, g, p, n)
    init = inp["init"] if with_init else None
    dt, cum = run_cumsum(inp["dt"], inp["dt_bias"], inp["A_log"], 0.0, hi, dynamic, vw)
    states = run_chunk_state(inp["x"], inp["B"], dt, cum, dynamic, vw)
    states_in, final = run_state_passing(states, cum, init, dt, dynamic, vw)
    y = run_chunk_scan(inp["x"], inp["B"], inp["C"], dt, cum, states_in, inp["D"], dynamic, vw)

    dt64 = dt_ref(inp["dt"], inp["dt_bias"], 0.0, hi)
    A = -np.exp(inp["A_log"].astype(np.float64))
    y_ref, final_ref = ref.ssd_chunked(inp["x"].astype(np.float64), dt64, A, inp["B"].astype(np.float64),
                                       inp["C"].astype(np.float64), Q, init)
    y_ref = y_ref + inp["D"][:, None] * inp["x"]
    check(y, y_ref)
    check(final, final_ref)


@pytest.mark.parametrize("with_init,hi,p,n,vw", [(True, np.inf, 12, 20, 8), (False, 0.3, 12, 20, 8),
                                                 (True, 2.0, 5, 27, 4)])
def test_state_update_matches_recurrent(with_init, hi, p, n, vw):
    """One decode step == reference.ssd_recurrent for S = 1 (+ D x)."""
    rng = np.random.default_rng(600 + with_init + p)
    b, h, g = 2, 4, 2
    inp = ssd_inputs(rng, b, 1, h, g, p, n)
    x, dt, B, C = inp["x"][:, 0].copy(), inp["dt"][:, 0].copy(), inp["B"][:, 0].copy(), inp["C"][:, 0].copy()
    init = inp["init"] if with_init else None
    state_out, y = poison(b, h, p, n), poison(b, h, p)
    run_kernel("ssd_state_update",
               [x, dt, inp["dt_bias"], inp["A_log"], B, C, inp["D"],
                absent() if init is None else init, state_out, y],
               {"dt_min": 0.0, "dt_max": float(hi)},
               dynamic={0: (0,), 1: (0,), 4: (0,), 5: (0,), 8: (0,), 9: (0,),
                        **({} if init is None else {7: (0,)})},
               vector_width=vw)
    dt64 = dt_ref(dt, inp["dt_bias"], 0.0, hi)
    A = -np.exp(inp["A_log"].astype(np.float64))
    y_ref, state_ref = ref.ssd_recurrent(x[:, None].astype(np.float64), dt64[:, None], A,
                                         B[:, None].astype(np.float64), C[:, None].astype(np.float64),
                                         initial_state=init)
    check(y, y_ref[:, 0] + inp["D"][:, None] * x)
    check(state_out, state_ref)


def test_decode_continues_prefill():
    """Prefill S-1 steps (chunked, 4 stages) then one decode step == ssd_recurrent over S steps."""
    rng = np.random.default_rng(700)
    b, s, h, g, p, n = 2, 21, 4, 2, 8, 16
    inp = ssd_inputs(rng, b, s, h, g, p, n)
    pre = {k: (v[:, : s - 1].copy() if k in ("x", "B", "C", "dt") else v) for k, v in inp.items()}
    dt, cum = run_cumsum(pre["dt"], pre["dt_bias"], pre["A_log"])
    states = run_chunk_state(pre["x"], pre["B"], dt, cum)
    _, state = run_state_passing(states, cum, inp["init"], dt)
    state_out, y = poison(b, h, p, n), poison(b, h, p)
    last = {k: inp[k][:, s - 1].copy() for k in ("x", "dt", "B", "C")}
    run_kernel("ssd_state_update",
               [last["x"], last["dt"], inp["dt_bias"], inp["A_log"], last["B"], last["C"], inp["D"],
                state, state_out, y], {})
    dt64 = dt_ref(inp["dt"], inp["dt_bias"], 0.0, np.inf)
    A = -np.exp(inp["A_log"].astype(np.float64))
    y_ref, state_ref = ref.ssd_recurrent(inp["x"].astype(np.float64), dt64, A, inp["B"].astype(np.float64),
                                         inp["C"].astype(np.float64), initial_state=inp["init"])
    check(y, y_ref[:, -1] + inp["D"][:, None] * last["x"])
    check(state_out, state_ref)


# ----------------------------------------------------------------------------- causal conv1d
def conv_ref(x, w, bias, state, silu):
    """Causal depthwise conv over [state | x] (reference.causal_conv1d without the forced SiLU)."""
    K = w.shape[1]
    b, s, c = x.shape
    st = np.zeros((b, c, K - 1)) if state is None else state.astype(np.float64)
    window = np.concatenate([st, x.transpose(0, 2, 1).astype(np.float64)], axis=2)
    out = sum(w[None, :, k, None].astype(np.float64) * window[:, :, k : k + s] for k in range(K))
    if bias is not None:
        out = out + bias[None, :, None]
    out = out.transpose(0, 2, 1)
    return (ref.silu(out) if silu else out), window[:, :, window.shape[2] - (K - 1) :]


def run_conv(x, w, bias, state, silu=True, dynamic_k=False, vector_width=8):
    b, s, c = x.shape
    K = w.shape[1]
    out, state_out = poison(b, s, c), poison(b, c, K - 1)
    dynamic = {0: (0, 1), 4: (0, 1), 5: (0,)}
    if state is not None:
        dynamic[3] = (0,)
    if dynamic_k:
        dynamic[1] = (1,)
    run_kernel("causal_conv1d",
               [x, w, absent() if bias is None else bias, absent() if state is None else state, out, state_out],
               {"silu": True} if silu else {}, dynamic=dynamic, vector_width=vector_width)
    return out, state_out


@pytest.mark.parametrize("s,with_state,with_bias,silu,dynamic_k", [
    (37, True, True, True, False),
    (37, False, True, False, False),
    (2, True, False, True, False),     # S < K-1: new state mixes old state and x
    (1, True, True, True, False),      # decode
    (9, True, True, False, True),      # kernel size unknown at compile time
    (2, True, True, True, True),
])
def test_causal_conv1d(s, with_state, with_bias, silu, dynamic_k):
    rng = np.random.default_rng(800 + s + 2 * with_state + with_bias)
    b, c, K = 2, 21, 4  # 21 channels: two 8-wide vectors and a scalar tail
    x = f32(rng.normal(0, 2.0, (b, s, c)))
    w = f32(rng.normal(0, 1.0, (c, K)))
    bias = f32(rng.normal(0, 1.0, c)) if with_bias else None
    state = f32(rng.normal(0, 2.0, (b, c, K - 1))) if with_state else None
    out, state_out = run_conv(x, w, bias, state, silu, dynamic_k)
    out_ref, state_ref = conv_ref(x, w, bias, state, silu)
    check(out, out_ref)
    np.testing.assert_array_equal(state_out, state_ref.astype(np.float32))  # a copy: exact


def test_causal_conv1d_continues_state():
    """Two pieces through the kernel == reference.causal_conv1d over the whole sequence."""
    rng = np.random.default_rng(900)
    b, s, c, K = 2, 29, 37, 4
    x = f32(rng.normal(0, 2.0, (b, s, c)))
    w = f32(rng.normal(0, 1.0, (c, K)))
    bias = f32(rng.normal(0, 1.0, c))
    state0 = f32(rng.normal(0, 2.0, (b, c, K - 1)))
    out1, st1 = run_conv(x[:, :11].copy(), w, bias, state0, vector_width=4)
    out2, st2 = run_conv(x[:, 11:].copy(), w, bias, st1, vector_width=4)
    out_ref, st_ref = ref.causal_conv1d(x.astype(np.float64), w.astype(np.float64), bias.astype(np.float64),
                                        state0.astype(np.float64))
    check(np.concatenate([out1, out2], axis=1), out_ref)
    np.testing.assert_array_equal(st2, st_ref.astype(np.float32))


# ----------------------------------------------------------------------------- bf16 parameters
def bf16(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bf16 bits for the kernel, their exact float32 value for the reference)."""
    bits = f32_to_bf16(a)
    return bits, bf16_to_f32(bits)


def test_bf16_parameters():
    """Weights may be bf16 (extended on load): conv weight/bias, dt_bias, A_log, D."""
    rng = np.random.default_rng(1000)
    b, s, c, K = 2, 19, 21, 4
    x = f32(rng.normal(0, 2.0, (b, s, c)))
    w_bits, w = bf16(rng.normal(0, 1.0, (c, K)))
    bias_bits, bias = bf16(rng.normal(0, 1.0, c))
    state = f32(rng.normal(0, 2.0, (b, c, K - 1)))
    out, state_out = run_conv(x, w_bits, bias_bits, state)
    out_ref, state_ref = conv_ref(x, w, bias, state, True)
    check(out, out_ref)
    np.testing.assert_array_equal(state_out, state_ref.astype(np.float32))

    h, g, p, n = 4, 2, 8, 16
    inp = ssd_inputs(rng, b, 1, h, g, p, n)
    (dtb_bits, dtb), (alog_bits, alog), (d_bits, d) = (bf16(inp[k]) for k in ("dt_bias", "A_log", "D"))
    x, dt, B, C = inp["x"][:, 0].copy(), inp["dt"][:, 0].copy(), inp["B"][:, 0].copy(), inp["C"][:, 0].copy()
    state_out, y = poison(b, h, p, n), poison(b, h, p)
    run_kernel("ssd_state_update", [x, dt, dtb_bits, alog_bits, B, C, d_bits, inp["init"], state_out, y], {})
    y_ref, state_ref = ref.ssd_recurrent(x[:, None].astype(np.float64), dt_ref(dt, dtb, 0.0, np.inf)[:, None],
                                         -np.exp(alog.astype(np.float64)), B[:, None].astype(np.float64),
                                         C[:, None].astype(np.float64), initial_state=inp["init"])
    check(y, y_ref[:, 0] + d[:, None] * x)
    check(state_out, state_ref)


# ----------------------------------------------------------------------------- strided views
def test_mixer_chain_on_projection_views():
    """The real pipeline hands the kernels views: xBC and dt are column slices of
    the in_proj output, x/B/C column slices of the conv output (reshaped to
    heads), y a slice of a wider buffer. Conv + the four SSD stages on such
    views (dynamic batch and sequence) == reference.causal_conv1d + ssd_chunked."""
    rng = np.random.default_rng(1100)
    b, s, h, g, p, n, K = 2, 37, 4, 2, 12, 20, 4
    hp, gn = h * p, g * n
    conv_dim = hp + 2 * gn
    zw = 7 + conv_dim + h + 3  # [z (7) | xBC | dt | 3 spare columns]
    yw = hp + 5
    nc = n_chunks(s)
    proj = f32(rng.normal(0, 1.0, (b, s, zw)))
    conv_w = f32(rng.normal(0, 0.7, (conv_dim, K)))
    conv_b = f32(rng.normal(0, 0.5, conv_dim))
    conv_state = f32(rng.normal(0, 1.0, (b, conv_dim, K - 1)))
    inp = ssd_inputs(rng, b, 1, h, g, p, n)
    y_buf = np.full((b, s, yw), 7.0, np.float32)
    outs = dict(xbc=poison(b, s, conv_dim), conv_state_out=poison(b, conv_dim, K - 1),
                dt_out=poison(b, s, h), cum=poison(b, h, nc, Q), states=poison(b, nc, h, p, n),
                states_in=poison(b, nc, h, p, n), final=poison(b, h, p, n))
    arrays = [proj, conv_w, conv_b, conv_state, inp["dt_bias"], inp["A_log"], inp["D"], inp["init"],
              y_buf, *outs.values()]
    names = ["proj", "conv_w", "conv_b", "conv_state", "dt_bias", "A_log", "D", "init", "y_buf", *outs]
    dyn_dims = {"proj": (0, 1), "conv_state": (0,), "init": (0,), "y_buf": (0, 1), "xbc": (0, 1),
                "conv_state_out": (0,), "dt_out": (0, 1), "cum": (0, 2), "states": (0, 1),
                "states_in": (0, 1), "final": (0,)}

    def mtype(shape, dyn=(), layout=""):
        dims = "".join(("?" if i in dyn else str(d)) + "x" for i, d in enumerate(shape))
        return f"memref<{dims}f32{layout}>"

    types = {nm: mtype(a.shape, dyn_dims.get(nm, ())) for nm, a in zip(names, arrays)}
    v = {nm: f"%{nm}" for nm in names}
    body = ["%c0 = arith.constant 0 : index", "%c1 = arith.constant 1 : index",
            "%B = memref.dim %proj, %c0 : " + types["proj"], "%S = memref.dim %proj, %c1 : " + types["proj"]]

    def view(name, src, src_type, width, off, row, heads=None):
        """Columns [off, off+width) of a [?, ?, row] buffer, optionally split into heads."""
        t = mtype((0, 0, width), (0, 1), f", strided<[?, {row}, 1], offset: {off}>")
        body.append(f"%{name} = memref.subview {src}[0, 0, {off}] [%B, %S, {width}] [1, 1, 1] : "
                    f"{src_type} to {t}")
        if heads is None:
            return f"%{name}", t
        hh, d = heads
        t4 = mtype((0, 0, hh, d), (0, 1), f", strided<[?, {row}, {d}, 1], offset: {off}>")
        body.append(f"%{name}4 = memref.expand_shape %{name} [[0], [1], [2, 3]] output_shape [%B, %S, {hh}, {d}] "
                    f": {t} into {t4}")
        return f"%{name}4", t4

    calls = []

    def call(kernel, operands, attrs=""):
        ops = ", ".join(o for o, _ in operands)
        tys = ", ".join(t for _, t in operands)
        calls.append(f"func.func private @tessera_kernel_{kernel}({tys})")
        body.append(f"func.call @tessera_kernel_{kernel}({ops}){attrs} : ({tys}) -> ()")

    a = lambda nm: (v[nm], types[nm])  # noqa: E731
    xbc_in = view("xbc_in", "%proj", types["proj"], conv_dim, 7, zw)
    dt_raw = view("dt_raw", "%proj", types["proj"], h, 7 + conv_dim, zw)
    x = view("xv", "%xbc", types["xbc"], hp, 0, conv_dim, (h, p))
    Bv = view("bv", "%xbc", types["xbc"], gn, hp, conv_dim, (g, n))
    Cv = view("cv", "%xbc", types["xbc"], gn, hp + gn, conv_dim, (g, n))
    y = view("yv", "%y_buf", types["y_buf"], hp, 2, yw, (h, p))
    chunk = f" {{chunk_size = {Q} : i64}}"
    call("causal_conv1d", [xbc_in, a("conv_w"), a("conv_b"), a("conv_state"), a("xbc"), a("conv_state_out")],
         " {silu}")
    call("ssd_chunk_cumsum", [dt_raw, a("dt_bias"), a("A_log"), a("dt_out"), a("cum")], chunk)
    call("ssd_chunk_state", [x, Bv, a("dt_out"), a("cum"), a("states")], chunk)
    call("ssd_state_passing", [a("states"), a("cum"), a("init"), a("states_in"), a("final"), a("dt_out")], chunk)
    call("ssd_chunk_scan", [x, Bv, Cv, a("dt_out"), a("cum"), a("states_in"), a("D"), y], chunk)
    args = ", ".join(f"%{nm}: {types[nm]}" for nm in names)
    text = "\n".join(calls) + f"\nfunc.func @run({args}) attributes {{llvm.emit_c_interface}} {{\n  " + \
        "\n  ".join(body) + "\n  return\n}"
    m = inline_kernels(text, 8)
    m.run_pipeline(X86_TO_LLVM)
    lib = JitLibrary(m.emit_object(opt_level=2))
    fn = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))(lib.lookup("_mlir_ciface_run"))
    descriptors = [_descriptor(arr) for arr in arrays]
    fn(*[ctypes.addressof(d) for d in descriptors])

    xbc_ref, conv_state_ref = ref.causal_conv1d(proj[..., 7 : 7 + conv_dim].astype(np.float64),
                                                conv_w.astype(np.float64), conv_b.astype(np.float64),
                                                conv_state.astype(np.float64))
    check(outs["xbc"], xbc_ref)
    np.testing.assert_array_equal(outs["conv_state_out"], conv_state_ref.astype(np.float32))
    # The SSD from the kernel's own conv output (its f32 rounding is not the scan's to answer for).
    xbc = outs["xbc"].astype(np.float64)
    xs = xbc[..., :hp].reshape(b, s, h, p)
    dt64 = dt_ref(proj[..., 7 + conv_dim : 7 + conv_dim + h], inp["dt_bias"], 0.0, np.inf)
    y_ref, final_ref = ref.ssd_chunked(xs, dt64, -np.exp(inp["A_log"].astype(np.float64)),
                                       xbc[..., hp : hp + gn].reshape(b, s, g, n),
                                       xbc[..., hp + gn :].reshape(b, s, g, n), Q, inp["init"])
    check(y_buf[..., 2 : 2 + hp].reshape(b, s, h, p), y_ref + inp["D"][:, None] * xs)
    check(outs["final"], final_ref)
    # Nothing written outside the view.
    assert np.all(y_buf[..., :2] == 7.0) and np.all(y_buf[..., 2 + hp :] == 7.0)
