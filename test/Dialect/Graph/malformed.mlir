// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Malformed Graph-IR text: each block must give a diagnostic at the right
// place (never a crash, never silent acceptance). Verifier errors of
// well-formed ops are in invalid.mlir.

// Operands of graph.linear are separated by a comma.
func.func @linear_missing_comma(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{expected ','}}
  %y = graph.linear %x %w : (tensor<2x64xf32>, tensor<128x64xf32>) -> tensor<2x128xf32>
  return
}

// -----

// graph.linear takes a functional type, not the result type alone.
func.func @linear_not_functional_type(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{custom op 'graph.linear' invalid kind of type specified: expected builtin.function, but found 'tensor<2x128xf32>'}}
  %y = graph.linear %x, %w : tensor<2x128xf32>
  return
}

// -----

// One operand type per operand.
func.func @linear_type_count(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{custom op 'graph.linear' number of operands and types do not match: got 2 operands and 1 types}}
  %y = graph.linear %x, %w : (tensor<2x64xf32>) -> tensor<2x128xf32>
  return
}

// -----

// A bias given without its operand type.
func.func @linear_bias_type_missing(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{custom op 'graph.linear' number of operands and types do not match: got 3 operands and 2 types}}
  %y = graph.linear %x, %w bias(%b) : (tensor<2x64xf32>, tensor<128x64xf32>) -> tensor<2x128xf32>
  return
}

// -----

// The bias keyword takes its operand in parentheses.
func.func @linear_bias_no_parens(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{expected '('}}
  %y = graph.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x128xf32>
  return
}

// -----

// An unknown keyword where the optional bias could be.
func.func @linear_unknown_keyword(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{expected ':'}}
  %y = graph.linear %x, %w scale(%b) : (tensor<2x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x128xf32>
  return
}

// -----

// Optional operand groups come in the order of the format: bias before state.
func.func @conv_state_before_bias(%x: tensor<?x?x160xf32>, %w: tensor<160x4xf32>,
                                  %b: tensor<160xf32>, %s: tensor<?x160x3xf32>) {
  // expected-error @+1 {{expected ':'}}
  %y, %f = graph.causal_conv1d %x, %w state(%s) bias(%b)
      : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<?x160x3xf32>, tensor<160xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  return
}

// -----

// graph.causal_conv1d has two results.
func.func @conv_one_result_name(%x: tensor<?x?x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{operation defines 2 results but was provided 1 to bind}}
  %y = graph.causal_conv1d %x, %w
      : (tensor<?x?x160xf32>, tensor<160x4xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  return
}

// -----

// graph.mamba2_mixer keywords in a different order than the format's.
func.func @mixer_keyword_order(%x: tensor<?x?x64xf32>, %w_in: tensor<328x64xf32>,
                               %w_conv: tensor<192x4xf32>, %h: tensor<8xf32>,
                               %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  // expected-error @+1 {{expected 'in_proj'}}
  %y, %c, %s = graph.mamba2_mixer %x conv(%w_conv) in_proj(%w_in)
      dt_bias(%h) A_log(%h) D(%h) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : (tensor<?x?x64xf32>, tensor<192x4xf32>, tensor<328x64xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  return
}

// -----

// graph.mamba2_mixer without its required norm(...) operand.
func.func @mixer_missing_norm(%x: tensor<?x?x64xf32>, %w_in: tensor<328x64xf32>,
                              %w_conv: tensor<192x4xf32>, %h: tensor<8xf32>,
                              %w_out: tensor<64x128xf32>) {
  %y, %c, %s = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv)
      // expected-error @+1 {{expected 'norm'}}
      dt_bias(%h) A_log(%h) D(%h) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  return
}

// -----

// graph.self_attention: the caches come after o_proj.
func.func @self_attention_cache_first(%x: tensor<?x?x64xf32>, %wq: tensor<64x64xf32>,
                                      %wk: tensor<32x64xf32>, %kc: tensor<?x2x?x16xf32>) {
  // expected-error @+1 {{expected 'o_proj'}}
  %y, %k, %v = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wk) k_cache(%kc) v_cache(%kc) o_proj(%wq)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<64x64xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
  return
}

