// RUN: tessera-opt %s --tessera-graph-to-tile -split-input-file | FileCheck %s
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-graph-to-tile | FileCheck %s --check-prefix=EXAMPLE

// tessera-graph-to-tile: graph stage check, convert-graph-to-tile,
// canonicalize + CSE, tile stage check. The output is Tile-IR with shared
// views and folded static sizes. (Failures: invalid.mlir.)

// CSE: the [tokens, 64] view of %x is built once and used by the matmul and
// the norm; the alloc's sizes are the function's dims.
// CHECK-LABEL: func.func @shared_views(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[WB:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[WA:[a-z0-9_]+]]: memref<64xf32>, %[[R0:[a-z0-9_]+]]: memref<?x?x128xf32>,
// CHECK-SAME:    %[[R1:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK-SAME:    attributes {llvm.emit_c_interface, tessera.abi = {{{.*}}}, tessera.num_inputs = 1 : i64, tessera.num_results = 2 : i64, tessera.weights = ["w.b", "w.a"]}
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[D0:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK:         %[[D1:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK:         %[[T:.*]] = memref.alloc(%[[D0]], %[[D1]]) {alignment = 64 : i64} : memref<?x?x128xf32>
// CHECK:         %[[TV:.*]] = memref.collapse_shape %[[T]]
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]]
// CHECK:         tile.matmul %[[XV]], %[[WB]], %[[TV]]
// CHECK-NEXT:    memref.dealloc %[[T]]
// CHECK:         %[[NV:.*]] = memref.collapse_shape %[[R1]]
// CHECK:         tile.rmsnorm %[[XV]], %[[WA]], %[[NV]]
// CHECK:         %[[OV:.*]] = memref.collapse_shape %[[R0]]
// CHECK:         tile.matmul %[[NV]], %[[WB]], %[[OV]]
// CHECK-NEXT:    return
func.func @shared_views(%x: tensor<?x?x64xf32>) -> (tensor<?x?x128xf32>, tensor<?x?x64xf32>) {
  %wb = graph.weight "w.b" : tensor<128x64xf32>
  %wa = graph.weight "w.a" : tensor<64xf32>
  %0 = graph.linear %x, %wb : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  %n = graph.rmsnorm %x, %wa {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %1 = graph.linear %n, %wb : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  return %1, %n : tensor<?x?x128xf32>, tensor<?x?x64xf32>
}

// -----

// Static shapes: the unused memref.dim ops and constants are gone.
// CHECK-LABEL: func.func @static(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<4x8xf32>, %[[W:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[R0:[a-z0-9_]+]]: memref<4x8xf32>, %[[R1:[a-z0-9_]+]]: memref<4x8xf32>)
// CHECK-NOT:     memref.dim
// CHECK-NOT:     arith.constant
// CHECK-NEXT:    tile.rmsnorm %[[X]], %[[W]], %[[R0]]
// CHECK-NEXT:    memref.copy %[[X]], %[[R1]]
// CHECK-NEXT:    return
func.func @static(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %w = graph.weight "norm" : tensor<8xf32>
  %0 = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0, %x : tensor<4x8xf32>, tensor<4x8xf32>
}

// The demo graph (M, *, - layers): every layer's Tile-IR algorithm in order,
// no Graph-IR left. The states (conv, SSM, K/V caches [B, capacity, 2, 16])
// are inputs updated in place; the logits are the one result.
// EXAMPLE-LABEL: func.func @prefill(
// EXAMPLE-SAME:    %{{.*}}: memref<?x?xi64>, %{{.*}}: memref<?x192x3xf32>, %{{.*}}: memref<?x8x16x16xf32>, %{{.*}}: memref<?x?x2x16xf32>, %{{.*}}: memref<?x?x2x16xf32>, %{{.*}}: memref<256x64xf32>,
// EXAMPLE-SAME:    %{{.*}}: memref<?x?x256xf32>)
// EXAMPLE-SAME:    llvm.emit_c_interface, tessera.abi = {first_weight_arg = 5 : i64,
// EXAMPLE-SAME:    states = [{arg = 1 : i64, dtype = "f32", in_place = true, kind = "conv", layer = 0 : i64, shape = array<i64: -1, 192, 3>},
// EXAMPLE-SAME:    tessera.num_inputs = 5 : i64, tessera.num_results = 1 : i64
// EXAMPLE-SAME:    tessera.weights = ["embedding", "layers.0.norm", "layers.0.mamba.in_proj",
// EXAMPLE-SAME:    "lm_head"]
// EXAMPLE-NOT:     graph.
// EXAMPLE:         tile.embedding
// EXAMPLE:         tile.rmsnorm
// EXAMPLE:         tile.matmul
// EXAMPLE:         tile.causal_conv1d
// EXAMPLE:         tile.ssd_chunk_cumsum
// EXAMPLE:         tile.ssd_chunk_state
// EXAMPLE:         tile.ssd_state_passing
// EXAMPLE:         tile.ssd_chunk_scan
// EXAMPLE:         tile.gated_rmsnorm
// EXAMPLE:         tile.matmul
// EXAMPLE:         tile.add
// EXAMPLE:         tile.rmsnorm
// EXAMPLE-COUNT-3: tile.matmul
// EXAMPLE:         tile.kv_cache_append
// EXAMPLE:         tile.kv_cache_append
// EXAMPLE:         tile.flash_attention
// EXAMPLE:         tile.matmul
// EXAMPLE:         tile.add
// EXAMPLE:         tile.rmsnorm
// EXAMPLE:         tile.matmul {{.*}}epilogue = #tile.epilogue<relu2>
// EXAMPLE:         tile.matmul
// EXAMPLE:         tile.add
// EXAMPLE:         tile.rmsnorm
// EXAMPLE:         tile.matmul {{.*}} : memref<?x64xf32>, memref<256x64xf32>, memref<?x256xf32>
// EXAMPLE-NOT:     graph.
// EXAMPLE:         memref.dealloc
// EXAMPLE:         return
