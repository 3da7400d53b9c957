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
// The pass first checks every op (its config for x86, and that an x86 kernel
// exists for it), reporting the first problem on the op; then the patterns
// of populateTileToX86Patterns rewrite the ops under a ConversionTarget
// that makes the tile dialect and memref.copy illegal.
//
// Outlining keeps compile time linear in the number of *distinct* kernels,
// not layers: the 62 layers of the 12B model share a few dozen kernels. The
// kernels are `noinline` (LLVM passthrough) so that LLVM does not copy them
// back into every layer. CPU assumptions (vector width, register blocking, loop order) live
// only in the emitters and in the x86 lowering config (KernelConfig.cpp).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Conversion/TileToX86/TileToX86.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
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

/// Reports (on the op) a Tile-IR op or form the x86 kernels do not handle.
LogicalResult checkX86Lowerable(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tile::MatmulOp m) -> LogicalResult {
        if (!m.getTransposeB())
          return m.emitOpError("x86 lowering supports B in [N, K] layout "
                               "(transpose_b) only");
        if (m.getAccumulate() && m.getEpilogue() != tile::Epilogue::None)
          return m.emitOpError("an accumulating matmul cannot have an epilogue");
        return success();
      })
      .Case([&](tile::RMSNormOp n) { return requireRank(op, n.getX(), 2, "x"); })
      .Case([&](tile::GatedRMSNormOp n) {
        return requireRank(op, n.getY(), 2, "y");
      })
      .Case([&](tile::AddOp a) {
        return requireRank(op, a.getA(), 2, "operands");
      })
      .Case([&](tile::FlashAttentionOp f) -> LogicalResult {
        for (auto [v, i] : {std::pair{f.getQ(), 2}, {f.getQ(), 3},
                            {f.getK(), 2}})
          if (cast<MemRefType>(v.getType()).isDynamicDim(i))
            return f.emitOpError("x86 lowering needs static query heads, "
                                 "K/V heads and head_dim, got ")
                   << v.getType();
        return success();
      })
      .Case<tile::MoERouteOp, tile::MoESortOp, tile::MoEGatherOp,
            tile::GroupedMatmulOp, tile::MoECombineOp,
            tile::EmbeddingOp, tile::CausalConv1dOp, tile::SSDChunkCumsumOp,
            tile::SSDChunkStateOp, tile::SSDStatePassingOp,
            tile::SSDChunkScanOp, tile::SSDStateUpdateOp,
            tile::KVCacheAppendOp, tile::BarrierOp,
            memref::CopyOp>([](Operation *) { return success(); })
      .Default([](Operation *other) {
        return other->emitOpError("has no x86 lowering");
      });
}

