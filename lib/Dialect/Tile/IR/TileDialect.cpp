//===- TileDialect.cpp - Tessera Tile-IR dialect ---------------------------===//

#include "tessera/Dialect/Tile/IR/Tile.h"

using namespace mlir;
using namespace mlir::tessera::tile;

#include "tessera/Dialect/Tile/IR/TileOpsDialect.cpp.inc"

void TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tessera/Dialect/Tile/IR/TileOps.cpp.inc"
      >();
}
