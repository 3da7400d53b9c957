//===- SSDKernels.cpp - GPU kernels: Mamba2 SSD scan (chunked, decode) -===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl: kernel recipes (Kernels.h) for the
// selective-state-space scan of a Mamba2 mixer in mamba_ssm's four-stage
// chunked form (prefill) and the one-step recurrent form (decode). With
// a_t = dt_t * A (A < 0) and, inside a chunk of Q steps, cum_i = a_0 + ... +
// a_i (the semantics are the x86 kernels', TileToTarget/X86/Kernels.h):
//
//   1. ssd_chunk_cumsum: one thread per (batch, chunk, head), sequential
//      over the chunk's steps (the running sum); threads along heads, the
//      contiguous dimension of dt. Grid (ceil(H/128), chunks, B).
//   2. ssd_chunk_state:  one block per (head, chunk, batch); its 256
//      threads own the P x N outputs (R = 8 per thread per pass) and stream
//      the chunk's rows of exp(cum_last - cum_i) dt_i x_i and B_i through
//      shared memory in tiles of Lt rows.
//   3. ssd_state_passing: one thread per state element (batch, head, p, n),
//      sequential over chunks (the carried state stays in a register).
//   4. ssd_chunk_scan:   one block per (head, chunk, batch); for each tile of
//      Ti output rows: C rows in shared memory, the carried-in state term,
//      then tiles of Tj earlier rows (B, x, cum, dt in shared memory) whose
//      Ti x Tj decay-weighted C.B matrix is formed in shared memory and
//      multiplied by the x tile into the per-thread accumulators.
//   5. ssd_state_update: one block per (head, batch), one warp per row p of
//      the state, lanes along N; y is a warp reduction (gpu.shuffle).
//
// exp(cum_i - cum_j) is only kept for j <= i, where it is <= 1 (a select
// drops the rest). exp and the log of softplus are GPUEmitter's ex2/lg2
// approximations (no libdevice). All state and arithmetic is f32; x, B, C, dt
// may be narrower and are extended on load. P, N (and the chunk size) must
// be static and at most 256: the tile sizes are chosen at compile time to
// keep shared memory under 48 KiB.
//
//===----------------------------------------------------------------------===//

#include "KernelHelpers.h"
#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {

constexpr int64_t kMaxDim = 256; // head dim, state dim and chunk size
constexpr int64_t kScanThreads = 256;
/// Outputs per thread per pass of the chunk-state kernel.
constexpr int64_t kStateOutsPerThread = 8;

Value ix(GPUEmitter &e, gpu::Dimension d) { return e.blockId(d); }

/// clamp(softplus(raw + bias), lo, hi); infinite bounds are left out.
Value timeStep(GPUEmitter &e, Value raw, Value bias, double lo, double hi) {
  Value dt = e.softplus(e.add(raw, bias));
  if (!std::isinf(lo))
    dt = e.max(dt, e.f(lo));
  if (!std::isinf(hi))
    dt = e.min(dt, e.f(hi));
  return dt;
}

/// cond ? thenFn() : elseFn() for one f32 (only the taken side runs: used
/// to keep loads in bounds).
Value ifElse(GPUEmitter &e, Value cond, const std::function<Value()> &thenFn,
             const std::function<Value()> &elseFn) {
  return e.ifThenElse(
      cond, {e.f32()}, [&]() -> SmallVector<Value> { return {thenFn()}; },
      [&]() -> SmallVector<Value> { return {elseFn()}; })[0];
}

/// The grid (heads, chunks, batch) of the per-chunk stages; `seqOperand`
/// is [B, S, ...], `headsOperand`/`headsDim` give H.
SmallVector<Value, 3> chunkGrid(OpBuilder &hb, Location loc, Value seqOperand,
                                Value headsOperand, int64_t headsDim,
                                int64_t chunk) {
  GPUEmitter h(hb, loc);
  return {h.dim(headsOperand, headsDim),
          h.ceilDiv(h.dim(seqOperand, 1), chunk), h.dim(seqOperand, 0)};
}

//===----------------------------------------------------------------------===//
// Stage 1
//===----------------------------------------------------------------------===//

