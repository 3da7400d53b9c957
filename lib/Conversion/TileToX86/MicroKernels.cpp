//===- MicroKernels.cpp - x86 register-block micro-kernels ----------------===//
//
// Part of convert-tile-to-x86: the register-blocked building blocks that
// several kernels share, written once. emitDotBlock is the dot-product block
// of the dense matmul (rows of A . rows of W along K) and of the SSD chunk
// scan (rows of C . rows of B along the state dimension).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

using namespace mlir;
using namespace mlir::tessera::x86;

SmallVector<Value> mlir::tessera::x86::emitDotBlock(Emitter &e, Value a,
                                                    ArrayRef<Value> aRows,
                                                    Value b,
                                                    ArrayRef<Value> bRows,
                                                    Value len) {
  const int64_t vw = e.vectorWidth();
  const int64_t mr = aRows.size(), nr = bRows.size();
  // One step of width w: mr + nr loads, mr * nr FMAs into the accumulators.
  auto step = [&](Value k, int64_t w, ValueRange acc) {
    SmallVector<Value> av, bv, next;
    for (int64_t i = 0; i < mr; ++i)
      av.push_back(e.loadW(a, {aRows[i], k}, w));
    for (int64_t j = 0; j < nr; ++j)
      bv.push_back(e.loadW(b, {bRows[j], k}, w));
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j)
        next.push_back(e.fma(av[i], bv[j], acc[i * nr + j]));
    return next;
  };
  Value zero = e.c(0);
  Value vecEnd = e.floorTo(len, vw);
  SmallVector<Value> sums = e.forRangeIter(
      zero, vecEnd, e.c(vw),
      SmallVector<Value>(mr * nr, e.constW(0.0, vw)),
      [&](Value k, ValueRange acc) { return step(k, vw, acc); });
  if (vw > 1)
    for (Value &v : sums)
      v = e.reduceAdd(v);
  return e.forRangeIter(vecEnd, len, e.c(1), sums,
                        [&](Value k, ValueRange acc) { return step(k, 1, acc); });
}
