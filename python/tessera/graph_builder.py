"""Model config -> Graph-IR module: the entry of the Tessera pipeline.

    config --build_graph--> Graph-IR --convert-graph-to-tile--> Tile-IR --> ...

The module holds three functions over the whole layer stack, laid out by the
config's ``hybrid_override_pattern`` (``M`` Mamba2 mixer, ``*`` GQA attention,
``-`` ReLU² MLP; each layer is ``h + mixer(rmsnorm(h))``):

``@prefill(ids: [B,S] i64) -> (logits [B,S,V], states...)``
    a prompt from scratch;
``@prefill_chunk(ids: [B,S] i64, states...) -> (logits, states...)``
    continues from earlier states (chunked prefill);
``@decode(ids: [B,1] i64, states...) -> (logits [B,1,V], states...)``
    one greedy step (the runtime takes a token vector [B] and reshapes it).

``states`` are, in layer order: for each ``M`` layer its conv state
``[B, conv_dim, K-1]`` and SSM state ``[B, heads, head_dim, state]`` (f32);
for each ``*`` layer its K and V caches ``[B, kv_heads, T, head_dim]``.

Weights are ``graph.weight`` ops named by the manifest's Tessera names
(:mod:`tessera.checkpoint.names`), so the compiled module links to any
converted checkpoint of the same config.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.checkpoint.names import weight_specs
from tessera.config import ATTENTION, MAMBA, MLP, NemotronHConfig
from tessera.errors import ConfigError
from tessera.ir.graph import GraphBuilder, tensor_type

#: Element type of weights in the graph, by artifact dtype.
_WEIGHT_DTYPES = {"fp32": "f32", "f32": "f32", "bf16": "bf16", "fp16": "f16", "f16": "f16"}

FUNCTIONS = ("prefill", "prefill_chunk", "decode")


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor of the compiled model."""

    layer: int
    kind: str  # "conv", "ssm", "k_cache", "v_cache"
    shape: tuple  # None for dynamic dims (batch, cache length)

    @property
    def type(self) -> str:
        return tensor_type(self.shape, "f32")


def state_specs(config: NemotronHConfig) -> list[StateSpec]:
    """The states each function takes and returns, in order."""
    c = config
    specs = []
    for i, kind in enumerate(c.layer_kinds):
        if kind == MAMBA:
            specs.append(StateSpec(i, "conv", (None, c.conv_dim, c.conv_kernel - 1)))
            specs.append(StateSpec(i, "ssm", (None, c.mamba_num_heads, c.mamba_head_dim, c.ssm_state_size)))
        elif kind == ATTENTION:
            for k in ("k_cache", "v_cache"):
                specs.append(StateSpec(i, k, (None, c.num_key_value_heads, None, c.head_dim)))
    return specs


def build_graph(config: NemotronHConfig, *, weight_dtype: str = "fp32",
                functions: tuple[str, ...] = FUNCTIONS, context=None):
    """Builds and verifies the Graph-IR module of ``config``.

    ``weight_dtype`` is the artifact's storage dtype (``fp32``, ``bf16``,
    ``fp16``); activations are always f32.
    """
    if weight_dtype not in _WEIGHT_DTYPES:
        raise ConfigError(f"weight_dtype: expected one of fp32, bf16, fp16, got {weight_dtype!r}")
    for i, kind in enumerate(config.layer_kinds):
        if kind not in (MAMBA, ATTENTION, MLP):
            raise ConfigError(
                f"hybrid_override_pattern: layer {i} is {kind!r} (MoE), which the Graph-IR "
                "builder does not support yet")
    for name in functions:
        if name not in FUNCTIONS:
            raise ConfigError(f"unknown function {name!r}: expected some of {', '.join(FUNCTIONS)}")
    gb = GraphBuilder(context)
    _ModelEmitter(config, gb, _WEIGHT_DTYPES[weight_dtype]).emit(functions)
    return gb.finish(verify=True)


