//===- TesseraDialect.cpp - The attribute-only `tessera` dialect ----------===//
//
// The module-target and lowering-config lookups every target-dependent
// pass uses (the attributes themselves: TesseraAttrs.cpp).
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Tessera/IR/Tessera.h"

using namespace mlir;
using namespace mlir::tessera;


FailureOr<TargetAttr> mlir::tessera::getModuleTarget(ModuleOp module) {
  Attribute attr = module->getAttr(TesseraDialect::kTargetAttrName);
  if (auto target = dyn_cast_or_null<TargetAttr>(attr))
    return target;
  if (attr)
    return module.emitError()
           << "'" << TesseraDialect::kTargetAttrName
           << "' must be a #tessera.target, got " << attr;
  return module.emitError()
         << "module has no '" << TesseraDialect::kTargetAttrName
         << "' attribute: compile with `tessera compile --target`, run "
            "--tessera-attach-target, or add e.g. `module attributes "
            "{tessera.target = #tessera.target<\"x86\", features = "
            "\"+avx2,+fma\">}`";
}

LoweringConfigAttr mlir::tessera::getLoweringConfig(Operation *op) {
  return op->getAttrOfType<LoweringConfigAttr>(
      TesseraDialect::kLoweringConfigAttrName);
}
