// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// One block per verifier error of the Graph-IR ops (lib/Dialect/Graph/IR/
// GraphOps.cpp), each a valid op with one thing broken, plus a few errors of
// the ODS type and attribute constraints. Every shape that the broken rule
// involves is static: checks that involve a dynamic (`?`) size always pass.

// graph.weight: the name must not be empty.
func.func @weight_empty_name() {
  // expected-error @+1 {{'graph.weight' op weight name must not be empty}}
  %w = graph.weight "" : tensor<4xf32>
  return
}

// -----

// graph.weight: the type must be static.
func.func @weight_dynamic() {
  // expected-error @+1 {{'graph.weight' op weight 'layers.0.mlp.up_proj' must have a static shape, got 'tensor<?x64xf32>'}}
  %w = graph.weight "layers.0.mlp.up_proj" : tensor<?x64xf32>
  return
}

// -----

// graph.embedding: table must be 2-D [vocab, hidden].
func.func @embedding_table_rank(%table: tensor<4x256x64xf32>, %ids: tensor<2x8xi64>) {
  // expected-error @+1 {{'graph.embedding' op table must have rank 2, got 3}}
  %r0 = graph.embedding %table, %ids
      : (tensor<4x256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.embedding: result rank = ids rank + 1.
func.func @embedding_result_rank(%table: tensor<256x64xf32>, %ids: tensor<2x8xi64>) {
  // expected-error @+1 {{'graph.embedding' op result must have rank 3, got 2}}
  %r0 = graph.embedding %table, %ids
      : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x64xf32>
  return
}

// -----

// graph.embedding: result leading dims = ids dims.
func.func @embedding_result_dim(%table: tensor<256x64xf32>, %ids: tensor<2x8xi64>) {
  // expected-error @+1 {{'graph.embedding' op result dim 1: expected 8, got 7}}
  %r0 = graph.embedding %table, %ids
      : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x7x64xf32>
  return
}

// -----

// graph.embedding: result last dim = table hidden size.
func.func @embedding_hidden(%table: tensor<256x64xf32>, %ids: tensor<2x8xi64>) {
  // expected-error @+1 {{'graph.embedding' op result hidden size: expected 64, got 32}}
  %r0 = graph.embedding %table, %ids
      : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x32xf32>
  return
}

// -----

// graph.rmsnorm: the result type is the input type.
func.func @rmsnorm_result_type(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op result type must equal the input type 'tensor<2x8x64xf32>', got 'tensor<2x8x64xf16>'}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf16>
  return
}

// -----

// graph.rmsnorm: a rank-0 input has no channel dimension (used to crash).
func.func @rmsnorm_rank0(%x: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op input must have rank at least 1, got 0}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 1.0e-05 : f64}
      : (tensor<f32>, tensor<64xf32>) -> tensor<f32>
  return
}

// -----

// graph.rmsnorm: weight must be 1-D.
func.func @rmsnorm_weight_rank(%x: tensor<2x8x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op weight must have rank 1, got 2}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x64xf32>, tensor<1x64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.rmsnorm: weight size = last input dim.
func.func @rmsnorm_weight_size(%x: tensor<2x8x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op weight size: expected 64, got 32}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x64xf32>, tensor<32xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.rmsnorm: epsilon must be positive (negative).
func.func @rmsnorm_eps_negative(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op epsilon must be positive and finite, got -1e-05}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = -1.0e-05 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.rmsnorm: epsilon must be positive (zero).
func.func @rmsnorm_eps_zero(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op epsilon must be positive and finite, got 0}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 0.0 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.rmsnorm: epsilon must be finite (inf).
func.func @rmsnorm_eps_inf(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op epsilon must be positive and finite, got inf}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.rmsnorm: epsilon must not be NaN.
func.func @rmsnorm_eps_nan(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op epsilon must be positive and finite, got nan}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 0x7FF8000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.linear: a rank-0 input has no input-feature dimension (used to crash).
func.func @linear_rank0(%x: tensor<f32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op input must have rank at least 1, got 0}}
  %r0 = graph.linear %x, %w
      : (tensor<f32>, tensor<128x64xf32>) -> tensor<f32>
  return
}

// -----

// graph.linear: weight must be 2-D [out, in].
func.func @linear_weight_rank(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.linear' op weight must have rank 2, got 1}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.linear: weight columns = last input dim.
func.func @linear_weight_in(%x: tensor<2x8x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{'graph.linear' op weight input size: expected 64, got 32}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<128x32xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.linear: bias must be 1-D.
func.func @linear_bias_rank(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>,
    %b: tensor<1x128xf32>) {
  // expected-error @+1 {{'graph.linear' op bias must have rank 1, got 2}}
  %r0 = graph.linear %x, %w bias(%b)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<1x128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.linear: bias size = weight rows.
func.func @linear_bias_size(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>,
    %b: tensor<64xf32>) {
  // expected-error @+1 {{'graph.linear' op bias size: expected 128, got 64}}
  %r0 = graph.linear %x, %w bias(%b)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.linear: result rank = input rank.
func.func @linear_result_rank(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op result must have rank 3, got 2}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<128x64xf32>) -> tensor<16x128xf32>
  return
}

// -----

// graph.linear: result last dim = weight rows.
func.func @linear_result_out(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op result dim 2: expected 128, got 64}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<128x64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.linear: result leading dims = input leading dims.
func.func @linear_result_batch(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op result dim 0: expected 2, got 3}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<128x64xf32>) -> tensor<3x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: the gate type is the input type.
func.func @gated_gate_type(%y: tensor<2x8x128xf32>, %z: tensor<2x8x64xf32>,
    %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op gate type must equal the input type 'tensor<2x8x128xf32>', got 'tensor<2x8x64xf32>'}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x64xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: the result type is the input type.
func.func @gated_result_type(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>,
    %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op result type must equal the input type 'tensor<2x8x128xf32>', got 'tensor<2x1x128xf32>'}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: a rank-0 input has no channel dimension (used to crash).
func.func @gated_rank0(%y: tensor<f32>, %z: tensor<f32>, %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op input must have rank at least 1, got 0}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<f32>, tensor<f32>, tensor<128xf32>) -> tensor<f32>
  return
}

