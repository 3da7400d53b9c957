"""Model config -> Graph-IR module: the entry of the Tessera pipeline.

    config --build_graph--> Graph-IR --convert-graph-to-tile--> Tile-IR --> ...

The module holds three functions over the whole layer stack, laid out by the
config's ``hybrid_override_pattern`` (``M`` Mamba2 mixer, ``*`` GQA attention,
``-`` ReLU² MLP, ``E`` mixture of ReLU² experts (``graph.moe``: router,
routed experts with the optional latent projection, shared expert); each
layer is ``h + mixer(rmsnorm(h))``; ``E`` and ``-`` layers carry no state):

``@prefill(ids: [B,S] i64, states...) -> (logits [B,1,V], states...)``
    a prompt from scratch (the incoming conv/SSM states are not read; the
    K/V caches only give their capacity); logits of the last position only;
``@prefill_chunk(ids: [B,S] i64, position: [1] i64, states...) -> (logits [B,1,V], states...)``
    continues from earlier states (chunked prefill);
``@prefill_all_logits``, ``@prefill_chunk_all_logits``
    the same with the logits of every position ``[B,S,V]`` (what a caller
    that reads them all asks for: ``prefill(..., all_logits=True)``);
``@decode(ids: [B,1] i64, position: [1] i64, states...) -> (logits [B,1,V], states...)``
    one greedy step (the runtime takes a token vector [B] and reshapes it).

``states`` are, in layer order: for each ``M`` layer its conv state
``[B, conv_dim, K-1]`` and SSM state ``[B, heads, head_dim, state]`` (f32);
for each ``*`` layer its K and V caches ``[B, capacity, kv_heads, head_dim]``
(the layout ``tile.flash_attention`` reads). ``position`` is the number of
tokens already in the caches: a run-time value, so one compiled step serves
every position. Every state input carries ``tessera.aliasing_output``: its
new value is written into its own buffer (in place), and
``convert-graph-to-tile`` records the whole ABI in ``tessera.abi``.

Weights are ``graph.weight`` ops named by the manifest's Tessera names
(:mod:`tessera.checkpoint.names`), so the compiled module links to any
converted checkpoint of the same config.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.checkpoint.names import weight_specs
from tessera.config import ATTENTION, MAMBA, MOE, NemotronHConfig
from tessera.errors import ConfigError
from tessera.ir.graph import GraphBuilder, tensor_type

#: Element type of weights in the graph, by artifact dtype.
_WEIGHT_DTYPES = {"fp32": "f32", "f32": "f32", "bf16": "bf16", "fp16": "f16", "f16": "f16"}

FUNCTIONS = ("prefill", "prefill_chunk", "decode", "prefill_all_logits", "prefill_chunk_all_logits")
#: Suffix of the functions that return the logits of every position.
ALL_LOGITS = "_all_logits"


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor of the compiled model."""

    layer: int
    kind: str  # "conv", "ssm", "k_cache", "v_cache"
    shape: tuple  # None for dynamic dims (batch, cache capacity)

    @property
    def name(self) -> str:
        return f"layers.{self.layer}.{self.kind}"

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
                specs.append(StateSpec(i, k, (None, None, c.num_key_value_heads, c.head_dim)))
    return specs


def build_graph(config: NemotronHConfig, *, weight_dtype: str = "fp32",
                functions: tuple[str, ...] = FUNCTIONS, context=None):
    """Builds and verifies the Graph-IR module of ``config``.

    ``weight_dtype`` is the artifact's storage dtype (``fp32``, ``bf16``,
    ``fp16``); activations are always f32.
    """
    if weight_dtype not in _WEIGHT_DTYPES:
        raise ConfigError(f"weight_dtype: expected one of fp32, bf16, fp16, got {weight_dtype!r}")
    for name in functions:
        if name not in FUNCTIONS:
            raise ConfigError(f"unknown function {name!r}: expected some of {', '.join(FUNCTIONS)}")
    from tessera.limits import check_weight_sizes

    check_weight_sizes(config, 4 if weight_dtype == "fp32" else 2)
    gb = GraphBuilder(context)
    _ModelEmitter(config, gb, _WEIGHT_DTYPES[weight_dtype]).emit(functions)
    return gb.finish(verify=True)


