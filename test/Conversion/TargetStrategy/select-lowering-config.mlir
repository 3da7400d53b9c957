// RUN: tessera-opt %s -split-input-file --tessera-select-lowering-config -verify-diagnostics | FileCheck %s

// tessera-select-lowering-config writes the x86 strategy's config on every
// Tile-IR op, from the module's #tessera.target and the op's shapes: the
// vector width from the target's features (+avx512f: 16, +avx/+avx2: 8,
// baseline x86-64: 4), the matmul's row panel and register block, the
// attention key block. A config written by hand is kept; ops without loops
// of their own (tile.barrier) get none.

// CHECK-LABEL: func.func @avx2(
// CHECK:         tile.matmul {{.*}}lowering_config = #tessera.lowering_config<tile_sizes = [48, 0, 0], vector_width = 8, register_block = [3, 4], block_k = 512>
// CHECK:         tile.flash_attention {{.*}}lowering_config = #tessera.lowering_config<vector_width = 8, block_k = 64>
// CHECK:         tile.rmsnorm {{.*}}lowering_config = #tessera.lowering_config<vector_width = 8>
// CHECK:         tile.add {{.*}}lowering_config = #tessera.lowering_config<vector_width = 4, register_block = [1, 1]>
// CHECK:         tile.barrier{{$}}
// CHECK:         tile.ssd_chunk_state {{.*}}lowering_config = #tessera.lowering_config<vector_width = 8, register_block = [4, 2]>
module attributes {tessera.target = #tessera.target<"x86", cpu = "znver3", features = "+avx2,+fma">} {
  func.func @avx2(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>,
                  %q: memref<1x?x4x16xf32>, %k: memref<1x?x2x16xf32>, %o: memref<1x?x4x16xf32>,
                  %n: memref<64xf32>, %x: memref<?x?x8x16xf32>, %B: memref<?x?x2x16xf32>,
                  %dt: memref<?x?x8xf32>, %cum: memref<?x8x?x16xf32>, %st: memref<?x?x8x16x16xf32>) {
    tile.matmul %a, %w, %c {transpose_b}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    tile.flash_attention %q, %k, %k, %o {causal, scale = 0.25 : f64}
        : memref<1x?x4x16xf32>, memref<1x?x2x16xf32>, memref<1x?x2x16xf32>, memref<1x?x4x16xf32>
    tile.rmsnorm %a, %n, %a {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
    tile.add %a, %a, %a {lowering_config = #tessera.lowering_config<vector_width = 4, register_block = [1, 1]>}
        : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
    tile.barrier
    tile.ssd_chunk_state %x, %B, %dt, %cum -> %st {chunk_size = 16 : i64}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>,
          memref<?x?x8x16x16xf32>
    return
  }
}

// -----

// AVX-512: 16 lanes (this machine need not have it: the target says so).
// A static M smaller than the panel gets a panel of M rounded up to the
// register block.
// CHECK-LABEL: func.func @avx512(
// CHECK:         tile.matmul {{.*}}lowering_config = #tessera.lowering_config<tile_sizes = [3, 0, 0], vector_width = 16, register_block = [3, 4], block_k = 128>
// CHECK:         tile.rmsnorm {{.*}}lowering_config = #tessera.lowering_config<vector_width = 16>
module attributes {tessera.target = #tessera.target<"x86", cpu = "skylake-avx512", features = "+avx512f,+avx2,+fma">} {
  func.func @avx512(%a: memref<2x64xf32>, %w: memref<32x64xf32>, %c: memref<2x32xf32>, %n: memref<64xf32>) {
    tile.matmul %a, %w, %c {transpose_b}
        : memref<2x64xf32>, memref<32x64xf32>, memref<2x32xf32>
    tile.rmsnorm %a, %n, %a {epsilon = 1.0e-05 : f64} : memref<2x64xf32>, memref<64xf32>, memref<2x64xf32>
    return
  }
}

// -----

// A later feature entry overrides an earlier one (LLVM's rule): -avx512f.
// CHECK-LABEL: func.func @disabled(
// CHECK:         tile.rmsnorm {{.*}}lowering_config = #tessera.lowering_config<vector_width = 8>
module attributes {tessera.target = #tessera.target<"x86", features = "+avx512f,+avx2,-avx512f">} {
  func.func @disabled(%a: memref<2x64xf32>, %n: memref<64xf32>) {
    tile.rmsnorm %a, %n, %a {epsilon = 1.0e-05 : f64} : memref<2x64xf32>, memref<64xf32>, memref<2x64xf32>
    return
  }
}

// -----

// Baseline x86-64 (SSE2): 4 lanes.
// CHECK-LABEL: func.func @baseline(
// CHECK:         tile.rmsnorm {{.*}}lowering_config = #tessera.lowering_config<vector_width = 4>
module attributes {tessera.target = #tessera.target<"x86">} {
  func.func @baseline(%a: memref<2x64xf32>, %n: memref<64xf32>) {
    tile.rmsnorm %a, %n, %a {epsilon = 1.0e-05 : f64} : memref<2x64xf32>, memref<64xf32>, memref<2x64xf32>
    return
  }
}

// -----

// Targets without a strategy are reported.
// expected-error @+1 {{tessera-select-lowering-config: no strategy for target 'nvidia' (available: x86)}}
module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_90a">} {
  func.func @gpu(%a: memref<2x64xf32>, %n: memref<64xf32>) {
    tile.rmsnorm %a, %n, %a {epsilon = 1.0e-05 : f64} : memref<2x64xf32>, memref<64xf32>, memref<2x64xf32>
    return
  }
}
