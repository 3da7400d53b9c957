//===- MFMAKernels.cpp - AMD matrix-core matmul (MFMA) ---------------------===//
//
// Part of convert-tile-to-rocdl: the matrix-core matmul AMD plugs into the
// shared recipes (GPUTargetInfo::matrixMatmul, lib/Conversion/TileToGPU) for
// tile.matmul with bf16 weights, on CDNA's v_mfma_f32_32x32x8_bf16
// (`amdgpu.mfma 32x32x8`, bf16 x bf16 + f32 -> f32; gfx90a and gfx942).
//
// C tile 64x64 per workgroup of 256 threads (4 wavefronts of 64, 2x2, each
// one 32x32 MFMA tile with its 16 f32 accumulators per lane), K in steps of
// 32 (4 MFMAs of k8 per step). A and B are staged in LDS as bf16, k-minor,
// rows padded by 4 elements (8 bytes) so the 8-byte fragment reads of a
// wavefront spread over the banks. As on NVIDIA (MMAKernels.cpp), f32
// activations are split into hi = bf16(a) and lo = bf16(a - hi) tiles and
// each fragment is multiplied twice, so only the weights are bf16; bf16
// activations are staged once. Bias, accumulation and the epilogue are
// applied on the accumulators before one guarded store per element.
//
// ssd_chunk_state (states[p, n] = sum_l x_l[p] dt_l exp(cum_last - cum_l)
// B_l[n] per (head, chunk, batch)) is a P x N x chunk matrix product of two
// activations; it runs on the f32 MFMA v_mfma_f32_32x32x2_f32 (exact f32
// products, no bf16 rounding): the shared kernel's LDS staging, then each of
// the 4 wavefronts owns up to 4 of the 32x32 output tiles.
//
// Register layouts of v_mfma_f32_32x32x8_bf16 (AMD's matrix instruction
// calculator, CDNA2/CDNA3 ISA), lane l of the wavefront:
//   A (32x8):  a[j] = A[l % 32][4 * (l / 32) + j],  j = 0..3
//   B (8x32):  b[j] = B[4 * (l / 32) + j][l % 32],  j = 0..3
//   D (32x32): d[4 * g + j] = D[8 * g + 4 * (l / 32) + j][l % 32], g, j = 0..3
// and of v_mfma_f32_32x32x2_f32: a = A[l % 32][l / 32], b = B[l / 32][l % 32],
// D as above.
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
using namespace mlir::tessera::amd;

