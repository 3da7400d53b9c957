// RUN: tessera-opt %s -convert-graph-to-tile -split-input-file | FileCheck %s

// convert-graph-to-tile: each Graph-IR function becomes a function over
// memrefs in destination-passing style (@f(inputs..., weights..., results...)),
// and each Graph-IR op the Tile-IR ops of its algorithm. Argument captures use
// [a-z0-9_]+ so that they cannot run over a comma into the next argument.
//
// The decode (static seq = 1 with a state) forms of graph.ssd_scan and
// graph.mamba2_mixer are in ssd-decode.mlir (currently XFAIL).

//===----------------------------------------------------------------------===//
// Function ABI
//===----------------------------------------------------------------------===//

// Weights become arguments after the inputs, one per distinct name in order
// of first use ("w.b" before "w.a"; the second "w.b" reuses the first's
// argument). Results follow the weights. A returned value is computed straight
// into its result argument; an intermediate gets an aligned alloc that is
// freed before the return.
// CHECK-LABEL: func.func @weights_abi(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[WB:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[WA:[a-z0-9_]+]]: memref<64xf32>, %[[R0:[a-z0-9_]+]]: memref<?x?x128xf32>,
// CHECK-SAME:    %[[R1:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK-SAME:    attributes {llvm.emit_c_interface, tessera.abi = {first_weight_arg = 1 : i64,
// CHECK-SAME:      inputs = [{arg = 0 : i64, dtype = "f32", name = "arg0", shape = array<i64: -1, -1, 64>}],
// CHECK-SAME:      results = [{arg = 3 : i64, dtype = "f32", name = "result0", shape = array<i64: -1, -1, 128>},
// CHECK-SAME:                 {arg = 4 : i64, dtype = "f32", name = "result1", shape = array<i64: -1, -1, 64>}],
// CHECK-SAME:      states = [], weights = ["w.b", "w.a"]},
// CHECK-SAME:    tessera.num_inputs = 1 : i64, tessera.num_results = 2 : i64, tessera.weights = ["w.b", "w.a"]}
// CHECK:         %[[T:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?x128xf32>
// CHECK:         %[[T2:.*]] = memref.collapse_shape %[[T]] {{\[}}[0, 1], [2]] : memref<?x?x128xf32> into memref<?x128xf32>
// CHECK:         %[[X2:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK:         tile.matmul %[[X2]], %[[WB]], %[[T2]] {transpose_b}
// CHECK-NEXT:    memref.dealloc %[[T]] : memref<?x?x128xf32>
// CHECK:         %[[N2:.*]] = memref.collapse_shape %[[R1]] {{\[}}[0, 1], [2]]
// CHECK:         %[[X3:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK:         tile.rmsnorm %[[X3]], %[[WA]], %[[N2]] {epsilon = 1.000000e-05 : f64}
// CHECK:         %[[O2:.*]] = memref.collapse_shape %[[R0]] {{\[}}[0, 1], [2]]
// CHECK:         %[[N3:.*]] = memref.collapse_shape %[[R1]] {{\[}}[0, 1], [2]]
// CHECK:         tile.matmul %[[N3]], %[[WB]], %[[O2]]
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @weights_abi(%x: tensor<?x?x64xf32>) -> (tensor<?x?x128xf32>, tensor<?x?x64xf32>) {
  %wb = graph.weight "w.b" : tensor<128x64xf32>
  %wa = graph.weight "w.a" : tensor<64xf32>
  %0 = graph.linear %x, %wb : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  %n = graph.rmsnorm %x, %wa {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %wb2 = graph.weight "w.b" : tensor<128x64xf32>
  %1 = graph.linear %n, %wb2 : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  return %1, %n : tensor<?x?x128xf32>, tensor<?x?x64xf32>
}

// -----

// Returned values that are not computed here are copied into their result
// arguments: a value returned a second time (from its first result argument),
// an input and a weight. Nothing is allocated.
// CHECK-LABEL: func.func @returns(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<4x8xf32>, %[[W:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[R0:[a-z0-9_]+]]: memref<4x8xf32>, %[[R1:[a-z0-9_]+]]: memref<4x8xf32>,
// CHECK-SAME:    %[[R2:[a-z0-9_]+]]: memref<4x8xf32>, %[[R3:[a-z0-9_]+]]: memref<8xf32>)
// CHECK-SAME:    tessera.num_inputs = 1 : i64, tessera.num_results = 4 : i64, tessera.weights = ["norm"]
// CHECK-NOT:     memref.alloc
// CHECK:         tile.rmsnorm %[[X]], %[[W]], %[[R0]] {epsilon = 1.000000e-05 : f64} : memref<4x8xf32>, memref<8xf32>, memref<4x8xf32>
// CHECK-NEXT:    memref.copy %[[R0]], %[[R1]] : memref<4x8xf32> to memref<4x8xf32>
// CHECK-NEXT:    memref.copy %[[X]], %[[R2]] : memref<4x8xf32> to memref<4x8xf32>
// CHECK-NEXT:    memref.copy %[[W]], %[[R3]] : memref<8xf32> to memref<8xf32>
// CHECK-NEXT:    return
func.func @returns(%x: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) {
  %w = graph.weight "norm" : tensor<8xf32>
  %0 = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0, %0, %x, %w : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>
}

// -----

// Intermediates get allocs sized from their operands' dims (dynamic dims
// only), all freed together before the return; the returned value needs no
// copy. Declarations are left alone, function order is kept, and a function
// without results or weights still gets the ABI attributes.
// CHECK-LABEL: func.func private @decl(tensor<4xf32>) -> tensor<4xf32>
// CHECK-LABEL: func.func @intermediates(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[Y:[a-z0-9_]+]]: memref<?x?x64xf32>,
// CHECK-SAME:    %[[R:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK-SAME:    tessera.num_inputs = 2 : i64, tessera.num_results = 1 : i64, tessera.weights = []
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[D0:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[D1:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK:         %[[A0:.*]] = memref.alloc(%[[D0]], %[[D1]]) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK:         %[[A0V:.*]] = memref.collapse_shape %[[A0]]
// CHECK:         %[[YV:.*]] = memref.collapse_shape %[[Y]]
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]]
// CHECK:         tile.add %[[XV]], %[[YV]], %[[A0V]] : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
// CHECK:         %[[A1:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK:         tile.add
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]]
// CHECK:         tile.add %{{.*}}, %{{.*}}, %[[RV]]
// CHECK-NOT:     memref.copy
// CHECK:         memref.dealloc %[[A0]]
// CHECK-NEXT:    memref.dealloc %[[A1]]
// CHECK-NEXT:    return
// CHECK-LABEL: func.func @no_results()
// CHECK-SAME:    attributes {llvm.emit_c_interface, tessera.abi = {first_weight_arg = 0 : i64, inputs = [], results = [], states = [], weights = []}, tessera.num_inputs = 0 : i64, tessera.num_results = 0 : i64, tessera.weights = []}
// CHECK-NEXT:    return
func.func private @decl(tensor<4xf32>) -> tensor<4xf32>
func.func @intermediates(%x: tensor<?x?x64xf32>, %y: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %0 = graph.residual_add %x, %y : tensor<?x?x64xf32>
  %1 = graph.residual_add %0, %x : tensor<?x?x64xf32>
  %2 = graph.residual_add %1, %0 : tensor<?x?x64xf32>
  return %2 : tensor<?x?x64xf32>
}
func.func @no_results() {
  return
}

