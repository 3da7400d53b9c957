"""Bad input, one test per case of issue 9 (Python side): what a hostile or
careless user, or a failing disk, can hand to the CLI, the Python API, the
artifact and the compile cache. Every case ends in a one-line message and
exit 1 (2 for usage) or, for a damaged cache entry, in a rebuild with a
warning -- never a signal, a traceback or a silently wrong answer. Numbers
are checked against the numpy reference model.

(The IR-side cases -- deep nesting in tessera-opt, unbounded work in the
target stage -- are in the lit suite.) Property-based variants of these
cases: test_bad_input_properties.py.
"""

import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tessera
from badinput import (TOL, cache_env, cli, cli_subprocess, copy_tree, leftovers, make_world, one_line_error,
                      rel, snapshot)
from tessera.checkpoint import Artifact, convert_checkpoint
from tessera.checkpoint.npz import read_members, write_npz
from tessera.checkpoint.verify import verify_artifact
from tessera.clierrors import EXIT_INTERNAL
from tessera.config import load_config
from tessera.errors import ArtifactError, CheckpointError, ConfigError, RuntimeInputError
from tessera.inputs import check_capacity
from tessera.runtime.cache import CacheWarning, CompileCache, cache_key, check_elf_object, host_target
from tessera.testing import write_hf_checkpoint


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("bad-input"))
    tessera.compile(w.art, cache_dir=w.cache)  # fills the cache: later runs are hits
    with cache_env(w.cache):
        yield w


def _rewrite_manifest(art, change):
    path = art / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _entry(manifest, name):
    return next(e for e in manifest["tensors"] if e["tessera_name"] == name)


# ============================================================================ 2. silent wrong answers
@pytest.mark.parametrize("field,value,letter", [("mlp_hidden_act", "gelu", "-"), ("mamba_hidden_act", "tanh", "M")])
def test_unsupported_activation_is_refused_naming_the_field(world, tmp_path, field, value, letter):
    config = json.loads((world.ckpt / "config.json").read_text())
    config[field] = value
    with pytest.raises(ConfigError, match=rf"{field} .*{value}"):
        load_config(config)
    ckpt = copy_tree(world.ckpt, tmp_path / "ckpt")
    (ckpt / "config.json").write_text(json.dumps(config))
    code, _, err = cli("convert", "--hf", ckpt, "--out", tmp_path / "art")
    one_line_error(code, err, field)
    assert not (tmp_path / "art").exists() and leftovers(tmp_path) == []


def test_flipped_data_byte_is_refused_naming_the_shard(world, tmp_path):
    art = copy_tree(world.art, tmp_path / "art")
    member = read_members(art / "layer_001.npz")["layers.1.mamba.in_proj"]
    with open(art / "layer_001.npz", "r+b") as f:
        f.seek(member.data_offset + 100)
        byte = f.read(1)
        f.seek(member.data_offset + 100)
        f.write(bytes([byte[0] ^ 0x01]))
    code, out, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, "layer_001.npz: tensor 'layers.1.mamba.in_proj' fails its sha256 check")
    assert out == ""
    with pytest.raises(ArtifactError, match="layer_001.npz"):
        tessera.compile(art, cache_dir=world.cache)
    code, _, err = cli("compile", art, "--emit", "graph", "-o", tmp_path / "g.mlir")
    one_line_error(code, err, "layer_001.npz")
    assert not (tmp_path / "g.mlir").exists()
    code, _, err = cli("compile", art, "--emit", "graph", "-o", tmp_path / "g.mlir", "--no-verify")
    assert code == 0 and (tmp_path / "g.mlir").exists(), err


def test_swapped_layers_are_refused(world, tmp_path):
    # Layers 0 and 1 are both Mamba: same tensor shapes, so only the hashes can tell.
    art = copy_tree(world.art, tmp_path / "art")
    z0, z1 = (dict(np.load(art / f"layer_00{i}.npz")) for i in (0, 1))
    write_npz(art / "layer_000.npz", ((k, z1[k.replace("layers.0.", "layers.1.")]) for k in z0))
    write_npz(art / "layer_001.npz", ((k, z0[k.replace("layers.1.", "layers.0.")]) for k in z1))
    Artifact.open(art)  # structurally valid
    code, _, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, "layer_000.npz: tensor 'layers.0.")


