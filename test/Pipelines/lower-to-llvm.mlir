// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-lower-to-llvm | FileCheck %s --implicit-check-not='{{^ *(%[^ ]+ = )?"?(graph|tile|target|scf|cf|memref|vector|math|arith|func|builtin)\.}}'
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 cpu=skylake-avx512 features=+avx512f,+avx2,+fma" --tessera-lower-to-llvm | FileCheck %s --check-prefix=W16

// The stages run one at a time give the same module as the whole pipeline.
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-lower-to-llvm -o %t.whole.mlir
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-graph-to-tile | tessera-opt --tessera-tile-to-target | tessera-opt --tessera-target-to-llvm -o %t.staged.mlir
// RUN: diff %t.whole.mlir %t.staged.mlir
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-lower-to-llvm -o %t.example.whole.mlir
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-graph-to-tile | tessera-opt --tessera-tile-to-target | tessera-opt --tessera-target-to-llvm -o %t.example.staged.mlir
// RUN: diff %t.example.whole.mlir %t.example.staged.mlir
// RUN: FileCheck %s --input-file=%t.example.whole.mlir --check-prefix=EXAMPLE

// tessera-lower-to-llvm: Graph-IR all the way to the LLVM dialect
// (tessera-graph-to-tile, tessera-tile-to-target, tessera-target-to-llvm).
// Only LLVM-dialect ops are left (--implicit-check-not: no op of any other
// dialect on any line); each function keeps its ABI attributes and gets a
// C-interface wrapper and a packed entry point; buffers come from the
// runtime's allocator (tessera_rt_aligned_alloc/free); each layer calls the
// kernels, one noinline function per distinct (op, types, config); copies
// are loops, not calls into MLIR's runtime library; vector FMAs and
// reductions are LLVM vector intrinsics.

