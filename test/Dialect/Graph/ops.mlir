// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every Graph-IR op through the custom and the generic form:
// every optional operand, present and absent (and present alone, so that a
// wrong operandSegmentSizes would show), static and dynamic shapes, and
// `dt_max = inf`. Argument captures use [a-z0-9_]+ so that they cannot run
// over a comma into the next argument.

// CHECK-LABEL: func.func @weight()
// CHECK:         %[[W0:.*]] = graph.weight "layers.0.mlp.up_proj" : tensor<128x64xf32>
// CHECK:         %[[W1:.*]] = graph.weight "layers.0.norm.weight" : tensor<64xbf16>
// CHECK:         %[[W2:.*]] = graph.weight "a/b.c"
// CHECK-SAME:      {note = "extra"} : tensor<2x3x4xf16>
// CHECK:         return %[[W0]], %[[W1]], %[[W2]]
func.func @weight() -> (tensor<128x64xf32>, tensor<64xbf16>, tensor<2x3x4xf16>) {
  %0 = graph.weight "layers.0.mlp.up_proj" : tensor<128x64xf32>
  %1 = graph.weight "layers.0.norm.weight" : tensor<64xbf16>
  %2 = graph.weight "a/b.c" {note = "extra"} : tensor<2x3x4xf16>
  return %0, %1, %2 : tensor<128x64xf32>, tensor<64xbf16>, tensor<2x3x4xf16>
}

// CHECK-LABEL: func.func @embedding(
// CHECK-SAME:    %[[T:[a-z0-9_]+]]: tensor<256x64xf32>, %[[IDS:[a-z0-9_]+]]: tensor<?x?xi64>,
// CHECK-SAME:    %[[IDS32:[a-z0-9_]+]]: tensor<2x8xi32>, %[[IDS1:[a-z0-9_]+]]: tensor<5xi64>)
// CHECK:         %[[E0:.*]] = graph.embedding %[[T]], %[[IDS]] : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
// CHECK:         %[[E1:.*]] = graph.embedding %[[T]], %[[IDS32]] : (tensor<256x64xf32>, tensor<2x8xi32>) -> tensor<2x8x64xf32>
// CHECK:         %[[E2:.*]] = graph.embedding %[[T]], %[[IDS1]] : (tensor<256x64xf32>, tensor<5xi64>) -> tensor<5x64xf32>
// CHECK:         return %[[E0]], %[[E1]], %[[E2]]
func.func @embedding(%table: tensor<256x64xf32>, %ids: tensor<?x?xi64>,
                     %ids32: tensor<2x8xi32>, %ids1: tensor<5xi64>)
    -> (tensor<?x?x64xf32>, tensor<2x8x64xf32>, tensor<5x64xf32>) {
  %0 = graph.embedding %table, %ids : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %1 = graph.embedding %table, %ids32 : (tensor<256x64xf32>, tensor<2x8xi32>) -> tensor<2x8x64xf32>
  %2 = graph.embedding %table, %ids1 : (tensor<256x64xf32>, tensor<5xi64>) -> tensor<5x64xf32>
  return %0, %1, %2 : tensor<?x?x64xf32>, tensor<2x8x64xf32>, tensor<5x64xf32>
}

// CHECK-LABEL: func.func @rmsnorm(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[XS:[a-z0-9_]+]]: tensor<2x8x64xbf16>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: tensor<64xf32>, %[[WD:[a-z0-9_]+]]: tensor<?xf32>)
// CHECK:         %[[N0:.*]] = graph.rmsnorm %[[X]], %[[W]]
// CHECK-SAME:      {epsilon = 1.000000e-05 : f64}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK:         %[[N1:.*]] = graph.rmsnorm %[[XS]], %[[WD]]
// CHECK-SAME:      {epsilon = 9.9999999999999995E-7 : f64}
// CHECK-SAME:      : (tensor<2x8x64xbf16>, tensor<?xf32>) -> tensor<2x8x64xbf16>
// CHECK:         return %[[N0]], %[[N1]]
func.func @rmsnorm(%x: tensor<?x?x64xf32>, %xs: tensor<2x8x64xbf16>, %w: tensor<64xf32>,
                   %wd: tensor<?xf32>) -> (tensor<?x?x64xf32>, tensor<2x8x64xbf16>) {
  %0 = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %1 = graph.rmsnorm %xs, %wd {epsilon = 1.0e-06 : f64}
      : (tensor<2x8x64xbf16>, tensor<?xf32>) -> tensor<2x8x64xbf16>
  return %0, %1 : tensor<?x?x64xf32>, tensor<2x8x64xbf16>
}

