// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s -split-input-file --pass-pipeline="builtin.module(tessera-attach-target{kind=nvidia chip=sm_90a},convert-tile-to-nvvm,gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),gpu-module-to-binary{format=isa})" | FileCheck %s --check-prefix=PTX --implicit-check-not=__nv_

// tile.causal_conv1d on NVIDIA: one thread per (batch, channel), 128
// channels per block, grid (ceil(C / 128), B); each thread walks the
// sequence with its K weights and the window of the last K-1 inputs carried
// through the scf.for (iter_args), then writes the window as the outgoing
// state. bf16 weights are extended to f32 on load. The second RUN lowers
// the kernels to PTX for sm_90a.

// Prefill form: bias, incoming state, SiLU, bf16 weights.
// CHECK-LABEL: func.func @conv_prefill(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x160xf32>
// CHECK:         %[[CH:.*]] = memref.dim %[[X]], %c2
// CHECK:         %[[GX:.*]] = arith.ceildivui %[[CH]], %c128
// CHECK:         %[[B:.*]] = memref.dim %[[X]], %c0
// CHECK:         gpu.launch_func @tessera_kernels::@causal_conv1d_0 blocks in (%[[GX]], %[[B]], %{{.*}}) threads in (%c128
// CHECK-SAME:      args(%[[X]] : memref<?x?x160xf32>, %{{.*}} : memref<160x4xbf16>, %{{.*}} : memref<160xf32>, %{{.*}} : memref<?x160x3xf32>
// CHECK:       gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_90a"
// CHECK:         gpu.func @causal_conv1d_0(%{{.*}}: memref<?x?x160xf32>, %[[W:.*]]: memref<160x4xbf16>, {{.*}} kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:           gpu.thread_id  x
// CHECK:           gpu.block_id  x
// CHECK:           scf.if
// CHECK-COUNT-4:     memref.load %[[W]]
// CHECK:             arith.extf {{.*}} : bf16 to f32
// CHECK:             %[[WIN:.*]]:3 = scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32)
// CHECK-COUNT-4:       llvm.intr.fma
// CHECK:               llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:               memref.store
// CHECK:               scf.yield
// CHECK-COUNT-3:     memref.store %[[WIN]]#
// PTX-LABEL: gpu.binary @tessera_kernels
// PTX:         .target sm_90a
// PTX:         .visible .entry causal_conv1d_0(
// PTX:         cvt.f32.bf16
// PTX:         ex2.approx.ftz.f32
// PTX:         div.rn.f32
func.func @conv_prefill(%x: memref<?x?x160xf32>, %w: memref<160x4xbf16>,
                        %b: memref<160xf32>, %s0: memref<?x160x3xf32>,
                        %y: memref<?x?x160xf32>, %s1: memref<?x160x3xf32>) {
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1
      {silu, block_channels = 64 : i64}
      : memref<?x?x160xf32>, memref<160x4xbf16>, memref<160xf32>,
        memref<?x160x3xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
  return
}

// -----

// No bias, no incoming state (zeros), no SiLU, in place on the state; two
// launches with the same types share one kernel.
// CHECK-LABEL: func.func @conv_plain(
// CHECK-COUNT-2: gpu.launch_func @tessera_kernels::@causal_conv1d_0
// CHECK-NOT:     gpu.launch_func
// CHECK:         gpu.func @causal_conv1d_0(
// CHECK:           scf.for {{.*}} -> (f32, f32, f32)
// CHECK-NOT:         llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:           scf.yield
// CHECK-NOT:     gpu.func
// PTX-LABEL: gpu.binary @tessera_kernels
// PTX:         .visible .entry causal_conv1d_0(
func.func @conv_plain(%x: memref<?x?x64xf32>, %w: memref<64x4xf32>,
                      %y: memref<?x?x64xf32>, %s: memref<?x64x3xf32>) {
  tile.causal_conv1d %x, %w -> %y, %s {block_channels = 64 : i64}
      : memref<?x?x64xf32>, memref<64x4xf32>, memref<?x?x64xf32>, memref<?x64x3xf32>
  tile.causal_conv1d %y, %w -> %x, %s {block_channels = 64 : i64}
      : memref<?x?x64xf32>, memref<64x4xf32>, memref<?x?x64xf32>, memref<?x64x3xf32>
  return
}