// -----

// graph.gated_rmsnorm: weight must be 1-D.
func.func @gated_weight_rank(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>,
    %w: tensor<2x64xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op weight must have rank 1, got 2}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<2x64xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: weight size = channels.
func.func @gated_weight_size(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>,
    %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op weight size: expected 128, got 64}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<64xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: group_size must be positive.
func.func @gated_group_size_zero(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>,
    %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op group_size must be positive, got 0}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 0 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: channels must be a multiple of group_size.
func.func @gated_group_size_divides(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>,
    %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op channels must split into groups of group_size: 128 is not a multiple of 48}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 1.0e-05 : f64, group_size = 48 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.gated_rmsnorm: epsilon must be positive.
func.func @gated_eps(%y: tensor<2x8x128xf32>, %z: tensor<2x8x128xf32>, %w: tensor<128xf32>) {
  // expected-error @+1 {{'graph.gated_rmsnorm' op epsilon must be positive and finite, got 0}}
  %r0 = graph.gated_rmsnorm %y, %z, %w
      {epsilon = 0.0 : f64, group_size = 64 : i64}
      : (tensor<2x8x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.causal_conv1d: input must be [batch, seq, channels].
func.func @conv_input_rank(%x: tensor<8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op input must have rank 3, got 2}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<8x160xf32>, tensor<160x4xf32>)
      -> (tensor<8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: weight must be [channels, kernel].
func.func @conv_weight_rank(%x: tensor<2x8x160xf32>, %w: tensor<160xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op weight must have rank 2, got 1}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: weight rows = channels.
func.func @conv_weight_channels(%x: tensor<2x8x160xf32>, %w: tensor<128x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op weight channels: expected 160, got 128}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<128x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: the kernel must have at least one tap.
func.func @conv_kernel_zero(%x: tensor<2x8x160xf32>, %w: tensor<160x0xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op kernel size must be positive, got 0}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x0xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: at most 1024 taps (tessera/Support/Limits.h).
func.func @conv_kernel_too_long(%x: tensor<2x8x160xf32>, %w: tensor<160x4096xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op kernel size must be at most 1024 (each output costs a multiply-add per tap), got 4096}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4096xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x4095xf32>)
  return
}

// -----

// graph.causal_conv1d: bias must be 1-D.
func.func @conv_bias_rank(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>,
    %b: tensor<1x160xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op bias must have rank 1, got 2}}
  %r0, %r1 = graph.causal_conv1d %x, %w bias(%b)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<1x160xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: bias size = channels.
func.func @conv_bias_size(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op bias size: expected 160, got 128}}
  %r0, %r1 = graph.causal_conv1d %x, %w bias(%b)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<128xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: init_state must be [batch, channels, kernel-1].
func.func @conv_state_rank(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>,
    %s: tensor<160x3xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op init_state must have rank 3, got 2}}
  %r0, %r1 = graph.causal_conv1d %x, %w state(%s)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<160x3xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: init_state batch = input batch.
func.func @conv_state_batch(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>,
    %s: tensor<1x160x3xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op init_state dim 0: expected 2, got 1}}
  %r0, %r1 = graph.causal_conv1d %x, %w state(%s)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<1x160x3xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: init_state channels = input channels.
func.func @conv_state_channels(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>,
    %s: tensor<2x128x3xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op init_state dim 1: expected 160, got 128}}
  %r0, %r1 = graph.causal_conv1d %x, %w state(%s)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<2x128x3xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: init_state length = kernel - 1.
func.func @conv_state_len(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>,
    %s: tensor<2x160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op init_state dim 2: expected 3, got 4}}
  %r0, %r1 = graph.causal_conv1d %x, %w state(%s)
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>, tensor<2x160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: the result type is the input type.
func.func @conv_result_type(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op result type must equal the input type 'tensor<2x8x160xf32>', got 'tensor<2x8x160xf16>'}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf16>, tensor<2x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: final_state must be [batch, channels, kernel-1].
func.func @conv_final_rank(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op final_state must have rank 3, got 2}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: final_state batch = input batch.
func.func @conv_final_batch(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op final_state dim 0: expected 2, got 4}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<4x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d: final_state channels = input channels.
func.func @conv_final_channels(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op final_state dim 1: expected 160, got 128}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x128x3xf32>)
  return
}

// -----

// graph.causal_conv1d: final_state length = kernel - 1.
func.func @conv_final_len(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op final_state dim 2: expected 3, got 4}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (tensor<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x4xf32>)
  return
}

// -----