def test_wrong_sha256_in_manifest_is_refused(world, tmp_path):
    art = copy_tree(world.art, tmp_path / "art")
    _rewrite_manifest(art, lambda m: _entry(m, "final_norm").update(sha256="ab" * 32))
    code, _, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, "final.npz: tensor 'final_norm' fails its sha256 check against manifest.json")


def test_verification_is_remembered_per_file_identity(world, tmp_path):
    art = Artifact.open(copy_tree(world.art, tmp_path / "art"))
    memo = tmp_path / "memo"
    assert verify_artifact(art, memo) == 6  # embedding, 4 layers, final
    assert verify_artifact(art, memo) == 0  # remembered
    os.utime(art.shard_path("layer_002.npz"))  # touched: mtime (and ctime) change
    assert verify_artifact(art, memo) == 1
    data = art.shard_path("final.npz").read_bytes()  # replaced by an identical copy: new inode
    art.shard_path("final.npz").unlink()
    art.shard_path("final.npz").write_bytes(data)
    assert verify_artifact(art, memo) == 1
    assert verify_artifact(art, memo) == 0
    (memo / "verified").chmod(0o755)
    for f in (memo / "verified").iterdir():  # a damaged memo only means verifying again
        f.write_text("[" * 100000)
    assert verify_artifact(art, memo) == 6
    assert not leftovers(memo / "verified")


def test_no_verify_skips_the_check(world, tmp_path):
    art = copy_tree(world.art, tmp_path / "art")
    _rewrite_manifest(art, lambda m: _entry(m, "final_norm").update(sha256="cd" * 32))
    model = tessera.compile(art, cache_dir=world.cache, verify=False)
    assert rel(model.prefill(world.ids, all_logits=True)[0], world.reference) <= TOL
    code, out, err = cli("run", art, "--input-ids", world.ids_file, "--no-verify")
    assert code == 0 and "prefill: logits [2, 1, 64]" in out, err
    model = tessera.compile(world.art, cache_dir=world.cache)
    with pytest.raises(ArtifactError, match="fails its sha256 check"):
        model.load(art)
    model.load(art, verify=False)


def test_non_finite_weights(world, tmp_path):
    # At conversion: refused, naming the tensor.
    from safetensors.numpy import load_file

    hf = load_file(str(world.ckpt / "model.safetensors"))
    hf["backbone.layers.2.mixer.q_proj.weight"][3, 1] = np.inf
    ckpt = write_hf_checkpoint(load_config(world.ckpt / "config.json"), tmp_path / "ckpt", weights=hf)
    code, _, err = cli("convert", "--hf", ckpt, "--out", tmp_path / "art")
    one_line_error(code, err, "tensor backbone.layers.2.mixer.q_proj.weight (in model.safetensors): 1 non-finite")
    # In an artifact whose manifest vouches for the NaN (hash updated): refused at load.
    art = copy_tree(world.art, tmp_path / "art2")
    z = dict(np.load(art / "layer_000.npz"))
    z["layers.0.mamba.D"] = z["layers.0.mamba.D"].copy()
    z["layers.0.mamba.D"][2] = np.nan
    write_npz(art / "layer_000.npz", z.items())
    _rewrite_manifest(art, lambda m: _entry(m, "layers.0.mamba.D").update(
        sha256=hashlib.sha256(z["layers.0.mamba.D"].tobytes()).hexdigest()))
    code, out, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, "tensor 'layers.0.mamba.D' has 1 non-finite value(s) (NaN/Inf), first at index [2]")
    # Unverified: the NaN logits are refused, never printed as an answer ("argmax 0").
    code, out, err = cli("run", art, "--input-ids", world.ids_file, "--no-verify")
    one_line_error(code, err, "the logits contain NaN/Inf")
    assert "argmax" not in out
    code, out, err = cli("run", art, "--input-ids", world.ids_file, "--no-verify", "--generate", "3")
    one_line_error(code, err, "the logits of generated token 1 contain NaN/Inf (sequence(s) 0")
    assert out == ""
    # The Python API, unverified: prefill/decode return the logits as computed (documented);
    # generate refuses to choose tokens from them instead of answering token 0.
    model = tessera.compile(art, cache_dir=world.cache, verify=False)
    logits, state = model.prefill(world.ids)
    assert np.isnan(logits).any()
    step, _ = model.decode(np.zeros(world.ids.shape[0], np.int64), state)
    assert np.isnan(step).any()
    with pytest.raises(RuntimeInputError, match=r"the logits of generated token 1 contain NaN/Inf \(sequence\(s\) 0.*"
                                                r"load the artifact with verify=True to name the tensor"):
        model.generate(world.ids, 4)
    # Non-finite logits appearing only at a later step are caught there too.
    from tessera.inputs import greedy_generate

    v = 5
    ok = np.zeros((2, 1, v), np.float32)
    ok[:, 0, 3] = 1
    bad = np.ones((2, v), np.float32)
    bad[1, 2] = np.inf
    bad[1, 3] = -np.inf
    with pytest.raises(RuntimeInputError, match=r"generated token 2 contain NaN/Inf \(sequence\(s\) 1\)"):
        greedy_generate(lambda x: (ok, None), lambda t, s: (bad, s), np.zeros((2, 1), np.int64), 3, v, False)
    tokens = greedy_generate(lambda x: (ok, None), lambda t, s: (ok[:, 0], s), np.zeros((2, 1), np.int64), 2, v, False)
    assert tokens.tolist() == [[3, 3], [3, 3]]


