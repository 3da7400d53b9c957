// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file -verify-diagnostics

// SSD forms without an NVIDIA lowering: the chunk-state and chunk-scan
// kernels size their shared-memory tiles from the head dim and state dim at
// compile time, so both must be static and at most 256, as must chunk_size.

func.func @chunk_state_dynamic_head_dim(%x: memref<?x?x8x?xf32>, %B: memref<?x?x2x16xf32>,
    %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>, %st: memref<?x?x8x?x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op NVIDIA lowering needs a static head dim}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<?x?x8x?xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>,
        memref<?x8x?x128xf32>, memref<?x?x8x?x16xf32>
  return
}

// -----

func.func @chunk_state_large_state(%x: memref<?x?x8x16xf32>, %B: memref<?x?x2x512xf32>,
    %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>, %st: memref<?x?x8x16x512xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op NVIDIA lowering supports state dim up to 256, got 512}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<?x?x8x16xf32>, memref<?x?x2x512xf32>, memref<?x?x8xf32>,
        memref<?x8x?x128xf32>, memref<?x?x8x16x512xf32>
  return
}

// -----

func.func @chunk_state_large_chunk(%x: memref<?x?x8x16xf32>, %B: memref<?x?x2x16xf32>,
    %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x512xf32>, %st: memref<?x?x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op NVIDIA lowering supports chunk_size up to 256, got 512}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 512 : i64}
      : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>,
        memref<?x8x?x512xf32>, memref<?x?x8x16x16xf32>
  return
}

// -----

func.func @chunk_scan_dynamic_state(%x: memref<?x?x8x16xf32>, %C: memref<?x?x2x?xf32>,
    %B: memref<?x?x2x?xf32>, %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>,
    %st: memref<?x?x8x16x?xf32>, %D: memref<8xf32>, %y: memref<?x?x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op NVIDIA lowering needs a static state dim}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<?x?x8x16xf32>, memref<?x?x2x?xf32>, memref<?x?x2x?xf32>,
        memref<?x?x8xf32>, memref<?x8x?x128xf32>, memref<?x?x8x16x?xf32>,
        memref<8xf32>, memref<?x?x8x16xf32>
  return
}

// -----

func.func @chunk_scan_large_head_dim(%x: memref<?x?x8x320xf32>, %C: memref<?x?x2x16xf32>,
    %B: memref<?x?x2x16xf32>, %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>,
    %st: memref<?x?x8x320x16xf32>, %D: memref<8xf32>, %y: memref<?x?x8x320xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op NVIDIA lowering supports head dim up to 256, got 320}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<?x?x8x320xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>,
        memref<?x?x8xf32>, memref<?x8x?x128xf32>, memref<?x?x8x320x16xf32>,
        memref<8xf32>, memref<?x?x8x320xf32>
  return
}
