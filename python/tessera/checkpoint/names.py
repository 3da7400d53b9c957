"""The Tessera weight-name contract: one table from a config to every tensor.

The converter (HF names -> Tessera names), the artifact reader (shape checks),
the numpy reference, the random-checkpoint test helper and -- on the C++ side --
the graph builder and runtime all agree on the names and shapes produced here.

Tessera name                      shape              HF name (under ``backbone.``)
``embedding``                     [V, H]             embeddings.weight
``layers.{i}.norm``               [H]                layers.{i}.norm.weight
``layers.{i}.mamba.in_proj``      [in_proj_dim, H]   layers.{i}.mixer.in_proj.weight
``layers.{i}.mamba.in_proj_bias`` [in_proj_dim]      layers.{i}.mixer.in_proj.bias   (mamba_proj_bias)
``layers.{i}.mamba.conv_weight``  [conv_dim, K]      layers.{i}.mixer.conv1d.weight  (HF [conv_dim, 1, K])
``layers.{i}.mamba.conv_bias``    [conv_dim]         layers.{i}.mixer.conv1d.bias    (use_conv_bias)
``layers.{i}.mamba.dt_bias``      [nh]               layers.{i}.mixer.dt_bias
``layers.{i}.mamba.A_log``        [nh]               layers.{i}.mixer.A_log
``layers.{i}.mamba.D``            [nh]               layers.{i}.mixer.D
``layers.{i}.mamba.gate_norm``    [d_inner]          layers.{i}.mixer.norm.weight
``layers.{i}.mamba.out_proj``     [H, d_inner]       layers.{i}.mixer.out_proj.weight
``layers.{i}.mamba.out_proj_bias`` [H]               layers.{i}.mixer.out_proj.bias  (mamba_proj_bias)
``layers.{i}.attn.q_proj``        [nq*hd, H]         layers.{i}.mixer.q_proj.weight
``layers.{i}.attn.k_proj``        [nkv*hd, H]        layers.{i}.mixer.k_proj.weight
``layers.{i}.attn.v_proj``        [nkv*hd, H]        layers.{i}.mixer.v_proj.weight
``layers.{i}.attn.o_proj``        [H, nq*hd]         layers.{i}.mixer.o_proj.weight
``layers.{i}.attn.{q,k,v,o}_proj_bias``              ....bias                        (attention_bias)
``layers.{i}.mlp.up_proj``        [I, H]             layers.{i}.mixer.up_proj.weight
``layers.{i}.mlp.down_proj``      [H, I]             layers.{i}.mixer.down_proj.weight
``layers.{i}.mlp.{up,down}_proj_bias``               ....bias                        (mlp_bias)
``layers.{i}.moe.router``         [E, H]             layers.{i}.mixer.gate.weight
``layers.{i}.moe.router_bias``    [E]                layers.{i}.mixer.gate.e_score_correction_bias
``layers.{i}.moe.latent_fc1``     [L, H]             layers.{i}.mixer.fc1_latent_proj.weight (moe_latent_size)
``layers.{i}.moe.latent_fc2``     [H, L]             layers.{i}.mixer.fc2_latent_proj.weight (moe_latent_size)
``layers.{i}.moe.experts_up``     [E, Im, L]         layers.{i}.mixer.experts.up_proj (stacked), or
                                                     layers.{i}.mixer.experts.{j}.up_proj.weight [Im, L] per expert
``layers.{i}.moe.experts_down``   [E, L, Im]         layers.{i}.mixer.experts.down_proj (stacked), or
                                                     layers.{i}.mixer.experts.{j}.down_proj.weight [L, Im] per expert
``layers.{i}.moe.shared_up``      [Is, H]            layers.{i}.mixer.shared_experts.up_proj.weight
``layers.{i}.moe.shared_down``    [H, Is]            layers.{i}.mixer.shared_experts.down_proj.weight
``layers.{i}.moe.{latent_fc1,latent_fc2,shared_up,shared_down}_bias``  ....bias      (mlp_bias)
``final_norm``                    [H]                norm_f.weight
``lm_head``                       [V, H]             ``lm_head.weight`` (top level; copy of
                                                     the embedding when tied and absent)

MoE: E = n_routed_experts, Im = moe_intermediate_size, Is =
moe_shared_expert_intermediate_size, L = moe_latent_size (hidden_size without a
latent projection).  HF 5.x's ``save_pretrained`` writes the experts per expert
(its conversion mapping merges them into the stacked parameters on load); a raw
``state_dict()`` holds the stacked form.  Tessera keeps them stacked.

Linear weights keep PyTorch's [out, in] layout (y = x @ W.T).  Artifact files:
``embedding.npz``, ``layer_{i:03d}.npz`` (all of layer i), ``final.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.config import ATTENTION, MAMBA, MLP, MOE, NemotronHConfig

#: Prefix of the backbone tensors in published checkpoints and HF 5.x save_pretrained
#: output.  HF 5.x's in-memory module is ``model.``; a raw ``state_dict()`` dump uses that.
HF_BACKBONE_PREFIXES = ("backbone.", "model.")


@dataclass(frozen=True)
class WeightSpec:
    name: str  #: Tessera name
    hf_name: str  #: canonical HF name (``backbone.`` prefix for backbone tensors)
    shape: tuple[int, ...]  #: Tessera shape
    hf_shape: tuple[int, ...]  #: shape in the HF checkpoint
    group: str  #: artifact file stem: "embedding", "layer_007", "final"
    shape_doc: str  #: symbolic shape, for error messages
    #: Stacked expert weights: the per-expert HF names (as save_pretrained writes
    #: them), stacked on dim 0 into ``hf_name``'s form; empty for other tensors.
    hf_expert_names: tuple[str, ...] = ()
    #: Kept in float32 whatever the artifact's dtype (HF keeps the MoE router's
    #: weight and score-correction bias in fp32: ``_keep_in_fp32_modules_strict``).
    keep_fp32: bool = False

    @property
    def layer(self) -> int | None:
        if self.name.startswith("layers."):
            return int(self.name.split(".")[1])
        return None


def layer_group(i: int) -> str:
    return f"layer_{i:03d}"


def weight_specs(config: NemotronHConfig) -> list[WeightSpec]:
    """Every tensor of the model, in artifact order (embedding, layers, final)."""
    c = config
    H, V = c.hidden_size, c.vocab_size
    specs = [WeightSpec("embedding", "backbone.embeddings.weight", (V, H), (V, H), "embedding", "[vocab_size, hidden_size]")]

    def add(i, tname, hname, shape, doc, hf_shape=None, experts=(), keep_fp32=False):
        specs.append(
            WeightSpec(f"layers.{i}.{tname}", f"backbone.layers.{i}.{hname}", tuple(shape),
                       tuple(hf_shape or shape), layer_group(i), doc,
                       tuple(f"backbone.layers.{i}.{e}" for e in experts), keep_fp32)
        )

    def linear(i, tname, hname, out, inp, doc_out, doc_in, bias):
        add(i, tname, f"{hname}.weight", (out, inp), f"[{doc_out}, {doc_in}]")
        if bias:
            add(i, f"{tname}_bias", f"{hname}.bias", (out,), f"[{doc_out}]")

    for i, kind in enumerate(c.layer_kinds):
        add(i, "norm", "norm.weight", (H,), "[hidden_size]")
        if kind == MAMBA:
            add(i, "mamba.in_proj", "mixer.in_proj.weight", (c.in_proj_dim, H), "[in_proj_dim, hidden_size]")
            if c.mamba_proj_bias:
                add(i, "mamba.in_proj_bias", "mixer.in_proj.bias", (c.in_proj_dim,), "[in_proj_dim]")
            add(i, "mamba.conv_weight", "mixer.conv1d.weight", (c.conv_dim, c.conv_kernel),
                "[conv_dim, 1, conv_kernel]", hf_shape=(c.conv_dim, 1, c.conv_kernel))
            if c.use_conv_bias:
                add(i, "mamba.conv_bias", "mixer.conv1d.bias", (c.conv_dim,), "[conv_dim]")
            nh = c.mamba_num_heads
            add(i, "mamba.dt_bias", "mixer.dt_bias", (nh,), "[mamba_num_heads]")
            add(i, "mamba.A_log", "mixer.A_log", (nh,), "[mamba_num_heads]")
            add(i, "mamba.D", "mixer.D", (nh,), "[mamba_num_heads]")
            add(i, "mamba.gate_norm", "mixer.norm.weight", (c.d_inner,), "[d_inner]")
            add(i, "mamba.out_proj", "mixer.out_proj.weight", (H, c.d_inner), "[hidden_size, d_inner]")
            if c.mamba_proj_bias:
                add(i, "mamba.out_proj_bias", "mixer.out_proj.bias", (H,), "[hidden_size]")
        elif kind == ATTENTION:
            q, kv = c.attention_q_dim, c.attention_kv_dim
            for proj, shape, doc in (
                ("q_proj", (q, H), "[num_attention_heads*head_dim, hidden_size]"),
                ("k_proj", (kv, H), "[num_key_value_heads*head_dim, hidden_size]"),
                ("v_proj", (kv, H), "[num_key_value_heads*head_dim, hidden_size]"),
                ("o_proj", (H, q), "[hidden_size, num_attention_heads*head_dim]"),
            ):
                add(i, f"attn.{proj}", f"mixer.{proj}.weight", shape, doc)
                if c.attention_bias:
                    add(i, f"attn.{proj}_bias", f"mixer.{proj}.bias", shape[:1], doc.split(",")[0] + "]")
        elif kind == MLP:
            I = c.intermediate_size  # noqa: E741
            add(i, "mlp.up_proj", "mixer.up_proj.weight", (I, H), "[intermediate_size, hidden_size]")
            if c.mlp_bias:
                add(i, "mlp.up_proj_bias", "mixer.up_proj.bias", (I,), "[intermediate_size]")
            add(i, "mlp.down_proj", "mixer.down_proj.weight", (H, I), "[hidden_size, intermediate_size]")
            if c.mlp_bias:
                add(i, "mlp.down_proj_bias", "mixer.down_proj.bias", (H,), "[hidden_size]")
        elif kind == MOE:
            E, Im, Is, L = (c.n_routed_experts, c.moe_intermediate_size, c.moe_shared_expert_intermediate_size,
                            c.moe_input_dim)
            Ldoc = "moe_latent_size" if c.moe_latent_size is not None else "hidden_size"
            add(i, "moe.router", "mixer.gate.weight", (E, H), "[n_routed_experts, hidden_size]", keep_fp32=True)
            add(i, "moe.router_bias", "mixer.gate.e_score_correction_bias", (E,), "[n_routed_experts]",
                keep_fp32=True)
            if c.moe_latent_size is not None:
                linear(i, "moe.latent_fc1", "mixer.fc1_latent_proj", L, H, "moe_latent_size", "hidden_size", c.mlp_bias)
                linear(i, "moe.latent_fc2", "mixer.fc2_latent_proj", H, L, "hidden_size", "moe_latent_size", c.mlp_bias)
            for proj, shape, doc in (("up", (E, Im, L), f"[n_routed_experts, moe_intermediate_size, {Ldoc}]"),
                                     ("down", (E, L, Im), f"[n_routed_experts, {Ldoc}, moe_intermediate_size]")):
                add(i, f"moe.experts_{proj}", f"mixer.experts.{proj}_proj", shape, doc,
                    experts=[f"mixer.experts.{j}.{proj}_proj.weight" for j in range(E)])
            linear(i, "moe.shared_up", "mixer.shared_experts.up_proj", Is, H,
                   "moe_shared_expert_intermediate_size", "hidden_size", c.mlp_bias)
            linear(i, "moe.shared_down", "mixer.shared_experts.down_proj", H, Is,
                   "hidden_size", "moe_shared_expert_intermediate_size", c.mlp_bias)
    specs.append(WeightSpec("final_norm", "backbone.norm_f.weight", (H,), (H,), "final", "[hidden_size]"))
    specs.append(WeightSpec("lm_head", "lm_head.weight", (V, H), (V, H), "final", "[vocab_size, hidden_size]"))
    return specs


def spec_table(config: NemotronHConfig) -> dict[str, WeightSpec]:
    """``weight_specs`` keyed by Tessera name."""
    return {s.name: s for s in weight_specs(config)}
