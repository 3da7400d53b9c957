#ifndef TESSERA_TILE_DIALECT
#define TESSERA_TILE_DIALECT
include "mlir/IR/OpBase.td"
def Tile_Dialect : Dialect {
  let name = "tile";
  let summary = "Tessera Tile-IR: tiled algorithms on buffers";
  let cppNamespace = "::mlir::tessera::tile";
}
class Tile_Op<string mnemonic, list<Trait> traits = []> : Op<Tile_Dialect, mnemonic, traits>;
#endif