//===----------------------------------------------------------------------===//
// Dense ops
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @embedding(
// CHECK-SAME:    %[[IDS:[a-z0-9_]+]]: memref<?x?xi64>, %[[IDS32:[a-z0-9_]+]]: memref<2x8xi32>,
// CHECK-SAME:    %[[T:[a-z0-9_]+]]: memref<256x64xf32>, %[[R0:[a-z0-9_]+]]: memref<?x?x64xf32>,
// CHECK-SAME:    %[[R1:[a-z0-9_]+]]: memref<2x8x64xf32>)
// CHECK-SAME:    tessera.weights = ["embedding"]
// CHECK:         tile.embedding %[[T]], %[[IDS]], %[[R0]] : memref<256x64xf32>, memref<?x?xi64>, memref<?x?x64xf32>
// CHECK:         tile.embedding %[[T]], %[[IDS32]], %[[R1]] : memref<256x64xf32>, memref<2x8xi32>, memref<2x8x64xf32>
// CHECK-NEXT:    return
func.func @embedding(%ids: tensor<?x?xi64>, %ids32: tensor<2x8xi32>)
    -> (tensor<?x?x64xf32>, tensor<2x8x64xf32>) {
  %t = graph.weight "embedding" : tensor<256x64xf32>
  %0 = graph.embedding %t, %ids : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %1 = graph.embedding %t, %ids32 : (tensor<256x64xf32>, tensor<2x8xi32>) -> tensor<2x8x64xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<2x8x64xf32>
}

// -----

// rmsnorm on [rows, hidden] views; a static shape gives static views.
// CHECK-LABEL: func.func @rmsnorm(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<2x8x64xf32>, %[[W:[a-z0-9_]+]]: memref<64xf32>,
// CHECK-SAME:    %[[R:[a-z0-9_]+]]: memref<2x8x64xf32>)
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : memref<2x8x64xf32> into memref<16x64xf32>
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<2x8x64xf32> into memref<16x64xf32>
// CHECK:         tile.rmsnorm %[[XV]], %[[W]], %[[RV]] {epsilon = 9.9999999999999995E-7 : f64} : memref<16x64xf32>, memref<64xf32>, memref<16x64xf32>
func.func @rmsnorm(%x: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %w = graph.weight "norm" : tensor<64xf32>
  %0 = graph.rmsnorm %x, %w {epsilon = 1.0e-06 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// linear is a transpose_b matmul on [tokens, features] views, with the bias
// when there is one.
// CHECK-LABEL: func.func @linear(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[XS:[a-z0-9_]+]]: memref<2x8x64xf32>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: memref<128x64xf32>, %[[B:[a-z0-9_]+]]: memref<128xf32>,
// CHECK-SAME:    %[[R0:[a-z0-9_]+]]: memref<?x?x128xf32>, %[[R1:[a-z0-9_]+]]: memref<2x8x128xf32>)
// CHECK-SAME:    tessera.weights = ["w", "b"]
// CHECK:         %[[R0V:.*]] = memref.collapse_shape %[[R0]] {{\[}}[0, 1], [2]] : memref<?x?x128xf32> into memref<?x128xf32>
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
// CHECK:         tile.matmul %[[XV]], %[[W]], %[[R0V]] {transpose_b} : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>{{$}}
// CHECK:         %[[R1V:.*]] = memref.collapse_shape %[[R1]] {{\[}}[0, 1], [2]] : memref<2x8x128xf32> into memref<16x128xf32>
// CHECK:         %[[XSV:.*]] = memref.collapse_shape %[[XS]] {{\[}}[0, 1], [2]] : memref<2x8x64xf32> into memref<16x64xf32>
// CHECK:         tile.matmul %[[XSV]], %[[W]], %[[R1V]] bias(%[[B]]) {transpose_b} : memref<16x64xf32>, memref<128x64xf32>, memref<16x128xf32>, memref<128xf32>
// CHECK-NOT:     memref.alloc
// CHECK:         return
func.func @linear(%x: tensor<?x?x64xf32>, %xs: tensor<2x8x64xf32>)
    -> (tensor<?x?x128xf32>, tensor<2x8x128xf32>) {
  %w = graph.weight "w" : tensor<128x64xf32>
  %b = graph.weight "b" : tensor<128xf32>
  %0 = graph.linear %x, %w : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  %1 = graph.linear %xs, %w bias(%b)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  return %0, %1 : tensor<?x?x128xf32>, tensor<2x8x128xf32>
}

// -----

// CHECK-LABEL: func.func @residual_add(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<4x8xf32>, %[[B:[a-z0-9_]+]]: memref<4x8xf32>, %[[R:[a-z0-9_]+]]: memref<4x8xf32>)
// CHECK:         tile.add %[[A]], %[[B]], %[[R]] : memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>
func.func @residual_add(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.residual_add %a, %b : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// mlp: up projection with the ReLU² epilogue fused into a [tokens, inter]
// scratch, then the down projection straight into the result.
// CHECK-LABEL: func.func @mlp(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[UP:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[DOWN:[a-z0-9_]+]]: memref<64x128xf32>, %[[R:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK-SAME:    tessera.weights = ["up", "down"]
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
// CHECK:         %[[ROWS:.*]] = memref.dim %[[XV]], %{{.*}} : memref<?x64xf32>
// CHECK:         %[[H:.*]] = memref.alloc(%[[ROWS]]) {alignment = 64 : i64} : memref<?x128xf32>
// CHECK:         tile.matmul %[[XV]], %[[UP]], %[[H]] {epilogue = #tile.epilogue<relu2>, transpose_b} : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]]
// CHECK:         tile.matmul %[[H]], %[[DOWN]], %[[RV]] {transpose_b} : memref<?x128xf32>, memref<64x128xf32>, memref<?x64xf32>
// CHECK:         memref.dealloc %[[H]]
// CHECK-NEXT:    return
func.func @mlp(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wu = graph.weight "up" : tensor<128x64xf32>
  %wd = graph.weight "down" : tensor<64x128xf32>
  %0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// mlp with both biases, static shapes.
// CHECK-LABEL: func.func @mlp_bias(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<2x3x64xf32>, %[[UP:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[UB:[a-z0-9_]+]]: memref<128xf32>, %[[DOWN:[a-z0-9_]+]]: memref<64x128xf32>,
// CHECK-SAME:    %[[DB:[a-z0-9_]+]]: memref<64xf32>, %[[R:[a-z0-9_]+]]: memref<2x3x64xf32>)
// CHECK:         %[[H:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x128xf32>
// CHECK:         tile.matmul %{{.*}}, %[[UP]], %[[H]] bias(%[[UB]]) {epilogue = #tile.epilogue<relu2>,
// CHECK-SAME:      : memref<6x64xf32>, memref<128x64xf32>, memref<?x128xf32>, memref<128xf32>
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : memref<2x3x64xf32> into memref<6x64xf32>
// CHECK:         tile.matmul %[[H]], %[[DOWN]], %[[RV]] bias(%[[DB]]) {{.*}}transpose_b
// CHECK-NOT:       epilogue
// CHECK-SAME:      : memref<?x128xf32>, memref<64x128xf32>, memref<6x64xf32>, memref<64xf32>
// CHECK:         memref.dealloc %[[H]]
func.func @mlp_bias(%x: tensor<2x3x64xf32>) -> tensor<2x3x64xf32> {
  %wu = graph.weight "up" : tensor<128x64xf32>
  %bu = graph.weight "up_bias" : tensor<128xf32>
  %wd = graph.weight "down" : tensor<64x128xf32>
  %bd = graph.weight "down_bias" : tensor<64xf32>
  %0 = graph.mlp %x up(%wu) up_bias(%bu) down(%wd) down_bias(%bd)
      : (tensor<2x3x64xf32>, tensor<128x64xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<64xf32>) -> tensor<2x3x64xf32>
  return %0 : tensor<2x3x64xf32>
}

// -----

// CHECK-LABEL: func.func @lm_head(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[W:[a-z0-9_]+]]: memref<256x64xf32>,
// CHECK-SAME:    %[[R:[a-z0-9_]+]]: memref<?x?x256xf32>)
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : memref<?x?x256xf32> into memref<?x256xf32>
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
// CHECK:         tile.matmul %[[XV]], %[[W]], %[[RV]] {transpose_b} : memref<?x64xf32>, memref<256x64xf32>, memref<?x256xf32>{{$}}
func.func @lm_head(%x: tensor<?x?x64xf32>) -> tensor<?x?x256xf32> {
  %w = graph.weight "lm_head" : tensor<256x64xf32>
  %0 = graph.lm_head %x, %w : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  return %0 : tensor<?x?x256xf32>
}

// -----

// The last position only: its row is copied out of the hidden states and
// multiplied alone.
// CHECK-LABEL: func.func @lm_head_last(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[W:[a-z0-9_]+]]: memref<256x64xf32>,
// CHECK-SAME:    %[[R:[a-z0-9_]+]]: memref<?x1x256xf32>)
// CHECK:         %[[ROW:.*]] = memref.subview %[[X]][0, %{{.*}}, 0] [%{{.*}}, 1, 64] [1, 1, 1]
// CHECK:         %[[LAST:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x1x64xf32>
// CHECK:         memref.copy %[[ROW]], %[[LAST]]
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : memref<?x1x256xf32> into memref<?x256xf32>
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[LAST]] {{\[}}[0, 1], [2]] : memref<?x1x64xf32> into memref<?x64xf32>
// CHECK:         tile.matmul %[[XV]], %[[W]], %[[RV]] {transpose_b}
// CHECK:         memref.dealloc %[[LAST]]
func.func @lm_head_last(%x: tensor<?x?x64xf32>) -> tensor<?x1x256xf32> {
  %w = graph.weight "lm_head" : tensor<256x64xf32>
  %0 = graph.lm_head %x, %w {last_position} : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x1x256xf32>
  return %0 : tensor<?x1x256xf32>
}

// -----

// CHECK-LABEL: func.func @gated_rmsnorm(
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x?x128xf32>, %[[Z:[a-z0-9_]+]]: memref<?x?x128xf32>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: memref<128xf32>, %[[R:[a-z0-9_]+]]: memref<?x?x128xf32>)
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]]
// CHECK:         %[[ZV:.*]] = memref.collapse_shape %[[Z]] {{\[}}[0, 1], [2]]
// CHECK:         %[[YV:.*]] = memref.collapse_shape %[[Y]] {{\[}}[0, 1], [2]]
// CHECK:         tile.gated_rmsnorm %[[YV]], %[[ZV]], %[[W]], %[[RV]] {epsilon = 1.000000e-05 : f64, group_size = 64 : i64} : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
func.func @gated_rmsnorm(%y: tensor<?x?x128xf32>, %z: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %w = graph.weight "norm" : tensor<128xf32>
  %0 = graph.gated_rmsnorm %y, %z, %w {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return %0 : tensor<?x?x128xf32>
}

//===----------------------------------------------------------------------===//
// Mamba2
//===----------------------------------------------------------------------===//

// -----

// Both results returned: the conv writes into both result arguments.
// CHECK-LABEL: func.func @causal_conv1d(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x160xf32>, %[[S:[a-z0-9_]+]]: memref<?x160x3xf32>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: memref<160x4xf32>, %[[B:[a-z0-9_]+]]: memref<160xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x?x160xf32>, %[[F:[a-z0-9_]+]]: memref<?x160x3xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         tile.causal_conv1d %[[X]], %[[W]] bias(%[[B]]) state_in(%[[S]]) -> %[[Y]], %[[F]] {silu} : memref<?x?x160xf32>, memref<160x4xf32>, memref<160xf32>, memref<?x160x3xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
// CHECK-NEXT:    return
func.func @causal_conv1d(%x: tensor<?x?x160xf32>, %s: tensor<?x160x3xf32>)
    -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>) {
  %w = graph.weight "conv" : tensor<160x4xf32>
  %b = graph.weight "conv_bias" : tensor<160xf32>
  %y, %f = graph.causal_conv1d %x, %w bias(%b) state(%s) {silu}
      : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>, tensor<?x160x3xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  return %y, %f : tensor<?x?x160xf32>, tensor<?x160x3xf32>
}

// -----

// Without bias, state or SiLU; the unused final state goes to a static
// scratch buffer.
// CHECK-LABEL: func.func @causal_conv1d_plain(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<2x5x160xf32>, %[[W:[a-z0-9_]+]]: memref<160x4xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<2x5x160xf32>)
// CHECK:         %[[F:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x160x3xf32>
// CHECK:         tile.causal_conv1d %[[X]], %[[W]] -> %[[Y]], %[[F]] : memref<2x5x160xf32>, memref<160x4xf32>, memref<2x5x160xf32>, memref<2x160x3xf32>
// CHECK-NEXT:    memref.dealloc %[[F]]
func.func @causal_conv1d_plain(%x: tensor<2x5x160xf32>) -> tensor<2x5x160xf32> {
  %w = graph.weight "conv" : tensor<160x4xf32>
  %y, %f = graph.causal_conv1d %x, %w
      : (tensor<2x5x160xf32>, tensor<160x4xf32>) -> (tensor<2x5x160xf32>, tensor<2x160x3xf32>)
  return %y : tensor<2x5x160xf32>
}

// -----

// ssd_scan (prefill): the four chunked stages, with scratch for the activated
// dt, the per-chunk dA cumsum ([B, H, ceildiv(S, 32), 32]) and the chunk
// states in and out; y and the final state go to the result arguments.
// CHECK-LABEL: func.func @ssd_scan(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x8x16xf32>, %[[DT:[a-z0-9_]+]]: memref<?x?x8xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[C:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[DTB:[a-z0-9_]+]]: memref<8xf32>, %[[ALOG:[a-z0-9_]+]]: memref<8xf32>, %[[D:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x?x8x16xf32>, %[[FIN:[a-z0-9_]+]]: memref<?x8x16x16xf32>)
// CHECK-SAME:    tessera.num_inputs = 4 : i64, tessera.num_results = 2 : i64, tessera.weights = ["dt_bias", "A_log", "D"]
// CHECK-DAG:     %[[C31:.*]] = arith.constant 31 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK:         %[[SP:.*]] = arith.addi %[[SEQ:.*]], %[[C31]] : index
// CHECK:         %[[NC:.*]] = arith.divui %[[SP]], %[[C32]] : index
// CHECK:         %[[DT2:.*]] = memref.alloc(%[[BATCH:.*]], %[[SEQ]]) {alignment = 64 : i64} : memref<?x?x8xf32>
// CHECK:         %[[DA:.*]] = memref.alloc(%[[BATCH]], %[[NC]]) {alignment = 64 : i64} : memref<?x8x?x32xf32>
// CHECK:         %[[ST:.*]] = memref.alloc(%[[BATCH]], %[[NC]]) {alignment = 64 : i64} : memref<?x?x8x16x16xf32>
// CHECK:         %[[STIN:.*]] = memref.alloc(%[[BATCH]], %[[NC]]) {alignment = 64 : i64} : memref<?x?x8x16x16xf32>
// CHECK:         tile.ssd_chunk_cumsum %[[DT]], %[[DTB]], %[[ALOG]] -> %[[DT2]], %[[DA]] {chunk_size = 32 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64}
// CHECK-NEXT:    tile.ssd_chunk_state %[[X]], %[[B]], %[[DT2]], %[[DA]] -> %[[ST]] {chunk_size = 32 : i64}
// CHECK-NEXT:    tile.ssd_state_passing %[[ST]], %[[DA]] -> %[[STIN]], %[[FIN]] {chunk_size = 32 : i64}
// CHECK-NEXT:    memref.dealloc %[[ST]]
// CHECK-NEXT:    tile.ssd_chunk_scan %[[X]], %[[C]], %[[B]], %[[DT2]], %[[DA]], %[[STIN]], %[[D]] -> %[[Y]] {chunk_size = 32 : i64}
// CHECK-NOT:     tile.ssd_state_update
// CHECK:         memref.dealloc %[[DT2]]
// CHECK-NEXT:    memref.dealloc %[[DA]]
// CHECK-NEXT:    memref.dealloc %[[STIN]]
// CHECK-NEXT:    return
func.func @ssd_scan(%x: tensor<?x?x8x16xf32>, %dt: tensor<?x?x8xf32>, %B: tensor<?x?x2x16xf32>,
                    %C: tensor<?x?x2x16xf32>) -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>) {
  %dtb = graph.weight "dt_bias" : tensor<8xf32>
  %alog = graph.weight "A_log" : tensor<8xf32>
  %d = graph.weight "D" : tensor<8xf32>
  %y, %st = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %d
      {chunk_size = 32 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>)
      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
  return %y, %st : tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>
}