class _ModelEmitter:
    def __init__(self, config: NemotronHConfig, gb: GraphBuilder, wdtype: str):
        self.c = config
        self.gb = gb
        self.wdtype = wdtype
        specs = weight_specs(config)
        self.shapes = {s.name: s.shape for s in specs}
        self.fp32_only = {s.name for s in specs if s.keep_fp32}  # the MoE router (as HF)
        self.states = state_specs(config)

    def emit(self, functions):
        for name in functions:
            self._function(name)

    def _w(self, name: str):
        """A graph.weight, or None when the config has no such tensor (biases)."""
        if name not in self.shapes:
            return None
        return self.gb.weight(name, self.shapes[name], "f32" if name in self.fp32_only else self.wdtype)

    def _function(self, name: str):
        c, gb = self.c, self.gb
        base = name.removesuffix(ALL_LOGITS)
        seq = 1 if base == "decode" else None
        continues = base != "prefill"  # reads the incoming states
        # Prefill computes the LM head for the last position unless asked
        # for all (decode has one position anyway).
        last_only = base != "decode" and not name.endswith(ALL_LOGITS)
        logits_t = tensor_type([None, 1 if last_only else seq, c.vocab_size], "f32")
        args = [tensor_type([None, seq], "i64")]
        arg_attrs = [{"tessera.name": "ids"}]
        if continues:
            args.append(tensor_type([1], "i64"))
            arg_attrs.append({"tessera.name": "position"})
        first_state = len(args)
        for r, spec in enumerate(self.states, start=1):
            args.append(spec.type)
            arg_attrs.append({"tessera.state": {"kind": spec.kind, "layer": spec.layer},
                              "tessera.aliasing_output": r})
        results = [logits_t] + [s.type for s in self.states]
        result_attrs = [{"tessera.name": "logits"}] + [{"tessera.name": s.name} for s in self.states]
        values = gb.function(name, args, results, arg_attrs, result_attrs)
        ids = values[0]
        position = values[1] if continues else None
        state_in = iter(values[first_state:])
        # prefill: conv/SSM states start from zero (their inputs are only
        # written); the K/V caches are written from position 0.
        takes_state = continues

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
                    conv_state=self._next_state(state_in, takes_state),
                    ssm_state=self._next_state(state_in, takes_state),
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
                    k_cache=next(state_in), v_cache=next(state_in), position=position,
                    num_heads=c.num_attention_heads, num_kv_heads=c.num_key_value_heads,
                    head_dim=c.head_dim, causal=True)
                new_states += [kc, vc]
            elif kind == MOE:
                p = f"layers.{i}.moe."
                w = lambda n: self._w(p + n)  # noqa: E731
                y = gb.moe(
                    x, router=w("router"), router_bias=w("router_bias"), experts_up=w("experts_up"),
                    experts_down=w("experts_down"), shared_up=w("shared_up"), shared_down=w("shared_down"),
                    shared_up_bias=w("shared_up_bias"), shared_down_bias=w("shared_down_bias"),
                    latent_fc1=w("latent_fc1"), latent_fc1_bias=w("latent_fc1_bias"),
                    latent_fc2=w("latent_fc2"), latent_fc2_bias=w("latent_fc2_bias"),
                    top_k=c.num_experts_per_tok, n_group=c.n_group, topk_group=c.topk_group,
                    norm_topk_prob=c.norm_topk_prob, routed_scaling_factor=c.routed_scaling_factor)
            else:
                p = f"layers.{i}.mlp."
                y = gb.mlp(x, up_proj=self._w(p + "up_proj"), down_proj=self._w(p + "down_proj"),
                           up_bias=self._w(p + "up_proj_bias"), down_bias=self._w(p + "down_proj_bias"))
            h = gb.residual_add(h, y)
        h = gb.rmsnorm(h, self._w("final_norm"), c.layer_norm_epsilon)
        logits = gb.lm_head(h, self._w("lm_head"), last_position=last_only)
        gb.ret([logits] + new_states)

    @staticmethod
    def _next_state(states, used: bool):
        value = next(states)
        return value if used else None
