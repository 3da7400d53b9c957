//===- MoEKernels.cpp - x86 emitters: MoE routing, sort, grouped GEMM -----===//
//
// Part of convert-tile-to-x86: the mixture-of-experts kernels of an `E`
// layer (router top-k, counting sort of the token-expert pairs by expert,
// row gather, grouped GEMM, weighted scatter-add). The grouped GEMM runs the
// dense matmul emitter (and so the shared register-block micro-kernel) on
// each expert's row segment and weight, as views: no copies. Routing and
// sorting are scalar: they touch E values per token, the GEMMs E x N x K.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <limits>

using namespace mlir;
using namespace mlir::tessera::x86;

namespace {
/// An i64 element of an integer buffer as an index.
Value loadIndex(Emitter &e, Value memref, ValueRange ivs) {
  return e.indexCast(e.loadRaw(memref, ivs));
}

void storeIndex(Emitter &e, Value v, Value memref, ValueRange ivs) {
  OpBuilder &b = e.builder();
  Value i64 = arith::IndexCastOp::create(b, e.location(), b.getI64Type(), v);
  memref::StoreOp::create(b, e.location(), i64, memref, ivs);
}

/// (max, argmax) of buf[lb:ub] (f32 stack buffer), the lowest index on ties.
std::pair<Value, Value> argMax(Emitter &e, Value buf, Value lb, Value ub) {
  Value ninf = e.f(-std::numeric_limits<double>::infinity());
  SmallVector<Value> r = e.forRangeIter(
      lb, ub, e.c(1), {ninf, lb},
      [&](Value i, ValueRange it) -> SmallVector<Value> {
        Value v = e.load(buf, {i});
        Value better = e.fcmp(arith::CmpFPredicate::OGT, v, it[0]);
        return {e.select(better, v, it[0]), e.select(better, i, it[1])};
      });
  return {r[0], r[1]};
}
} // namespace

