//===- TileDialect.cpp - Tessera Tile-IR dialect --------------------------===//
//
// Registration of Tile-IR, the target-neutral stage of the Tessera pipeline,
// and of its enum attributes (#tile.memory_space, #tile.epilogue).
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tessera::tile;

#include "tessera/Dialect/Tile/IR/TileOpsDialect.cpp.inc"

#include "tessera/Dialect/Tile/IR/TileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tessera/Dialect/Tile/IR/TileAttrs.cpp.inc"

void TileDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "tessera/Dialect/Tile/IR/TileOps.cpp.inc"
      >();
}

void TileDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tessera/Dialect/Tile/IR/TileAttrs.cpp.inc"
      >();
}

std::optional<MemorySpace> mlir::tessera::tile::getMemorySpace(MemRefType type) {
  Attribute space = type.getMemorySpace();
  if (!space)
    return MemorySpace::Global;
  if (auto attr = llvm::dyn_cast<MemorySpaceAttr>(space))
    return attr.getValue();
  return std::nullopt;
}
