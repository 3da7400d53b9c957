//===- MFMAChunkScan.cpp - AMD ssd_chunk_scan on f32 MFMA -----------------===//
//
// Part of convert-tile-to-rocdl: replaces the shared SIMT ssd_chunk_scan
// (lib/Conversion/TileToGPU/SSDKernels.cpp, stage 4, same semantics)
// through GPUTargetInfo::overrideRecipe (amd::overrideRecipe). Per (head,
// chunk, batch), with i, j rows of the chunk:
//   y[i, p] = exp(cum_i) (C_i . state[p, :])
//           + sum_{j <= i} (C_i . B_j) exp(cum_i - cum_j) dt_j x[j, p]
//           + D x[i, p]
// All three products run on v_mfma_f32_32x32x2_f32 (`amdgpu.mfma 32x32x2`,
// exact f32 products): fp32 results differ from the SIMT kernel only in
// summation order.
//
// A workgroup of 4 wavefronts takes 128 rows i per pass; each wavefront owns
// 32 of them (row i0 + lane % 32) and all P columns (P / 32 accumulator
// tiles). Its C rows are read as C[i][2s + h], h = lane / 32 (the operand
// layout of k = n), in loops over n. Registers at P = 80, N = 128 (the
// 12B): ~256 arch VGPRs, no scratch, 1 wave per SIMD. Per wavefront, with (g, j) in 0..3 x 0..3:
//   state term   Y += C state^T (k = n, a loop of N / 2 steps): element
//                4g+j is row i0 + 8g+4h+j, column l%32, then scaled by
//                exp(cum) of that row.
//   per tile of 32 rows j (B, x, cum, dt staged in LDS, B rows padded to
//   N + 1 for distinct banks):
//     G^T = B_j C_i^T (k = n): element 4g+j = G[i0 + l%32][j0 + 8g+4h+j],
//     so the lane's row i is l%32 and it holds 16 of the 32 columns j;
//     M = G exp(cum_i - cum_j) dt_j (0 for j > i), formed in registers;
//     Y += M X_j (k = j): MFMA step (g, j) takes j0 + 8g+4h+j in lane half
//     h for both operands, so A = M comes straight from the registers and
//     B = x[j0 + 8g+4h+j][p0 + l%32] from LDS (no transpose through LDS).
// Lane layouts: MFMAKernels.cpp; test/python/test_mfma_layout.py models
// them and this kernel's indexing in numpy.
//
//===----------------------------------------------------------------------===//

#include "ROCDLKernels.h"

#include "../TileToGPU/GPUEmitter.h"
#include "../TileToGPU/MatmulKernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {
constexpr int64_t kWaves = 4, kWave = 64, kTile = 32;

Value mfma32x32x2(GPUEmitter &e, Value a, Value b, Value acc) {
  return amdgpu::MFMAOp::create(e.builder(), e.location(), acc.getType(),
                                /*m=*/32, /*n=*/32, /*k=*/2, /*blocks=*/1, a, b,
                                acc)
      .getResult();
}

