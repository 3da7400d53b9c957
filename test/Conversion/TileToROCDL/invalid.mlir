// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" -convert-tile-to-rocdl -split-input-file -verify-diagnostics
// RUN: not tessera-opt %s --tessera-attach-target="kind=amd chip=gfx1100" -convert-tile-to-rocdl 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not tessera-opt %s -split-input-file --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-rocdl 2>&1 | FileCheck %s --check-prefix=KIND

// An unknown chip is reported, naming the supported ones; a module whose
// target is not AMD is never lowered for AMD.
// CHIP: error: tessera-attach-target: unsupported amd chip 'gfx1100': expected one of gfx90a, gfx942
// KIND: error: convert-tile-to-rocdl: the module's target is 'nvidia', not amd (set it with tessera-attach-target{kind=amd chip=...})

// -----

// A Tile-IR op without an AMD kernel is reported, not skipped.
func.func @load(%src: memref<?x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16x64xf32, #tile.memory_space<shared>>
  // expected-error @-1 {{'tile.alloc' op has no AMD lowering}}
  tile.load %src[%i, %i] -> %t : memref<?x64xf32> -> memref<16x64xf32, #tile.memory_space<shared>>
  return
}

// -----

// tile.barrier means nothing between kernels.
func.func @barrier() {
  // expected-error @+1 {{'tile.barrier' op is a block-level barrier; on AMD every Tile-IR op is its own kernel, so a barrier between them has no meaning in a host function}}
  tile.barrier
  return
}

// -----

// MFMA takes bf16 here (f32 goes to the SIMT kernel); f16 weights are refused.
func.func @matmul_f16(%a: memref<?x64xf32>, %w: memref<96x64xf16>, %c: memref<?x96xf32>) {
  // expected-error @+1 {{'tile.matmul' op AMD lowering takes matmul operands of bf16 (MFMA bf16 x bf16 -> f32) or f32, got B of 'f16'}}
  tile.matmul %a, %w, %c {transpose_b} : memref<?x64xf32>, memref<96x64xf16>, memref<?x96xf32>
  return
}

// -----

// Attention needs a static head dim (the per-lane layout is fixed per kernel).
func.func @attention_dynamic_d(%q: memref<?x?x4x?xf32>, %k: memref<?x?x2x?xf32>, %v: memref<?x?x2x?xf32>, %o: memref<?x?x4x?xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op AMD lowering needs a static head dim}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x4x?xf32>, memref<?x?x2x?xf32>, memref<?x?x2x?xf32>, memref<?x?x4x?xf32>
  return
}
