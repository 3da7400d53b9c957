//===- SelectLoweringConfig.cpp - Per-target tiling strategy --------------===//
//
// tessera-select-lowering-config: the strategy step between Tile-IR and a
// target's conversion (IREE's KernelDispatch/KernelConfig shape). It reads
// the module's #tessera.target and asks that target's strategy for a
// #tessera.lowering_config per Tile-IR op; the target's conversion then
// honours every field. A config already on an op (written by hand, e.g. in
// a test) is kept, so that changing one tile size changes the code.
//
// A target plugs in by adding its strategy to `strategyFor`; a target
// without one is reported here, before anything is lowered.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"
#include "tessera/Conversion/TileToX86/TileToX86.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_SELECTLOWERINGCONFIG
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {
using Strategy = LoweringConfigAttr (*)(Operation *, TargetAttr);

/// The strategy of each target kind that has one.
Strategy strategyFor(TargetAttr target) {
  if (target.isX86())
    return x86::selectX86Config;
  return nullptr;
}

struct SelectLoweringConfigPass
    : tessera::impl::SelectLoweringConfigBase<SelectLoweringConfigPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetAttr> target = getModuleTarget(module);
    if (failed(target))
      return signalPassFailure();
    Strategy strategy = strategyFor(*target);
    if (!strategy) {
      module.emitError() << "tessera-select-lowering-config: no strategy for "
                            "target '"
                         << target->getKind() << "' (available: x86)";
      return signalPassFailure();
    }
    module.walk([&](Operation *op) {
      if (!isa<tile::TileDialect>(op->getDialect()) ||
          op->hasAttr(TesseraDialect::kLoweringConfigAttrName))
        return;
      if (LoweringConfigAttr config = strategy(op, *target))
        op->setAttr(TesseraDialect::kLoweringConfigAttrName, config);
    });
  }
};
} // namespace