// CHECK-LABEL: func.func @linear(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[XS:[a-z0-9_]+]]: tensor<2x8x64xf32>,
// CHECK-SAME:    %[[V:[a-z0-9_]+]]: tensor<64xf32>, %[[W:[a-z0-9_]+]]: tensor<128x64xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: tensor<128xf32>, %[[WD:[a-z0-9_]+]]: tensor<?x?xf32>)
// CHECK:         %[[L0:.*]] = graph.linear %[[X]], %[[W]] : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
// CHECK:         %[[L1:.*]] = graph.linear %[[XS]], %[[W]] bias(%[[B]]) : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
// CHECK:         %[[L2:.*]] = graph.linear %[[V]], %[[W]] bias(%[[B]]) : (tensor<64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<128xf32>
// CHECK:         %[[L3:.*]] = graph.linear %[[X]], %[[WD]] : (tensor<?x?x64xf32>, tensor<?x?xf32>) -> tensor<?x?x?xf32>
// CHECK:         return %[[L0]], %[[L1]], %[[L2]], %[[L3]]
func.func @linear(%x: tensor<?x?x64xf32>, %xs: tensor<2x8x64xf32>, %v: tensor<64xf32>,
                  %w: tensor<128x64xf32>, %b: tensor<128xf32>, %wd: tensor<?x?xf32>)
    -> (tensor<?x?x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>, tensor<?x?x?xf32>) {
  %0 = graph.linear %x, %w : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
  %1 = graph.linear %xs, %w bias(%b)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x8x128xf32>
  %2 = graph.linear %v, %w bias(%b)
      : (tensor<64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<128xf32>
  %3 = graph.linear %x, %wd : (tensor<?x?x64xf32>, tensor<?x?xf32>) -> tensor<?x?x?xf32>
  return %0, %1, %2, %3 : tensor<?x?x128xf32>, tensor<2x8x128xf32>, tensor<128xf32>, tensor<?x?x?xf32>
}

// CHECK-LABEL: func.func @residual_add(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[B:[a-z0-9_]+]]: tensor<?x?x64xf32>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: tensor<2x1x64xbf16>)
// CHECK:         %[[R0:.*]] = graph.residual_add %[[A]], %[[B]] : tensor<?x?x64xf32>
// CHECK:         %[[R1:.*]] = graph.residual_add %[[C]], %[[C]] : tensor<2x1x64xbf16>
// CHECK:         return %[[R0]], %[[R1]]
func.func @residual_add(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %c: tensor<2x1x64xbf16>)
    -> (tensor<?x?x64xf32>, tensor<2x1x64xbf16>) {
  %0 = graph.residual_add %a, %b : tensor<?x?x64xf32>
  %1 = graph.residual_add %c, %c : tensor<2x1x64xbf16>
  return %0, %1 : tensor<?x?x64xf32>, tensor<2x1x64xbf16>
}

// CHECK-LABEL: func.func @gated_rmsnorm(
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: tensor<?x?x128xf32>, %[[Z:[a-z0-9_]+]]: tensor<?x?x128xf32>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: tensor<128xf32>, %[[YS:[a-z0-9_]+]]: tensor<2x1x128xf32>)
// CHECK:         %[[G0:.*]] = graph.gated_rmsnorm %[[Y]], %[[Z]], %[[W]]
// CHECK-SAME:      {epsilon = 1.000000e-05 : f64, group_size = 64 : i64}
// CHECK-SAME:      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
// CHECK:         %[[G1:.*]] = graph.gated_rmsnorm %[[YS]], %[[YS]], %[[W]]
// CHECK-SAME:      {epsilon = 1.000000e-05 : f64, group_size = 128 : i64}
// CHECK-SAME:      : (tensor<2x1x128xf32>, tensor<2x1x128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
// CHECK:         return %[[G0]], %[[G1]]
func.func @gated_rmsnorm(%y: tensor<?x?x128xf32>, %z: tensor<?x?x128xf32>, %w: tensor<128xf32>,
                         %ys: tensor<2x1x128xf32>) -> (tensor<?x?x128xf32>, tensor<2x1x128xf32>) {
  %0 = graph.gated_rmsnorm %y, %z, %w {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
  %1 = graph.gated_rmsnorm %ys, %ys, %w {epsilon = 1.0e-05 : f64, group_size = 128 : i64}
      : (tensor<2x1x128xf32>, tensor<2x1x128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
  return %0, %1 : tensor<?x?x128xf32>, tensor<2x1x128xf32>
}

// CHECK-LABEL: func.func @causal_conv1d(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x160xf32>, %[[W:[a-z0-9_]+]]: tensor<160x4xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: tensor<160xf32>, %[[S:[a-z0-9_]+]]: tensor<?x160x3xf32>,
// CHECK-SAME:    %[[XS:[a-z0-9_]+]]: tensor<2x1x160xf32>, %[[SS:[a-z0-9_]+]]: tensor<2x160x3xf32>,
// CHECK-SAME:    %[[WD:[a-z0-9_]+]]: tensor<160x?xf32>, %[[SD:[a-z0-9_]+]]: tensor<?x?x?xf32>)
// CHECK:         %[[Y0:.*]], %[[F0:.*]] = graph.causal_conv1d %[[X]], %[[W]] :
// CHECK-SAME:      (tensor<?x?x160xf32>, tensor<160x4xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
// CHECK:         %[[Y1:.*]], %[[F1:.*]] = graph.causal_conv1d %[[X]], %[[W]] bias(%[[B]]) {silu} :
// CHECK-SAME:      (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
// CHECK:         %[[Y2:.*]], %[[F2:.*]] = graph.causal_conv1d %[[X]], %[[W]] state(%[[S]]) {silu} :
// CHECK-SAME:      (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<?x160x3xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
// CHECK:         %[[Y3:.*]], %[[F3:.*]] = graph.causal_conv1d %[[XS]], %[[W]] bias(%[[B]]) state(%[[SS]]) {silu} :
// CHECK-SAME:      (tensor<2x1x160xf32>, tensor<160x4xf32>, tensor<160xf32>, tensor<2x160x3xf32>) -> (tensor<2x1x160xf32>, tensor<2x160x3xf32>)
// CHECK:         %[[Y4:.*]], %[[F4:.*]] = graph.causal_conv1d %[[X]], %[[WD]] state(%[[SD]]) :
// CHECK-SAME:      (tensor<?x?x160xf32>, tensor<160x?xf32>, tensor<?x?x?xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x?xf32>)
// CHECK:         return %[[Y0]], %[[F1]], %[[Y2]], %[[F3]], %[[Y4]]
func.func @causal_conv1d(%x: tensor<?x?x160xf32>, %w: tensor<160x4xf32>, %b: tensor<160xf32>,
                         %s: tensor<?x160x3xf32>, %xs: tensor<2x1x160xf32>, %ss: tensor<2x160x3xf32>,
                         %wd: tensor<160x?xf32>, %sd: tensor<?x?x?xf32>)
    -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>, tensor<?x?x160xf32>, tensor<2x160x3xf32>,
        tensor<?x?x160xf32>) {
  %y0, %s0 = graph.causal_conv1d %x, %w
      : (tensor<?x?x160xf32>, tensor<160x4xf32>) -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  %y1, %s1 = graph.causal_conv1d %x, %w bias(%b) {silu}
      : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  %y2, %s2 = graph.causal_conv1d %x, %w state(%s) {silu}
      : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<?x160x3xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
  %y3, %s3 = graph.causal_conv1d %xs, %w bias(%b) state(%ss) {silu}
      : (tensor<2x1x160xf32>, tensor<160x4xf32>, tensor<160xf32>, tensor<2x160x3xf32>)
      -> (tensor<2x1x160xf32>, tensor<2x160x3xf32>)
  %y4, %s4 = graph.causal_conv1d %x, %wd state(%sd)
      : (tensor<?x?x160xf32>, tensor<160x?xf32>, tensor<?x?x?xf32>)
      -> (tensor<?x?x160xf32>, tensor<?x160x?xf32>)
  return %y0, %s1, %y2, %s3, %y4
      : tensor<?x?x160xf32>, tensor<?x160x3xf32>, tensor<?x?x160xf32>, tensor<2x160x3xf32>,
        tensor<?x?x160xf32>
}

// CHECK-LABEL: func.func @ssd_scan(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x8x16xf32>, %[[DT:[a-z0-9_]+]]: tensor<?x?x8xf32>,
// CHECK-SAME:    %[[H:[a-z0-9_]+]]: tensor<8xf32>, %[[B:[a-z0-9_]+]]: tensor<?x?x2x16xf32>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: tensor<?x?x2x16xf32>, %[[ST:[a-z0-9_]+]]: tensor<?x8x16x16xf32>,
// CHECK-SAME:    %[[XS:[a-z0-9_]+]]: tensor<2x1x8x16xbf16>, %[[DTS:[a-z0-9_]+]]: tensor<2x1x8xbf16>,
// CHECK-SAME:    %[[BS:[a-z0-9_]+]]: tensor<2x1x2x16xbf16>, %[[STS:[a-z0-9_]+]]: tensor<2x8x16x16xf32>)
// CHECK:         %[[Y0:.*]], %[[F0:.*]] = graph.ssd_scan %[[X]], %[[DT]], %[[H]], %[[H]], %[[B]], %[[C]], %[[H]]
// CHECK-SAME:      {chunk_size = 128 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64}
// CHECK-SAME:      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>)
// CHECK-SAME:      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
// CHECK:         %[[Y1:.*]], %[[F1:.*]] = graph.ssd_scan %[[X]], %[[DT]], %[[H]], %[[H]], %[[B]], %[[C]], %[[H]] state(%[[ST]])
// CHECK-SAME:      {chunk_size = 64 : i64, dt_max = 1.000000e-01 : f64, dt_min = 1.000000e-03 : f64}
// CHECK-SAME:      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>, tensor<?x8x16x16xf32>)
// CHECK-SAME:      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
// CHECK:         %[[Y2:.*]], %[[F2:.*]] = graph.ssd_scan %[[XS]], %[[DTS]], %[[H]], %[[H]], %[[BS]], %[[BS]], %[[H]] state(%[[STS]])
// CHECK-SAME:      {chunk_size = 1 : i64, dt_max = 0.000000e+00 : f64, dt_min = 0.000000e+00 : f64}
// CHECK-SAME:      : (tensor<2x1x8x16xbf16>, tensor<2x1x8xbf16>, tensor<8xf32>, tensor<8xf32>, tensor<2x1x2x16xbf16>, tensor<2x1x2x16xbf16>, tensor<8xf32>, tensor<2x8x16x16xf32>)
// CHECK-SAME:      -> (tensor<2x1x8x16xbf16>, tensor<2x8x16x16xf32>)
// CHECK:         return %[[Y0]], %[[F1]], %[[F2]]
func.func @ssd_scan(%x: tensor<?x?x8x16xf32>, %dt: tensor<?x?x8xf32>, %h: tensor<8xf32>,
                    %B: tensor<?x?x2x16xf32>, %C: tensor<?x?x2x16xf32>, %st: tensor<?x8x16x16xf32>,
                    %xs: tensor<2x1x8x16xbf16>, %dts: tensor<2x1x8xbf16>, %Bs: tensor<2x1x2x16xbf16>,
                    %sts: tensor<2x8x16x16xf32>)
    -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>, tensor<2x8x16x16xf32>) {
  // Prefill without a state; dt_max = +inf.
  %y0, %f0 = graph.ssd_scan %x, %dt, %h, %h, %B, %C, %h
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>)
      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
  // Chunked prefill continuing a state; finite dt limits.
  %y1, %f1 = graph.ssd_scan %x, %dt, %h, %h, %B, %C, %h state(%st)
      {chunk_size = 64 : i64, dt_min = 1.0e-03 : f64, dt_max = 1.0e-01 : f64}
      : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>, tensor<?x8x16x16xf32>)
      -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
  // Static decode step (seq = 1) in bf16 with an f32 state; dt_min = dt_max.
  %y2, %f2 = graph.ssd_scan %xs, %dts, %h, %h, %Bs, %Bs, %h state(%sts)
      {chunk_size = 1 : i64, dt_min = 0.0 : f64, dt_max = 0.0 : f64}
      : (tensor<2x1x8x16xbf16>, tensor<2x1x8xbf16>, tensor<8xf32>, tensor<8xf32>,
         tensor<2x1x2x16xbf16>, tensor<2x1x2x16xbf16>, tensor<8xf32>, tensor<2x8x16x16xf32>)
      -> (tensor<2x1x8x16xbf16>, tensor<2x8x16x16xf32>)
  return %y0, %f1, %f2 : tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>, tensor<2x8x16x16xf32>
}

