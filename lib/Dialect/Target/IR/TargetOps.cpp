//===- TargetOps.cpp - Tessera Target-IR op verifiers ---------------------------===//

#include "tessera/Dialect/Target/IR/Target.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::target;

#define GET_OP_CLASSES
#include "tessera/Dialect/Target/IR/TargetOps.cpp.inc"
