//===- TargetDialect.td - Tessera Target-IR dialect --------*- tablegen -*-===//
//
// Target-IR is the third stage of the Tessera pipeline:
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR
//            --convert-tile-to-x86 (AMD conversion planned)-->
//   Target-IR (this) + upstream dialects
//            --convert-target-to-upstream + upstream conversions-->
//   LLVM dialect (ROCDL for AMD planned)
//
// It holds the per-target primitives (one hardware instruction or one
// instruction group each) that Tile-IR's tiled algorithms are built from.
// NVIDIA kernels do not pass through it: convert-tile-to-nvvm writes them
// with upstream gpu/nvgpu/nvvm ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_DIALECT
#define TESSERA_TARGET_DIALECT

include "mlir/IR/OpBase.td"

def Target_Dialect : Dialect {
  let name = "target";
  let summary = "Tessera Target-IR: per-target hardware primitives";
  let description = [{
    Target-IR is where Tessera commits to a machine. Its ops are named by
    target prefix and each is one hardware primitive:

    - `target.amd.*` (CDNA): MFMA and the LDS barrier;
    - `target.x86.*`: FMA on SSE/AVX2/AVX-512 vectors, AVX-512 VNNI int8
      dot products and AVX-512 BF16 dot products.

    NVIDIA has no ops here: its kernels are written with upstream
    `gpu`/`nvgpu`/`nvvm` ops (`lib/Conversion/TileToNVVM`), which already
    state the instructions one to one (`nvgpu.mma.sync`,
    `nvgpu.warpgroup.mma`, `nvgpu.tma.async.load`, `nvgpu.mbarrier.*`,
    `gpu.barrier`). A `target.nvidia.*` op will be added only where it adds
    something over upstream, e.g. a warpgroup GEMM tile that bundles TMA,
    mbarriers and wgmma (planned).

    Each op's description names the upstream op it lowers to (amdgpu/rocdl,
    vector/x86vector/llvm). What exists today: the x86 ops are written by
    `convert-tile-to-x86` and lowered by `convert-target-to-upstream`. The
    AMD ops parse and verify, but nothing writes them yet and their lowering
    to upstream is planned (`convert-target-to-upstream` leaves them
    unchanged). The ops exist so that a target's conversion can state, and
    the verifiers can check, the shape and type rules of the instruction
    before the upstream dialects spell it out. Verifiers report the rule,
    the expected and the actual value.
  }];
  let cppNamespace = "::mlir::tessera::target";
}

class Target_Op<string mnemonic, list<Trait> traits = []>
    : Op<Target_Dialect, mnemonic, traits>;

#endif // TESSERA_TARGET_DIALECT