// -----

// A static sequence of 1 without an incoming state is not a decode step: the
// chunked stages run, and an initial state, when given to a longer sequence,
// goes to ssd_state_passing.
// CHECK-LABEL: func.func @ssd_scan_seq1_no_state(
// CHECK:         tile.ssd_chunk_cumsum
// CHECK:         tile.ssd_state_passing %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} {chunk_size = 16 : i64}
// CHECK-NOT:     tile.ssd_state_update
// CHECK-LABEL: func.func @ssd_scan_init(
// CHECK-SAME:    %[[S0:[a-z0-9_]+]]: memref<2x8x16x16xf32>,
// CHECK-SAME:    %[[FIN:[a-z0-9_]+]]: memref<2x8x16x16xf32>)
// CHECK:         tile.ssd_state_passing %{{.*}}, %{{.*}} init(%[[S0]]) -> %{{.*}}, %[[FIN]] {chunk_size = 16 : i64}
// CHECK-NOT:     tile.ssd_state_update
func.func @ssd_scan_seq1_no_state(%x: tensor<2x1x8x16xf32>, %dt: tensor<2x1x8xf32>,
                                  %B: tensor<2x1x2x16xf32>, %C: tensor<2x1x2x16xf32>,
                                  %v: tensor<8xf32>) -> tensor<2x1x8x16xf32> {
  %y, %st = graph.ssd_scan %x, %dt, %v, %v, %B, %C, %v
      {chunk_size = 16 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x1x8x16xf32>, tensor<2x1x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x1x2x16xf32>, tensor<2x1x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x1x8x16xf32>, tensor<2x8x16x16xf32>)
  return %y : tensor<2x1x8x16xf32>
}
func.func @ssd_scan_init(%x: tensor<2x5x8x16xf32>, %dt: tensor<2x5x8xf32>,
                         %B: tensor<2x5x2x16xf32>, %C: tensor<2x5x2x16xf32>,
                         %v: tensor<8xf32>, %s0: tensor<2x8x16x16xf32>) -> tensor<2x8x16x16xf32> {
  %y, %st = graph.ssd_scan %x, %dt, %v, %v, %B, %C, %v state(%s0)
      {chunk_size = 16 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x5x8x16xf32>, tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>, tensor<8xf32>, tensor<2x8x16x16xf32>)
      -> (tensor<2x5x8x16xf32>, tensor<2x8x16x16xf32>)
  return %st : tensor<2x8x16x16xf32>
}

