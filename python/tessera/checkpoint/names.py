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
``final_norm``                    [H]                norm_f.weight
``lm_head``                       [V, H]             ``lm_head.weight`` (top level; copy of
                                                     the embedding when tied and absent)

Linear weights keep PyTorch's [out, in] layout (y = x @ W.T).  Artifact files:
``embedding.npz``, ``layer_{i:03d}.npz`` (all of layer i), ``final.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.config import ATTENTION, MAMBA, MLP, MOE, NemotronHConfig
from tessera.errors import ConfigError

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

    def add(i, tname, hname, shape, doc, hf_shape=None):
        specs.append(
            WeightSpec(f"layers.{i}.{tname}", f"backbone.layers.{i}.{hname}", tuple(shape),
                       tuple(hf_shape or shape), layer_group(i), doc)
        )

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
            raise ConfigError(
                f"layer {i} is a MoE block ('E'); Tessera does not support MoE layers yet"
            )
    specs.append(WeightSpec("final_norm", "backbone.norm_f.weight", (H,), (H,), "final", "[hidden_size]"))
    specs.append(WeightSpec("lm_head", "lm_head.weight", (V, H), (V, H), "final", "[vocab_size, hidden_size]"))
    return specs


def spec_table(config: NemotronHConfig) -> dict[str, WeightSpec]:
    """``weight_specs`` keyed by Tessera name."""
    return {s.name: s for s in weight_specs(config)}
