//===- Tessera.h - Attributes shared by Tessera's stages --------*- C++ -*-===//
//
// The `tessera` dialect: #tessera.target (on the module, `tessera.target`)
// and #tessera.lowering_config (on Tile-IR ops, `lowering_config`). Every
// target-dependent pass gets its target with getModuleTarget().
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_TESSERA_IR_TESSERA_H
#define TESSERA_DIALECT_TESSERA_IR_TESSERA_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"

#include "tessera/Dialect/Tessera/IR/TesseraDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tessera/Dialect/Tessera/IR/TesseraAttrs.h.inc"

namespace mlir::tessera {

/// The module's `tessera.target`. There is deliberately no default: a module
/// without one (or with something else under that name) gets an error on the
/// module saying how to add it, and failure is returned. Hand-written tests
/// state their target like any other module.
FailureOr<TargetAttr> getModuleTarget(ModuleOp module);

/// The `lowering_config` of `op`, or null when it has none.
LoweringConfigAttr getLoweringConfig(Operation *op);

} // namespace mlir::tessera

#endif // TESSERA_DIALECT_TESSERA_IR_TESSERA_H
