//===- SSDKernels.cpp - x86 emitters: Mamba2 SSD scan (chunked and decode) -===//
//
// Part of convert-tile-to-x86: the selective-state-space scan
// of a Mamba2 mixer in mamba_ssm's four-stage chunked form (prefill) and the
// one-step recurrent form (decode). With a_t = dt_t * A (A < 0) and, inside a
// chunk of Q steps, cum_i = a_0 + ... + a_i:
//
//   1. cumsum:   dt = clamp(softplus(dt + dt_bias)), cum per chunk;
//   2. states:   the state each chunk produces from zero,
//                sum_i exp(cum_last - cum_i) dt_i x_i B_i^T       [P x N];
//   3. passing:  the state entering each chunk (sequential over chunks);
//   4. scan:     y_i = sum_{j<=i} (C_i.B_j) exp(cum_i - cum_j) dt_j x_j
//                    + exp(cum_i) state_in C_i + D x_i.
//
// Stages 2 and 4 are small GEMMs per (batch, chunk, head). Both are written
// as "broadcast a scalar of one operand, FMA with a vector row of the other"
// register blocks (MR rows x NV vectors of accumulators, no horizontal
// reductions), vectorised along the contiguous dimension of the output:
// N for the chunk states, P for y. Their operands are first packed into
// scratch rows with a padded leading dimension (the chunk's rows of x, B, C
// sit 4 KiB..32 KiB apart in the projection output, which would alias in L1);
// B and C are packed once per group and shared by its heads, as is C.B. For
// y the carried-in state is transposed (8x8 in-register tiles) into an
// [N, P] scratch so that its term has the same broadcast-FMA form.
//
// Exponentials stay out of the O(Q^2) work: the decay exp(cum_i - cum_j) of
// stage 4 is factored per block of T = vectorWidth steps as
//     exp(cum_i - cum_I0) * exp(cum_I0 - cum_J1) * exp(cum_J1 - cum_j)
// (I0: first step of i's block, J1: last step of j's block, j's block before
// i's), each factor <= 1 so nothing overflows; only the diagonal blocks take
// one (vectorised, masked) exp per element. Exps in the hot loops use
// Emitter::fastExp (polynomial, vectorises) instead of one libm call per lane.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera::x86;

