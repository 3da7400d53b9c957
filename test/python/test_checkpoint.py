"""Converter (HF safetensors -> artifact) and artifact reader, including every bad input."""

import hashlib
import json
import os
import struct

import numpy as np
import pytest

from conftest import PARITY_CONFIGS, listing
from tessera.checkpoint import Artifact, convert_checkpoint, weight_specs
from tessera.checkpoint.npz import ALIGN, read_members
from tessera.checkpoint.safetensors_io import SafetensorsFile
from tessera.dtypes import bf16_to_f32, f32_to_bf16
from tessera.errors import ArtifactError, CheckpointError, ConfigError
from tessera.testing import random_hf_weights, tessera_weights_from_hf, write_hf_checkpoint


def convert_ok(tmp_path, ckpt, name="art", **kw):
    return convert_checkpoint(ckpt, tmp_path / name, progress=False, **kw)


def assert_nothing_written(tmp_path, out, before):
    """No artifact, no leftover ART.tmp-* directory, nothing else changed."""
    assert not out.exists()
    assert listing(tmp_path) == before


def expect_failure(tmp_path, ckpt, match, out_name="art", exc=CheckpointError, **kw):
    out = tmp_path / out_name
    before = listing(tmp_path)
    with pytest.raises(exc, match=match) as info:
        convert_checkpoint(ckpt, out, progress=False, **kw)
    assert "\n" not in str(info.value)
    assert_nothing_written(tmp_path, out, before)
    return info.value


# ============================================================================ conversion
def test_convert_fp32_single_file(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config, seed=3)
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    out = convert_ok(tmp_path, ckpt)
    assert sorted(os.listdir(out)) == ["embedding.npz", "final.npz"] + [f"layer_{i:03d}.npz" for i in range(6)] + ["manifest.json"]
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "tessera-artifact" and manifest["format_version"] == 1
    assert manifest["dtype"] == "fp32"
    specs = weight_specs(tiny_config)
    assert [t["tessera_name"] for t in manifest["tensors"]] == [s.name for s in specs]
    assert manifest["tensors"][0] == {**manifest["tensors"][0], "tessera_name": "embedding",
                                      "hf_name": "backbone.embeddings.weight", "shard": "embedding.npz",
                                      "shape": [256, 64], "dtype": "fp32"}
    art = Artifact.open(out, verify_hashes=True)
    assert art.config == tiny_config.replace(torch_dtype="float32")  # the checkpoint's dtype
    for spec in specs:
        expected = weights[spec.hf_name].reshape(spec.shape)
        np.testing.assert_array_equal(art.array(spec.name), expected)
    assert art.shape("layers.0.mamba.conv_weight") == (tiny_config.conv_dim, 4)
    assert art.entry("layers.1.attn.q_proj")["hf_name"] == "backbone.layers.1.mixer.q_proj.weight"


def test_convert_bf16_sharded_keeps_bf16_losslessly(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config, seed=4)
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights, dtype="bf16", shards=3)
    assert (ckpt / "model.safetensors.index.json").exists() and not (ckpt / "model.safetensors").exists()
    art = Artifact.open(convert_ok(tmp_path, ckpt), verify_hashes=True)
    assert art.dtype == "bf16"
    emb = art.array("embedding")
    assert emb.dtype == np.uint16
    np.testing.assert_array_equal(emb, f32_to_bf16(weights["backbone.embeddings.weight"]))
    np.testing.assert_array_equal(art.array_f32("embedding"), bf16_to_f32(f32_to_bf16(weights["backbone.embeddings.weight"])))


