// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file -verify-diagnostics

// flash_attention forms without an NVIDIA lowering: the head counts decide
// how query heads are grouped per block and the head dim how many elements
// each lane holds in registers, so all three must be static (head dim at
// most 256).

func.func @dynamic_query_heads(%q: memref<?x?x?x16xf32>, %k: memref<?x?x2x16xf32>,
                               %v: memref<?x?x2x16xf32>, %o: memref<?x?x?x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op NVIDIA lowering needs a static query head count}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x?x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x?x?x16xf32>
  return
}

// -----

func.func @dynamic_kv_heads(%q: memref<?x?x4x16xf32>, %k: memref<?x?x?x16xf32>,
                            %v: memref<?x?x?x16xf32>, %o: memref<?x?x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op NVIDIA lowering needs a static K/V head count}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x4x16xf32>, memref<?x?x?x16xf32>, memref<?x?x?x16xf32>, memref<?x?x4x16xf32>
  return
}

// -----

func.func @dynamic_head_dim(%q: memref<?x?x4x?xf32>, %k: memref<?x?x2x?xf32>,
                            %v: memref<?x?x2x?xf32>, %o: memref<?x?x4x?xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op NVIDIA lowering needs a static head dim}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x4x?xf32>, memref<?x?x2x?xf32>, memref<?x?x2x?xf32>, memref<?x?x4x?xf32>
  return
}

// -----

func.func @large_head_dim(%q: memref<?x?x4x512xf32>, %k: memref<?x?x2x512xf32>,
                          %v: memref<?x?x2x512xf32>, %o: memref<?x?x4x512xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op NVIDIA lowering supports head dim up to 256, got 512}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x4x512xf32>, memref<?x?x2x512xf32>, memref<?x?x2x512xf32>, memref<?x?x4x512xf32>
  return
}