namespace {

// Register blocks of the stage 2 and 4 GEMMs: SSDTiling's rows x vectors of
// accumulators, from the op's lowering config (default 4 x 2: with 8-wide
// AVX2 vectors, 8 accumulators, 2 row loads and a broadcast per step).
// C.B dot-product block (emitDotBlock): rows of C x rows of B, along N.
constexpr int64_t kDotM = 3, kDotN = 4;

// -- width-generic helpers: width 1 means plain f32 scalars ------------------
Value lane(Emitter &e, Value v, int64_t l) {
  if (!isa<VectorType>(v.getType()))
    return v;
  return vector::ExtractOp::create(e.builder(), e.location(), v, l);
}

/// clamp(softplus(raw + bias), lo, hi), bounds left out when infinite.
Value timeStep(Emitter &e, Value raw, Value bias, double lo, double hi,
               int64_t w) {
  Value dt = e.softplus(e.add(raw, bias));
  if (!std::isinf(lo))
    dt = e.max(dt, e.constW(lo, w));
  if (!std::isinf(hi))
    dt = e.min(dt, e.constW(hi, w));
  return dt;
}

/// Column blocks of [0, n): blocks of `nv` vectors, then single vectors, then
/// scalars; fn(col0, nvecs, width).
void forColumnBlocks(Emitter &e, Value n, int64_t nv,
                     const std::function<void(Value, int64_t, int64_t)> &fn) {
  int64_t vw = e.vectorWidth();
  Value done = e.c(0);
  if (nv > 1) {
    Value end = e.floorTo(n, nv * vw);
    e.forRange(done, end, e.c(nv * vw), [&](Value c0) { fn(c0, nv, vw); });
    done = end;
  }
  if (vw > 1) {
    Value end = e.floorTo(n, vw);
    e.forRange(done, end, e.c(vw), [&](Value c0) { fn(c0, 1, vw); });
    done = end;
  }
  e.forRange(done, n, [&](Value c0) { fn(c0, 1, 1); });
}

/// Row blocks of [lb, ub) (ub >= lb): blocks of `mr` rows, then single rows.
void forRowBlocks(Emitter &e, Value lb, Value ub, int64_t mr,
                  const std::function<void(Value, int64_t)> &fn) {
  Value fullEnd = e.iadd(lb, e.floorTo(e.isub(ub, lb), mr));
  e.forRange(lb, fullEnd, e.c(mr), [&](Value r0) { fn(r0, mr); });
  if (mr > 1)
    e.forRange(fullEnd, ub, [&](Value r0) { fn(r0, 1); });
}

/// acc[r * nv + k] += a(r, t) * bv(t, k) for t in [lb, ub): a register block
/// of mr x nv accumulators of width w, one broadcast per row and one vector
/// load per column vector each step.
SmallVector<Value>
broadcastGemm(Emitter &e, Value lb, Value ub, ValueRange init, int64_t mr,
              int64_t nv, int64_t w,
              const std::function<Value(int64_t, Value)> &a,
              const std::function<Value(Value, int64_t)> &bv) {
  return e.forRangeIter(
      lb, ub, e.c(1), init, [&](Value t, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> cols, next;
        for (int64_t k = 0; k < nv; ++k)
          cols.push_back(bv(t, k));
        for (int64_t r = 0; r < mr; ++r) {
          Value ar = e.broadcastW(a(r, t), w);
          for (int64_t k = 0; k < nv; ++k)
            next.push_back(e.fma(ar, cols[k], acc[r * nv + k]));
        }
        return next;
      });
}

SmallVector<Value> zeros(Emitter &e, int64_t n, int64_t w) {
  return SmallVector<Value>(n, e.constW(0.0, w));
}

/// Leading dimension for a packed [rows, n] f32 scratch: n rounded up to an
/// odd number of 64-byte lines, so that the rows of a column panel spread
/// over all L1 sets instead of aliasing (the operands' own row strides are
/// multiples of 4 KiB in Nemotron-H).
Value paddedLd(Emitter &e, Value n) {
  Value lines = e.ceilDiv(n, 16);
  Value odd = e.iadd(e.imul(e.idiv(lines, e.c(2)), e.c(2)), e.c(1));
  return e.imul(odd, e.c(16));
}

/// dst[i, 0:n] = src(i)[0:n] for i in [0, rows): vector copies of rows.
void packRows(Emitter &e, Value rows, Value n, Value dst,
              const std::function<SmallVector<Value>(Value)> &srcIdx,
              Value src) {
  e.forRange(e.c(0), rows, [&](Value i) {
    SmallVector<Value> base = srcIdx(i);
    e.forVectorized(e.c(0), n, [&](Value k, int64_t w) {
      SmallVector<Value> idx(base);
      idx.push_back(k);
      e.storeW(e.loadW(src, idx, w), dst, {i, k});
    });
  });
}

/// In-register transpose of a k x k tile (k a power of two): log2(k) rounds
/// of two-source shuffles, each swapping the off-diagonal h x h blocks.
SmallVector<Value> transposeTile(Emitter &e, SmallVector<Value> rows) {
  int64_t k = static_cast<int64_t>(rows.size());
  for (int64_t h = k / 2; h >= 1; h /= 2) {
    SmallVector<int64_t> lo(k), hi(k);
    for (int64_t c = 0; c < k; ++c) {
      lo[c] = (c & h) ? k + c - h : c;
      hi[c] = (c & h) ? k + c : c + h;
    }
    for (int64_t r = 0; r < k; ++r) {
      if (r & h)
        continue;
      Value a = rows[r], b = rows[r + h];
      OpBuilder &ob = e.builder();
      rows[r] = vector::ShuffleOp::create(ob, e.location(), a, b,
                                          ob.getDenseI64ArrayAttr(lo));
      rows[r + h] = vector::ShuffleOp::create(ob, e.location(), a, b,
                                              ob.getDenseI64ArrayAttr(hi));
    }
  }
  return rows;
}

/// A vector<w x i32> constant [0, 1, ..., w-1] and a broadcast i32 of an index.
Value iotaI32(Emitter &e, int64_t w) {
  SmallVector<int32_t> v(w);
  for (int64_t l = 0; l < w; ++l)
    v[l] = static_cast<int32_t>(l);
  auto t = VectorType::get({w}, e.builder().getI32Type());
  return arith::ConstantOp::create(e.builder(), e.location(),
                                   DenseElementsAttr::get(t, ArrayRef(v)));
}
Value broadcastI32(Emitter &e, Value index, int64_t w) {
  OpBuilder &ob = e.builder();
  Value s = arith::IndexCastOp::create(ob, e.location(), ob.getI32Type(), index);
  return vector::BroadcastOp::create(
      ob, e.location(), VectorType::get({w}, ob.getI32Type()), s);
}

/// Sizes of the chunked-scan operands.
struct ScanDims {
  Value batch, seq, heads, headDim, groups, stateDim, headsPerGroup, nChunks;
  ScanDims(Emitter &e, Value x, Value bMat, int64_t chunk) {
    batch = e.dim(x, 0);
    seq = e.dim(x, 1);
    heads = e.dim(x, 2);
    headDim = e.dim(x, 3);
    groups = e.dim(bMat, 2);
    stateDim = e.dim(bMat, 3);
    headsPerGroup = e.idiv(heads, groups);
    nChunks = e.ceilDiv(seq, chunk);
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Stage 1: dt and the per-chunk cumulative log-decay
//===----------------------------------------------------------------------===//

void mlir::tessera::x86::emitSSDChunkCumsum(Emitter &e, Value dt, Value dtBias,
                                            Value aLog, Value dtOut,
                                            Value dACumsum, int64_t chunk,
                                            double dtMin, double dtMax) {
  Value batch = e.dim(dt, 0), seq = e.dim(dt, 1), heads = e.dim(dt, 2);
  Value nChunks = e.ceilDiv(seq, chunk);
  Value q = e.c(chunk);
  // Vectorised over heads (dt's contiguous dimension); the running sum of
  // each head stays in a register along the chunk.
  e.forRange(e.c(0), batch, [&](Value b) {
    e.forVectorized(e.c(0), heads, [&](Value h0, int64_t w) {
      Value a = e.neg(e.exp(e.loadW(aLog, {h0}, w)));
      Value bias = e.loadW(dtBias, {h0}, w);
      SmallVector<Value> lanes;
      for (int64_t l = 0; l < w; ++l)
        lanes.push_back(e.iadd(h0, e.c(l)));
      e.forRange(e.c(0), nChunks, [&](Value c) {
        Value s0 = e.imul(c, q);
        Value len = e.imin(q, e.isub(seq, s0));
        Value cum = e.forRangeIter(
            e.c(0), len, e.c(1), {e.constW(0.0, w)},
            [&](Value i, ValueRange it) -> SmallVector<Value> {
              Value s = e.iadd(s0, i);
              Value d = timeStep(e, e.loadW(dt, {b, s, h0}, w), bias, dtMin,
                                 dtMax, w);
              e.storeW(d, dtOut, {b, s, h0});
              Value next = e.fma(d, a, it[0]);
              for (int64_t l = 0; l < w; ++l)
                e.store(lane(e, next, l), dACumsum, {b, lanes[l], c, i});
              return {next};
            })[0];
        // Past the end of the sequence: the last valid value.
        e.forRange(len, q, [&](Value i) {
          for (int64_t l = 0; l < w; ++l)
            e.store(lane(e, cum, l), dACumsum, {b, lanes[l], c, i});
        });
      });
    });
  });
}

//===----------------------------------------------------------------------===//
// Stage 2: chunk states
//===----------------------------------------------------------------------===//

void mlir::tessera::x86::emitSSDChunkState(Emitter &e, Value x, Value bMat,
                                           Value dtOut, Value dACumsum,
                                           Value states, int64_t chunk,
                                           const SSDTiling &tiling) {
  const int64_t kMR = tiling.rows, kNV = tiling.vectors;
  ScanDims d(e, x, bMat, chunk);
  Value q = e.c(chunk), last = e.c(chunk - 1), zero = e.c(0);
  // Packed operands of the per-head GEMM states[P, N] = xs^T [P, Q] bp [Q, N]:
  // bp = the chunk's rows of B (per group, shared by its heads),
  // xs[i, p] = exp(cum_last - cum_i) * dt_i * x[i, p] (per head).
  // (batch, chunk, group) iterations are independent (threads): each owns
  // its scratch.
  Value ldN = paddedLd(e, d.stateDim), ldP = paddedLd(e, d.headDim);
  e.forParallel({zero, zero, zero}, {d.batch, d.nChunks, d.groups},
                [&](ValueRange iv) {
      Value b = iv[0], c = iv[1], g = iv[2];
      Value bp = e.alloc({chunk, ShapedType::kDynamic}, {ldN});
      Value xs = e.alloc({chunk, ShapedType::kDynamic}, {ldP});
      Value s0 = e.imul(c, q);
      Value len = e.imin(q, e.isub(d.seq, s0));
      {
        packRows(e, len, d.stateDim, bp, [&](Value i) {
          return SmallVector<Value>{b, e.iadd(s0, i), g};
        }, bMat);
        e.forRange(zero, d.headsPerGroup, [&](Value hh) {
          Value h = e.iadd(e.imul(g, d.headsPerGroup), hh);
          Value cumLast = e.load(dACumsum, {b, h, c, last});
          e.forRange(zero, len, [&](Value i) {
            Value s = e.iadd(s0, i);
            Value scale = e.mul(
                e.fastExp(e.sub(cumLast, e.load(dACumsum, {b, h, c, i}))),
                e.load(dtOut, {b, s, h}));
            e.forVectorized(zero, d.headDim, [&](Value p, int64_t w) {
              e.storeW(e.mul(e.loadW(x, {b, s, h, p}, w), e.broadcastW(scale, w)), xs,
                  {i, p});
            });
          });
          // A column panel of bp (len x NV vectors) stays in L1 across the
          // row blocks.
          forColumnBlocks(e, d.stateDim, kNV, [&](Value n0, int64_t nv,
                                                  int64_t w) {
            SmallVector<Value> cols;
            for (int64_t k = 0; k < nv; ++k)
              cols.push_back(e.iadd(n0, e.c(k * w)));
            forRowBlocks(e, zero, d.headDim, kMR, [&](Value p0, int64_t mr) {
              SmallVector<Value> rows;
              for (int64_t r = 0; r < mr; ++r)
                rows.push_back(e.iadd(p0, e.c(r)));
              SmallVector<Value> acc = broadcastGemm(
                  e, zero, len, zeros(e, mr * nv, w), mr, nv, w,
                  [&](int64_t r, Value i) { return e.load(xs, {i, rows[r]}); },
                  [&](Value i, int64_t k) {
                    return e.loadW(bp, {i, cols[k]}, w);
                  });
              for (int64_t r = 0; r < mr; ++r)
                for (int64_t k = 0; k < nv; ++k)
                  e.storeW(acc[r * nv + k], states,
                      {b, c, h, rows[r], cols[k]});
            });
          });
        });
      }
      e.dealloc(xs);
      e.dealloc(bp);
  });
}

//===----------------------------------------------------------------------===//
// Stage 3: state passing
//===----------------------------------------------------------------------===//

void mlir::tessera::x86::emitSSDStatePassing(Emitter &e, Value states,
                                             Value dACumsum, Value init,
                                             Value statesIn, Value finalState,
                                             Value seqLen, int64_t chunk) {
  Value batch = e.dim(states, 0), heads = e.dim(states, 2);
  Value headDim = e.dim(states, 3), stateDim = e.dim(states, 4);
  Value nChunks = e.ceilDiv(seqLen, chunk);
  Value last = e.c(chunk - 1);
  // Decay across each chunk of the current (batch, head).
  // (batch, head) iterations are independent (threads).
  e.forParallel({e.c(0), e.c(0)}, {batch, heads}, [&](ValueRange iv) {
    Value b = iv[0], h = iv[1];
    Value decay = e.alloc({ShapedType::kDynamic}, {nChunks});
    {
      e.forRange(e.c(0), nChunks, [&](Value c) {
        e.store(e.exp(e.load(dACumsum, {b, h, c, last})), decay, {c});
      });
      // The state vector is carried through the chunks in a register.
      e.forRange(e.c(0), headDim, [&](Value p) {
        e.forVectorized(e.c(0), stateDim, [&](Value n, int64_t w) {
          Value s = init ? e.loadW(init, {b, h, p, n}, w) : e.constW(0.0, w);
          s = e.forRangeIter(
              e.c(0), nChunks, e.c(1), {s},
              [&](Value c, ValueRange it) -> SmallVector<Value> {
                // Read before writing: statesIn may alias states.
                Value own = e.loadW(states, {b, c, h, p, n}, w);
                e.storeW(it[0], statesIn, {b, c, h, p, n});
                return {e.fma(e.broadcastW(e.load(decay, {c}), w), it[0], own)};
              })[0];
          e.storeW(s, finalState, {b, h, p, n});
        });
      });
    }
    e.dealloc(decay);
  });
}

//===----------------------------------------------------------------------===//
// Stage 4: chunk scan (output)
//===----------------------------------------------------------------------===//

void mlir::tessera::x86::emitSSDChunkScan(Emitter &e, Value x, Value bMat,
                                          Value cMat, Value dtOut,
                                          Value dACumsum, Value statesIn,
                                          Value dSkip, Value y,
                                          int64_t chunk,
                                          const SSDTiling &tiling) {
  const int64_t kMR = tiling.rows, kNV = tiling.vectors;
  ScanDims d(e, x, bMat, chunk);
  const int64_t vw = e.vectorWidth();
  const int64_t T = vw;                         // decay factorisation block
  const int64_t qPad = (chunk + T - 1) / T * T; // chunk in whole blocks
  const int64_t nBlocks = qPad / T;
  Value q = e.c(chunk), cT = e.c(T), zero = e.c(0), one = e.c(1);
  Value lastStep = e.c(chunk - 1);

  // (batch, chunk, group) iterations are independent (threads): each owns
  // its scratch, reused for the group's heads.
  Value ldN = paddedLd(e, d.stateDim), ldP = paddedLd(e, d.headDim);
  e.forParallel({zero, zero, zero}, {d.batch, d.nChunks, d.groups},
                [&](ValueRange iv) {
      Value b = iv[0], c = iv[1], g = iv[2];
  Value bp = e.alloc({chunk, ShapedType::kDynamic}, {ldN}); // B rows (group)
  Value cp = e.alloc({chunk, ShapedType::kDynamic}, {ldN}); // C rows (group)
  Value cb = e.alloc({qPad, qPad}, {}); // C_i . B_j (group)
  Value m = e.alloc({qPad, qPad}, {});  // intra-chunk matrix (head)
  Value xp = e.alloc({chunk, ShapedType::kDynamic}, {ldP}); // x rows (head)
  Value st = e.alloc({ShapedType::kDynamic, ShapedType::kDynamic},
                     {d.stateDim, ldP}); // state_in transposed [N, P]
  Value cumBuf = e.alloc({qPad}, {}); // cum_j (past the chunk: cum_last)
  Value dtBuf = e.alloc({qPad}, {});  // dt_j (past the sequence: 0)
  Value tdt = e.alloc({qPad}, {});    // exp(cum_J1 - cum_j) * dt_j
  Value expCum = e.alloc({qPad}, {}); // exp(cum_i)
  Value wBlk = e.alloc({nBlocks}, {}); // exp(cum_I0 - cum_J1), J < I
  // cb's lanes past a row's causal range are read (and masked) by the
  // vector diagonal blocks: keep them finite.
  e.forRange(zero, e.c(qPad), [&](Value i) {
    e.forVectorized(zero, e.c(qPad), [&](Value j, int64_t w) {
      e.storeW(e.constW(0.0, w), cb, {i, j});
    });
  });
      Value s0 = e.imul(c, q);
      Value len = e.imin(q, e.isub(d.seq, s0));
      {
        auto rowOf = [&](Value i) {
          return SmallVector<Value>{b, e.iadd(s0, i), g};
        };
        packRows(e, len, d.stateDim, bp, rowOf, bMat);
        packRows(e, len, d.stateDim, cp, rowOf, cMat);

        // -- cb[i, j] = C_i . B_j for j < (end of i's row block) ------------
        auto dotBlock = [&](Value i0, Value j0, int64_t mr, int64_t nr) {
          SmallVector<Value> ci, bj;
          for (int64_t r = 0; r < mr; ++r)
            ci.push_back(e.iadd(i0, e.c(r)));
          for (int64_t k = 0; k < nr; ++k)
            bj.push_back(e.iadd(j0, e.c(k)));
          SmallVector<Value> sums = emitDotBlock(e, cp, ci, bp, bj, d.stateDim);
          for (int64_t r = 0; r < mr; ++r)
            for (int64_t k = 0; k < nr; ++k)
              e.store(sums[r * nr + k], cb, {ci[r], bj[k]});
        };
        forRowBlocks(e, zero, len, kDotM, [&](Value i0, int64_t mr) {
          forRowBlocks(e, zero, e.iadd(i0, e.c(mr)), kDotN,
                       [&](Value j0, int64_t nr) { dotBlock(i0, j0, mr, nr); });
        });

        e.forRange(zero, d.headsPerGroup, [&](Value hh) {
          Value h = e.iadd(e.imul(g, d.headsPerGroup), hh);
          Value dh = dSkip ? e.load(dSkip, {h}) : e.f(0.0);

          // -- per-step vectors ----------------------------------------------
          e.forRange(zero, e.c(qPad), [&](Value j) {
            e.store(e.load(dACumsum, {b, h, c, e.imin(j, lastStep)}), cumBuf,
                    {j});
          });
          e.forRange(zero, len, [&](Value j) {
            e.store(e.load(dtOut, {b, e.iadd(s0, j), h}), dtBuf, {j});
          });
          e.forRange(len, e.c(qPad),
                     [&](Value j) { e.store(e.f(0.0), dtBuf, {j}); });
          e.forRange(zero, e.c(qPad), cT, [&](Value j0) {
            Value cumV = e.loadW(cumBuf, {j0}, T);
            Value blockLast = e.load(cumBuf, {e.iadd(j0, e.c(T - 1))});
            Value decay = e.fastExp(e.sub(e.broadcastW(blockLast, T), cumV));
            e.storeW(e.mul(decay, e.loadW(dtBuf, {j0}, T)), tdt, {j0});
            e.storeW(e.fastExp(cumV), expCum, {j0});
          });

          // -- m[i, j] = cb[i, j] exp(cum_i - cum_j) dt_j (+ D on the
          //    diagonal), zero after the diagonal up to the end of i's block
          e.forRange(zero, len, cT, [&](Value i0) {
            Value cumI0 = e.load(cumBuf, {i0});
            e.forRange(zero, i0, cT, [&](Value j0) {
              Value cumJ1 = e.load(cumBuf, {e.iadd(j0, e.c(T - 1))});
              e.store(e.fastExp(e.sub(cumI0, cumJ1)), wBlk, {e.idiv(j0, cT)});
            });
            Value cumDiag = e.loadW(cumBuf, {i0}, T);
            Value dtDiag = e.loadW(dtBuf, {i0}, T);
            Value iota = T > 1 ? iotaI32(e, T) : Value();
            e.forRange(i0, e.imin(e.iadd(i0, cT), len), [&](Value i) {
              Value ci = e.load(cumBuf, {i});
              Value ui = e.fastExp(e.sub(ci, cumI0));
              // Blocks left of the diagonal: three factors, each <= 1.
              e.forRange(zero, i0, cT, [&](Value j0) {
                Value s = e.broadcastW(e.mul(ui, e.load(wBlk, {e.idiv(j0, cT)})), T);
                Value v = e.mul(e.mul(e.loadW(cb, {i, j0}, T), s),
                                e.loadW(tdt, {j0}, T));
                e.storeW(v, m, {i, j0});
              });
              // The diagonal block: exp per lane, masked to j <= i.
              Value v = e.mul(
                  e.mul(e.loadW(cb, {i, i0}, T),
                        e.fastExp(e.sub(e.broadcastW(ci, T), cumDiag))),
                  dtDiag);
              if (T == 1) {
                v = e.add(v, dh);
              } else {
                Value rel = broadcastI32(e, e.isub(i, i0), T);
                Value onDiag = e.icmp(arith::CmpIPredicate::eq, iota, rel);
                Value causal = e.icmp(arith::CmpIPredicate::sle, iota, rel);
                v = e.select(onDiag, e.add(v, e.broadcastW(dh, T)), v);
                v = e.select(causal, v, e.constW(0.0, T));
              }
              e.storeW(v, m, {i, i0});
              // GEMM row blocks reach past the diagonal block only when kMR
              // does not divide T.
              if (T % kMR != 0) {
                Value zEnd = e.imin(
                    len, e.imul(e.iadd(e.idiv(i, e.c(kMR)), one), e.c(kMR)));
                e.forRange(e.iadd(i0, cT), zEnd,
                           [&](Value j) { e.store(e.f(0.0), m, {i, j}); });
              }
            });
          });

          // -- packed x rows and the transposed carried-in state -------------
          packRows(e, len, d.headDim, xp, [&](Value j) {
            return SmallVector<Value>{b, e.iadd(s0, j), h};
          }, x);
          Value pTiles = vw > 1 ? e.floorTo(d.headDim, vw) : zero;
          Value nTiles = vw > 1 ? e.floorTo(d.stateDim, vw) : zero;
          if (vw > 1 && (vw & (vw - 1)) == 0) {
            e.forRange(zero, pTiles, e.c(vw), [&](Value p0) {
              e.forRange(zero, nTiles, e.c(vw), [&](Value n0) {
                SmallVector<Value> rows;
                for (int64_t r = 0; r < vw; ++r)
                  rows.push_back(e.vload(
                      statesIn, {b, c, h, e.iadd(p0, e.c(r)), n0}, vw));
                rows = transposeTile(e, rows);
                for (int64_t r = 0; r < vw; ++r)
                  e.vstore(rows[r], st, {e.iadd(n0, e.c(r)), p0});
              });
            });
          } else {
            pTiles = nTiles = zero;
          }
          auto copyState = [&](Value pLb, Value nLb, Value nUb) {
            e.forRange(pLb, d.headDim, [&](Value p) {
              e.forRange(nLb, nUb, [&](Value n) {
                e.store(e.load(statesIn, {b, c, h, p, n}), st, {n, p});
              });
            });
          };
          copyState(zero, nTiles, d.stateDim); // right of the tiles
          copyState(pTiles, zero, nTiles);     // below the tiles

          // -- y[i, p] = exp(cum_i) (C_i . st[:, p]) + sum_j m[i, j] x[j, p] -
          forColumnBlocks(e, d.headDim, kNV, [&](Value p0, int64_t nv,
                                                 int64_t w) {
            SmallVector<Value> cols;
            for (int64_t k = 0; k < nv; ++k)
              cols.push_back(e.iadd(p0, e.c(k * w)));
            forRowBlocks(e, zero, len, kMR, [&](Value i0, int64_t mr) {
              SmallVector<Value> rows;
              for (int64_t r = 0; r < mr; ++r)
                rows.push_back(e.iadd(i0, e.c(r)));
              SmallVector<Value> acc = broadcastGemm(
                  e, zero, d.stateDim, zeros(e, mr * nv, w), mr, nv, w,
                  [&](int64_t r, Value n) { return e.load(cp, {rows[r], n}); },
                  [&](Value n, int64_t k) {
                    return e.loadW(st, {n, cols[k]}, w);
                  });
              for (int64_t r = 0; r < mr; ++r) {
                Value sc = e.broadcastW(e.load(expCum, {rows[r]}), w);
                for (int64_t k = 0; k < nv; ++k)
                  acc[r * nv + k] = e.mul(acc[r * nv + k], sc);
              }
              acc = broadcastGemm(
                  e, zero, e.iadd(i0, e.c(mr)), acc, mr, nv, w,
                  [&](int64_t r, Value j) { return e.load(m, {rows[r], j}); },
                  [&](Value j, int64_t k) {
                    return e.loadW(xp, {j, cols[k]}, w);
                  });
              for (int64_t r = 0; r < mr; ++r)
                for (int64_t k = 0; k < nv; ++k)
                  e.storeW(acc[r * nv + k], y,
                      {b, e.iadd(s0, rows[r]), h, cols[k]});
            });
          });
        });
      }
      for (Value buf : {wBlk, expCum, tdt, dtBuf, cumBuf, st, xp, m, cb, cp, bp})
        e.dealloc(buf);
  });
}

//===----------------------------------------------------------------------===//
// Decode: one recurrent step
//===----------------------------------------------------------------------===//

void mlir::tessera::x86::emitSSDStateUpdate(
    Emitter &e, Value x, Value dt, Value dtBias, Value aLog, Value bMat,
    Value cMat, Value dSkip, Value stateIn, Value stateOut, Value y,
    double dtMin, double dtMax) {
  Value batch = e.dim(x, 0), heads = e.dim(x, 1), headDim = e.dim(x, 2);
  Value groups = e.dim(bMat, 1), stateDim = e.dim(bMat, 2);
  Value headsPerGroup = e.idiv(heads, groups);
  int64_t vw = e.vectorWidth();
  Value zero = e.c(0);
  // (batch, head) iterations are independent (threads).
  e.forParallel({zero, zero}, {batch, heads}, [&](ValueRange iv) {
    Value b = iv[0], h = iv[1];
    {
      Value g = e.idiv(h, headsPerGroup);
      Value delta = timeStep(e, e.load(dt, {b, h}), e.load(dtBias, {h}),
                             dtMin, dtMax, 1);
      Value a = e.neg(e.exp(e.load(aLog, {h})));
      Value decay = e.exp(e.mul(delta, a));
      Value dh = dSkip ? e.load(dSkip, {h}) : e.f(0.0);
      // state' = decay * state + dt x B^T; y = state' C + D x, along N.
      e.forRange(zero, headDim, [&](Value p) {
        Value xp = e.load(x, {b, h, p});
        Value xdt = e.mul(xp, delta);
        auto step = [&](Value n, int64_t w, Value acc) {
          Value upd = e.mul(e.broadcastW(xdt, w), e.loadW(bMat, {b, g, n}, w));
          if (stateIn)
            upd = e.fma(e.broadcastW(decay, w), e.loadW(stateIn, {b, h, p, n}, w),
                        upd);
          e.storeW(upd, stateOut, {b, h, p, n});
          return e.fma(upd, e.loadW(cMat, {b, g, n}, w), acc);
        };
        Value vecEnd = e.floorTo(stateDim, vw);
        Value acc = e.forRangeIter(
            zero, vecEnd, e.c(vw), {e.constW(0.0, vw)},
            [&](Value n, ValueRange it) -> SmallVector<Value> {
              return {step(n, vw, it[0])};
            })[0];
        Value sum = vw == 1 ? acc : e.reduceAdd(acc);
        sum = e.forRangeIter(vecEnd, stateDim, e.c(1), {sum},
                             [&](Value n, ValueRange it) -> SmallVector<Value> {
                               return {step(n, 1, it[0])};
                             })[0];
        e.store(e.fma(dh, xp, sum), y, {b, h, p});
      });
    }
  });
}
