// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" -convert-tile-to-rocdl | FileCheck %s
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s --check-prefix=ISA
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx90a" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s --check-prefix=ISA

// The SSD chunk state on AMD: states[p, n] = sum_l (x_l[p] dt_l decay_l)
// B_l[n], a P x N x chunk product of two activations, on the f32 MFMA
// (amdgpu.mfma 32x32x2, exact f32 products): the 80 x 128 state is 3 x 4
// tiles of 32x32, at most 3 per wavefront of the 4 (P padded with zeros);
// x and B stream through LDS in tiles of 32 rows, as in the shared kernel.
// The chunk scan (MFMAChunkScan.cpp) runs its three products on the same f32
// MFMA: per pass of 128 rows, each wavefront's state term C state^T (a loop
// of 64 steps of k = N over 3 tiles of 32 columns of P = 80), then per tile of 32 rows j
// G^T = B_j C_i^T (a loop of 64 MFMAs) and M X_j (3 x 16, unrolled), with C
// read through the caches and B (rows padded to 129), x, cum, dt in LDS.

// CHECK-LABEL: gpu.func @ssd_chunk_state_0(
// CHECK-SAME:    workgroup(%{{.*}} : memref<128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2560xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<4096xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:    kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:         rocdl.exp2
// CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-3:     amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>

// CHECK-LABEL: gpu.func @ssd_chunk_scan_0(
// CHECK-SAME:    workgroup(%{{.*}} : memref<4128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2560xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<32xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<32xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:    kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-3:   amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>
// CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           scf.for {{.*}} -> (vector<16xf32>)
// CHECK:             amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>
// CHECK:             scf.yield
// CHECK-COUNT-48:  amdgpu.mfma 32x32x2 %{{.*}} * %{{.*}} + %{{.*}} blgp = none : f32, f32, vector<16xf32>
// CHECK-NOT:       amdgpu.mfma
// CHECK:           scf.yield

// ISA-LABEL: ssd_chunk_state_0:
// ISA: v_mfma_f32_32x32x2{{_?}}f32
// ISA-NOT: s_swappc_b64
// ISA: .amdhsa_private_segment_fixed_size 0
// ISA-LABEL: ssd_chunk_scan_0:
// ISA: v_mfma_f32_32x32x2{{_?}}f32
// ISA-NOT: s_swappc_b64
// ISA: .amdhsa_private_segment_fixed_size 0
func.func @ssd_chunk_state(%x: memref<?x?x8x80xbf16>, %B: memref<?x?x2x128xbf16>, %dt2: memref<?x?x8xf32>,
                           %dacs: memref<?x8x?x128xf32>, %st: memref<?x?x8x80x128xf32>) {
  tile.ssd_chunk_state %x, %B, %dt2, %dacs -> %st {chunk_size = 128 : i64}
      : memref<?x?x8x80xbf16>, memref<?x?x2x128xbf16>, memref<?x?x8xf32>,
        memref<?x8x?x128xf32>, memref<?x?x8x80x128xf32>
  return
}

func.func @ssd_chunk_scan(%x: memref<?x?x8x80xf32>, %C: memref<?x?x2x128xf32>, %B: memref<?x?x2x128xf32>,
                          %dt: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>, %st: memref<?x?x8x80x128xf32>,
                          %D: memref<8xf32>, %y: memref<?x?x8x80xf32>) {
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<?x?x8x80xf32>, memref<?x?x2x128xf32>, memref<?x?x2x128xf32>,
        memref<?x?x8xf32>, memref<?x8x?x128xf32>, memref<?x?x8x80x128xf32>,
        memref<8xf32>, memref<?x?x8x80xf32>
  return
}
