// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" -convert-tile-to-rocdl -canonicalize -cse | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-rocdl | FileCheck %s --check-prefix=ROCDL
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx90a" --tessera-tile-to-rocdl | FileCheck %s --check-prefix=GFX90A

// convert-tile-to-rocdl: the shared GPU recipes with AMD's CDNA
// configuration. Reductions are wavefront-wide (gpu.shuffle xor over 64
// lanes: offsets 32..1), workgroup buffers are LDS, 16-byte aligned. The bf16
// matmul is 256 threads (4 wavefronts of 64) on amdgpu.mfma 32x32x8 with
// bf16 LDS tiles (rows padded to 36) read as 8-byte fragments; f32
// activations take a hi and a lo MFMA per k-step (8 per K tile of 32).

// CHECK-LABEL: func.func @prefill(
// CHECK:         gpu.launch_func  @tessera_kernels::@rmsnorm_0 blocks in (%{{.*}}, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK:         gpu.launch_func  @tessera_kernels::@matmul_0 blocks in (%c2, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK:       gpu.module @tessera_kernels [#rocdl.target<O = 3, chip = "gfx942">]
// CHECK:         gpu.func @rmsnorm_0(
// CHECK-SAME:      workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-COUNT-6:   gpu.shuffle  xor %{{.*}}, %c{{(32|16|8|4|2|1)}}_i32, %c64_i32 : f32
// CHECK:           gpu.barrier
// CHECK:         gpu.func @matmul_0(
// CHECK-SAME:      workgroup(%{{.*}} : memref<64x36xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<64x36xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<64x36xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:      kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK-COUNT-8:     amdgpu.mfma 32x32x8 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : vector<4xbf16>, vector<4xbf16>, vector<16xf32>
// CHECK:           vector.extract %{{.*}}[15] : f32 from vector<16xf32>

// ROCDL: gpu.module @tessera_kernels [#rocdl.target<O = 3, chip = "gfx942">]
// ROCDL-NOT:   llvm.call @
// ROCDL-LABEL: llvm.func @rmsnorm_0(
// ROCDL-SAME:    rocdl.flat_work_group_size = "256,256", rocdl.kernel, rocdl.reqd_work_group_size = array<i32: 256, 1, 1>
// ROCDL:         rocdl.ds_bpermute
// ROCDL-COUNT-5: rocdl.ds_swizzle
// ROCDL:         rocdl.barrier
// ROCDL:         llvm.call_intrinsic "llvm.amdgcn.rsq.f32"
// ROCDL-LABEL: llvm.func @matmul_0(
// ROCDL:         llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<3> -> vector<4xbf16>
// ROCDL-COUNT-8: rocdl.mfma.f32.32x32x8bf16.1k %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (vector<4xi16>, vector<4xi16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
// ROCDL-NOT:   llvm.call @

// GFX90A: gpu.module @tessera_kernels [#rocdl.target<O = 3, chip = "gfx90a">]
// GFX90A-COUNT-8: rocdl.mfma.f32.32x32x8bf16.1k
func.func @prefill(%x: memref<?x64xf32>, %w: memref<96x64xbf16>, %y: memref<?x96xf32>, %nw: memref<64xbf16>) {
  tile.rmsnorm %x, %nw, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xbf16>, memref<?x64xf32>
  tile.matmul %x, %w, %y {transpose_b}
      : memref<?x64xf32>, memref<96x64xbf16>, memref<?x96xf32>
  return
}
