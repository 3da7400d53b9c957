// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s --pass-pipeline="builtin.module(tessera-attach-target{kind=nvidia chip=sm_90a},convert-tile-to-nvvm,gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),gpu-module-to-binary{format=isa})" | FileCheck %s --check-prefix=PTX --implicit-check-not=__nv_

// The SSD chunked scan stages and the recurrent decode step on NVIDIA, with
// the 12B model's head dim 80, state 128 and chunk 128 (8 heads, 2 groups);
// x, B, C (and y) in bf16, extended to f32 on load. Each op becomes a launch
// of its own kernel; the second RUN lowers all of them to PTX.

// Stage 1: one thread per (batch, chunk, head), 128 heads per block, grid
// (ceil(H / 128), ceil(S / 128), B); the running sum is an scf.for iter_arg,
// the tail of the last chunk repeats it.
// CHECK-LABEL: func.func @ssd_cumsum(
// CHECK-SAME:    %[[DT:[a-z0-9_]+]]: memref<?x?x8xf32>
// CHECK:         %[[H:.*]] = memref.dim %[[DT]], %c2
// CHECK:         %[[GX:.*]] = arith.ceildivui %[[H]], %c128
// CHECK:         %[[S:.*]] = memref.dim %[[DT]], %c1
// CHECK:         %[[GY:.*]] = arith.ceildivui %[[S]], %c128
// CHECK:         %[[B:.*]] = memref.dim %[[DT]], %c0
// CHECK:         gpu.launch_func @tessera_kernels::@ssd_chunk_cumsum_0 blocks in (%[[GX]], %[[GY]], %[[B]]) threads in (%c128
func.func @ssd_cumsum(%dt: memref<?x?x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>,
                      %dt2: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>) {
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dt2, %dacs
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<?x?x8xf32>, memref<8xf32>, memref<8xf32>, memref<?x?x8xf32>,
        memref<?x8x?x128xf32>
  return
}

// Stage 2: one block of 256 threads per (head, chunk, batch).
// CHECK-LABEL: func.func @ssd_chunk_state(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x8x80xbf16>
// CHECK:         %[[H:.*]] = memref.dim %[[X]], %c2
// CHECK:         %[[S:.*]] = memref.dim %[[X]], %c1
// CHECK:         %[[NC:.*]] = arith.ceildivui %[[S]], %c128
// CHECK:         %[[B:.*]] = memref.dim %[[X]], %c0
// CHECK:         gpu.launch_func @tessera_kernels::@ssd_chunk_state_0 blocks in (%[[H]], %[[NC]], %[[B]]) threads in (%c256
func.func @ssd_chunk_state(%x: memref<?x?x8x80xbf16>, %B: memref<?x?x2x128xbf16>, %dt2: memref<?x?x8xf32>,
                           %dacs: memref<?x8x?x128xf32>, %st: memref<?x?x8x80x128xf32>) {
  tile.ssd_chunk_state %x, %B, %dt2, %dacs -> %st {chunk_size = 128 : i64}
      : memref<?x?x8x80xbf16>, memref<?x?x2x128xbf16>, memref<?x?x8xf32>,
        memref<?x8x?x128xf32>, memref<?x?x8x80x128xf32>
  return
}

// Stage 3: one thread per state element, grid (ceil(P * N / 256), H, B).
// CHECK-LABEL: func.func @ssd_state_passing(
// CHECK:         %[[PN:.*]] = arith.muli
// CHECK:         %[[GX:.*]] = arith.ceildivui %[[PN]], %c256
// CHECK:         gpu.launch_func @tessera_kernels::@ssd_state_passing_0 blocks in (%[[GX]],
func.func @ssd_state_passing(%st: memref<?x?x8x80x128xf32>, %dacs: memref<?x8x?x128xf32>,
                             %s0: memref<?x8x80x128xf32>, %stin: memref<?x?x8x80x128xf32>,
                             %s1: memref<?x8x80x128xf32>) {
  tile.ssd_state_passing %st, %dacs init(%s0) -> %stin, %s1 {chunk_size = 128 : i64}
      : memref<?x?x8x80x128xf32>, memref<?x8x?x128xf32>, memref<?x8x80x128xf32>,
        memref<?x?x8x80x128xf32>, memref<?x8x80x128xf32>
  return
}

// Stage 4: one block of 256 threads per (head, chunk, batch).
// CHECK-LABEL: func.func @ssd_chunk_scan(
// CHECK:         gpu.launch_func @tessera_kernels::@ssd_chunk_scan_0 blocks in ({{.*}}) threads in (%c256
func.func @ssd_chunk_scan(%x: memref<?x?x8x80xbf16>, %C: memref<?x?x2x128xbf16>, %B: memref<?x?x2x128xbf16>,
                          %dt2: memref<?x?x8xf32>, %dacs: memref<?x8x?x128xf32>,
                          %stin: memref<?x?x8x80x128xf32>, %D: memref<8xf32>, %y: memref<?x?x8x80xbf16>) {
  tile.ssd_chunk_scan %x, %C, %B, %dt2, %dacs, %stin, %D -> %y {chunk_size = 128 : i64}
      : memref<?x?x8x80xbf16>, memref<?x?x2x128xbf16>, memref<?x?x2x128xbf16>,
        memref<?x?x8xf32>, memref<?x8x?x128xf32>, memref<?x?x8x80x128xf32>,
        memref<8xf32>, memref<?x?x8x80xbf16>
  return
}

