//===- Target.h - Tessera Target-IR dialect ---------------------*- C++ -*-===//
//
// Target-IR: the per-target stage of the Tessera pipeline, after Tile-IR and
// before the upstream GPU/vector dialects (see docs/ARCHITECTURE.md).
// Include this header to use the dialect and its ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_TARGET_IR_TARGET_H
#define TESSERA_DIALECT_TARGET_IR_TARGET_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tessera/Dialect/Target/IR/TargetOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "tessera/Dialect/Target/IR/TargetOps.h.inc"

#endif // TESSERA_DIALECT_TARGET_IR_TARGET_H
