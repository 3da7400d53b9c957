"""The numpy reference against Hugging Face's NemotronHForCausalLM (CPU, float32).

Full round trip per case: random HF checkpoint (fp32 or bf16, single file or
sharded) -> ``convert_checkpoint`` -> ``Artifact`` -> ``ReferenceModel``, compared
with HF loading the *same* checkpoint directory (for bf16 that is HF running
on the bf16-rounded weights upcast to fp32).  Decode oracle: HF full-sequence
prefill on the extended sequence, logits at the last position.
"""

import zlib

import numpy as np
import pytest
import torch

from tessera.checkpoint import Artifact, convert_checkpoint
from tessera.config import builtin_config_path, load_config
from tessera.reference import ReferenceModel
from tessera.testing import hf_logits, load_hf_model, random_hf_weights, round_weights, write_hf_checkpoint

TOL = 1e-4  # max|ref - hf| / max|hf|
DECODE_STEPS = 5

torch.set_num_threads(2)

TINY = load_config(builtin_config_path("nemotron_h_tiny"))
CONFIGS = {
    # hidden 64, M*M-M-, GQA 4/2, 2 groups, chunk 16; batch 2 x 37 tokens (37 % 16 != 0)
    "tiny": (TINY, 2, 37),
    # GQA 4/1, 3 groups, chunk 8, K=3, no conv bias, Mamba proj bias + MLP bias; batch 3 x 21
    "gqa4-bias": (TINY.replace(
        vocab_size=100, hidden_size=48, hybrid_override_pattern="*MM-*M-", num_attention_heads=4,
        num_key_value_heads=1, head_dim=12, intermediate_size=96, mamba_num_heads=6, mamba_head_dim=16,
        ssm_state_size=8, n_groups=3, conv_kernel=3, chunk_size=8, use_conv_bias=False,
        mamba_proj_bias=True, mlp_bias=True), 3, 21),
    # GQA 6/3, 4 groups, chunk 32 with a 45-token prompt (two chunks, second partial)
    "gqa6-3": (TINY.replace(
        vocab_size=300, hidden_size=96, hybrid_override_pattern="M-*M*-M", num_attention_heads=6,
        num_key_value_heads=3, head_dim=8, intermediate_size=160, mamba_num_heads=12, mamba_head_dim=16,
        ssm_state_size=16, n_groups=4, chunk_size=32), 2, 45),
    # MHA (2/2), 1 group, expand 1, K=2, chunk 4; batch 1 x 10
    "mha-1group": (TINY.replace(
        vocab_size=64, hidden_size=32, hybrid_override_pattern="MM*-", num_attention_heads=2,
        num_key_value_heads=2, head_dim=16, intermediate_size=64, mamba_num_heads=4, mamba_head_dim=8,
        expand=1, ssm_state_size=4, n_groups=1, conv_kernel=2, chunk_size=4), 1, 10),
}
CASES = [
    ("tiny", "fp32", 1), ("tiny", "bf16", 3),
    ("gqa4-bias", "fp32", 2), ("gqa4-bias", "bf16", 1),
    ("gqa6-3", "fp32", 1), ("gqa6-3", "bf16", 2),
    ("mha-1group", "fp32", 1),
]


def rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("name,dtype,shards", CASES, ids=[f"{n}-{d}-{s}shard" for n, d, s in CASES])
def test_reference_matches_hf(tmp_path, name, dtype, shards):
    config, batch, seq = CONFIGS[name]
    seed = zlib.crc32(f"{name}-{dtype}".encode()) % 1000  # stable across runs
    weights = random_hf_weights(config, seed)
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", weights=weights, dtype=dtype, shards=shards)
    art = Artifact.open(convert_checkpoint(ckpt, tmp_path / "art", progress=False), verify_hashes=True)
    assert art.dtype == dtype
    ref = ReferenceModel.from_artifact(art)

    hf = load_hf_model(ckpt)
    # The oracle really runs our (rounded) weights: HF's 5.x loader renames backbone. -> model.
    hf_state = {k.replace("model.", "backbone.", 1): v for k, v in hf.state_dict().items()}
    expected = round_weights(weights, dtype)
    assert set(hf_state) == set(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(hf_state[key].numpy(), value, err_msg=key)

    ids = np.random.default_rng(seed).integers(0, config.vocab_size, (batch, seq))
    logits, state = ref.prefill(ids)
    assert logits.shape == (batch, seq, config.vocab_size)
    assert rel(logits, hf_logits(hf, ids)) <= TOL

    # Greedy decode: the reference's recurrent decode vs HF recomputing the whole sequence.
    tokens = ids
    token = logits[:, -1].argmax(-1)
    for _ in range(DECODE_STEPS):
        tokens = np.concatenate([tokens, token[:, None]], axis=1)
        step_logits, state = ref.decode(token, state)
        oracle = hf_logits(hf, tokens)[:, -1]
        assert rel(step_logits, oracle) <= TOL
        np.testing.assert_array_equal(step_logits.argmax(-1), oracle.argmax(-1))
        token = step_logits.argmax(-1)
    assert state.position == seq + DECODE_STEPS
    np.testing.assert_array_equal(ref.generate(ids, DECODE_STEPS + 1)[:, : tokens.shape[1] + 1],
                                  np.concatenate([tokens, token[:, None]], axis=1))


def test_nonzero_dt_floor_matches_hf_prefill(tmp_path):
    """HF 5.x clamps prefill dt to (time_step_min, inf), ignoring time_step_limit.
    With time_step_limit = (0.01, inf) both clamp identically; these weights put
    many dt values below 0.01, so this checks the clamp itself against HF."""
    config = TINY.replace(time_step_limit=(0.01, float("inf")))
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=11)
    ref = ReferenceModel.from_artifact(convert_checkpoint(ckpt, tmp_path / "art", progress=False))
    ids = np.random.default_rng(11).integers(0, 256, (2, 37))
    ours, _ = ref.prefill(ids)
    assert rel(ours, hf_logits(load_hf_model(ckpt), ids)) <= TOL
    unclamped, _ = ReferenceModel(TINY, ref.w).prefill(ids)
    assert rel(unclamped, ours) > 10 * TOL  # the floor is active for these weights