// -----

// mamba2_mixer (prefill, the graph_examples layer): in_proj into a
// [tokens, 328] scratch, whose z | xBC | dt parts (d_inner = 128,
// conv_dim = 192, heads = 8) are strided views; conv1d + SiLU on xBC into the
// new conv state; x | B | C views of the conv output; the four SSD stages;
// the gated norm with z (group_size = d_inner / n_groups = 64); out_proj into
// the result.
// CHECK-LABEL: func.func @mamba2_prefill(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[WIN:[a-z0-9_]+]]: memref<328x64xf32>,
// CHECK-SAME:    %[[WCONV:[a-z0-9_]+]]: memref<192x4xf32>, %[[BCONV:[a-z0-9_]+]]: memref<192xf32>,
// CHECK-SAME:    %[[DTB:[a-z0-9_]+]]: memref<8xf32>, %[[ALOG:[a-z0-9_]+]]: memref<8xf32>, %[[D:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[WNORM:[a-z0-9_]+]]: memref<128xf32>, %[[WOUT:[a-z0-9_]+]]: memref<64x128xf32>,
// CHECK-SAME:    %[[OUT:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[CS:[a-z0-9_]+]]: memref<?x192x3xf32>,
// CHECK-SAME:    %[[SS:[a-z0-9_]+]]: memref<?x8x16x16xf32>)
// CHECK-SAME:    tessera.num_inputs = 1 : i64, tessera.num_results = 3 : i64
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK:         %[[ZX:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x328xf32>
// CHECK:         tile.matmul %[[XV]], %[[WIN]], %[[ZX]] {transpose_b} : memref<?x64xf32>, memref<328x64xf32>, memref<?x328xf32>
// CHECK:         %[[XBC:.*]] = memref.reinterpret_cast %[[ZX]] to offset: [128], sizes: [%{{.*}}, %{{.*}}, 192], strides: [%{{.*}}, 328, 1] : memref<?x328xf32> to memref<?x?x192xf32, strided<[?, 328, 1], offset: 128>>
// CHECK:         %[[CONV:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?x192xf32>
// CHECK:         tile.causal_conv1d %[[XBC]], %[[WCONV]] bias(%[[BCONV]]) -> %[[CONV]], %[[CS]] {silu}
// CHECK:         %[[XS:.*]] = memref.reinterpret_cast %[[CONV]] to offset: [0], sizes: [%{{.*}}, %{{.*}}, 8, 16], strides: [%{{.*}}, 192, 16, 1] : memref<?x?x192xf32> to memref<?x?x8x16xf32, strided<[?, 192, 16, 1]>>
// CHECK:         %[[BM:.*]] = memref.reinterpret_cast %[[CONV]] to offset: [128], sizes: [%{{.*}}, %{{.*}}, 2, 16], strides: [%{{.*}}, 192, 16, 1] : memref<?x?x192xf32> to memref<?x?x2x16xf32, strided<[?, 192, 16, 1], offset: 128>>
// CHECK:         %[[CM:.*]] = memref.reinterpret_cast %[[CONV]] to offset: [160], sizes: [%{{.*}}, %{{.*}}, 2, 16], strides: [%{{.*}}, 192, 16, 1] : memref<?x?x192xf32> to memref<?x?x2x16xf32, strided<[?, 192, 16, 1], offset: 160>>
// CHECK:         %[[DTV:.*]] = memref.reinterpret_cast %[[ZX]] to offset: [320], sizes: [%{{.*}}, %{{.*}}, 8], strides: [%{{.*}}, 328, 1] : memref<?x328xf32> to memref<?x?x8xf32, strided<[?, 328, 1], offset: 320>>
// CHECK:         %[[Y:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?x8x16xf32>
// CHECK:         tile.ssd_chunk_cumsum %[[DTV]], %[[DTB]], %[[ALOG]] -> %[[DT2:[^,]*]], %[[DA:[^ ]*]] {chunk_size = 16 : i64
// CHECK-NEXT:    tile.ssd_chunk_state %[[XS]], %[[BM]], %[[DT2]], %[[DA]] -> %[[ST:[^ ]*]] {chunk_size = 16 : i64}
// CHECK-NEXT:    tile.ssd_state_passing %[[ST]], %[[DA]] -> %[[STIN:[^,]*]], %[[SS]] {chunk_size = 16 : i64}
// CHECK-NEXT:    memref.dealloc %[[ST]]
// CHECK-NEXT:    tile.ssd_chunk_scan %[[XS]], %[[CM]], %[[BM]], %[[DT2]], %[[DA]], %[[STIN]], %[[D]] -> %[[Y]] {chunk_size = 16 : i64}
// CHECK:         %[[Z:.*]] = memref.reinterpret_cast %[[ZX]] to offset: [0], sizes: [%{{.*}}, 128], strides: [328, 1] : memref<?x328xf32> to memref<?x128xf32, strided<[328, 1]>>
// CHECK:         %[[G:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x128xf32>
// CHECK:         %[[Y2:.*]] = memref.collapse_shape %[[Y]] {{\[}}[0, 1], [2, 3]] : memref<?x?x8x16xf32> into memref<?x128xf32>
// CHECK:         tile.gated_rmsnorm %[[Y2]], %[[Z]], %[[WNORM]], %[[G]] {epsilon = 1.000000e-05 : f64, group_size = 64 : i64}
// CHECK-NEXT:    memref.dealloc %[[ZX]]
// CHECK:         %[[OV:.*]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1], [2]]
// CHECK:         tile.matmul %[[G]], %[[WOUT]], %[[OV]] {transpose_b} : memref<?x128xf32>, memref<64x128xf32>, memref<?x64xf32>
// CHECK-NEXT:    memref.dealloc %[[G]]
// CHECK-NOT:     memref.copy
// CHECK-NOT:     tile.ssd_state_update
// CHECK:         return
func.func @mamba2_prefill(%x: tensor<?x?x64xf32>)
    -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>) {
  %w_in = graph.weight "in_proj" : tensor<328x64xf32>
  %w_conv = graph.weight "conv_weight" : tensor<192x4xf32>
  %b_conv = graph.weight "conv_bias" : tensor<192xf32>
  %dtb = graph.weight "dt_bias" : tensor<8xf32>
  %alog = graph.weight "A_log" : tensor<8xf32>
  %d = graph.weight "D" : tensor<8xf32>
  %w_norm = graph.weight "gate_norm" : tensor<128xf32>
  %w_out = graph.weight "out_proj" : tensor<64x128xf32>
  %y, %cs, %ss = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  return %y, %cs, %ss : tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>
}

// -----

// Chunked prefill continuing earlier states: the conv reads the conv state,
// state passing starts from the ssm state; only the output is returned, so
// the new states go to scratch buffers.
// CHECK-LABEL: func.func @mamba2_continue(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[CS0:[a-z0-9_]+]]: memref<?x192x3xf32>,
// CHECK-SAME:    %[[SS0:[a-z0-9_]+]]: memref<?x8x16x16xf32>,
// CHECK:         %[[CS:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x192x3xf32>
// CHECK:         tile.causal_conv1d %{{.*}}, %{{.*}} bias(%{{.*}}) state_in(%[[CS0]]) -> %{{.*}}, %[[CS]] {silu}
// CHECK-NEXT:    memref.dealloc %[[CS]]
// CHECK:         %[[SS:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8x16x16xf32>
// CHECK:         tile.ssd_state_passing %{{.*}}, %{{.*}} init(%[[SS0]]) -> %{{.*}}, %[[SS]] {chunk_size = 16 : i64}
// CHECK-NEXT:    memref.dealloc %[[SS]]
// CHECK:         return
func.func @mamba2_continue(%x: tensor<?x?x64xf32>, %cs0: tensor<?x192x3xf32>,
                           %ss0: tensor<?x8x16x16xf32>) -> tensor<?x?x64xf32> {
  %w_in = graph.weight "in_proj" : tensor<328x64xf32>
  %w_conv = graph.weight "conv_weight" : tensor<192x4xf32>
  %b_conv = graph.weight "conv_bias" : tensor<192xf32>
  %dtb = graph.weight "dt_bias" : tensor<8xf32>
  %alog = graph.weight "A_log" : tensor<8xf32>
  %d = graph.weight "D" : tensor<8xf32>
  %w_norm = graph.weight "gate_norm" : tensor<128xf32>
  %w_out = graph.weight "out_proj" : tensor<64x128xf32>
  %y, %cs, %ss = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      conv_state(%cs0) ssm_state(%ss0)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  return %y : tensor<?x?x64xf32>
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

// -----

// self_attention without caches: q/k/v projections into scratch, the new
// caches ([B, S, 2, 16], the layout flash attention reads; scratch here since
// they are not returned) filled by kv_cache_append (position 0) from
// [B, S, 2, 16] views of k and v, flash attention on a [B, S, 4, 16] view of
// q and the caches themselves (no transpose; scale 1/sqrt(16)), o_proj into
// the result.
// CHECK-LABEL: func.func @self_attention(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[WQ:[a-z0-9_]+]]: memref<64x64xf32>,
// CHECK-SAME:    %[[WK:[a-z0-9_]+]]: memref<32x64xf32>, %[[WV:[a-z0-9_]+]]: memref<32x64xf32>,
// CHECK-SAME:    %[[WO:[a-z0-9_]+]]: memref<64x64xf32>, %[[R:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK-SAME:    tessera.weights = ["q", "k", "v", "o"]
// CHECK:         %[[XV:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK:         %[[Q:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK:         %[[K:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x32xf32>
// CHECK:         %[[V:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x32xf32>
// CHECK:         tile.matmul %[[XV]], %[[WQ]], %[[Q]] {{.*}}transpose_b
// CHECK-NEXT:    tile.matmul %[[XV]], %[[WK]], %[[K]] {{.*}}transpose_b
// CHECK-NEXT:    tile.matmul %[[XV]], %[[WV]], %[[V]] {{.*}}transpose_b
// CHECK:         %[[KC:.*]] = memref.alloc(%[[BATCH:.*]], %[[SEQ:.*]]) {alignment = 64 : i64} : memref<?x?x2x16xf32>
// CHECK:         %[[VC:.*]] = memref.alloc(%[[BATCH]], %[[SEQ]]) {alignment = 64 : i64} : memref<?x?x2x16xf32>
// CHECK-NOT:     memref.copy
// CHECK:         %[[KN:.*]] = memref.reinterpret_cast %[[K]] to offset: [0], sizes: [%[[BATCH]], %[[SEQ]], 2, 16], strides: [%{{.*}}, 32, 16, 1] : memref<?x32xf32> to memref<?x?x2x16xf32, strided<[?, 32, 16, 1]>>
// CHECK:         tile.kv_cache_append %[[KN]] -> %[[KC]] : memref<?x?x2x16xf32, strided<[?, 32, 16, 1]>> -> memref<?x?x2x16xf32>
// CHECK:         %[[VN:.*]] = memref.reinterpret_cast %[[V]]
// CHECK:         tile.kv_cache_append %[[VN]] -> %[[VC]] :
// CHECK:         %[[Q4:.*]] = memref.reinterpret_cast %[[Q]] to offset: [0], sizes: [%[[BATCH]], %[[SEQ]], 4, 16], strides: [%{{.*}}, 64, 16, 1] : memref<?x64xf32> to memref<?x?x4x16xf32, strided<[?, 64, 16, 1]>>
// CHECK-NOT:     memref.transpose
// CHECK:         %[[ATT:.*]] = memref.alloc(%[[BATCH]], %[[SEQ]]) {alignment = 64 : i64} : memref<?x?x4x16xf32>
// CHECK:         tile.flash_attention %[[Q4]], %[[KC]], %[[VC]], %[[ATT]] {causal, scale = 2.500000e-01 : f64}
// CHECK-DAG:     memref.dealloc %[[Q]]
// CHECK-DAG:     memref.dealloc %[[KC]]
// CHECK-DAG:     memref.dealloc %[[VC]]
// CHECK:         %[[ATT2:.*]] = memref.collapse_shape %[[ATT]] {{\[}}[0, 1], [2, 3]] : memref<?x?x4x16xf32> into memref<?x64xf32>
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]]
// CHECK:         tile.matmul %[[ATT2]], %[[WO]], %[[RV]] {transpose_b} : memref<?x64xf32>, memref<64x64xf32>, memref<?x64xf32>
// CHECK-NEXT:    memref.dealloc %[[ATT]]
// CHECK:         return
func.func @self_attention(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wq = graph.weight "q" : tensor<64x64xf32>
  %wk = graph.weight "k" : tensor<32x64xf32>
  %wv = graph.weight "v" : tensor<32x64xf32>
  %wo = graph.weight "o" : tensor<64x64xf32>
  %att, %kc, %vc = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  return %att : tensor<?x?x64xf32>
}


