// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -split-input-file | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s -split-input-file --pass-pipeline="builtin.module(tessera-attach-target{kind=nvidia chip=sm_90a},convert-tile-to-nvvm,gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),gpu-module-to-binary{format=isa})" | FileCheck %s --check-prefix=PTX --implicit-check-not=__nv_

// Attention on NVIDIA. flash_attention: a block of 4 warps owns Tq query
// positions x the G query heads of one K/V head (the 12B's 40 query heads
// over 8 K/V heads: G = 5, Tq = 3, 15 rows, 4 per warp), grid
// (ceil(S / Tq), Hkv, B); K and V stream through shared memory in tiles of
// 32 keys x 128 (f32), each loaded once for the whole group; scores are
// warp reductions (gpu.shuffle xor), the softmax is online. The second RUN
// lowers every kernel to PTX.

// CHECK-LABEL: func.func @attention_gqa(
// CHECK-SAME:    %[[Q:[a-z0-9_]+]]: memref<?x?x40x128xbf16>, %[[K:[a-z0-9_]+]]: memref<?x?x8x128xbf16>
// CHECK:         %[[HKV:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[S:.*]] = memref.dim %[[Q]], %c1
// CHECK:         %[[GX:.*]] = arith.ceildivui %[[S]], %c3
// CHECK:         %[[GY:.*]] = arith.muli %[[HKV]], %c1
// CHECK:         %[[B:.*]] = memref.dim %[[Q]], %c0
// CHECK:         gpu.launch_func @tessera_kernels::@flash_attention_0 blocks in (%[[GX]], %[[GY]], %[[B]]) threads in (%c128
// CHECK:       gpu.module @tessera_kernels
// CHECK:         gpu.func @flash_attention_0({{.*}}) workgroup(%[[KS:.*]] : memref<4096xf32, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<4096xf32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// The 4 rows of a warp each keep m, l and 4 accumulator lanes (D = 128).
// CHECK:           scf.for {{.*}} step %c32{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:             gpu.barrier
// CHECK:             arith.extf {{.*}} : bf16 to f32
// CHECK:             memref.store {{.*}}, %[[KS]]
// CHECK:             memref.store {{.*}}, %[[VS]]
// CHECK:             gpu.barrier
// CHECK:             scf.for
// CHECK:               memref.load %[[KS]]
// CHECK:               memref.load %[[VS]]
// CHECK-COUNT-5:       gpu.shuffle  xor
// CHECK:               llvm.intr.maxnum
// CHECK:               llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:               llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:               arith.cmpi ult
// CHECK:               arith.select
// CHECK:           arith.divf
// CHECK:           scf.if
// CHECK:             arith.truncf {{.*}} : f32 to bf16
// PTX-LABEL: gpu.binary @tessera_kernels
// PTX:         .visible .entry flash_attention_0(
// PTX:         .shared .align 4 .b8 {{.*}}[16384]
// PTX:         bar.sync
// PTX:         shfl.sync.bfly.b32
func.func @attention_gqa(%q: memref<?x?x40x128xbf16>, %k: memref<?x?x8x128xbf16>,
                         %v: memref<?x?x8x128xbf16>, %o: memref<?x?x40x128xbf16>) {
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.08838834764831845 : f64,
                                        block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x40x128xbf16>, memref<?x?x8x128xbf16>, memref<?x?x8x128xbf16>,
        memref<?x?x40x128xbf16>
  return
}

// -----

// One K/V head for 32 query heads: a block takes 16 of them (two head tiles
// per K/V head); head dim 80 is not a multiple of 32, so the lanes past it
// are masked (not causal here).
// CHECK-LABEL: func.func @attention_mqa(
// CHECK:         %[[HKV:.*]] = memref.dim %{{.*}}, %c2
// CHECK:         %[[GY:.*]] = arith.muli %[[HKV]], %c2
// CHECK:         gpu.launch_func @tessera_kernels::@flash_attention_0 blocks in (%{{.*}}, %[[GY]], %{{.*}}) threads in (%c128
// CHECK:         gpu.func @flash_attention_0({{.*}}) workgroup({{.*}} : memref<5120xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<5120xf32, #gpu.address_space<workgroup>>)
// CHECK:           scf.for {{.*}} step %c64
// CHECK:           arith.divf
// PTX-LABEL: gpu.binary @tessera_kernels
// PTX:         .visible .entry flash_attention_0(
func.func @attention_mqa(%q: memref<?x?x32x80xf32>, %k: memref<?x?x1x80xf32>,
                         %v: memref<?x?x1x80xf32>, %o: memref<?x?x32x80xf32>) {
  tile.flash_attention %q, %k, %v, %o {scale = 0.1118 : f64,
                                        block_q = 64 : i64, block_k = 64 : i64}
      : memref<?x?x32x80xf32>, memref<?x?x1x80xf32>, memref<?x?x1x80xf32>,
        memref<?x?x32x80xf32>
  return
}