namespace {
namespace mfma {
constexpr int64_t kBM = 64, kBN = 64, kBK = 32, kThreads = 256;
constexpr int64_t kWave = 64;
constexpr int64_t kStride = kBK + 4; // bf16 per LDS row (padded)
/// The MFMA shape: 32x32 output per wavefront, k 8 per instruction.
constexpr int64_t kTile = 32, kK = 8;
/// f32 accumulators per lane (32 * 32 / 64).
constexpr int64_t kAcc = kTile * kTile / kWave;

/// bf16(v) and, with `residual`, bf16(v - bf16(v)).
Value toBF16(GPUEmitter &e, Value v, Value *residual) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  Value hi = arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
  if (residual) {
    Value rest = e.sub(v, arith::ExtFOp::create(b, loc, e.f32(), hi));
    *residual = arith::TruncFOp::create(b, loc, b.getBF16Type(), rest);
  }
  return hi;
}

/// tile[r][kk] = bf16(x[row0 + r, k0 + kk]) for the 64 x 32 tile, zero
/// outside [rows, depth); interior tiles without guards. With
/// `residualTile`, the f32 operand's rounding residuals go there.
void stage(GPUEmitter &e, Value tile, Value row0, Value k0, Value rows,
           Value depth, const std::function<Value(Value, Value)> &load,
           Value residualTile = Value()) {
  auto emit = [&](bool guarded) {
    Value tid = e.threadId();
    for (int64_t i = 0; i < kBM * kBK / kThreads; ++i) {
      Value p = e.iadd(tid, e.c(i * kThreads));
      Value r = e.idiv(p, e.c(kBK));
      Value kk = e.irem(p, e.c(kBK));
      Value gr = e.iadd(row0, r), gk = e.iadd(k0, kk);
      Value v = guarded ? loadOrZero(e, gr, gk, rows, depth, load)
                        : load(gr, gk);
      Value residual;
      e.storeRaw(toBF16(e, v, residualTile ? &residual : nullptr), tile,
                 {r, kk});
      if (residualTile)
        e.storeRaw(residual, residualTile, {r, kk});
    }
  };
  Value interior =
      e.andi(e.icmp(arith::CmpIPredicate::ule, e.iadd(row0, e.c(kBM)), rows),
             e.icmp(arith::CmpIPredicate::ule, e.iadd(k0, e.c(kBK)), depth));
  e.ifThenElse(
      interior, [&] { emit(false); }, [&] { emit(true); });
}

/// The 4 consecutive bf16 of row `row`, from column `k` (a multiple of 4),
/// of an LDS tile: one 8-byte read (rows are 72 bytes, buffers 16-aligned).
Value fragment(GPUEmitter &e, Value tile, Value row, Value k) {
  OpBuilder &b = e.builder();
  auto type = VectorType::get({4}, b.getBF16Type());
  return vector::LoadOp::create(b, e.location(), type, tile,
                                ValueRange{row, k}, /*nontemporal=*/false,
                                llvm::MaybeAlign(8));
}

/// acc (vector<16xf32>) += a (32x8) * b (8x32).
Value mfma32x32x8(GPUEmitter &e, Value a, Value b, Value acc) {
  return amdgpu::MFMAOp::create(e.builder(), e.location(), acc.getType(),
                                /*m=*/kTile, /*n=*/kTile, /*k=*/kK,
                                /*blocks=*/1, a, b, acc)
      .getResult();
}

void body(GPUEmitter &e, const MatmulSpec &spec, ValueRange args,
          ValueRange shared) {
  OpBuilder &builder = e.builder();
  Location loc = e.location();
  Value a = args[0], b = args[1], c = args[2];
  Value aTile = shared[0], bTile = shared[1];
  Value aLoTile = shared.size() > 2 ? shared[2] : Value();
  Value m = e.dim(c, 0), n = e.dim(c, 1), k = e.dim(a, 1);
  Value m0 = e.imul(e.blockId(gpu::Dimension::y), e.c(kBM));
  Value n0 = e.imul(e.blockId(), e.c(kBN));
  Value tid = e.threadId();
  Value wave = e.idiv(tid, e.c(kWave)), lane = e.irem(tid, e.c(kWave));
  // Wavefronts 2x2 over the 64x64 tile.
  Value waveRow = e.imul(e.idiv(wave, e.c(2)), e.c(kTile));
  Value waveCol = e.imul(e.irem(wave, e.c(2)), e.c(kTile));
  Value lane32 = e.irem(lane, e.c(32));
  Value kGroup = e.imul(e.idiv(lane, e.c(32)), e.c(4));
  auto loadA = [&](Value r, Value kk) { return e.load(a, {r, kk}); };
  auto loadW = [&](Value r, Value kk) {
    return loadB(e, b, spec.transposeB, r, kk);
  };
  auto accType = VectorType::get({kAcc}, e.f32());
  Value zero = arith::ConstantOp::create(
      builder, loc, accType,
      DenseElementsAttr::get(accType, builder.getF32FloatAttr(0.0)));
  Value acc = e.forRangeIter(
      e.c(0), k, e.c(kBK), {zero},
      [&](Value k0, ValueRange accIn) -> SmallVector<Value> {
        e.barrier();
        stage(e, aTile, m0, k0, m, k, loadA, aLoTile);
        stage(e, bTile, n0, k0, n, k, loadW);
        e.barrier();
        Value accK = accIn[0];
        Value aRow = e.iadd(waveRow, lane32), bRow = e.iadd(waveCol, lane32);
        for (int64_t s = 0; s < kBK / kK; ++s) {
          Value kk = e.iadd(kGroup, e.c(s * kK));
          Value bFrag = fragment(e, bTile, bRow, kk);
          accK = mfma32x32x8(e, fragment(e, aTile, aRow, kk), bFrag, accK);
          if (aLoTile)
            accK = mfma32x32x8(e, fragment(e, aLoTile, aRow, kk), bFrag, accK);
        }
        return {accK};
      })[0];
  Value col = e.iadd(e.iadd(n0, waveCol), lane32);
  for (int64_t g = 0; g < 4; ++g)
    for (int64_t j = 0; j < 4; ++j) {
      Value row = e.iadd(e.iadd(m0, waveRow), e.iadd(kGroup, e.c(8 * g + j)));
      Value v = vector::ExtractOp::create(builder, loc, acc, 4 * g + j);
      storeMatmulResult(e, spec, args, v, row, col, m, n);
    }
}
} // namespace mfma
} // namespace

