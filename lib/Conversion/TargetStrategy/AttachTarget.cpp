//===- AttachTarget.cpp - Set the module's #tessera.target ----------------===//
//
// tessera-attach-target{kind=x86 cpu=... features=...}: the first step of
// every target-dependent pipeline when the module does not carry its target
// yet (the Python driver does the same from `tessera compile --target`).
// Later passes read only the attribute.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_ATTACHTARGET
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {
struct AttachTargetPass : tessera::impl::AttachTargetBase<AttachTargetPass> {
  using AttachTargetBase::AttachTargetBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto target = TargetAttr::getChecked(
        [&] { return module.emitError() << "tessera-attach-target: "; },
        module.getContext(), StringRef(kind), StringRef(cpu), StringRef(chip),
        StringRef(features));
    if (!target)
      return signalPassFailure();
    module->setAttr(TesseraDialect::kTargetAttrName, target);
  }
};
} // namespace
