"""Nemotron-H model configuration: the first stage of the Tessera pipeline.

Everything downstream (checkpoint converter, artifact reader, numpy reference,
graph builder) takes its shapes from one validated :class:`NemotronHConfig`.
There is exactly one loader, :func:`load_config`, which reads

* a Tessera YAML file (``configs/*.yaml``; strict: unknown keys are errors),
* a Hugging Face ``config.json`` (or a directory holding one; lenient: keys
  this stack does not use, e.g. MoE/MTP settings, are ignored), or
* an already-parsed dict in HF spelling (lenient, like config.json).

Field names follow HF's ``NemotronHConfig``; the loader also accepts every
legacy spelling HF 5.x's ``NemotronHConfig.__post_init__`` accepts
(``mamba_n_groups``, ``mamba_d_conv``, ... and ``layers_block_type`` /
``layer_types`` lists instead of ``hybrid_override_pattern``); all of them map
to one NemotronHConfig.

Validation follows what HF's ``NemotronHForCausalLM`` reads and computes: a
config HF runs, Tessera accepts; one HF would run into a shape error or compute
garbage for, Tessera refuses naming the field.  So the Mamba width is
``mamba_num_heads * mamba_head_dim`` (``expand`` is carried but never used), and
the fields of a block kind (FIELDS_BY_BLOCK) are required and range-checked only
when the pattern has that block; otherwise they may be absent (None) and are
only type-checked, as HF's strict config does.  Activations other than the ones
Tessera lowers (ReLU² MLP and experts, SiLU Mamba) are refused.  MoE ('E')
fields are range-checked only with 'E' layers, including the routing rules HF's
``NemotronHTopkRouter`` relies on (top-k within the kept groups, experts divisible
into groups of at least two); without 'E' they are type-checked and dropped.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tessera.errors import ConfigError

# Block letters of ``hybrid_override_pattern`` (HF ``_pattern_to_list``).
MAMBA, ATTENTION, MLP, MOE = "M", "*", "-", "E"
BLOCK_LETTERS = {MAMBA: "Mamba2", ATTENTION: "attention", MLP: "MLP", MOE: "MoE"}

# ``layers_block_type`` names -> letters.  "mamba"/"attention" are the legacy names
# HF remaps via ``_LEGACY_LAYER_TYPE_REMAP``.
_BLOCK_TYPE_TO_LETTER = {
    "linear_attention": MAMBA,
    "mamba": MAMBA,
    "full_attention": ATTENTION,
    "attention": ATTENTION,
    "mlp": MLP,
    "moe": MOE,
}
_LETTER_TO_BLOCK_TYPE = {MAMBA: "linear_attention", ATTENTION: "full_attention", MLP: "mlp", MOE: "moe"}

# Legacy spellings from HF NemotronHConfig.__post_init__ (transformers 5.24).  As in
# HF, when both the alias and the canonical key are present the alias wins.
# (``mamba_d_state`` is *not* a NemotronH spelling -- HF would silently ignore it
# and use ssm_state_size's default -- so it is not accepted here either.)
LEGACY_ALIASES = {
    "mamba_n_groups": "n_groups",
    "mamba_d_conv": "conv_kernel",
    "mamba_expand": "expand",
    "mamba_dt_min": "time_step_min",
    "mamba_dt_max": "time_step_max",
    "mamba_dt_limit": "time_step_limit",
    "mamba_dt_init_floor": "time_step_floor",
    "mamba_conv_bias": "use_conv_bias",
    "mamba_chunk_size": "chunk_size",
}

# HF NemotronHConfig fields (and PreTrainedConfig bookkeeping) that Tessera does not
# model.  A YAML file may carry them (so an HF config can be pasted into YAML) but
# they are dropped.  Anything else in a YAML file is reported as a typo.
_HF_IGNORED_FIELDS = frozenset(
    """architectures model_type transformers_version _name_or_path _note use_cache num_logits_to_keep
    use_mamba_kernels attention_dropout sliding_window mamba_ssm_cache_dtype
    output_router_logits n_shared_experts moe_shared_expert_overlap num_nextn_predict_layers
    mtp_layers_block_type mtp_hybrid_override_pattern initializer_range hidden_dropout
    rescale_prenorm_residual chunk_size_feed_forward id2label label2id is_encoder_decoder
    output_hidden_states problem_type return_dict auto_map""".split()
)

# Keys that name the layer pattern or alternative spellings handled by the loader.
_PATTERN_KEYS = ("hybrid_override_pattern", "layers_block_type", "layer_types")

# Shape-defining fields.  HF has 12B-scale defaults for all of them; silently
# inheriting those would only surface later as an opaque tensor-shape mismatch,
# so Tessera requires them to be spelled out -- but only those the layer pattern
# uses: HF never reads the Mamba fields of a model without 'M' layers (nor the
# attention fields without '*', the MLP fields without '-'), and such configs
# legitimately omit them.
REQUIRED_FIELDS = ("vocab_size", "hidden_size")
MAMBA_FIELDS = ("mamba_num_heads", "mamba_head_dim", "ssm_state_size", "n_groups")
ATTENTION_FIELDS = ("num_attention_heads", "head_dim")
MLP_FIELDS = ("intermediate_size",)
# HF builds exactly one shared expert whatever n_shared_experts says, so that field
# is not modelled (nor moe_shared_expert_overlap, a Megatron scheduling flag).
MOE_FIELDS = ("n_routed_experts", "num_experts_per_tok", "moe_intermediate_size",
              "moe_shared_expert_intermediate_size")
#: block letter -> the shape fields it needs (checked only when the letter occurs).
FIELDS_BY_BLOCK = {MAMBA: MAMBA_FIELDS, ATTENTION: ATTENTION_FIELDS, MLP: MLP_FIELDS, MOE: MOE_FIELDS}
#: MoE fields with HF defaults (used only with 'E' layers).
MOE_DEFAULTS = {"moe_latent_size": None, "n_group": 1, "topk_group": 1, "norm_topk_prob": True,
                "routed_scaling_factor": 1.0}
#: HF attribute_map spelling of n_routed_experts.
_MOE_ALIASES = {"num_local_experts": "n_routed_experts"}

# Activations Tessera lowers (HF accepts any ACT2FN name).
SUPPORTED_MLP_ACTS = ("relu2",)
SUPPORTED_MAMBA_ACTS = ("silu",)

_INF = float("inf")


@dataclass(frozen=True)
class NemotronHConfig:
    """Hyperparameters of a Nemotron-H model, with HF field names.

    Construction validates everything (types, positivity, divisibility and the
    layer pattern) and raises :class:`~tessera.errors.ConfigError` naming the field.
    """

    vocab_size: int
    hidden_size: int
    hybrid_override_pattern: str
    # Per-block shape fields: required when the pattern has that block, else may be
    # None (absent).  See FIELDS_BY_BLOCK.
    num_attention_heads: int | None = None
    head_dim: int | None = None
    intermediate_size: int | None = None
    mamba_num_heads: int | None = None
    mamba_head_dim: int | None = None
    ssm_state_size: int | None = None
    n_groups: int | None = None
    # MoE ('E') fields: MOE_FIELDS required with 'E' layers; the rest HF's defaults.
    n_routed_experts: int | None = None
    num_experts_per_tok: int | None = None
    moe_intermediate_size: int | None = None
    moe_shared_expert_intermediate_size: int | None = None
    moe_latent_size: int | None = None
    n_group: int = 1
    topk_group: int = 1
    norm_topk_prob: bool = True
    routed_scaling_factor: float = 1.0
    num_hidden_layers: int | None = None  # defaults to len(hybrid_override_pattern)
    num_key_value_heads: int | None = None  # defaults to num_attention_heads (as HF)
    mlp_hidden_act: str = "relu2"
    conv_kernel: int = 4
    # Mirrors HF's field, which HF's NemotronHForCausalLM never reads: the Mamba
    # mixer width is mamba_num_heads * mamba_head_dim (see d_inner), which differs
    # from expand * hidden_size in e.g. Nemotron-H-4B and Nano-9B-v2.
    expand: int = 2
    chunk_size: int = 128
    use_conv_bias: bool = True
    mamba_proj_bias: bool = False
    mamba_hidden_act: str = "silu"
    attention_bias: bool = False
    mlp_bias: bool = False
    time_step_limit: tuple[float, float] = (0.0, _INF)
    # Only used for initialisation by HF -- except that HF 5.x clamps prefill dt to
    # (time_step_min, inf) instead of time_step_limit (see tessera.reference).
    time_step_min: float = 0.001
    time_step_max: float = 0.1
    time_step_floor: float = 1e-4
    layer_norm_epsilon: float = 1e-5
    residual_in_fp32: bool = False
    tie_word_embeddings: bool = False
    max_position_embeddings: int = 4096
    bos_token_id: int | None = 1
    eos_token_id: int | tuple[int, ...] | None = 2
    pad_token_id: int | None = 0
    torch_dtype: str | None = None

    def __post_init__(self) -> None:
        # Frozen dataclass: normalise through object.__setattr__.
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731

        # Layer pattern first: which blocks occur decides which fields matter.
        pattern = self.hybrid_override_pattern
        if not isinstance(pattern, str):
            raise ConfigError(f"hybrid_override_pattern must be a string of block letters, got {_show(pattern)}")
        if not pattern:
            raise ConfigError("hybrid_override_pattern is empty: the model needs at least one layer")
        for pos, letter in enumerate(pattern):
            if letter not in BLOCK_LETTERS:
                raise ConfigError(
                    f"hybrid_override_pattern: unknown block letter {letter!r} at position {pos} "
                    f"(0-based) of {pattern!r}; expected one of "
                    + ", ".join(f"'{k}' ({v})" for k, v in BLOCK_LETTERS.items())
                )
        if self.num_hidden_layers is None:
            set_("num_hidden_layers", len(pattern))
        _check_int("num_hidden_layers", self.num_hidden_layers, positive=True)
        if len(pattern) != self.num_hidden_layers:
            # HF only warns and uses the pattern length; a mismatch almost always means a
            # truncated/edited pattern, so Tessera refuses it.
            raise ConfigError(
                f"num_hidden_layers is {self.num_hidden_layers} but hybrid_override_pattern {pattern!r} "
                f"has {len(pattern)} layers"
            )
        has = {letter: letter in pattern for letter in BLOCK_LETTERS}

        # Types are checked whatever the pattern (HF's strict config does the same);
        # values only where a block that uses them occurs.
        for name in REQUIRED_FIELDS:
            _check_int(name, getattr(self, name), positive=True)
        for letter, names in FIELDS_BY_BLOCK.items():
            for name in names:
                value = getattr(self, name)
                if value is None:
                    if has[letter]:
                        raise ConfigError(
                            f"missing required field {name!r} (the pattern has {BLOCK_LETTERS[letter]} "
                            f"layers {letter!r})")
                    continue
                _check_int(name, value, positive=True if has[letter] else None)
        if self.num_key_value_heads is None:
            set_("num_key_value_heads", self.num_attention_heads)
        if self.num_key_value_heads is not None:
            _check_int("num_key_value_heads", self.num_key_value_heads, positive=True if has[ATTENTION] else None)
        for name in ("conv_kernel", "chunk_size"):
            _check_int(name, getattr(self, name), positive=True if has[MAMBA] else None)
        _check_int("expand", self.expand, positive=None)
        _check_int("max_position_embeddings", self.max_position_embeddings, positive=True)
        for name in ("use_conv_bias", "mamba_proj_bias", "attention_bias", "mlp_bias", "residual_in_fp32",
                     "tie_word_embeddings"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be a boolean (true/false), got {_show(getattr(self, name))}")
        for name, letters, supported in (("mlp_hidden_act", (MLP, MOE), SUPPORTED_MLP_ACTS),
                                         ("mamba_hidden_act", (MAMBA,), SUPPORTED_MAMBA_ACTS)):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{name} must be a non-empty string, got {_show(value)}")
            if any(has[letter] for letter in letters) and value not in supported:
                raise ConfigError(
                    f"{name} {value!r} is not supported (Tessera lowers only "
                    + ", ".join(repr(a) for a in supported) + ")")
        for name in ("layer_norm_epsilon", "time_step_min", "time_step_max", "time_step_floor"):
            value = _check_float(name, getattr(self, name))
            checked = name == "layer_norm_epsilon" or has[MAMBA]  # time_step_*: Mamba only
            if checked and not (value > 0 or (name == "time_step_min" and value == 0)):
                raise ConfigError(f"{name} must be positive, got {value!r}")
            set_(name, value)
        set_("time_step_limit", _parse_time_step_limit(self.time_step_limit, check_range=has[MAMBA]))
        for name in ("bos_token_id", "pad_token_id"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), positive=False)
        eos = self.eos_token_id
        if isinstance(eos, (list, tuple)):
            for i, tok in enumerate(eos):
                _check_int(f"eos_token_id[{i}]", tok, positive=False)
            set_("eos_token_id", tuple(eos))
        elif eos is not None:
            _check_int("eos_token_id", eos, positive=False)
        if self.torch_dtype is not None:
            if not isinstance(self.torch_dtype, str):
                raise ConfigError(f"torch_dtype must be a string such as 'bfloat16', got {_show(self.torch_dtype)}")
            set_("torch_dtype", self.torch_dtype.removeprefix("torch."))

        # Cross-field rules, each one HF's modeling code relies on.
        if has[ATTENTION] and self.num_attention_heads % self.num_key_value_heads:
            # HF's repeat_kv replicates each KV head num_attention_heads // num_key_value_heads times.
            raise ConfigError(
                f"num_attention_heads ({self.num_attention_heads}) must be a multiple of "
                f"num_key_value_heads ({self.num_key_value_heads}) for grouped-query attention"
            )
        if has[MAMBA] and self.mamba_num_heads % self.n_groups:
            # HF repeats each B/C group over mamba_num_heads // n_groups heads and normalises
            # the gated RMSNorm in n_groups groups of d_inner / n_groups channels.
            raise ConfigError(
                f"mamba_num_heads ({self.mamba_num_heads}) must be a multiple of n_groups ({self.n_groups})"
            )

        self._check_moe(has[MOE])

    def _check_moe(self, has_moe: bool) -> None:
        """The router's rules (HF ``NemotronHTopkRouter``): experts split into
        ``n_group`` equal groups, each group scored by the sum of its top-2 corrected
        scores, ``topk_group`` groups kept, then ``num_experts_per_tok`` experts
        chosen among the kept ones.  Without 'E' layers the fields are type-checked
        and dropped, so a dense config equals itself whatever MoE defaults HF wrote."""
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        if self.moe_latent_size is not None:
            _check_int("moe_latent_size", self.moe_latent_size, positive=True if has_moe else None)
        for name in ("n_group", "topk_group"):
            _check_int(name, getattr(self, name), positive=True if has_moe else None)
        if not isinstance(self.norm_topk_prob, bool):
            raise ConfigError(f"norm_topk_prob must be a boolean (true/false), got {_show(self.norm_topk_prob)}")
        set_("routed_scaling_factor", _check_float("routed_scaling_factor", self.routed_scaling_factor))
        if not has_moe:
            for name in MOE_FIELDS:
                set_(name, None)
            for name, value in MOE_DEFAULTS.items():
                set_(name, value)
            return
        E, k = self.n_routed_experts, self.num_experts_per_tok
        if k > E:
            raise ConfigError(f"num_experts_per_tok ({k}) must not exceed n_routed_experts ({E})")
        if E % self.n_group:
            raise ConfigError(f"n_routed_experts ({E}) must be divisible by n_group ({self.n_group})")
        if self.topk_group > self.n_group:
            raise ConfigError(f"topk_group ({self.topk_group}) must not exceed n_group ({self.n_group})")
        per_group = E // self.n_group
        if per_group < 2:
            # HF scores a group by the sum of its two best experts (topk(2)), which fails.
            raise ConfigError(
                f"n_group ({self.n_group}) leaves {per_group} expert per group; the router scores each "
                f"group by its top-2 experts, so n_routed_experts / n_group must be at least 2")
        if k > self.topk_group * per_group:
            # HF would fill the rest of the top-k with experts of groups it masked to -inf.
            raise ConfigError(
                f"num_experts_per_tok ({k}) exceeds the experts in the topk_group ({self.topk_group}) kept "
                f"groups of {per_group} experts each")

    # ----------------------------------------------------------------- derived
    @property
    def d_inner(self) -> int:
        """Mamba inner width (HF ``intermediate_size`` of the mixer)."""
        return self.mamba_num_heads * self.mamba_head_dim

    @property
    def conv_dim(self) -> int:
        """Channels of the depthwise conv: x, B and C."""
        return self.d_inner + 2 * self.n_groups * self.ssm_state_size

    @property
    def in_proj_dim(self) -> int:
        """Rows of in_proj: z (d_inner) + xBC (conv_dim) + dt (mamba_num_heads)."""
        return 2 * self.d_inner + 2 * self.n_groups * self.ssm_state_size + self.mamba_num_heads

    @property
    def layer_kinds(self) -> list[str]:
        """One letter per layer: 'M' Mamba2, '*' attention, '-' MLP, 'E' MoE."""
        return list(self.hybrid_override_pattern)

    @property
    def layers_block_type(self) -> list[str]:
        """HF 5.x spelling of the pattern."""
        return [_LETTER_TO_BLOCK_TYPE[k] for k in self.hybrid_override_pattern]

    @property
    def mamba_group_size(self) -> int:
        """Channels per group of the gated RMSNorm (d_inner / n_groups)."""
        return self.d_inner // self.n_groups

    @property
    def moe_input_dim(self) -> int:
        """Width the routed experts see: moe_latent_size, else hidden_size."""
        return self.moe_latent_size if self.moe_latent_size is not None else self.hidden_size

    @property
    def attention_q_dim(self) -> int:
        return self.num_attention_heads * self.head_dim

    @property
    def attention_kv_dim(self) -> int:
        return self.num_key_value_heads * self.head_dim

    # ------------------------------------------------------------------ export
    def to_hf_dict(self, json_safe: bool = False) -> dict[str, Any]:
        """An HF ``config.json`` dict that ``transformers.NemotronHConfig(**d)`` accepts.

        ``json_safe=True`` writes non-finite floats as the strings "inf"/"-inf" so the
        result is strict JSON (used for Tessera manifests, read by C++).  HF 5.x
        itself rejects the string form; the default keeps Python floats, which
        ``json.dumps`` writes as the ``Infinity`` literal that HF and Python accept.
        """
        lo, hi = self.time_step_limit
        if json_safe:
            lo, hi = (_json_float(lo), _json_float(hi))
        d: dict[str, Any] = {
            "architectures": ["NemotronHForCausalLM"],
            "model_type": "nemotron_h",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "hybrid_override_pattern": self.hybrid_override_pattern,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "head_dim": self.head_dim,
            "attention_bias": self.attention_bias,
            "intermediate_size": self.intermediate_size,
            "mlp_hidden_act": self.mlp_hidden_act,
            "mlp_bias": self.mlp_bias,
            "mamba_num_heads": self.mamba_num_heads,
            "mamba_head_dim": self.mamba_head_dim,
            "ssm_state_size": self.ssm_state_size,
            "n_groups": self.n_groups,
            "conv_kernel": self.conv_kernel,
            "expand": self.expand,
            "chunk_size": self.chunk_size,
            "use_conv_bias": self.use_conv_bias,
            "mamba_proj_bias": self.mamba_proj_bias,
            # HF (5.x and NVIDIA's remote code) builds the Mamba in/out_proj bias from
            # `use_bias`, not `mamba_proj_bias`; keep them equal so HF builds what we mean.
            "use_bias": self.mamba_proj_bias,
            "mamba_hidden_act": self.mamba_hidden_act,
            "time_step_limit": [lo, hi],
            "time_step_min": self.time_step_min,
            "time_step_max": self.time_step_max,
            "time_step_floor": self.time_step_floor,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "residual_in_fp32": self.residual_in_fp32,
            "tie_word_embeddings": self.tie_word_embeddings,
            "max_position_embeddings": self.max_position_embeddings,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": list(self.eos_token_id) if isinstance(self.eos_token_id, tuple) else self.eos_token_id,
            "pad_token_id": self.pad_token_id,
        }
        if self.torch_dtype is not None:
            d["torch_dtype"] = self.torch_dtype
        if MOE in self.hybrid_override_pattern:
            for name in MOE_FIELDS + tuple(MOE_DEFAULTS):
                d[name] = getattr(self, name)
        # Shape fields of blocks the pattern lacks may be absent; HF then keeps its
        # defaults, which it never reads either.
        for names in FIELDS_BY_BLOCK.values():
            for name in names:
                if d.get(name, 0) is None:
                    del d[name]
        if d["num_key_value_heads"] is None:
            del d["num_key_value_heads"]
        return d

    def replace(self, **changes: Any) -> "NemotronHConfig":
        """A copy with some fields changed (re-validated)."""
        if "hybrid_override_pattern" in changes and "num_hidden_layers" not in changes:
            changes["num_hidden_layers"] = None
        return dataclasses.replace(self, **changes)


# ---------------------------------------------------------------------------- loading
def load_config(source: str | os.PathLike | Mapping[str, Any] | NemotronHConfig) -> NemotronHConfig:
    """Load and validate a config from a YAML file, an HF config.json (or its
    directory), or a dict in HF spelling.  Raises ConfigError naming the field
    (prefixed with the file it came from)."""
    if isinstance(source, NemotronHConfig):
        return source
    if isinstance(source, Mapping):
        return _from_dict(dict(source), origin="config", strict=False)
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError(f"cannot load a config from {type(source).__name__}")
    path = Path(source)
    if path.is_dir():
        path = path / "config.json"
        if not path.is_file():
            raise ConfigError(f"{source}: directory has no config.json")
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config: {e}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        data = _parse_yaml(text, path)
        strict = True
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}: invalid JSON: {e}") from None
        strict = False
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of field names, got {type(data).__name__}")
    return _from_dict(data, origin=str(path), strict=strict)


def _from_dict(data: dict[str, Any], origin: str, strict: bool) -> NemotronHConfig:
    try:
        return NemotronHConfig(**_normalise(data, strict))
    except ConfigError as e:
        raise ConfigError(f"{origin}: {e}") from None


def _normalise(data: dict[str, Any], strict: bool) -> dict[str, Any]:
    """Map HF/legacy spellings onto NemotronHConfig's constructor arguments."""
    data = dict(data)
    model_type = data.get("model_type")
    if model_type is not None and model_type != "nemotron_h":
        raise ConfigError(f"model_type is {model_type!r}, expected 'nemotron_h'")
    fields = {f.name for f in dataclasses.fields(NemotronHConfig)}

    if strict:
        known = fields | set(LEGACY_ALIASES) | set(_MOE_ALIASES) | set(_PATTERN_KEYS) | _HF_IGNORED_FIELDS | {"dtype", "use_bias"}
        for key in data:
            if key not in known:
                hint = difflib.get_close_matches(key, sorted(known), n=1)
                raise ConfigError(f"unknown field {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))

    out: dict[str, Any] = {k: v for k, v in data.items() if k in fields}
    for alias, canonical in LEGACY_ALIASES.items():
        if alias in data:
            out[canonical] = data[alias]  # alias wins, as in HF's __post_init__
    for alias, canonical in _MOE_ALIASES.items():
        if alias in data and canonical not in data:
            out[canonical] = data[alias]
    # HF 5.x writes `dtype`; older configs (and the published ones) `torch_dtype`.
    if "dtype" in data and data["dtype"] is not None:
        out["torch_dtype"] = data["dtype"]
    # The Mamba projection bias is built from `use_bias` in HF (see to_hf_dict).
    if "use_bias" in data:
        if not isinstance(data["use_bias"], bool):
            raise ConfigError(f"use_bias must be a boolean (true/false), got {_show(data['use_bias'])}")
        out["mamba_proj_bias"] = data["use_bias"]

    out["hybrid_override_pattern"] = _pattern_from(data)

    for name in REQUIRED_FIELDS:
        if out.get(name) is None:
            raise ConfigError(f"missing required field {name!r}")
    if MAMBA in out["hybrid_override_pattern"] and out.get("ssm_state_size") is None and "mamba_d_state" in data:
        raise ConfigError("missing required field 'ssm_state_size' ('mamba_d_state' is not a NemotronH spelling)")
    # Per-block fields (FIELDS_BY_BLOCK) are checked against the pattern by NemotronHConfig.
    return out


def _pattern_from(data: dict[str, Any]) -> str:
    pattern = data.get("hybrid_override_pattern")
    list_key = next((k for k in ("layers_block_type", "layer_types") if data.get(k) is not None), None)
    if pattern is None and list_key is None:
        raise ConfigError("missing required field 'hybrid_override_pattern' (or a 'layers_block_type' list)")
    if list_key is None:
        return pattern  # validated (letters, length) by NemotronHConfig
    blocks = data[list_key]
    if not isinstance(blocks, list):
        raise ConfigError(f"{list_key} must be a list of block type names, got {_show(blocks)}")
    letters = []
    for i, name in enumerate(blocks):
        if name not in _BLOCK_TYPE_TO_LETTER:
            raise ConfigError(
                f"{list_key}[{i}]: unknown block type {name!r}; expected one of "
                + ", ".join(repr(n) for n in _BLOCK_TYPE_TO_LETTER)
            )
        letters.append(_BLOCK_TYPE_TO_LETTER[name])
    from_list = "".join(letters)
    if pattern is not None and pattern != from_list:
        # HF silently prefers the list; two disagreeing layer layouts is a broken config.
        raise ConfigError(
            f"hybrid_override_pattern {pattern!r} disagrees with {list_key} (which spells {from_list!r})"
        )
    return from_list


# ---------------------------------------------------------------------------- helpers
def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _check_int(name: str, value: Any, positive: bool | None) -> None:
    """``positive``: True (> 0), False (>= 0) or None (any integer: a field the
    model does not use, which HF type-checks but never reads)."""
    # bool is an int subclass in Python; `true` as a dimension is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {_show(value)}")
    if positive and value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    if positive is False and value < 0:
        raise ConfigError(f"{name} must be non-negative, got {value}")


def _parse_float(value: Any) -> float | None:
    """A float from a number or one of the inf spellings seen in the wild:
    the strings "inf"/"Infinity" and HF 5.x's {"__float__": "Infinity"}."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and set(value) == {"__float__"}:
        value = value["__float__"]
    if isinstance(value, str) and value.strip().lower().lstrip("+-") in ("inf", "infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    return None


def _check_float(name: str, value: Any, allow_inf: bool = False) -> float:
    parsed = _parse_float(value)
    if parsed is None or math.isnan(parsed) or (math.isinf(parsed) and not allow_inf):
        raise ConfigError(f"{name} must be a finite number, got {_show(value)}")
    return parsed


def _parse_time_step_limit(value: Any, check_range: bool = True) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(f"time_step_limit must be a pair [min, max], got {_show(value)}")
    lo = _check_float("time_step_limit[0]", value[0])
    hi = _check_float("time_step_limit[1]", value[1], allow_inf=True)
    if check_range and (lo < 0 or hi < lo):
        raise ConfigError(f"time_step_limit must satisfy 0 <= min <= max, got [{lo}, {hi}]")
    return (lo, hi)


def _json_float(x: float) -> float | str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


class _YamlLoader:
    """Lazily-built PyYAML SafeLoader that also reads YAML 1.2 floats like ``1e-5``
    (YAML 1.1, which PyYAML implements, would read that as a *string*)."""

    _cls = None

    @classmethod
    def get(cls):
        if cls._cls is None:
            import yaml

            class Loader(yaml.SafeLoader):
                pass

            Loader.add_implicit_resolver(
                "tag:yaml.org,2002:float",
                re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                list("-+0123456789"),
            )
            cls._cls = Loader
        return cls._cls


def _parse_yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_YamlLoader.get())  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None


def builtin_config_path(name: str = "nemotron_h_tiny") -> Path:
    """Path of a shipped config (``nemotron_h_tiny`` is the project's embedded default
    model).  Looked up in $TESSERA_CONFIG_DIR, then the source tree's ``configs/``,
    then ``tessera/configs/`` inside the installed package."""
    here = Path(__file__).resolve().parent
    roots = [Path(os.environ["TESSERA_CONFIG_DIR"])] if os.environ.get("TESSERA_CONFIG_DIR") else []
    roots += [here.parents[1] / "configs", here / "configs"]
    filename = f"{name.removesuffix('.yaml')}.yaml"
    for root in roots:
        if (root / filename).is_file():
            return root / filename
    raise ConfigError(f"no built-in config named {name!r} (looked in {', '.join(str(r) for r in roots)})")
