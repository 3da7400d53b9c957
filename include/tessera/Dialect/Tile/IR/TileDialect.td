//===- TileDialect.td - Tessera Tile-IR dialect ------------*- tablegen -*-===//
//
// Tile-IR is the second stage of the Tessera pipeline:
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR (this)
//            --convert-tile-to-target{target=x86|nvidia|amd}--> Target-IR
//            --> LLVM/NVVM/ROCDL
//
// It holds target-neutral tiled algorithms on memrefs in destination-passing
// style. Tile sizes are attributes; nothing in Tile-IR assumes a CPU or a GPU.
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
    (destination-passing style, no results except `tile.alloc`), and every
    choice a target makes (tile sizes, row blocks, attention blocks, the SSD
    chunk length) is an attribute that `convert-graph-to-tile` fills in for
    the target it compiles for. The same op lowers to loops and vectors on
    x86, to warpgroups, shared memory and TMA on NVIDIA GPUs, and to
    wavefronts, LDS and MFMA on AMD GPUs.

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