KernelRecipe chunkScanRecipe(MLIRContext *ctx, int64_t chunk, int64_t P,
                             int64_t N) {
  const int64_t ldB = N + 1, steps = (N + 1) / 2, pTiles = (P + 31) / 32;
  Type f32 = Float32Type::get(ctx);
  return makeRecipe(
      kWaves * kWave,
      {GPUEmitter::workgroupType(ctx, {kTile * ldB}, f32),
       GPUEmitter::workgroupType(ctx, {kTile * P}, f32),
       GPUEmitter::workgroupType(ctx, {kTile}, f32),
       GPUEmitter::workgroupType(ctx, {kTile}, f32)},
      [=](GPUEmitter &h, ValueRange ops) -> Grid {
        // (heads, chunks, batch), as the shared SSD kernels.
        return {h.dim(ops[0], 2), h.ceilDiv(h.dim(ops[0], 1), chunk),
                h.dim(ops[0], 0)};
      },
      [=](GPUEmitter &e, ValueRange args, ValueRange shared) {
        OpBuilder &builder = e.builder();
        Location loc = e.location();
        Value x = args[0], cMat = args[1], bMat = args[2], dt = args[3],
              cum = args[4], states = args[5], dSkip = args[6], y = args[7];
        Value bs = shared[0], xs = shared[1], cumJ = shared[2],
              dtJ = shared[3];
        Value h = e.blockId(gpu::Dimension::x),
              c = e.blockId(gpu::Dimension::y),
              b = e.blockId(gpu::Dimension::z), tid = e.threadId();
        Value seq = e.dim(x, 1), heads = e.dim(x, 2), groups = e.dim(bMat, 2);
        Value g = e.idiv(h, e.idiv(heads, groups));
        Value q = e.c(chunk), s0 = e.imul(c, q), last = e.c(chunk - 1);
        Value len = e.imin(q, e.isub(seq, s0));
        Value one = e.c(1), cT = e.c(kWaves * kWave), cTile = e.c(kTile),
              cN = e.c(N), cP = e.c(P), cLdB = e.c(ldB);
        Value wave = e.idiv(tid, e.c(kWave)), lane = e.irem(tid, e.c(kWave));
        Value l32 = e.irem(lane, cTile), half = e.idiv(lane, cTile);
        Value dh = e.load(dSkip, {h});
        auto accType = VectorType::get({16}, f32);
        Value zero = arith::ConstantOp::create(
            builder, loc, accType,
            DenseElementsAttr::get(accType, builder.getF32FloatAttr(0.0)));
        // Element (g, j) of an accumulator: row 8g + 4h + j of its tile.
        auto rowOf = [&](int64_t idx) {
          return e.iadd(e.imul(half, e.c(4)), e.c(8 * (idx / 4) + idx % 4));
        };
        SmallVector<Value> pCol;
        for (int64_t t = 0; t < pTiles; ++t) {
          Value p = e.iadd(l32, e.c(32 * t));
          pCol.push_back(P % 32 ? e.imin(p, e.c(P - 1)) : p);
        }

        e.forRange(e.c(0), len, e.c(kWaves * kTile), [&](Value i0b) {
          Value i0 = e.iadd(i0b, e.imul(wave, cTile));
          Value iRow = e.iadd(i0, l32);
          Value iC = e.imin(iRow, e.isub(len, one));
          Value cumRow = e.load(cum, {b, h, c, iC});

          // Carried-in state: exp(cum_i) (C_i . state[p, :]). A loop, not
          // unrolled: unrolled, its 64 x P / 32 state loads are hoisted and
          // take every VGPR.
          SmallVector<Value> acc = e.forRangeIter(
              e.c(0), e.c(steps), one, SmallVector<Value>(pTiles, zero),
              [&](Value st, ValueRange a) -> SmallVector<Value> {
                Value n = e.iadd(half, e.imul(st, e.c(2)));
                Value nC = N % 2 ? e.imin(n, e.c(N - 1)) : n;
                Value cv = e.load(cMat, {b, e.iadd(s0, iC), g, nC});
                if (N % 2)
                  cv = e.select(e.ult(n, cN), cv, e.f(0.0));
                SmallVector<Value> next;
                for (int64_t t = 0; t < pTiles; ++t)
                  next.push_back(mfma32x32x2(
                      e, cv, e.load(states, {b, c, h, pCol[t], nC}), a[t]));
                return next;
              });
          SmallVector<Value> rowDecay;
          for (int64_t idx = 0; idx < 16; ++idx) {
            Value i = e.imin(e.iadd(i0, rowOf(idx)), e.isub(len, one));
            rowDecay.push_back(e.exp(e.load(cum, {b, h, c, i})));
          }
          for (int64_t t = 0; t < pTiles; ++t)
            for (int64_t idx = 0; idx < 16; ++idx) {
              Value v = vector::ExtractOp::create(builder, loc, acc[t], idx);
              acc[t] = vector::InsertOp::create(
                  builder, loc, e.mul(v, rowDecay[idx]), acc[t], idx);
            }

          // Intra-chunk: tiles of 32 rows j up to the pass's last row.
          Value jEnd = e.imin(e.iadd(i0b, e.c(kWaves * kTile)), len);
          acc = e.forRangeIter(
              e.c(0), jEnd, cTile, acc,
              [&](Value j0, ValueRange a) -> SmallVector<Value> {
                e.barrier(); // the previous tile is consumed
                e.forRange(tid, e.c(kTile * N), cT, [&](Value el) {
                  Value jj = e.idiv(el, cN), n = e.irem(el, cN);
                  Value j = e.iadd(j0, jj);
                  Value v = e.load(
                      bMat, {b, e.iadd(s0, e.imin(j, e.isub(len, one))), g, n});
                  e.store(e.select(e.ult(j, len), v, e.f(0.0)), bs,
                          {e.iadd(e.imul(jj, cLdB), n)});
                });
                e.forRange(tid, e.c(kTile * P), cT, [&](Value el) {
                  Value jj = e.idiv(el, cP), p = e.irem(el, cP);
                  Value j = e.iadd(j0, jj);
                  Value v = e.load(
                      x, {b, e.iadd(s0, e.imin(j, e.isub(len, one))), h, p});
                  e.store(e.select(e.ult(j, len), v, e.f(0.0)), xs, {el});
                });
                e.forRange(tid, cTile, cT, [&](Value jj) {
                  Value j = e.iadd(j0, jj);
                  e.store(e.load(cum, {b, h, c, e.imin(j, last)}), cumJ, {jj});
                  Value d = e.load(
                      dt, {b, e.iadd(s0, e.imin(j, e.isub(len, one))), h});
                  e.store(e.select(e.ult(j, len), d, e.f(0.0)), dtJ, {jj});
                });
                e.barrier();
                // G^T = B_j C_i^T, a loop over k = n (C's loads are
                // loop-invariant in the j loop; LLVM may hoist them).
                Value bRow = e.imul(l32, cLdB);
                Value gt = e.forRangeIter(
                    e.c(0), e.c(steps), one, {zero},
                    [&](Value st, ValueRange a2) -> SmallVector<Value> {
                      Value n = e.iadd(half, e.imul(st, e.c(2)));
                      Value nC = N % 2 ? e.imin(n, e.c(N - 1)) : n;
                      Value cv = e.load(cMat, {b, e.iadd(s0, iC), g, nC});
                      if (N % 2)
                        cv = e.select(e.ult(n, cN), cv, e.f(0.0));
                      return {mfma32x32x2(
                          e, e.loadRaw(bs, {e.iadd(bRow, nC)}), cv, a2[0])};
                    })[0];
                // M[i][j] in registers, 0 for j > i (exp(cum_i - cum_j) may
                // overflow there; the select drops it).
                SmallVector<Value> mv;
                for (int64_t idx = 0; idx < 16; ++idx) {
                  Value jl = rowOf(idx);
                  Value gv = vector::ExtractOp::create(builder, loc, gt, idx);
                  Value w = e.mul(
                      e.mul(gv, e.exp(e.sub(cumRow, e.loadRaw(cumJ, {jl})))),
                      e.loadRaw(dtJ, {jl}));
                  Value causal = e.icmp(arith::CmpIPredicate::ule,
                                        e.iadd(j0, jl), iRow);
                  mv.push_back(e.select(causal, w, e.f(0.0)));
                }
                // Y += M X_j.
                SmallVector<Value> next;
                for (int64_t t = 0; t < pTiles; ++t) {
                  Value at = a[t];
                  // A lane base plus a constant per row (foldable into the
                  // LDS read's offset).
                  Value base =
                      e.iadd(e.imul(e.imul(half, e.c(4)), cP), pCol[t]);
                  for (int64_t idx = 0; idx < 16; ++idx) {
                    Value xv = e.loadRaw(
                        xs, {e.iadd(base, e.c((8 * (idx / 4) + idx % 4) * P))});
                    at = mfma32x32x2(e, mv[idx], xv, at);
                  }
                  next.push_back(at);
                }
                return next;
              });

          // y = acc + D x.
          for (int64_t t = 0; t < pTiles; ++t)
            for (int64_t idx = 0; idx < 16; ++idx) {
              Value i = e.iadd(i0, rowOf(idx));
              Value p = e.iadd(l32, e.c(32 * t));
              e.ifThen(e.andi(e.ult(i, len), e.ult(p, cP)), [&] {
                Value s = e.iadd(s0, i);
                Value v = vector::ExtractOp::create(builder, loc, acc[t], idx);
                e.store(e.fma(dh, e.load(x, {b, s, h, p}), v), y,
                        {b, s, h, p});
              });
            }
        });
      });
}
} // namespace

std::optional<KernelRecipe> amd::chunkScanMfmaRecipe(Operation *op,
                                                     int64_t ldsBytes) {
  auto s = dyn_cast<tile::SSDChunkScanOp>(op);
  if (!s)
    return std::nullopt;
  int64_t P = cast<MemRefType>(s.getX().getType()).getDimSize(3);
  int64_t N = cast<MemRefType>(s.getB().getType()).getDimSize(3);
  int64_t chunk = s.getChunkSize();
  // Dynamic or oversized shapes: the shared recipe (which reports what it
  // cannot take). P, N <= 128 keep C (N / 2) and the accumulators (P / 2)
  // within a sane register budget.
  if (ShapedType::isDynamic(P) || ShapedType::isDynamic(N) || P <= 0 ||
      N <= 0 || P > 128 || N > 128 || chunk <= 0 || chunk > 256)
    return std::nullopt;
  if (4 * (kTile * (N + 1) + kTile * P + 2 * kTile) > ldsBytes)
    return std::nullopt;
  return chunkScanRecipe(op->getContext(), chunk, P, N);
}
