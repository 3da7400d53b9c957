//===- TileAttrs.td - Tessera Tile-IR attributes -----------*- tablegen -*-===//
//
// Enum attributes of Tile-IR, the target-neutral stage of the Tessera
// pipeline (Graph-IR -> Tile-IR -> Target-IR -> LLVM/NVVM/ROCDL):
//
//   #tile.memory_space<global|shared|register>   memory space of a memref
//   #tile.epilogue<none|relu2|silu>              fused tile.matmul epilogue
//
// Generated with -gen-enum-decls/-defs (TileEnums.{h,cpp}.inc) and
// -gen-attrdef-decls/-defs (TileAttrs.{h,cpp}.inc).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TILE_ATTRS
#define TESSERA_TILE_ATTRS

include "tessera/Dialect/Tile/IR/TileDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Memory spaces
//===----------------------------------------------------------------------===//

def Tile_MemorySpace : I32Enum<"MemorySpace", "Tile-IR memory space", [
    I32EnumCase<"Global", 0, "global">,
    I32EnumCase<"Shared", 1, "shared">,
    I32EnumCase<"Register", 2, "register">]> {
  let cppNamespace = "::mlir::tessera::tile";
}

def Tile_MemorySpaceAttr
    : EnumAttr<Tile_Dialect, Tile_MemorySpace, "memory_space"> {
  let summary = "where a Tile-IR buffer lives";
  let description = [{
    The memory space of a memref in Tile-IR, ordered from far to near:

    - `global`: reachable by every thread (host RAM, GPU HBM); the default
      when a memref has no memory space;
    - `shared`: on-chip memory shared by the threads of one block/workgroup
      (CUDA shared memory, AMD LDS; on x86 a cache-resident scratch buffer);
    - `register`: private to one thread (on x86: held in vector registers by
      the innermost loop).

    Lowerings map them to `#gpu.address_space<global|workgroup|private>` (or
    LLVM address spaces 1/3/5), and to plain memory on CPUs.

    ```mlir
    %t = tile.alloc() : memref<128x64xbf16, #tile.memory_space<shared>>
    ```
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Matmul epilogues
//===----------------------------------------------------------------------===//

def Tile_Epilogue : I32Enum<"Epilogue", "elementwise tile.matmul epilogue", [
    I32EnumCase<"None", 0, "none">,
    I32EnumCase<"Relu2", 1, "relu2">,
    I32EnumCase<"Silu", 2, "silu">]> {
  let cppNamespace = "::mlir::tessera::tile";
}

def Tile_EpilogueAttr : EnumAttr<Tile_Dialect, Tile_Epilogue, "epilogue"> {
  let summary = "elementwise function fused after a tile.matmul";
  let description = [{
    `none` (identity), `relu2` (`relu(v)^2`, the Nemotron-H MLP activation)
    or `silu` (`v * sigmoid(v)`).

    ```mlir
    {epilogue = #tile.epilogue<relu2>}
    ```
  }];
  let assemblyFormat = "`<` $value `>`";
}

#endif // TESSERA_TILE_ATTRS