/// Emits the x86 loop nest of one Tile-IR op (checked by checkX86Lowerable)
/// at the emitter's insertion point.
void emitX86Kernel(Operation *op, Emitter &e, const X86KernelConfig &config) {
  OpBuilder &b = e.builder();
  Location loc = op->getLoc();
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](tile::MatmulOp m) {
        MatmulTiling tiling{config.rowPanel, config.registerRows,
                            config.registerCols, config.blockK,
                            config.amxBF16};
        if (std::optional<ArrayRef<int64_t>> packed = m.getPackedB()) {
          emitPrepackedMatmul(e, m.getA(), m.getB(), m.getBias(), m.getC(),
                              toX86(m.getEpilogue()), m.getAccumulate(),
                              tiling, (*packed)[0], (*packed)[1]);
          return;
        }
        emitMatmul(e, m.getA(), m.getB(), m.getBias(), m.getC(),
                   toX86(m.getEpilogue()), m.getAccumulate(), tiling);
      })
      .Case([&](tile::RMSNormOp n) {
        emitRMSNorm(e, n.getX(), n.getWeight(), n.getOut(),
                    n.getEpsilon().convertToDouble());
      })
      .Case([&](tile::GatedRMSNormOp n) {
        emitGatedRMSNorm(e, n.getY(), n.getZ(), n.getWeight(), n.getOut(),
                         n.getEpsilon().convertToDouble(), n.getGroupSize());
      })
      .Case([&](tile::AddOp a) {
        emitAdd(e, a.getA(), a.getB(), a.getOut());
      })
      .Case([&](tile::EmbeddingOp m) {
        emitEmbedding(e, m.getTable(), m.getIds(), m.getOut());
      })
      .Case([&](tile::CausalConv1dOp c) {
        emitCausalConv1d(e, c.getX(), c.getWeight(), c.getBias(),
                         c.getStateIn(), c.getOut(), c.getStateOut(),
                         c.getSilu());
      })
      .Case([&](tile::SSDChunkCumsumOp s) {
        emitSSDChunkCumsum(e, s.getDt(), s.getDtBias(), s.getALog(),
                           s.getDtOut(), s.getDACumsum(), s.getChunkSize(),
                           s.getDtMin().convertToDouble(),
                           s.getDtMax().convertToDouble());
      })
      .Case([&](tile::SSDChunkStateOp s) {
        emitSSDChunkState(e, s.getX(), s.getB(), s.getDt(), s.getDACumsum(),
                          s.getStates(), s.getChunkSize(),
                          {config.registerRows, config.registerCols});
      })
      .Case([&](tile::SSDStatePassingOp s) {
        // The cumulative sums repeat the last valid value past the end of
        // the sequence, so every chunk may be treated as full here.
        Value chunks = e.dim(s.getStates(), 1);
        emitSSDStatePassing(e, s.getStates(), s.getDACumsum(), s.getInit(),
                            s.getStatesOut(), s.getFinalState(),
                            e.imul(chunks, e.c(s.getChunkSize())),
                            s.getChunkSize());
      })
      .Case([&](tile::SSDChunkScanOp s) {
        emitSSDChunkScan(e, s.getX(), s.getB(), s.getC(), s.getDt(),
                         s.getDACumsum(), s.getStates(), s.getD(), s.getY(),
                         s.getChunkSize(),
                         {config.registerRows, config.registerCols});
      })
      .Case([&](tile::SSDStateUpdateOp s) {
        // In place: the emitter reads each state element before writing it.
        emitSSDStateUpdate(e, s.getX(), s.getDt(), s.getDtBias(), s.getALog(),
                           s.getB(), s.getC(), s.getD(), s.getState(),
                           s.getState(), s.getY(),
                           s.getDtMin().convertToDouble(),
                           s.getDtMax().convertToDouble());
      })
      .Case([&](tile::FlashAttentionOp f) {
        // Tile-IR's K/V are [B, T, Hkv, D]; the x86 kernel walks keys of one
        // head by index, i.e. [B, Hkv, T, D] (a view, no copy). With a
        // position the keys are the cache prefix [0, position + seq).
        Value kvLen;
        if (Value pos = f.getPosition())
          kvLen = e.iadd(loadPosition(e, pos), e.dim(f.getQ(), 1));
        emitFlashAttention(e, f.getQ(), swapDims12(b, loc, f.getK()),
                           swapDims12(b, loc, f.getV()), f.getOut(),
                           f.getScale().convertToDouble(), f.getCausal(),
                           config.blockK, kvLen);
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
      })
      .Case([&](tile::MoERouteOp r) {
        emitMoERoute(e, r.getLogits(), r.getBias(), r.getIds(), r.getWeights(),
                     r.getNGroup(), r.getTopkGroup(), r.getNormTopkProb(),
                     r.getRoutedScalingFactor().convertToDouble());
      })
      .Case([&](tile::MoESortOp s) {
        emitMoESort(e, s.getIds(), s.getOffsets(), s.getOrder());
      })
      .Case([&](tile::MoEGatherOp g) {
        emitMoEGather(e, g.getX(), g.getOrder(), g.getOut(), g.getTopK());
      })
      .Case([&](tile::GroupedMatmulOp m) {
        emitGroupedMatmul(e, m.getA(), m.getB(), m.getOffsets(), m.getC(),
                          toX86(m.getEpilogue()),
                          {config.rowPanel, config.registerRows,
                           config.registerCols, config.blockK});
      })
      .Case([&](tile::MoECombineOp c) {
        emitMoECombine(e, c.getY(), c.getOrder(), c.getWeights(), c.getOut());
      })
      .Case([&](tile::BarrierOp) {}) // one thread per core: nothing
      .Case([&](memref::CopyOp c) {
        emitCopy(e, c.getSource(), c.getTarget());
      })
      .Default([](Operation *) {
        llvm_unreachable("checked by checkX86Lowerable");
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

} // namespace

/// Outlines each Tile-IR op into a shared private kernel function.
class mlir::tessera::x86::KernelOutliner {
public:
  KernelOutliner(ModuleOp module) : module(module) {}

  /// The kernel function for `op` (created with the rewriter, with its body
  /// emitted, the first time its key is seen).
  func::FuncOp getOrCreate(Operation *op, const X86KernelConfig &config,
                           RewriterBase &rewriter) {
    std::string key = kernelKey(op);
    if (func::FuncOp fn = kernels.lookup(key))
      return fn;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    auto type = rewriter.getFunctionType(op->getOperandTypes(), {});
    auto fn = func::FuncOp::create(rewriter, op->getLoc(), uniqueName(op),
                                   type);
    fn.setPrivate();
    // Shared by many callers: LLVM must not inline it back into each one
    // (func-to-llvm carries `passthrough` over to the llvm.func).
    fn->setAttr("passthrough", rewriter.getStrArrayAttr({"noinline"}));
    Block *entry = rewriter.createBlock(&fn.getBody(), {}, type.getInputs(),
                                        SmallVector<Location>(
                                            type.getNumInputs(), op->getLoc()));
    // Operand i becomes argument i, also where the op passes one buffer
    // twice: the function serves callers that pass distinct buffers.
    Operation *clone = rewriter.clone(*op);
    rewriter.modifyOpInPlace(
        clone, [&] { clone->setOperands(entry->getArguments()); });
    rewriter.setInsertionPoint(clone);
    Emitter e(rewriter, op->getLoc(), config.vectorWidth);
    emitX86Kernel(clone, e, config);
    rewriter.eraseOp(clone);
    rewriter.setInsertionPointToEnd(entry);
    func::ReturnOp::create(rewriter, op->getLoc());
    kernels[key] = fn;
    return fn;
  }

private:
  /// tessera_x86_<dialect>_<op>[_<n>], unused in the module.
  std::string uniqueName(Operation *op) {
    std::string base = "tessera_x86_" + op->getName().getStringRef().str();
    std::replace(base.begin(), base.end(), '.', '_');
    std::string name = base;
    while (module.lookupSymbol(name) || !used.insert(name).second)
      name = base + "_" + std::to_string(counter++);
    return name;
  }

  ModuleOp module;
  llvm::StringMap<func::FuncOp> kernels;
  llvm::StringSet<> used;
  unsigned counter = 0;
};

namespace {
/// Lowers each checked Tile-IR op (and memref.copy) to its x86 kernel: a call
/// to the shared kernel function, or the loop nest in place when
/// `outliner` is null.
struct TileOpToX86Kernel : RewritePattern {
  TileOpToX86Kernel(MLIRContext *ctx, const X86ConfigMap &configs,
                    KernelOutliner *outliner)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        configs(configs), outliner(outliner) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    auto it = configs.find(op);
    if (it == configs.end())
      return rewriter.notifyMatchFailure(op, "not a checked Tile-IR op");
    const X86KernelConfig &config = it->second;
    if (isa<tile::BarrierOp>(op)) { // one thread per core: nothing to do
      rewriter.eraseOp(op);
      return success();
    }
    if (!outliner) {
      Emitter e(rewriter, op->getLoc(), config.vectorWidth);
      emitX86Kernel(op, e, config);
      rewriter.eraseOp(op);
      return success();
    }
    func::FuncOp fn = outliner->getOrCreate(op, config, rewriter);
    rewriter.replaceOpWithNewOp<func::CallOp>(op, fn, op->getOperands());
    return success();
  }

  const X86ConfigMap &configs;
  KernelOutliner *outliner;
};

struct ConvertTileToX86Pass
    : tessera::impl::ConvertTileToX86Base<ConvertTileToX86Pass> {
  using ConvertTileToX86Base::ConvertTileToX86Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    FailureOr<TargetAttr> target = getModuleTarget(module);
    if (failed(target))
      return signalPassFailure();
    if (!target->isX86()) {
      module.emitError() << "convert-tile-to-x86: the module's target is '"
                         << target->getKind() << "', not x86";
      return signalPassFailure();
    }
    // Check every op first, so that what x86 cannot lower or cannot honour
    // is reported on the op (the first one, outermost first) before
    // anything changes. memref.copy too: upstream lowers copies between
    // strided buffers to a call into MLIR's C runner library, which compiled
    // modules do not link.
    X86ConfigMap configs;
    WalkResult checked = module.walk([&](Operation *op) {
      if (!isa_and_nonnull<tile::TileDialect>(op->getDialect()) &&
          !isa<memref::CopyOp>(op))
        return WalkResult::advance();
      FailureOr<X86KernelConfig> config =
          isa<memref::CopyOp>(op) ? defaultX86Config(*target)
                                  : readX86Config(op, *target);
      if (failed(config) || failed(checkX86Lowerable(op)))
        return WalkResult::interrupt();
      configs[op] = *config;
      return WalkResult::advance();
    });
    if (checked.wasInterrupted())
      return signalPassFailure();

    KernelOutliner outliner(module);
    RewritePatternSet patterns(ctx);
    populateTileToX86Patterns(patterns, configs,
                              outlineKernels ? &outliner : nullptr);
    ConversionTarget legal(*ctx);
    legal.addIllegalDialect<tile::TileDialect>();
    legal.addIllegalOp<memref::CopyOp>();
    legal.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    ConversionConfig config;
    // Kernels are emitted op by op into fresh functions; nothing to undo.
    config.allowPatternRollback = false;
    if (failed(applyPartialConversion(module, legal, std::move(patterns),
                                      config)))
      signalPassFailure();
  }
};
} // namespace

void mlir::tessera::x86::populateTileToX86Patterns(
    RewritePatternSet &patterns, const X86ConfigMap &configs,
    KernelOutliner *outliner) {
  patterns.add<TileOpToX86Kernel>(patterns.getContext(), configs, outliner);
}
