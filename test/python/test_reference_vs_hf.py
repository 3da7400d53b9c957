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

from conftest import PARITY_CONFIGS
from tessera.checkpoint import Artifact, convert_checkpoint
from tessera.reference import ReferenceModel
from tessera.checkpoint.names import weight_specs
from tessera.testing import (hf_logits, load_hf_model, random_hf_weights, round_weights, tessera_weights_from_hf,
                             write_hf_checkpoint)

TOL = 1e-4  # max|ref - hf| / max|hf|
DECODE_STEPS = 5

torch.set_num_threads(2)

CONFIGS = PARITY_CONFIGS
TINY = CONFIGS["tiny"][0]
CASES = [
    ("tiny", "fp32", 1), ("tiny", "bf16", 3),
    ("gqa4-bias", "fp32", 2), ("gqa4-bias", "bf16", 1),
    ("gqa6-3", "fp32", 1), ("gqa6-3", "bf16", 2),
    ("mha-1group", "fp32", 1),
    ("nano9b-kind", "fp32", 1), ("h4b-kind", "bf16", 2), ("attention-mlp-only", "fp32", 1),
    ("moe-latent", "fp32", 1), ("moe-nolatent", "bf16", 2), ("moe-groups", "fp32", 1),
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
    # (MoE experts: stored per expert, as save_pretrained does; HF stacks them on load.)
    hf_state = {k.replace("model.", "backbone.", 1): v.numpy() for k, v in hf.state_dict().items()}
    expected = round_weights(weights, dtype)
    stacked = {s.hf_name for s in weight_specs(config) if s.hf_expert_names}
    assert set(hf_state) == {k for k in expected if ".experts." not in k} | stacked
    hf_state, expected = tessera_weights_from_hf(config, hf_state), tessera_weights_from_hf(config, expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(hf_state[key], value, err_msg=key)

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


def test_moe_router_matches_hf_router():
    """moe_route against HF's NemotronHTopkRouter itself, on logits that make the
    correction bias and the group limit change the choice."""
    from transformers import NemotronHConfig as HFConfig
    from transformers.models.nemotron_h.modeling_nemotron_h import NemotronHTopkRouter

    from tessera.reference import moe_route

    rng = np.random.default_rng(3)
    for E, k, n_group, topk_group, norm, scale in ((16, 5, 4, 2, True, 1.7), (8, 3, 1, 1, False, 2.5),
                                                   (12, 2, 3, 1, True, 1.0)):
        cfg = HFConfig(hidden_size=8, n_routed_experts=E, num_experts_per_tok=k, n_group=n_group,
                       topk_group=topk_group, norm_topk_prob=norm, routed_scaling_factor=scale)
        router = NemotronHTopkRouter(cfg)
        with torch.no_grad():
            router.weight.copy_(torch.as_tensor(rng.normal(0, 1, (E, 8)), dtype=torch.float32))
            router.e_score_correction_bias.copy_(torch.as_tensor(rng.normal(0, 0.5, E), dtype=torch.float32))
        x = rng.normal(0, 1, (50, 8)).astype(np.float32)
        _, hf_w, hf_ids = router(torch.as_tensor(x))
        w64 = router.weight.detach().double().numpy()
        ids, weights = moe_route(x.astype(np.float64) @ w64.T, router.e_score_correction_bias.double().numpy(),
                                 k, n_group, topk_group, norm, scale)
        order = np.argsort(hf_ids.numpy(), axis=-1)
        np.testing.assert_array_equal(np.sort(ids, axis=-1), np.take_along_axis(hf_ids.numpy(), order, -1))
        got = np.take_along_axis(weights, np.argsort(ids, axis=-1), -1)
        np.testing.assert_allclose(got, np.take_along_axis(hf_w.detach().numpy(), order, -1), rtol=1e-5)
        # the bias and the group limit do change the choice on these inputs
        plain, _ = moe_route(x @ w64.T, np.zeros(E), k, 1, 1, norm, scale)
        assert (np.sort(plain, -1) != np.sort(ids, -1)).any()


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