class _ModelEmitter:
    def __init__(self, config: NemotronHConfig, gb: GraphBuilder, wdtype: str):
        self.c = config
        self.gb = gb
        self.wdtype = wdtype
        self.shapes = {s.name: s.shape for s in weight_specs(config)}
        self.states = state_specs(config)

    def emit(self, functions):
        for name in functions:
            self._function(name)

    def _w(self, name: str):
        """A graph.weight, or None when the config has no such tensor (biases)."""
        if name not in self.shapes:
            return None
        return self.gb.weight(name, self.shapes[name], self.wdtype)

    def _function(self, name: str):
        c, gb = self.c, self.gb
        seq = 1 if name == "decode" else None
        takes_state = name != "prefill"
        logits_t = tensor_type([None, seq, c.vocab_size], "f32")
        args = [tensor_type([None, seq], "i64")]
        if takes_state:
            args += [s.type for s in self.states]
        results = [logits_t] + [self._out_state_type(s, seq, takes_state) for s in self.states]
        values = gb.function(name, args, results)
        ids, state_in = values[0], iter(values[1:])

        h = gb.embedding(self._w("embedding"), ids)
        new_states = []
        for i, kind in enumerate(c.layer_kinds):
            x = gb.rmsnorm(h, self._w(f"layers.{i}.norm"), c.layer_norm_epsilon)
            if kind == MAMBA:
                p = f"layers.{i}.mamba."
                lo, hi = c.time_step_limit
                y, conv, ssm = gb.mamba2_mixer(
                    x, in_proj=self._w(p + "in_proj"), in_proj_bias=self._w(p + "in_proj_bias"),
                    conv_weight=self._w(p + "conv_weight"), conv_bias=self._w(p + "conv_bias"),
                    dt_bias=self._w(p + "dt_bias"), A_log=self._w(p + "A_log"), D=self._w(p + "D"),
                    norm_weight=self._w(p + "gate_norm"), out_proj=self._w(p + "out_proj"),
                    out_proj_bias=self._w(p + "out_proj_bias"),
                    conv_state=next(state_in) if takes_state else None,
                    ssm_state=next(state_in) if takes_state else None,
                    num_heads=c.mamba_num_heads, head_dim=c.mamba_head_dim, n_groups=c.n_groups,
                    state_size=c.ssm_state_size, chunk_size=c.chunk_size,
                    epsilon=c.layer_norm_epsilon, dt_min=lo, dt_max=hi)
                new_states += [conv, ssm]
            elif kind == ATTENTION:
                p = f"layers.{i}.attn."
                y, kc, vc = gb.self_attention(
                    x, q_proj=self._w(p + "q_proj"), k_proj=self._w(p + "k_proj"),
                    v_proj=self._w(p + "v_proj"), o_proj=self._w(p + "o_proj"),
                    q_bias=self._w(p + "q_proj_bias"), k_bias=self._w(p + "k_proj_bias"),
                    v_bias=self._w(p + "v_proj_bias"), o_bias=self._w(p + "o_proj_bias"),
                    k_cache=next(state_in) if takes_state else None,
                    v_cache=next(state_in) if takes_state else None,
                    num_heads=c.num_attention_heads, num_kv_heads=c.num_key_value_heads,
                    head_dim=c.head_dim, causal=True)
                new_states += [kc, vc]
            else:
                p = f"layers.{i}.mlp."
                y = gb.mlp(x, up_proj=self._w(p + "up_proj"), down_proj=self._w(p + "down_proj"),
                           up_bias=self._w(p + "up_proj_bias"), down_bias=self._w(p + "down_proj_bias"))
            h = gb.residual_add(h, y)
        h = gb.rmsnorm(h, self._w("final_norm"), c.layer_norm_epsilon)
        logits = gb.lm_head(h, self._w("lm_head"))
        gb.ret([logits] + new_states)

    @staticmethod
    def _out_state_type(spec: StateSpec, seq, takes_state: bool) -> str:
        if spec.kind in ("k_cache", "v_cache"):
            b, kv, _, d = spec.shape
            # Without incoming caches the new cache is exactly this call's
            # sequence; with them, its length is past + seq (dynamic).
            length = seq if not takes_state else None
            return tensor_type([b, kv, length, d], "f32")
        return spec.type

