// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" -convert-tile-to-rocdl | FileCheck %s
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s --check-prefix=ISA
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx90a" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s --check-prefix=ISA

// Flash attention on AMD (MFMAAttention.cpp): Q K^T and P V on the f32 MFMA
// (amdgpu.mfma 32x32x2, exact f32 products). The 12B's shape: 40 query heads
// over 8 K/V heads (groups of 5), head dim 128. K and V tiles of 32 keys in
// LDS, rows padded to 129 floats (2 x 32 x 129 x 4 = 33 KiB); per key tile
// a loop of 64 MFMAs for S^T = K Q^T (k = 128 in steps of 2) and 4 x 16 for
// O^T += V^T P^T (4 tiles of 32 head-dim columns, k = 32 keys); the row max
// and sum are combined across the two lane halves with one shuffle xor 32.

// CHECK-LABEL: gpu.func @flash_attention_0(
// CHECK-SAME:    workgroup(%{{.*}} : memref<4128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<4128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:    kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:         scf.for {{.*}} -> (f32, f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           scf.for {{.*}} -> (vector<16xf32>)
// CHECK:             amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>
// CHECK-NOT:         amdgpu.mfma
// CHECK:             scf.yield
// CHECK:           gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-64:  amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>
// CHECK-NOT:       amdgpu.mfma
// CHECK:           scf.yield

// ISA-LABEL: flash_attention_0:
// ISA: v_mfma_f32_32x32x2{{_?}}f32
// ISA-NOT: s_swappc_b64
// ISA: .amdhsa_private_segment_fixed_size 0
func.func @flash_attention(%q: memref<?x?x40x128xf32>, %k: memref<?x?x8x128xf32>,
                           %v: memref<?x?x8x128xf32>, %o: memref<?x?x40x128xf32>) {
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.08838834764831845 : f64, block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x40x128xf32>, memref<?x?x8x128xf32>, memref<?x?x8x128xf32>, memref<?x?x40x128xf32>
  return
}
