"""Config loading (tessera.config): YAML/JSON/dict sources, HF spellings, validation."""

import json
import math

import pytest

from conftest import REPO, shared_file
from tessera.config import NemotronHConfig, builtin_config_path, load_config
from tessera.errors import ConfigError, TesseraError

# NVIDIA-Nemotron-Nano-12B-v2-Base's published config.json values (copied from the
# project's shared/reference/nemotron-nano-12b-v2-base.json, which is compared too).
PUBLISHED_12B = {
    "architectures": ["NemotronHForCausalLM"], "model_type": "nemotron_h", "vocab_size": 131072,
    "hidden_size": 5120, "num_hidden_layers": 62,
    "hybrid_override_pattern": "M-M-M-M*-M-M-M-M*-M-M-M-M*-M-M-M-M*-M-M-M-M*-M-M-M-M*-M-M-M-M-",
    "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128, "attention_bias": False,
    "intermediate_size": 20480, "mlp_hidden_act": "relu2", "mlp_bias": False, "mamba_num_heads": 128,
    "mamba_head_dim": 80, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4, "expand": 2,
    "chunk_size": 128, "use_conv_bias": True, "mamba_proj_bias": False, "mamba_hidden_act": "silu",
    "time_step_limit": [0.0, "inf"], "layer_norm_epsilon": 1e-05, "residual_in_fp32": False,
    "tie_word_embeddings": False, "max_position_embeddings": 131072, "bos_token_id": 1, "eos_token_id": 2,
    "pad_token_id": 0, "torch_dtype": "bfloat16",
}


def tiny_dict(**overrides):
    d = load_config(builtin_config_path()).to_hf_dict()
    d.update(overrides)
    return d


#: MoE fields of a small valid 'E' config (8 experts in 2 groups, top-2 of 1 group).
MOE = dict(n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=24,
           moe_shared_expert_intermediate_size=40, n_group=2, topk_group=1)


def test_12b_yaml_mirrors_published_config_field_for_field():
    import yaml

    ours = yaml.safe_load((REPO / "configs" / "nemotron_nano_12b_v2_base.yaml").read_text())
    sources = [PUBLISHED_12B, json.loads(shared_file("reference/nemotron-nano-12b-v2-base.json").read_text())]
    for ref in sources:
        ref = {k: v for k, v in ref.items() if k != "_note"}
        assert set(ours) == set(ref)
        for key, value in ref.items():
            if key == "time_step_limit":
                assert ours[key] == [0.0, math.inf] and value == [0.0, "inf"]
            else:
                assert ours[key] == value and type(ours[key]) is type(value), key
        assert load_config(ref) == load_config(REPO / "configs" / "nemotron_nano_12b_v2_base.yaml")
    a = load_config(REPO / "configs" / "nemotron_nano_12b_v2_base.yaml")
    assert (a.d_inner, a.conv_dim, a.in_proj_dim) == (10240, 12288, 22656)
    assert a.layer_kinds.count("M") == 28 and a.layer_kinds.count("*") == 6 and a.layer_kinds.count("-") == 28
    assert a.time_step_limit == (0.0, math.inf) and a.torch_dtype == "bfloat16"


def test_tiny_config_has_every_dense_block_kind(tiny_config):
    assert set(tiny_config.layer_kinds) == {"M", "*", "-"}
    c = tiny_config
    assert c.n_groups > 1 and c.num_attention_heads > c.num_key_value_heads
    assert c.d_inner == 128 and c.conv_dim == 128 + 2 * 2 * 16 and c.in_proj_dim == 2 * 128 + 64 + 8
    with pytest.raises(Exception):
        c.hidden_size = 3  # frozen


def test_loads_hf_config_json_from_file_and_directory(tmp_path, tiny_config):
    (tmp_path / "config.json").write_text(json.dumps(tiny_config.to_hf_dict()))
    assert load_config(tmp_path) == tiny_config
    assert load_config(tmp_path / "config.json") == tiny_config
    assert load_config(tiny_config.to_hf_dict()) == tiny_config
    assert load_config(tiny_config.to_hf_dict(json_safe=True)) == tiny_config