// num_heads = 8, head_dim = 16, n_groups = 2, state_size = 16, hidden = 64:
// d_inner = 128, conv_dim = 192, in_proj rows = 2*128 + 2*2*16 + 8 = 328.
// CHECK-LABEL: func.func @mamba2_mixer(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[WIN:[a-z0-9_]+]]: tensor<328x64xf32>,
// CHECK-SAME:    %[[BIN:[a-z0-9_]+]]: tensor<328xf32>, %[[WCONV:[a-z0-9_]+]]: tensor<192x4xf32>,
// CHECK-SAME:    %[[BCONV:[a-z0-9_]+]]: tensor<192xf32>, %[[DTB:[a-z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:    %[[ALOG:[a-z0-9_]+]]: tensor<8xf32>, %[[D:[a-z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:    %[[WNORM:[a-z0-9_]+]]: tensor<128xf32>, %[[WOUT:[a-z0-9_]+]]: tensor<64x128xf32>,
// CHECK-SAME:    %[[BOUT:[a-z0-9_]+]]: tensor<64xf32>, %[[CS:[a-z0-9_]+]]: tensor<?x192x3xf32>,
// CHECK-SAME:    %[[SS:[a-z0-9_]+]]: tensor<?x8x16x16xf32>, %[[X1:[a-z0-9_]+]]: tensor<2x1x64xf32>,
// CHECK-SAME:    %[[CS1:[a-z0-9_]+]]: tensor<2x192x3xf32>, %[[SS1:[a-z0-9_]+]]: tensor<2x8x16x16xf32>)
//
// No optional operand.
// CHECK:         %[[Y0:.*]], %[[C0:.*]], %[[S0:.*]] = graph.mamba2_mixer %[[X]] in_proj(%[[WIN]]) conv(%[[WCONV]])
// CHECK-SAME:      dt_bias(%[[DTB]]) A_log(%[[ALOG]]) D(%[[D]]) norm(%[[WNORM]]) out_proj(%[[WOUT]]) {
// CHECK-SAME:      chunk_size = 16 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64,
// CHECK-SAME:      epsilon = 1.000000e-05 : f64, head_dim = 16 : i64, n_groups = 2 : i64,
// CHECK-SAME:      num_heads = 8 : i64, state_size = 16 : i64}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
// CHECK-SAME:      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
//
// Every optional operand.
// CHECK:         %[[Y1:.*]], %[[C1:.*]], %[[S1:.*]] = graph.mamba2_mixer %[[X]] in_proj(%[[WIN]]) in_proj_bias(%[[BIN]])
// CHECK-SAME:      conv(%[[WCONV]]) conv_bias(%[[BCONV]]) dt_bias(%[[DTB]]) A_log(%[[ALOG]]) D(%[[D]])
// CHECK-SAME:      norm(%[[WNORM]]) out_proj(%[[WOUT]]) out_proj_bias(%[[BOUT]])
// CHECK-SAME:      conv_state(%[[CS]]) ssm_state(%[[SS]]) {
// CHECK-SAME:      chunk_size = 16 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64,
// CHECK-SAME:      epsilon = 1.000000e-05 : f64, head_dim = 16 : i64, n_groups = 2 : i64,
// CHECK-SAME:      num_heads = 8 : i64, state_size = 16 : i64}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<328xf32>, tensor<192x4xf32>, tensor<192xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
// CHECK-SAME:      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
//
// Static decode step with conv_bias and ssm_state only.
// CHECK:         %[[Y2:.*]], %[[C2:.*]], %[[S2:.*]] = graph.mamba2_mixer %[[X1]] in_proj(%[[WIN]]) conv(%[[WCONV]]) conv_bias(%[[BCONV]])
// CHECK-SAME:      dt_bias(%[[DTB]]) A_log(%[[ALOG]]) D(%[[D]]) norm(%[[WNORM]]) out_proj(%[[WOUT]]) ssm_state(%[[SS1]]) {
// CHECK-SAME:      chunk_size = 256 : i64, dt_max = 1.000000e-01 : f64, dt_min = 1.000000e-03 : f64,
// CHECK-SAME:      epsilon = 9.9999999999999995E-7 : f64, head_dim = 16 : i64, n_groups = 2 : i64,
// CHECK-SAME:      num_heads = 8 : i64, state_size = 16 : i64}
// CHECK-SAME:      : (tensor<2x1x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<2x8x16x16xf32>)
// CHECK-SAME:      -> (tensor<2x1x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
//
// Static decode step with conv_state only.
// CHECK:         %[[Y3:.*]], %[[C3:.*]], %[[S3:.*]] = graph.mamba2_mixer %[[X1]] in_proj(%[[WIN]]) conv(%[[WCONV]])
// CHECK-SAME:      dt_bias(%[[DTB]]) A_log(%[[ALOG]]) D(%[[D]]) norm(%[[WNORM]]) out_proj(%[[WOUT]]) conv_state(%[[CS1]]) {
// CHECK-SAME:      : (tensor<2x1x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<2x192x3xf32>)
// CHECK-SAME:      -> (tensor<2x1x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
// CHECK:         return %[[Y0]], %[[C1]], %[[S1]], %[[Y2]], %[[S2]], %[[C3]]
func.func @mamba2_mixer(%x: tensor<?x?x64xf32>, %w_in: tensor<328x64xf32>, %b_in: tensor<328xf32>,
                        %w_conv: tensor<192x4xf32>, %b_conv: tensor<192xf32>, %dtb: tensor<8xf32>,
                        %alog: tensor<8xf32>, %d: tensor<8xf32>, %w_norm: tensor<128xf32>,
                        %w_out: tensor<64x128xf32>, %b_out: tensor<64xf32>,
                        %cs: tensor<?x192x3xf32>, %ss: tensor<?x8x16x16xf32>, %x1: tensor<2x1x64xf32>,
                        %cs1: tensor<2x192x3xf32>, %ss1: tensor<2x8x16x16xf32>)
    -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>, tensor<2x1x64xf32>,
        tensor<2x8x16x16xf32>, tensor<2x192x3xf32>) {
  %y0, %c0, %s0 = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  %y1, %c1, %s1 = graph.mamba2_mixer %x in_proj(%w_in) in_proj_bias(%b_in)
      conv(%w_conv) conv_bias(%b_conv) dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm)
      out_proj(%w_out) out_proj_bias(%b_out) conv_state(%cs) ssm_state(%ss)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<328xf32>, tensor<192x4xf32>,
         tensor<192xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>,
         tensor<64x128xf32>, tensor<64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
  %y2, %c2, %s2 = graph.mamba2_mixer %x1 in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out) ssm_state(%ss1)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 256 : i64, epsilon = 1.0e-06 : f64,
       dt_min = 1.0e-03 : f64, dt_max = 1.0e-01 : f64}
      : (tensor<2x1x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<2x8x16x16xf32>)
      -> (tensor<2x1x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  %y3, %c3, %s3 = graph.mamba2_mixer %x1 in_proj(%w_in) conv(%w_conv)
      dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out) conv_state(%cs1)
      {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64, state_size = 16 : i64,
       chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
       dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : (tensor<2x1x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<2x192x3xf32>)
      -> (tensor<2x1x64xf32>, tensor<2x192x3xf32>, tensor<2x8x16x16xf32>)
  return %y0, %c1, %s1, %y2, %s2, %c3
      : tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>, tensor<2x1x64xf32>,
        tensor<2x8x16x16xf32>, tensor<2x192x3xf32>
}