// graph.ssd_scan: x must be [batch, seq, heads, head_dim].
func.func @ssd_x_rank(%x: tensor<2x8x128xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op x must have rank 4, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x128xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x128xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt must be [batch, seq, heads].
func.func @ssd_dt_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<16x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt must have rank 3, got 2}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<16x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt heads = x heads.
func.func @ssd_dt_heads(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x4xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt dim 2: expected 8, got 4}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x4xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt seq = x seq.
func.func @ssd_dt_seq(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x9x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt dim 1: expected 8, got 9}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x9x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt batch = x batch.
func.func @ssd_dt_batch(%x: tensor<2x8x8x16xf32>, %dt: tensor<3x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt dim 0: expected 2, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<3x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt_bias must be 1-D.
func.func @ssd_dt_bias_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<1x8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt_bias must have rank 1, got 2}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<1x8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt_bias size = heads.
func.func @ssd_dt_bias_size(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<4xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt_bias size: expected 8, got 4}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<4xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: A_log size = heads.
func.func @ssd_A_log_size(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<16xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op A_log size: expected 8, got 16}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<16xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: D size = heads.
func.func @ssd_D_size(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<1xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op D size: expected 8, got 1}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<1xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: D must be 1-D.
func.func @ssd_D_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8x1xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op D must have rank 1, got 2}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8x1xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: B must be [batch, seq, groups, state].
func.func @ssd_B_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x32xf32>, %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op B must have rank 4, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x32xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: B seq = x seq.
func.func @ssd_B_seq(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x4x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op B dim 1: expected 8, got 4}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x4x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: C must be [batch, seq, groups, state].
func.func @ssd_C_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x32xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op C must have rank 4, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x32xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: C batch = x batch.
func.func @ssd_C_batch(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<1x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op C dim 0: expected 2, got 1}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: C groups = B groups.
func.func @ssd_C_groups(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x4x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op C dim 2: expected 2, got 4}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x4x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: C state size = B state size.
func.func @ssd_C_state(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x32xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op C dim 3: expected 16, got 32}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x32xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: heads must be a multiple of groups.
func.func @ssd_groups_divide(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x3x16xf32>,
    %C: tensor<2x8x3x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op heads must split evenly over groups: 8 is not a multiple of 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x3x16xf32>, tensor<2x8x3x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: chunk_size must be positive.
func.func @ssd_chunk_size(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op chunk_size must be positive, got 0}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 0 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: chunk_size at most 4096 (the chunk scan's Q x Q scratch).
func.func @ssd_chunk_size_too_large(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 262144}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 262144 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt_min must be >= 0.
func.func @ssd_dt_min_negative(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt limits must satisfy 0 <= dt_min <= dt_max, got [-0.001, 0.1]}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = -1.0e-03 : f64, dt_max = 0.1 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt_min must be <= dt_max.
func.func @ssd_dt_min_gt_max(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt limits must satisfy 0 <= dt_min <= dt_max, got [0.5, 0.25]}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.5 : f64, dt_max = 0.25 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: dt_max must not be NaN.
func.func @ssd_dt_max_nan(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op dt limits must satisfy 0 <= dt_min <= dt_max, got [0, nan]}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF8000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: init_state must be [batch, heads, head_dim, state].
func.func @ssd_state_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>,
    %s: tensor<8x16x16xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op init_state must have rank 4, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D state(%s)
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>, tensor<8x16x16xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: init_state state size = B state size.
func.func @ssd_state_dim(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>,
    %s: tensor<2x8x16x8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op init_state dim 3: expected 16, got 8}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D state(%s)
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>, tensor<2x8x16x8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: init_state heads = x heads.
func.func @ssd_state_heads(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>, %s: tensor<2x2x16x16xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op init_state dim 1: expected 8, got 2}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D state(%s)
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>, tensor<2x2x16x16xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: y has the type of x.
func.func @ssd_y_type(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op y type must equal the x type 'tensor<2x8x8x16xf32>', got 'tensor<2x8x8x16xbf16>'}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xbf16>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: final_state must be [batch, heads, head_dim, state].
func.func @ssd_final_rank(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>, %C: tensor<2x8x2x16xf32>,
    %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op final_state must have rank 4, got 3}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<8x16x16xf32>)
  return
}

// -----

