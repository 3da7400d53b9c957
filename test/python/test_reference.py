"""Numpy reference (tessera.reference) on its own: scan forms, state handling, sensitivity."""

import numpy as np
import pytest

from tessera.checkpoint import Artifact, convert_checkpoint
from tessera.errors import CheckpointError, ConfigError
from tessera.reference import (MambaState, ReferenceModel, causal_conv1d, gated_rms_norm, ssd_chunked,
                               ssd_recurrent)
from tessera.testing import random_hf_weights, tessera_weights_from_hf, write_hf_checkpoint


def model(config, seed=0, **kw):
    return ReferenceModel(config, tessera_weights_from_hf(config, random_hf_weights(config, seed)), **kw)


def rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


def random_scan_inputs(rng, b, S, h, p, g, n):
    x = rng.normal(size=(b, S, h, p))
    dt = np.log1p(np.exp(rng.normal(-1.0, 1.5, size=(b, S, h))))
    A = -rng.uniform(0.5, 8.0, size=h)
    B = rng.normal(size=(b, S, g, n))
    C = rng.normal(size=(b, S, g, n))
    h0 = rng.normal(size=(b, h, p, n))
    return x, dt, A, B, C, h0


@pytest.mark.parametrize("S,chunk,groups", [(1, 4, 1), (15, 16, 2), (16, 16, 4), (17, 16, 2), (37, 8, 1), (50, 16, 4)])
@pytest.mark.parametrize("with_initial_state", [False, True])
def test_chunked_ssd_equals_recurrence(S, chunk, groups, with_initial_state):
    rng = np.random.default_rng(S * 100 + chunk)
    x, dt, A, B, C, h0 = random_scan_inputs(rng, 2, S, 4, 3, groups, 5)
    h0 = h0 if with_initial_state else None
    y1, s1 = ssd_chunked(x, dt, A, B, C, chunk, h0)
    y2, s2 = ssd_recurrent(x, dt, A, B, C, chunk, h0)
    assert rel(y1, y2) < 1e-12 and rel(s1, s2) < 1e-12


def test_scan_groups_map_to_consecutive_heads():
    """Head j reads group j // (heads / groups): zeroing group 1's B silences heads 2, 3 only."""
    rng = np.random.default_rng(0)
    x, dt, A, B, C, _ = random_scan_inputs(rng, 1, 6, 4, 2, 2, 3)
    B[:, :, 1] = 0
    y, _ = ssd_chunked(x, dt, A, B, C, 4)
    assert np.all(y[:, :, 2:] == 0) and np.all(np.abs(y[:, :, :2]) > 0)


def test_streaming_conv_equals_full_conv_and_keeps_last_inputs():
    rng = np.random.default_rng(1)
    xbc = rng.normal(size=(2, 9, 5))
    w, bias = rng.normal(size=(5, 4)), rng.normal(size=5)
    zero = np.zeros((2, 5, 3))
    full, state = causal_conv1d(xbc, w, bias, zero)
    np.testing.assert_array_equal(state, xbc[:, -3:].transpose(0, 2, 1))  # oldest first
    s, outs = zero, []
    for t in range(9):
        o, s = causal_conv1d(xbc[:, t : t + 1], w, bias, s)
        outs.append(o)
    np.testing.assert_allclose(np.concatenate(outs, axis=1), full, rtol=1e-13, atol=1e-13)
    # a sequence shorter than K-1 keeps zeros in front
    _, short = causal_conv1d(xbc[:, :2], w, bias, zero)
    np.testing.assert_array_equal(short[:, :, 0], 0)
    # PyTorch conv1d semantics: out[t] = sum_k w[k] * x[t - (K-1) + k]
    t = 5
    manual = (w * xbc[0, t - 3 : t + 1].T).sum(-1) + bias
    np.testing.assert_allclose(full[0, t], manual / (1 + np.exp(-manual)))