# ============================================================================ 1./2./3. the compile cache
def _entry_files(world, tmp_path):
    cache = copy_tree(world.cache, tmp_path / "cache")
    meta = next(p for p in cache.glob("*.json"))
    return cache, meta, meta.with_suffix(".o")


def _tile_metadata(world):
    from tessera import compiler
    from tessera.graph_builder import FUNCTIONS, build_graph

    config = Artifact.open(world.art).config
    tile = compiler.lower(build_graph(config, weight_dtype="fp32", functions=FUNCTIONS), "graph", "tile")
    # The ABI an entry records: the tile stage's with the x86 weight layouts.
    return config, json.loads(json.dumps(compiler.target_abi_metadata(tile.module), sort_keys=True))


def _swap_weights(meta):
    w = meta["metadata"]["functions"]["prefill"]["weights"]
    w[1], w[2] = w[2], w[1]


def _drop_weight(meta):
    meta["metadata"]["functions"]["decode"]["weights"].pop()
    meta["metadata"]["functions"]["decode"]["results"][0]["arg"] -= 1


def _no_results(meta):
    meta["metadata"]["functions"]["prefill"]["results"] = []


def _wrong_shape(meta):
    meta["metadata"]["functions"]["prefill"]["results"][0]["shape"][-1] += 1


def _wrong_types(meta):
    meta["object_bytes"] = str(meta["object_bytes"])


def _wrong_types_deep(meta):
    meta["metadata"]["functions"]["decode"]["states"] = {"a": 1}


def _not_an_object(meta):
    meta.clear()
    meta.update({"format": 1, "key": None})


@pytest.mark.parametrize("change,problem", [
    (_swap_weights, "its ABI metadata differs from the compiled module's (functions.prefill.weights[1]"),
    (_drop_weight, "differs from the compiled module's (functions.decode"),
    (_no_results, "functions.prefill.results: 0 entries, expected 1"),
    (_wrong_shape, "functions.prefill.results[0].shape[2]"),
    (_wrong_types, "field 'object_bytes' is missing or not of type int"),
    (_wrong_types_deep, "the ABI metadata is malformed"),
    (_not_an_object, "stale"),
])
def test_bad_cache_metadata_is_rejected_before_loading_code(world, tmp_path, change, problem):
    cache, meta_path, _ = _entry_files(world, tmp_path)
    config, metadata = _tile_metadata(world)
    key, payload = cache_key(config, host_target("x86"), "fp32")
    assert meta_path.stem == key
    assert CompileCache(cache).load(key, payload, metadata) is not None  # the pristine entry is good
    meta = json.loads(meta_path.read_text())
    change(meta)
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(CacheWarning, match="rebuilding it") as record:
        assert CompileCache(cache).load(key, payload, metadata) is None
    assert problem in str(record[0].message)


