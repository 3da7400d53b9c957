//===- Tile.h - Tessera Tile-IR dialect -------------------------*- C++ -*-===//
//
// Tile-IR: the target-neutral stage of the Tessera pipeline, between
// Graph-IR and Target-IR (see docs/ARCHITECTURE.md). Include this header to
// use the dialect, its attributes (#tile.memory_space, #tile.epilogue) and
// its ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_TILE_IR_TILE_H
#define TESSERA_DIALECT_TILE_IR_TILE_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tessera/Dialect/Tile/IR/TileOpsDialect.h.inc"

#include "tessera/Dialect/Tile/IR/TileEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tessera/Dialect/Tile/IR/TileAttrs.h.inc"

#define GET_OP_CLASSES
#include "tessera/Dialect/Tile/IR/TileOps.h.inc"

namespace mlir::tessera::tile {

/// The Tile-IR memory space of `type`: `Global` when the memref has none,
/// std::nullopt when it has one that is not a `#tile.memory_space`.
std::optional<MemorySpace> getMemorySpace(MemRefType type);

} // namespace mlir::tessera::tile

#endif // TESSERA_DIALECT_TILE_IR_TILE_H