void mlir::tessera::x86::emitMoERoute(Emitter &e, Value logits, Value bias,
                                      Value ids, Value weights, int64_t nGroup,
                                      int64_t topkGroup, bool normTopkProb,
                                      double scale) {
  auto logitsType = cast<MemRefType>(logits.getType());
  const int64_t E = logitsType.getDimSize(1);
  const int64_t K = cast<MemRefType>(ids.getType()).getDimSize(1);
  const int64_t perGroup = E / nGroup;
  Value ninf = e.f(-std::numeric_limits<double>::infinity());
  // Per-token scratch on the stack, allocated once outside the token loop.
  Value scores = e.stackAlloc({E}), choice = e.stackAlloc({E});
  Value groupScores = e.stackAlloc({nGroup});
  e.forRange(e.c(0), e.dim(logits, 0), [&](Value t) {
    // Sigmoid scores; the bias steers the choice only.
    e.forRange(e.c(0), e.c(E), [&](Value x) {
      Value one = e.f(1.0);
      Value s = e.div(one, e.add(one, e.fastExp(e.neg(e.load(logits, {t, x})))));
      e.store(s, scores, {x});
      e.store(e.add(s, e.load(bias, {x})), choice, {x});
    });
    if (topkGroup < nGroup) {
      // Group score: the sum of the group's two best choice scores.
      e.forRange(e.c(0), e.c(nGroup), [&](Value g) {
        Value lb = e.imul(g, e.c(perGroup));
        SmallVector<Value> top2 = e.forRangeIter(
            lb, e.iadd(lb, e.c(perGroup)), e.c(1), {ninf, ninf},
            [&](Value x, ValueRange it) -> SmallVector<Value> {
              Value v = e.load(choice, {x});
              Value first = e.fcmp(arith::CmpFPredicate::OGT, v, it[0]);
              Value second = e.fcmp(arith::CmpFPredicate::OGT, v, it[1]);
              Value m1 = e.select(first, v, it[0]);
              Value m2 = e.select(first, it[0], e.select(second, v, it[1]));
              return {m1, m2};
            });
        e.store(e.add(top2[0], top2[1]), groupScores, {g});
      });
      // Keep the topk_group best groups: mark them with +inf, then mask
      // every expert of a group left unmarked.
      Value pinf = e.f(std::numeric_limits<double>::infinity());
      e.forRange(e.c(0), e.c(topkGroup), [&](Value) {
        // Best among the groups not yet marked (marked ones hold +inf).
        SmallVector<Value> r = e.forRangeIter(
            e.c(0), e.c(nGroup), e.c(1), {ninf, e.c(0)},
            [&](Value g, ValueRange it) -> SmallVector<Value> {
              Value v = e.load(groupScores, {g});
              Value open = e.fcmp(arith::CmpFPredicate::ONE, v, pinf);
              Value better = arith::AndIOp::create(
                  e.builder(), e.location(), open,
                  e.fcmp(arith::CmpFPredicate::OGT, v, it[0]));
              return {e.select(better, v, it[0]), e.select(better, g, it[1])};
            });
        e.store(pinf, groupScores, {r[1]});
      });
      e.forRange(e.c(0), e.c(E), [&](Value x) {
        Value g = e.idiv(x, e.c(perGroup));
        Value kept =
            e.fcmp(arith::CmpFPredicate::OEQ, e.load(groupScores, {g}), pinf);
        e.store(e.select(kept, e.load(choice, {x}), ninf), choice, {x});
      });
    }
    // Top-k of the (masked) choice scores, best first; the weights are the
    // unbiased scores of the chosen experts.
    Value sum = e.forRangeIter(
        e.c(0), e.c(K), e.c(1), {e.f(0.0)},
        [&](Value k, ValueRange it) -> SmallVector<Value> {
          auto [best, idx] = argMax(e, choice, e.c(0), e.c(E));
          (void)best;
          storeIndex(e, idx, ids, {t, k});
          Value w = e.load(scores, {idx});
          e.store(w, weights, {t, k});
          e.store(ninf, choice, {idx});
          return {e.add(it[0], w)};
        })[0];
    Value factor = e.f(scale);
    if (normTopkProb)
      factor = e.div(factor, e.add(sum, e.f(1e-20)));
    e.forRange(e.c(0), e.c(K), [&](Value k) {
      e.store(e.mul(e.load(weights, {t, k}), factor), weights, {t, k});
    });
  });
}

void mlir::tessera::x86::emitMoESort(Emitter &e, Value ids, Value offsets,
                                     Value order) {
  const int64_t E = cast<MemRefType>(offsets.getType()).getDimSize(0) - 1;
  Value tokens = e.dim(ids, 0), K = e.dim(ids, 1);
  Value zero = e.c(0);
  // Counting sort in place in `offsets`: counts at e + 1, inclusive prefix
  // sums (so offsets[e] is expert e's start), then offsets[e] serves as
  // expert e's cursor while the pairs are placed (ending at e + 1's start),
  // and a shift by one restores the starts.
  e.forRange(zero, e.c(E + 1), [&](Value x) { storeIndex(e, zero, offsets, {x}); });
  auto forEachPair = [&](const std::function<void(Value, Value)> &body) {
    e.forRange(zero, tokens, [&](Value t) {
      e.forRange(zero, K, [&](Value k) {
        body(loadIndex(e, ids, {t, k}), e.iadd(e.imul(t, K), k));
      });
    });
  };
  forEachPair([&](Value expert, Value) {
    Value slot = e.iadd(expert, e.c(1));
    storeIndex(e, e.iadd(loadIndex(e, offsets, {slot}), e.c(1)), offsets, {slot});
  });
  e.forRange(e.c(1), e.c(E + 1), [&](Value x) {
    Value prev = loadIndex(e, offsets, {e.isub(x, e.c(1))});
    storeIndex(e, e.iadd(loadIndex(e, offsets, {x}), prev), offsets, {x});
  });
  forEachPair([&](Value expert, Value pair) {
    Value cursor = loadIndex(e, offsets, {expert});
    storeIndex(e, pair, order, {cursor});
    storeIndex(e, e.iadd(cursor, e.c(1)), offsets, {expert});
  });
  e.forRange(zero, e.c(E), [&](Value i) {
    Value x = e.isub(e.c(E), i); // E .. 1
    storeIndex(e, loadIndex(e, offsets, {e.isub(x, e.c(1))}), offsets, {x});
  });
  storeIndex(e, zero, offsets, {zero});
}