def test_gated_norm_gates_before_normalising_per_group():
    rng = np.random.default_rng(2)
    y, z, w = rng.normal(size=(3, 8)), rng.normal(size=(3, 8)), rng.normal(size=8)
    out = gated_rms_norm(y, z, w, group_size=4, eps=1e-5)
    g = y * z / (1 + np.exp(-z))
    first = g[:, :4] / np.sqrt((g[:, :4] ** 2).mean(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out[:, :4], first * w[:4])


def test_chunked_prefill_16_16_5_equals_one_shot(tiny_config):
    ref = model(tiny_config, seed=1)
    ids = np.random.default_rng(0).integers(0, tiny_config.vocab_size, (2, 37))
    full, full_state = ref.prefill(ids)
    state, pieces = None, []
    for a, b in ((0, 16), (16, 32), (32, 37)):
        logits, state = ref.prefill(ids[:, a:b], state)
        pieces.append(logits)
    assert rel(np.concatenate(pieces, axis=1), full) < 1e-12
    assert state.position == full_state.position == 37
    for mine, theirs in zip(state.layers, full_state.layers):
        if isinstance(mine, MambaState):
            assert mine.conv_state.shape == (2, tiny_config.conv_dim, tiny_config.conv_kernel - 1)
            assert mine.ssm_state.shape == (2, 8, 16, 16)
            assert rel(mine.ssm_state, theirs.ssm_state) < 1e-12
            assert rel(mine.conv_state, theirs.conv_state) < 1e-12
        elif mine is not None:
            assert mine.key.shape == (2, tiny_config.num_key_value_heads, 37, tiny_config.head_dim)
            assert rel(mine.value, theirs.value) < 1e-12


def test_decode_continues_prefill_and_state_is_not_mutated(tiny_config):
    ref = model(tiny_config, seed=2)
    ids = np.random.default_rng(1).integers(0, tiny_config.vocab_size, (3, 25))
    full, _ = ref.prefill(ids)
    _, state = ref.prefill(ids[:, :20])
    snapshot = [(s.ssm_state.copy(), s.conv_state.copy()) for s in state.layers if isinstance(s, MambaState)]
    _, _ = ref.decode(ids[:, 20], state)  # must not change `state`
    assert all(np.array_equal(a, s.ssm_state) and np.array_equal(b, s.conv_state)
               for (a, b), s in zip(snapshot, [s for s in state.layers if isinstance(s, MambaState)]))
    for t in range(20, 25):
        logits, state = ref.decode(ids[:, t], state)
        assert rel(logits, full[:, t]) < 1e-12
    assert state.position == 25


def test_generate_is_greedy(tiny_config):
    ref = model(tiny_config, seed=3)
    ids = np.random.default_rng(2).integers(0, tiny_config.vocab_size, (2, 7))
    out = ref.generate(ids, 4)
    assert out.shape == (2, 11) and np.array_equal(out[:, :7], ids)
    for t in range(7, 11):
        logits, _ = ref.prefill(out[:, :t])
        np.testing.assert_array_equal(out[:, t], logits[:, -1].argmax(-1))
    assert np.array_equal(ref.generate(ids, 0), ids)


def test_time_step_limit_is_applied_consistently(tiny_config):
    clamped = tiny_config.replace(time_step_limit=(0.05, 0.5))
    ids = np.random.default_rng(3).integers(0, 256, (1, 21))
    a, b = model(clamped, seed=4), model(tiny_config, seed=4)
    la, _ = a.prefill(ids)
    assert rel(la, b.prefill(ids)[0]) > 1e-2  # the clamp matters for these weights...
    _, state = a.prefill(ids[:, :20])
    last, _ = a.decode(ids[:, 20], state)  # ...and decode (recurrent form) clamps the same way
    assert rel(last, la[:, 20]) < 1e-12
    assert rel(model(clamped, seed=4, scan="recurrent").prefill(ids)[0], la) < 1e-12


def test_every_weight_influences_the_logits(tiny_config):
    """A 5% change to any single tensor moves the logits by far more than the 1e-4
    tolerance of the HF comparison, so that comparison checks every path."""
    cfg = tiny_config.replace(mamba_proj_bias=True, mlp_bias=True, attention_bias=True)
    weights = tessera_weights_from_hf(cfg, random_hf_weights(cfg, 5))
    ids = np.random.default_rng(4).integers(0, 256, (1, 20))
    base, _ = ReferenceModel(cfg, weights).prefill(ids)
    for name, w in weights.items():
        if name.endswith("attn.k_proj_bias"):
            continue  # provably inert: q.b_k is the same for every key, softmax ignores it
        changed = dict(weights)
        changed[name] = w * 1.05 + 0.05 * np.abs(w).mean()
        logits, _ = ReferenceModel(cfg, changed).prefill(ids)
        assert rel(logits, base) > 1e-3, name


def test_from_artifact(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", seed=6)
    art = convert_checkpoint(ckpt, tmp_path / "art", progress=False)
    ids = np.arange(10)[None] * 7
    a, _ = ReferenceModel.from_artifact(art).prefill(ids)
    b, _ = model(tiny_config, seed=6).prefill(ids)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6 * np.abs(b).max())
    assert ReferenceModel(Artifact.open(art).config, Artifact.open(art).f32_weights()).config.hidden_size == 64


def test_reference_errors(tiny_config):
    weights = tessera_weights_from_hf(tiny_config, random_hf_weights(tiny_config))
    missing = dict(weights)
    del missing["layers.2.mamba.D"]
    with pytest.raises(CheckpointError, match="missing weight 'layers.2.mamba.D'"):
        ReferenceModel(tiny_config, missing)
    wrong = dict(weights, **{"final_norm": np.ones(63)})
    with pytest.raises(CheckpointError, match=r"weight 'final_norm' has shape \[63\], expected \[64\]"):
        ReferenceModel(tiny_config, wrong)
    with pytest.raises(CheckpointError, match="missing weight 'layers.1.moe.router'"):
        ReferenceModel(tiny_config.replace(hybrid_override_pattern="ME", n_routed_experts=4, num_experts_per_tok=2,
                                           moe_intermediate_size=8, moe_shared_expert_intermediate_size=8), weights)
    with pytest.raises(ConfigError, match="mlp_hidden_act 'gelu' is not supported"):
        ReferenceModel(tiny_config.replace(mlp_hidden_act="gelu"), weights)
    ref = ReferenceModel(tiny_config, weights)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 256\)"):
        ref.prefill([[1, 256]])
    with pytest.raises(ValueError, match="rank 2"):
        ref.prefill([1, 2])
    _, state = ref.prefill([[1, 2]])
    with pytest.raises(ValueError, match="state is for batch 1"):
        ref.decode([1, 2], state)
