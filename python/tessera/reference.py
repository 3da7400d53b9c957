"""Plain-numpy Nemotron-H forward pass: the numerical oracle of the Tessera pipeline.

Weights come by Tessera name (see :mod:`tessera.checkpoint.names`), e.g. from
``Artifact.open(...).f32_weights()``; everything is computed in float64.  The
compiled pipeline is checked against this module, and this module is checked
against Hugging Face's ``NemotronHForCausalLM`` (test/python/test_reference_vs_hf.py).

Per layer (pre-norm residual block): ``h = h + mixer(RMSNorm(h))`` where the
mixer is

* Mamba2 (``M``): in_proj -> split [z | xBC | dt] -> causal depthwise conv1d
  (+bias) + SiLU on xBC -> split [x | B | C] -> dt = clamp(softplus(dt + dt_bias),
  time_step_limit), A = -exp(A_log) -> SSD chunked scan (+ D * x) ->
  gated grouped RMSNorm: RMSNorm_per_group(y * silu(z)) * weight -> out_proj;
* attention (``*``): causal GQA, no positional encoding, scale 1/sqrt(head_dim);
* MLP (``-``): down(relu(up(x))^2);
* MoE (``E``, HF ``NemotronHMoE``): a sigmoid top-k router (:func:`moe_route`)
  picks ``num_experts_per_tok`` of ``n_routed_experts`` experts per token; the
  token (through ``latent_fc1`` when ``moe_latent_size`` is set) goes through
  each chosen expert's ReLU² MLP, the outputs are summed with the router weights
  (then ``latent_fc2``), and a shared ReLU² MLP of the un-projected token is added.

Then a final RMSNorm and the LM head.

State layout (what a decode step carries; :class:`ModelState`):

* Mamba layer: ``conv_state`` [B, conv_dim, K-1] -- the last K-1 *pre-conv*
  xBC inputs, oldest first (HF caches K columns; the oldest is never used);
  ``ssm_state`` [B, mamba_num_heads, mamba_head_dim, ssm_state_size].
* attention layer: ``key``/``value`` [B, num_key_value_heads, T, head_dim].
* MLP and MoE layers: ``None``.  ``ModelState.position``: tokens consumed so far.

``prefill`` accepts an existing state, so a prompt can be fed in pieces
(chunked prefill); ``decode`` uses the recurrent (one-step) form of the SSM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from tessera.checkpoint.names import weight_specs
from tessera.config import ATTENTION, MAMBA, MLP, MOE, NemotronHConfig, load_config
from tessera.errors import CheckpointError, ConfigError


# ============================================================================ state
@dataclass(frozen=True)
class MambaState:
    conv_state: np.ndarray  #: [B, conv_dim, K-1]
    ssm_state: np.ndarray  #: [B, nh, hd, N]


@dataclass(frozen=True)
class AttentionState:
    key: np.ndarray  #: [B, n_kv, T, head_dim]
    value: np.ndarray  #: [B, n_kv, T, head_dim]


@dataclass(frozen=True)
class ModelState:
    """Per-layer decode state; immutable -- every call returns a new one."""

    layers: tuple  #: MambaState | AttentionState | None per layer
    position: int = 0  #: number of tokens consumed
    batch: int = field(default=1)

    @classmethod
    def empty(cls, config: NemotronHConfig, batch: int) -> "ModelState":
        c = config
        layers = []
        for kind in c.layer_kinds:
            if kind == MAMBA:
                layers.append(MambaState(
                    np.zeros((batch, c.conv_dim, c.conv_kernel - 1)),
                    np.zeros((batch, c.mamba_num_heads, c.mamba_head_dim, c.ssm_state_size)),
                ))
            elif kind == ATTENTION:
                empty = np.zeros((batch, c.num_key_value_heads, 0, c.head_dim))
                layers.append(AttentionState(empty, empty))
            else:
                layers.append(None)
        return cls(tuple(layers), 0, batch)


# ============================================================================ primitives
def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def gated_rms_norm(y: np.ndarray, z: np.ndarray, weight: np.ndarray, group_size: int, eps: float) -> np.ndarray:
    """HF ``NemotronHRMSNormGated`` (norm_before_gate=False): gate first, then an
    RMSNorm over each group of ``group_size`` consecutive channels, then the weight."""
    g = y * silu(z)
    shape = g.shape
    g = g.reshape(*shape[:-1], shape[-1] // group_size, group_size)
    g = g / np.sqrt(np.mean(g * g, axis=-1, keepdims=True) + eps)
    return g.reshape(shape) * weight


def causal_conv1d(xbc: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                  conv_state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Depthwise causal conv over time + SiLU.

    xbc [B, S, C] (pre-conv), weight [C, K], conv_state [B, C, K-1] (previous
    inputs, zeros at sequence start).  Returns (silu(conv) [B, S, C], new state).
    out[t, c] = sum_k weight[c, k] * window[c, t + k] over the window
    [previous K-1 inputs | current inputs] -- PyTorch's conv1d is a correlation.
    """
    K = weight.shape[1]
    S = xbc.shape[1]
    window = np.concatenate([conv_state, xbc.transpose(0, 2, 1)], axis=2)  # [B, C, K-1+S]
    out = np.zeros((xbc.shape[0], xbc.shape[2], S))
    for k in range(K):
        out += weight[None, :, k, None] * window[:, :, k : k + S]
    if bias is not None:
        out += bias[None, :, None]
    return silu(out.transpose(0, 2, 1)), window[:, :, window.shape[2] - (K - 1):].copy()


