// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-tile-to-target -verify-diagnostics
// RUN: not tessera-opt %s -split-input-file --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-target 2>&1 | FileCheck %s --check-prefix=NVIDIA-TILE
// RUN: not tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-lower-to-llvm 2>&1 | FileCheck %s --check-prefix=NVIDIA
// RUN: not tessera-opt %s -split-input-file --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-target 2>&1 | FileCheck %s --check-prefix=AMD
// RUN: not tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_70" 2>&1 | FileCheck %s --check-prefix=CHIP

// tessera-tile-to-target (and tessera-lower-to-llvm) report Tile-IR without
// a lowering for the module's target, and a module whose target has no
// lowering yet (named, never lowered as x86). NVIDIA and AMD have a
// tile-to-target stage (convert-tile-to-nvvm, convert-tile-to-rocdl) but no
// target-to-LLVM one (their host functions become a launch plan). tessera-attach-target checks the target it writes.

// NVIDIA-TILE: error: 'tile.alloc' op has no NVIDIA lowering
// NVIDIA: error: target 'nvidia' has no tessera-target-to-llvm stage: its host functions become a launch plan
// AMD: error: 'tile.alloc' op has no AMD lowering
// CHIP: error: tessera-attach-target: unsupported nvidia chip 'sm_70': expected one of sm_80, sm_86, sm_89, sm_90, sm_90a

func.func @alloc(%n: index) {
  // expected-error @+1 {{'tile.alloc' op has no x86 lowering}}
  %g = tile.alloc(%n) {alignment = 64 : i64} : memref<?x64xf32, #tile.memory_space<global>>
  return
}

// -----

func.func @matmul_not_transposed(%a: memref<?x64xf32>, %w: memref<64x128xf32>,
                                 %c: memref<?x128xf32>) {
  // expected-error @+1 {{'tile.matmul' op x86 lowering supports B in [N, K] layout (transpose_b) only}}
  tile.matmul %a, %w, %c 
      : memref<?x64xf32>, memref<64x128xf32>, memref<?x128xf32>
  return
}
