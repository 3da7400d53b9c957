//===- DenseKernels.cpp - NVIDIA kernels for dense Tile-IR ops -------------===//
//
// Part of convert-tile-to-nvvm: kernel recipes (Kernels.h) for tile.matmul,
// tile.rmsnorm, tile.gated_rmsnorm, tile.add, tile.embedding and memref.copy.
// Bodies are written with GPUEmitter (f32 arithmetic, bf16/f16 extended on
// load); every kernel reads its sizes from its memref arguments, so dynamic
// batch and sequence lengths need no extra parameters.
//
//===----------------------------------------------------------------------===//

#include "GPUEmitter.h"
#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::nvidia;

namespace {

using Grid = SmallVector<Value, 3>;

/// Threads of the row-wise kernels (norms, embedding, add, copy).
constexpr int64_t kRowThreads = 256;

/// A recipe whose grid is computed by `grid` with a GPUEmitter at the launch
/// site and whose body is `body` with a GPUEmitter in the kernel.
KernelRecipe makeRecipe(
    int64_t threads, SmallVector<MemRefType> workgroup,
    std::function<Grid(GPUEmitter &, ValueRange)> grid,
    std::function<void(GPUEmitter &, ValueRange, ValueRange)> body) {
  KernelRecipe r;
  r.block = {threads, 1, 1};
  r.workgroup = std::move(workgroup);
  r.grid = [grid](OpBuilder &b, Location loc, ValueRange ops) {
    GPUEmitter e(b, loc);
    return grid(e, ops);
  };
  r.body = [body](OpBuilder &b, Location loc, ValueRange args,
                  ValueRange shared) {
    GPUEmitter e(b, loc);
    body(e, args, shared);
    return success();
  };
  return r;
}

//===----------------------------------------------------------------------===//
// Elementwise, norms, embedding, copy
//===----------------------------------------------------------------------===//

/// tile.add on [R, H]: one thread per element, grid (R, ceil(H / 256)).
/// (Rows, which grow with batch x sequence, go on grid x: y and z stop at
/// 65535.)
KernelRecipe addRecipe() {
  return makeRecipe(
      kRowThreads, {},
      [](GPUEmitter &e, ValueRange ops) -> Grid {
        return {e.dim(ops[0], 0), e.ceilDiv(e.dim(ops[0], 1), kRowThreads),
                e.c(1)};
      },
      [](GPUEmitter &e, ValueRange args, ValueRange) {
        Value col = e.iadd(e.imul(e.blockId(gpu::Dimension::y),
                                  e.c(kRowThreads)),
                           e.threadId());
        Value row = e.blockId();
        e.ifThen(e.ult(col, e.dim(args[0], 1)), [&] {
          Value sum = e.add(e.load(args[0], {row, col}),
                            e.load(args[1], {row, col}));
          e.store(sum, args[2], {row, col});
        });
      });
}

/// tile.rmsnorm on [R, H]: one block per row; the sum of squares is a block
/// reduction, then each thread scales its elements.
KernelRecipe rmsnormRecipe(MLIRContext *ctx, double eps) {
  return makeRecipe(
      kRowThreads, {GPUEmitter::reductionScratchType(ctx)},
      [](GPUEmitter &e, ValueRange ops) -> Grid {
        return {e.dim(ops[0], 0), e.c(1), e.c(1)};
      },
      [eps](GPUEmitter &e, ValueRange args, ValueRange shared) {
        Value x = args[0], w = args[1], out = args[2];
        Value row = e.blockId();
        Value hidden = e.dim(x, 1);
        Value ss = e.forBlockStrideIter(
            e.c(0), hidden, kRowThreads, {e.f(0.0)},
            [&](Value h, ValueRange acc) -> SmallVector<Value> {
              Value v = e.load(x, {row, h});
              return {e.fma(v, v, acc[0])};
            })[0];
        Value total = e.blockReduceSum(ss, shared[0], kRowThreads);
        Value hiddenF = arith::UIToFPOp::create(
            e.builder(), e.location(), e.f32(),
            arith::IndexCastUIOp::create(e.builder(), e.location(),
                                         e.builder().getI64Type(), hidden));
        Value inv = e.rsqrt(e.add(e.div(total, hiddenF), e.f(eps)));
        e.forBlockStride(e.c(0), hidden, kRowThreads, [&](Value h) {
          Value v = e.mul(e.load(x, {row, h}), inv);
          e.store(e.mul(v, e.load(w, {h})), out, {row, h});
        });
      });
}

/// tile.gated_rmsnorm on [R, D] with groups of G channels: one block per
/// (row, group); h = y * silu(z) is recomputed in the second pass rather
/// than kept, so the kernel needs no buffer per group.
KernelRecipe gatedRMSNormRecipe(MLIRContext *ctx, double eps,
                                int64_t groupSize) {
  return makeRecipe(
      kRowThreads, {GPUEmitter::reductionScratchType(ctx)},
      [groupSize](GPUEmitter &e, ValueRange ops) -> Grid {
        return {e.dim(ops[0], 0), e.idiv(e.dim(ops[0], 1), e.c(groupSize)),
                e.c(1)};
      },
      [eps, groupSize](GPUEmitter &e, ValueRange args, ValueRange shared) {
        Value y = args[0], z = args[1], w = args[2], out = args[3];
        Value row = e.blockId();
        Value first = e.imul(e.blockId(gpu::Dimension::y), e.c(groupSize));
        Value end = e.iadd(first, e.c(groupSize));
        auto gated = [&](Value ch) {
          return e.mul(e.load(y, {row, ch}), e.silu(e.load(z, {row, ch})));
        };
        Value ss = e.forBlockStrideIter(
            first, end, kRowThreads, {e.f(0.0)},
            [&](Value ch, ValueRange acc) -> SmallVector<Value> {
              Value h = gated(ch);
              return {e.fma(h, h, acc[0])};
            })[0];
        Value total = e.blockReduceSum(ss, shared[0], kRowThreads);
        Value inv = e.rsqrt(e.add(e.mul(total, e.f(1.0 / double(groupSize))),
                                  e.f(eps)));
        e.forBlockStride(first, end, kRowThreads, [&](Value ch) {
          Value h = e.mul(gated(ch), inv);
          e.store(e.mul(h, e.load(w, {ch})), out, {row, ch});
        });
      });
}

/// tile.embedding with ids of rank 1-3: one block per id (the id dimensions
/// map to grid x, y, z from the innermost), its threads copy the row.
KernelRecipe embeddingRecipe(int64_t idRank) {
  return makeRecipe(
      128, {},
      [idRank](GPUEmitter &e, ValueRange ops) -> Grid {
        Grid g = {e.c(1), e.c(1), e.c(1)};
        for (int64_t i = 0; i < idRank; ++i)
          g[i] = e.dim(ops[1], idRank - 1 - i);
        return g;
      },
      [idRank](GPUEmitter &e, ValueRange args, ValueRange) {
        Value table = args[0], ids = args[1], out = args[2];
        const gpu::Dimension dims[] = {gpu::Dimension::x, gpu::Dimension::y,
                                       gpu::Dimension::z};
        SmallVector<Value> pos(idRank);
        for (int64_t i = 0; i < idRank; ++i)
          pos[idRank - 1 - i] = e.blockId(dims[i]);
        Value id = e.indexCast(e.loadRaw(ids, pos));
        Value hidden = e.dim(table, 1);
        e.forBlockStride(e.c(0), hidden, 128, [&](Value h) {
          SmallVector<Value> outPos(pos);
          outPos.push_back(h);
          e.store(e.load(table, {id, h}), out, outPos);
        });
      });
}

/// memref.copy of rank 1-4 (any strides): the last dimension over threads
/// and grid y, the one before over grid x, the rest flattened over grid z.
KernelRecipe copyRecipe(int64_t rank) {
  return makeRecipe(
      kRowThreads, {},
      [rank](GPUEmitter &e, ValueRange ops) -> Grid {
        Value src = ops[0];
        Grid g = {e.c(1), e.ceilDiv(e.dim(src, rank - 1), kRowThreads),
                  e.c(1)};
        if (rank >= 2)
          g[0] = e.dim(src, rank - 2);
        for (int64_t i = 0; i + 2 < rank; ++i)
          g[2] = e.imul(g[2], e.dim(src, i));
        return g;
      },
      [rank](GPUEmitter &e, ValueRange args, ValueRange) {
        Value src = args[0], dst = args[1];
        Value last = e.iadd(
            e.imul(e.blockId(gpu::Dimension::y), e.c(kRowThreads)),
            e.threadId());
        SmallVector<Value> pos(rank);
        pos[rank - 1] = last;
        if (rank >= 2)
          pos[rank - 2] = e.blockId();
        Value rest = e.blockId(gpu::Dimension::z);
        for (int64_t i = rank - 3; i >= 0; --i) {
          Value size = e.dim(src, i);
          pos[i] = e.irem(rest, size);
          rest = e.idiv(rest, size);
        }
        e.ifThen(e.ult(last, e.dim(src, rank - 1)),
                 [&] { e.storeRaw(e.loadRaw(src, pos), dst, pos); });
      });
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

/// What a matmul kernel needs from the op besides its arguments
/// (a, b, c[, bias]).
struct MatmulSpec {
  bool transposeB;
  bool accumulate;
  bool hasBias;
  tile::Epilogue epilogue;
};

/// Writes one output element: v (+ bias[col]) (+ c[row, col]), epilogue,
/// guarded by row < M and col < N.
void storeMatmulResult(GPUEmitter &e, const MatmulSpec &spec, ValueRange args,
                       Value v, Value row, Value col, Value m, Value n) {
  Value c = args[2];
  e.ifThen(e.andi(e.ult(row, m), e.ult(col, n)), [&] {
    Value r = v;
    if (spec.hasBias)
      r = e.add(r, e.load(args[3], {col}));
    if (spec.accumulate)
      r = e.add(r, e.load(c, {row, col}));
    switch (spec.epilogue) {
    case tile::Epilogue::None:
      break;
    case tile::Epilogue::Relu2: {
      Value relu = e.max(r, e.f(0.0));
      r = e.mul(relu, relu);
      break;
    }
    case tile::Epilogue::Silu:
      r = e.silu(r);
      break;
    }
    e.store(r, c, {row, col});
  });
}

/// B[n, k] from `b`, which is [N, K] (transpose_b) or [K, N].
Value loadB(GPUEmitter &e, Value b, bool transposeB, Value n, Value k) {
  return transposeB ? e.load(b, {n, k}) : e.load(b, {k, n});
}

/// x[r, k] if r < rows and k < depth, else 0 (edge tiles of the operands).
Value loadOrZero(GPUEmitter &e, Value r, Value k, Value rows, Value depth,
                 const std::function<Value(Value, Value)> &load) {
  return e.ifThenElse(
      e.andi(e.ult(r, rows), e.ult(k, depth)), {e.f32()},
      [&]() -> SmallVector<Value> { return {load(r, k)}; },
      [&]() -> SmallVector<Value> { return {e.f(0.0)}; })[0];
}

Grid matmulGrid(GPUEmitter &e, ValueRange ops, int64_t bm, int64_t bn) {
  Value c = ops[2];
  return {e.ceilDiv(e.dim(c, 1), bn), e.ceilDiv(e.dim(c, 0), bm), e.c(1)};
}

// -- bf16 weights: tensor cores ---------------------------------------------
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

/// `splitActivations`: A is f32, staged as bf16 hi and lo tiles (a third
/// workgroup buffer) and multiplied twice.
KernelRecipe matmulMmaRecipe(MLIRContext *ctx, MatmulSpec spec,
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

// -- f32 weights: SIMT --------------------------------------------------------
//
// C tile 64x64 per block of 256 threads, each computing 4x4 outputs strided
// by 16 (rows ty + 16i, columns tx + 16j: a warp reads two A values and 32
// consecutive B values per k, conflict-free), K in steps of 16 staged in
// shared memory k-major, f32 FMAs in full precision.
namespace simt {
constexpr int64_t kBM = 64, kBN = 64, kBK = 16, kThreads = 256;
constexpr int64_t kStride = kBM + 1;

/// tile[k][r] = x[row0 + r, k0 + k], zero outside [rows, depth); interior
/// tiles without guards.
void stage(GPUEmitter &e, Value tile, Value row0, Value k0, Value rows,
           Value depth, const std::function<Value(Value, Value)> &load) {
  auto emit = [&](bool guarded) {
    Value tid = e.threadId();
    for (int64_t i = 0; i < kBM * kBK / kThreads; ++i) {
      Value p = e.iadd(tid, e.c(i * kThreads));
      Value r = e.idiv(p, e.c(kBK));
      Value kk = e.irem(p, e.c(kBK));
      Value gr = e.iadd(row0, r), gk = e.iadd(k0, kk);
      Value v = guarded ? loadOrZero(e, gr, gk, rows, depth, load)
                        : load(gr, gk);
      e.storeRaw(v, tile, {kk, r});
    }
  };
  Value interior =
      e.andi(e.icmp(arith::CmpIPredicate::ule, e.iadd(row0, e.c(kBM)), rows),
             e.icmp(arith::CmpIPredicate::ule, e.iadd(k0, e.c(kBK)), depth));
  e.ifThenElse(
      interior, [&] { emit(false); }, [&] { emit(true); });
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
  Value tx = e.irem(e.threadId(), e.c(16)), ty = e.idiv(e.threadId(), e.c(16));
  auto loadA = [&](Value r, Value kk) { return e.load(a, {r, kk}); };
  auto loadW = [&](Value r, Value kk) {
    return loadB(e, b, spec.transposeB, r, kk);
  };
  SmallVector<Value> init(16, e.f(0.0));
  SmallVector<Value> acc = e.forRangeIter(
      e.c(0), k, e.c(kBK), init,
      [&](Value k0, ValueRange accIn) -> SmallVector<Value> {
        e.barrier();
        stage(e, aTile, m0, k0, m, k, loadA);
        stage(e, bTile, n0, k0, n, k, loadW);
        e.barrier();
        return e.forRangeIter(
            e.c(0), e.c(kBK), e.c(1), accIn,
            [&](Value kk, ValueRange accK) -> SmallVector<Value> {
              SmallVector<Value> av, bv, out;
              for (int64_t i = 0; i < 4; ++i) {
                av.push_back(
                    e.loadRaw(aTile, {kk, e.iadd(ty, e.c(16 * i))}));
                bv.push_back(
                    e.loadRaw(bTile, {kk, e.iadd(tx, e.c(16 * i))}));
              }
              for (int64_t i = 0; i < 4; ++i)
                for (int64_t j = 0; j < 4; ++j)
                  out.push_back(e.fma(av[i], bv[j], accK[i * 4 + j]));
              return out;
            });
      });
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j)
      storeMatmulResult(e, spec, args, acc[i * 4 + j],
                        e.iadd(m0, e.iadd(ty, e.c(16 * i))),
                        e.iadd(n0, e.iadd(tx, e.c(16 * j))), m, n);
}
} // namespace simt

KernelRecipe matmulSimtRecipe(MLIRContext *ctx, MatmulSpec spec) {
  Type f32 = Float32Type::get(ctx);
  return makeRecipe(
      simt::kThreads,
      {GPUEmitter::workgroupType(ctx, {simt::kBK, simt::kStride}, f32),
       GPUEmitter::workgroupType(ctx, {simt::kBK, simt::kStride}, f32)},
      [](GPUEmitter &e, ValueRange ops) {
        return matmulGrid(e, ops, simt::kBM, simt::kBN);
      },
      [spec](GPUEmitter &e, ValueRange args, ValueRange shared) {
        simt::body(e, spec, args, shared);
      });
}

FailureOr<KernelRecipe> matmulRecipe(tile::MatmulOp op, const ChipInfo &chip) {
  for (Value v : {op.getA(), op.getB(), op.getC()})
    if (cast<MemRefType>(v.getType()).getRank() != 2)
      return op.emitOpError("NVIDIA lowering expects A, B and C of rank 2, got ")
             << v.getType();
  if (op.getAccumulate() && op.getEpilogue() != tile::Epilogue::None)
    return op.emitOpError("an accumulating matmul cannot have an epilogue");
  MatmulSpec spec{op.getTransposeB(), op.getAccumulate(), bool(op.getBias()),
                  op.getEpilogue()};
  Type wType = cast<MemRefType>(op.getB().getType()).getElementType();
  // Tensor cores for bf16 weights (mma.sync needs sm_80+); f32 weights keep
  // f32 products so that fp32 mode matches the reference to 1e-3.
  if (wType.isBF16() && chip.smVersion() >= 80)
    return matmulMmaRecipe(
        op.getContext(), spec,
        cast<MemRefType>(op.getA().getType()).getElementType().isF32());
  return matmulSimtRecipe(op.getContext(), spec);
}

LogicalResult requireRank(Operation *op, Value v, int64_t rank,
                          StringRef what) {
  if (cast<MemRefType>(v.getType()).getRank() == rank)
    return success();
  return op->emitOpError() << "NVIDIA lowering expects " << what << " of rank "
                           << rank << ", got " << v.getType();
}

} // namespace

FailureOr<KernelRecipe> nvidia::getDenseRecipe(Operation *op,
                                               const ChipInfo &chip) {
  MLIRContext *ctx = op->getContext();
  if (auto m = dyn_cast<tile::MatmulOp>(op))
    return matmulRecipe(m, chip);
  if (auto n = dyn_cast<tile::RMSNormOp>(op)) {
    if (failed(requireRank(op, n.getX(), 2, "x")))
      return failure();
    return rmsnormRecipe(ctx, n.getEpsilon().convertToDouble());
  }
  if (auto n = dyn_cast<tile::GatedRMSNormOp>(op)) {
    if (failed(requireRank(op, n.getY(), 2, "y")))
      return failure();
    return gatedRMSNormRecipe(ctx, n.getEpsilon().convertToDouble(),
                              n.getGroupSize());
  }
  if (auto add = dyn_cast<tile::AddOp>(op)) {
    if (failed(requireRank(op, add.getA(), 2, "operands")))
      return failure();
    return addRecipe();
  }
  if (auto emb = dyn_cast<tile::EmbeddingOp>(op)) {
    int64_t rank = cast<MemRefType>(emb.getIds().getType()).getRank();
    if (rank < 1 || rank > 3)
      return op->emitOpError("NVIDIA lowering expects ids of rank 1 to 3, got ")
             << emb.getIds().getType();
    return embeddingRecipe(rank);
  }
  if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    int64_t rank = cast<MemRefType>(copy.getSource().getType()).getRank();
    if (rank < 1 || rank > 4)
      return op->emitOpError("NVIDIA lowering expects a copy of rank 1 to 4, got ")
             << copy.getSource().getType();
    return copyRecipe(rank);
  }
  return op->emitOpError("has no NVIDIA lowering yet");
}
