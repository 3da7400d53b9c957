//===- TileToX86.cpp - Tile-IR to x86 loops and vectors -------------------===//
//
// convert-tile-to-x86: the x86 target's lowering of Tile-IR (run by
// tessera-tile-to-target when the module's #tessera.target is x86, after
// tessera-select-lowering-config).
//
//   Tile-IR (target-neutral tiled algorithms on buffers, with configs)
//     --> func.call @tessera_x86_<op>_<n>(...) + one private kernel function
//         per distinct (op, operand types, attributes, lowering config),
//         holding the scf loops + vector/math/memref ops (+ Target-IR ops)
//         that the op's kernel emitter writes.
//
// Outlining keeps compile time linear in the number of *distinct* kernels,
// not layers: the 62 layers of the 12B model share a few dozen kernels. The
// kernels are `noinline` (LLVM passthrough) so that LLVM does not copy them back into every
// layer. CPU assumptions (vector width, register blocking, loop order) live
// only in the emitters and in the x86 lowering config (KernelConfig.cpp).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Conversion/TileToX86/TileToX86.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTILETOX86
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

LogicalResult requireRank(Operation *op, Value v, int64_t rank, StringRef what) {
  if (cast<MemRefType>(v.getType()).getRank() == rank)
    return success();
  return op->emitOpError() << "x86 lowering expects " << what << " of rank "
                           << rank << ", got " << v.getType();
}

/// Emits the x86 loop nest of one Tile-IR op at its position.
LogicalResult lowerToX86(Operation *op, Emitter &e,
                         const X86KernelConfig &config) {
  OpBuilder &b = e.builder();
  Location loc = op->getLoc();
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tile::MatmulOp m) -> LogicalResult {
        if (!m.getTransposeB())
          return m.emitOpError("x86 lowering supports B in [N, K] layout "
                               "(transpose_b) only");
        if (m.getAccumulate() && m.getEpilogue() != tile::Epilogue::None)
          return m.emitOpError("an accumulating matmul cannot have an epilogue");
        MatmulTiling tiling{config.rowPanel, config.registerRows,
                            config.registerCols};
        emitMatmul(e, m.getA(), m.getB(), m.getBias(), m.getC(),
                   toX86(m.getEpilogue()), m.getAccumulate(), tiling);
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
      .Case([&](tile::FlashAttentionOp f) {
        // Tile-IR's K/V are [B, T, Hkv, D]; the x86 kernel walks keys of one
        // head contiguously, i.e. [B, Hkv, T, D] (a view, no copy).
        emitFlashAttention(e, f.getQ(), swapDims12(b, loc, f.getK()),
                           swapDims12(b, loc, f.getV()), f.getOut(),
                           f.getScale().convertToDouble(), f.getCausal(),
                           config.blockK);
        return success();
      })
      .Case([&](tile::KVCacheAppendOp k) {
        Value cache = k.getCache();
        SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0),
                                          k.getPosition(), b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes{e.dim(cache, 0), e.dim(cache, 1),
                                        e.dim(k.getUpdate(), 1),
                                        e.dim(cache, 3)};
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        Value window =
            memref::SubViewOp::create(b, loc, cache, offsets, sizes, strides);
        emitKVCacheAppend(e, Value(), k.getUpdate(), window);
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

/// The key that decides which ops share a kernel function: the op, its
/// operand types and its attributes (lowering config included).
std::string kernelKey(Operation *op) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << op->getName() << "(";
  llvm::interleaveComma(op->getOperandTypes(), os);
  os << ")" << op->getAttrDictionary();
  return key;
}

/// Outlines each Tile-IR op into a shared private kernel function.
class KernelOutliner {
public:
  KernelOutliner(ModuleOp module) : module(module), symbols(module) {}

  /// The kernel function for `op` (created, with its body emitted, the first
  /// time its key is seen), or failure after a diagnostic on `op`.
  FailureOr<func::FuncOp> getOrCreate(Operation *op,
                                      const X86KernelConfig &config) {
    std::string key = kernelKey(op);
    if (func::FuncOp fn = kernels.lookup(key))
      return fn;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    std::string base = "tessera_x86_" + op->getName().getStringRef().str();
    std::replace(base.begin(), base.end(), '.', '_');
    auto type = b.getFunctionType(op->getOperandTypes(), {});
    auto fn = func::FuncOp::create(b, op->getLoc(), base, type);
    fn.setPrivate();
    // Shared by many callers: LLVM must not inline it back into each one
    // (func-to-llvm carries `passthrough` over to the llvm.func).
    fn->setAttr("passthrough", b.getStrArrayAttr({"noinline"}));
    symbols.insert(fn); // renames on collision: tessera_x86_tile_matmul_0...
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    // Operand i becomes argument i, also where the op passes one buffer
    // twice: the function serves callers that pass distinct buffers.
    Operation *clone = b.clone(*op);
    for (auto [i, arg] : llvm::enumerate(entry->getArguments()))
      clone->setOperand(i, arg);
    Emitter e(b, op->getLoc(), config.vectorWidth);
    b.setInsertionPoint(clone);
    LogicalResult ok = lowerToX86(clone, e, config);
    clone->erase();
    if (failed(ok)) {
      fn.erase();
      return failure();
    }
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, op->getLoc());
    kernels[key] = fn;
    return fn;
  }

private:
  ModuleOp module;
  SymbolTable symbols;
  llvm::StringMap<func::FuncOp> kernels;
};

struct ConvertTileToX86Pass
    : tessera::impl::ConvertTileToX86Base<ConvertTileToX86Pass> {
  using ConvertTileToX86Base::ConvertTileToX86Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetAttr> target = getModuleTarget(module);
    if (failed(target))
      return signalPassFailure();
    if (!target->isX86()) {
      module.emitError() << "convert-tile-to-x86: the module's target is '"
                         << target->getKind() << "', not x86";
      return signalPassFailure();
    }
    // memref.copy too: upstream lowers copies between strided buffers to a
    // call into MLIR's C runner library, which compiled modules do not link.
    SmallVector<Operation *> tileOps;
    module.walk([&](Operation *op) {
      if (isa_and_nonnull<tile::TileDialect>(op->getDialect()) ||
          isa<memref::CopyOp>(op))
        tileOps.push_back(op);
    });
    KernelOutliner outliner(module);
    for (Operation *op : tileOps) {
      FailureOr<X86KernelConfig> config =
          isa<memref::CopyOp>(op) ? defaultX86Config(*target)
                                  : readX86Config(op, *target);
      if (failed(config))
        return signalPassFailure();
      if (isa<tile::BarrierOp>(op)) { // one thread per core: nothing to do
        op->erase();
        continue;
      }
      if (!outlineKernels) {
        OpBuilder b(op);
        Emitter e(b, op->getLoc(), config->vectorWidth);
        if (failed(lowerToX86(op, e, *config)))
          return signalPassFailure();
        op->erase();
        continue;
      }
      FailureOr<func::FuncOp> fn = outliner.getOrCreate(op, *config);
      if (failed(fn))
        return signalPassFailure();
      OpBuilder b(op);
      func::CallOp::create(b, op->getLoc(), *fn, op->getOperands());
      op->erase();
    }
  }
};
} // namespace