// CHECK-LABEL: func.func @attention(
// CHECK-SAME:    %[[Q:[a-z0-9_]+]]: tensor<?x?x4x16xf32>, %[[K:[a-z0-9_]+]]: tensor<?x?x2x16xf32>,
// CHECK-SAME:    %[[V:[a-z0-9_]+]]: tensor<?x?x2x16xf32>, %[[QS:[a-z0-9_]+]]: tensor<2x8x4x16xf32>,
// CHECK-SAME:    %[[KS:[a-z0-9_]+]]: tensor<2x3x4x16xf32>, %[[KL:[a-z0-9_]+]]: tensor<2x13x1x16xf32>)
// CHECK:         %[[A0:.*]] = graph.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME:      {causal, scale = 2.500000e-01 : f64}
// CHECK-SAME:      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
// CHECK:         %[[A1:.*]] = graph.attention %[[QS]], %[[KS]], %[[KS]]
// CHECK-SAME:      {scale = 1.000000e+00 : f64}
// CHECK-SAME:      : (tensor<2x8x4x16xf32>, tensor<2x3x4x16xf32>, tensor<2x3x4x16xf32>) -> tensor<2x8x4x16xf32>
// CHECK:         %[[A2:.*]] = graph.attention %[[QS]], %[[KL]], %[[KL]]
// CHECK-SAME:      {causal, scale = 1.250000e-01 : f64}
// CHECK-SAME:      : (tensor<2x8x4x16xf32>, tensor<2x13x1x16xf32>, tensor<2x13x1x16xf32>) -> tensor<2x8x4x16xf32>
// CHECK:         return %[[A0]], %[[A1]], %[[A2]]
func.func @attention(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>,
                     %qs: tensor<2x8x4x16xf32>, %ks: tensor<2x3x4x16xf32>, %kl: tensor<2x13x1x16xf32>)
    -> (tensor<?x?x4x16xf32>, tensor<2x8x4x16xf32>, tensor<2x8x4x16xf32>) {
  // GQA, dynamic shapes.
  %0 = graph.attention %q, %k, %v {causal, scale = 0.25 : f64}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
  // Not causal: fewer keys than queries is fine.
  %1 = graph.attention %qs, %ks, %ks {scale = 1.0 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x3x4x16xf32>, tensor<2x3x4x16xf32>) -> tensor<2x8x4x16xf32>
  // Causal with a cached prefix (13 keys, 8 queries) and a single K/V head (MQA).
  %2 = graph.attention %qs, %kl, %kl {causal, scale = 0.125 : f64}
      : (tensor<2x8x4x16xf32>, tensor<2x13x1x16xf32>, tensor<2x13x1x16xf32>) -> tensor<2x8x4x16xf32>
  return %0, %1, %2 : tensor<?x?x4x16xf32>, tensor<2x8x4x16xf32>, tensor<2x8x4x16xf32>
}