// graph.ssd_scan: final_state head_dim = x head_dim.
func.func @ssd_final_head_dim(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+1 {{'graph.ssd_scan' op final_state dim 2: expected 16, got 32}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x32x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: num_heads must be positive.
func.func @mixer_num_heads(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op num_heads must be positive, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 0 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: head_dim must be positive.
func.func @mixer_head_dim(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op head_dim must be positive, got -16}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = -16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: n_groups must be positive.
func.func @mixer_n_groups(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op n_groups must be positive, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 0 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: state_size must be positive.
func.func @mixer_state_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op state_size must be positive, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 0 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: chunk_size must be positive.
func.func @mixer_chunk_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op chunk_size must be positive, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 0 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: chunk_size at most 4096.
func.func @mixer_chunk_size_too_large(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 262144}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 262144 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: num_heads must be a multiple of n_groups.
func.func @mixer_groups_divide(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op num_heads must be a multiple of n_groups, got 8 heads and 3 groups}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 3 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: epsilon must be positive.
func.func @mixer_eps(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op epsilon must be positive and finite, got -1}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = -1.0 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: dt_min must be <= dt_max.
func.func @mixer_dt_limits(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op dt limits must satisfy 0 <= dt_min <= dt_max, got [1, 0.1]}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 1.0 : f64, dt_max = 0.1 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: input must be [batch, seq, hidden].
func.func @mixer_input_rank(%x: tensor<8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op input must have rank 3, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: in_proj must be 2-D.
func.func @mixer_in_proj_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op in_proj must have rank 2, got 1}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: in_proj rows = 2*d_inner + 2*groups*state + heads.
func.func @mixer_in_proj_rows(%x: tensor<2x8x64xf32>, %w_in: tensor<320x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op in_proj rows: expected 328, got 320}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<320x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: in_proj columns = hidden.
func.func @mixer_in_proj_cols(%x: tensor<2x8x64xf32>, %w_in: tensor<328x32xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op in_proj columns: expected 64, got 32}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x32xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv weight must be [conv_dim, kernel].
func.func @mixer_conv_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x1x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv weight must have rank 2, got 3}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x1x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv weight rows = d_inner + 2*groups*state.
func.func @mixer_conv_channels(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<128x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv weight channels: expected 192, got 128}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<128x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: dt_bias size = num_heads.
func.func @mixer_dt_bias_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<16xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op dt_bias size: expected 8, got 16}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: dt_bias must be 1-D.
func.func @mixer_dt_bias_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<f32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op dt_bias must have rank 1, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<f32>, tensor<8xf32>,
         tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: A_log must be 1-D.
func.func @mixer_A_log_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<1x8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op A_log must have rank 1, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<1x8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: A_log size = num_heads.
func.func @mixer_A_log_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<4xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op A_log size: expected 8, got 4}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<4xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: D size = num_heads.
func.func @mixer_D_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<2xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op D size: expected 8, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<2xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: norm weight size = d_inner.
func.func @mixer_norm_size(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<64xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op norm weight size: expected 128, got 64}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<64xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: norm weight must be 1-D.
func.func @mixer_norm_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<2x64xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op norm weight must have rank 1, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<2x64xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: out_proj must be 2-D.
func.func @mixer_out_proj_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op out_proj must have rank 2, got 1}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: out_proj rows = hidden.
func.func @mixer_out_proj_rows(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<128x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op out_proj rows: expected 64, got 128}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<128x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: out_proj columns = d_inner.
func.func @mixer_out_proj_cols(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op out_proj columns: expected 128, got 64}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: in_proj bias size = in_proj rows.
func.func @mixer_in_proj_bias(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %b_in: tensor<64xf32>, %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %d: tensor<8xf32>, %w_norm: tensor<128xf32>,
    %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op in_proj bias size: expected 328, got 64}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) in_proj_bias(%b_in) conv(%w_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<64xf32>, tensor<192x4xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: in_proj bias must be 1-D.
func.func @mixer_in_proj_bias_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %b_in: tensor<1x328xf32>, %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %d: tensor<8xf32>, %w_norm: tensor<128xf32>,
    %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op in_proj bias must have rank 1, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) in_proj_bias(%b_in) conv(%w_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<1x328xf32>, tensor<192x4xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv bias size = conv_dim.
func.func @mixer_conv_bias(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %b_conv: tensor<128xf32>, %dtb: tensor<8xf32>,
    %alog: tensor<8xf32>, %d: tensor<8xf32>, %w_norm: tensor<128xf32>,
    %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv bias size: expected 192, got 128}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<128xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: out_proj bias size = hidden.
func.func @mixer_out_proj_bias(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %b_out: tensor<128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op out_proj bias size: expected 64, got 128}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) out_proj_bias(%b_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the conv kernel must have at least one tap (was accepted).
func.func @mixer_kernel_zero(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x0xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op kernel size must be positive, got 0}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x0xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x?xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the conv kernel has at most 1024 taps (2**40 never
// finished lowering).
func.func @mixer_kernel_too_long(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x1099511627776xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op kernel size must be at most 1024 (each output costs a multiply-add per tap), got 1099511627776}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x1099511627776xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x1099511627775xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv_state must be [batch, conv_dim, kernel-1].
func.func @mixer_conv_state_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %cs: tensor<192x3xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv_state must have rank 3, got 2}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) conv_state(%cs)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<192x3xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv_state batch = input batch.
func.func @mixer_conv_state_batch(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %cs: tensor<1x192x3xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv_state dim 0: expected 2, got 1}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) conv_state(%cs)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<1x192x3xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv_state channels = conv_dim.
func.func @mixer_conv_state_channels(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %cs: tensor<2x128x3xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv_state dim 1: expected 192, got 128}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) conv_state(%cs)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<2x128x3xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: conv_state length = kernel - 1.
func.func @mixer_conv_state_len(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %cs: tensor<2x192x4xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op conv_state dim 2: expected 3, got 4}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) conv_state(%cs)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<2x192x4xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: ssm_state must be [batch, heads, head_dim, state].
func.func @mixer_ssm_state_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %ss: tensor<8x16x16xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op ssm_state must have rank 4, got 3}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) ssm_state(%ss)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<8x16x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: ssm_state heads = num_heads.
func.func @mixer_ssm_state_heads(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %ss: tensor<2x4x16x16xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op ssm_state dim 1: expected 8, got 4}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) ssm_state(%ss)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<2x4x16x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: ssm_state state size = state_size.
func.func @mixer_ssm_state_state(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>, %ss: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op ssm_state dim 3: expected 16, got 32}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out) ssm_state(%ss)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<2x8x16x32xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the result type is the input type.
func.func @mixer_result_type(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op result type must equal the input type 'tensor<2x8x64xf32>', got 'tensor<2x1x64xf32>'}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x1x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the new conv state is [batch, conv_dim, kernel-1].
func.func @mixer_new_conv_state_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op new conv_state must have rank 3, got 4}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3x1xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the new conv state has conv_dim channels.
func.func @mixer_new_conv_state_channels(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op new conv_state dim 1: expected 192, got 160}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x160x3xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the new SSM state is [batch, heads, head_dim, state].
func.func @mixer_new_ssm_state_rank(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op new ssm_state must have rank 4, got 3}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x128x16xf32>)
  return
}

// -----

// graph.mamba2_mixer: the new SSM state has state_size columns.
func.func @mixer_new_ssm_state_state(%x: tensor<2x8x64xf32>, %w_in: tensor<328x64xf32>,
    %w_conv: tensor<192x4xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mamba2_mixer' op new ssm_state dim 3: expected 16, got 8}}
  %r0, %r1, %r2 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) dt_bias(%dtb) A_log(%alog)
      D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64,
       dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x8xf32>)
  return
}

// -----