@pytest.mark.parametrize("damage", ["truncated", "deep", "binary", "empty"])
def test_truncated_or_garbage_cache_metadata(world, tmp_path, damage):
    cache, meta_path, _ = _entry_files(world, tmp_path)
    config, metadata = _tile_metadata(world)
    key, payload = cache_key(config, host_target("x86"), "fp32")
    text = meta_path.read_bytes()
    meta_path.write_bytes({"truncated": text[: len(text) // 2], "deep": b"[" * 100000,
                           "binary": b"\xff\xfe\x00garbage", "empty": b""}[damage])
    with pytest.warns(CacheWarning, match="the metadata is not valid JSON"):
        assert CompileCache(cache).load(key, payload, metadata) is None


def test_swapped_weight_names_in_cache_are_rebuilt_with_right_answer(world, tmp_path):
    cache, meta_path, _ = _entry_files(world, tmp_path)
    meta = json.loads(meta_path.read_text())
    _swap_weights(meta)
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(CacheWarning, match="ABI metadata differs"):
        model = tessera.compile(world.art, cache_dir=cache)
    assert model.cache_status.startswith("rebuilt (")
    assert rel(model.prefill(world.ids, all_logits=True)[0], world.reference) <= TOL
    assert tessera.compile(world.art, cache_dir=cache).cache_status == "hit"


def _symtab_value_offset(obj: bytes) -> int:
    """File offset of st_value of the first defined symbol with a non-zero value."""
    shoff, = struct.unpack_from("<Q", obj, 40)
    shnum, = struct.unpack_from("<H", obj, 60)
    for i in range(shnum):
        _, sh_type, _, _, off, size, _, _, _, ent = struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * 64)
        if sh_type == 2:
            for k in range(1, size // ent):
                _, _, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", obj, off + k * ent)
                if 0 < shndx < shnum and value:
                    return off + k * ent + 8
    raise AssertionError("no symbol")


@pytest.mark.parametrize("damage", ["section_table", "symbol", "truncated", "flipped"])
def test_corrupted_cached_object_is_rebuilt_never_run(world, tmp_path, damage):
    """The object is damaged *and* its recorded size/SHA-256 updated to match
    (what a plain flip would trip over first): the ELF checks or the JIT
    refuse it, and it is rebuilt."""
    cache, meta_path, obj_path = _entry_files(world, tmp_path)
    obj = bytearray(obj_path.read_bytes())
    if damage == "section_table":
        struct.pack_into("<Q", obj, 40, len(obj) + 4096)  # e_shoff past the end
    elif damage == "symbol":
        struct.pack_into("<Q", obj, _symtab_value_offset(bytes(obj)), 0xFF000000000000)
    elif damage == "truncated":
        obj = obj[: len(obj) // 2]
    else:
        obj[len(obj) // 3] ^= 0xFF
    obj_path.write_bytes(bytes(obj))
    meta = json.loads(meta_path.read_text())
    if damage != "flipped":
        meta.update(object_sha256=hashlib.sha256(obj).hexdigest(), object_bytes=len(obj))
    meta_path.write_text(json.dumps(meta))
    if damage in ("section_table", "truncated"):
        assert check_elf_object(bytes(obj)) is not None
    with pytest.warns(CacheWarning, match="rebuilding it"):
        model = tessera.compile(world.art, cache_dir=cache)
    assert model.cache_status.startswith("rebuilt (")
    assert rel(model.prefill(world.ids, all_logits=True)[0], world.reference) <= TOL
    assert tessera.compile(world.art, cache_dir=cache).cache_status == "hit"


def test_read_only_cache_dir_runs_uncached(world, tmp_path, monkeypatch):
    import errno
    import tempfile

    cache = copy_tree(world.cache, tmp_path / "ro")
    for p in cache.glob("*"):
        if p.is_file():
            p.unlink()
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, dir=None, **kw):  # what a read-only mount answers (root ignores chmod)
        if dir is not None and str(dir).startswith(str(cache)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real_mkstemp(*args, dir=dir, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(cache))
    with pytest.warns(CacheWarning, match="cannot write to .*ro .*Read-only file system.*compiled uncached"):
        model = tessera.compile(world.art, cache_dir=cache)
    assert model.cache_path is None and rel(model.prefill(world.ids, all_logits=True)[0], world.reference) <= TOL
    code, out, err = cli("run", world.art, "--input-ids", world.ids_file)
    assert code == 0 and "compile cache: uncached (cannot write to" in err and "Traceback" not in err


def test_read_only_mount_runs_uncached_subprocess(world, tmp_path):
    """The real thing where the machine allows a private mount namespace (root in CI)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {ro} {ro} && mount -o remount,bind,ro {ro}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private mount namespace here (unshare -m needs root)")
    cmd = (f"mount --bind {ro} {ro} && mount -o remount,bind,ro {ro} && "
           f"TESSERA_CACHE_DIR={ro} PYTHONPATH={os.pathsep.join(sys.path)} HF_HUB_OFFLINE=1 "
           f"{sys.executable} -m tessera run {world.art} --input-ids {world.ids_file}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "compile cache: uncached (cannot write to" in done.stderr and "Read-only file system" in done.stderr


# ============================================================================ 3. tracebacks -> messages
@pytest.mark.parametrize("change,fragment", [
    (lambda m: m.update(tensors={"a": 1}), "missing 'tensors' list"),
    (lambda m: m["tensors"][0].update(tessera_name=["embedding"]), "tensors[0].tessera_name must be a string"),
    (lambda m: m["tensors"][0].update(dtype={"x": 1}), "tensors[0].dtype must be a string"),
    (lambda m: m["tensors"][1].update(shape="64"), "tensors[1].shape must be a list of non-negative integers"),
    (lambda m: m["tensors"][1].update(shape=[True, 2]), "tensors[1].shape must be a list"),
    (lambda m: m["tensors"][2].update(sha256=17), "tensors[2].sha256 must be a string"),
    (lambda m: m["tensors"][2].update(sha256="xyz"), "tensors[2].sha256 must be 64 lowercase hex digits"),
    (lambda m: m["tensors"][2].update(shard=None), "tensors[2].shard must be a string"),
    (lambda m: m.update(dtype=[1]), "unknown dtype [1]"),
    (lambda m: m.update(format_version=True), "unsupported format_version True"),
    (lambda m: m.update(config=[]), "missing 'config' (expected an object)"),
    (lambda m: m["config"].update(hidden_size="32"), "hidden_size must be an integer"),
    (lambda m: m["tensors"].__setitem__(0, "embedding"), "tensors[0] lacks one of"),
])
def test_manifest_fields_of_the_wrong_type(world, tmp_path, change, fragment):
    art = copy_tree(world.art, tmp_path / "art")
    _rewrite_manifest(art, change)
    with pytest.raises(ArtifactError, match="manifest.json: ") as info:
        Artifact.open(art)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    code, _, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, fragment)


def test_deeply_nested_manifest_and_safetensors_header(world, tmp_path):
    art = copy_tree(world.art, tmp_path / "art")
    (art / "manifest.json").write_text('{"format": ' + "[" * 100000 + "]" * 100000 + "}")
    code, _, err = cli("run", art, "--input-ids", world.ids_file)
    one_line_error(code, err, "manifest.json: cannot parse: nested 100001 levels deep (more than 64)")
    ckpt = copy_tree(world.ckpt, tmp_path / "ckpt")
    header = b'{"a": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    (ckpt / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    code, _, err = cli("convert", "--hf", ckpt, "--out", tmp_path / "out")
    one_line_error(code, err, "corrupt safetensors header (not valid JSON: nested 100001 levels deep")
    (ckpt / "model.safetensors.index.json").write_text("[" * 100000)
    code, _, err = cli("convert", "--hf", ckpt, "--out", tmp_path / "out")
    one_line_error(code, err, "model.safetensors.index.json: cannot parse: nested")
    config = tmp_path / "deep.json"
    config.write_text("[" * 100000)
    code, _, err = cli("compile", config, "--emit", "graph")
    one_line_error(code, err, "deep.json: invalid JSON: nested 100000 levels deep")
    yaml = tmp_path / "deep.yaml"
    yaml.write_text("a: " + "[" * 100000)
    code, _, err = cli("compile", yaml, "--emit", "graph")
    one_line_error(code, err, "deep.yaml: invalid YAML")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out").exists()


def _npy_header(shape, descr="<i8") -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


@pytest.mark.parametrize("content,fragment", [
    (b"", "not a .npy array file (empty file)"),
    (b"1 2 3\n", "not a .npy array file"),
    (b"\x93NUMPY\x01\x00" + b"\xff" * 40, "not a .npy array file"),
    (_npy_header((100000, 1000000)) + b"\0" * 64, "the header claims 100000000000 ids"),
    (_npy_header((2, 7)) + b"\0" * 8, "truncated or corrupt (shape [2, 7] needs 112 data bytes, the file has 8)"),
    (_npy_header((2, 7), "<f4") + b"\0" * 56, "expected int64 token ids, got float32"),
    (_npy_header((2,), "|O") + b"\0" * 16, "holds Python objects"),
    (_npy_header((2, 0)), "ids [B, S]: empty"),
    (_npy_header((3,)) + b"\0" * 24, "ids [B, S]: expected rank 2, got shape [3]"),
    (_npy_header((1, 2)) + struct.pack("<qq", 1, 10**6), "token id 1000000 is outside [0, 64)"),
])
def test_bad_input_ids_file(world, tmp_path, content, fragment):
    path = tmp_path / "ids.npy"
    path.write_bytes(content)
    out = tmp_path / "logits.npy"
    code, stdout, err = cli("run", world.art, "--input-ids", path, "--dump-logits", out)
    one_line_error(code, err, fragment)
    assert stdout == "" and not out.exists() and leftovers(tmp_path) == []


def test_make_random_checkpoint_bad_seed_and_sizes(tmp_path):
    code, _, err = cli("make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", tmp_path / "c", "--seed", "-1")
    assert code == 2 and "argument --seed: expected a non-negative integer, got -1" in err and "Traceback" not in err
    with pytest.raises(CheckpointError, match=r"seed must be an integer in \[0, 2\*\*64\), got -1"):
        write_hf_checkpoint(tessera.config.builtin_config_path("nemotron_h_tiny"), tmp_path / "c", seed=-1)
    code, _, err = cli("make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", tmp_path / "c",
                       "--shards", "0")
    assert code == 2 and "expected a positive integer, got 0" in err
    config = load_config(tessera.config.builtin_config_path("nemotron_h_tiny")).to_hf_dict()
    for value, fragment in ((10**18, "the largest tensor is backbone.embeddings.weight [1000000000000000000, 64]"),
                            (1e18, "vocab_size must be an integer")):
        path = tmp_path / "big.json"
        path.write_text(json.dumps({**config, "vocab_size": value}))
        code, _, err = cli("make-random-checkpoint", "--config", path, "--out", tmp_path / "c")
        one_line_error(code, err, fragment)
        assert not (tmp_path / "c").exists()


def test_make_random_checkpoint_writes_nothing_half(tmp_path, monkeypatch):
    import tessera.testing

    out = tmp_path / "ckpt"
    real = tessera.testing.write_safetensors

    def disk_full(path, *args, **kwargs):  # fails after config.json is written
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(tessera.testing, "write_safetensors", disk_full)
    code, _, err = cli("make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", out)
    one_line_error(code, err, "No space left on device")
    assert not out.exists() and leftovers(tmp_path) == []
    monkeypatch.setattr(tessera.testing, "write_safetensors", real)
    # A run killed mid-way leaves OUT.tmp-* owned by a dead process: the next run removes it.
    subprocess.run([sys.executable, "-c", "import sys, pathlib; from tessera.checkpoint import staging; "
                    "d = staging.make_staging_dir(pathlib.Path(sys.argv[1]), 'ckpt'); "
                    "(d / 'config.json').write_text('{')", str(tmp_path)], check=True)
    assert len(leftovers(tmp_path)) == 1
    out.mkdir()  # an empty OUT is filled (as before), a non-empty one refused
    code, stdout, err = cli("make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", out, "--shards", "2")
    assert code == 0 and "wrote random bf16 checkpoint" in stdout and "left behind by a killed" in err, err
    assert leftovers(tmp_path) == [] and sorted(p.name for p in out.iterdir()) == [
        "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
        "model.safetensors.index.json"]
    before = snapshot(out)
    code, _, err = cli("make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", out, "--seed", "1")
    one_line_error(code, err, f"--out {out} exists and is not an empty directory")
    assert snapshot(out) == before and leftovers(tmp_path) == []
    assert convert_checkpoint(out, tmp_path / "art").is_dir()


@pytest.mark.parametrize("stage, emit, repro", [
    ("tile", "llvm", "tessera-opt {ir} --pass-pipeline='builtin.module(tessera-tile-to-target)'"),
    ("llvm", "obj", "tessera-translate {ir} --tessera-to-x86-object -o /tmp/out.o")])
def test_a_crash_in_a_compile_stage_is_an_internal_error_not_the_end_of_the_cli(tmp_path, monkeypatch, stage, emit,
                                                                                 repro):
    import re
    import shutil

    import tempfile

    out, temp = tmp_path / "out", tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the worker's directory and the saved IR
    monkeypatch.setenv("TESSERA_TEST_CRASH_STAGE", stage)  # the worker SIGSEGVs itself before the stage
    code, stdout, err = cli("compile", "nemotron_h_tiny", "--emit", emit, "-o", out)  # in this process
    assert code == EXIT_INTERNAL and stdout == "" and err.count("\n") == 1 and "Traceback" not in err, err
    m = re.fullmatch(rf"internal error: the compiler crashed \(signal {int(signal.SIGSEGV)}, SIGSEGV\) while running "
                     rf"the {stage} stage; the input IR is in (\S+); reproduce with: (.*); please report at .*\n", err)
    assert m, err
    ir = m.group(1)
    assert m.group(2) == repro.format(ir=ir)
    assert [p.name for p in temp.iterdir() if not p.name.startswith("tessera-crashed-")] == []  # worker dir gone
    assert Path(ir).parent == temp and Path(ir).read_text().startswith("module")
    assert not out.exists() and leftovers(tmp_path) == []
    # The saved IR is what the stage was given: the reproducer runs it (here, without the crash).
    tool = shutil.which(repro.split()[0])
    if stage == "tile" and tool:
        ok = subprocess.run([tool, ir, "--pass-pipeline=builtin.module(tessera-tile-to-target)", "-o", os.devnull],
                            capture_output=True, text=True)
        assert ok.returncode == 0, ok.stderr
    monkeypatch.delenv("TESSERA_TEST_CRASH_STAGE")
    code, _, err = cli("compile", "nemotron_h_tiny", "--emit", emit, "-o", out)
    assert code == 0 and out.stat().st_size > 0, err


def test_compile_of_a_binary_file(tmp_path):
    binary = tmp_path / "model.mlir"
    binary.write_bytes(bytes(range(256)) * 8)
    code, out, err = cli("compile", binary, "--emit", "tile")
    one_line_error(code, err, "model.mlir: not a text .mlir file (byte 128 is not UTF-8)")
    other = tmp_path / "weights.bin"
    other.write_bytes(bytes(range(256)) * 8)
    code, out, err = cli("compile", other, "--emit", "tile")
    one_line_error(code, err, "weights.bin: a file that is neither a config (.yaml / .json) nor a .mlir file")
    assert out == ""


def test_internal_error_is_one_line_with_a_log(tmp_path, monkeypatch):
    from tessera import cli as cli_module

    def boom(args):
        return {}["no such key"]

    monkeypatch.setattr(cli_module, "cmd_demo", boom)
    monkeypatch.setitem(cli_module.COMMANDS, "demo", (*cli_module.COMMANDS["demo"][:2], boom))
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    code, _, err = cli("demo")
    assert code == EXIT_INTERNAL and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("internal error: KeyError: 'no such key'; details in ")
    assert "please report at" in err
    log = tmp_path / "logs" / err.split("details in ")[1].split(";")[0].split("/")[-1]
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "argv: " in text and "KeyError" in text


def test_signals_never_escape_the_cli(world, tmp_path):
    """The worst inputs above, in a child process: an exit code, never a signal."""
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000)
    cases = [(["run", world.art, "--input-ids", empty], 1), (["compile", deep], 1),
             (["make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", tmp_path / "c", "--seed", "-1"], 2)]
    for argv, expected in cases:
        done = cli_subprocess(*argv, cache=world.cache)
        assert done.returncode == expected, (argv, done.returncode, done.stderr)
        assert done.returncode != -signal.SIGSEGV and "Traceback" not in done.stderr


# ============================================================================ 5. leftovers, misleading messages
def test_killed_conversion_leaves_nothing_that_lingers(world, tmp_path):
    out = tmp_path / "art"
    # A conversion killed (SIGKILL) after its first shard.
    code = ("import os, signal, tessera.checkpoint.convert as c\n"
            "real = c.write_npz\n"
            "def killed(path, arrays):\n"
            "    real(path, arrays)\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "c.write_npz = killed\n"
            f"c.convert_checkpoint({str(world.ckpt)!r}, {str(out)!r}, progress=False)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and stale[0].startswith("art.tmp-") and not out.exists()
    owner = json.loads((tmp_path / stale[0] / ".tessera-owner.json").read_text())
    assert owner["pid"] > 0 and owner["start_time"] is not None
    # A live conversion's staging directory (this process) is left alone.
    from tessera.checkpoint import staging

    live = staging.make_staging_dir(tmp_path, "other")
    with pytest.warns(UserWarning, match=rf"removed .*{stale[0]}, left behind by a killed conversion"):
        convert_checkpoint(world.ckpt, tmp_path / "art2", progress=False)
    assert leftovers(tmp_path) == [live.name]
    assert not (tmp_path / "art2" / ".tessera-owner.json").exists()
    # Without an owner record (not ours, or an older Tessera): never touched.
    (tmp_path / "x.tmp-unknown").mkdir()
    convert_checkpoint(world.ckpt, tmp_path / "art3", progress=False)
    assert "x.tmp-unknown" in leftovers(tmp_path)


def test_prefill_refuses_more_tokens_than_the_capacity(world):
    model = tessera.compile(world.art, cache_dir=world.cache)
    limit = model.config.max_position_embeddings
    too_long = np.zeros((1, limit + 1), np.int64)
    for call in (lambda: model.prefill(too_long), lambda: model.generate(too_long[:, :-1], 1)):
        with pytest.raises(RuntimeInputError, match=f"sequence length {limit + 1} exceeds max_position_embeddings"):
            call()
    small = tessera.compile(world.art, cache_dir=world.cache, max_seq_len=8)
    _, state = small.prefill(world.ids[:, :6])
    with pytest.raises(RuntimeInputError, match="sequence length 13 exceeds max_seq_len 8"):
        small.prefill(world.ids[:, :7], state)
    with pytest.raises(RuntimeInputError, match="sequence length 9 exceeds the K/V cache capacity 8"):
        check_capacity(9, 8, "the K/V cache capacity")


def test_a_missing_or_wrong_kind_of_source_is_named_the_same_way_by_every_command(world, tmp_path):
    missing = tmp_path / "nonexistent"
    for argv, expected in (
            (("compile", missing, "--emit", "graph"), "(expected an artifact directory, a checkpoint directory, a config"),
            (("compile", tmp_path / "gone.mlir", "--emit", "tile"), "(expected an artifact directory"),
            (("run", missing, "--input-ids", world.ids_file), "(expected an artifact directory (made by `tessera convert`))"),
            (("convert", "--hf", missing, "--out", tmp_path / "art"), "(expected a Hugging Face checkpoint directory")):
        code, _, err = cli(*argv)
        one_line_error(code, err, ": no such file or directory " + expected)
        assert "no such config file" not in err
    assert not (tmp_path / "art").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("compile", empty, "--emit", "graph")
    one_line_error(code, err, f"{empty}: a directory with neither manifest.json nor config.json, not an artifact")
    blob = tmp_path / "weights.bin"
    blob.write_bytes(b"\0\1")
    code, _, err = cli("compile", blob, "--emit", "graph")
    one_line_error(code, err, f"{blob}: a file that is neither a config (.yaml / .json) nor a .mlir file, not an artifact")
    code, _, err = cli("run", world.ckpt / "config.json", "--input-ids", world.ids_file)
    one_line_error(code, err, "a config file, not an artifact directory (made by `tessera convert`); `tessera run` needs weights")
    code, _, err = cli("convert", "--hf", world.art, "--out", tmp_path / "art")
    one_line_error(code, err, f"{world.art}: a Tessera artifact (already converted), not a Hugging Face checkpoint")
    code, out, err = cli("compile", world.ckpt, "--emit", "graph")  # an HF checkpoint compiles its config
    assert code == 0 and "graph." in out, err


def test_run_of_a_missing_path_or_an_hf_checkpoint(world, tmp_path):
    code, _, err = cli("run", tmp_path / "nonexistent", "--input-ids", world.ids_file)
    one_line_error(code, err, "nonexistent: no such file or directory")
    code, _, err = cli("run", world.ckpt, "--input-ids", world.ids_file)
    one_line_error(code, err, f"{world.ckpt}: a Hugging Face checkpoint, not a Tessera artifact; convert it first: "
                              f"tessera convert --hf {world.ckpt} --out ART")
    assert "compile cache" not in err  # said up front, before compiling
    model = tessera.compile(world.art, cache_dir=world.cache)
    with pytest.raises(ArtifactError, match="a Hugging Face checkpoint, not a Tessera artifact"):
        model.load(world.ckpt)


def test_deeply_nested_cuda_plan(world, tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "plan.json").write_text("[" * 100000)
    (bundle / "kernels.cubin").write_bytes(b"\0")
    code, _, err = cli("run", world.art, "--target", "cuda", "--bundle", bundle, "--input-ids", world.ids_file)
    one_line_error(code, err, "plan.json: cannot parse: nested 100000 levels deep")


def test_config_sizes_no_process_could_hold_are_refused(world, tmp_path):
    config = json.loads((world.ckpt / "config.json").read_text())
    for field, value in (("vocab_size", 2**63), ("intermediate_size", 2**45)):
        path = tmp_path / "config.json"
        path.write_text(json.dumps({**config, field: value}))
        code, out, err = cli("compile", path, "--emit", "graph")
        one_line_error(code, err, "more than a 64-bit process can address (2**47)")
        assert field in err and out == ""