// CHECK-LABEL: func.func @self_attention(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[WQ:[a-z0-9_]+]]: tensor<64x64xf32>,
// CHECK-SAME:    %[[BQ:[a-z0-9_]+]]: tensor<64xf32>, %[[WK:[a-z0-9_]+]]: tensor<32x64xf32>,
// CHECK-SAME:    %[[BK:[a-z0-9_]+]]: tensor<32xf32>, %[[WV:[a-z0-9_]+]]: tensor<32x64xf32>,
// CHECK-SAME:    %[[BV:[a-z0-9_]+]]: tensor<32xf32>, %[[WO:[a-z0-9_]+]]: tensor<64x64xf32>,
// CHECK-SAME:    %[[BO:[a-z0-9_]+]]: tensor<64xf32>, %[[KC:[a-z0-9_]+]]: tensor<?x?x2x16xf32>,
// CHECK-SAME:    %[[VC:[a-z0-9_]+]]: tensor<?x?x2x16xf32>, %[[X1:[a-z0-9_]+]]: tensor<2x1x64xf32>,
// CHECK-SAME:    %[[KC1:[a-z0-9_]+]]: tensor<2x5x2x16xf32>, %[[VC1:[a-z0-9_]+]]: tensor<2x5x2x16xf32>,
// CHECK-SAME:    %[[POS:[a-z0-9_]+]]: tensor<1xi64>)
// CHECK:         %[[Y0:.*]], %[[K0:.*]], %[[V0:.*]] = graph.self_attention %[[X]] q_proj(%[[WQ]]) k_proj(%[[WK]]) v_proj(%[[WV]]) o_proj(%[[WO]])
// CHECK-SAME:      {causal, head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>)
// CHECK-SAME:      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
// CHECK:         %[[Y1:.*]], %[[K1:.*]], %[[V1:.*]] = graph.self_attention %[[X]] q_proj(%[[WQ]]) q_bias(%[[BQ]])
// CHECK-SAME:      k_proj(%[[WK]]) k_bias(%[[BK]]) v_proj(%[[WV]]) v_bias(%[[BV]]) o_proj(%[[WO]]) o_bias(%[[BO]])
// CHECK-SAME:      k_cache(%[[KC]]) v_cache(%[[VC]])
// CHECK-SAME:      {causal, head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64}
// CHECK-SAME:      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32x64xf32>, tensor<32xf32>, tensor<32x64xf32>, tensor<32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
// CHECK-SAME:      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
// CHECK:         %[[Y2:.*]], %[[K2:.*]], %[[V2:.*]] = graph.self_attention %[[X1]] q_proj(%[[WQ]]) k_proj(%[[WK]])
// CHECK-SAME:      v_proj(%[[WV]]) v_bias(%[[BV]]) o_proj(%[[WO]]) k_cache(%[[KC1]]) v_cache(%[[VC1]]) position(%[[POS]])
// CHECK-SAME:      {causal, head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64}
// CHECK-SAME:      : (tensor<2x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32xf32>, tensor<64x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>, tensor<1xi64>)
// CHECK-SAME:      -> (tensor<2x1x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>)
// CHECK:         %[[Y3:.*]], %[[K3:.*]], %[[V3:.*]] = graph.self_attention %[[X1]] q_proj(%[[WQ]]) k_proj(%[[WQ]]) v_proj(%[[WQ]]) o_proj(%[[WO]])
// CHECK-SAME:      {head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 4 : i64}
// CHECK-SAME:      : (tensor<2x1x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>)
// CHECK-SAME:      -> (tensor<2x1x64xf32>, tensor<2x1x4x16xf32>, tensor<2x1x4x16xf32>)
// CHECK:         return %[[Y0]], %[[K1]], %[[V1]], %[[Y2]], %[[K2]], %[[V3]]
func.func @self_attention(%x: tensor<?x?x64xf32>, %wq: tensor<64x64xf32>, %bq: tensor<64xf32>,
                          %wk: tensor<32x64xf32>, %bk: tensor<32xf32>, %wv: tensor<32x64xf32>,
                          %bv: tensor<32xf32>, %wo: tensor<64x64xf32>, %bo: tensor<64xf32>,
                          %kc: tensor<?x?x2x16xf32>, %vc: tensor<?x?x2x16xf32>,
                          %x1: tensor<2x1x64xf32>, %kc1: tensor<2x5x2x16xf32>,
                          %vc1: tensor<2x5x2x16xf32>, %pos: tensor<1xi64>)
    -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<2x1x64xf32>,
        tensor<2x5x2x16xf32>, tensor<2x1x4x16xf32>) {
  // Prefill without biases or caches.
  %y0, %k0, %v0 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  // Every bias and both caches, dynamic.
  %y1, %k1, %v1 = graph.self_attention %x q_proj(%wq) q_bias(%bq) k_proj(%wk) k_bias(%bk)
      v_proj(%wv) v_bias(%bv) o_proj(%wo) o_bias(%bo) k_cache(%kc) v_cache(%vc)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32x64xf32>, tensor<32xf32>,
         tensor<32x64xf32>, tensor<32xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
      -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
  // Static decode step into caches of capacity 5 at a run-time position;
  // only v_bias.
  %y2, %k2, %v2 = graph.self_attention %x1 q_proj(%wq) k_proj(%wk) v_proj(%wv) v_bias(%bv)
      o_proj(%wo) k_cache(%kc1) v_cache(%vc1) position(%pos)
      {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
      : (tensor<2x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
         tensor<32xf32>, tensor<64x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>,
         tensor<1xi64>)
      -> (tensor<2x1x64xf32>, tensor<2x5x2x16xf32>, tensor<2x5x2x16xf32>)
  // Not causal, num_kv_heads = num_heads (MHA).
  %y3, %k3, %v3 = graph.self_attention %x1 q_proj(%wq) k_proj(%wq) v_proj(%wq) o_proj(%wo)
      {num_heads = 4 : i64, num_kv_heads = 4 : i64, head_dim = 16 : i64}
      : (tensor<2x1x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
         tensor<64x64xf32>)
      -> (tensor<2x1x64xf32>, tensor<2x1x4x16xf32>, tensor<2x1x4x16xf32>)
  return %y0, %k1, %v1, %y2, %k2, %v3
      : tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<2x1x64xf32>,
        tensor<2x5x2x16xf32>, tensor<2x1x4x16xf32>
}

// `activation` defaults to "relu2" and the printer leaves the default out.
// CHECK-LABEL: func.func @mlp(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[WU:[a-z0-9_]+]]: tensor<128x64xf32>,
// CHECK-SAME:    %[[BU:[a-z0-9_]+]]: tensor<128xf32>, %[[WD:[a-z0-9_]+]]: tensor<64x128xf32>,
// CHECK-SAME:    %[[BD:[a-z0-9_]+]]: tensor<64xf32>, %[[XS:[a-z0-9_]+]]: tensor<2x8x64xf32>)
// CHECK:         %[[M0:.*]] = graph.mlp %[[X]] up(%[[WU]]) down(%[[WD]]) : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
// CHECK:         %[[M1:.*]] = graph.mlp %[[X]] up(%[[WU]]) up_bias(%[[BU]]) down(%[[WD]]) down_bias(%[[BD]]) : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>, tensor<64x128xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK:         %[[M2:.*]] = graph.mlp %[[XS]] up(%[[WU]]) down(%[[WD]]) down_bias(%[[BD]]) : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK:         %[[M3:.*]] = graph.mlp %[[XS]] up(%[[WU]]) up_bias(%[[BU]]) down(%[[WD]]) : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128xf32>, tensor<64x128xf32>) -> tensor<2x8x64xf32>
// CHECK:         return %[[M0]], %[[M1]], %[[M2]], %[[M3]]
func.func @mlp(%x: tensor<?x?x64xf32>, %wu: tensor<128x64xf32>, %bu: tensor<128xf32>,
               %wd: tensor<64x128xf32>, %bd: tensor<64xf32>, %xs: tensor<2x8x64xf32>)
    -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) {
  %0 = graph.mlp %x up(%wu) down(%wd) {activation = "relu2"}
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
  %1 = graph.mlp %x up(%wu) up_bias(%bu) down(%wd) down_bias(%bd)
      : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>, tensor<64x128xf32>,
         tensor<64xf32>) -> tensor<?x?x64xf32>
  %2 = graph.mlp %xs up(%wu) down(%wd) down_bias(%bd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>, tensor<64xf32>)
      -> tensor<2x8x64xf32>
  %3 = graph.mlp %xs up(%wu) up_bias(%bu) down(%wd)
      : (tensor<2x8x64xf32>, tensor<128x64xf32>, tensor<128xf32>, tensor<64x128xf32>)
      -> tensor<2x8x64xf32>
  return %0, %1, %2, %3 : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>
}