KernelRecipe cumsumRecipe(int64_t chunk, double dtMin, double dtMax) {
  constexpr int64_t kThreads = 128;
  KernelRecipe r;
  r.block = {kThreads, 1, 1};
  r.grid = [=](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    return SmallVector<Value, 3>{h.ceilDiv(h.dim(ops[0], 2), kThreads),
                                 h.ceilDiv(h.dim(ops[0], 1), chunk),
                                 h.dim(ops[0], 0)};
  };
  // dt, dt_bias, A_log, dt_out, dA_cumsum.
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args, ValueRange) {
    GPUEmitter e(ob, loc);
    Value dt = args[0], dtBias = args[1], aLog = args[2], dtOut = args[3],
          cumOut = args[4];
    Value head =
        e.iadd(e.imul(ix(e, gpu::Dimension::x), e.c(kThreads)), e.threadId());
    Value c = ix(e, gpu::Dimension::y), b = ix(e, gpu::Dimension::z);
    Value seq = e.dim(dt, 1), heads = e.dim(dt, 2);
    e.ifThen(e.ult(head, heads), [&] {
      Value a = e.neg(e.exp(e.load(aLog, {head})));
      Value bias = e.load(dtBias, {head});
      Value q = e.c(chunk), s0 = e.imul(c, q);
      Value len = e.imin(q, e.isub(seq, s0));
      Value cum =
          e.forRangeIter(e.c(0), len, e.c(1), {e.f(0.0)},
                    [&](Value i, ValueRange it) -> SmallVector<Value> {
                      Value s = e.iadd(s0, i);
                      Value d = timeStep(e, e.load(dt, {b, s, head}), bias,
                                           dtMin, dtMax);
                      e.store(d, dtOut, {b, s, head});
                      Value next = e.fma(d, a, it[0]);
                      e.store(next, cumOut, {b, head, c, i});
                      return {next};
                    })[0];
      // Past the end of the sequence: the last valid value (stages 2-4 read
      // position Q-1 as the chunk's last).
      e.forRange(len, q,
                 [&](Value i) { e.store(cum, cumOut, {b, head, c, i}); });
    });
    return success();
  };
  return r;
}

//===----------------------------------------------------------------------===//
// Stage 2
//===----------------------------------------------------------------------===//

KernelRecipe chunkStateRecipe(MLIRContext *ctx, int64_t chunk, int64_t P,
                              int64_t N, int64_t sharedBudget) {
  constexpr int64_t T = kScanThreads, R = kStateOutsPerThread;
  // Rows per shared tile: the largest power of two <= 32 that fits.
  int64_t lt = 32;
  while (lt > 1 && 4 * (chunk + lt * (P + N)) > sharedBudget)
    lt /= 2;
  KernelRecipe r;
  r.block = {T, 1, 1};
  r.workgroup = {sharedF32(ctx, chunk), sharedF32(ctx, lt * P),
                 sharedF32(ctx, lt * N)};
  // x, B, dt, dA_cumsum, states.
  r.grid = [=](OpBuilder &hb, Location loc, ValueRange ops) {
    return chunkGrid(hb, loc, ops[0], ops[0], 2, chunk);
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args,
               ValueRange shared) {
    GPUEmitter e(ob, loc);
    Value x = args[0], bMat = args[1], dt = args[2], cum = args[3],
          states = args[4];
    Value scale = shared[0], xs = shared[1], bs = shared[2];
    Value h = ix(e, gpu::Dimension::x), c = ix(e, gpu::Dimension::y),
          b = ix(e, gpu::Dimension::z), tid = e.threadId();
    Value seq = e.dim(x, 1), heads = e.dim(x, 2), groups = e.dim(bMat, 2);
    Value g = e.idiv(h, e.idiv(heads, groups));
    Value q = e.c(chunk), s0 = e.imul(c, q);
    Value len = e.imin(q, e.isub(seq, s0));
    Value cT = e.c(T), cP = e.c(P), cN = e.c(N), cLt = e.c(lt);

    // scale[i] = exp(cum_last - cum_i) * dt_i.
    Value cumLast = e.load(cum, {b, h, c, e.c(chunk - 1)});
    e.forRange(tid, len, cT, [&](Value i) {
      Value s = e.mul(e.exp(e.sub(cumLast, e.load(cum, {b, h, c, i}))),
                      e.load(dt, {b, e.iadd(s0, i), h}));
      e.store(s, scale, {i});
    });

    const int64_t outs = P * N;
    e.forRange(e.c(0), e.c(outs), e.c(T * R), [&](Value base) {
      SmallVector<Value> pr, nr, valid;
      for (int64_t k = 0; k < R; ++k) {
        Value o = e.iadd(base, e.iadd(e.c(k * T), tid));
        valid.push_back(e.ult(o, e.c(outs)));
        Value oc = e.imin(o, e.c(outs - 1));
        pr.push_back(e.idiv(oc, cN));
        nr.push_back(e.irem(oc, cN));
      }
      SmallVector<Value> acc = e.forRangeIter(
          e.c(0), len, cLt, SmallVector<Value>(R, e.f(0.0)),
          [&](Value l0, ValueRange it) -> SmallVector<Value> {
            Value rows = e.imin(cLt, e.isub(len, l0));
            e.barrier(); // the previous tile (and scale) fully written/read
            e.forRange(tid, e.imul(rows, cP), cT, [&](Value el) {
              Value li = e.idiv(el, cP), p = e.irem(el, cP);
              Value l = e.iadd(l0, li);
              e.store(e.mul(e.load(x, {b, e.iadd(s0, l), h, p}),
                            e.load(scale, {l})),
                      xs, {el});
            });
            e.forRange(tid, e.imul(rows, cN), cT, [&](Value el) {
              Value li = e.idiv(el, cN), n = e.irem(el, cN);
              e.store(e.load(bMat, {b, e.iadd(s0, e.iadd(l0, li)), g, n}), bs,
                      {el});
            });
            e.barrier();
            return e.forRangeIter(
                e.c(0), rows, e.c(1), it,
                [&](Value li, ValueRange a) -> SmallVector<Value> {
                  SmallVector<Value> next;
                  for (int64_t k = 0; k < R; ++k)
                    next.push_back(e.fma(
                        e.load(xs, {e.iadd(e.imul(li, cP), pr[k])}),
                        e.load(bs, {e.iadd(e.imul(li, cN), nr[k])}), a[k]));
                  return next;
                });
          });
      for (int64_t k = 0; k < R; ++k)
        e.ifThen(valid[k],
                 [&] { e.store(acc[k], states, {b, c, h, pr[k], nr[k]}); });
    });
    return success();
  };
  return r;
}

