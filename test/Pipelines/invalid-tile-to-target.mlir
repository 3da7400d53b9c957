// RUN: tessera-opt %s --tessera-tile-to-target -split-input-file -verify-diagnostics
// RUN: not tessera-opt %s --tessera-tile-to-target="target=nvidia" -split-input-file 2>&1 | FileCheck %s --check-prefix=NVIDIA
// RUN: not tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-lower-to-llvm="target=nvidia" 2>&1 | FileCheck %s --check-prefix=NVIDIA

// tessera-tile-to-target (and tessera-lower-to-llvm) report Tile-IR without
// an x86 lowering and an unknown target.

// NVIDIA: error: convert-tile-to-target: unknown target 'nvidia' (available: x86)

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
