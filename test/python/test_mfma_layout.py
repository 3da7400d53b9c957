"""The MFMA lane layouts the AMD kernels rely on, and their indexing, in numpy.

No AMD GPU is available, so the MFMA kernels (lib/Conversion/TileToROCDL/) are
compiled and checked, never run. This test is the numeric check that remains:
a pure-numpy model of one wavefront executing v_mfma_f32_32x32x2_f32, with the
register layout taken from AMD's matrix instruction calculator / CDNA3 ISA
(lane l of 64: A operand A[l % 32][l // 32], B operand B[l // 32][l % 32],
accumulator element 4g + j = D[8g + 4(l // 32) + j][l % 32]); applied to the
per-lane index formulas of MFMAAttention.cpp (flash attention: S^T = K Q^T,
online softmax across lane halves, O^T += V^T P^T with the key permutation
8g + 4h + j) and MFMAKernels.cpp (ssd_chunk_state), compared with plain numpy.
It checks the kernels' indexing against the stated layout; the layout itself
is AMD's documentation, not measured here.
"""

from __future__ import annotations

import numpy as np

LANES = 64


def mfma_32x32x2(a, b, acc):
    """One v_mfma_f32_32x32x2_f32 on a wavefront: a, b are [64] (one f32 per
    lane), acc is [64, 16]; returns the new accumulators."""
    A = np.zeros((32, 2))
    B = np.zeros((2, 32))
    for l in range(LANES):
        A[l % 32, l // 32] = a[l]
        B[l // 32, l % 32] = b[l]
    D = A @ B
    out = acc.copy()
    for l in range(LANES):
        h = l // 32
        for g in range(4):
            for j in range(4):
                out[l, 4 * g + j] += D[8 * g + 4 * h + j, l % 32]
    return out


def acc_to_matrix(acc):
    """The 32x32 matrix an accumulator holds (the layout's inverse)."""
    D = np.full((32, 32), np.nan)
    for l in range(LANES):
        for g in range(4):
            for j in range(4):
                D[8 * g + 4 * (l // 32) + j, l % 32] = acc[l, 4 * g + j]
    return D


def test_model_is_a_matrix_product():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((32, 2)), rng.standard_normal((2, 32))
    a = np.array([A[l % 32, l // 32] for l in range(LANES)])
    b = np.array([B[l // 32, l % 32] for l in range(LANES)])
    D = acc_to_matrix(mfma_32x32x2(a, b, np.zeros((LANES, 16))))
    np.testing.assert_allclose(D, A @ B, rtol=1e-12)


def wave_flash_attention(q, k, v, scale, key_end):
    """One wavefront of MFMAAttention.cpp: q [32 rows, D], k, v [n, D];
    key_end[r]: keys j < key_end[r] are seen (causal bound). Keys in tiles of
    32, D <= 128. Returns out [32, D] as the kernel stores it."""
    D = q.shape[1]
    steps, d_tiles = (D + 1) // 2, (D + 31) // 32
    lane = np.arange(LANES)
    l32, half = lane % 32, lane // 32
    # B operand of S^T = K Q^T: q[row l32][2s + h], 0 past D.
    qv = [np.where(2 * s + half < D, q[l32, np.minimum(2 * s + half, D - 1)], 0.0)
          for s in range(steps)]
    m = np.full(LANES, -1e30)
    lsum = np.zeros(LANES)
    acc = [np.zeros((LANES, 16)) for _ in range(d_tiles)]
    n = k.shape[0]
    for k0 in range(0, n, 32):
        nk = min(32, n - k0)
        ks = np.zeros((32, D))  # LDS tile, rows past nk zero
        vs = np.zeros((32, D))
        ks[:nk], vs[:nk] = k[k0:k0 + nk], v[k0:k0 + nk]
        k_row = l32
        s_acc = np.zeros((LANES, 16))
        for s in range(steps):
            d = np.minimum(2 * s + half, D - 1)
            s_acc = mfma_32x32x2(ks[k_row, d], qv[s], s_acc)
        key_local = np.array([[4 * hh + 8 * g + j for g in range(4) for j in range(4)]
                              for hh in half])  # [64, 16]
        valid = (key_local < nk) & (k0 + key_local < key_end[l32][:, None])
        sv = np.where(valid, s_acc * scale, -1e30)
        tile_max = sv.max(axis=1)
        tile_max = np.maximum(tile_max, tile_max[lane ^ 32])  # shuffle xor 32
        m_new = np.maximum(m, tile_max)
        alpha = np.exp(m - m_new)
        p = np.where(sv > -1e29, np.exp(sv - m_new[:, None]), 0.0)
        psum = p.sum(axis=1)
        psum = psum + psum[lane ^ 32]
        m, lsum = m_new, alpha * lsum + psum
        for t in range(d_tiles):
            a_t = acc[t] * alpha[:, None]
            d = np.minimum(l32 + 32 * t, D - 1)
            for i in range(16):
                kl = key_local[:, i]
                a_t = mfma_32x32x2(vs[kl, d], p[:, i], a_t)
            acc[t] = a_t
    out = np.zeros((32, D))
    for t in range(d_tiles):
        for l in range(LANES):
            for g in range(4):
                for j in range(4):
                    d = 32 * t + 8 * g + 4 * (l // 32) + j
                    if d < D:
                        out[l % 32, d] = acc[t][l, 4 * g + j] / lsum[l]
    return out


def reference_attention(q, k, v, scale, key_end):
    s = (q @ k.T) * scale
    mask = np.arange(k.shape[0])[None, :] < key_end[:, None]
    s = np.where(mask, s, -np.inf)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)) @ v


def test_flash_attention_indexing():
    rng = np.random.default_rng(1)
    for D, n, causal in [(64, 70, False), (64, 45, True), (40, 33, True), (7, 5, False)]:
        q = rng.standard_normal((32, D))
        k = rng.standard_normal((n, D))
        v = rng.standard_normal((n, D))
        scale = D ** -0.5
        # Causal, bottom-right aligned: row r is query n - 32 + r (clamped >= 0).
        key_end = (np.minimum(np.maximum(np.arange(32) + n - 32, 0) + 1, n) if causal
                   else np.full(32, n))
        got = wave_flash_attention(q, k, v, scale, key_end)
        np.testing.assert_allclose(got, reference_attention(q, k, v, scale, key_end),
                                   rtol=1e-10, atol=1e-12)


def test_ssd_chunk_state_indexing():
    """MFMAKernels.cpp's chunk state: A[p][l] = xs[l][p], B[l][n] = bs[l][n],
    k = l in steps of 2 (lane half h supplies row l0 + k0 + h); tile at
    (p0, n0), rows past `rows` and columns past P / N are 0."""
    rng = np.random.default_rng(2)
    P, N, rows = 80, 128, 27
    xs, bs = rng.standard_normal((rows, P)), rng.standard_normal((rows, N))
    lane = np.arange(LANES)
    l32, half = lane % 32, lane // 32
    states = np.zeros((96, 128))
    for p0 in range(0, P, 32):
        for n0 in range(0, N, 32):
            acc = np.zeros((LANES, 16))
            for k0 in range(0, rows, 2):
                li = k0 + half
                pi, ni = p0 + l32, n0 + l32
                av = np.where((li < rows) & (pi < P),
                              xs[np.minimum(li, rows - 1), np.minimum(pi, P - 1)], 0.0)
                bv = np.where((li < rows) & (ni < N),
                              bs[np.minimum(li, rows - 1), np.minimum(ni, N - 1)], 0.0)
                acc = mfma_32x32x2(av, bv, acc)
            states[p0:p0 + 32, n0:n0 + 32] = acc_to_matrix(acc)
    np.testing.assert_allclose(states[:P], xs.T @ bs, rtol=1e-10, atol=1e-12)


def wave_chunk_scan(C, B, x, state, cum, dt, i0, length):
    """One wavefront of MFMAChunkScan.cpp, rows i0 .. i0 + 31 of a chunk of
    `length` rows: C, B [len, N], x [len, P], state [P, N], cum, dt [len].
    Returns y without the D x term, [32, P] (rows past length are junk)."""
    N, P = C.shape[1], x.shape[1]
    steps, p_tiles = (N + 1) // 2, (P + 31) // 32
    lane = np.arange(LANES)
    l32, half = lane % 32, lane // 32
    i_row = i0 + l32
    i_c = np.minimum(i_row, length - 1)
    n_idx = [np.minimum(2 * s + half, N - 1) for s in range(steps)]
    c_reg = [np.where(2 * s + half < N, C[i_c, n_idx[s]], 0.0) for s in range(steps)]
    cum_row = cum[i_c]
    p_col = [np.minimum(l32 + 32 * t, P - 1) for t in range(p_tiles)]
    row_of = np.array([[4 * hh + 8 * (k // 4) + k % 4 for k in range(16)] for hh in half])
    acc = []
    for t in range(p_tiles):
        a = np.zeros((LANES, 16))
        for s in range(steps):
            a = mfma_32x32x2(c_reg[s], state[p_col[t], n_idx[s]], a)
        acc.append(a * np.exp(cum[np.minimum(i0 + row_of, length - 1)]))
    j_end = min(i0 + 32, length)  # one wavefront here: the pass is its rows
    for j0 in range(0, j_end, 32):
        j = j0 + np.arange(32)
        ok = j < length
        jc = np.minimum(j, length - 1)
        bs = np.where(ok[:, None], B[jc], 0.0)
        xs = np.where(ok[:, None], x[jc], 0.0)
        cum_j, dt_j = cum[jc], np.where(ok, dt[jc], 0.0)
        gt = np.zeros((LANES, 16))
        for s in range(steps):
            gt = mfma_32x32x2(bs[l32, n_idx[s]], c_reg[s], gt)
        with np.errstate(over="ignore", invalid="ignore"):
            w = gt * np.exp(cum_row[:, None] - cum_j[row_of]) * dt_j[row_of]
        mv = np.where(j0 + row_of <= i_row[:, None], w, 0.0)
        for t in range(p_tiles):
            for k in range(16):
                acc[t] = mfma_32x32x2(mv[:, k], xs[row_of[:, k], p_col[t]], acc[t])
    y = np.zeros((32, P))
    for t in range(p_tiles):
        for l in range(LANES):
            for k in range(16):
                p = l % 32 + 32 * t
                if p < P:
                    y[row_of[l, k], p] = acc[t][l, k]
    return y


def test_ssd_chunk_scan_indexing():
    rng = np.random.default_rng(3)
    for N, P, length in [(128, 64, 77), (16, 40, 23), (7, 33, 64)]:
        C, B = rng.standard_normal((length, N)), rng.standard_normal((length, N))
        x = rng.standard_normal((length, P))
        state = rng.standard_normal((P, N))
        dt = rng.uniform(0.01, 0.2, length)
        cum = np.cumsum(-dt * 0.5)
        decay = np.exp(cum[:, None] - cum[None, :]) * np.tri(length)
        ref = np.exp(cum)[:, None] * (C @ state.T) + ((C @ B.T) * decay * dt[None, :]) @ x
        for i0 in range(0, length, 32):
            got = wave_chunk_scan(C, B, x, state, cum, dt, i0, length)
            rows = min(32, length - i0)
            np.testing.assert_allclose(got[:rows], ref[i0:i0 + rows], rtol=1e-9, atol=1e-10)