def test_transformers_own_config_json_is_accepted(tiny_config):
    """HF 5.x writes layers_block_type (no pattern, no num_hidden_layers), `dtype`,
    and infinity as {"__float__": "Infinity"}."""
    from transformers import NemotronHConfig as HFConfig

    hf = HFConfig(**tiny_config.to_hf_dict())
    d = json.loads(hf.to_json_string())
    assert "hybrid_override_pattern" not in d and "layers_block_type" in d
    assert d["dtype"] == "bfloat16" and d["time_step_limit"][1] == {"__float__": "Infinity"}
    assert load_config(d) == tiny_config
    # and the other direction: HF accepts what we produce, with the same meaning
    assert hf.hybrid_override_pattern == tiny_config.hybrid_override_pattern
    assert hf.n_groups == tiny_config.n_groups and hf.time_step_limit[1] == math.inf


@pytest.mark.parametrize("alias,canonical,value", [
    ("mamba_n_groups", "n_groups", 4),
    ("mamba_d_conv", "conv_kernel", 3),
    ("mamba_chunk_size", "chunk_size", 8),
    ("mamba_conv_bias", "use_conv_bias", False),
    ("mamba_dt_limit", "time_step_limit", (0.01, 10.0)),
    ("mamba_dt_min", "time_step_min", 0.002),
    ("mamba_dt_max", "time_step_max", 0.2),
    ("mamba_dt_init_floor", "time_step_floor", 0.001),
])
def test_legacy_aliases(alias, canonical, value):
    d = tiny_dict()
    d.pop(canonical)
    d[alias] = list(value) if isinstance(value, tuple) else value
    assert getattr(load_config(d), canonical) == value


def test_alias_wins_over_canonical_like_hf():
    assert load_config(tiny_dict(mamba_n_groups=4, n_groups=2)).n_groups == 4


def test_mamba_expand_alias():
    d = tiny_dict()
    d.pop("expand")
    d["mamba_expand"] = 2
    assert load_config(d).expand == 2
    # HF never reads expand (the Mamba width is heads x head_dim), so any value loads
    assert load_config(dict(d, mamba_expand=3)).expand == 3
    assert load_config(dict(d, mamba_expand=3)).d_inner == 8 * 16


def test_layer_list_spellings():
    d = tiny_dict()
    d.pop("hybrid_override_pattern")
    d.pop("num_hidden_layers")
    for key, names in [
        ("layers_block_type", ["linear_attention", "full_attention", "linear_attention", "mlp", "mamba", "mlp"]),
        ("layer_types", ["mamba", "attention", "mamba", "mlp", "linear_attention", "mlp"]),
    ]:
        assert load_config(dict(d, **{key: names})).hybrid_override_pattern == "M*M-M-"
    c = load_config(dict(d, layers_block_type=["mamba", "moe"], **MOE))
    assert c.layer_kinds == ["M", "E"] and c.layers_block_type == ["linear_attention", "moe"]


def test_moe_letter_is_accepted_by_the_config():
    c = load_config(tiny_dict(hybrid_override_pattern="ME*-", num_hidden_layers=4, **MOE))
    assert c.layer_kinds == ["M", "E", "*", "-"]
    assert (c.n_routed_experts, c.num_experts_per_tok, c.n_group, c.topk_group, c.moe_latent_size,
            c.norm_topk_prob, c.routed_scaling_factor, c.moe_input_dim) == (8, 2, 2, 1, None, True, 1.0, c.hidden_size)
    assert load_config(c.to_hf_dict()) == c
    latent = load_config(tiny_dict(hybrid_override_pattern="E", num_hidden_layers=1, moe_latent_size=16, **MOE))
    assert latent.moe_input_dim == 16
    # HF's attribute_map spelling of the expert count
    d = tiny_dict(hybrid_override_pattern="E", num_hidden_layers=1, **MOE)
    d["num_local_experts"] = d.pop("n_routed_experts")
    assert load_config(d).n_routed_experts == 8


