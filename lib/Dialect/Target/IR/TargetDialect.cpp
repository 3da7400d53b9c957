//===- TargetDialect.cpp - Tessera Target-IR dialect ----------------------===//
//
// Registration of Target-IR, the per-target stage of the Tessera pipeline.
//
//===----------------------------------------------------------------------===//

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