//===----------------------------------------------------------------------===//
// Stage 3
//===----------------------------------------------------------------------===//

KernelRecipe statePassingRecipe(int64_t chunk, bool hasInit) {
  constexpr int64_t T = kScanThreads;
  // states, dA_cumsum, [init], states_out, final_state.
  int64_t iInit = hasInit ? 2 : -1, iOut = 2 + hasInit, iFinal = iOut + 1;
  KernelRecipe r;
  r.block = {T, 1, 1};
  r.grid = [](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    Value pn = h.imul(h.dim(ops[0], 3), h.dim(ops[0], 4));
    return SmallVector<Value, 3>{h.ceilDiv(pn, T), h.dim(ops[0], 2),
                                 h.dim(ops[0], 0)};
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args, ValueRange) {
    GPUEmitter e(ob, loc);
    Value states = args[0], cum = args[1], statesOut = args[iOut],
          finalState = args[iFinal];
    Value o = e.iadd(e.imul(ix(e, gpu::Dimension::x), e.c(T)), e.threadId());
    Value h = ix(e, gpu::Dimension::y), b = ix(e, gpu::Dimension::z);
    Value nChunks = e.dim(states, 1), N = e.dim(states, 4);
    Value pn = e.imul(e.dim(states, 3), N);
    e.ifThen(e.ult(o, pn), [&] {
      Value p = e.idiv(o, N), n = e.irem(o, N);
      Value s = hasInit ? e.load(args[iInit], {b, h, p, n}) : e.f(0.0);
      s = e.forRangeIter(e.c(0), nChunks, e.c(1), {s},
                    [&](Value c, ValueRange it) -> SmallVector<Value> {
                      // Read before writing: states_out may alias states.
                      Value own = e.load(states, {b, c, h, p, n});
                      e.store(it[0], statesOut, {b, c, h, p, n});
                      Value decay =
                          e.exp(e.load(cum, {b, h, c, e.c(chunk - 1)}));
                      return {e.fma(decay, it[0], own)};
                    })[0];
      e.store(s, finalState, {b, h, p, n});
    });
    return success();
  };
  return r;
}

//===----------------------------------------------------------------------===//
// Stage 4
//===----------------------------------------------------------------------===//

struct ScanTiles {
  int64_t ti, tj;
};

int64_t scanSharedBytes(ScanTiles t, int64_t P, int64_t N) {
  return 4 * (t.ti * N + t.tj * (N + 1) + t.tj * P + t.ti * t.tj + t.ti +
              2 * t.tj);
}

