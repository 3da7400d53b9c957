// RUN: tessera-opt %s --tessera-graph-to-tile -split-input-file -verify-diagnostics
// RUN: tessera-opt %s --tessera-lower-to-llvm -split-input-file -verify-diagnostics

// The pipelines that start at Graph-IR stop at the first stage that fails:
// the graph stage check for foreign ops, convert-graph-to-tile for ops the
// check lets through but the conversion cannot lower.

func.func @foreign_op(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'arith.addf' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// arith.constant is not Graph-IR: the stage check stops it before lowering.
func.func @constant(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'arith.constant' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %0 = graph.residual_add %a, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @weight_two_types() -> (tensor<4xf32>, tensor<8xf32>) {
  %0 = graph.weight "w" : tensor<4xf32>
  // expected-error @+1 {{'graph.weight' op weight 'w' is used with two types: 'tensor<4xf32>' and 'tensor<8xf32>'}}
  %1 = graph.weight "w" : tensor<8xf32>
  return %0, %1 : tensor<4xf32>, tensor<8xf32>
}