namespace {
namespace ssd {
constexpr int64_t kThreads = 256, kWaves = 4, kTile = 32, kMaxTilesPerWave = 4;

/// acc (vector<16xf32>) += a (32x2, one f32 per lane) * b (2x32).
Value mfma32x32x2(GPUEmitter &e, Value a, Value b, Value acc) {
  return amdgpu::MFMAOp::create(e.builder(), e.location(), acc.getType(),
                                /*m=*/32, /*n=*/32, /*k=*/2, /*blocks=*/1, a, b,
                                acc)
      .getResult();
}

/// ssd_chunk_state with static P, N on f32 MFMA; args (x, B, dt, dA_cumsum,
/// states) as the op's operands.
KernelRecipe chunkStateRecipe(MLIRContext *ctx, int64_t chunk, int64_t P,
                              int64_t N, int64_t lt) {
  const int64_t tilesN = (N + kTile - 1) / kTile;
  const int64_t tiles = ((P + kTile - 1) / kTile) * tilesN;
  const int64_t perWave = (tiles + kWaves - 1) / kWaves;
  Type f32 = Float32Type::get(ctx);
  return makeRecipe(
      kThreads,
      {GPUEmitter::workgroupType(ctx, {chunk}, f32),
       GPUEmitter::workgroupType(ctx, {lt * P}, f32),
       GPUEmitter::workgroupType(ctx, {lt * N}, f32)},
      [=](GPUEmitter &h, ValueRange ops) -> Grid {
        // (heads, chunks, batch), as the shared SSD kernels.
        return {h.dim(ops[0], 2), h.ceilDiv(h.dim(ops[0], 1), chunk),
                h.dim(ops[0], 0)};
      },
      [=](GPUEmitter &e, ValueRange args, ValueRange shared) {
        OpBuilder &builder = e.builder();
        Location loc = e.location();
        Value x = args[0], bMat = args[1], dt = args[2], cum = args[3],
              states = args[4];
        Value scale = shared[0], xs = shared[1], bs = shared[2];
        Value h = e.blockId(gpu::Dimension::x),
              c = e.blockId(gpu::Dimension::y),
              b = e.blockId(gpu::Dimension::z), tid = e.threadId();
        Value seq = e.dim(x, 1), heads = e.dim(x, 2), groups = e.dim(bMat, 2);
        Value g = e.idiv(h, e.idiv(heads, groups));
        Value q = e.c(chunk), s0 = e.imul(c, q);
        Value len = e.imin(q, e.isub(seq, s0));
        Value cT = e.c(kThreads), cP = e.c(P), cN = e.c(N), cLt = e.c(lt);
        Value wave = e.idiv(tid, e.c(64)), lane = e.irem(tid, e.c(64));
        Value lane32 = e.irem(lane, e.c(32)), half = e.idiv(lane, e.c(32));

        // scale[i] = exp(cum_last - cum_i) * dt_i.
        Value cumLast = e.load(cum, {b, h, c, e.c(chunk - 1)});
        e.forRange(tid, len, cT, [&](Value i) {
          Value s = e.mul(e.exp(e.sub(cumLast, e.load(cum, {b, h, c, i}))),
                          e.load(dt, {b, e.iadd(s0, i), h}));
          e.store(s, scale, {i});
        });

        // The output tiles of this wavefront: t = wave + 4 i.
        SmallVector<Value> p0s, n0s;
        for (int64_t i = 0; i < perWave; ++i) {
          Value t = e.iadd(wave, e.c(kWaves * i));
          p0s.push_back(e.imul(e.idiv(t, e.c(tilesN)), e.c(kTile)));
          n0s.push_back(e.imul(e.irem(t, e.c(tilesN)), e.c(kTile)));
        }
        auto accType = VectorType::get({16}, e.f32());
        Value zero = arith::ConstantOp::create(
            builder, loc, accType,
            DenseElementsAttr::get(accType, builder.getF32FloatAttr(0.0)));
        // One operand element: buf[li * width + i], 0 outside rows x width
        // (clamped index, no branch: every lane runs every MFMA).
        auto operand = [&](Value buf, Value li, Value rows, Value i,
                           int64_t width) {
          Value ok = e.andi(e.ult(li, rows), e.ult(i, e.c(width)));
          Value at = e.iadd(e.imul(e.imin(li, e.c(lt - 1)), e.c(width)),
                            e.imin(i, e.c(width - 1)));
          return e.select(ok, e.loadRaw(buf, {at}), e.f(0.0));
        };
        SmallVector<Value> acc = e.forRangeIter(
            e.c(0), len, cLt, SmallVector<Value>(perWave, zero),
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
                e.store(e.load(bMat, {b, e.iadd(s0, e.iadd(l0, li)), g, n}),
                        bs, {el});
              });
              e.barrier();
              return e.forRangeIter(
                  e.c(0), rows, e.c(2), it,
                  [&](Value k0, ValueRange a) -> SmallVector<Value> {
                    Value li = e.iadd(k0, half);
                    SmallVector<Value> next;
                    for (int64_t i = 0; i < perWave; ++i) {
                      // A[p][l] = xs[l][p], B[l][n] = bs[l][n].
                      Value av = operand(xs, li, rows,
                                         e.iadd(p0s[i], lane32), P);
                      Value bv = operand(bs, li, rows,
                                         e.iadd(n0s[i], lane32), N);
                      next.push_back(mfma32x32x2(e, av, bv, a[i]));
                    }
                    return next;
                  });
            });
        for (int64_t i = 0; i < perWave; ++i) {
          Value n = e.iadd(n0s[i], lane32);
          for (int64_t gi = 0; gi < 4; ++gi)
            for (int64_t j = 0; j < 4; ++j) {
              Value p = e.iadd(p0s[i], e.iadd(e.imul(half, e.c(4)),
                                              e.c(8 * gi + j)));
              e.ifThen(e.andi(e.ult(p, cP), e.ult(n, cN)), [&] {
                Value v = vector::ExtractOp::create(builder, loc, acc[i],
                                                    4 * gi + j);
                e.store(v, states, {b, c, h, p, n});
              });
            }
        }
      });
}
} // namespace ssd
} // namespace