// graph.attention: q must be [batch, seq, heads, head_dim].
func.func @attention_q_rank(%q: tensor<2x8x64xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op q must have rank 4, got 3}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x64xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.attention: k must be [batch, kv_len, kv_heads, head_dim].
func.func @attention_k_rank(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x32xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op k must have rank 4, got 3}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x32xf32>, tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: v must be [batch, kv_len, kv_heads, head_dim].
func.func @attention_v_rank(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x32xf32>) {
  // expected-error @+1 {{'graph.attention' op v must have rank 4, got 3}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>, tensor<2x8x32xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: k batch = q batch.
func.func @attention_k_batch(%q: tensor<2x8x4x16xf32>, %k: tensor<1x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op k dim 0: expected 2, got 1}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<1x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: k head_dim = q head_dim.
func.func @attention_k_head_dim(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x8xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op k dim 3: expected 16, got 8}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x8xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: v length = k length.
func.func @attention_v_len(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x9x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op v dim 1: expected 8, got 9}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x9x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: v heads = k heads.
func.func @attention_v_heads(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x4x16xf32>) {
  // expected-error @+1 {{'graph.attention' op v dim 2: expected 2, got 4}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x4x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: query heads must be a multiple of kv heads.
func.func @attention_gqa(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x3x16xf32>,
    %v: tensor<2x8x3x16xf32>) {
  // expected-error @+1 {{'graph.attention' op query heads must be a multiple of kv heads: 4 is not a multiple of 3}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x3x16xf32>,
         tensor<2x8x3x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: causal needs kv_len >= seq.
func.func @attention_causal_short(%q: tensor<2x8x4x16xf32>, %k: tensor<2x4x2x16xf32>,
    %v: tensor<2x4x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op causal attention needs at least as many keys as queries, got 4 keys and 8 queries}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x4x2x16xf32>,
         tensor<2x4x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: scale must be positive.
func.func @attention_scale_zero(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op scale must be positive, got 0.000000e+00}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.0 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: scale must not be NaN.
func.func @attention_scale_nan(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op scale must be positive, got nan}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0x7FF8000000000000 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// graph.attention: result must be [batch, seq, heads, head_dim].
func.func @attention_result_rank(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op result must have rank 4, got 3}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.attention: result heads = query heads.
func.func @attention_result_heads(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op result dim 2: expected 4, got 2}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x2x16xf32>
  return
}

// -----

// graph.attention: result seq = query seq.
func.func @attention_result_seq(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op result dim 1: expected 8, got 1}}
  %r0 = graph.attention %q, %k, %v
      {causal, scale = 0.25 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x1x4x16xf32>
  return
}

// -----

// graph.self_attention: num_heads must be positive.
func.func @sa_num_heads(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op num_heads must be positive, got 0}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 0 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: num_kv_heads must be positive.
func.func @sa_num_kv_heads(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op num_kv_heads must be positive, got 0}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 0 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: head_dim must be positive.
func.func @sa_head_dim(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op head_dim must be positive, got -1}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = -1 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: num_heads must be a multiple of num_kv_heads.
func.func @sa_gqa(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op num_heads must be a multiple of num_kv_heads, got 4 and 3}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 3 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: input must be [batch, seq, hidden].
func.func @sa_input_rank(%x: tensor<8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op input must have rank 3, got 2}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: q_proj must be 2-D.
func.func @sa_q_proj_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op q_proj must have rank 2, got 1}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: q_proj rows = num_heads * head_dim.
func.func @sa_q_proj_rows(%x: tensor<2x8x64xf32>, %wq: tensor<32x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op q_proj rows: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: q_proj columns = hidden.
func.func @sa_q_proj_cols(%x: tensor<2x8x64xf32>, %wq: tensor<64x32xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op q_proj columns: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x32xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: k_proj rows = num_kv_heads * head_dim.
func.func @sa_k_proj_rows(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<64x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_proj rows: expected 32, got 64}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: k_proj columns = hidden.
func.func @sa_k_proj_cols(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x16xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_proj columns: expected 64, got 16}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x16xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: k_proj must be 2-D.
func.func @sa_k_proj_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_proj must have rank 2, got 1}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: v_proj must be 2-D.
func.func @sa_v_proj_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64x1xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v_proj must have rank 2, got 3}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64x1xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: v_proj rows = num_kv_heads * head_dim.
func.func @sa_v_proj_rows(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<16x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v_proj rows: expected 32, got 16}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<16x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: v_proj columns = hidden.
func.func @sa_v_proj_cols(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x128xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v_proj columns: expected 64, got 128}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x128xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: o_proj must be 2-D.
func.func @sa_o_proj_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op o_proj must have rank 2, got 1}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: o_proj rows = hidden.
func.func @sa_o_proj_rows(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<32x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op o_proj rows: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<32x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: o_proj columns = num_heads * head_dim.
func.func @sa_o_proj_cols(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x32xf32>) {
  // expected-error @+1 {{'graph.self_attention' op o_proj columns: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x32xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: q bias size = num_heads * head_dim.
func.func @sa_q_bias(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %bq: tensor<32xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op q bias size: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) q_bias(%bq) k_proj(%wk) v_proj(%wv)
      o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32xf32>, tensor<32x64xf32>,
         tensor<32x64xf32>, tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: k bias size = num_kv_heads * head_dim.
func.func @sa_k_bias(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %bk: tensor<64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k bias size: expected 32, got 64}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) k_bias(%bk) v_proj(%wv)
      o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<64xf32>,
         tensor<32x64xf32>, tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: v bias must be 1-D.
func.func @sa_v_bias(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %bv: tensor<2x16xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v bias must have rank 1, got 2}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) v_bias(%bv)
      o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<2x16xf32>, tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: o bias size = hidden.
func.func @sa_o_bias(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>, %bo: tensor<32xf32>) {
  // expected-error @+1 {{'graph.self_attention' op o bias size: expected 64, got 32}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      o_bias(%bo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<32xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
  return
}

// -----

// graph.self_attention: k_cache without v_cache.
func.func @sa_k_cache_alone(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x2x5x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_cache and v_cache must be given together}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x2x5x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x13x16xf32>, tensor<2x2x13x16xf32>)
  return
}

// -----

// graph.self_attention: v_cache without k_cache.
func.func @sa_v_cache_alone(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %vc: tensor<2x2x5x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_cache and v_cache must be given together}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x2x5x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x13x16xf32>, tensor<2x2x13x16xf32>)
  return
}

// -----

// graph.self_attention: k_cache must be [batch, kv_heads, past, head_dim].
func.func @sa_k_cache_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x5x32xf32>, %vc: tensor<2x2x5x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_cache must have rank 4, got 3}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x5x32xf32>, tensor<2x2x5x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x2x13x16xf32>, tensor<2x2x13x16xf32>)
  return
}

// -----

// graph.self_attention: k_cache heads = num_kv_heads (caches are [batch, capacity, kv_heads, head_dim]).
func.func @sa_k_cache_heads(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x4x16xf32>, %vc: tensor<2x16x2x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_cache dim 2: expected 2, got 4}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x4x16xf32>, tensor<2x16x2x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: k_cache head_dim = head_dim.
func.func @sa_k_cache_head_dim(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x2x8xf32>, %vc: tensor<2x16x2x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op k_cache dim 3: expected 16, got 8}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x2x8xf32>, tensor<2x16x2x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: v_cache must be [batch, capacity, kv_heads, head_dim].
func.func @sa_v_cache_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x2x16xf32>, %vc: tensor<2x16x32xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v_cache must have rank 4, got 3}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x32xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: v_cache capacity = k_cache capacity.
func.func @sa_v_cache_capacity(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x2x16xf32>, %vc: tensor<2x17x2x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op v_cache dim 1: expected 16, got 17}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x2x16xf32>, tensor<2x17x2x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: this call's positions must fit in the caches.
func.func @sa_cache_capacity(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x5x2x16xf32>, %vc: tensor<2x5x2x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op sequence length 8 exceeds the cache capacity 5}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>)
  return
}