def test_bf16_rounding_matches_torch():
    import torch

    x = np.random.default_rng(0).normal(0, 3, 10_000).astype(np.float32)
    x[:4] = [np.float32(1.00390625), np.float32(1.01171875), 3.0e38, -0.0]  # ties to even, big, signed zero
    ours = f32_to_bf16(x)
    theirs = torch.from_numpy(x).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("src,arg,stored,expect", [
    ("fp32", "bf16", np.uint16, "bf16"),
    ("bf16", "fp32", np.float32, "fp32"),
    ("fp16", None, np.float16, "fp16"),
    ("fp16", "fp32", np.float32, "fp32"),
])
def test_dtype_conversion(tmp_path, tiny_config, src, arg, stored, expect):
    weights = random_hf_weights(tiny_config, seed=5)
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights, dtype=src)
    art = Artifact.open(convert_ok(tmp_path, ckpt, dtype=arg), verify_hashes=True)
    assert art.dtype == expect and art.array("lm_head").dtype == stored
    w = weights["lm_head.weight"]
    exact = {"fp32": w, "bf16": bf16_to_f32(f32_to_bf16(w)), "fp16": w.astype(np.float16).astype(np.float32)}
    # the artifact holds the source values, rounded once to the narrower of (source, target)
    narrow = src if (src, expect) != ("fp32", "bf16") else "bf16"
    np.testing.assert_array_equal(art.array_f32("lm_head"), exact[narrow])


def test_biases_and_optional_tensors(tmp_path, tiny_config):
    cfg = tiny_config.replace(mamba_proj_bias=True, use_conv_bias=False, attention_bias=True, mlp_bias=True)
    art = Artifact.open(convert_ok(tmp_path, write_hf_checkpoint(cfg, tmp_path / "ckpt")))
    names = set(art.names())
    for n in ("layers.0.mamba.in_proj_bias", "layers.0.mamba.out_proj_bias", "layers.1.attn.q_proj_bias",
              "layers.1.attn.o_proj_bias", "layers.3.mlp.up_proj_bias", "layers.3.mlp.down_proj_bias"):
        assert n in names
    assert "layers.0.mamba.conv_bias" not in names
    assert art.shape("layers.1.attn.k_proj_bias") == (cfg.num_key_value_heads * cfg.head_dim,)


def test_tied_embeddings_copy_the_embedding(tmp_path, tiny_config):
    cfg = tiny_config.replace(tie_word_embeddings=True)
    ckpt = write_hf_checkpoint(cfg, tmp_path / "ckpt")
    art = Artifact.open(convert_ok(tmp_path, ckpt))
    np.testing.assert_array_equal(art.array("lm_head"), art.array("embedding"))
    assert art.entry("lm_head")["hf_name"] == "backbone.embeddings.weight"


def test_model_prefix_and_ignored_mtp_tensors(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    renamed = {k.replace("backbone.", "model.", 1): v for k, v in weights.items()}
    renamed["mtp.layers.0.norm.weight"] = np.ones(64, np.float32)  # HF ignores mtp.* too
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=renamed)
    art = Artifact.open(convert_ok(tmp_path, ckpt))
    assert art.entry("embedding")["hf_name"] == "model.embeddings.weight"


def test_hub_repo_id_goes_through_snapshot_download(tmp_path, tiny_config, monkeypatch):
    import huggingface_hub

    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "cache" / "snap")
    calls = []

    def fake_snapshot_download(repo_id, allow_patterns=None, **kw):
        calls.append((repo_id, allow_patterns, kw))
        return str(ckpt)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    art = Artifact.open(convert_ok(tmp_path, "nvidia/Some-Nemotron-H"))
    assert art.config.hidden_size == tiny_config.hidden_size
    assert calls == [("nvidia/Some-Nemotron-H", ["config.json", "*.safetensors", "*.safetensors.index.json"], {})]