std::optional<KernelRecipe> amd::overrideRecipe(Operation *op,
                                                int64_t ldsBytes) {
  if (isa<tile::FlashAttentionOp>(op))
    return amd::flashAttentionMfmaRecipe(op, ldsBytes);
  if (isa<tile::SSDChunkScanOp>(op))
    return amd::chunkScanMfmaRecipe(op, ldsBytes);
  auto s = dyn_cast<tile::SSDChunkStateOp>(op);
  if (!s)
    return std::nullopt;
  int64_t P = cast<MemRefType>(s.getX().getType()).getDimSize(3);
  int64_t N = cast<MemRefType>(s.getB().getType()).getDimSize(3);
  int64_t chunk = s.getChunkSize();
  // Static shapes the shared kernel also takes (it reports the others), and
  // at most 4 output tiles of 32x32 per wavefront (accumulator registers).
  if (ShapedType::isDynamic(P) || ShapedType::isDynamic(N) || P > 256 ||
      N > 256 || chunk > 256)
    return std::nullopt;
  int64_t tiles = ((P + 31) / 32) * ((N + 31) / 32);
  if (tiles > ssd::kWaves * ssd::kMaxTilesPerWave)
    return std::nullopt;
  // Rows per LDS tile: the largest even power of two <= 32 that fits.
  int64_t lt = 32;
  while (lt > 2 && 4 * (chunk + lt * (P + N)) > ldsBytes)
    lt /= 2;
  if (4 * (chunk + lt * (P + N)) > ldsBytes)
    return std::nullopt;
  return ssd::chunkStateRecipe(op->getContext(), chunk, P, N, lt);
}

KernelRecipe amd::matmulMfmaRecipe(MLIRContext *ctx, MatmulSpec spec,
                                   bool splitActivations) {
  Type bf16 = BFloat16Type::get(ctx);
  SmallVector<MemRefType> shared{
      GPUEmitter::workgroupType(ctx, {mfma::kBM, mfma::kStride}, bf16),
      GPUEmitter::workgroupType(ctx, {mfma::kBN, mfma::kStride}, bf16)};
  if (splitActivations)
    shared.push_back(
        GPUEmitter::workgroupType(ctx, {mfma::kBM, mfma::kStride}, bf16));
  return makeRecipe(
      mfma::kThreads, std::move(shared),
      [](GPUEmitter &e, ValueRange ops) {
        return matmulGrid(e, ops, mfma::kBM, mfma::kBN);
      },
      [spec](GPUEmitter &e, ValueRange args, ValueRange shared) {
        mfma::body(e, spec, args, shared);
      });
}
