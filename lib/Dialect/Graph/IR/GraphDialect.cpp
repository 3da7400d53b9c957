//===- GraphDialect.cpp - Tessera Graph-IR dialect ------------------------===//
//
// Registration of Graph-IR, the model-level stage of the Tessera pipeline.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Graph/IR/Graph.h"

using namespace mlir;
using namespace mlir::tessera::graph;

#include "tessera/Dialect/Graph/IR/GraphOpsDialect.cpp.inc"

void GraphDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tessera/Dialect/Graph/IR/GraphOps.cpp.inc"
      >();
}