// -----

// A decode step on caches of fixed capacity, tied to their results
// (tessera.aliasing_output): the caches get no result arguments and are
// updated in place -- no copy, no allocation -- with the new keys/values
// appended at the run-time position (a memref<1xi64> input the kernels
// read), and attention reads the caches at that position. tessera.abi
// describes every argument once.
// CHECK-LABEL: func.func @self_attention_decode(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x1x64xf32>, %[[POS:[a-z0-9_]+]]: memref<1xi64>,
// CHECK-SAME:    %[[KC:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[VC:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[WQ:[a-z0-9_]+]]: memref<64x64xf32>, %[[BQ:[a-z0-9_]+]]: memref<64xf32>,
// CHECK-SAME:    %[[WK:[a-z0-9_]+]]: memref<32x64xf32>, %[[WV:[a-z0-9_]+]]: memref<32x64xf32>,
// CHECK-SAME:    %[[WO:[a-z0-9_]+]]: memref<64x64xf32>, %[[R:[a-z0-9_]+]]: memref<?x1x64xf32>)
// CHECK-SAME:    tessera.abi = {first_weight_arg = 4 : i64,
// CHECK-SAME:      inputs = [{arg = 0 : i64, dtype = "f32", name = "x", shape = array<i64: -1, 1, 64>},
// CHECK-SAME:                {arg = 1 : i64, dtype = "i64", name = "position", shape = array<i64: 1>}],
// CHECK-SAME:      results = [{arg = 9 : i64, dtype = "f32", name = "y", shape = array<i64: -1, 1, 64>}],
// CHECK-SAME:      states = [{arg = 2 : i64, dtype = "f32", in_place = true, kind = "k_cache", layer = 0 : i64, shape = array<i64: -1, -1, 2, 16>},
// CHECK-SAME:                {arg = 3 : i64, dtype = "f32", in_place = true, kind = "v_cache", layer = 0 : i64, shape = array<i64: -1, -1, 2, 16>}],
// CHECK-SAME:      weights = ["q", "q_bias", "k", "v", "o"]},
// CHECK-SAME:    tessera.num_inputs = 4 : i64, tessera.num_results = 1 : i64
// CHECK:         tile.matmul %{{.*}}, %[[WQ]], %{{.*}} bias(%[[BQ]])
// CHECK:         tile.matmul %{{.*}}, %[[WK]], %[[K:[^ ]*]] {{.*}}transpose_b
// CHECK:         tile.matmul %{{.*}}, %[[WV]], %[[V:[^ ]*]] {{.*}}transpose_b
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK:         %[[KN:.*]] = memref.reinterpret_cast %[[K]] to offset: [0], sizes: [%{{.*}}, 1, 2, 16]
// CHECK:         tile.kv_cache_append %[[KN]] -> %[[KC]][%[[POS]]] : memref<?x1x2x16xf32, strided<[?, 32, 16, 1]>> -> memref<?x?x2x16xf32>, memref<1xi64>
// CHECK:         %[[VN:.*]] = memref.reinterpret_cast %[[V]]
// CHECK:         tile.kv_cache_append %[[VN]] -> %[[VC]][%[[POS]]]
// CHECK:         tile.flash_attention %{{.*}}, %[[KC]], %[[VC]], %{{.*}} at %[[POS]] {causal, scale = 2.500000e-01 : f64}
// CHECK:         %[[RV:.*]] = memref.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : memref<?x1x64xf32> into memref<?x64xf32>
// CHECK:         tile.matmul %{{.*}}, %[[WO]], %[[RV]]
// CHECK-NOT:     memref.dealloc %[[KC]]
// CHECK-NOT:     memref.copy
// CHECK:         return