// -----

// graph.self_attention: position needs the caches.
func.func @sa_position_without_caches(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>, %pos: tensor<1xi64>) {
  // expected-error @+1 {{'graph.self_attention' op position needs k_cache and v_cache}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      position(%pos)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<1xi64>)
      -> (tensor<2x8x64xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>)
  return
}

// -----

// graph.self_attention: position is one value (tensor<1xi64>).
func.func @sa_position_shape(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x2x16xf32>, %vc: tensor<2x16x2x16xf32>, %pos: tensor<2xi64>) {
  // expected-error @+1 {{'graph.self_attention' op position dim 0: expected 1, got 2}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      position(%pos)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>, tensor<2xi64>)
      -> (tensor<2x8x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: the new caches have the incoming caches' capacity.
func.func @sa_new_k_cache_capacity(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %kc: tensor<2x16x2x16xf32>, %vc: tensor<2x16x2x16xf32>) {
  // expected-error @+1 {{'graph.self_attention' op new k_cache dim 1: expected 16, got 24}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>, tensor<2x16x2x16xf32>, tensor<2x16x2x16xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x24x2x16xf32>, tensor<2x16x2x16xf32>)
  return
}

// -----

// graph.self_attention: the new k cache is [batch, capacity, kv_heads, head_dim].
func.func @sa_new_k_cache_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op new k_cache must have rank 4, got 3}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x8x32xf32>, tensor<2x8x2x16xf32>)
  return
}

// -----

// graph.self_attention: without caches the new k cache holds seq positions.
func.func @sa_new_k_cache_len(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op new k_cache dim 1: expected 8, got 13}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x13x2x16xf32>, tensor<2x8x2x16xf32>)
  return
}

// -----

// graph.self_attention: the new v cache is [batch, capacity, kv_heads, head_dim].
func.func @sa_new_v_cache_rank(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op new v_cache must have rank 4, got 5}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16x1xf32>)
  return
}

// -----

// graph.self_attention: the new v cache has num_kv_heads heads.
func.func @sa_new_v_cache_heads(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op new v_cache dim 2: expected 2, got 4}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x64xf32>, tensor<2x8x2x16xf32>, tensor<2x8x4x16xf32>)
  return
}

// -----

// graph.self_attention: the result type is the input type.
func.func @sa_result_type(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>,
    %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>) {
  // expected-error @+1 {{'graph.self_attention' op result type must equal the input type 'tensor<2x8x64xf32>', got 'tensor<2x8x32xf32>'}}
  %r0, %r1, %r2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x8x32xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>)
  return
}

// -----

// graph.mlp: only relu2 is supported.
func.func @mlp_activation(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op unsupported activation 'gelu', expected 'relu2'}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      {activation = "gelu"}
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: a rank-0 input has no hidden dimension (used to crash).
func.func @mlp_rank0(%x: tensor<f32>, %wu: tensor<128x64xf32>, %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op input must have rank at least 1, got 0}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<f32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<f32>
  return
}

// -----

// graph.mlp: up_proj must be 2-D [intermediate, hidden].
func.func @mlp_up_rank(%x: tensor<2x8x64xf32>, %wu: tensor<128xf32>, %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op up_proj must have rank 2, got 1}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128xf32>, tensor<64x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: up_proj columns = hidden.
func.func @mlp_up_cols(%x: tensor<2x8x64xf32>, %wu: tensor<128x32xf32>,
    %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op up_proj columns: expected 64, got 32}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x32xf32>, tensor<64x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: down_proj must be 2-D [hidden, intermediate].
func.func @mlp_down_rank(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>, %wd: tensor<64xf32>) {
  // expected-error @+1 {{'graph.mlp' op down_proj must have rank 2, got 1}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: down_proj rows = hidden.
func.func @mlp_down_rows(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<128x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op down_proj rows: expected 64, got 128}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: down_proj columns = up_proj rows.
func.func @mlp_down_cols(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x256xf32>) {
  // expected-error @+1 {{'graph.mlp' op down_proj columns: expected 128, got 256}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x256xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: up bias size = intermediate.
func.func @mlp_up_bias(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>, %bu: tensor<64xf32>,
    %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op up bias size: expected 128, got 64}}
  %r0 = graph.mlp %x up(%wu) up_bias(%bu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64xf32>,
         tensor<64x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: down bias must be 1-D.
func.func @mlp_down_bias(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x128xf32>, %bd: tensor<1x64xf32>) {
  // expected-error @+1 {{'graph.mlp' op down bias must have rank 1, got 2}}
  %r0 = graph.mlp %x up(%wu) down(%wd) down_bias(%bd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>,
         tensor<1x64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: down bias size = hidden.
func.func @mlp_down_bias_size(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x128xf32>, %bd: tensor<128xf32>) {
  // expected-error @+1 {{'graph.mlp' op down bias size: expected 64, got 128}}
  %r0 = graph.mlp %x up(%wu) down(%wd) down_bias(%bd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>,
         tensor<128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// graph.mlp: the result type is the input type.
func.func @mlp_result_type(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op result type must equal the input type 'tensor<2x8x64xf32>', got 'tensor<2x8x128xf32>'}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// graph.lm_head: a rank-0 input has no hidden dimension (used to crash).
func.func @lm_head_rank0(%x: tensor<f32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op input must have rank at least 1, got 0}}
  %r0 = graph.lm_head %x, %w
      : (tensor<f32>, tensor<256x64xf32>) -> tensor<256xf32>
  return
}

// -----

// graph.lm_head: last_position needs a positions dimension.
func.func @lm_head_last_rank1(%x: tensor<64xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op last_position needs an input of rank >= 2 ([..., positions, hidden]), got rank 1}}
  %r0 = graph.lm_head %x, %w {last_position}
      : (tensor<64xf32>, tensor<256x64xf32>) -> tensor<256xf32>
  return
}

// -----

// graph.lm_head: with last_position the result has one position.
func.func @lm_head_last_shape(%x: tensor<2x8x64xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op result}}
  %r0 = graph.lm_head %x, %w {last_position}
      : (tensor<2x8x64xf32>, tensor<256x64xf32>) -> tensor<2x8x256xf32>
  return
}