def _segsum(a: np.ndarray) -> np.ndarray:
    """out[..., l, s] = a[s+1] + ... + a[l] for l >= s, and -inf above the diagonal."""
    L = a.shape[-1]
    cum = np.cumsum(a, axis=-1)
    diff = cum[..., :, None] - cum[..., None, :]
    return np.where(np.tril(np.ones((L, L), dtype=bool)), diff, -np.inf)


def ssd_chunked(x: np.ndarray, dt: np.ndarray, A: np.ndarray, B: np.ndarray, C: np.ndarray,
                chunk_size: int, initial_state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mamba2 SSD scan in chunked (state-space duality) form, without the D skip.

    x [b,S,h,p], dt [b,S,h] (already softplus'ed/clamped), A [h] (negative),
    B, C [b,S,g,n] with head h reading group h // (h_total/g); initial_state
    [b,h,p,n].  Returns (y [b,S,h,p], final_state [b,h,p,n]).

    Recurrence it computes: state_t = exp(dt_t A) state_{t-1} + dt_t x_t B_t^T,
    y_t = state_t C_t.  Per chunk of ``chunk_size`` steps:
      1. intra-chunk output: quadratic "attention-like" form C_l.B_s * decay(l,s) * dt_s x_s
      2. chunk states: the state each chunk would produce from a zero start
      3. inter-chunk state passing: carry states across chunks (sequential over chunks)
      4. output from carried-in states: C_l . state_in * decay(l, chunk start)
    """
    b, S, h, p = x.shape
    g, n = B.shape[2], B.shape[3]
    Bh = np.repeat(B, h // g, axis=2)
    Ch = np.repeat(C, h // g, axis=2)
    L = chunk_size
    pad = -S % L
    if pad:
        # Padded steps have dt = 0: they neither decay the state (exp(0) = 1) nor add to it,
        # so the final state is exact and the padded outputs are simply dropped.
        widths = lambda arr: [(0, 0), (0, pad)] + [(0, 0)] * (arr.ndim - 2)  # noqa: E731
        x, dt, Bh, Ch = (np.pad(t, widths(t)) for t in (x, dt, Bh, Ch))
    nc = x.shape[1] // L
    X = (x * dt[..., None]).reshape(b, nc, L, h, p)
    a = (dt * A).reshape(b, nc, L, h).transpose(0, 3, 1, 2)  # [b,h,c,l] log-decay per step
    Bc = Bh.reshape(b, nc, L, h, n)
    Cc = Ch.reshape(b, nc, L, h, n)
    a_cum = np.cumsum(a, axis=-1)

    # 1. intra-chunk (diagonal blocks)
    decay = np.exp(_segsum(a))  # [b,h,c,l,s]
    scores = np.einsum("bclhn,bcshn->bhcls", Cc, Bc) * decay
    y_diag = np.einsum("bhcls,bcshp->bclhp", scores, X)

    # 2. state contributed by each chunk (decayed to the chunk's end)
    decay_to_end = np.exp(a_cum[..., -1:] - a_cum)  # [b,h,c,l]
    chunk_states = np.einsum("bclhn,bhcl,bclhp->bchpn", Bc, decay_to_end, X)

    # 3. inter-chunk state passing
    state = np.zeros((b, h, p, n)) if initial_state is None else np.asarray(initial_state, dtype=np.float64)
    chunk_decay = np.exp(a_cum[..., -1])  # [b,h,c] total decay across each chunk
    states_in = np.empty((b, nc, h, p, n))
    for c in range(nc):
        states_in[:, c] = state
        state = chunk_decay[:, :, c, None, None] * state + chunk_states[:, c]

    # 4. contribution of the carried-in state to each position
    y_off = np.einsum("bclhn,bchpn,bhcl->bclhp", Cc, states_in, np.exp(a_cum))

    y = (y_diag + y_off).reshape(b, nc * L, h, p)[:, :S]
    return y, state


def ssd_recurrent(x: np.ndarray, dt: np.ndarray, A: np.ndarray, B: np.ndarray, C: np.ndarray,
                  chunk_size: int | None = None, initial_state: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The same scan as :func:`ssd_chunked`, step by step (the decode form)."""
    b, S, h, p = x.shape
    g, n = B.shape[2], B.shape[3]
    Bh = np.repeat(B, h // g, axis=2)
    Ch = np.repeat(C, h // g, axis=2)
    state = np.zeros((b, h, p, n)) if initial_state is None else np.asarray(initial_state, dtype=np.float64)
    y = np.empty((b, S, h, p))
    for t in range(S):
        dA = np.exp(dt[:, t] * A)  # [b,h]
        state = dA[:, :, None, None] * state + (dt[:, t, :, None] * x[:, t])[..., None] * Bh[:, t, :, None, :]
        y[:, t] = np.einsum("bhpn,bhn->bhp", state, Ch[:, t])
    return y, state


ScanFn = Callable[..., tuple[np.ndarray, np.ndarray]]


def moe_route(logits: np.ndarray, correction_bias: np.ndarray, top_k: int, n_group: int, topk_group: int,
              norm_topk_prob: bool, routed_scaling_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """HF ``NemotronHTopkRouter`` on router logits [T, E]: (expert ids [T, k], weights [T, k]).

    scores = sigmoid(logits); the correction bias only steers the choice: each of
    ``n_group`` groups is scored by the sum of its two best corrected scores, the
    ``topk_group`` best groups are kept, and the top-k corrected scores among
    their experts are chosen.  The weights are the *uncorrected* scores of the
    chosen experts, divided by their sum (+1e-20) with ``norm_topk_prob``, times
    ``routed_scaling_factor``.  (Ids come best first; HF's order is unspecified,
    the sum over experts does not depend on it.)
    """
    T, E = logits.shape
    scores = 1.0 / (1.0 + np.exp(-logits))
    choice = scores + correction_bias
    per_group = E // n_group
    group_scores = np.sort(choice.reshape(T, n_group, per_group), axis=-1)[..., -2:].sum(axis=-1)
    kept = np.argsort(-group_scores, axis=-1, kind="stable")[:, :topk_group]
    group_mask = np.zeros((T, n_group), dtype=bool)
    np.put_along_axis(group_mask, kept, True, axis=-1)
    choice = np.where(np.repeat(group_mask, per_group, axis=1), choice, -np.inf)
    ids = np.argsort(-choice, axis=-1, kind="stable")[:, :top_k]
    weights = np.take_along_axis(scores, ids, axis=-1)
    if norm_topk_prob:
        weights = weights / (weights.sum(axis=-1, keepdims=True) + 1e-20)
    return ids, weights * routed_scaling_factor


# ============================================================================ model
class ReferenceModel:
    """Numpy Nemotron-H.  ``weights`` maps Tessera names to arrays (any float dtype)."""

    def __init__(self, config: NemotronHConfig | Mapping | str, weights: Mapping[str, np.ndarray],
                 scan: str = "chunked"):
        self.config = c = load_config(config)
        # (load_config refuses activations other than ReLU² / SiLU for blocks the pattern has.)
        if scan not in ("chunked", "recurrent"):
            raise ValueError(f"scan must be 'chunked' or 'recurrent', got {scan!r}")
        self._prefill_scan: ScanFn = ssd_chunked if scan == "chunked" else ssd_recurrent
        self.w: dict[str, np.ndarray] = {}
        for spec in weight_specs(c):
            if spec.name not in weights:
                raise CheckpointError(f"reference model: missing weight {spec.name!r}")
            arr = np.asarray(weights[spec.name], dtype=np.float64)
            if arr.shape != spec.shape:
                raise CheckpointError(
                    f"reference model: weight {spec.name!r} has shape {list(arr.shape)}, expected {list(spec.shape)}"
                )
            self.w[spec.name] = arr

    # ------------------------------------------------------------------ public API
    def init_state(self, batch: int) -> ModelState:
        return ModelState.empty(self.config, batch)

    def prefill(self, ids: np.ndarray | Sequence, state: ModelState | None = None
                ) -> tuple[np.ndarray, ModelState]:
        """Run tokens ids [B, S] (continuing from ``state`` if given).
        Returns (logits [B, S, V] float64, new state)."""
        ids = self._check_ids(ids, ndim=2)
        return self._forward(ids, state, self._prefill_scan)

    def decode(self, token: np.ndarray | Sequence, state: ModelState) -> tuple[np.ndarray, ModelState]:
        """One token per sequence, token [B].  Returns (logits [B, V], new state)."""
        token = self._check_ids(token, ndim=1)
        logits, state = self._forward(token[:, None], state, ssd_recurrent)
        return logits[:, 0], state

    def generate(self, ids: np.ndarray | Sequence, max_new_tokens: int) -> np.ndarray:
        """Greedy decoding; returns [B, S + max_new_tokens] (prompt included, like HF)."""
        ids = self._check_ids(ids, ndim=2)
        logits, state = self.prefill(ids)
        out = [ids]
        if max_new_tokens <= 0:
            return ids
        token = np.argmax(logits[:, -1], axis=-1)
        for step in range(max_new_tokens):
            out.append(token[:, None])
            if step + 1 == max_new_tokens:
                break
            logits, state = self.decode(token, state)
            token = np.argmax(logits, axis=-1)
        return np.concatenate(out, axis=1)

    # ------------------------------------------------------------------ internals
    def _check_ids(self, ids, ndim: int) -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim != ndim or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"expected an integer array of rank {ndim}, got {arr.dtype} with shape {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.config.vocab_size):
            raise ValueError(f"token ids must be in [0, {self.config.vocab_size})")
        return arr.astype(np.int64)

    def _forward(self, ids: np.ndarray, state: ModelState | None, scan: ScanFn) -> tuple[np.ndarray, ModelState]:
        c, w = self.config, self.w
        batch, seq = ids.shape
        if state is None:
            state = self.init_state(batch)
        elif state.batch != batch:
            raise ValueError(f"state is for batch {state.batch}, got {batch} sequences")
        h = w["embedding"][ids]
        new_layers = []
        for i, kind in enumerate(c.layer_kinds):
            x = rms_norm(h, w[f"layers.{i}.norm"], c.layer_norm_epsilon)
            if kind == MAMBA:
                y, layer_state = self._mamba(i, x, state.layers[i], scan)
            elif kind == ATTENTION:
                y, layer_state = self._attention(i, x, state.layers[i])
            elif kind == MLP:
                y, layer_state = self._mlp(i, x), None
            elif kind == MOE:
                y, layer_state = self._moe(i, x), None
            else:  # unreachable: the config knows only these letters
                raise ConfigError(f"layer {i}: unsupported block {kind!r}")
            h = h + y
            new_layers.append(layer_state)
        h = rms_norm(h, w["final_norm"], c.layer_norm_epsilon)
        logits = h @ w["lm_head"].T
        return logits, ModelState(tuple(new_layers), state.position + seq, batch)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        y = x @ self.w[name].T
        bias = self.w.get(f"{name}_bias")
        return y if bias is None else y + bias

    def _mamba(self, i: int, u: np.ndarray, st: MambaState, scan: ScanFn) -> tuple[np.ndarray, MambaState]:
        c, w, p = self.config, self.w, f"layers.{i}.mamba."
        b, S, _ = u.shape
        nh, hd, ng, n = c.mamba_num_heads, c.mamba_head_dim, c.n_groups, c.ssm_state_size
        zxbcdt = self._linear(u, p + "in_proj")
        # in_proj rows: [z (d_inner) | xBC (conv_dim) | dt (nh)], as HF splits them.
        z = zxbcdt[..., : c.d_inner]
        xbc = zxbcdt[..., c.d_inner : c.d_inner + c.conv_dim]
        dt = zxbcdt[..., c.d_inner + c.conv_dim :]
        xbc, conv_state = causal_conv1d(xbc, w[p + "conv_weight"], w.get(p + "conv_bias"), st.conv_state)
        x = xbc[..., : c.d_inner].reshape(b, S, nh, hd)
        B = xbc[..., c.d_inner : c.d_inner + ng * n].reshape(b, S, ng, n)
        C = xbc[..., c.d_inner + ng * n :].reshape(b, S, ng, n)
        lo, hi = c.time_step_limit
        dt = np.clip(softplus(dt + w[p + "dt_bias"]), lo, hi)
        A = -np.exp(w[p + "A_log"])
        y, ssm_state = scan(x, dt, A, B, C, c.chunk_size, st.ssm_state)
        y = y + w[p + "D"][:, None] * x
        y = gated_rms_norm(y.reshape(b, S, c.d_inner), z, w[p + "gate_norm"], c.mamba_group_size,
                           c.layer_norm_epsilon)
        return self._linear(y, p + "out_proj"), MambaState(conv_state, ssm_state)

    def _attention(self, i: int, u: np.ndarray, st: AttentionState) -> tuple[np.ndarray, AttentionState]:
        c, p = self.config, f"layers.{i}.attn."
        b, S, _ = u.shape
        nq, nkv, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        q = self._linear(u, p + "q_proj").reshape(b, S, nq, hd).transpose(0, 2, 1, 3)
        k = self._linear(u, p + "k_proj").reshape(b, S, nkv, hd).transpose(0, 2, 1, 3)
        v = self._linear(u, p + "v_proj").reshape(b, S, nkv, hd).transpose(0, 2, 1, 3)
        keys = np.concatenate([st.key, k], axis=2)
        values = np.concatenate([st.value, v], axis=2)
        T = keys.shape[2]
        past = T - S
        # GQA: query head j reads KV head j // (nq / nkv) (HF repeat_kv).
        kh = np.repeat(keys, nq // nkv, axis=1)
        vh = np.repeat(values, nq // nkv, axis=1)
        scores = q @ kh.transpose(0, 1, 3, 2) / np.sqrt(hd)  # [b, nq, S, T]
        causal = np.arange(T)[None, :] <= past + np.arange(S)[:, None]
        scores = np.where(causal, scores, -np.inf)
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        out = (probs @ vh).transpose(0, 2, 1, 3).reshape(b, S, nq * hd)
        return self._linear(out, p + "o_proj"), AttentionState(keys, values)

    def _mlp(self, i: int, u: np.ndarray) -> np.ndarray:
        p = f"layers.{i}.mlp."
        return self._linear(np.square(np.maximum(self._linear(u, p + "up_proj"), 0.0)), p + "down_proj")

    def _moe(self, i: int, u: np.ndarray) -> np.ndarray:
        c, w, p = self.config, self.w, f"layers.{i}.moe."
        x = u.reshape(-1, u.shape[-1])  # tokens [T, H]
        ids, weights = moe_route(x @ w[p + "router"].T, w[p + "router_bias"], c.num_experts_per_tok, c.n_group,
                                 c.topk_group, c.norm_topk_prob, c.routed_scaling_factor)
        latent = c.moe_latent_size is not None
        xl = self._linear(x, p + "latent_fc1") if latent else x
        routed = np.zeros_like(xl)
        for e in range(c.n_routed_experts):
            tokens, slots = np.nonzero(ids == e)
            if tokens.size:
                hidden = np.square(np.maximum(xl[tokens] @ w[p + "experts_up"][e].T, 0.0))
                np.add.at(routed, tokens, weights[tokens, slots, None] * (hidden @ w[p + "experts_down"][e].T))
        if latent:
            routed = self._linear(routed, p + "latent_fc2")
        shared = self._linear(np.square(np.maximum(self._linear(x, p + "shared_up"), 0.0)), p + "shared_down")
        return (routed + shared).reshape(u.shape)

    @classmethod
    def from_artifact(cls, artifact, scan: str = "chunked") -> "ReferenceModel":
        """Build from a :class:`tessera.checkpoint.Artifact` (or its path)."""
        from tessera.checkpoint.artifact import Artifact

        art = artifact if isinstance(artifact, Artifact) else Artifact.open(artifact)
        return cls(art.config, art.f32_weights(), scan=scan)