// Decode: one block per (head, batch), a warp per state row.
// CHECK-LABEL: func.func @ssd_state_update(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x8x80xf32>
// CHECK:         %[[H:.*]] = memref.dim %[[X]], %c1
// CHECK:         %[[B:.*]] = memref.dim %[[X]], %c0
// CHECK:         gpu.launch_func @tessera_kernels::@ssd_state_update_0 blocks in (%[[H]], %[[B]], %{{.*}}) threads in (%c256
func.func @ssd_state_update(%x: memref<?x8x80xf32>, %dt: memref<?x8xf32>, %dtb: memref<8xf32>,
                            %alog: memref<8xf32>, %B: memref<?x2x128xf32>, %C: memref<?x2x128xf32>,
                            %D: memref<8xf32>, %s: memref<?x8x80x128xf32>, %y: memref<?x8x80xf32>) {
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
      {dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<?x8x80xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>,
        memref<?x2x128xf32>, memref<?x2x128xf32>, memref<8xf32>,
        memref<?x8x80x128xf32>, memref<?x8x80xf32>
  return
}


// The kernels (one gpu.module, one gpu.func per op).
// CHECK:       gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_90a"
// CHECK:         gpu.func @ssd_chunk_cumsum_0({{.*}} kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:           llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32)
// CHECK:             llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"
// CHECK:             memref.store {{.*}} : memref<?x?x8xf32>
// CHECK:             llvm.intr.fma
// CHECK:             memref.store {{.*}} : memref<?x8x?x128xf32>
// CHECK:           scf.for
// CHECK:             memref.store {{.*}} : memref<?x8x?x128xf32>
// Stage 2: scale [chunk], x tile [32 x 80] and B tile [32 x 128] in shared
// memory; 8 outputs per thread per pass over the 80 x 128 state.
// CHECK:         gpu.func @ssd_chunk_state_0({{.*}}) workgroup(%[[SC:.*]] : memref<128xf32, #gpu.address_space<workgroup>>, %[[XS:.*]] : memref<2560xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<4096xf32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:           llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:           memref.store {{.*}}, %[[SC]]
// CHECK:           scf.for {{.*}} = %c0{{.*}} to %c10240 step %c2048
// CHECK:             scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:               gpu.barrier
// CHECK:               arith.extf {{.*}} : bf16 to f32
// CHECK:               memref.store {{.*}}, %[[XS]]
// CHECK:               memref.store {{.*}}, %[[BS]]
// CHECK:               gpu.barrier
// CHECK-COUNT-8:         llvm.intr.fma
// CHECK-COUNT-8:     memref.store {{.*}} : memref<?x?x8x80x128xf32>
// CHECK:         gpu.func @ssd_state_passing_0({{.*}} kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32)
// CHECK:             memref.load %arg0
// CHECK:             memref.store {{.*}}, %arg3
// CHECK:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:             llvm.intr.fma
// CHECK:           memref.store {{.*}}, %arg4
// Stage 4: C rows [16 x 128], B rows [32 x 128, padded to 129], x rows [32 x 80], the
// 16 x 32 intra-chunk matrix and the cumsum/dt vectors in shared memory;
// 5 outputs (of 16 x 80) per thread per row tile.
// CHECK:         gpu.func @ssd_chunk_scan_0({{.*}}) workgroup({{.*}} : memref<2048xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<4128xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<2560xf32, #gpu.address_space<workgroup>>, %[[M:.*]] : memref<512xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:           scf.for
// CHECK:             gpu.barrier
// CHECK:             gpu.barrier
// CHECK:             scf.for {{.*}} -> (f32, f32, f32, f32, f32)
// CHECK-COUNT-5:       llvm.intr.fma
// CHECK:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:             scf.for {{.*}} -> (f32, f32, f32, f32, f32)
// CHECK:               gpu.barrier
// CHECK:               gpu.barrier
// CHECK:               arith.cmpi ule
// CHECK:               llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:               arith.select
// CHECK:               memref.store {{.*}}, %[[M]]
// CHECK:               gpu.barrier
// CHECK-COUNT-5:         llvm.intr.fma
// CHECK:             arith.truncf {{.*}} : f32 to bf16
// CHECK:         gpu.func @ssd_state_update_0({{.*}} kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:           llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"
// CHECK:           scf.for
// CHECK:             scf.for {{.*}} -> (f32)
// CHECK:               memref.store {{.*}}, %arg7
// CHECK:             gpu.shuffle  xor {{.*}}, %c16_i32, %c32_i32 : f32
// CHECK:             gpu.shuffle  xor {{.*}}, %c1_i32, %c32_i32{{.*}} : f32
// CHECK:             scf.if
// CHECK:               memref.store {{.*}}, %arg8

// All five lower to PTX for sm_90a without libdevice (exp and the log of
// softplus are ex2/lg2.approx; the warp reduction is shfl.sync.bfly, the
// shared tiles bar.sync-separated, bf16 loads cvt.f32.bf16).
// PTX: .target sm_90a
// PTX: .visible .entry ssd_chunk_cumsum_0(
// PTX: ex2.approx.ftz.f32
// PTX: lg2.approx.ftz.f32
// PTX: .visible .entry ssd_chunk_state_0(
// PTX: bar.sync
// PTX: cvt.f32.bf16
// PTX: .visible .entry ssd_state_passing_0(
// PTX: .visible .entry ssd_chunk_scan_0(
// PTX: cvt.rn.bf16.f32
// PTX: .visible .entry ssd_state_update_0(
// PTX: shfl.sync.bfly.b32