ScanTiles chooseScanTiles(int64_t P, int64_t N, int64_t sharedBudget) {
  for (ScanTiles t : {ScanTiles{16, 32}, ScanTiles{16, 16},
                      ScanTiles{8, 16}, ScanTiles{8, 8}})
    if (scanSharedBytes(t, P, N) <= sharedBudget)
      return t;
  return {4, 4};
}

KernelRecipe chunkScanRecipe(MLIRContext *ctx, int64_t chunk, int64_t P,
                             int64_t N, int64_t sharedBudget) {
  constexpr int64_t T = kScanThreads;
  ScanTiles tiles = chooseScanTiles(P, N, sharedBudget);
  const int64_t ti = tiles.ti, tj = tiles.tj;
  const int64_t R = (ti * P + T - 1) / T; // outputs per thread per row tile
  KernelRecipe r;
  r.block = {T, 1, 1};
  // B rows padded to N + 1: the C.B products read B[jj, n] with jj along
  // the warp, which would otherwise hit one shared-memory bank 32 times.
  const int64_t ldB = N + 1;
  r.workgroup = {sharedF32(ctx, ti * N), sharedF32(ctx, tj * ldB),
                 sharedF32(ctx, tj * P), sharedF32(ctx, ti * tj),
                 sharedF32(ctx, ti),     sharedF32(ctx, tj),
                 sharedF32(ctx, tj)};
  // x, C, B, dt, dA_cumsum, states, D, y.
  r.grid = [=](OpBuilder &hb, Location loc, ValueRange ops) {
    return chunkGrid(hb, loc, ops[0], ops[0], 2, chunk);
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args,
               ValueRange shared) {
    GPUEmitter e(ob, loc);
    Value x = args[0], cMat = args[1], bMat = args[2], dt = args[3],
          cum = args[4], states = args[5], dSkip = args[6], y = args[7];
    Value cs = shared[0], bs = shared[1], xs = shared[2], m = shared[3],
          cumI = shared[4], cumJ = shared[5], dtJ = shared[6];
    Value h = ix(e, gpu::Dimension::x), c = ix(e, gpu::Dimension::y),
          b = ix(e, gpu::Dimension::z), tid = e.threadId();
    Value seq = e.dim(x, 1), heads = e.dim(x, 2), groups = e.dim(bMat, 2);
    Value g = e.idiv(h, e.idiv(heads, groups));
    Value q = e.c(chunk), s0 = e.imul(c, q), last = e.c(chunk - 1);
    Value len = e.imin(q, e.isub(seq, s0));
    Value cT = e.c(T), cP = e.c(P), cN = e.c(N), cTi = e.c(ti), cTj = e.c(tj);
    Value zero = e.c(0), one = e.c(1);
    Value dh = e.load(dSkip, {h});

    e.forRange(zero, len, cTi, [&](Value i0) {
      // -- this row tile's C rows and cumulative sums -----------------------
      e.barrier(); // the previous row tile is done with cs/cumI
      e.forRange(tid, e.c(ti * N), cT, [&](Value el) {
        Value i = e.iadd(i0, e.idiv(el, cN)), n = e.irem(el, cN);
        Value v = ifElse(
            e, e.ult(i, len),
            [&] { return e.load(cMat, {b, e.iadd(s0, i), g, n}); },
            [&] { return e.f(0.0); });
        e.store(v, cs, {el});
      });
      e.forRange(tid, cTi, cT, [&](Value ii) {
        e.store(e.load(cum, {b, h, c, e.imin(e.iadd(i0, ii), last)}), cumI,
                {ii});
      });
      e.barrier();

      // The outputs (row ii, column p) this thread owns.
      SmallVector<Value> iir, pr, valid;
      for (int64_t k = 0; k < R; ++k) {
        Value o = e.iadd(e.c(k * T), tid);
        Value oc = e.imin(o, e.c(ti * P - 1));
        iir.push_back(e.idiv(oc, cP));
        pr.push_back(e.irem(oc, cP));
        valid.push_back(e.andi(e.ult(o, e.c(ti * P)),
                               e.ult(e.iadd(i0, iir.back()), len)));
      }

      // -- carried-in state: exp(cum_i) * (C_i . state[p, :]) ---------------
      SmallVector<Value> acc = e.forRangeIter(
          zero, cN, one, SmallVector<Value>(R, e.f(0.0)),
          [&](Value n, ValueRange a) -> SmallVector<Value> {
            SmallVector<Value> next;
            for (int64_t k = 0; k < R; ++k)
              next.push_back(
                  e.fma(e.load(cs, {e.iadd(e.imul(iir[k], cN), n)}),
                        e.load(states, {b, c, h, pr[k], n}), a[k]));
            return next;
          });
      for (int64_t k = 0; k < R; ++k)
        acc[k] = e.mul(acc[k], e.exp(e.load(cumI, {iir[k]})));

      // -- intra-chunk: sum_{j <= i} (C_i.B_j) exp(cum_i - cum_j) dt_j x_j ---
      Value jEnd = e.imin(e.iadd(i0, cTi), len);
      acc = e.forRangeIter(
          zero, jEnd, cTj, acc,
          [&](Value j0, ValueRange a) -> SmallVector<Value> {
            e.barrier(); // the previous column tile is consumed
            e.forRange(tid, e.c(tj * N), cT, [&](Value el) {
              Value jj = e.idiv(el, cN), n = e.irem(el, cN);
              Value j = e.iadd(j0, jj);
              Value v = ifElse(
                  e, e.ult(j, len),
                  [&] { return e.load(bMat, {b, e.iadd(s0, j), g, n}); },
                  [&] { return e.f(0.0); });
              e.store(v, bs, {e.iadd(e.imul(jj, e.c(ldB)), n)});
            });
            e.forRange(tid, e.c(tj * P), cT, [&](Value el) {
              Value j = e.iadd(j0, e.idiv(el, cP)), p = e.irem(el, cP);
              Value v = ifElse(
                  e, e.ult(j, len),
                  [&] { return e.load(x, {b, e.iadd(s0, j), h, p}); },
                  [&] { return e.f(0.0); });
              e.store(v, xs, {el});
            });
            e.forRange(tid, cTj, cT, [&](Value jj) {
              Value j = e.iadd(j0, jj);
              e.store(e.load(cum, {b, h, c, e.imin(j, last)}), cumJ, {jj});
              Value d = ifElse(
                  e, e.ult(j, len),
                  [&] { return e.load(dt, {b, e.iadd(s0, j), h}); },
                  [&] { return e.f(0.0); });
              e.store(d, dtJ, {jj});
            });
            e.barrier();
            // m[ii, jj] = (C_i . B_j) exp(cum_i - cum_j) dt_j for j <= i.
            e.forRange(tid, e.c(ti * tj), cT, [&](Value el) {
              Value ii = e.idiv(el, cTj), jj = e.irem(el, cTj);
              Value dot = e.forRangeIter(
                  zero, cN, one, {e.f(0.0)},
                  [&](Value n, ValueRange d) -> SmallVector<Value> {
                    return {e.fma(e.load(cs, {e.iadd(e.imul(ii, cN), n)}),
                                  e.load(bs, {e.iadd(e.imul(jj, e.c(ldB)), n)}),
                                  d[0])};
                  })[0];
              Value causal = e.icmp(arith::CmpIPredicate::ule,
                                    e.iadd(j0, jj), e.iadd(i0, ii));
              Value decay =
                  e.exp(e.sub(e.load(cumI, {ii}), e.load(cumJ, {jj})));
              Value v = e.mul(e.mul(dot, decay), e.load(dtJ, {jj}));
              e.store(e.select(causal, v, e.f(0.0)), m, {el});
            });
            e.barrier();
            return e.forRangeIter(
                zero, cTj, one, a,
                [&](Value jj, ValueRange a2) -> SmallVector<Value> {
                  SmallVector<Value> next;
                  for (int64_t k = 0; k < R; ++k)
                    next.push_back(e.fma(
                        e.load(m, {e.iadd(e.imul(iir[k], cTj), jj)}),
                        e.load(xs, {e.iadd(e.imul(jj, cP), pr[k])}), a2[k]));
                  return next;
                });
          });

      // -- y = acc + D x ------------------------------------------------------
      for (int64_t k = 0; k < R; ++k)
        e.ifThen(valid[k], [&] {
          Value s = e.iadd(s0, e.iadd(i0, iir[k]));
          Value xv = e.load(x, {b, s, h, pr[k]});
          e.store(e.fma(dh, xv, acc[k]), y, {b, s, h, pr[k]});
        });
    });
    return success();
  };
  return r;
}

