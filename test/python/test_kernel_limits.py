"""Config sizes that the kernels' work or scratch grows with faster than
linearly (issue 9): conv_kernel and chunk_size are bounded in the config (the
field and the reason named) and in the Graph/Tile verifiers; at the bounds and
past the unrolled-conv threshold, the compiled model still matches Hugging
Face. Before: chunk_size=262144 crashed `tessera run` (the x86 chunk scan's
two Q x Q f32 scratch matrices, 256 GiB each, failed to allocate),
conv_kernel=4096 took minutes and 32 MB of IR (the kernel was unrolled) and
2**40 never finished."""

import json

import numpy as np
import pytest

import tessera
from conftest import PARITY_CONFIGS
from tessera.checkpoint import convert_checkpoint
from tessera.config import load_config
from tessera.errors import ConfigError
from tessera.graph_builder import build_graph
from tessera.testing import hf_logits, load_hf_model, write_hf_checkpoint

TINY = PARITY_CONFIGS["tiny"][0]


@pytest.mark.parametrize("field, value, limit, reason", [
    ("chunk_size", 262144, 4096, "chunk_size x chunk_size"),
    ("chunk_size", 4097, 4096, "chunk_size x chunk_size"),
    ("conv_kernel", 4096, 1024, "multiply-add per tap"),
    ("conv_kernel", 2**40, 1024, "multiply-add per tap"),
])
def test_config_refuses_sizes_past_the_bound(tmp_path, field, value, limit, reason):
    with pytest.raises(ConfigError, match=rf"{field} {value} is too large: at most {limit} \(.*{reason}"):
        TINY.replace(**{field: value})
    # The same through an HF config.json on disk.
    raw = TINY.to_hf_dict(json_safe=True)
    raw[field] = value
    (tmp_path / "config.json").write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=rf"{field} {value} is too large"):
        load_config(tmp_path / "config.json")


def test_graph_verifier_refuses_what_the_config_would():
    # The verifier is the second line: IR written by hand or by another tool.
    from tessera.errors import MLIRError
    from tessera.ir import parse
    m = build_graph(TINY)
    text = str(m).replace("chunk_size = 16 : i64", "chunk_size = 8192 : i64")
    assert "chunk_size = 8192" in text
    with pytest.raises(MLIRError, match="chunk_size must be at most 4096"):
        parse(text)


@pytest.mark.parametrize("changes, seq", [
    ({"chunk_size": 4096}, 3),   # the bound, on a 3-token prompt
    ({"conv_kernel": 20}, 37),   # past kMaxUnrolledConvKernel (16): the loop form
])
def test_at_the_bounds_matches_hf(tmp_path, changes, seq):
    config = TINY.replace(**changes)
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=3)
    art = convert_checkpoint(ckpt, tmp_path / "art")
    ids = np.random.default_rng(4).integers(0, config.vocab_size, (1, seq)).astype(np.int64)
    model = tessera.compile(art, target="x86", cache_dir=tmp_path / "cache")
    logits, state = model.prefill(ids, all_logits=True)
    ref = hf_logits(load_hf_model(ckpt), ids)
    assert float(np.abs(logits - ref).max() / np.abs(ref).max()) <= 1e-4
    # one decode step: the conv state carries kernel-1 inputs
    token = np.argmax(logits[:, -1], axis=-1)
    step, _ = model.decode(token, state)
    ref2 = hf_logits(load_hf_model(ckpt), np.concatenate([ids, token[:, None]], axis=1))[:, -1]
    assert float(np.abs(step - ref2).max() / np.abs(ref2).max()) <= 1e-4