@pytest.mark.parametrize("field", ["n_routed_experts", "num_experts_per_tok", "moe_intermediate_size",
                                   "moe_shared_expert_intermediate_size"])
def test_moe_shape_fields_are_required_with_e_layers(field):
    d = tiny_dict(hybrid_override_pattern="M-E", num_hidden_layers=3, **MOE)
    del d[field]
    with pytest.raises(ConfigError, match=rf"missing required field '{field}' \(the pattern has MoE layers 'E'\)"):
        load_config(d)


@pytest.mark.parametrize("changes, message", [
    (dict(num_experts_per_tok=9), r"num_experts_per_tok \(9\) must not exceed n_routed_experts \(8\)"),
    (dict(n_group=3, topk_group=1), r"n_routed_experts \(8\) must be divisible by n_group \(3\)"),
    (dict(topk_group=4, n_group=2), r"topk_group \(4\) must not exceed n_group \(2\)"),
    (dict(n_group=8, topk_group=2), r"n_group \(8\) leaves 1 expert per group"),
    (dict(num_experts_per_tok=5, n_group=2, topk_group=1),
     r"num_experts_per_tok \(5\) exceeds the experts in the topk_group \(1\) kept groups of 4"),
    (dict(n_routed_experts=0), r"n_routed_experts must be positive, got 0"),
    (dict(moe_latent_size=0), r"moe_latent_size must be positive, got 0"),
    (dict(n_group=0), r"n_group must be positive, got 0"),
    (dict(norm_topk_prob="yes"), r"norm_topk_prob must be a boolean"),
    (dict(routed_scaling_factor="big"), r"routed_scaling_factor must be a finite number"),
    (dict(num_experts_per_tok=2.5), r"num_experts_per_tok must be an integer"),
    (dict(mlp_hidden_act="silu"), r"mlp_hidden_act 'silu' is not supported"),
])
def test_bad_moe_configs_are_refused_naming_the_field(changes, message):
    d = tiny_dict(hybrid_override_pattern="ME", num_hidden_layers=2, **dict(MOE, **changes))
    with pytest.raises(ConfigError, match=message):
        load_config(d)


def test_moe_fields_of_a_dense_config_are_type_checked_and_dropped():
    c = load_config(tiny_dict(**dict(MOE, num_experts_per_tok=99)))  # no 'E': not range-checked
    assert c.n_routed_experts is None and c.num_experts_per_tok is None and c.n_group == 1
    assert c == load_config(tiny_dict())
    with pytest.raises(ConfigError, match="n_group must be an integer"):
        load_config(tiny_dict(n_group="two"))


def test_infinity_spellings():
    for spelling in ("inf", "Infinity", {"__float__": "Infinity"}, math.inf):
        assert load_config(tiny_dict(time_step_limit=[0.0, spelling])).time_step_limit == (0.0, math.inf)
    # the Infinity literal Python's json writes (and HF reads)
    assert load_config(json.loads(json.dumps(tiny_dict()))).time_step_limit[1] == math.inf


def test_nullable_fields_keep_null():
    c = load_config(tiny_dict(eos_token_id=None, pad_token_id=None, num_key_value_heads=None))
    assert c.eos_token_id is None and c.pad_token_id is None
    assert c.num_key_value_heads == c.num_attention_heads  # HF's backward-compatible default
    assert load_config(tiny_dict(eos_token_id=[2, 11])).eos_token_id == (2, 11)


def test_dtype_spellings_and_use_bias():
    assert load_config(tiny_dict(torch_dtype="torch.float16")).torch_dtype == "float16"
    assert load_config(tiny_dict(dtype="float32")).torch_dtype == "float32"
    # HF builds the Mamba projection bias from `use_bias`
    assert load_config(tiny_dict(use_bias=True, mamba_proj_bias=False)).mamba_proj_bias is True
    assert load_config(tiny_dict(use_bias=False, mamba_proj_bias=True)).mamba_proj_bias is False
    d = tiny_dict(mamba_proj_bias=True)
    d.pop("use_bias")
    assert load_config(d).mamba_proj_bias is True