func.func @self_attention_decode(%x: tensor<?x1x64xf32> {tessera.name = "x"},
    %pos: tensor<1xi64> {tessera.name = "position"},
    %kc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 1 : i64, tessera.state = {kind = "k_cache", layer = 0 : i64}},
    %vc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 2 : i64, tessera.state = {kind = "v_cache", layer = 0 : i64}})
    -> (tensor<?x1x64xf32> {tessera.name = "y"}, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
  %wq = graph.weight "q" : tensor<64x64xf32>
  %bq = graph.weight "q_bias" : tensor<64xf32>
  %wk = graph.weight "k" : tensor<32x64xf32>
  %wv = graph.weight "v" : tensor<32x64xf32>
  %wo = graph.weight "o" : tensor<64x64xf32>
  %att, %kc2, %vc2 = graph.self_attention %x q_proj(%wq) q_bias(%bq) k_proj(%wk) v_proj(%wv)
      o_proj(%wo) k_cache(%kc) v_cache(%vc) position(%pos)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32x64xf32>,
         tensor<32x64xf32>, tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<1xi64>)
      -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  return %att, %kc2, %vc2 : tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
}


// -----

// A prompt into tied caches without a position (position 0): appended at
// row 0 in place; attention reads the first S rows of the caches.
// CHECK-LABEL: func.func @self_attention_prefill(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[KC:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[VC:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-NOT:     memref.copy
// CHECK:         tile.kv_cache_append %{{.*}} -> %[[KC]] :
// CHECK:         tile.kv_cache_append %{{.*}} -> %[[VC]] :
// CHECK:         %[[KS:.*]] = memref.subview %[[KC]][0, 0, 0, 0] [%[[B:.*]], %[[S:.*]], 2, 16] [1, 1, 1, 1] : memref<?x?x2x16xf32> to memref<?x?x2x16xf32, strided<[?, 32, 16, 1]>>
// CHECK:         %[[VS:.*]] = memref.subview %[[VC]][0, 0, 0, 0] [%[[B]], %[[S]], 2, 16]
// CHECK:         tile.flash_attention %{{.*}}, %[[KS]], %[[VS]], %{{.*}} {causal
// CHECK:         return

