// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 | FileCheck %s

// causal_conv1d kernels longer than 16 taps (kMaxUnrolledConvKernel,
// tessera/Support/Limits.h) lower to a loop over the taps, so the IR does not
// grow with the kernel: conv_kernel=4096 used to unroll into 32 MB of IR and
// 2**40 never finished (issue 9). Up to 16 taps the vector form keeps the
// taps unrolled in registers.

// CHECK-LABEL: func.func @conv_1024_taps(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x160xf32>, %[[W:[a-z0-9_]+]]: memref<160x1024xf32>,
// CHECK:         %[[K:.*]] = memref.dim %[[W]], %{{.*}} : memref<160x1024xf32>
// CHECK:         scf.for %[[TAP:[a-z0-9_]+]] = %{{.*}} to %[[K]] step %{{.*}} iter_args
// CHECK:           memref.load %[[W]][%{{.*}}, %[[TAP]]] : memref<160x1024xf32>
// CHECK:           math.fma %{{.*}} : f32
// CHECK-NOT:     vector.
// CHECK-NOT:     memref.load %[[W]]
// CHECK:         return
func.func @conv_1024_taps(%x: memref<?x?x160xf32>, %w: memref<160x1024xf32>, %b: memref<160xf32>,
                          %s0: memref<?x160x1023xf32>, %y: memref<?x?x160xf32>,
                          %s1: memref<?x160x1023xf32>) {
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1 {silu}
      : memref<?x?x160xf32>, memref<160x1024xf32>, memref<160xf32>, memref<?x160x1023xf32>,
        memref<?x?x160xf32>, memref<?x160x1023xf32>
  return
}

// -----

// CHECK-LABEL: func.func @conv_16_taps(
// CHECK-COUNT-16: vector.load %{{.*}} : memref<16x?xf32>, vector<8xf32>
// CHECK:         return
func.func @conv_16_taps(%x: memref<?x?x160xf32>, %w: memref<160x16xf32>,
                        %y: memref<?x?x160xf32>, %s1: memref<?x160x15xf32>) {
  tile.causal_conv1d %x, %w -> %y, %s1
      : memref<?x?x160xf32>, memref<160x16xf32>, memref<?x?x160xf32>, memref<?x160x15xf32>
  return
}