def test_yaml_reads_yaml12_floats(tmp_path):
    text = (REPO / "configs" / "nemotron_h_tiny.yaml").read_text().replace("1.0e-05", "1e-6")
    (tmp_path / "c.yaml").write_text(text)
    assert load_config(tmp_path / "c.yaml").layer_norm_epsilon == 1e-6


def test_round_trip_through_hf_dict(tiny_config):
    for c in (tiny_config, load_config(REPO / "configs" / "nemotron_nano_12b_v2_base.yaml")):
        assert load_config(c.to_hf_dict()) == c
        assert json.loads(json.dumps(c.to_hf_dict(json_safe=True), allow_nan=False))


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("overrides,message", [
    ({"hybrid_override_pattern": "M*X-M-"}, r"unknown block letter 'X' at position 2"),
    ({"hybrid_override_pattern": "M*M-"}, r"num_hidden_layers is 6 but hybrid_override_pattern 'M\*M-' has 4 layers"),
    ({"hybrid_override_pattern": ""}, r"hybrid_override_pattern is empty"),
    ({"num_attention_heads": 5}, r"num_attention_heads \(5\) must be a multiple of num_key_value_heads \(2\)"),
    ({"n_groups": 16}, r"mamba_num_heads \(8\) must be a multiple of n_groups \(16\)"),
    ({"mlp_hidden_act": "gelu"}, r"mlp_hidden_act 'gelu' is not supported \(Tessera lowers only 'relu2'\)"),
    ({"mamba_hidden_act": "relu"}, r"mamba_hidden_act 'relu' is not supported \(Tessera lowers only 'silu'\)"),
    ({"mamba_num_heads": "8", "hybrid_override_pattern": "*-*-*-"}, r"mamba_num_heads must be an integer, got str"),
    ({"head_dim": 16.0, "hybrid_override_pattern": "M-M-M-"}, r"head_dim must be an integer, got float"),
    ({"conv_kernel": 0}, r"conv_kernel must be positive, got 0"),
    ({"num_key_value_heads": 0}, r"num_key_value_heads must be positive, got 0"),
    ({"n_groups": 3}, r"mamba_num_heads \(8\) must be a multiple of n_groups \(3\)"),
    ({"hidden_size": "64"}, r"hidden_size must be an integer, got str '64'"),
    ({"hidden_size": 64.0}, r"hidden_size must be an integer, got float 64.0"),
    ({"vocab_size": True}, r"vocab_size must be an integer, got bool True"),
    ({"ssm_state_size": 0}, r"ssm_state_size must be positive, got 0"),
    ({"chunk_size": -16}, r"chunk_size must be positive, got -16"),
    ({"use_conv_bias": "yes"}, r"use_conv_bias must be a boolean"),
    ({"time_step_limit": [0.0]}, r"time_step_limit must be a pair"),
    ({"time_step_limit": [1.0, 0.5]}, r"0 <= min <= max"),
    ({"layer_norm_epsilon": "small"}, r"layer_norm_epsilon must be a finite number"),
    ({"layer_norm_epsilon": "inf"}, r"layer_norm_epsilon must be a finite number"),
    ({"conv_kernel": None}, r"conv_kernel must be an integer, got NoneType None"),
    ({"model_type": "llama"}, r"model_type is 'llama', expected 'nemotron_h'"),
    ({"layers_block_type": ["mamba", "transformer"], "hybrid_override_pattern": None},
     r"layers_block_type\[1\]: unknown block type 'transformer'"),
    ({"layers_block_type": ["mamba", "attention", "mamba", "mlp", "mamba", "mlp"], "hybrid_override_pattern": "MMMMMM"},
     r"disagrees with layers_block_type"),
])
def test_validation_errors_name_the_field(overrides, message):
    d = tiny_dict(**overrides)
    if d.get("hybrid_override_pattern") is None:
        d.pop("hybrid_override_pattern")
        d.pop("num_hidden_layers")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(d)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, TesseraError)


