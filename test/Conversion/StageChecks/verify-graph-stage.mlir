// RUN: tessera-opt %s -split-input-file --tessera-verify-graph-stage -verify-diagnostics | FileCheck %s

// tessera-verify-graph-stage accepts modules of graph ops, func.func,
// func.return, and leaves them unchanged; on anything
// else it reports the first op that does not belong and fails.

// A decoder layer (M, then *, then -) in pure Graph-IR, with weights.
// CHECK-LABEL: func.func @layer(
// CHECK-SAME:    %[[IDS:[a-z0-9_]+]]: tensor<?x?xi64>)
// CHECK:         %[[EMB:.*]] = graph.weight "embedding" : tensor<256x64xf32>
// CHECK:         %[[H0:.*]] = graph.embedding %[[EMB]], %[[IDS]]
// CHECK:         %[[N0:.*]] = graph.rmsnorm %[[H0]]
// CHECK:         %[[MIX:.*]], %{{.*}}, %{{.*}} = graph.mamba2_mixer %[[N0]]
// CHECK:         %[[H1:.*]] = graph.residual_add %[[H0]], %[[MIX]]
// CHECK:         %[[ATT:.*]], %{{.*}}, %{{.*}} = graph.self_attention %[[H1]]
// CHECK:         %[[H2:.*]] = graph.residual_add %[[H1]], %[[ATT]]
// CHECK:         %[[MLP:.*]] = graph.mlp %[[H2]]
// CHECK:         %[[H3:.*]] = graph.residual_add %[[H2]], %[[MLP]]
// CHECK:         %[[LOGITS:.*]] = graph.lm_head %[[H3]]
// CHECK:         return %[[LOGITS]]
func.func @layer(%ids: tensor<?x?xi64>) -> tensor<?x?x256xf32> {
  %emb = graph.weight "embedding" : tensor<256x64xf32>
  %h0 = graph.embedding %emb, %ids : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %nw = graph.weight "layers.0.norm.weight" : tensor<64xf32>
  %n0 = graph.rmsnorm %h0, %nw {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %w_in = graph.weight "layers.0.mixer.in_proj.weight" : tensor<328x64xf32>
  %w_conv = graph.weight "layers.0.mixer.conv1d.weight" : tensor<192x4xf32>
  %b_conv = graph.weight "layers.0.mixer.conv1d.bias" : tensor<192xf32>
  %dtb = graph.weight "layers.0.mixer.dt_bias" : tensor<8xf32>
  %alog = graph.weight "layers.0.mixer.A_log" : tensor<8xf32>
  %d = graph.weight "layers.0.mixer.D" : tensor<8xf32>
  %w_norm = graph.weight "layers.0.mixer.norm.weight" : tensor<128xf32>
  %w_out = graph.weight "layers.0.mixer.out_proj.weight" : tensor<64x128xf32>
  %mix, %cs, %ss = graph.mamba2_mixer %n0 in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  %h1 = graph.residual_add %h0, %mix : tensor<?x?x64xf32>
  %wq = graph.weight "layers.1.mixer.q_proj.weight" : tensor<64x64xf32>
  %wk = graph.weight "layers.1.mixer.k_proj.weight" : tensor<32x64xf32>
  %wv = graph.weight "layers.1.mixer.v_proj.weight" : tensor<32x64xf32>
  %wo = graph.weight "layers.1.mixer.o_proj.weight" : tensor<64x64xf32>
  %att, %kc, %vc = graph.self_attention %h1 q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
  %h2 = graph.residual_add %h1, %att : tensor<?x?x64xf32>
  %wu = graph.weight "layers.2.mixer.up_proj.weight" : tensor<128x64xf32>
  %wd = graph.weight "layers.2.mixer.down_proj.weight" : tensor<64x128xf32>
  %mlp = graph.mlp %h2 up(%wu) down(%wd)
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
  %h3 = graph.residual_add %h2, %mlp : tensor<?x?x64xf32>
  %lm = graph.weight "lm_head.weight" : tensor<256x64xf32>
  %logits = graph.lm_head %h3, %lm : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  return %logits : tensor<?x?x256xf32>
}

// -----

// Empty functions, private declarations and several functions are fine.
// CHECK-LABEL: func.func @empty()
// CHECK:         return
// CHECK-LABEL: func.func private @declared(tensor<4xf32>) -> tensor<4xf32>
// CHECK-LABEL: func.func @residual(
// CHECK:         graph.residual_add
func.func @empty() {
  return
}
func.func private @declared(tensor<4xf32>) -> tensor<4xf32>
func.func @residual(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.residual_add %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A tensor op is Tile-IR material, not Graph-IR. (Foreign ops with regions,
// e.g. linalg.matmul, are in verify-graph-stage-region-ops.mlir.)
func.func @tensor_empty() -> tensor<8x128xf32> {
  // expected-error @+1 {{'tensor.empty' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %0 = tensor.empty() : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}

// -----

// A tensor op between graph ops.
func.func @tensor_op(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %0 = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  // expected-error @+1 {{'tensor.cast' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %1 = tensor.cast %0 : tensor<?x?x64xf32> to tensor<2x?x64xf32>
  %2 = tensor.cast %1 : tensor<2x?x64xf32> to tensor<?x?x64xf32>
  return %2 : tensor<?x?x64xf32>
}

// -----

// arith ops, constants included, are not Graph-IR (none has a Tile-IR lowering).
func.func @arith_constant(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'arith.constant' is not part of Graph-IR: convert-graph-to-tile expects only graph ops and func.func/func.return}}
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %0 = graph.residual_add %a, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Only the first offending op is reported (the second has no diagnostic),
// and a later function is not looked at.
func.func @first_only(%a: tensor<4xf32>, %f: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'tensor.splat' is not part of Graph-IR}}
  %0 = tensor.splat %f : tensor<4xf32>
  %1 = math.exp %a : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func @later(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = math.exp %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