// -----

// graph.lm_head: weight must be 2-D [vocab, hidden].
func.func @lm_head_weight_rank(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op weight must have rank 2, got 1}}
  %r0 = graph.lm_head %x, %w
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x256xf32>
  return
}

// -----

// graph.lm_head: weight columns = hidden.
func.func @lm_head_weight_hidden(%x: tensor<2x8x64xf32>, %w: tensor<256x32xf32>) {
  // expected-error @+1 {{'graph.lm_head' op weight hidden size: expected 64, got 32}}
  %r0 = graph.lm_head %x, %w
      : (tensor<2x8x64xf32>, tensor<256x32xf32>) -> tensor<2x8x256xf32>
  return
}

// -----

// graph.lm_head: logits are f32.
func.func @lm_head_f32(%x: tensor<2x8x64xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op logits must be f32, got 'bf16'}}
  %r0 = graph.lm_head %x, %w
      : (tensor<2x8x64xf32>, tensor<256x64xf32>) -> tensor<2x8x256xbf16>
  return
}

// -----

// graph.lm_head: result rank = input rank.
func.func @lm_head_result_rank(%x: tensor<2x8x64xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op result must have rank 3, got 2}}
  %r0 = graph.lm_head %x, %w
      : (tensor<2x8x64xf32>, tensor<256x64xf32>) -> tensor<16x256xf32>
  return
}

// -----

// graph.lm_head: result last dim = vocab.
func.func @lm_head_result_vocab(%x: tensor<2x8x64xf32>, %w: tensor<256x64xf32>) {
  // expected-error @+1 {{'graph.lm_head' op result dim 2: expected 256, got 128}}
  %r0 = graph.lm_head %x, %w
      : (tensor<2x8x64xf32>, tensor<256x64xf32>) -> tensor<2x8x128xf32>
  return
}

// -----

// ODS: rmsnorm takes float tensors only (an i32 input).
func.func @ods_rmsnorm_i32(%x: tensor<2x8x64xi32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<2x8x64xi32>'}}
  %r0 = graph.rmsnorm %x, %w
      {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x64xi32>, tensor<64xf32>) -> tensor<2x8x64xi32>
  return
}

// -----

// ODS: rmsnorm takes ranked tensors only.
func.func @ods_rmsnorm_unranked(%x: tensor<*xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<*xf32>'}}
  %r0 = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<*xf32>, tensor<64xf32>) -> tensor<*xf32>
  return
}

// -----