func.func @self_attention_prefill(%x: tensor<?x?x64xf32>,
    %kc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 1 : i64},
    %vc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 2 : i64})
    -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
  %wq = graph.weight "q" : tensor<64x64xf32>
  %wk = graph.weight "k" : tensor<32x64xf32>
  %wv = graph.weight "v" : tensor<32x64xf32>
  %wo = graph.weight "o" : tensor<64x64xf32>
  %att, %kc2, %vc2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv)
      o_proj(%wo) k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>,
         tensor<32x64xf32>, tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  return %att, %kc2, %vc2 : tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
}


// -----

// Caches not tied to their results: the results are fresh arguments that
// receive a copy of the caches before the append.
// CHECK-LABEL: func.func @self_attention_copy(
// CHECK-SAME:    %[[POS:[a-z0-9_]+]]: memref<1xi64>, %[[KC0:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[VC0:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[KC:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[VC:[a-z0-9_]+]]: memref<?x?x2x16xf32>)
// CHECK-SAME:    tessera.num_inputs = 4 : i64, tessera.num_results = 3 : i64
// CHECK:         memref.copy %[[KC0]], %[[KC]]
// CHECK:         tile.kv_cache_append %{{.*}} -> %[[KC]][%[[POS]]]
// CHECK:         memref.copy %[[VC0]], %[[VC]]
// CHECK:         tile.kv_cache_append %{{.*}} -> %[[VC]][%[[POS]]]
// CHECK:         tile.flash_attention %{{.*}}, %[[KC]], %[[VC]], %{{.*}} at %[[POS]]