@pytest.mark.parametrize("field", ["vocab_size", "hidden_size", "n_groups", "ssm_state_size", "mamba_head_dim"])
def test_missing_required_field(field):
    d = tiny_dict()
    d.pop(field)
    with pytest.raises(ConfigError, match=f"missing required field '{field}'"):
        load_config(d)


def test_missing_pattern():
    d = tiny_dict()
    d.pop("hybrid_override_pattern")
    with pytest.raises(ConfigError, match="missing required field 'hybrid_override_pattern'"):
        load_config(d)


def test_mamba_d_state_is_not_a_spelling():
    d = tiny_dict()
    d["mamba_d_state"] = d.pop("ssm_state_size")
    with pytest.raises(ConfigError, match="missing required field 'ssm_state_size'.*mamba_d_state"):
        load_config(d)


def test_yaml_is_strict_about_unknown_keys_json_is_not(tmp_path):
    text = (REPO / "configs" / "nemotron_h_tiny.yaml").read_text()
    (tmp_path / "typo.yaml").write_text(text.replace("hidden_size: 64", "hiden_size: 64"))
    with pytest.raises(ConfigError, match=r"typo.yaml: unknown field 'hiden_size' \(did you mean 'hidden_size'\?\)"):
        load_config(tmp_path / "typo.yaml")
    # config.json files legitimately carry fields Tessera does not use
    assert load_config(tiny_dict(n_routed_experts=8, some_future_field=1)).hidden_size == 64


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="directory has no config.json"):
        load_config(tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="bad.json: invalid JSON"):
        load_config(tmp_path / "bad.json")
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="bad.yaml: invalid YAML"):
        load_config(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(tmp_path / "list.yaml")
    with pytest.raises(ConfigError, match="no built-in config named 'huge'"):
        builtin_config_path("huge")


def test_direct_construction_validates(tiny_config):
    with pytest.raises(ConfigError, match="unknown block letter 'm' at position 0"):
        tiny_config.replace(hybrid_override_pattern="m")
    assert tiny_config.replace(hybrid_override_pattern="M").num_hidden_layers == 1
    assert isinstance(tiny_config, NemotronHConfig)


# ----------------------------------------------- validation follows HF's semantics
def _hf_shapes(config):
    """Parameter shapes of transformers' NemotronHForCausalLM for ``config``
    (built on the meta device: no memory, no init)."""
    import torch
    from transformers import NemotronHConfig as HFConfig, NemotronHForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with torch.device("meta"):
        model = NemotronHForCausalLM(HFConfig(**config.to_hf_dict()))
    return {name.replace("model.", "backbone.", 1): tuple(p.shape) for name, p in model.named_parameters()}


def _our_shapes(config):
    from tessera.checkpoint.names import weight_specs

    return {s.hf_name: s.hf_shape for s in weight_specs(config)}


def test_mamba_width_is_heads_times_head_dim_not_expand():
    """Nano-9B-v2 / H-4B shape class: heads x head_dim != expand x hidden (HF never
    reads expand); Tessera's tensors are exactly the ones HF builds."""
    c = load_config(tiny_dict(hidden_size=48, mamba_num_heads=6, mamba_head_dim=20, n_groups=3))
    assert c.d_inner == 120 != c.expand * c.hidden_size
    assert _our_shapes(c) == _hf_shapes(c)


@pytest.mark.parametrize("pattern,absent", [
    ("*-*-", ("mamba_num_heads", "mamba_head_dim", "ssm_state_size", "n_groups")),
    ("M-M-", ("num_attention_heads", "head_dim", "num_key_value_heads")),
    ("M*M*", ("intermediate_size",)),
    ("-", ("mamba_num_heads", "mamba_head_dim", "ssm_state_size", "n_groups", "num_attention_heads",
           "head_dim", "num_key_value_heads")),
])
def test_fields_of_absent_blocks_are_optional(pattern, absent):
    d = tiny_dict(hybrid_override_pattern=pattern, num_hidden_layers=len(pattern))
    for name in absent:
        d.pop(name)
    c = load_config(d)
    for name in absent:
        assert getattr(c, name) is None
    assert load_config(c.to_hf_dict()) == c  # round trip keeps them absent
    assert _our_shapes(c) == _hf_shapes(c)  # and HF builds the same model from our dict


@pytest.mark.parametrize("pattern,overrides", [
    # fields HF never reads for this pattern: values that would be refused with the block
    ("*-*-", {"n_groups": 3, "mamba_num_heads": 0, "chunk_size": 0, "conv_kernel": -1, "mamba_hidden_act": "relu",
              "time_step_min": -1.0, "time_step_limit": (1.0, 0.5)}),
    ("M-M-", {"num_attention_heads": 5, "num_key_value_heads": 2, "head_dim": 0}),
    ("M*M*", {"intermediate_size": 0, "mlp_hidden_act": "gelu"}),
])
def test_fields_of_absent_blocks_are_not_validated(pattern, overrides):
    c = load_config(tiny_dict(hybrid_override_pattern=pattern, num_hidden_layers=len(pattern), **overrides))
    for name, value in overrides.items():
        assert getattr(c, name) == value
    from transformers import NemotronHConfig as HFConfig

    HFConfig(**c.to_hf_dict())  # HF's strict config accepts them too


@pytest.mark.parametrize("pattern,field,block", [
    ("M*-", "mamba_head_dim", "Mamba2 layers 'M'"),
    ("M*-", "ssm_state_size", "Mamba2 layers 'M'"),
    ("M*-", "head_dim", r"attention layers '\*'"),
    ("M*-", "num_attention_heads", r"attention layers '\*'"),
    ("M*-", "intermediate_size", "MLP layers '-'"),
])
def test_fields_of_present_blocks_are_required(pattern, field, block):
    d = tiny_dict(hybrid_override_pattern=pattern, num_hidden_layers=len(pattern))
    d.pop(field)
    with pytest.raises(ConfigError, match=rf"missing required field '{field}' \(the pattern has {block}\)"):
        load_config(d)


def test_all_spellings_map_to_one_internal_form():
    """hybrid_override_pattern, layers_block_type (HF 5.x), layer_types (its attribute
    alias) with new or legacy names, and the legacy mamba_* keys: one config."""
    base = tiny_dict()
    ref = load_config(base)
    d = dict(base)
    d.pop("hybrid_override_pattern")
    d.pop("num_hidden_layers")
    for alias, canonical in [("mamba_n_groups", "n_groups"), ("mamba_d_conv", "conv_kernel"),
                             ("mamba_expand", "expand"), ("mamba_chunk_size", "chunk_size"),
                             ("mamba_conv_bias", "use_conv_bias"), ("mamba_dt_limit", "time_step_limit"),
                             ("mamba_dt_min", "time_step_min"), ("mamba_dt_max", "time_step_max"),
                             ("mamba_dt_init_floor", "time_step_floor")]:
        d[alias] = d.pop(canonical)
    for key, names in [("layers_block_type", ref.layers_block_type),
                       ("layer_types", ["mamba", "attention", "mamba", "mlp", "mamba", "mlp"])]:
        assert load_config(dict(d, **{key: names})) == ref


@pytest.mark.parametrize("overrides,field", [
    ({"n_groups": 3}, "n_groups"),  # 8 Mamba heads do not split into 3 B/C groups
    ({"num_attention_heads": 5, "num_key_value_heads": 2}, "num_attention_heads"),  # 5 q heads over 2 KV heads
])
def test_refused_configs_are_ones_hf_cannot_run(overrides, field):
    """What Tessera refuses, HF's NemotronHForCausalLM cannot compute either."""
    import torch
    from transformers import NemotronHConfig as HFConfig, NemotronHForCausalLM
    from transformers.utils import logging as hf_logging

    with pytest.raises(ConfigError, match=field):
        load_config(tiny_dict(**overrides))
    hf_logging.set_verbosity_error()
    torch.manual_seed(0)
    model = NemotronHForCausalLM(HFConfig(**tiny_dict(**overrides))).eval()
    with pytest.raises(RuntimeError), torch.no_grad():
        model(input_ids=torch.zeros((1, 5), dtype=torch.long), use_cache=False)