// CHECK-LABEL: func.func @lm_head(
// CHECK-SAME:    %[[H:[a-z0-9_]+]]: tensor<?x?x64xf32>, %[[HS:[a-z0-9_]+]]: tensor<2x1x64xbf16>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: tensor<256x64xf32>)
// CHECK:         %[[O0:.*]] = graph.lm_head %[[H]], %[[W]] : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
// CHECK:         %[[O1:.*]] = graph.lm_head %[[HS]], %[[W]] : (tensor<2x1x64xbf16>, tensor<256x64xf32>) -> tensor<2x1x256xf32>
// CHECK:         return %[[O0]], %[[O1]]
func.func @lm_head(%h: tensor<?x?x64xf32>, %hs: tensor<2x1x64xbf16>, %w: tensor<256x64xf32>)
    -> (tensor<?x?x256xf32>, tensor<2x1x256xf32>) {
  %0 = graph.lm_head %h, %w : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  %1 = graph.lm_head %hs, %w : (tensor<2x1x64xbf16>, tensor<256x64xf32>) -> tensor<2x1x256xf32>
  return %0, %1 : tensor<?x?x256xf32>, tensor<2x1x256xf32>
}

// graph.moe: without and with the latent projection and biases.
// CHECK-LABEL: func.func @moe
// CHECK: graph.moe %{{.*}} router(%{{.*}}, %{{.*}}) experts(%{{.*}}, %{{.*}}) shared(%{{.*}}, %{{.*}}) {top_k = 2 : i64}
// CHECK: graph.moe %{{.*}} router(%{{.*}}, %{{.*}}) experts(%{{.*}}, %{{.*}}) shared(%{{.*}}, %{{.*}}) shared_up_bias(%{{.*}}) shared_down_bias(%{{.*}}) latent_fc1(%{{.*}}) latent_fc1_bias(%{{.*}}) latent_fc2(%{{.*}}) latent_fc2_bias(%{{.*}}) {n_group = 4 : i64, norm_topk_prob = false, routed_scaling_factor = 2.500000e+00 : f64, top_k = 3 : i64, topk_group = 2 : i64}
func.func @moe(%x: tensor<?x?x64xf32>, %wr: tensor<8x64xf32>, %wb: tensor<8xf32>,
               %up: tensor<8x32x64xbf16>, %down: tensor<8x64x32xbf16>,
               %su: tensor<96x64xf32>, %sd: tensor<64x96xf32>, %bs: tensor<96xf32>, %bh: tensor<64xf32>,
               %upl: tensor<8x32x16xf32>, %downl: tensor<8x16x32xf32>,
               %f1: tensor<16x64xf32>, %b1: tensor<16xf32>, %f2: tensor<64x16xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %a = graph.moe %x router(%wr, %wb) experts(%up, %down) shared(%su, %sd) {top_k = 2 : i64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xbf16>, tensor<8x64x32xbf16>,
         tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  %b = graph.moe %x router(%wr, %wb) experts(%upl, %downl) shared(%su, %sd) shared_up_bias(%bs)
      shared_down_bias(%bh) latent_fc1(%f1) latent_fc1_bias(%b1) latent_fc2(%f2) latent_fc2_bias(%bh)
      {top_k = 3 : i64, n_group = 4 : i64, topk_group = 2 : i64, norm_topk_prob = false,
       routed_scaling_factor = 2.5 : f64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x16xf32>, tensor<8x16x32xf32>,
         tensor<96x64xf32>, tensor<64x96xf32>, tensor<96xf32>, tensor<64xf32>, tensor<16x64xf32>,
         tensor<16xf32>, tensor<64x16xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %a, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}
