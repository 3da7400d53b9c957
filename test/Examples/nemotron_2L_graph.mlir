// The demo graph in graph_examples/ parses, verifies, is in Graph-IR stage
// form and round-trips (printed form and generic form).
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir | tessera-opt | FileCheck %s
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --mlir-print-op-generic | tessera-opt | FileCheck %s
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-verify-graph-stage -o /dev/null

// CHECK-LABEL: func.func @prefill(
// CHECK-SAME: %[[IDS:.*]]: tensor<?x?xi64>
// CHECK: %[[EMB:.*]] = graph.weight "embedding" : tensor<256x64xf32>
// CHECK: %[[H0:.*]] = graph.embedding %[[EMB]], %[[IDS]]
// CHECK: graph.rmsnorm %[[H0]]
// CHECK: graph.mamba2_mixer
// CHECK-SAME: chunk_size = 16 : i64
// CHECK-SAME: n_groups = 2 : i64
// CHECK: graph.residual_add %[[H0]]
// CHECK: graph.self_attention
// CHECK-SAME: causal
// CHECK-SAME: num_kv_heads = 2 : i64
// CHECK: graph.mlp
// CHECK: graph.weight "final_norm"
// CHECK: graph.lm_head
// CHECK-SAME: -> tensor<?x?x256xf32>
// CHECK: return
