//===- TargetDialect.cpp - Tessera Target-IR dialect ---------------------------===//

#include "tessera/Dialect/Target/IR/Target.h"

using namespace mlir;
using namespace mlir::tessera::target;

#include "tessera/Dialect/Target/IR/TargetOpsDialect.cpp.inc"

void TargetDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tessera/Dialect/Target/IR/TargetOps.cpp.inc"
      >();
}
