//===- GraphOps.td - Tessera Graph-IR operations ----------*- tablegen -*-===//
//
// The ops of Graph-IR, the model-level stage of the Tessera pipeline. Each op
// is one block of a Nemotron-H layer (or a part of one); shapes follow the
// Hugging Face NemotronH implementation. Verifiers check every static
// dimension against the others and name the expected and the actual value.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_GRAPH_OPS
#define TESSERA_GRAPH_OPS

include "tessera/Dialect/Graph/IR/GraphDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Graph_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Graph_IdTensor : RankedTensorOf<[I32, I64]>;
// A decode position: the number of tokens already in the caches.
def Graph_PositionTensor : 1DTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Graph_WeightOp : Graph_Op<"weight", [Pure]> {
  let summary = "reference to a named tensor of a converted checkpoint";
  let description = [{
    Produces the tensor that the artifact's `manifest.json` lists under
    `name`. The compiled module does not embed weights: the runtime binds the
    name to memory (memory-mapped from the artifact's shards) when the module
    is linked to a checkpoint. The type must be static and match the
    manifest's shape.

    ```mlir
    %w = graph.weight "layers.0.mlp.up_proj" : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise and normalisation
//===----------------------------------------------------------------------===//

def Graph_EmbeddingOp : Graph_Op<"embedding", [Pure]> {
  let summary = "token embedding lookup";
  let description = [{
    Gathers rows of `table` ([vocab, hidden]) by `ids` ([batch, seq]):
    `result[b, s, :] = table[ids[b, s], :]`. Ids must be in `[0, vocab)`; the
    runtime validates them before any compiled code runs.

    ```mlir
    %h = graph.embedding %table, %ids
        : (tensor<256x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$table, Graph_IdTensor:$ids);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$table `,` $ids attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_RMSNormOp : Graph_Op<"rmsnorm", [Pure]> {
  let summary = "RMS normalisation over the last dimension";
  let description = [{
    `result = x / sqrt(mean(x^2, -1) + epsilon) * weight`, computed in f32.

    ```mlir
    %n = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x, Graph_FloatTensor:$weight,
                       F64Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$x `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_LinearOp : Graph_Op<"linear", [Pure]> {
  let summary = "dense projection `x @ weight^T (+ bias)`";
  let description = [{
    `weight` is `[out, in]` as in `torch.nn.Linear`; `x` is `[..., in]` and the
    result `[..., out]`.

    ```mlir
    %y = graph.linear %x, %w : (tensor<?x?x64xf32>, tensor<128x64xf32>) -> tensor<?x?x128xf32>
    %z = graph.linear %x, %w bias(%b)
        : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $weight (`bias` `(` $bias^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_ResidualAddOp : Graph_Op<"residual_add",
    [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "residual connection `lhs + rhs`";
  let description = [{
    ```mlir
    %h1 = graph.residual_add %h0, %mix : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$lhs, Graph_FloatTensor:$rhs);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Graph_GatedRMSNormOp : Graph_Op<"gated_rmsnorm", [Pure]> {
  let summary = "Mamba2's gated, grouped RMSNorm";
  let description = [{
    `h = y * silu(z)`, then RMS-normalised over groups of `group_size`
    consecutive channels of the last dimension, then scaled by `weight`
    (the order of Hugging Face's `MambaRMSNormGated` with
    `norm_before_gate = False`). The last dimension must be a multiple of
    `group_size` (Nemotron-H: `d_inner / n_groups`).

    ```mlir
    %o = graph.gated_rmsnorm %y, %z, %w {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
        : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$y, Graph_FloatTensor:$z,
                       Graph_FloatTensor:$weight, F64Attr:$epsilon,
                       I64Attr:$group_size);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$y `,` $z `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mamba2 parts
//===----------------------------------------------------------------------===//

def Graph_CausalConv1dOp : Graph_Op<"causal_conv1d",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "causal depthwise 1-D convolution over the sequence";
  let description = [{
    `x` is `[batch, seq, channels]`, `weight` `[channels, kernel]`. Output
    position `t` sees inputs `t-kernel+1 .. t`; positions before the start
    come from `init_state` (`[batch, channels, kernel-1]`, the last
    `kernel-1` inputs of the previous call) or are zero. With `silu` the
    result goes through SiLU. The second result is the state for the next
    call: the last `kernel-1` inputs (including `init_state` when the
    sequence is shorter than that).

    ```mlir
    %y, %s = graph.causal_conv1d %x, %w bias(%b) {silu}
        : (tensor<?x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>)
        -> (tensor<?x?x160xf32>, tensor<?x160x3xf32>)
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       Optional<Graph_FloatTensor>:$init_state,
                       UnitAttr:$silu);
  let results = (outs Graph_FloatTensor:$result, Graph_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $weight (`bias` `(` $bias^ `)`)? (`state` `(` $init_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_SSDScanOp : Graph_Op<"ssd_scan", [Pure]> {
  let summary = "Mamba2 selective state-space scan (SSD), chunked";
  let description = [{
    The selective scan of Mamba2 in its state-space-duality form. With
    `dt' = clamp(softplus(dt + dt_bias), dt_min, dt_max)` and
    `A = -exp(A_log)`, per head `h` (group `g = h / (heads / groups)`):

      state_t = exp(dt'_t * A) * state_{t-1} + dt'_t * x_t ⊗ B_t
      y_t     = state_t · C_t + D * x_t

    Shapes: `x` `[batch, seq, heads, head_dim]`, `dt` `[batch, seq, heads]`,
    `dt_bias`, `A_log`, `D` `[heads]`, `B` and `C` `[batch, seq, groups,
    state]`, `init_state` and the `final_state` result
    `[batch, heads, head_dim, state]` (f32). `chunk_size` is the length of the
    chunks the lowering splits the sequence into (intra-chunk quadratic form,
    chunk states, inter-chunk state passing); it does not change the result.
    `dt_max` may be `inf`.

    ```mlir
    %y, %st = graph.ssd_scan %x, %dt, %dtb, %alog, %B, %C, %D
        {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
        : (tensor<?x?x8x16xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>,
           tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<8xf32>)
        -> (tensor<?x?x8x16xf32>, tensor<?x8x16x16xf32>)
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x, Graph_FloatTensor:$dt,
                       Graph_FloatTensor:$dt_bias, Graph_FloatTensor:$A_log,
                       Graph_FloatTensor:$B, Graph_FloatTensor:$C,
                       Graph_FloatTensor:$D,
                       Optional<Graph_FloatTensor>:$init_state,
                       I64Attr:$chunk_size, F64Attr:$dt_min, F64Attr:$dt_max);
  let results = (outs Graph_FloatTensor:$y, Graph_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $dt `,` $dt_bias `,` $A_log `,` $B `,` $C `,` $D
    (`state` `(` $init_state^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_Mamba2MixerOp : Graph_Op<"mamba2_mixer",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "Mamba2 mixer block (projections, conv, SSD scan, gated norm)";
  let description = [{
    The whole Mamba2 mixer of a Nemotron-H `M` layer on `x` `[batch, seq,
    hidden]`:

    1. `in_proj` (`[2*d_inner + 2*groups*state + heads, hidden]`) splits into
       the gate `z` (`d_inner`), `xBC` (`d_inner + 2*groups*state`) and
       `dt` (`heads`), in that order;
    2. `xBC` goes through `graph.causal_conv1d` with SiLU;
    3. its parts `x`, `B`, `C` go through `graph.ssd_scan` (with `D` skip);
    4. `graph.gated_rmsnorm` with the gate `z` and `norm`;
    5. `out_proj` (`[hidden, d_inner]`).

    `d_inner = num_heads * head_dim`. The optional `conv_state`
    (`[batch, conv_dim, kernel-1]`) and `ssm_state` (`[batch, heads, head_dim,
    state]`) continue an earlier call (chunked prefill, or decode when
    `seq = 1`); the results are the output and the two updated states.
    `convert-graph-to-tile` lowers a static `seq = 1` to the recurrent form.

    ```mlir
    %y, %cs, %ss = graph.mamba2_mixer %x in_proj(%w_in) conv(%w_conv) conv_bias(%b_conv)
        dt_bias(%dtb) A_log(%alog) D(%d) norm(%w_norm) out_proj(%w_out)
        {num_heads = 8 : i64, head_dim = 16 : i64, n_groups = 2 : i64,
         state_size = 16 : i64, chunk_size = 16 : i64, epsilon = 1.0e-05 : f64,
         dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
        : (tensor<?x?x64xf32>, tensor<328x64xf32>, tensor<192x4xf32>, tensor<192xf32>,
           tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<128xf32>, tensor<64x128xf32>)
        -> (tensor<?x?x64xf32>, tensor<?x192x3xf32>, tensor<?x8x16x16xf32>)
    ```
  }];
  let arguments = (ins
    Graph_FloatTensor:$x,
    Graph_FloatTensor:$in_proj, Optional<Graph_FloatTensor>:$in_proj_bias,
    Graph_FloatTensor:$conv_weight, Optional<Graph_FloatTensor>:$conv_bias,
    Graph_FloatTensor:$dt_bias, Graph_FloatTensor:$A_log, Graph_FloatTensor:$D,
    Graph_FloatTensor:$norm_weight,
    Graph_FloatTensor:$out_proj, Optional<Graph_FloatTensor>:$out_proj_bias,
    Optional<Graph_FloatTensor>:$conv_state,
    Optional<Graph_FloatTensor>:$ssm_state,
    I64Attr:$num_heads, I64Attr:$head_dim, I64Attr:$n_groups,
    I64Attr:$state_size, I64Attr:$chunk_size, F64Attr:$epsilon,
    F64Attr:$dt_min, F64Attr:$dt_max);
  let results = (outs Graph_FloatTensor:$result,
                      Graph_FloatTensor:$new_conv_state,
                      Graph_FloatTensor:$new_ssm_state);
  let assemblyFormat = [{
    $x `in_proj` `(` $in_proj `)` (`in_proj_bias` `(` $in_proj_bias^ `)`)?
    `conv` `(` $conv_weight `)` (`conv_bias` `(` $conv_bias^ `)`)?
    `dt_bias` `(` $dt_bias `)` `A_log` `(` $A_log `)` `D` `(` $D `)`
    `norm` `(` $norm_weight `)`
    `out_proj` `(` $out_proj `)` (`out_proj_bias` `(` $out_proj_bias^ `)`)?
    (`conv_state` `(` $conv_state^ `)`)? (`ssm_state` `(` $ssm_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getDInner() { return getNumHeads() * getHeadDim(); }
    int64_t getConvDim() { return getDInner() + 2 * getNGroups() * getStateSize(); }
    int64_t getInProjDim() { return 2 * getDInner() + 2 * getNGroups() * getStateSize() + getNumHeads(); }
  }];
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Graph_AttentionOp : Graph_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention with grouped K/V heads";
  let description = [{
    `q` `[batch, seq, q_heads, head_dim]`, `k` and `v` `[batch, kv_len,
    kv_heads, head_dim]`; `q_heads` must be a multiple of `kv_heads` and query
    head `h` reads K/V head `h / (q_heads / kv_heads)` (GQA; K/V are never
    repeated in memory). With `causal`, query `i` sees keys
    `j <= i + kv_len - seq` (the queries are the last `seq` positions).
    No positional encoding is applied: Nemotron-H has none.

    ```mlir
    %o = graph.attention %q, %k, %v {causal, scale = 0.25 : f64}
        : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$q, Graph_FloatTensor:$k,
                       Graph_FloatTensor:$v, UnitAttr:$causal, F64Attr:$scale);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$q `,` $k `,` $v attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_SelfAttentionOp : Graph_Op<"self_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "GQA self-attention block with K/V cache";
  let description = [{
    The attention mixer of a Nemotron-H `*` layer on `x` `[batch, seq,
    hidden]`: q/k/v projections (`[heads*head_dim, hidden]`,
    `[kv_heads*head_dim, hidden]`), `graph.attention` (scale
    `1/sqrt(head_dim)`, no positional encoding), `o_proj`.

    The optional `k_cache`/`v_cache` (`[batch, capacity, kv_heads,
    head_dim]`, the layout `tile.flash_attention` reads) hold the keys and
    values of earlier positions; `position` (`tensor<1xi64>`, requires the
    caches; absent means 0) is the number of positions they already hold.
    The results are the output and the caches with positions
    `[position, position + seq)` replaced by this call's keys and values
    (same type as the incoming caches); attention runs over keys
    `[0, position + seq)`, with causal masking by absolute position. The
    position is a value, not a shape: one compiled step serves every
    position, and a cache of fixed capacity is updated in place once
    `convert-graph-to-tile` ties it to its result. Without caches the new
    caches hold exactly this call's positions (`[batch, seq, kv_heads,
    head_dim]`). A static `seq = 1` is a decode step.

    ```mlir
    %y, %kc, %vc = graph.self_attention %x q_proj(%wq) k_proj(%wk) v_proj(%wv) o_proj(%wo)
        k_cache(%k) v_cache(%v) position(%pos)
        {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
        : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>,
           tensor<64x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<1xi64>)
        -> (tensor<?x1x64xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
    ```
  }];
  let arguments = (ins
    Graph_FloatTensor:$x,
    Graph_FloatTensor:$q_proj, Optional<Graph_FloatTensor>:$q_bias,
    Graph_FloatTensor:$k_proj, Optional<Graph_FloatTensor>:$k_bias,
    Graph_FloatTensor:$v_proj, Optional<Graph_FloatTensor>:$v_bias,
    Graph_FloatTensor:$o_proj, Optional<Graph_FloatTensor>:$o_bias,
    Optional<Graph_FloatTensor>:$k_cache, Optional<Graph_FloatTensor>:$v_cache,
    Optional<Graph_PositionTensor>:$position,
    UnitAttr:$causal, I64Attr:$num_heads, I64Attr:$num_kv_heads,
    I64Attr:$head_dim);
  let results = (outs Graph_FloatTensor:$result,
                      Graph_FloatTensor:$new_k_cache,
                      Graph_FloatTensor:$new_v_cache);
  let assemblyFormat = [{
    $x `q_proj` `(` $q_proj `)` (`q_bias` `(` $q_bias^ `)`)?
    `k_proj` `(` $k_proj `)` (`k_bias` `(` $k_bias^ `)`)?
    `v_proj` `(` $v_proj `)` (`v_bias` `(` $v_bias^ `)`)?
    `o_proj` `(` $o_proj `)` (`o_bias` `(` $o_bias^ `)`)?
    (`k_cache` `(` $k_cache^ `)`)? (`v_cache` `(` $v_cache^ `)`)?
    (`position` `(` $position^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MLP and head
//===----------------------------------------------------------------------===//

def Graph_MLPOp : Graph_Op<"mlp", [Pure, AttrSizedOperandSegments]> {
  let summary = "two-layer MLP with ReLU² activation";
  let description = [{
    `down(act(up(x)))` with `up` `[intermediate, hidden]` and `down`
    `[hidden, intermediate]`. `activation` must be `"relu2"`
    (`relu(v)^2`), the only one Nemotron-H uses.

    ```mlir
    %y = graph.mlp %x up(%wu) down(%wd) {activation = "relu2"}
        : (tensor<?x?x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x,
                       Graph_FloatTensor:$up_proj, Optional<Graph_FloatTensor>:$up_bias,
                       Graph_FloatTensor:$down_proj, Optional<Graph_FloatTensor>:$down_bias,
                       DefaultValuedStrAttr<StrAttr, "relu2">:$activation);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $x `up` `(` $up_proj `)` (`up_bias` `(` $up_bias^ `)`)?
    `down` `(` $down_proj `)` (`down_bias` `(` $down_bias^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_MoEOp : Graph_Op<"moe", [Pure, AttrSizedOperandSegments]> {
  let summary = "mixture of ReLU² experts with a sigmoid top-k router (Nemotron-H `E` block)";
  let description = [{
    HF `NemotronHMoE` on the tokens `x` `[..., hidden]`:

    1. Router: `scores = sigmoid(x @ router^T)` (`router` `[E, hidden]`).
       `router_bias` `[E]` (HF `e_score_correction_bias`) is added for the
       *choice* only: the `E` experts form `n_group` groups, each scored by
       the sum of its two best biased scores; the `topk_group` best groups
       are kept and the `top_k` best biased scores among their experts are
       chosen. The weights are the chosen experts' unbiased scores, divided
       by their sum (+1e-20) when `norm_topk_prob`, times
       `routed_scaling_factor`.
    2. Routed experts: `u = latent_fc1(x)` when the latent projection is
       present (`latent_fc1` `[L, hidden]`, `latent_fc2` `[hidden, L]`), else
       `u = x` (`L = hidden`); expert `e` computes
       `experts_down[e] @ relu(experts_up[e] @ u)^2` (`experts_up`
       `[E, I, L]`, `experts_down` `[E, L, I]`, no bias); the chosen experts'
       outputs are summed with the router weights, then `latent_fc2` applied.
    3. Shared expert: `shared_down(relu(shared_up(x))^2)` (`shared_up`
       `[Is, hidden]`, `shared_down` `[hidden, Is]`), added to the routed sum.

    Biases (`*_bias`, HF `mlp_bias`) are optional. The residual connection is
    not part of the op (a `graph.residual_add` follows, as for `graph.mlp`).
    Rules (those HF's router relies on): `1 <= top_k <= E`, `n_group`
    divides `E` with at least 2 experts per group, `1 <= topk_group <=
    n_group`, `top_k <= topk_group * E / n_group`.

    ```mlir
    %y = graph.moe %x router(%wr, %wb) experts(%up, %down) shared(%su, %sd)
        {top_k = 2 : i64, n_group = 2 : i64, topk_group = 1 : i64,
         norm_topk_prob = true, routed_scaling_factor = 2.5 : f64}
        : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xf32>,
           tensor<8x64x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x,
                       Graph_FloatTensor:$router, Graph_FloatTensor:$router_bias,
                       Graph_FloatTensor:$experts_up, Graph_FloatTensor:$experts_down,
                       Graph_FloatTensor:$shared_up, Graph_FloatTensor:$shared_down,
                       Optional<Graph_FloatTensor>:$shared_up_bias,
                       Optional<Graph_FloatTensor>:$shared_down_bias,
                       Optional<Graph_FloatTensor>:$latent_fc1,
                       Optional<Graph_FloatTensor>:$latent_fc1_bias,
                       Optional<Graph_FloatTensor>:$latent_fc2,
                       Optional<Graph_FloatTensor>:$latent_fc2_bias,
                       I64Attr:$top_k,
                       DefaultValuedAttr<I64Attr, "1">:$n_group,
                       DefaultValuedAttr<I64Attr, "1">:$topk_group,
                       DefaultValuedAttr<BoolAttr, "true">:$norm_topk_prob,
                       DefaultValuedAttr<F64Attr, "1.0">:$routed_scaling_factor);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $x `router` `(` $router `,` $router_bias `)`
    `experts` `(` $experts_up `,` $experts_down `)`
    `shared` `(` $shared_up `,` $shared_down `)`
    (`shared_up_bias` `(` $shared_up_bias^ `)`)?
    (`shared_down_bias` `(` $shared_down_bias^ `)`)?
    (`latent_fc1` `(` $latent_fc1^ `)`)?
    (`latent_fc1_bias` `(` $latent_fc1_bias^ `)`)?
    (`latent_fc2` `(` $latent_fc2^ `)`)?
    (`latent_fc2_bias` `(` $latent_fc2_bias^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Graph_LMHeadOp : Graph_Op<"lm_head", [Pure]> {
  let summary = "output projection to vocabulary logits";
  let description = [{
    `logits = x @ weight^T` with `weight` `[vocab, hidden]`; logits are f32.
    With `last_position`, only the last position's logits are computed:
    `x` is `[..., S, hidden]` and the result `[..., 1, vocab]` (what
    generation reads; the LM head is a large share of a short prefill).

    ```mlir
    %logits = graph.lm_head %h, %w : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
    %last = graph.lm_head %h, %w {last_position} : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x1x256xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$x, Graph_FloatTensor:$weight,
                       UnitAttr:$last_position);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$x `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // TESSERA_GRAPH_OPS