def test_hub_failure_is_a_checkpoint_error(tmp_path, monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(repo_id, **kw):
        raise LocalEntryNotFoundError("Cannot find the requested files in the disk cache")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    expect_failure(tmp_path, "nvidia/Not-Cached",
                   r"nvidia/Not-Cached: cannot download from the Hugging Face hub \(HF_HUB_OFFLINE is set.*LocalEntryNotFoundError")


def test_source_that_is_neither_dir_nor_repo_id(tmp_path):
    expect_failure(tmp_path, tmp_path / "missing" / "dir", r"missing/dir: no such file or directory \(expected a Hugging Face checkpoint directory, or a hub repo id")
    (tmp_path / "file.txt").write_text("x")
    expect_failure(tmp_path, tmp_path / "file.txt", r"file.txt: a file that is neither a config .* nor a .mlir file, not a Hugging Face checkpoint directory")


# ============================================================================ converter errors
def test_missing_config_json(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    (ckpt / "config.json").unlink()
    expect_failure(tmp_path, ckpt, r"ckpt: missing config.json")


def test_invalid_config_json(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    d = json.loads((ckpt / "config.json").read_text())
    d["hybrid_override_pattern"] = "M*Q-M-"
    (ckpt / "config.json").write_text(json.dumps(d))
    expect_failure(tmp_path, ckpt, r"config.json: hybrid_override_pattern: unknown block letter 'Q' at position 2",
                   exc=ConfigError)


MOE_CONFIG = PARITY_CONFIGS["moe-latent"][0]


@pytest.mark.parametrize("stacked", [False, True], ids=["per-expert", "stacked"])
def test_moe_experts_convert_stacked_and_hashed(tmp_path, stacked):
    c = MOE_CONFIG
    weights = random_hf_weights(c, seed=5, stacked_experts=stacked)
    per_expert = [k for k in weights if ".experts.0." in k]
    assert bool(per_expert) != stacked  # HF's save_pretrained form, or a raw state_dict's
    ckpt = write_hf_checkpoint(c, tmp_path / "ckpt", weights=weights, shards=3)
    art = Artifact.open(convert_ok(tmp_path, ckpt), verify_hashes=True)
    expected = tessera_weights_from_hf(c, weights)
    for name in ("layers.1.moe.experts_up", "layers.1.moe.experts_down", "layers.3.moe.router",
                 "layers.3.moe.router_bias", "layers.3.moe.latent_fc1", "layers.1.moe.shared_down"):
        np.testing.assert_array_equal(art.array(name), expected[name])
    assert art.shape("layers.1.moe.experts_up") == (8, 24, 16)
    entry = art.entry("layers.1.moe.experts_down")
    assert entry["hf_name"] == "backbone.layers.1.mixer.experts.down_proj"
    assert entry["sha256"] == hashlib.sha256(expected["layers.1.moe.experts_down"].tobytes()).hexdigest()


@pytest.mark.parametrize("stacked", [False, True], ids=["per-expert", "stacked"])
def test_moe_expert_count_must_match_the_config(tmp_path, stacked):
    c = MOE_CONFIG
    ckpt = write_hf_checkpoint(c.replace(n_routed_experts=9), tmp_path / "ckpt", stacked_experts=stacked)
    d = json.loads((ckpt / "config.json").read_text())
    d["n_routed_experts"] = 8
    (ckpt / "config.json").write_text(json.dumps(d))
    if stacked:
        match = (r"tensor backbone.layers.1.mixer.experts.up_proj \(in model.safetensors\) stacks 9 experts, "
                 r"but config.json says n_routed_experts = 8")
    else:
        match = (r"checkpoint has 9 experts in backbone.layers.1.mixer.experts \(down_proj, ids 0..8\), "
                 r"but config.json says n_routed_experts = 8")
    expect_failure(tmp_path, ckpt, match)


def test_no_safetensors(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    (ckpt / "model.safetensors").unlink()
    expect_failure(tmp_path, ckpt, r"no model.safetensors or model.safetensors.index.json")


def test_truncated_safetensors(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    path = ckpt / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    expect_failure(tmp_path, ckpt, r"model.safetensors: tensor '.*': truncated safetensors file \(tensor data ends at byte")
    path.write_bytes(data[:5])
    expect_failure(tmp_path, ckpt, r"model.safetensors: truncated safetensors file \(5 bytes")
    path.write_bytes(data[:200])
    expect_failure(tmp_path, ckpt, r"truncated or corrupt safetensors file \(header length \d+ bytes")


def test_corrupt_safetensors_header(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    path = ckpt / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[8:20] = b"#garbage#!{["
    path.write_bytes(bytes(data))
    expect_failure(tmp_path, ckpt, r"model.safetensors: corrupt safetensors header \(not valid JSON")


def test_corrupt_header_entries(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    path = ckpt / "model.safetensors"
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])

    def rewrite(mutate):
        h = json.loads(json.dumps(header))
        mutate(h)
        raw = json.dumps(h, separators=(",", ":")).encode()
        raw += b" " * (n - len(raw))
        assert len(raw) == n
        path.write_bytes(data[:8] + raw + data[8 + n :])

    rewrite(lambda h: h["backbone.norm_f.weight"].update(dtype="F64"))
    expect_failure(tmp_path, ckpt, r"tensor 'backbone.norm_f.weight': unsupported dtype 'F64'")
    rewrite(lambda h: h["backbone.norm_f.weight"].update(shape=[65]))
    expect_failure(tmp_path, ckpt, r"tensor 'backbone.norm_f.weight': corrupt header entry \(256 data bytes for shape \[65\]")
    rewrite(lambda h: h["backbone.norm_f.weight"].update(data_offsets=h["backbone.embeddings.weight"]["data_offsets"][:1] * 2))
    expect_failure(tmp_path, ckpt, r"corrupt header entry \(0 data bytes")


def test_nan_weight(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.layers.2.mixer.in_proj.weight"][5, 7] = np.nan
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"tensor backbone.layers.2.mixer.in_proj.weight \(in model.safetensors\): "
                                   r"1 non-finite value\(s\) \(NaN/Inf\), first at index \[5, 7\]")


def test_inf_weight_in_bf16(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.layers.0.mixer.A_log"][3] = np.inf
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights, dtype="bf16")
    expect_failure(tmp_path, ckpt, r"tensor backbone.layers.0.mixer.A_log .*first at index \[3\]")


def test_overflow_when_narrowing(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.norm_f.weight"][0] = np.finfo(np.float32).max
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"tensor backbone.norm_f.weight \(in model.safetensors\) after conversion to bf16: 1 non-finite",
                   dtype="bf16")


def test_shape_mismatch(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.layers.0.mixer.in_proj.weight"] = weights["backbone.layers.0.mixer.in_proj.weight"][:-1]
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"tensor backbone.layers.0.mixer.in_proj.weight \(in model.safetensors\) has shape "
                                   r"\[327, 64\], but config.json implies \[328, 64\] = \[in_proj_dim, hidden_size\]")


def test_conv_weight_must_be_three_dimensional(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.layers.2.mixer.conv1d.weight"] = weights["backbone.layers.2.mixer.conv1d.weight"][:, 0]
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"conv1d.weight .* has shape \[192, 4\], but config.json implies \[192, 1, 4\]")


def test_missing_tensor(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    del weights["backbone.layers.1.mixer.k_proj.weight"]
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"checkpoint is missing 1 tensor\(s\) that config.json requires: "
                                   r"backbone.layers.1.mixer.k_proj.weight$")


def test_missing_untied_lm_head(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    del weights["lm_head.weight"]
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"missing 1 tensor\(s\) that config.json requires: lm_head.weight")


def test_unexpected_tensor(tmp_path, tiny_config):
    weights = random_hf_weights(tiny_config)
    weights["backbone.layers.1.mixer.q_proj.bias"] = np.zeros(64, np.float32)  # config says attention_bias=false
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", weights=weights)
    expect_failure(tmp_path, ckpt, r"checkpoint has 1 tensor\(s\) that config.json does not account for: "
                                   r"backbone.layers.1.mixer.q_proj.bias")


def test_sharded_index_problems(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", shards=2)
    index_path = ckpt / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    shard2 = "model-00002-of-00002.safetensors"
    (ckpt / shard2).rename(ckpt / "moved.safetensors")
    expect_failure(tmp_path, ckpt, rf"shard '{shard2}' \(holding .*\) does not exist")
    (ckpt / "moved.safetensors").rename(ckpt / shard2)

    bad = json.loads(json.dumps(index))
    name = next(k for k, v in bad["weight_map"].items() if v == shard2)
    bad["weight_map"][name] = "model-00001-of-00002.safetensors"
    index_path.write_text(json.dumps(bad))
    expect_failure(tmp_path, ckpt, rf"tensor '{name}' listed in model.safetensors.index.json is not in this shard")

    bad = json.loads(json.dumps(index))
    bad["weight_map"][name] = "../elsewhere.safetensors"
    index_path.write_text(json.dumps(bad))
    expect_failure(tmp_path, ckpt, r"shard path '../elsewhere.safetensors' points outside the checkpoint directory")

    index_path.write_text("{}")
    expect_failure(tmp_path, ckpt, r"missing or malformed 'weight_map'")


def test_existing_output_is_never_touched_without_force(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    out = tmp_path / "art"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    before = listing(tmp_path)
    with pytest.raises(CheckpointError, match=r"exists and is not empty \(pass --force to replace it\)"):
        convert_checkpoint(ckpt, out, progress=False)
    assert listing(tmp_path) == before and (out / "precious.txt").read_text() == "keep me"

    (tmp_path / "afile").write_text("x")
    with pytest.raises(CheckpointError, match="exists and is not a directory"):
        convert_checkpoint(ckpt, tmp_path / "afile", force=True, progress=False)


def test_force_replaces_and_failed_force_keeps_the_old_artifact(tmp_path, tiny_config):
    good = write_hf_checkpoint(tiny_config, tmp_path / "good", seed=1)
    out = convert_ok(tmp_path, good)
    old_manifest = (out / "manifest.json").read_text()

    weights = random_hf_weights(tiny_config, seed=2)
    weights["backbone.norm_f.weight"][0] = np.nan
    bad = write_hf_checkpoint(tiny_config, tmp_path / "bad", weights=weights)
    before = listing(tmp_path)
    with pytest.raises(CheckpointError, match="non-finite"):
        convert_checkpoint(bad, out, force=True, progress=False)
    assert listing(tmp_path) == before and (out / "manifest.json").read_text() == old_manifest

    other = write_hf_checkpoint(tiny_config, tmp_path / "other", seed=3)
    convert_checkpoint(other, out, force=True, progress=False)
    assert (out / "manifest.json").read_text() != old_manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["art", "bad", "good", "other"]  # no .old-/.tmp- left
    Artifact.open(out, verify_hashes=True)


def test_empty_existing_output_dir_is_fine(tmp_path, tiny_config):
    (tmp_path / "art").mkdir()
    Artifact.open(convert_ok(tmp_path, write_hf_checkpoint(tiny_config, tmp_path / "ckpt")))


def test_output_inside_source_is_refused(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    before = listing(tmp_path)
    with pytest.raises(CheckpointError, match="overlaps the checkpoint directory"):
        convert_checkpoint(ckpt, ckpt / "art", progress=False)
    with pytest.raises(CheckpointError, match="overlaps the checkpoint directory"):
        convert_checkpoint(ckpt, ckpt, force=True, progress=False)
    assert listing(tmp_path) == before


def test_safetensors_reader_matches_the_safetensors_package(tmp_path, tiny_config):
    from safetensors.numpy import load_file

    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", dtype="fp16")
    ours = SafetensorsFile(ckpt / "model.safetensors")
    theirs = load_file(str(ckpt / "model.safetensors"))
    assert set(ours.tensors) == set(theirs)
    for name, arr in theirs.items():
        np.testing.assert_array_equal(ours.read(name), arr)
        assert not ours.read(name).flags.writeable


# ============================================================================ artifact reader
@pytest.fixture
def artifact_dir(tmp_path, tiny_config):
    return convert_ok(tmp_path, write_hf_checkpoint(tiny_config, tmp_path / "ckpt", dtype="bf16"))


def test_arrays_are_read_only_aligned_memmaps(artifact_dir):
    art = Artifact.open(artifact_dir)
    arr = art.array("layers.0.mamba.in_proj")
    assert isinstance(arr.base, np.memmap) or isinstance(arr, np.memmap)
    assert not arr.flags.writeable
    with pytest.raises(ValueError):
        arr[0, 0] = 1
    for shard in artifact_dir.glob("*.npz"):
        members = read_members(shard)
        assert all(m.stored and m.data_offset % ALIGN == 0 for m in members.values())
        with np.load(shard) as npz:  # still an ordinary npz
            for name in members:
                np.testing.assert_array_equal(npz[name], art.array(name))
    f32 = art.array_f32("layers.0.mamba.in_proj")
    assert f32.dtype == np.float32
    np.testing.assert_array_equal(f32_to_bf16(f32), arr)
    assert set(art.f32_weights()) == set(art.names()) and len(art.f32_weights()) == len(art.names())


def test_compressed_npz_falls_back_to_np_load(artifact_dir):
    path = artifact_dir / "final.npz"
    with np.load(path) as npz:
        data = {k: npz[k] for k in npz.files}
    np.savez_compressed(path, **data)
    art = Artifact.open(artifact_dir)
    arr = art.array("lm_head")
    np.testing.assert_array_equal(arr, data["lm_head"])
    assert not arr.flags.writeable


def test_verify_hashes_detects_corruption(artifact_dir):
    member = read_members(artifact_dir / "layer_002.npz")["layers.2.mamba.D"]
    with open(artifact_dir / "layer_002.npz", "r+b") as f:
        f.seek(member.data_offset)
        b = f.read(1)
        f.seek(member.data_offset)
        f.write(bytes([b[0] ^ 0x40]))
    Artifact.open(artifact_dir)  # structure is still fine
    with pytest.raises(ArtifactError, match=r"layer_002.npz: tensor 'layers.2.mamba.D' fails its sha256 check"):
        Artifact.open(artifact_dir, verify_hashes=True)


def _edit_manifest(path, mutate):
    m = json.loads((path / "manifest.json").read_text())
    mutate(m)
    (path / "manifest.json").write_text(json.dumps(m))


def _entry(m, name):
    return next(t for t in m["tensors"] if t["tessera_name"] == name)


def test_manifest_shard_escaping_the_directory(tmp_path, artifact_dir):
    outside = tmp_path / "outside.npz"
    (artifact_dir / "final.npz").rename(outside)
    for shard, why in [(str(outside), "escapes the artifact directory"),
                       ("../outside.npz", "escapes the artifact directory"),
                       ("sub/../../outside.npz", "escapes the artifact directory")]:
        _edit_manifest(artifact_dir, lambda m: _entry(m, "lm_head").update(shard=shard))
        with pytest.raises(ArtifactError, match=rf"tensor 'lm_head': shard path '{shard}' {why}"):
            Artifact.open(artifact_dir)
    (artifact_dir / "final.npz").symlink_to(outside)
    _edit_manifest(artifact_dir, lambda m: _entry(m, "lm_head").update(shard="final.npz"))
    with pytest.raises(ArtifactError, match=r"shard path 'final.npz' escapes the artifact directory \(symlink to"):
        Artifact.open(artifact_dir)


def test_manifest_and_file_disagree(artifact_dir):
    _edit_manifest(artifact_dir, lambda m: _entry(m, "layers.0.norm").update(shape=[65]))
    with pytest.raises(ArtifactError, match=r"tensor 'layers.0.norm' has shape \[65\], config implies \[64\]"):
        Artifact.open(artifact_dir)
    _edit_manifest(artifact_dir, lambda m: _entry(m, "layers.0.norm").update(shape=[64], dtype="fp32"))
    with pytest.raises(ArtifactError, match=r"tensor 'layers.0.norm' is stored as uint16 but the manifest says fp32"):
        Artifact.open(artifact_dir)
    _edit_manifest(artifact_dir, lambda m: (_entry(m, "layers.0.norm").update(dtype="bf16"),
                                           _entry(m, "layers.0.norm").update(shard="layer_001.npz")))
    with pytest.raises(ArtifactError, match=r"layer_001.npz: tensor 'layers.0.norm' from the manifest is not in this file"):
        Artifact.open(artifact_dir)


def test_npy_header_shape_checked_without_loading(artifact_dir):
    path = artifact_dir / "layer_000.npz"
    with np.load(path) as npz:
        data = {k: npz[k] for k in npz.files}
    data["layers.0.norm"] = data["layers.0.norm"][:32]
    np.savez(path, **data)
    with pytest.raises(ArtifactError, match=r"tensor 'layers.0.norm' has shape \[32\] in the file but \[64\] in the manifest"):
        Artifact.open(artifact_dir)


@pytest.mark.parametrize("mutate,match", [
    (lambda m: m.update(format_version=2), r"unsupported format_version 2"),
    (lambda m: m.update(format="something"), r"not a Tessera manifest"),
    (lambda m: m["tensors"].pop(), r"missing 1 tensor\(s\): lm_head"),
    (lambda m: m["tensors"].append(dict(m["tensors"][0])), r"tensor 'embedding' listed twice"),
    (lambda m: m["tensors"][0].pop("sha256"), r"tensors\[0\] lacks one of"),
    (lambda m: m["config"].update(n_groups=3), r"invalid config: config: mamba_num_heads \(8\) must be a multiple of n_groups \(3\)"),
    (lambda m: m["tensors"][0].update(tessera_name="embeddings"), r"tensor 'embeddings' is not part of this model's weight contract"),
])
def test_bad_manifests(artifact_dir, mutate, match):
    _edit_manifest(artifact_dir, mutate)
    with pytest.raises(ArtifactError, match=match):
        Artifact.open(artifact_dir)


def test_missing_or_broken_files(tmp_path, artifact_dir):
    with pytest.raises(ArtifactError, match="no such file or directory"):
        Artifact.open(tmp_path / "nothing")
    data = (artifact_dir / "layer_003.npz").read_bytes()
    (artifact_dir / "layer_003.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactError, match=r"layer_003.npz: not a readable npz file"):
        Artifact.open(artifact_dir)
    (artifact_dir / "layer_003.npz").unlink()
    with pytest.raises(ArtifactError, match=r"shard 'layer_003.npz' \(holding 'layers.3.norm'\) does not exist"):
        Artifact.open(artifact_dir)
    (artifact_dir / "manifest.json").write_text("{")
    with pytest.raises(ArtifactError, match="manifest.json: cannot parse"):
        Artifact.open(artifact_dir)
    (artifact_dir / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match="no manifest.json"):
        Artifact.open(artifact_dir)
    art_err = ArtifactError("x")
    assert isinstance(art_err, Exception)


def test_unknown_tensor_name(artifact_dir):
    with pytest.raises(ArtifactError, match="no tensor named 'nope'"):
        Artifact.open(artifact_dir).array("nope")


def test_npz_members_stay_aligned_in_zip64_mode(tmp_path, monkeypatch):
    """fp32 artifacts of the 12B model have >2 GiB members (the embedding), which
    zipfile writes with an extra zip64 field; alignment must account for it."""
    import zipfile

    from tessera.checkpoint.npz import write_npz

    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 5000)
    arrays = [("small", np.arange(7, dtype=np.float32)), ("big.one", np.arange(3000, dtype=np.uint16).reshape(30, 100)),
              ("big.two", np.ones((50, 40), np.float32))]
    write_npz(tmp_path / "x.npz", arrays)
    members = read_members(tmp_path / "x.npz")
    raw = (tmp_path / "x.npz").read_bytes()
    with np.load(tmp_path / "x.npz") as npz:
        for name, arr in arrays:
            m = members[name]
            assert m.data_offset % ALIGN == 0 and m.shape == arr.shape
            np.testing.assert_array_equal(npz[name], arr)
            np.testing.assert_array_equal(np.frombuffer(raw, arr.dtype, arr.size, m.data_offset).reshape(arr.shape), arr)