void mlir::tessera::x86::emitMoEGather(Emitter &e, Value x, Value order,
                                       Value out, int64_t topK) {
  e.forRange(e.c(0), e.dim(order, 0), [&](Value i) {
    Value t = e.idiv(loadIndex(e, order, {i}), e.c(topK));
    e.forVectorized(e.c(0), e.dim(x, 1), [&](Value h, int64_t w) {
      e.storeW(e.loadW(x, {t, h}, w), out, {i, h});
    });
  });
}

void mlir::tessera::x86::emitGroupedMatmul(Emitter &e, Value a, Value w,
                                           Value offsets, Value c, Epilogue epi,
                                           const MatmulTiling &tiling) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  auto wType = cast<MemRefType>(w.getType());
  int64_t n = wType.getDimSize(1), k = wType.getDimSize(2);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  auto size = [&](int64_t s, Value dyn) -> OpFoldResult {
    if (ShapedType::isDynamic(s))
      return dyn;
    return b.getIndexAttr(s);
  };
  e.forRange(e.c(0), e.dim(w, 0), [&](Value expert) {
    Value lo = loadIndex(e, offsets, {expert});
    Value hi = loadIndex(e, offsets, {e.iadd(expert, e.c(1))});
    Value rows = e.isub(hi, lo);
    // The expert's row segments of A and C and its [N, K] weight, as views.
    Value aSeg = memref::SubViewOp::create(
        b, loc, a, {lo, zero}, {rows, size(k, e.dim(a, 1))}, {one, one});
    Value cSeg = memref::SubViewOp::create(
        b, loc, c, {lo, zero}, {rows, size(n, e.dim(c, 1))}, {one, one});
    SmallVector<OpFoldResult> wOffsets{expert, zero, zero};
    SmallVector<OpFoldResult> wSizes{one, size(n, e.dim(w, 1)),
                                     size(k, e.dim(w, 2))};
    SmallVector<OpFoldResult> wStrides{one, one, one};
    auto wSegType = memref::SubViewOp::inferRankReducedResultType(
        {n, k}, wType, wOffsets, wSizes, wStrides);
    Value wSeg = memref::SubViewOp::create(b, loc, cast<MemRefType>(wSegType),
                                           w, wOffsets, wSizes, wStrides);
    emitMatmul(e, aSeg, wSeg, Value(), cSeg, epi, /*accumulate=*/false,
               tiling);
  });
}

void mlir::tessera::x86::emitMoECombine(Emitter &e, Value y, Value order,
                                        Value weights, Value out) {
  Value width = e.dim(out, 1);
  Value K = e.dim(weights, 1);
  e.forRange(e.c(0), e.dim(out, 0), [&](Value t) {
    e.forVectorized(e.c(0), width, [&](Value h, int64_t w) {
      e.storeW(e.constW(0.0, w), out, {t, h});
    });
  });
  e.forRange(e.c(0), e.dim(order, 0), [&](Value i) {
    Value pair = loadIndex(e, order, {i});
    Value t = e.idiv(pair, K), k = e.irem(pair, K);
    Value scale = e.load(weights, {t, k});
    e.forVectorized(e.c(0), width, [&](Value h, int64_t w) {
      // (one statement each: the emitted order must not depend on the
      // compiler's order of evaluating arguments)
      Value acc = e.loadW(out, {t, h}, w);
      Value row = e.loadW(y, {i, h}, w);
      e.storeW(e.fma(e.broadcastW(scale, w), row, acc), out, {t, h});
    });
  });
}
