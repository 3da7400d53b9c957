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

from kernel_harness import absent, run_kernel
from tessera import reference as ref

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
