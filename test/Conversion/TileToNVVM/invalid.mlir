// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file -verify-diagnostics
// RUN: not tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_75" -convert-tile-to-nvvm 2>&1 | FileCheck %s --check-prefix=CHIP

// An unknown chip is reported on the module, naming the supported ones.
// CHIP: error: tessera-attach-target: unsupported nvidia chip 'sm_75': expected one of sm_80, sm_86, sm_89, sm_90, sm_90a

// -----

// A Tile-IR op without an NVIDIA kernel is reported, not skipped.
func.func @load(%src: memref<?x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16x64xf32, #tile.memory_space<shared>>
  // expected-error @-1 {{'tile.alloc' op has no NVIDIA lowering}}
  tile.load %src[%i, %i] -> %t : memref<?x64xf32> -> memref<16x64xf32, #tile.memory_space<shared>>
  return
}

// -----

// tile.barrier means nothing between kernels.
func.func @barrier() {
  // expected-error @+1 {{'tile.barrier' op is a block-level barrier; on NVIDIA every Tile-IR op is its own kernel, so a barrier between them has no meaning in a host function}}
  tile.barrier
  return
}

// -----

// Embedding ids of rank 4 do not fit the three grid dimensions.
func.func @embedding_rank4(%t: memref<256x64xf32>, %ids: memref<1x1x1x?xi64>, %o: memref<1x1x1x?x64xf32>) {
  // expected-error @+1 {{'tile.embedding' op NVIDIA lowering expects ids of rank 1 to 3, got 'memref<1x1x1x?xi64>'}}
  tile.embedding %t, %ids, %o : memref<256x64xf32>, memref<1x1x1x?xi64>, memref<1x1x1x?x64xf32>
  return
}

// -----

// memref.copy of rank 5 does not fit the grid either.
func.func @copy_rank5(%s: memref<1x1x1x1x?xf32>, %d: memref<1x1x1x1x?xf32>) {
  // expected-error @+1 {{'memref.copy' op NVIDIA lowering expects a copy of rank 1 to 4, got 'memref<1x1x1x1x?xf32>'}}
  memref.copy %s, %d : memref<1x1x1x1x?xf32> to memref<1x1x1x1x?xf32>
  return
}

// -----

// The matmul kernels read A, B and C as matrices.
func.func @matmul_accumulate_epilogue(%a: memref<?x64xf32>, %w: memref<32x64xbf16>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op an accumulating matmul cannot have an epilogue}}
  tile.matmul %a, %w, %c {transpose_b, accumulate, epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<32x64xbf16>, memref<?x32xf32>
  return
}