//===----------------------------------------------------------------------===//
// Decode
//===----------------------------------------------------------------------===//

KernelRecipe stateUpdateRecipe(double dtMin, double dtMax, int64_t W) {
  constexpr int64_t T = kScanThreads;
  const int64_t warps = T / W;
  KernelRecipe r;
  r.block = {T, 1, 1};
  // x, dt, dt_bias, A_log, B, C, D, state, y.
  r.grid = [](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    return SmallVector<Value, 3>{h.dim(ops[0], 1), h.dim(ops[0], 0), h.c(1)};
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args, ValueRange) {
    GPUEmitter e(ob, loc);
    Value x = args[0], dt = args[1], dtBias = args[2], aLog = args[3],
          bMat = args[4], cMat = args[5], dSkip = args[6], state = args[7],
          y = args[8];
    Value h = ix(e, gpu::Dimension::x), b = ix(e, gpu::Dimension::y);
    Value tid = e.threadId(), warp = e.idiv(tid, e.c(W)),
          lane = e.irem(tid, e.c(W));
    Value heads = e.dim(x, 1), headDim = e.dim(x, 2);
    Value groups = e.dim(bMat, 1), stateDim = e.dim(bMat, 2);
    Value g = e.idiv(h, e.idiv(heads, groups));
    Value delta =
        timeStep(e, e.load(dt, {b, h}), e.load(dtBias, {h}), dtMin, dtMax);
    Value decay = e.exp(e.mul(delta, e.neg(e.exp(e.load(aLog, {h})))));
    Value dh = e.load(dSkip, {h});
    // state' = decay * state + dt x B^T (in place); y = state' C + D x.
    e.forRange(warp, headDim, e.c(warps), [&](Value p) {
      Value xp = e.load(x, {b, h, p});
      Value xdt = e.mul(xp, delta);
      Value part =
          e.forRangeIter(lane, stateDim, e.c(W), {e.f(0.0)},
                    [&](Value n, ValueRange it) -> SmallVector<Value> {
                      Value upd = e.fma(decay, e.load(state, {b, h, p, n}),
                                        e.mul(xdt, e.load(bMat, {b, g, n})));
                      e.store(upd, state, {b, h, p, n});
                      return {e.fma(upd, e.load(cMat, {b, g, n}), it[0])};
                    })[0];
      Value sum = e.warpReduceSum(part);
      e.ifThen(e.icmp(arith::CmpIPredicate::eq, lane, e.c(0)),
               [&] { e.store(e.fma(dh, xp, sum), y, {b, h, p}); });
    });
    return success();
  };
  return r;
}

} // namespace

