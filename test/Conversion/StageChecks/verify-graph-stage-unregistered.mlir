// RUN: tessera-opt %s --allow-unregistered-dialect --tessera-verify-graph-stage -verify-diagnostics

func.func @unregistered(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'foo.bar' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %0 = "foo.bar"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
