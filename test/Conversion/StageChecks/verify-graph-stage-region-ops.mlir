// RUN: tessera-opt %s -split-input-file --tessera-verify-graph-stage -verify-diagnostics

// A linalg op is Tile-IR material, not Graph-IR.
func.func @linalg_matmul(%a: tensor<8x64xf32>, %b: tensor<64x128xf32>,
                         %c: tensor<8x128xf32>) -> tensor<8x128xf32> {
  // expected-error @+1 {{'linalg.matmul' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %0 = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x128xf32>)
                     outs(%c : tensor<8x128xf32>) -> tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}

// -----

// Control flow around graph ops is not Graph-IR either; the op to report is
// the scf.if, not its terminator.
func.func @scf_if(%cond: i1, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'scf.if' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %0 = scf.if %cond -> tensor<4xf32> {
    %1 = graph.residual_add %x, %x : tensor<4xf32>
    scf.yield %1 : tensor<4xf32>
  } else {
    scf.yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
