// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// #tessera.target and #tessera.lowering_config round-trip, printing only the
// fields that are set.

// CHECK: module attributes {tessera.target = #tessera.target<"x86", cpu = "znver3", features = "+avx2,+fma">}
module attributes {tessera.target = #tessera.target<"x86", cpu = "znver3", features = "+avx2,+fma">} {
  // CHECK-LABEL: func.func @configs(
  func.func @configs(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // CHECK: tile.matmul {{.*}} {lowering_config = #tessera.lowering_config<tile_sizes = [48, 0, 0], vector_width = 8, register_block = [3, 4]>, transpose_b}
    tile.matmul %a, %w, %c {transpose_b, lowering_config =
        #tessera.lowering_config<register_block = [3, 4], vector_width = 8, tile_sizes = [48, 0, 0]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    // CHECK: tile.matmul {{.*}} {lowering_config = #tessera.lowering_config<block_k = 64, num_warps = 4, num_stages = 3>, transpose_b}
    tile.matmul %a, %w, %c {transpose_b, lowering_config =
        #tessera.lowering_config<num_stages = 3, num_warps = 4, block_k = 64>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    // CHECK: tile.matmul {{.*}} {lowering_config = #tessera.lowering_config<>, transpose_b}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
  // CHECK-LABEL: func.func @targets(
  // CHECK-SAME: amd = #tessera.target<"amd", chip = "gfx942">
  // CHECK-SAME: bare = #tessera.target<"x86">
  // CHECK-SAME: nvidia = #tessera.target<"nvidia", chip = "sm_90a">
  func.func @targets() attributes {
      nvidia = #tessera.target<"nvidia", chip = "sm_90a">,
      amd = #tessera.target<"amd", chip = "gfx942">,
      bare = #tessera.target<"x86">} {
    return
  }
}
