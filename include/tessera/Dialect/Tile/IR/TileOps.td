#ifndef TESSERA_TILE_OPS
#define TESSERA_TILE_OPS
include "tessera/Dialect/Tile/IR/TileDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
def Tile_MatmulOp : Tile_Op<"matmul"> {
  let summary = "placeholder";
  let arguments = (ins AnyMemRef:$a, AnyMemRef:$b, AnyMemRef:$c);
  let assemblyFormat = "$a `,` $b `,` $c attr-dict `:` type($a) `,` type($b) `,` type($c)";
}
#endif