// -----

// graph.mlp: up_bias belongs after up(...).
func.func @mlp_bias_first(%x: tensor<2x64xf32>, %wu: tensor<128x64xf32>, %bu: tensor<128xf32>,
                          %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{expected 'up'}}
  %y = graph.mlp %x up_bias(%bu) up(%wu) down(%wd)
      : (tensor<2x64xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x64xf32>
  return
}

// -----

// graph.weight needs a name.
func.func @weight_no_name() {
  // expected-error @+1 {{expected attribute value}}
  %w = graph.weight : tensor<4xf32>
  return
}

// -----

// The name of graph.weight is a string, not an integer.
func.func @weight_integer_name() {
  // expected-error @+1 {{integer literal not valid for specified type}}
  %w = graph.weight 5 : tensor<4xf32>
  return
}

// -----

// graph.weight needs its result type.
func.func @weight_no_type() {
  // expected-error @+1 {{expected ':'}}
  %w = graph.weight "a"
  return
}

// -----

// graph.residual_add takes the one type of operands and result.
func.func @residual_add_functional_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'graph.residual_add' invalid kind of type specified: expected builtin.tensor, but found '(tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>'}}
  %0 = graph.residual_add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// An op that Graph-IR does not have.
func.func @unknown_op(%a: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'graph.fused_block' is unknown}}
  %0 = graph.fused_block %a : tensor<4xf32>
  return
}

// -----

// An attribute without a value.
func.func @attr_without_value(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected attribute value}}
  %n = graph.rmsnorm %x, %w {epsilon = } : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// An attribute given twice.
func.func @attr_twice(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{duplicate key 'epsilon' in dictionary attribute}}
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64, epsilon = 1.0e-06 : f64} : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// An operand that is not defined.
func.func @undefined_operand(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{use of undeclared SSA value name}}
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// An operand type that contradicts the value's type.
// expected-note @+1 {{prior use here}}
func.func @operand_type_mismatch(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{use of value '%w' expects different type than prior uses: 'tensor<64x64xf32>' vs 'tensor<64xf32>'}}
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// A truncated tensor type.
func.func @truncated_type(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected '>' in tensor type}}
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x?xf32
  return
}

// -----

// Generic form: operandSegmentSizes with the wrong number of segments.
func.func @generic_segment_count(%x: tensor<2x64xf32>, %u: tensor<128x64xf32>, %d: tensor<64x128xf32>) {
  // expected-error @+1 {{invalid properties {activation = "relu2", operandSegmentSizes = array<i32: 1, 1, 0, 1>} for op graph.mlp: size mismatch in attribute conversion: 4 vs 5}}
  %y = "graph.mlp"(%x, %u, %d) <{activation = "relu2", operandSegmentSizes = array<i32: 1, 1, 0, 1>}>
      : (tensor<2x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<2x64xf32>
  return
}

// -----

// Generic form: a unit attribute given a value.
func.func @generic_bad_unit_attr(%x: tensor<2x8x160xf32>, %w: tensor<160x4xf32>) {
  // expected-error @+1 {{Invalid attribute `silu` in property conversion: 3 : i64}}
  %y:2 = "graph.causal_conv1d"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>, silu = 3 : i64}>
      : (tensor<2x8x160xf32>, tensor<160x4xf32>) -> (tensor<2x8x160xf32>, tensor<2x160x3xf32>)
  return
}

// -----

// Generic form: graph.linear with one result too many.
func.func @generic_extra_result(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'graph.linear' op requires one result}}
  %y:2 = "graph.linear"(%x, %w) : (tensor<2x64xf32>, tensor<128x64xf32>) -> (tensor<2x128xf32>, tensor<2x128xf32>)
  return
}

// -----

// Generic form: graph.linear with its weight missing.
func.func @generic_missing_operand(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'graph.linear' op expected 2 or more operands, but found 1}}
  %y = "graph.linear"(%x) : (tensor<2x64xf32>) -> tensor<2x128xf32>
  return
}

// -----

// Input that ends in the middle of an op: the error is at the end of the
// input, which is the end of the comment line below.
func.func @truncated_input(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64} :
// expected-error {{expected non-function type}}
