//===- MMAKernels.cpp - NVIDIA tensor-core matmul (mma.sync) --------------===//
//
// Part of convert-tile-to-nvvm: the matrix-core matmul NVIDIA plugs into the
// shared recipes (GPUTargetInfo::matrixMatmul, lib/Conversion/TileToGPU) for
// tile.matmul with bf16 weights.
//
// C tile 64x64 per block of 128 threads (4 warps, 2x2, each 32x32 =
// 2x4 mma.sync.m16n8k16 tiles), K in steps of 32. A (f32 activations) and B
// (bf16 weights) are staged as bf16 in shared memory. f32 activations are
// split in two bf16 tiles, hi = bf16(a) and lo = bf16(a - hi), and each
// fragment is multiplied twice (hi*w + lo*w): the product then carries ~16
// bits of the activation instead of 8, so bf16 weights give f32-accurate
// matmuls (rounding activations to bf16 alone was measured on the H200 at up
// to 6e-2 relative error on tiny models' logits) for twice the tensor-core
// work. bf16 activations are staged once. Two k-consecutive
// values packed per 32-bit word (the register format of mma.sync's bf16
// fragments), rows padded by 4 words so the fragment loads of a warp hit 32
// distinct banks. f32 accumulators stay in registers; bias, accumulation and
// the epilogue are applied on them before the single store. A 64-row tile
// per 128 threads is the shape of one sm_90a warpgroup MMA (m64nNk16), so the
// staging can become TMA + wgmma without changing the grid.
//
//===----------------------------------------------------------------------===//

#include "NVVMKernels.h"

#include "../TileToGPU/GPUEmitter.h"
#include "../TileToGPU/MatmulKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;
using namespace mlir::tessera::nvidia;

namespace {
namespace mma {
constexpr int64_t kBM = 64, kBN = 64, kBK = 32, kThreads = 128;
constexpr int64_t kPairs = kBK / 2;    // packed words per row of a k-tile
constexpr int64_t kStride = kPairs + 4; // words per shared row (padded)
constexpr int64_t kMTiles = 2, kNTiles = 4; // m16 / n8 tiles per warp

/// Two f32 values rounded to bf16 and packed lo | hi << 16.
Value packBF16(GPUEmitter &e, Value lo, Value hi) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  auto bits = [&](Value v) -> Value {
    Value h = arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
    Value i = arith::BitcastOp::create(b, loc, b.getI16Type(), h);
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), i);
  };
  Value hiBits = arith::ShLIOp::create(b, loc, bits(hi), e.ci32(16));
  return arith::OrIOp::create(b, loc, bits(lo), hiBits);
}

/// f32 `v` minus its bf16 rounding: the part a bf16 `hi` tile loses.
Value bf16Residual(GPUEmitter &e, Value v) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  Type f32 = v.getType();
  Type bf16 = b.getBF16Type();
  if (auto vt = dyn_cast<VectorType>(f32))
    bf16 = VectorType::get(vt.getShape(), b.getBF16Type());
  Value truncated = arith::TruncFOp::create(b, loc, bf16, v);
  Value rounded = arith::ExtFOp::create(b, loc, f32, truncated);
  return arith::SubFOp::create(b, loc, v, rounded);
}

/// Whether x[r, 2p] and x[r, 2p + 1] of a [rows, K] operand (f32 or bf16)
/// form one aligned 8- or 4-byte word: unit inner stride, even static row
/// stride and offset (buffers themselves are at least 64-byte aligned).
bool pairsAligned(Type type) {
  auto m = cast<MemRefType>(type);
  Type elem = m.getElementType();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!(elem.isF32() || elem.isBF16()) ||
      failed(m.getStridesAndOffset(strides, offset)) || strides.size() != 2)
    return false;
  return strides[1] == 1 && !ShapedType::isDynamic(strides[0]) &&
         strides[0] % 2 == 0 && !ShapedType::isDynamic(offset) &&
         offset % 2 == 0;
}

/// x[r, k], x[r, k + 1] (k even, pairsAligned) as packed bf16 in one i32:
/// one vector load (ld.global.v2.b32 / .b32), rounded by one
/// cvt.rn.bf16x2.f32 for f32.
/// With `residual`, also the packed bf16 of what rounding lost (f32 only).
Value loadPackedPair(GPUEmitter &e, Value x, Value r, Value k,
                     Value *residual = nullptr) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  Type elem = cast<MemRefType>(x.getType()).getElementType();
  unsigned bytes = elem.isF32() ? 8 : 4;
  Value v = vector::LoadOp::create(b, loc, VectorType::get({2}, elem), x,
                                   ValueRange{r, k}, /*nontemporal=*/false,
                                   llvm::MaybeAlign(bytes));
  auto pack = [&](Value pair) -> Value {
    if (elem.isF32())
      pair = arith::TruncFOp::create(
          b, loc, VectorType::get({2}, b.getBF16Type()), pair);
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  };
  if (residual)
    *residual = pack(bf16Residual(e, v));
  return pack(v);
}

