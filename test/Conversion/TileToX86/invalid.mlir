// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86 -verify-diagnostics
// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 -verify-diagnostics

// convert-tile-to-x86 reports Tile-IR it cannot lower (valid Tile-IR outside
// what the x86 emitters handle) and fails, whether the kernels are outlined
// or not. The first such op is reported. (Targets: invalid-target.mlir;
// lowering configs: invalid-config.mlir.)

// The x86 matmul reads B as [N, K] (the weight layout); [K, N] is not lowered.
func.func @matmul_not_transposed(%a: memref<?x64xf32>, %w: memref<64x128xf32>,
                                 %c: memref<?x128xf32>) {
  // expected-error @+1 {{'tile.matmul' op x86 lowering supports B in [N, K] layout (transpose_b) only}}
  tile.matmul %a, %w, %c
      : memref<?x64xf32>, memref<64x128xf32>, memref<?x128xf32>
  return
}

// -----

func.func @matmul_accumulate_epilogue(%a: memref<?x64xf32>, %w: memref<128x64xf32>,
                                      %c: memref<?x128xf32>) {
  // expected-error @+1 {{'tile.matmul' op an accumulating matmul cannot have an epilogue}}
  tile.matmul %a, %w, %c {transpose_b,
                          accumulate, epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>
  return
}

// -----

// tile.add is lowered on [rows, features] buffers only.
func.func @add_rank3(%x: memref<2x?x64xf32>) {
  // expected-error @+1 {{'tile.add' op x86 lowering expects operands of rank 2, got 'memref<2x?x64xf32>'}}
  tile.add %x, %x, %x : memref<2x?x64xf32>, memref<2x?x64xf32>, memref<2x?x64xf32>
  return
}

// -----

// Memory-space ops (GPU tiling) have no x86 lowering yet.
func.func @alloc(%n: index) {
  // expected-error @+1 {{'tile.alloc' op has no x86 lowering}}
  %g = tile.alloc(%n) {alignment = 64 : i64} : memref<?x64xf32, #tile.memory_space<global>>
  return
}

// -----

func.func @load(%x: memref<?x64xf32>, %i: index,
                %xs: memref<128x64xf32, #tile.memory_space<shared>>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'tile.load' op has no x86 lowering}}
  tile.load %x[%i, %c0] -> %xs : memref<?x64xf32> -> memref<128x64xf32, #tile.memory_space<shared>>
  return
}

// -----

func.func @store(%y: memref<?x?xf32>, %i: index,
                 %acc: memref<128x128xf32, #tile.memory_space<register>>) {
  // expected-error @+1 {{'tile.store' op has no x86 lowering}}
  tile.store %acc -> %y[%i, %i] : memref<128x128xf32, #tile.memory_space<register>> -> memref<?x?xf32>
  return
}

// -----

// Only the first op without a lowering is reported; ops before it were
// already lowered, ops after it are not looked at.
func.func @first_only(%a: memref<4x8xf32>, %n: index,
                      %acc: memref<4x4xf32, #tile.memory_space<register>>, %y: memref<?x?xf32>) {
  tile.add %a, %a, %a : memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>
  // expected-error @+1 {{'tile.alloc' op has no x86 lowering}}
  %g = tile.alloc(%n) : memref<?x64xf32, #tile.memory_space<global>>
  tile.store %acc -> %y[%n, %n] : memref<4x4xf32, #tile.memory_space<register>> -> memref<?x?xf32>
  return
}

// -----

// The x86 flash attention unrolls over heads and head_dim: they must be static.
func.func @flash_attention_dynamic_heads(%q: memref<?x?x4x16xf32>, %k: memref<?x?x?x16xf32>,
                                         %v: memref<?x?x?x16xf32>, %o: memref<?x?x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op x86 lowering needs static query heads, K/V heads and head_dim, got 'memref<?x?x?x16xf32>'}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64}
      : memref<?x?x4x16xf32>, memref<?x?x?x16xf32>, memref<?x?x?x16xf32>, memref<?x?x4x16xf32>
  return
}
