// RUN: tessera-opt %s | FileCheck %s

// The examples of the op descriptions in
// include/tessera/Dialect/Graph/IR/GraphOps.td, pasted verbatim, each in a
// function that defines its operands: the documentation must parse and
// verify. Keep this file in step with the .td.

// CHECK-LABEL: func.func @weight_example(
// CHECK: graph.weight
func.func @weight_example() {
  %w = graph.weight "layers.0.mlp.up_proj" : tensor<128x64xf32>
  return
}

// CHECK-LABEL: func.func @embedding_example(
// CHECK: graph.embedding
func.func @embedding_example(%table: tensor<256x64xf32>, %ids: tensor<?x?xi64>) {
  %h = graph.embedding %table, %ids
      : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  return
}

// CHECK-LABEL: func.func @rmsnorm_example(
// CHECK: graph.rmsnorm
func.func @rmsnorm_example(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) {
  %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return
}

// CHECK-LABEL: func.func @linear_example(
// CHECK: graph.linear
func.func @linear_example(%x: tensor<?x?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf32>) {
  %y = graph.linear %x, %w : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  %z = graph.linear %x, %w bias(%b)
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// CHECK-LABEL: func.func @residual_add_example(
// CHECK: graph.residual_add
func.func @residual_add_example(%h0: tensor<?x?x64xf32>, %mix: tensor<?x?x64xf32>) {
  %h1 = graph.residual_add %h0, %mix : tensor<?x?x64xf32>
  return
}

// CHECK-LABEL: func.func @gated_rmsnorm_example(
// CHECK: graph.gated_rmsnorm
func.func @gated_rmsnorm_example(%y: tensor<?x?x128xf32>, %z: tensor<?x?x128xf32>, %w: tensor<128xf32>) {
  %o = graph.gated_rmsnorm %y, %z, %w {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  return
}

// CHECK-LABEL: func.func @causal_conv1d_example(
// CHECK: graph.causal_conv1d
func.func @causal_conv1d_example(%x: tensor<?x?x160xf32>, %w: tensor<160x4xf32>, %b: tensor<160xf32>) {
  %y, %s = graph.causal_conv1d %x, %w bias(%b) {silu}
      : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  return
}

// CHECK-LABEL: func.func @ssd_scan_example(
// CHECK: graph.ssd_scan
func.func @ssd_scan_example(%x: tensor<?x?x8x16xf32>, %dt: tensor<?x?x8xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>,
    %B: tensor<?x?x2x16xf32>, %C: tensor<?x?x2x16xf32>, %D: tensor<8xf32>) {
  %y, %st = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>)
      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
  return
}

// CHECK-LABEL: func.func @mamba2_mixer_example(
// CHECK: graph.mamba2_mixer
func.func @mamba2_mixer_example(%x: tensor<?x?x64xf32>, %w_in: tensor<328x64xf32>, %w_conv: tensor<192x4xf32>,
    %b_conv: tensor<192xf32>, %dtb: tensor<8xf32>, %alog: tensor<8xf32>, %d: tensor<8xf32>,
    %w_norm: tensor<128xf32>, %w_out: tensor<64x128xf32>) {
  %y, %cs, %ss = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64,
       state_size = 16 : i64, chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  return
}

// CHECK-LABEL: func.func @attention_example(
// CHECK: graph.attention
func.func @attention_example(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>) {
  %o = graph.attention %q, %k, %v {causal, scale = 0.25 : f64}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

// CHECK-LABEL: func.func @self_attention_example(
// CHECK: graph.self_attention
func.func @self_attention_example(%x: tensor<?x1x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>,
    %pos: tensor<1xi64>) {
    %y, %kc, %vc = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
        k_cache(%k) v_cache(%v) position(%pos)
        {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
        : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
           tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<1xi64>)
        -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  return
}

// CHECK-LABEL: func.func @mlp_example(
// CHECK: graph.mlp
func.func @mlp_example(%x: tensor<?x?x64xf32>, %wu: tensor<128x64xf32>, %wd: tensor<64x128xf32>) {
  %y = graph.mlp %x up(%wu) down(%wd) {activation = "relu2"}
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
  return
}

// CHECK-LABEL: func.func @lm_head_example(
// CHECK: graph.lm_head
func.func @lm_head_example(%h: tensor<?x?x64xf32>, %w: tensor<256x64xf32>) {
  %logits = graph.lm_head %h, %w : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  // CHECK: graph.lm_head {{.*}} {last_position}
  %last = graph.lm_head %h, %w {last_position} : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x1x256xf32>
  return
}

// CHECK-LABEL: func.func @moe_example(
// CHECK: graph.moe
func.func @moe_example(%x: tensor<?x?x64xf32>, %wr: tensor<8x64xf32>, %wb: tensor<8xf32>,
                       %up: tensor<8x32x64xf32>, %down: tensor<8x64x32xf32>,
                       %su: tensor<96x64xf32>, %sd: tensor<64x96xf32>) {
    %y = graph.moe %x router(%wr, %wb) experts(%up, %down) shared(%su, %sd)
        {top_k = 2 : i64, n_group = 2 : i64, topk_group = 1 : i64,
         norm_topk_prob = true, routed_scaling_factor = 2.5 : f64}
        : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>,
           tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return
}