func.func @self_attention_copy(%x: tensor<?x1x64xf32>, %pos: tensor<1xi64>,
    %kc: tensor<?x?x2x16xf32>, %vc: tensor<?x?x2x16xf32>)
    -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
  %wq = graph.weight "q" : tensor<64x64xf32>
  %wk = graph.weight "k" : tensor<32x64xf32>
  %wv = graph.weight "v" : tensor<32x64xf32>
  %wo = graph.weight "o" : tensor<64x64xf32>
  %att, %kc2, %vc2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv)
      o_proj(%wo) k_cache(%kc) v_cache(%vc) position(%pos)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>,
         tensor<32x64xf32>, tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<1xi64>)
      -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  return %att, %kc2, %vc2 : tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
}

// -----

// attention is flash attention on the operands as they are (K/V
// [B, T, Hkv, D]), with the op's scale and causality.
// CHECK-LABEL: func.func @attention(
// CHECK-SAME:    %[[Q:[a-z0-9_]+]]: memref<?x?x4x16xf32>, %[[K:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[V:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[R:[a-z0-9_]+]]: memref<?x?x4x16xf32>)
// CHECK-NOT:     memref.transpose
// CHECK:         tile.flash_attention %[[Q]], %[[K]], %[[V]], %[[R]] {causal, scale = 2.500000e-01 : f64} : memref<?x?x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x?x4x16xf32>
// CHECK-LABEL: func.func @attention_not_causal(
// CHECK:         tile.flash_attention %{{.*}} {scale = 5.000000e-01 : f64} : memref<1x3x4x16xf32>, memref<1x5x2x16xf32>, memref<1x5x2x16xf32>, memref<1x3x4x16xf32>
func.func @attention(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>)
    -> tensor<?x?x4x16xf32> {
  %o = graph.attention %q, %k, %v {causal, scale = 0.25 : f64}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
  return %o : tensor<?x?x4x16xf32>
}
func.func @attention_not_causal(%q: tensor<1x3x4x16xf32>, %k: tensor<1x5x2x16xf32>,
                                %v: tensor<1x5x2x16xf32>) -> tensor<1x3x4x16xf32> {
  %o = graph.attention %q, %k, %v {scale = 0.5 : f64}
      : (tensor<1x3x4x16xf32>, tensor<1x5x2x16xf32>, tensor<1x5x2x16xf32>) -> tensor<1x3x4x16xf32>
  return %o : tensor<1x3x4x16xf32>
}
