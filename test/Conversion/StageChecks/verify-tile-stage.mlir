// RUN: tessera-opt %s -split-input-file --tessera-verify-tile-stage -verify-diagnostics | FileCheck %s
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir -convert-graph-to-tile --tessera-verify-tile-stage | FileCheck %s --check-prefix=LOWERED

// tessera-verify-tile-stage accepts modules of tile, memref, arith and func
// ops on buffers and leaves them unchanged; it reports the first op that
// still produces a tensor or is from another dialect, and fails.

// The output of convert-graph-to-tile on the demo graph is accepted as is.
// LOWERED-LABEL: func.func @prefill(
// LOWERED-SAME:    %{{.*}}: memref<?x?xi64>
// LOWERED:         tile.embedding
// LOWERED:         tile.ssd_chunk_scan
// LOWERED:         tile.flash_attention
// LOWERED:         tile.matmul
// LOWERED-NOT:     graph.
// LOWERED:         return

// Tile-IR with memref views, allocs, copies and arith: accepted, printed
// unchanged.
// CHECK-LABEL: func.func @tile_ir(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[W:[a-z0-9_]+]]: memref<64xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK:         %[[N:.*]] = memref.dim %[[XV]], %[[C0]]
// CHECK:         %[[T:.*]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK:         tile.rmsnorm %[[XV]], %[[W]], %[[T]] {epsilon = 1.000000e-05 : f64}
// CHECK:         %[[YV:.*]] = memref.collapse_shape %[[Y]] {{\[}}[0, 1], [2]]
// CHECK:         memref.copy %[[T]], %[[YV]]
// CHECK:         memref.dealloc %[[T]]
// CHECK:         return
func.func @tile_ir(%x: memref<?x?x64xf32>, %w: memref<64xf32>, %y: memref<?x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %xv = memref.collapse_shape %x [[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
  %n = memref.dim %xv, %c0 : memref<?x64xf32>
  %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?x64xf32>
  tile.rmsnorm %xv, %w, %t {epsilon = 1.0e-05 : f64}
      : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
  %yv = memref.collapse_shape %y [[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
  memref.copy %t, %yv : memref<?x64xf32> to memref<?x64xf32>
  memref.dealloc %t : memref<?x64xf32>
  return
}

// -----

// Empty functions and declarations are fine.
// CHECK-LABEL: func.func @empty()
// CHECK-LABEL: func.func private @declared(memref<4xf32>)
func.func @empty() {
  return
}
func.func private @declared(memref<4xf32>)

// -----

// A Graph-IR op left over (convert-graph-to-tile not run, or an op it
// skipped): reported as a tensor producer, before its dialect is looked at.
func.func @leftover_graph(%x: memref<4xf32>) {
  // expected-error @+1 {{'graph.weight' still produces a tensor after convert-graph-to-tile; Tile-IR works on buffers}}
  %w = graph.weight "w" : tensor<4xf32>
  return
}

// -----

// Tensors are rejected even from allowed dialects.
func.func @tensor_constant() {
  // expected-error @+1 {{'arith.constant' still produces a tensor after convert-graph-to-tile; Tile-IR works on buffers}}
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return
}

// -----

func.func @tensor_op() {
  // expected-error @+1 {{'tensor.empty' still produces a tensor after convert-graph-to-tile; Tile-IR works on buffers}}
  %0 = tensor.empty() : tensor<4xf32>
  return
}

// -----

// Loops and vectors are the next stage's output, not Tile-IR; the op with the
// region is reported, not its contents, and only the first offender.
func.func @scf_for(%a: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'scf.for' is not part of Tile-IR: the target conversions expect only tile, memref, arith and func ops}}
  scf.for %i = %c0 to %n step %c1 {
    %v = vector.load %a[%i] : memref<8xf32>, vector<8xf32>
  }
  %w = vector.load %a[%c0] : memref<8xf32>, vector<8xf32>
  return
}

// -----

func.func @vector_op(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'vector.load' is not part of Tile-IR: the target conversions expect only tile, memref, arith and func ops}}
  %v = vector.load %a[%c0] : memref<8xf32>, vector<8xf32>
  return
}