// ODS: epsilon is a required attribute.
func.func @ods_rmsnorm_no_epsilon(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'graph.rmsnorm' op requires attribute 'epsilon'}}
  %r0 = graph.rmsnorm %x, %w
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// ODS: epsilon must be an f64 attribute.
func.func @ods_rmsnorm_epsilon_type(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{custom op 'graph.rmsnorm' 'graph.rmsnorm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute}}
  %r0 = graph.rmsnorm %x, %w {epsilon = 1 : i64}
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// ODS: embedding ids must be i32 or i64.
func.func @ods_embedding_float_ids(%table: tensor<256x64xf32>, %ids: tensor<2x8xf32>) {
  // expected-error @+1 {{'graph.embedding' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2x8xf32>'}}
  %r0 = graph.embedding %table, %ids
      : (tensor<256x64xf32>, tensor<2x8xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// ODS: linear results are float tensors.
func.func @ods_linear_int_result(%x: tensor<2x8x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op result #0 must be ranked tensor of floating-point values, but got 'tensor<2x8x128xi32>'}}
  %r0 = graph.linear %x, %w
      : (tensor<2x8x64xf32>, tensor<128x64xf32>) -> tensor<2x8x128xi32>
  return
}

// -----

// ODS: weights are float tensors.
func.func @ods_weight_int() {
  // expected-error @+1 {{'graph.weight' op result #0 must be ranked tensor of floating-point values, but got 'tensor<4xi8>'}}
  %w = graph.weight "a" : tensor<4xi8>
  return
}

// -----

// ODS: causal_conv1d takes tensors, not memrefs.
func.func @ods_conv_memref(%x: memref<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{'graph.causal_conv1d' op operand #0 must be ranked tensor of floating-point values, but got 'memref<2x8x160xf32>'}}
  %r0, %r1 = graph.causal_conv1d %x, %w
      {silu}
      : (memref<2x8x160xf32>, tensor<160x4xf32>)
      -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// ODS: chunk_size must be an i64 attribute.
func.func @ods_ssd_chunk_size_type(%x: tensor<2x8x8x16xf32>, %dt: tensor<2x8x8xf32>,
    %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %B: tensor<2x8x2x16xf32>,
    %C: tensor<2x8x2x16xf32>, %D: tensor<8xf32>) {
  // expected-error @+2 {{custom op 'graph.ssd_scan' 'graph.ssd_scan' op attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute}}
  %r0, %r1 = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128.0 : f64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x8x8x16xf32>, tensor<2x8x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>, tensor<8xf32>)
      -> (tensor<2x8x8x16xf32>, tensor<2x8x16x16xf32>)
  return
}

// -----

// ODS: scale is a required attribute.
func.func @ods_attention_no_scale(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x2x16xf32>,
    %v: tensor<2x8x2x16xf32>) {
  // expected-error @+1 {{'graph.attention' op requires attribute 'scale'}}
  %r0 = graph.attention %q, %k, %v
      {causal}
      : (tensor<2x8x4x16xf32>, tensor<2x8x2x16xf32>,
         tensor<2x8x2x16xf32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

// ODS: activation must be a string attribute.
func.func @ods_mlp_activation_type(%x: tensor<2x8x64xf32>, %wu: tensor<128x64xf32>,
    %wd: tensor<64x128xf32>) {
  // expected-error @+2 {{custom op 'graph.mlp' 'graph.mlp' op attribute 'activation' failed to satisfy constraint: string attribute}}
  %r0 = graph.mlp %x up(%wu) down(%wd)
      {activation = 2 : i64}
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x8x64xf32>
  return
}

// -----

// ODS: residual_add takes float tensors.
func.func @ods_residual_add_int(%a: tensor<4xi32>) {
  // expected-error @+1 {{'graph.residual_add' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %r0 = graph.residual_add %a, %a
      : tensor<4xi32>
  return
}

// -----

// ODS: residual_add operands and result have one type (generic form).
func.func @ods_residual_add_types(%a: tensor<4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'graph.residual_add' op requires the same type for all operands and results}}
  %r0 = "graph.residual_add"(%a, %b)
      : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32>
  return
}

// -----

// ODS: operandSegmentSizes must add up to the operand count (generic form).
func.func @ods_mlp_segments(%x: tensor<2x64xf32>, %u: tensor<128x64xf32>, %d: tensor<64x128xf32>) {
  // expected-error @+1 {{'graph.mlp' op operand count (3) does not match with the total size (4) specified in attribute 'operandSegmentSizes'}}
  %r0 = "graph.mlp"(%x, %u, %d) <{activation = "relu2", operandSegmentSizes = array<i32: 1, 1, 0, 1, 1>}>
      : (tensor<2x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x64xf32>
  return
}

// -----

// ODS: an optional operand holds at most one value (generic form).
func.func @ods_linear_two_biases(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op operand group starting at #2 requires 0 or 1 element, but found 2}}
  %r0 = "graph.linear"(%x, %w, %w, %w)
      : (tensor<2x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>) -> tensor<2x128xf32>
  return
}

// -----

// graph.moe: the router reads hidden-size tokens.
func.func @moe_router_cols(%a0: tensor<?x?x64xf32>, %a1: tensor<8x32xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op router columns: expected 64, got 32}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x32xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: one correction bias per expert.
func.func @moe_bias_size(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<4xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op router_bias size: expected 8, got 4}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<4xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: experts_up stacks E experts.
func.func @moe_up_experts(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<6x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op experts_up dim 0: expected 8, got 6}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<6x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: experts_down is [E, L, I].
func.func @moe_down_shape(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x16xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op experts_down dim 2: expected 32, got 16}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x16xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: the shared expert maps back to hidden.
func.func @moe_shared_down(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<60x96xf32>) {
  // expected-error @+1 {{'graph.moe' op shared_down rows: expected 64, got 60}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<60x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: shared biases match their widths.
func.func @moe_shared_bias(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>, %a7: tensor<64xf32>) {
  // expected-error @+1 {{'graph.moe' op shared_up bias size: expected 96, got 64}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) shared_up_bias(%a7) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: latent projections come in pairs.
func.func @moe_latent_pair(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>, %a7: tensor<16x64xf32>) {
  // expected-error @+1 {{'graph.moe' op latent_fc1 and latent_fc2 must be given together}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) latent_fc1(%a7) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>, tensor<16x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: with a latent projection the experts see its width.
func.func @moe_latent_width(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>, %a7: tensor<16x64xf32>, %a8: tensor<64x16xf32>) {
  // expected-error @+1 {{'graph.moe' op experts_up dim 2: expected 16, got 64}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) latent_fc1(%a7) latent_fc2(%a8) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>, tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: latent_fc2 is [hidden, L].
func.func @moe_latent_fc2(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x16xf32>, %a4: tensor<8x16x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>, %a7: tensor<16x64xf32>, %a8: tensor<16x64xf32>) {
  // expected-error @+1 {{'graph.moe' op latent_fc2 rows: expected 64, got 16}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) latent_fc1(%a7) latent_fc2(%a8) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x16xf32>, tensor<8x16x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: top_k is positive.
func.func @moe_top_k_zero(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op top_k must be positive, got 0}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 0 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: group counts are positive.
func.func @moe_groups_zero(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op n_group and topk_group must be positive, got 0 and 1}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64, n_group = 0 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: topk_group <= n_group.
func.func @moe_topk_group(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op topk_group must not exceed n_group: 4 > 2}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64, n_group = 2 : i64, topk_group = 4 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: top_k <= experts.
func.func @moe_top_k_experts(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op top_k must not exceed the 8 experts, got 9}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 9 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: n_group splits the experts in groups of >= 2.
func.func @moe_n_group_split(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op n_group must split the 8 experts into groups of at least 2, got 3}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64, n_group = 3 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: top_k fits the kept groups.
func.func @moe_top_k_groups(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op top_k 5 exceeds the 4 experts of the topk_group kept groups}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 5 : i64, n_group = 2 : i64, topk_group = 1 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: the scaling factor is finite.
func.func @moe_scale_inf(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op routed_scaling_factor must be finite, got inf}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64, routed_scaling_factor = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

// graph.moe: the result has the input's type.
func.func @moe_result(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>) {
  // expected-error @+1 {{'graph.moe' op result type must equal the input type 'tensor<?x?x64xf32>', got 'tensor<?x?x32xf32>'}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

// graph.moe: a latent bias needs its projection.
func.func @moe_bias_without_latent(%a0: tensor<?x?x64xf32>, %a1: tensor<8x64xf32>, %a2: tensor<8xf32>, %a3: tensor<8x32x64xf32>, %a4: tensor<8x64x32xf32>, %a5: tensor<96x64xf32>, %a6: tensor<64x96xf32>, %a7: tensor<16xf32>) {
  // expected-error @+1 {{'graph.moe' op a latent projection bias needs its latent projection}}
  %y = graph.moe %a0 router(%a1, %a2) experts(%a3, %a4) shared(%a5, %a6) latent_fc1_bias(%a7) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return
}