FailureOr<KernelRecipe> gpukernels::getSSDRecipe(Operation *op,
                                               const GPUTargetInfo &target) {
  MLIRContext *ctx = op->getContext();
  auto chunkCheck = [&](int64_t chunk) -> LogicalResult {
    if (chunk > kMaxDim)
      return op->emitOpError()
             << target.vendorName() << " lowering supports chunk_size up to "
             << kMaxDim << ", got " << chunk;
    return success();
  };
  if (auto s = dyn_cast<tile::SSDChunkCumsumOp>(op))
    return cumsumRecipe(s.getChunkSize(), s.getDtMin().convertToDouble(),
                        s.getDtMax().convertToDouble());
  if (auto s = dyn_cast<tile::SSDChunkStateOp>(op)) {
    FailureOr<int64_t> P = staticDim(target, op, s.getX(), 3, "head dim", kMaxDim);
    if (failed(P))
      return failure();
    FailureOr<int64_t> N = staticDim(target, op, s.getB(), 3, "state dim", kMaxDim);
    if (failed(N) || failed(chunkCheck(s.getChunkSize())))
      return failure();
    return chunkStateRecipe(ctx, s.getChunkSize(), *P, *N,
                            target.sharedBudgetBytes);
  }
  if (auto s = dyn_cast<tile::SSDStatePassingOp>(op))
    return statePassingRecipe(s.getChunkSize(), s.getInit() != nullptr);
  if (auto s = dyn_cast<tile::SSDChunkScanOp>(op)) {
    FailureOr<int64_t> P = staticDim(target, op, s.getX(), 3, "head dim", kMaxDim);
    if (failed(P))
      return failure();
    FailureOr<int64_t> N = staticDim(target, op, s.getB(), 3, "state dim", kMaxDim);
    if (failed(N) || failed(chunkCheck(s.getChunkSize())))
      return failure();
    return chunkScanRecipe(ctx, s.getChunkSize(), *P, *N,
                           target.sharedBudgetBytes);
  }
  if (auto s = dyn_cast<tile::SSDStateUpdateOp>(op))
    return stateUpdateRecipe(s.getDtMin().convertToDouble(),
                             s.getDtMax().convertToDouble(), target.warpSize);
  return op->emitOpError() << "has no " << target.vendorName() << " lowering";
}
