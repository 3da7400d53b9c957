"""HF parity on x86 for the family's shape classes: random tiny checkpoints scaled
down from real members (same ratios and oddities), through convert -> compile ->
run, against transformers' NemotronHForCausalLM (CPU, float32).
Tolerance: max|a - b| / max|b| <= 1e-4 on the prefill logits and on each of 4
greedy decode steps (oracle: HF full-sequence prefill of the extended sequence).
"""

import numpy as np
import pytest
import torch

import tessera
from conftest import FAMILY_PARITY, MOE_PARITY, PARITY_CONFIGS
from tessera.checkpoint import convert_checkpoint
from tessera.testing import hf_logits, load_hf_model, write_hf_checkpoint

TOL = 1e-4
DECODE_STEPS = 4
torch.set_num_threads(2)

#: The family's shape classes (defined in conftest, shared with the numpy
#: reference's HF test): name -> (config, batch, prompt length).
CONFIGS = {name: PARITY_CONFIGS[name] for name in FAMILY_PARITY}
#: MoE ('E') shape classes: with the latent projection, without, and group-limited
#: routing (n_group > 1, topk_group < n_group).
MOE_CONFIGS = {name: PARITY_CONFIGS[name] for name in MOE_PARITY}


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tessera-cache")


def test_shape_classes_are_what_they_claim():
    nano, h4b, dense = (CONFIGS[n][0] for n in CONFIGS)
    for c in (nano, h4b):
        assert c.d_inner != c.expand * c.hidden_size and c.n_groups > 1
    assert nano.hidden_size % 8 and "MM" in nano.hybrid_override_pattern
    assert nano.num_attention_heads // nano.num_key_value_heads == 5
    assert h4b.mamba_num_heads // h4b.n_groups == 7
    assert "M" not in dense.hybrid_override_pattern and dense.mamba_num_heads is None


def test_moe_shape_classes_are_what_they_claim():
    latent, plain, groups = (MOE_CONFIGS[n][0] for n in MOE_CONFIGS)
    assert latent.moe_latent_size is not None and latent.moe_latent_size < latent.hidden_size
    assert plain.moe_latent_size is None and not plain.norm_topk_prob and plain.mlp_bias
    assert groups.n_group > 1 and groups.topk_group < groups.n_group
    assert groups.num_experts_per_tok > groups.n_routed_experts // groups.n_group  # spans kept groups
    assert all("E" in c.hybrid_override_pattern for c in (latent, plain, groups))


ALL = dict(CONFIGS, **MOE_CONFIGS)


@pytest.mark.parametrize("name", list(ALL))
def test_prefill_and_decode_match_hf(tmp_path, cache_dir, name):
    config, batch, seq = ALL[name]
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=7)
    art = convert_checkpoint(ckpt, tmp_path / "art")
    ids = np.random.default_rng(8).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    hf = load_hf_model(ckpt)

    logits, state = model.prefill(ids, all_logits=True)
    assert logits.shape == (batch, seq, config.vocab_size)
    assert rel(logits, hf_logits(hf, ids)) <= TOL

    seqs = ids
    token = np.argmax(logits[:, -1], axis=-1)
    for _ in range(DECODE_STEPS):
        seqs = np.concatenate([seqs, token[:, None]], axis=1)
        step_logits, state = model.decode(token, state)
        assert rel(step_logits, hf_logits(hf, seqs)[:, -1]) <= TOL
        token = np.argmax(step_logits, axis=-1)
    assert state.position == seq + DECODE_STEPS


def test_moe_bf16_artifact_keeps_the_router_fp32(tmp_path, cache_dir, monkeypatch):
    """bf16 weights, but the router's weight and score-correction bias stay float32
    (HF keeps them so); the compiled model matches the numpy reference on the
    same stored weights. (Compiled without AVX512_BF16, so that the bf16
    matmul weights are extended to f32 as the reference does; the vdpbf16ps
    path is checked against HF in test_x86_e2e.py.)"""
    from tessera import _tessera
    from tessera.checkpoint import Artifact
    from tessera.reference import ReferenceModel

    host = _tessera.host_features
    monkeypatch.setattr(_tessera, "host_features", lambda: host() + ",-avx512bf16")

    config, batch, seq = MOE_CONFIGS["moe-groups"]
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=3)
    art = Artifact.open(convert_checkpoint(ckpt, tmp_path / "art", dtype="bf16"))
    assert art.dtype == "bf16"
    assert art.tensor_dtype("layers.0.moe.router") == art.tensor_dtype("layers.0.moe.router_bias") == "fp32"
    assert art.tensor_dtype("layers.0.moe.experts_up") == "bf16"
    ids = np.random.default_rng(4).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    logits, _ = tessera.compile(art, target="x86", cache_dir=cache_dir).prefill(ids, all_logits=True)
    expected, _ = ReferenceModel.from_artifact(art).prefill(ids)
    assert rel(logits, expected) <= TOL
