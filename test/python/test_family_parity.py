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
from conftest import _TINY
from tessera.checkpoint import convert_checkpoint
from tessera.config import load_config
from tessera.testing import hf_logits, load_hf_model, write_hf_checkpoint

TOL = 1e-4
DECODE_STEPS = 4
torch.set_num_threads(2)

_ATTN_MLP = {k: v for k, v in _TINY.to_hf_dict().items()
             if k not in ("mamba_num_heads", "mamba_head_dim", "ssm_state_size", "n_groups")}

#: name -> (config, batch, prompt length)
CONFIGS = {
    # NVIDIA-Nemotron-Nano-9B-v2 kind: Mamba width 16 x 10 = 160 != expand x hidden
    # (2 x 70; 9B: 128 x 80 = 10240 vs 2 x 4480), hidden not a multiple of 8
    # (4480 = 35 x 128), head_dim not a power of two (80), GQA 5:1 (40/8), FFN 3.5 x
    # hidden, adjacent Mamba layers ("MM") in the pattern.
    "nano9b-kind": (_TINY.replace(
        vocab_size=96, hidden_size=70, hybrid_override_pattern="M-MM*-", num_attention_heads=10,
        num_key_value_heads=2, head_dim=8, intermediate_size=245, mamba_num_heads=16, mamba_head_dim=10,
        ssm_state_size=8, n_groups=2, chunk_size=8), 2, 19),
    # Nemotron-H-4B kind: Mamba width 14 x 8 = 112 != 2 x 48 (4B: 112 x 64 = 7168 vs
    # 2 x 3072), 7 heads per group (4B: 14), GQA 4:1 (32/8), FFN 4 x hidden.
    "h4b-kind": (_TINY.replace(
        vocab_size=128, hidden_size=48, hybrid_override_pattern="M*M-", num_attention_heads=8,
        num_key_value_heads=2, head_dim=6, intermediate_size=192, mamba_num_heads=14, mamba_head_dim=8,
        ssm_state_size=16, n_groups=2, chunk_size=16), 2, 23),
    # Attention + MLP only (no 'M'): the config omits every Mamba field, as HF allows.
    "attention-mlp-only": (load_config(dict(
        _ATTN_MLP, vocab_size=80, hidden_size=32, hybrid_override_pattern="*-*-", num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, intermediate_size=64)), 2, 13),
}


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


@pytest.mark.parametrize("name", list(CONFIGS))
def test_prefill_and_decode_match_hf(tmp_path, cache_dir, name):
    config, batch, seq = CONFIGS[name]
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=7)
    art = convert_checkpoint(ckpt, tmp_path / "art")
    ids = np.random.default_rng(8).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    hf = load_hf_model(ckpt)

    logits, state = model.prefill(ids)
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
