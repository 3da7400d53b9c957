//===- DenseKernels.cpp - GPU kernels for dense Tile-IR ops -------------===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl: kernel recipes
// (Kernels.h) for tile.matmul,
// tile.rmsnorm, tile.gated_rmsnorm, tile.add, tile.embedding and memref.copy.
// Bodies are written with GPUEmitter (f32 arithmetic, bf16/f16 extended on
// load); every kernel reads its sizes from its memref arguments, so dynamic
// batch and sequence lengths need no extra parameters.
//
//===----------------------------------------------------------------------===//

#include "GPUEmitter.h"
#include "Kernels.h"
#include "MatmulKernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

//===----------------------------------------------------------------------===//
// Shared with the vendors' matrix-core matmuls (MatmulKernels.h)
//===----------------------------------------------------------------------===//

/// A recipe whose grid is computed by `grid` with a GPUEmitter at the launch
/// site and whose body is `body` with a GPUEmitter in the kernel.
KernelRecipe gpukernels::makeRecipe(
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

/// Writes one output element: v (+ bias[col]) (+ c[row, col]), epilogue,
/// guarded by row < M and col < N.
void gpukernels::storeMatmulResult(GPUEmitter &e, const MatmulSpec &spec, ValueRange args,
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
Value gpukernels::loadB(GPUEmitter &e, Value b, bool transposeB, Value n, Value k) {
  return transposeB ? e.load(b, {n, k}) : e.load(b, {k, n});
}

/// x[r, k] if r < rows and k < depth, else 0 (edge tiles of the operands).
Value gpukernels::loadOrZero(GPUEmitter &e, Value r, Value k, Value rows, Value depth,
                 const std::function<Value(Value, Value)> &load) {
  return e.ifThenElse(
      e.andi(e.ult(r, rows), e.ult(k, depth)), {e.f32()},
      [&]() -> SmallVector<Value> { return {load(r, k)}; },
      [&]() -> SmallVector<Value> { return {e.f(0.0)}; })[0];
}

Grid gpukernels::matmulGrid(GPUEmitter &e, ValueRange ops, int64_t bm, int64_t bn) {
  Value c = ops[2];
  return {e.ceilDiv(e.dim(c, 1), bn), e.ceilDiv(e.dim(c, 0), bm), e.c(1)};
}

namespace {

/// Threads of the row-wise kernels (norms, embedding, add, copy).
constexpr int64_t kRowThreads = 256;

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

FailureOr<KernelRecipe> matmulRecipe(tile::MatmulOp op,
                                     const GPUTargetInfo &target) {
  for (Value v : {op.getA(), op.getB(), op.getC()})
    if (cast<MemRefType>(v.getType()).getRank() != 2)
      return op.emitOpError()
             << target.vendorName()
             << " lowering expects A, B and C of rank 2, got "
             << v.getType();
  if (op.getAccumulate() && op.getEpilogue() != tile::Epilogue::None)
    return op.emitOpError("an accumulating matmul cannot have an epilogue");
  MatmulSpec spec{op.getTransposeB(), op.getAccumulate(), bool(op.getBias()),
                  op.getEpilogue()};
  Type wType = cast<MemRefType>(op.getB().getType()).getElementType();
  // Matrix cores for bf16 weights (mma.sync, MFMA: the target's); f32
  // weights keep f32 products so that fp32 mode matches the reference to
  // 1e-3.
  if (wType.isBF16() && target.matrixMatmul)
    return target.matrixMatmul(
        op.getContext(), spec,
        cast<MemRefType>(op.getA().getType()).getElementType().isF32());
  return matmulSimtRecipe(op.getContext(), spec);
}

LogicalResult requireRank(const GPUTargetInfo &target, Operation *op, Value v,
                          int64_t rank, StringRef what) {
  if (cast<MemRefType>(v.getType()).getRank() == rank)
    return success();
  return op->emitOpError() << target.vendorName() << " lowering expects " << what << " of rank "
                           << rank << ", got " << v.getType();
}

} // namespace

FailureOr<KernelRecipe> gpukernels::getDenseRecipe(Operation *op,
                                               const GPUTargetInfo &target) {
  MLIRContext *ctx = op->getContext();
  if (auto m = dyn_cast<tile::MatmulOp>(op))
    return matmulRecipe(m, target);
  if (auto n = dyn_cast<tile::RMSNormOp>(op)) {
    if (failed(requireRank(target, op, n.getX(), 2, "x")))
      return failure();
    return rmsnormRecipe(ctx, n.getEpsilon().convertToDouble());
  }
  if (auto n = dyn_cast<tile::GatedRMSNormOp>(op)) {
    if (failed(requireRank(target, op, n.getY(), 2, "y")))
      return failure();
    return gatedRMSNormRecipe(ctx, n.getEpsilon().convertToDouble(),
                              n.getGroupSize());
  }
  if (auto add = dyn_cast<tile::AddOp>(op)) {
    if (failed(requireRank(target, op, add.getA(), 2, "operands")))
      return failure();
    return addRecipe();
  }
  if (auto emb = dyn_cast<tile::EmbeddingOp>(op)) {
    int64_t rank = cast<MemRefType>(emb.getIds().getType()).getRank();
    if (rank < 1 || rank > 3)
      return op->emitOpError()
             << target.vendorName() << " lowering expects ids of rank 1 to 3, got "
             << emb.getIds().getType();
    return embeddingRecipe(rank);
  }
  if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    int64_t rank = cast<MemRefType>(copy.getSource().getType()).getRank();
    if (rank < 1 || rank > 4)
      return op->emitOpError() << target.vendorName()
                               << " lowering expects a copy of rank 1 to 4, got "
             << copy.getSource().getType();
    return copyRecipe(rank);
  }
  return op->emitOpError() << "has no " << target.vendorName() << " lowering";
}