/// tile[r][p] = pack(x[row0 + r, k0 + 2p], x[row0 + r, k0 + 2p + 1]) for the
/// 64 rows of the tile, zero outside [rows, depth). Interior tiles (the
/// common case; the test is uniform over the block) load without guards,
/// a pair at a time when `x` is given (pairsAligned).
/// With `residualTile`, the f32 operand's rounding residuals go there (the
/// hi/lo split above).
void stage(GPUEmitter &e, Value tile, Value row0, Value k0, Value rows,
           Value depth, const std::function<Value(Value, Value)> &load,
           Value x, Value residualTile = Value()) {
  auto emit = [&](bool guarded) {
    Value tid = e.threadId();
    for (int64_t i = 0; i < kBM * kPairs / kThreads; ++i) {
      Value p = e.iadd(tid, e.c(i * kThreads));
      Value r = e.idiv(p, e.c(kPairs));
      Value pair = e.irem(p, e.c(kPairs));
      Value gr = e.iadd(row0, r);
      Value gk = e.iadd(k0, e.imul(pair, e.c(2)));
      if (!guarded && x) {
        Value residual;
        e.storeRaw(loadPackedPair(e, x, gr, gk,
                                  residualTile ? &residual : nullptr),
                   tile, {r, pair});
        if (residualTile)
          e.storeRaw(residual, residualTile, {r, pair});
        continue;
      }
      Value gk1 = e.iadd(gk, e.c(1));
      Value lo = guarded ? loadOrZero(e, gr, gk, rows, depth, load)
                         : load(gr, gk);
      Value hi = guarded ? loadOrZero(e, gr, gk1, rows, depth, load)
                         : load(gr, gk1);
      e.storeRaw(packBF16(e, lo, hi), tile, {r, pair});
      if (residualTile)
        e.storeRaw(packBF16(e, bf16Residual(e, lo), bf16Residual(e, hi)),
                   residualTile, {r, pair});
    }
  };
  Value interior =
      e.andi(e.icmp(arith::CmpIPredicate::ule, e.iadd(row0, e.c(kBM)), rows),
             e.icmp(arith::CmpIPredicate::ule, e.iadd(k0, e.c(kBK)), depth));
  e.ifThenElse(
      interior, [&] { emit(false); }, [&] { emit(true); });
}

