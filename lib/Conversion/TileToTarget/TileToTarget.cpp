//===- TileToTarget.cpp - Tile-IR to a target's loops and vectors ---------===//
//
// convert-tile-to-target{target=x86}: the second lowering of the Tessera
// pipeline.
//
//   Tile-IR (target-neutral tiled algorithms on buffers)
//     --> scf loops + vector/math/memref ops (+ Target-IR ops)
//
// Each Tile-IR op is replaced by the loop nest its target's kernel emitter
// writes (lib/Conversion/TileToTarget/X86/). CPU assumptions (vector width,
// register blocking, loop order) live only in those emitters: Tile-IR itself
// stays target-neutral so that the NVIDIA and AMD targets can lower the same
// ops to warpgroups, shared memory and TMA.
//
//===----------------------------------------------------------------------===//

#include "X86/Kernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTILETOTARGET
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::x86;

namespace {

x86::Epilogue toX86(tile::Epilogue epi) {
  switch (epi) {
  case tile::Epilogue::None:
    return x86::Epilogue::None;
  case tile::Epilogue::Relu2:
    return x86::Epilogue::ReLU2;
  case tile::Epilogue::Silu:
    return x86::Epilogue::SiLU;
  }
  llvm_unreachable("unknown epilogue");
}

/// [B, T, H, D] view of a [B, H, T, D] buffer, or back.
Value swapDims12(OpBuilder &b, Location loc, Value memref) {
  auto perm = AffineMapAttr::get(AffineMap::getPermutationMap(
      ArrayRef<unsigned>{0, 2, 1, 3}, b.getContext()));
  return memref::TransposeOp::create(b, loc, memref, perm);
}

/// The run-time position (a memref<1xi64>) as an index.
Value loadPosition(Emitter &e, Value position) {
  OpBuilder &b = e.builder();
  Value v = memref::LoadOp::create(b, e.location(), position, e.c(0));
  return arith::IndexCastOp::create(b, e.location(), b.getIndexType(), v);
}

LogicalResult requireRank(Operation *op, Value v, int64_t rank, StringRef what) {
  if (cast<MemRefType>(v.getType()).getRank() == rank)
    return success();
  return op->emitOpError() << "x86 lowering expects " << what << " of rank "
                           << rank << ", got " << v.getType();
}

/// Emits the x86 loop nest of one Tile-IR op at its position.
LogicalResult lowerToX86(Operation *op, Emitter &e) {
  OpBuilder &b = e.builder();
  Location loc = op->getLoc();
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tile::MatmulOp m) -> LogicalResult {
        if (!m.getTransposeB())
          return m.emitOpError("x86 lowering supports B in [N, K] layout "
                               "(transpose_b) only");
        if (m.getAccumulate() && m.getEpilogue() != tile::Epilogue::None)
          return m.emitOpError("an accumulating matmul cannot have an epilogue");
        emitMatmul(e, m.getA(), m.getB(), m.getBias(), m.getC(),
                   toX86(m.getEpilogue()), m.getAccumulate());
        return success();
      })
      .Case([&](tile::RMSNormOp n) -> LogicalResult {
        if (failed(requireRank(op, n.getX(), 2, "x")))
          return failure();
        emitRMSNorm(e, n.getX(), n.getWeight(), n.getOut(),
                    n.getEpsilon().convertToDouble());
        return success();
      })
      .Case([&](tile::GatedRMSNormOp n) -> LogicalResult {
        if (failed(requireRank(op, n.getY(), 2, "y")))
          return failure();
        emitGatedRMSNorm(e, n.getY(), n.getZ(), n.getWeight(), n.getOut(),
                         n.getEpsilon().convertToDouble(), n.getGroupSize());
        return success();
      })
      .Case([&](tile::AddOp a) -> LogicalResult {
        if (failed(requireRank(op, a.getA(), 2, "operands")))
          return failure();
        emitAdd(e, a.getA(), a.getB(), a.getOut());
        return success();
      })
      .Case([&](tile::EmbeddingOp m) {
        emitEmbedding(e, m.getTable(), m.getIds(), m.getOut());
        return success();
      })
      .Case([&](tile::CausalConv1dOp c) {
        emitCausalConv1d(e, c.getX(), c.getWeight(), c.getBias(),
                         c.getStateIn(), c.getOut(), c.getStateOut(),
                         c.getSilu());
        return success();
      })
      .Case([&](tile::SSDChunkCumsumOp s) {
        emitSSDChunkCumsum(e, s.getDt(), s.getDtBias(), s.getALog(),
                           s.getDtOut(), s.getDACumsum(), s.getChunkSize(),
                           s.getDtMin().convertToDouble(),
                           s.getDtMax().convertToDouble());
        return success();
      })
      .Case([&](tile::SSDChunkStateOp s) {
        emitSSDChunkState(e, s.getX(), s.getB(), s.getDt(), s.getDACumsum(),
                          s.getStates(), s.getChunkSize());
        return success();
      })
      .Case([&](tile::SSDStatePassingOp s) {
        // The cumulative sums repeat the last valid value past the end of
        // the sequence, so every chunk may be treated as full here.
        Value chunks = e.dim(s.getStates(), 1);
        emitSSDStatePassing(e, s.getStates(), s.getDACumsum(), s.getInit(),
                            s.getStatesOut(), s.getFinalState(),
                            e.imul(chunks, e.c(s.getChunkSize())),
                            s.getChunkSize());
        return success();
      })
      .Case([&](tile::SSDChunkScanOp s) {
        emitSSDChunkScan(e, s.getX(), s.getB(), s.getC(), s.getDt(),
                         s.getDACumsum(), s.getStates(), s.getD(), s.getY(),
                         s.getChunkSize());
        return success();
      })
      .Case([&](tile::SSDStateUpdateOp s) {
        // In place: the emitter reads each state element before writing it.
        emitSSDStateUpdate(e, s.getX(), s.getDt(), s.getDtBias(), s.getALog(),
                           s.getB(), s.getC(), s.getD(), s.getState(),
                           s.getState(), s.getY(),
                           s.getDtMin().convertToDouble(),
                           s.getDtMax().convertToDouble());
        return success();
      })
      .Case([&](tile::FlashAttentionOp f) -> LogicalResult {
        // Tile-IR's K/V are [B, T, Hkv, D]; the x86 kernel walks keys of one
        // head by index, i.e. [B, Hkv, T, D] (a view, no copy). With a
        // position the keys are the cache prefix [0, position + seq).
        for (auto [v, i] : {std::pair{f.getQ(), 2}, {f.getQ(), 3},
                            {f.getK(), 2}})
          if (cast<MemRefType>(v.getType()).isDynamicDim(i))
            return f.emitOpError("x86 lowering needs static query heads, "
                                 "K/V heads and head_dim, got ")
                   << v.getType();
        Value kvLen;
        if (Value pos = f.getPosition())
          kvLen = e.iadd(loadPosition(e, pos), e.dim(f.getQ(), 1));
        emitFlashAttention(e, f.getQ(), swapDims12(b, loc, f.getK()),
                           swapDims12(b, loc, f.getV()), f.getOut(),
                           f.getScale().convertToDouble(), f.getCausal(),
                           f.getBlockK(), kvLen);
        return success();
      })
      .Case([&](tile::KVCacheAppendOp k) {
        // Only the new rows [position, position + seq) are written.
        Value cache = k.getCache();
        OpFoldResult pos = b.getIndexAttr(0);
        if (k.getPosition())
          pos = loadPosition(e, k.getPosition());
        SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), pos,
                                          b.getIndexAttr(0), b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes{e.dim(cache, 0),
                                        e.dim(k.getUpdate(), 1),
                                        e.dim(cache, 2), e.dim(cache, 3)};
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        Value window =
            memref::SubViewOp::create(b, loc, cache, offsets, sizes, strides);
        emitKVCacheAppend(e, Value(), k.getUpdate(),
                          swapDims12(b, loc, window));
        return success();
      })
      .Case([&](tile::BarrierOp) { return success(); }) // one thread per core
      .Case([&](memref::CopyOp c) {
        emitCopy(e, c.getSource(), c.getTarget());
        return success();
      })
      .Default([](Operation *other) {
        return other->emitOpError("has no x86 lowering");
      });
}

struct ConvertTileToTargetPass
    : tessera::impl::ConvertTileToTargetBase<ConvertTileToTargetPass> {
  using ConvertTileToTargetBase::ConvertTileToTargetBase;

  void runOnOperation() override {
    if (target != "x86") {
      getOperation().emitError()
          << "convert-tile-to-target: unknown target '" << target
          << "' (available: x86)";
      return signalPassFailure();
    }
    // memref.copy too: upstream lowers copies between strided buffers to a
    // call into MLIR's C runner library, which compiled modules do not link.
    SmallVector<Operation *> tileOps;
    getOperation().walk([&](Operation *op) {
      if (isa_and_nonnull<tile::TileDialect>(op->getDialect()) ||
          isa<memref::CopyOp>(op))
        tileOps.push_back(op);
    });
    for (Operation *op : tileOps) {
      OpBuilder b(op);
      Emitter e(b, op->getLoc(), vectorWidth);
      if (failed(lowerToX86(op, e)))
        return signalPassFailure();
      op->erase();
    }
  }
};
} // namespace
