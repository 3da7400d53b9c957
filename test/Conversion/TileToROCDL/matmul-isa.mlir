// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx90a" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=isa | tessera-translate --tessera-kernel-binary | FileCheck %s --check-prefix=GFX90A
// RUN: tessera-opt %s --tessera-attach-target="kind=amd chip=gfx942" --tessera-tile-to-rocdl --tessera-rocdl-to-binary=format=bin | FileCheck %s --check-prefix=BIN

// The kernels as AMDGPU assembly: the bf16 matmul on the MFMA unit
// (v_mfma_f32_32x32x8_bf16 on gfx942, v_mfma_f32_32x32x8bf16_1k on gfx90a),
// fragments read from LDS 8 bytes at a time (paired: ds_read2_b64), no
// scratch, 168 bytes of kernel arguments (three rank-2 memref descriptors of
// 7 x 8 bytes); no calls (nothing external to link). format=bin links a code
// object with ld.lld (LLVM's own when there is no ROCm install) and embeds it
// in gpu.binary.

// CHECK: .amdgcn_target "amdgcn-amd-amdhsa--gfx942"
// CHECK-NOT: s_swappc_b64
// CHECK-LABEL: rmsnorm_0:
// CHECK: ds_swizzle_b32
// CHECK: v_rsq_f32
// CHECK-LABEL: matmul_0:
// CHECK: ds_read2_b64
// CHECK: v_mfma_f32_32x32x8_bf16
// CHECK-NOT: s_swappc_b64
// CHECK: .amdhsa_kernel matmul_0
// CHECK: .amdhsa_group_segment_fixed_size 13824
// CHECK: .amdhsa_private_segment_fixed_size 0
// CHECK-NEXT: .amdhsa_kernarg_size 168

// GFX90A: .amdgcn_target "amdgcn-amd-amdhsa--gfx90a
// GFX90A-LABEL: matmul_0:
// GFX90A: v_mfma_f32_32x32x8bf16_1k

// BIN: gpu.binary @tessera_kernels [#gpu.object<#rocdl.target<O = 3, chip = "gfx942">, {{.*}}bin = "\7FELF
func.func @prefill(%x: memref<?x64xf32>, %w: memref<96x64xbf16>, %y: memref<?x96xf32>, %nw: memref<64xbf16>) {
  tile.rmsnorm %x, %nw, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xbf16>, memref<?x64xf32>
  tile.matmul %x, %w, %y {transpose_b}
      : memref<?x64xf32>, memref<96x64xbf16>, memref<?x96xf32>
  return
}
