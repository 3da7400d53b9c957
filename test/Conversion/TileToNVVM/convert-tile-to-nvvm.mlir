// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" -convert-tile-to-nvvm -canonicalize -cse -split-input-file | FileCheck %s --implicit-check-not="tile." --implicit-check-not="memref.copy"
// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_80" -convert-tile-to-nvvm -split-input-file | FileCheck %s --check-prefix=SM80

// convert-tile-to-nvvm: every dense Tile-IR op (and memref.copy) becomes a
// gpu.launch_func of a gpu.func in gpu.module @tessera_kernels whose
// arguments mirror the op's operands; the grid is computed on the host from
// memref.dim, the block size is the kernel's known_block_size. No Tile-IR op
// and no memref.copy is left (--implicit-check-not).

// Matmul with bf16 weights: tensor cores. 128 threads (4 warps), A and B
// staged as packed bf16 pairs (i32) in two padded workgroup tiles, a K loop
// carrying 32 f32 accumulators, mma.sync m16n8k16 bf16 x bf16 -> f32, then
// bias and the relu² epilogue on the registers before the guarded store.
// CHECK-LABEL: func.func @matmul_bf16(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<96x64xbf16>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: memref<?x96xf32>, %[[BIAS:[a-z0-9_]+]]: memref<96xf32>)
// CHECK:         %[[M:.*]] = memref.dim %[[C]], %c0 : memref<?x96xf32>
// CHECK:         %[[GY:.*]] = arith.ceildivui %[[M]], %c64
// CHECK:         gpu.launch_func  @tessera_kernels::@matmul_0 blocks in (%c2, %[[GY]], %c1) threads in (%c128, %c1, %c1)
// CHECK-SAME:      args(%[[A]] : memref<?x64xf32>, %[[W]] : memref<96x64xbf16>, %[[C]] : memref<?x96xf32>, %[[BIAS]] : memref<96xf32>)
// CHECK:       gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// CHECK:         gpu.func @matmul_0(%{{.*}}: memref<?x64xf32>, %{{.*}}: memref<96x64xbf16>, %{{.*}}: memref<?x96xf32>, %{{.*}}: memref<96xf32>)
// f32 activations: bf16 hi (AT) and lo (ALO) tiles, weights (BT).
// CHECK-SAME:      workgroup(%[[AT:[a-z0-9_]+]] : memref<64x20xi32, #gpu.address_space<workgroup>>, %[[BT:[a-z0-9_]+]] : memref<64x20xi32, #gpu.address_space<workgroup>>, %[[ALO:[a-z0-9_]+]] : memref<64x20xi32, #gpu.address_space<workgroup>>)
// CHECK-SAME:      kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:           scf.for {{.*}} iter_args(
// CHECK:             gpu.barrier
// Interior tiles: aligned pairs, one vector load each (A rounded as a pair).
// CHECK:             scf.if
// CHECK:               vector.load %{{.*}} {alignment = 8 : i64} : memref<?x64xf32>, vector<2xf32>
// CHECK:               arith.truncf %{{.*}} : vector<2xf32> to vector<2xbf16>
// CHECK:               arith.subf %{{.*}} : vector<2xf32>
// CHECK:               vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// CHECK:               memref.store {{.*}}, %[[AT]]
// CHECK:               memref.store {{.*}}, %[[ALO]]
// Edge tiles: guarded scalar loads, zero outside.
// CHECK:             } else {
// CHECK:               arith.truncf {{.*}} : f32 to bf16
// CHECK:               memref.store {{.*}}, %[[AT]]
// CHECK:               arith.subf {{.*}} : f32
// CHECK:               memref.store {{.*}}, %[[ALO]]
// CHECK:             vector.load %{{.*}} {alignment = 4 : i64} : memref<96x64xbf16>, vector<2xbf16>
// CHECK:             memref.store {{.*}}, %[[BT]]
// CHECK:             gpu.barrier
// CHECK:             memref.load %[[AT]]
// CHECK:             memref.load %[[ALO]]
// hi * w, then lo * w into the same accumulators.
// CHECK:             %[[HI:.*]] = nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:             llvm.extractvalue %[[HI]][3]
// CHECK-NEXT:        nvvm.mma.sync
// CHECK:           scf.if
// CHECK:             memref.load %{{.*}}[%{{.*}}] : memref<96xf32>
// CHECK:             llvm.intr.maxnum
// CHECK:             arith.mulf
// CHECK:             memref.store {{.*}} : memref<?x96xf32>
// SM80:        gpu.module @tessera_kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]
// SM80:          nvvm.mma.sync
func.func @matmul_bf16(%a: memref<?x64xf32>, %w: memref<96x64xbf16>, %c: memref<?x96xf32>, %bias: memref<96xf32>) {
  tile.matmul %a, %w, %c bias(%bias) {transpose_b, epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<96x64xbf16>, memref<?x96xf32>, memref<96xf32>
  return
}

// -----

// Matmul with f32 weights, accumulating: SIMT f32 FMAs (256 threads, 4x4
// outputs each, k-major f32 tiles), c += a @ w^T read back before the store.
// CHECK-LABEL: func.func @matmul_f32_accumulate(
// CHECK:         gpu.launch_func  @tessera_kernels::@matmul_0 blocks in (%c1, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK:       gpu.func @matmul_0(
// CHECK-SAME:      workgroup(%{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME:      kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK-NOT:       nvvm.mma.sync
// CHECK:           llvm.intr.fma
// CHECK:           memref.load %{{.*}} : memref<?x32xf32>
// CHECK:           arith.addf
// CHECK:           memref.store {{.*}} : memref<?x32xf32>
func.func @matmul_f32_accumulate(%a: memref<?x48xf32, strided<[96, 1], offset: 48>>, %w: memref<32x48xf32>, %c: memref<?x32xf32>) {
  tile.matmul %a, %w, %c {transpose_b, accumulate}
      : memref<?x48xf32, strided<[96, 1], offset: 48>>, memref<32x48xf32>, memref<?x32xf32>
  return
}

// -----

// RMSNorm: one block of 256 threads per row (grid x = rows); the sum of
// squares is a warp xor-shuffle reduction, then one partial per warp
// through a 32-float workgroup buffer; rsqrt.approx; bf16 weights extended.
// CHECK-LABEL: func.func @rmsnorm(
// CHECK:         %[[R:.*]] = memref.dim %{{.*}}, %c0 : memref<?x64xf32>
// CHECK:         gpu.launch_func  @tessera_kernels::@rmsnorm_0 blocks in (%[[R]], %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK:       gpu.func @rmsnorm_0(
// CHECK-SAME:      workgroup(%[[S:.*]] : memref<32xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME:      kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:           gpu.block_id  x
// CHECK:           scf.for
// CHECK:             llvm.intr.fma
// CHECK:           gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           memref.store %{{.*}}, %[[S]]
// CHECK:           gpu.barrier
// CHECK:           memref.load %[[S]]
// CHECK:           gpu.shuffle  xor
// CHECK:           llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.ftz.f"
// CHECK:           scf.for
// CHECK:             arith.extf %{{.*}} : bf16 to f32
func.func @rmsnorm(%x: memref<?x64xf32>, %w: memref<64xbf16>, %o: memref<?x64xf32>) {
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xbf16>, memref<?x64xf32>
  return
}

// -----

// Gated grouped RMSNorm: one block per (row, group), grid (rows, D / G);
// silu through ex2.approx.
// CHECK-LABEL: func.func @gated_rmsnorm(
// CHECK:         %[[R:.*]] = memref.dim %{{.*}}, %c0 : memref<?x128xf32>
// CHECK:         gpu.launch_func  @tessera_kernels::@gated_rmsnorm_0 blocks in (%[[R]], %c2, %c1) threads in (%c256, %c1, %c1)
// CHECK:       gpu.func @gated_rmsnorm_0(
// CHECK-SAME:      workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>)
// CHECK:           llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:           gpu.shuffle  xor
// CHECK:           llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.ftz.f"
func.func @gated_rmsnorm(%y: memref<?x128xf32>, %z: memref<?x128xf32>, %w: memref<128xf32>, %o: memref<?x128xf32>) {
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  return
}

// -----

// Embedding: one block per id, grid (S, B); the id is an i64 load cast to
// index, the bf16 row extended to f32.
// CHECK-LABEL: func.func @embedding(
// CHECK-DAG:     %[[S:.*]] = memref.dim %{{.*}}, %c1 : memref<?x?xi64>
// CHECK-DAG:     %[[B:.*]] = memref.dim %{{.*}}, %c0 : memref<?x?xi64>
// CHECK:         gpu.launch_func  @tessera_kernels::@embedding_0 blocks in (%[[S]], %[[B]], %c1) threads in (%c128, %c1, %c1)
// CHECK:       gpu.func @embedding_0(
// CHECK-SAME:      kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:           %[[ID:.*]] = memref.load %{{.*}} : memref<?x?xi64>
// CHECK:           arith.index_cast %[[ID]] : i64 to index
// CHECK:           arith.extf %{{.*}} : bf16 to f32
// CHECK:           memref.store %{{.*}} : memref<?x?x64xf32>
func.func @embedding(%t: memref<256x64xbf16>, %ids: memref<?x?xi64>, %o: memref<?x?x64xf32>) {
  tile.embedding %t, %ids, %o : memref<256x64xbf16>, memref<?x?xi64>, memref<?x?x64xf32>
  return
}

// -----

// Residual add (f32 + bf16 -> f32): one thread per element, grid
// (rows, ceil(H / 256)), guarded column.
// CHECK-LABEL: func.func @add(
// CHECK:         %[[R:.*]] = memref.dim %{{.*}}, %c0 : memref<?x64xf32>
// CHECK:         gpu.launch_func  @tessera_kernels::@add_0 blocks in (%[[R]], %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK:       gpu.func @add_0(
// CHECK:           scf.if
// CHECK:             arith.extf %{{.*}} : bf16 to f32
// CHECK:             arith.addf
func.func @add(%a: memref<?x64xf32>, %b: memref<?x64xbf16>, %o: memref<?x64xf32>) {
  tile.add %a, %b, %o : memref<?x64xf32>, memref<?x64xbf16>, memref<?x64xf32>
  return
}

// -----

// Strided copy of rank 3: rows of the last two dimensions on grid (x, y),
// the leading dimension on grid z, strided layouts kept in the kernel types.
// CHECK-LABEL: func.func @copy(
// CHECK:         %[[B:.*]] = memref.dim %{{.*}}, %c0
// CHECK:         gpu.launch_func  @tessera_kernels::@copy_0 blocks in (%c4, %c1, %[[B]]) threads in (%c256, %c1, %c1)
// CHECK-SAME:      args(%{{.*}} : memref<?x4x16xf32, strided<[128, 32, 1], offset: 16>>, %{{.*}} : memref<?x4x16xf32>)
// CHECK:       gpu.func @copy_0(%{{.*}}: memref<?x4x16xf32, strided<[128, 32, 1], offset: 16>>, %{{.*}}: memref<?x4x16xf32>)
// CHECK:           gpu.block_id  z
// CHECK:           scf.if
// CHECK:             %[[V:.*]] = memref.load
// CHECK:             memref.store %[[V]]
func.func @copy(%s: memref<?x4x16xf32, strided<[128, 32, 1], offset: 16>>, %d: memref<?x4x16xf32>) {
  memref.copy %s, %d : memref<?x4x16xf32, strided<[128, 32, 1], offset: 16>> to memref<?x4x16xf32>
  return
}

// -----

// Kernels are shared by identical ops (same operand types and attributes):
// two equal rmsnorms launch one kernel, a third with another epsilon gets
// its own.
// CHECK-LABEL: func.func @shared_kernels(
// CHECK:         gpu.launch_func  @tessera_kernels::@rmsnorm_0
// CHECK:         gpu.launch_func  @tessera_kernels::@rmsnorm_0
// CHECK:         gpu.launch_func  @tessera_kernels::@rmsnorm_1
// CHECK:       gpu.func @rmsnorm_0(
// CHECK:       gpu.func @rmsnorm_1(
func.func @shared_kernels(%x: memref<?x64xf32>, %w: memref<64xf32>, %o: memref<?x64xf32>) {
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
  tile.rmsnorm %o, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-06 : f64} : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
  return
}
