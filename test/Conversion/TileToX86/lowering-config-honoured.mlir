// RUN: tessera-opt %s --tessera-tile-to-target | FileCheck %s

// The x86 lowering follows the lowering config written on each op: here the
// configs are changed by hand (tessera-select-lowering-config keeps them)
// and the emitted loops follow. Default matmul blocking (48-row panels,
// 3 x 4 register blocks) vs a hand-written 6-row panel of 2 x 4 blocks;
// attention key blocks of 16 instead of 64; SSD chunk-state register blocks
// of 2 rows x 1 vector instead of 4 x 2.

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @matmuls(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    tile.matmul %a, %w, %c {transpose_b}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    tile.matmul %a, %w, %c {transpose_b, lowering_config =
        #tessera.lowering_config<tile_sizes = [6, 0, 0], vector_width = 8, register_block = [2, 4]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
  func.func @attention(%q: memref<1x?x4x16xf32>, %k: memref<1x?x2x16xf32>, %v: memref<1x?x2x16xf32>,
                       %o: memref<1x?x4x16xf32>) {
    tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64, lowering_config =
        #tessera.lowering_config<vector_width = 8, block_k = 16>}
        : memref<1x?x4x16xf32>, memref<1x?x2x16xf32>, memref<1x?x2x16xf32>, memref<1x?x4x16xf32>
    return
  }
  func.func @ssd(%x: memref<?x?x8x16xf32>, %B: memref<?x?x2x16xf32>, %dt: memref<?x?x8xf32>,
                 %cum: memref<?x8x?x16xf32>, %st: memref<?x?x8x16x16xf32>) {
    tile.ssd_chunk_state %x, %B, %dt, %cum -> %st {chunk_size = 16 : i64}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>,
          memref<?x?x8x16x16xf32>
    tile.ssd_chunk_state %x, %B, %dt, %cum -> %st {chunk_size = 16 : i64, lowering_config =
        #tessera.lowering_config<vector_width = 8, register_block = [2, 1]>}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>,
          memref<?x?x8x16x16xf32>
    return
  }
}

// The two matmuls differ only in their configs: two kernels.
// CHECK-LABEL: func.func @matmuls(
// CHECK:         call @[[$DEFAULT:tessera_x86_tile_matmul[_0-9]*]](
// CHECK:         call @[[$HAND:tessera_x86_tile_matmul[_0-9]*]](

// Default: row panels of 48, register blocks of 3 rows x 4 columns (the
// few-row dot kernel, in the else branch; many rows take the packed kernel,
// whose 6 x 2 vector block follows the ISA).
// CHECK:       func.func private @[[$DEFAULT]](
// CHECK-DAG:     %[[C48:.*]] = arith.constant 48 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         scf.if
// CHECK:           scf.parallel
// CHECK-COUNT-12:    {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK:         } else {
// CHECK:         scf.for %[[MB:.*]] = %{{.*}} to %{{.*}} step %[[C48]] {
// CHECK:           scf.parallel (%[[NB:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK:             arith.muli %[[NB]], %[[C4]] : index
// CHECK:             scf.for %{{.*}} = %[[MB]] to %{{.*}} step %[[C3]] {
// CHECK-COUNT-12:      {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-NOT:           {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK:               scf.yield

// Hand-written: row panels of 6, register blocks of 2 rows x 4 columns
// (8 vector FMAs per step).
// CHECK:       func.func private @[[$HAND]](
// CHECK-DAG:     %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         } else {
// CHECK:         scf.for %[[MB:.*]] = %{{.*}} to %{{.*}} step %[[C6]] {
// CHECK:           scf.parallel (%[[NB:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK:             arith.muli %[[NB]], %[[C4]] : index
// CHECK:             scf.for %{{.*}} = %[[MB]] to %{{.*}} step %[[C2]] {
// CHECK-COUNT-8:       {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-NOT:           {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK:               scf.yield

// Keys stream past in blocks of 16: the score scratch is [group, 16].
// CHECK-LABEL: func.func private @tessera_x86_tile_flash_attention(
// CHECK:         memref.alloc() {alignment = 64 : i64} : memref<2x16xf32>

// SSD chunk state: the full register block carries 4 x 2 vector
// accumulators through the chunk, the hand-written one 2 x 1.
// CHECK-LABEL: func.func private @tessera_x86_tile_ssd_chunk_state(
// CHECK:         scf.for {{.*}} iter_args({{[^)]*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-LABEL: func.func private @tessera_x86_tile_ssd_chunk_state_{{[0-9]+}}(
// CHECK-NOT:     -> (vector<8xf32>, vector<8xf32>, vector<8xf32>
// CHECK:         scf.for {{.*}} iter_args({{[^)]*}}) -> (vector<8xf32>, vector<8xf32>) {
