// REQUIRES: ptxas
// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-nvvm --tessera-nvvm-to-binary=format=isa | tessera-translate --tessera-kernel-binary -o %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-nvvm --tessera-nvvm-to-binary=format=bin | FileCheck %s --check-prefix=BIN

// The bf16 matmul as PTX for sm_90a: tensor-core mma.sync.m16n8k16 with
// bf16 inputs and f32 accumulators, no calls (nothing external to link),
// and it assembles with CUDA's ptxas (also run by format=bin, which embeds
// the cubin in gpu.binary).

// CHECK: .target sm_90a
// CHECK-NOT: call
// CHECK-LABEL: .visible .entry rmsnorm_0(
// CHECK: shfl.sync.bfly.b32
// CHECK: bar.sync 0
// CHECK: rsqrt.approx.ftz.f32
// CHECK-LABEL: .visible .entry matmul_0(
// CHECK-COUNT-32: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT: call

// BIN: gpu.binary @tessera_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @prefill(%x: memref<?x64xf32>, %w: memref<96x64xbf16>, %y: memref<?x96xf32>, %nw: memref<64xbf16>) {
  tile.rmsnorm %x, %nw, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xbf16>, memref<?x64xf32>
  tile.matmul %x, %w, %y {transpose_b}
      : memref<?x64xf32>, memref<96x64xbf16>, memref<?x96xf32>
  return
}
