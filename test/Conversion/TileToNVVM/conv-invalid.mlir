// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file -verify-diagnostics

// tile.causal_conv1d forms without an NVIDIA lowering: the window of K-1
// inputs lives in registers, so the kernel size must be static and small.

func.func @conv_dynamic_taps(%x: memref<?x?x64xf32>, %w: memref<64x?xf32>,
                             %y: memref<?x?x64xf32>, %s: memref<?x64x?xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op NVIDIA lowering needs a static kernel size}}
  tile.causal_conv1d %x, %w -> %y, %s {block_channels = 64 : i64}
      : memref<?x?x64xf32>, memref<64x?xf32>, memref<?x?x64xf32>, memref<?x64x?xf32>
  return
}

// -----

func.func @conv_long_kernel(%x: memref<?x?x64xf32>, %w: memref<64x32xf32>,
                            %y: memref<?x?x64xf32>, %s: memref<?x64x31xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op NVIDIA lowering supports kernel size up to 16, got 32}}
  tile.causal_conv1d %x, %w -> %y, %s {block_channels = 64 : i64}
      : memref<?x?x64xf32>, memref<64x32xf32>, memref<?x?x64xf32>, memref<?x64x31xf32>
  return
}