// A graph_examples-like model: M, * and - layers of the tiny config.
// CHECK-LABEL: llvm.func @tessera_rt_free(!llvm.ptr)
// CHECK-LABEL: llvm.func @tessera_rt_aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @prefill(
// CHECK-SAME:    %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: i64,
// CHECK-SAME:    attributes {llvm.emit_c_interface, tessera.abi = {{.*}}, tessera.num_inputs = 1 : i64, tessera.num_results = 3 : i64,
// CHECK-SAME:    tessera.weights = ["embedding", "layers.0.norm", "layers.0.mamba.in_proj", "layers.0.mamba.conv_weight",
// CHECK-SAME:    "layers.2.mlp.down_proj", "final_norm", "lm_head"]}
// CHECK:         llvm.call @tessera_rt_aligned_alloc
// CHECK:         llvm.call @tessera_x86_tile_rmsnorm(
// CHECK:         llvm.call @tessera_x86_tile_matmul(
// CHECK:         llvm.call @tessera_rt_free
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_prefill(
// CHECK-SAME:    %{{[a-z0-9]+}}: !llvm.ptr,
// CHECK-SAME:    attributes {llvm.emit_c_interface,
// CHECK:         llvm.call @prefill(
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_prefill(
// CHECK:         llvm.call @_mlir_ciface_prefill(
// A decode step of the attention layer on K/V caches updated in place at a
// run-time position: no cache copy, no result buffers for the caches.
// CHECK-LABEL: llvm.func @decode(
// CHECK-SAME:    tessera.num_inputs = 4 : i64, tessera.num_results = 1 : i64
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_decode(
// CHECK:         llvm.call @decode(
// CHECK-NOT:     llvm.call @memrefCopy
// The shared kernels follow the functions that call them.
// CHECK-LABEL: llvm.func @tessera_x86_tile_rmsnorm(
// CHECK-SAME:    attributes {passthrough = ["noinline"]
// CHECK:         llvm.intr.vector.reduce.fadd
// CHECK-LABEL: llvm.func @tessera_x86_tile_matmul(
// CHECK-SAME:    attributes {passthrough = ["noinline"]
// CHECK:         {{llvm.intr.fmuladd|llvm.intr.fma}}({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK-LABEL: llvm.func @tessera_x86_tile_ssd_chunk_cumsum(
// CHECK:         llvm.intr.exp
// CHECK-NOT:     llvm.func @memrefCopy

// For an AVX-512 target (hand-written: this machine may lack it) the
// strategy picks 16 lanes: no 8-lane vector anywhere.
// W16-NOT:       vector<8xf32>
// W16-LABEL:     llvm.func @tessera_x86_tile_matmul(
// W16-NOT:       vector<8xf32>
// W16:           {{llvm.intr.fmuladd|llvm.intr.fma}}({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// W16-NOT:       vector<8xf32>

// EXAMPLE-LABEL: llvm.func @prefill(
// EXAMPLE-SAME:    tessera.num_inputs = 5 : i64, tessera.num_results = 1 : i64
// EXAMPLE-LABEL: llvm.func @_mlir_ciface_prefill(
// EXAMPLE:         llvm.call @prefill(

module {
  func.func @prefill(%ids: tensor<?x?xi64>)
      -> (tensor<?x?x256xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>) {
    %0 = graph.weight "embedding" : tensor<256x64xf32>
    %1 = graph.embedding %0, %ids : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
    %2 = graph.weight "layers.0.norm" : tensor<64xf32>
    %3 = graph.rmsnorm %1, %2 {epsilon = 1.000000e-05 : f64}
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %4 = graph.weight "layers.0.mamba.in_proj" : tensor<328x64xf32>
    %5 = graph.weight "layers.0.mamba.conv_weight" : tensor<192x4xf32>
    %6 = graph.weight "layers.0.mamba.conv_bias" : tensor<192xf32>
    %7 = graph.weight "layers.0.mamba.dt_bias" : tensor<8xf32>
    %8 = graph.weight "layers.0.mamba.A_log" : tensor<8xf32>
    %9 = graph.weight "layers.0.mamba.D" : tensor<8xf32>
    %10 = graph.weight "layers.0.mamba.gate_norm" : tensor<128xf32>
    %11 = graph.weight "layers.0.mamba.out_proj" : tensor<64x128xf32>
    %mix, %cs, %ss = graph.mamba2_mixer %3 in_proj(%4) conv(%5) conv_bias(%6) dt_bias(%7)
        A_log(%8) D(%9) norm(%10) out_proj(%11)
        {chunk_size = 16 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64,
         epsilon = 1.000000e-05 : f64, head_dim = 16 : i64, n_groups = 2 : i64, num_heads = 8 : i64,
         state_size = 16 : i64}
        : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
           tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
        -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
    %12 = graph.residual_add %1, %mix : tensor<?x?x64xf32>
    %13 = graph.weight "layers.1.norm" : tensor<64xf32>
    %14 = graph.rmsnorm %12, %13 {epsilon = 1.000000e-05 : f64}
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %15 = graph.weight "layers.1.attn.q_proj" : tensor<64x64xf32>
    %16 = graph.weight "layers.1.attn.k_proj" : tensor<32x64xf32>
    %17 = graph.weight "layers.1.attn.v_proj" : tensor<32x64xf32>
    %18 = graph.weight "layers.1.attn.o_proj" : tensor<64x64xf32>
    %att, %kc, %vc = graph.self_attention %14 q_proj(%15) k_proj(%16) v_proj(%17) o_proj(%18)
        {causal, head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64}
        : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
           tensor<64x64xf32>)
        -> (tensor<?x?x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
    %19 = graph.residual_add %12, %att : tensor<?x?x64xf32>
    %20 = graph.weight "layers.2.norm" : tensor<64xf32>
    %21 = graph.rmsnorm %19, %20 {epsilon = 1.000000e-05 : f64}
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %22 = graph.weight "layers.2.mlp.up_proj" : tensor<128x64xf32>
    %23 = graph.weight "layers.2.mlp.down_proj" : tensor<64x128xf32>
    %24 = graph.mlp %21 up(%22) down(%23)
        : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
    %25 = graph.residual_add %19, %24 : tensor<?x?x64xf32>
    %26 = graph.weight "final_norm" : tensor<64xf32>
    %27 = graph.rmsnorm %25, %26 {epsilon = 1.000000e-05 : f64}
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %28 = graph.weight "lm_head" : tensor<256x64xf32>
    %29 = graph.lm_head %27, %28 : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
    return %29, %cs, %ss : tensor<?x?x256xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>
  }

  func.func @decode(%x: tensor<?x1x64xf32>, %pos: tensor<1xi64>,
      %kc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 1 : i64},
      %vc: tensor<?x?x2x16xf32> {tessera.aliasing_output = 2 : i64})
      -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
    %wq = graph.weight "layers.1.attn.q_proj" : tensor<64x64xf32>
    %wk = graph.weight "layers.1.attn.k_proj" : tensor<32x64xf32>
    %wv = graph.weight "layers.1.attn.v_proj" : tensor<32x64xf32>
    %wo = graph.weight "layers.1.attn.o_proj" : tensor<64x64xf32>
    %att, %kc2, %vc2 = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
        k_cache(%kc) v_cache(%vc) position(%pos)
        {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
        : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
           tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<1xi64>)
        -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
    return %att, %kc2, %vc2 : tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
  }
}
