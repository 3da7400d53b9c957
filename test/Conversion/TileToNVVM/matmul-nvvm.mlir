// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-nvvm | FileCheck %s
// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90" --tessera-tile-to-nvvm | FileCheck %s --check-prefix=SM90

// tessera-tile-to-nvvm: the matmul kernels lowered to NVVM/LLVM inside the
// gpu.module (memref arguments expanded into descriptors: allocated ptr,
// aligned ptr, offset, sizes, strides), the host function normalised
// (collapse_shape -> extract_strided_metadata + reinterpret_cast) around
// gpu.launch_func. bf16 weights: nvvm.mma.sync m16n8k16 bf16 x bf16 -> f32
// (32 per K tile: 2 k-steps x 2x4 tiles per warp x hi/lo parts of the f32
// activations), SiLU through ex2.approx;
// f32 weights: f32 FMAs, no mma. Nothing becomes a libdevice call (the
// binary step links none).

// CHECK-LABEL: func.func @linear(
// CHECK:         memref.extract_strided_metadata
// CHECK:         %[[A:.*]] = memref.reinterpret_cast %arg0 to offset: [0], sizes: [%{{.*}}, 64], strides: [64, 1]
// CHECK:         gpu.launch_func  @tessera_kernels::@matmul_0 blocks in (%{{.*}}) threads in (%c128, %c1, %c1)  args(%[[A]] : memref<?x64xf32>, %arg1 : memref<96x64xbf16>, %arg3 : memref<?x96xf32>)
// CHECK:         gpu.launch_func  @tessera_kernels::@matmul_1 blocks in (%{{.*}}) threads in (%c256, %c1, %c1)  args(%arg3 : memref<?x96xf32>, %arg2 : memref<64x96xf32>, %arg4 : memref<?x64xf32>)
// CHECK:       gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// CHECK-NOT:     llvm.func @__nv_
// CHECK-LABEL:   llvm.func @matmul_0(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr,
// CHECK-SAME:      attributes {gpu.kernel, gpu.known_block_size = array<i32: 128, 1, 1>, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>}
// CHECK-COUNT-32:  nvvm.mma.sync A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]  B[%{{.*}}, %{{.*}}]  C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:           llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK-NOT:       llvm.call @
// CHECK-LABEL:   llvm.func @matmul_1(
// CHECK-SAME:      nvvm.maxntid = array<i32: 256, 1, 1>
// CHECK-NOT:       nvvm.mma.sync
// CHECK:           llvm.intr.fma
// CHECK-NOT:       llvm.call @
// SM90: gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
func.func @linear(%x: memref<?x?x64xf32>, %w: memref<96x64xbf16>, %w32: memref<64x96xf32>, %y: memref<?x96xf32>, %z: memref<?x64xf32>) {
  %a = memref.collapse_shape %x [[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
  tile.matmul %a, %w, %y {transpose_b, epilogue = #tile.epilogue<silu>}
      : memref<?x64xf32>, memref<96x64xbf16>, memref<?x96xf32>
  tile.matmul %y, %w32, %z {transpose_b}
      : memref<?x96xf32>, memref<64x96xf32>, memref<?x64xf32>
  return
}
