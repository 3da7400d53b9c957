// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file -verify-diagnostics

// The mixture-of-experts Tile-IR ops have no NVIDIA kernels yet: each is
// refused by name (MoE layers compile for x86 only).

func.func @route(%l: memref<?x8xf32>, %b: memref<8xf32>, %ids: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op is a mixture-of-experts op, which has no NVIDIA kernel yet (MoE layers compile for x86 only; GPU grouped-GEMM kernels are planned)}}
  tile.moe_route %l, %b, %ids, %w : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

func.func @sort(%ids: memref<?x2xi64>, %off: memref<9xi64>, %ord: memref<?xi64>) {
  // expected-error @+1 {{'tile.moe_sort' op is a mixture-of-experts op, which has no NVIDIA kernel yet}}
  tile.moe_sort %ids, %off, %ord : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
  return
}

// -----

func.func @gather(%x: memref<?x64xf32>, %ord: memref<?xi64>, %o: memref<?x64xf32>) {
  // expected-error @+1 {{'tile.moe_gather' op is a mixture-of-experts op, which has no NVIDIA kernel yet}}
  tile.moe_gather %x, %ord, %o {top_k = 2 : i64} : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
  return
}

// -----

func.func @grouped(%a: memref<?x64xf32>, %w: memref<8x32x64xbf16>, %off: memref<9xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op is a mixture-of-experts op, which has no NVIDIA kernel yet}}
  tile.grouped_matmul %a, %w, %off, %c : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

func.func @combine(%y: memref<?x64xf32>, %ord: memref<?xi64>, %w: memref<?x2xf32>, %o: memref<?x64xf32>) {
  // expected-error @+1 {{'tile.moe_combine' op is a mixture-of-experts op, which has no NVIDIA kernel yet}}
  tile.moe_combine %y, %ord, %w, %o : memref<?x64xf32>, memref<?xi64>, memref<?x2xf32>, memref<?x64xf32>
  return
}
