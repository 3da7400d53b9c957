//===- TileOps.cpp - Tessera Tile-IR op verifiers ---------------------------===//

#include "tessera/Dialect/Tile/IR/Tile.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::tile;

#define GET_OP_CLASSES
#include "tessera/Dialect/Tile/IR/TileOps.cpp.inc"