/// One mma.sync.m16n8k16 (bf16 x bf16 + f32 -> f32): acc (4 f32) += a * b.
SmallVector<Value> mmaSync(GPUEmitter &e, ArrayRef<Value> a, ArrayRef<Value> b,
                           ArrayRef<Value> acc) {
  OpBuilder &builder = e.builder();
  Location loc = e.location();
  Type f32 = e.f32();
  auto resultType = LLVM::LLVMStructType::getLiteral(builder.getContext(),
                                                     {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      builder, loc, resultType, a, b, acc, {16, 8, 16},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                    NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(builder, loc, d, i));
  return out;
}

void body(GPUEmitter &e, const MatmulSpec &spec, ValueRange args,
          ValueRange shared) {
  Value a = args[0], b = args[1], c = args[2];
  Value aTile = shared[0], bTile = shared[1];
  // f32 activations: a second tile with the bf16 residuals (hi/lo split).
  Value aLoTile = shared.size() > 2 ? shared[2] : Value();
  Value m = e.dim(c, 0), n = e.dim(c, 1), k = e.dim(a, 1);
  Value m0 = e.imul(e.blockId(gpu::Dimension::y), e.c(kBM));
  Value n0 = e.imul(e.blockId(), e.c(kBN));
  Value lane = e.laneId(), warp = e.warpId();
  Value group = e.idiv(lane, e.c(4)), quad = e.irem(lane, e.c(4));
  // Warp (wm, wn) computes rows wm*32.. and columns wn*32.. of the tile.
  Value warpRow = e.imul(e.idiv(warp, e.c(2)), e.c(32));
  Value warpCol = e.imul(e.irem(warp, e.c(2)), e.c(32));

  auto loadA = [&](Value r, Value kk) { return e.load(a, {r, kk}); };
  auto loadW = [&](Value r, Value kk) {
    return loadB(e, b, spec.transposeB, r, kk);
  };
  int64_t numAcc = kMTiles * kNTiles * 4;
  SmallVector<Value> init(numAcc, e.f(0.0));
  SmallVector<Value> acc = e.forRangeIter(
      e.c(0), k, e.c(kBK), init,
      [&](Value k0, ValueRange accIn) -> SmallVector<Value> {
        // Nobody may still read the previous k-tile while it is replaced.
        e.barrier();
        stage(e, aTile, m0, k0, m, k, loadA,
              pairsAligned(a.getType()) ? a : Value(), aLoTile);
        stage(e, bTile, n0, k0, n, k, loadW,
              spec.transposeB && pairsAligned(b.getType()) ? b : Value());
        e.barrier();
        SmallVector<Value> accOut(accIn);
        for (int64_t ks = 0; ks < kBK / 16; ++ks) {
          Value lo = e.iadd(quad, e.c(ks * 8)); // word of k = 16ks + 2q
          Value hi = e.iadd(lo, e.c(4));        // word of k = 16ks + 2q + 8
          SmallVector<SmallVector<Value>> aFrag, aLoFrag, bFrag;
          for (int64_t mt = 0; mt < kMTiles; ++mt) {
            Value r = e.iadd(warpRow, e.iadd(group, e.c(mt * 16)));
            Value r8 = e.iadd(r, e.c(8));
            auto fragment = [&](Value tile) -> SmallVector<Value> {
              return {e.loadRaw(tile, {r, lo}), e.loadRaw(tile, {r8, lo}),
                      e.loadRaw(tile, {r, hi}), e.loadRaw(tile, {r8, hi})};
            };
            aFrag.push_back(fragment(aTile));
            if (aLoTile)
              aLoFrag.push_back(fragment(aLoTile));
          }
          for (int64_t nt = 0; nt < kNTiles; ++nt) {
            Value col = e.iadd(warpCol, e.iadd(group, e.c(nt * 8)));
            bFrag.push_back(
                {e.loadRaw(bTile, {col, lo}), e.loadRaw(bTile, {col, hi})});
          }
          for (int64_t mt = 0; mt < kMTiles; ++mt)
            for (int64_t nt = 0; nt < kNTiles; ++nt) {
              int64_t base = (mt * kNTiles + nt) * 4;
              SmallVector<Value> d =
                  mmaSync(e, aFrag[mt], bFrag[nt],
                          ArrayRef<Value>(accOut).slice(base, 4));
              if (aLoTile)
                d = mmaSync(e, aLoFrag[mt], bFrag[nt], d);
              std::copy(d.begin(), d.end(), accOut.begin() + base);
            }
        }
        return accOut;
      });

  // Fragment element i of tile (mt, nt): row group (+8 for i >= 2), column
  // 2*quad (+1 for odd i).
  for (int64_t mt = 0; mt < kMTiles; ++mt)
    for (int64_t nt = 0; nt < kNTiles; ++nt)
      for (int64_t i = 0; i < 4; ++i) {
        Value row = e.iadd(e.iadd(m0, warpRow),
                           e.iadd(group, e.c(mt * 16 + (i / 2) * 8)));
        Value col = e.iadd(e.iadd(n0, warpCol),
                           e.iadd(e.imul(quad, e.c(2)), e.c(nt * 8 + i % 2)));
        storeMatmulResult(e, spec, args, acc[(mt * kNTiles + nt) * 4 + i],
                          row, col, m, n);
      }
}
} // namespace mma
} // namespace

KernelRecipe nvidia::matmulMmaRecipe(MLIRContext *ctx, MatmulSpec spec,
                             bool splitActivations) {
  Type i32 = IntegerType::get(ctx, 32);
  SmallVector<MemRefType> shared{
      GPUEmitter::workgroupType(ctx, {mma::kBM, mma::kStride}, i32),
      GPUEmitter::workgroupType(ctx, {mma::kBN, mma::kStride}, i32)};
  if (splitActivations)
    shared.push_back(
        GPUEmitter::workgroupType(ctx, {mma::kBM, mma::kStride}, i32));
  return makeRecipe(
      mma::kThreads, std::move(shared),
      [](GPUEmitter &e, ValueRange ops) {
        return matmulGrid(e, ops, mma::kBM, mma::kBN);
      },
      [spec](GPUEmitter &e, ValueRange args, ValueRange shared) {
        mma::body(e, spec, args, shared);
      });
}

