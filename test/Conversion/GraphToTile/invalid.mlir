// RUN: tessera-opt %s -convert-graph-to-tile -split-input-file -verify-diagnostics

// convert-graph-to-tile reports what it cannot lower and fails, leaving the
// rest of the function alone.

// An op that is not Graph-IR (here elementwise arith on tensors).
func.func @arith_addf(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.residual_add %a, %a : tensor<4xf32>
  // expected-error @+1 {{'arith.addf' op cannot be lowered to Tile-IR: convert-graph-to-tile handles Graph-IR ops only}}
  %1 = arith.addf %0, %a : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// The first op that cannot be lowered is reported; a later function is not
// looked at (no diagnostic for its tensor.empty).
func.func @first_only(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'math.exp' op cannot be lowered to Tile-IR}}
  %0 = math.exp %a : tensor<4xf32>
  %1 = math.exp %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func @later() -> tensor<4xf32> {
  %0 = tensor.empty() : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// arith.constant passes tessera-verify-graph-stage but has no Tile-IR
// lowering yet. (Stage contract mismatch; if constants get a lowering, this
// case moves to convert-graph-to-tile.mlir.)
func.func @constant(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'arith.constant' op cannot be lowered to Tile-IR: convert-graph-to-tile handles Graph-IR ops only}}
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %0 = graph.residual_add %a, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// One weight name is one argument, so it must have one type; the second use
// is reported, with both types.
func.func @weight_two_types() -> (tensor<4xf32>, tensor<8xf32>) {
  %0 = graph.weight "w" : tensor<4xf32>
  // expected-error @+1 {{'graph.weight' op weight 'w' is used with two types: 'tensor<4xf32>' and 'tensor<8xf32>'}}
  %1 = graph.weight "w" : tensor<8xf32>
  return %0, %1 : tensor<4xf32>, tensor<8xf32>
}

// -----

// Same shape, other element type: still two types.
func.func @weight_two_element_types(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = graph.weight "norm" : tensor<64xf32>
  %1 = graph.rmsnorm %x, %0 {epsilon = 1.0e-05 : f64}
      : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  // expected-error @+1 {{'graph.weight' op weight 'norm' is used with two types: 'tensor<64xf32>' and 'tensor<64xbf16>'}}
  %2 = graph.weight "norm" : tensor<64xbf16>
  %3 = graph.rmsnorm %1, %2 {epsilon = 1.0e-05 : f64}
      : (tensor<2x64xf32>, tensor<64xbf16>) -> tensor<2x64xf32>
  return %3 : tensor<2x64xf32>
}

// -----

// Graph-IR functions are straight-line: a second block is reported on the
// function before any op is looked at.
// expected-error @+1 {{'func.func' op Graph-IR functions must have a single block}}
func.func @two_blocks(%a: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^bb1
^bb1:
  %0 = graph.residual_add %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// tessera.aliasing_output must name an existing result.
// expected-error @+1 {{'func.func' op input 0: tessera.aliasing_output = 3 must name a distinct result of the same type}}
func.func @aliasing_out_of_range(%s: tensor<4xf32> {tessera.aliasing_output = 3 : i64}) -> tensor<4xf32> {
  %0 = graph.residual_add %s, %s : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An input updated in place has the type of its result.
// expected-error @+1 {{'func.func' op input 0: tessera.aliasing_output = 0 must name a distinct result of the same type}}
func.func @aliasing_type(%s: tensor<4xf32> {tessera.aliasing_output = 0 : i64}) -> tensor<8xf32> {
  %0 = graph.residual_add %s, %s : tensor<4xf32>
  %1 = tensor.empty() : tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// An input updated in place is read only by the op that computes its new
// value (anything later would read the overwritten buffer).
// expected-error @+1 {{'func.func' op input 1 is updated in place (result 0) but is also read by 'graph.residual_add'}}
func.func @aliasing_other_reader(%x: tensor<4xf32>, %s: tensor<4xf32> {tessera.aliasing_output = 0 : i64})
    -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = graph.residual_add %x, %x : tensor<4xf32>
  %1 = graph.residual_add %s, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
