//===- TileDialect.td - Tessera Tile-IR dialect ------------*- tablegen -*-===//
//
// Tile-IR is the second stage of the Tessera pipeline:
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR (this)
//            --tessera-select-lowering-config, convert-tile-to-x86-->
//            Target-IR + upstream dialects --> LLVM
//   (NVIDIA and AMD conversions are planned.)
//
// It holds target-neutral tiled algorithms on memrefs in destination-passing
// style. Tile sizes are not part of the ops: a target's strategy writes them
// as a #tessera.lowering_config; nothing in Tile-IR assumes a CPU or a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TILE_DIALECT
#define TESSERA_TILE_DIALECT

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let summary = "Tessera Tile-IR: target-neutral tiled algorithms on buffers";
  let description = [{
    Tile-IR is what a Nemotron-H layer becomes once buffers are decided and
    before a target is: every op reads and writes memrefs
    (destination-passing style, no results except `tile.alloc`). The ops
    carry only the model's semantics (the SSD chunk length among them);
    every choice a target makes (tile sizes, vector width, register blocks,
    attention key blocks) is written afterwards, per op, as a
    `lowering_config = #tessera.lowering_config<...>` by
    `tessera-select-lowering-config` from the module's `#tessera.target`.

    What exists: the x86 lowering (`convert-tile-to-x86`: loops and
    vectors). Planned: NVIDIA (warpgroups, shared memory, TMA) and AMD
    (wavefronts, LDS, MFMA) lowerings of the same ops.

    Memory spaces are named by `#tile.memory_space<global|shared|register>`
    on the memref type (no memory space means `global`): `global` is memory
    every thread can reach (host RAM, HBM), `shared` is the on-chip memory a
    group of threads shares (CUDA shared memory, AMD LDS, a cache-resident
    scratch buffer on a CPU) and `register` is private to a thread (or, on a
    CPU, to the vector loop body). Tiles move between them with `tile.load`
    and `tile.store`; `tile.barrier` orders `shared` accesses.

    Dimensions may be dynamic (`?`); verifiers check every static one and
    report `<what>: expected N, got M`. Unless an op says otherwise, its
    output buffer must not alias its inputs.
  }];
  let cppNamespace = "::mlir::tessera::tile";
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

#endif // TESSERA_TILE_DIALECT