// -----

// kv_cache_append: one thread per written (position, d), grid
// (ceil(S * D / 128), Hkv, B); the cache is [B, capacity, Hkv, D] and the
// position is read from device memory (a memref<1xi64>) inside the kernel, so
// the launch does not depend on it; the f32 update is rounded to the bf16
// cache; positions past the capacity are not written.
// CHECK-LABEL: func.func @append(
// CHECK-SAME:    %[[NEW:[a-z0-9_]+]]: memref<?x?x8x128xf32>, %[[CACHE:[a-z0-9_]+]]: memref<?x4096x8x128xbf16>, %[[POS:[a-z0-9_]+]]: memref<1xi64>
// CHECK:         gpu.launch_func @tessera_kernels::@kv_cache_append_0 blocks in ({{.*}}) threads in (%c128
// CHECK-SAME:      args(%[[CACHE]] : memref<?x4096x8x128xbf16>, %[[NEW]] : memref<?x?x8x128xf32>, %[[POS]] : memref<1xi64>)
// CHECK:         gpu.func @kv_cache_append_0(%[[C:.*]]: memref<?x4096x8x128xbf16>, %[[U:.*]]: memref<?x?x8x128xf32>, %[[P:.*]]: memref<1xi64>) kernel
// CHECK:           scf.if
// CHECK:             %[[PV:.*]] = memref.load %[[P]][%{{.*}}] : memref<1xi64>
// CHECK:             %[[PI:.*]] = arith.index_cast %[[PV]] : i64 to index
// CHECK:             %[[AT:.*]] = arith.addi %[[PI]]
// CHECK:             arith.cmpi ult, %[[AT]], %{{.*}} : index
// CHECK:             scf.if
// CHECK:               memref.load %[[U]]
// CHECK:               arith.truncf {{.*}} : f32 to bf16
// CHECK:               memref.store {{.*}}, %[[C]][{{.*}}, %[[AT]], {{.*}}, {{.*}}]
// PTX-LABEL: gpu.binary @tessera_kernels
// PTX:         .visible .entry kv_cache_append_0(
// PTX:         cvt.rn.bf16.f32
func.func @append(%kn: memref<?x?x8x128xf32>, %cache: memref<?x4096x8x128xbf16>, %pos: memref<1xi64>) {
  tile.kv_cache_append %kn -> %cache[%pos] : memref<?x?x8x128xf32> -> memref<?x4096x8x128xbf16>, memref<1xi64>
  return
}

// -----

// flash_attention over a fixed-capacity cache at a run-time position (the
// decode step): the kernel reads the position from device memory and attends
// to keys [0, position + seq) -- the capacity (4096) is never a loop bound and
// the launch grid does not depend on the position (a CUDA graph replays it).
// CHECK-LABEL: func.func @attention_at_position(
// CHECK:         gpu.launch_func @tessera_kernels::@flash_attention_0
// CHECK-SAME:      %{{.*}} : memref<1xi64>)
// CHECK:         gpu.func @flash_attention_0({{.*}}, %[[P:[a-z0-9_]+]]: memref<1xi64>)
// CHECK:           %[[PV:.*]] = memref.load %[[P]][%{{.*}}] : memref<1xi64>
// CHECK:           %[[PI:.*]] = arith.index_cast %[[PV]] : i64 to index
// CHECK:           %[[KEYS:.*]] = arith.addi %[[PI]], %{{.*}} : index
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c64
func.func @attention_at_position(%q: memref<?x1x8x64xf32>, %k: memref<?x4096x2x64xf32>, %v: memref<?x4096x2x64xf32>, %o: memref<?x1x8x64xf32>, %pos: memref<1xi64>) {
  tile.flash_attention %q, %k, %v, %o at %pos {causal, scale = 0.125 : f64} : memref<?x1x8x64xf32>, memref<?x4096x2x64xf32>, memref<?x4096x2x64xf32>, memref<?x1x8x64xf32>, memref<1xi64>
  return
}
