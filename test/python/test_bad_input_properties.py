"""Property-based bad input (hypothesis): mutated configs (config.json fields),
artifact manifests, safetensors headers and token-id arrays, fed to the CLI
in process. For every example:

* the exit code is 0, 1 or 2 (never a signal: the process would die; never
  an internal error), and stderr holds no traceback;
* nothing is half-written: no ``*.tmp-*`` leftovers, no output file or
  artifact from a failed command, the input artifact unchanged;
* on exit 0 the logits agree with the numpy reference model (1e-4) computed
  from what the input says (the mutated config, the checkpoint as the
  ``safetensors`` package reads it, the ids as numpy reads them).

Examples are derandomized (the same in CI every time) and few: this file is
meant to take well under three minutes on a 2-core machine. The IR-text
mutations of issue 9 are the tessera-opt fuzz run's (C++ side).
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is installed by scripts/setup.sh")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import tessera  # noqa: E402
from badinput import (TOL, assert_clean_exit, cache_env, cli, copy_tree, leftovers, make_world,  # noqa: E402
                      rel, snapshot)
from tessera.checkpoint import Artifact  # noqa: E402
from tessera.config import load_config  # noqa: E402
from tessera.reference import ReferenceModel  # noqa: E402
from tessera.testing import tessera_weights_from_hf  # noqa: E402

#: TESSERA_PROPERTY_SCALE=N runs N times the examples, randomized (a local bug hunt).
SCALE = int(os.environ.get("TESSERA_PROPERTY_SCALE", "0") or 0)
SETTINGS = dict(deadline=None, derandomize=not SCALE, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much])


def examples(n: int) -> int:
    return n * max(SCALE, 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("bad-input-props"))
    tessera.compile(w.art, cache_dir=w.cache)
    with cache_env(w.cache):
        yield w


# ---------------------------------------------------------------------------- JSON mutations
#: Values a careless or hostile edit puts in a JSON document.
INTERESTING = st.sampled_from([None, True, False, 0, 1, -1, 2, 3, 7, 2**31, 2**63, 10**18, -(2**63), 1e18, 0.5,
                               -0.0, float("inf"), float("nan"), "", "relu2", "silu", "gelu", "bf16", "fp32",
                               "M", "*-M", "MM*-", "x" * 300, [], {}, [0], [1, 2], [0.0, 1.0], {"a": 1}]
                              ).map(copy.deepcopy)  # edits must not change the shared constants
SCALARS = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=6)
VALUES = INTERESTING | st.recursive(SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(
    st.text(max_size=4), c, max_size=3), max_leaves=4)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


@st.composite
def json_mutation(draw, doc, under=()):
    """A mutated deep copy of ``doc``: 1-3 edits (replace a value, delete a
    key or list item, swap two values, add a key) at nodes under ``under``."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        try:
            paths = [p for p in _paths(_get(doc, under), under) if len(p) > len(under)]
        except (KeyError, IndexError, TypeError):  # an earlier edit removed ``under``
            paths = []
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, leaf = _get(doc, path[:-1]), path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "swap", "add"]))
        if op == "replace":
            parent[leaf] = draw(VALUES)
        elif op == "delete":
            del parent[leaf]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(VALUES)
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            if other[:len(path)] != path and path[:len(other)] != other:
                other_parent = _get(doc, other[:-1])
                parent[leaf], other_parent[other[-1]] = other_parent[other[-1]], parent[leaf]
    return doc


def _run_and_check(world, art: Path, ids_file: Path, expected_from_artifact: bool = True, reference=None):
    """``tessera run`` on ``art``: clean exit, nothing written on failure,
    the artifact unchanged, logits = reference on success."""
    before = snapshot(art) if art.is_dir() else None
    out = ids_file.parent / "logits.npy"
    code, stdout, err = cli("run", art, "--input-ids", ids_file, "--dump-logits", out)
    event(f"run: exit {code}")
    assert_clean_exit(code, err, allowed=(0, 1))
    assert leftovers(ids_file.parent) == []
    if before is not None:
        assert snapshot(art) == before
    if code != 0:
        assert not out.exists()
        return code
    logits = np.load(out)
    if reference is None:
        opened = Artifact.open(art)
        reference = ReferenceModel(opened.config, opened.f32_weights()).prefill(np.load(ids_file))[0]
    assert rel(logits, reference) <= TOL
    out.unlink()
    return code


# ---------------------------------------------------------------------------- configs
@settings(max_examples=examples(80), **SETTINGS)
@given(data=st.data())
def test_mutated_config_json(world, data):
    config = json.loads((world.ckpt / "config.json").read_text())
    mutated = data.draw(json_mutation(config))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ckpt = tmp / "ckpt"
        ckpt.mkdir()
        (ckpt / "model.safetensors").symlink_to(world.ckpt / "model.safetensors")
        (ckpt / "config.json").write_text(json.dumps(mutated))
        art = tmp / "art"
        code, _, err = cli("convert", "--hf", ckpt, "--out", art)
        event(f"convert: exit {code}")
        assert_clean_exit(code, err, allowed=(0, 1))
        assert leftovers(tmp) == []
        if code != 0:
            assert not art.exists()
            return
        _run_and_check(world, art, _copy_ids(world, tmp))


@settings(max_examples=examples(60), **SETTINGS)
@given(data=st.data())
def test_mutated_config_compiles_or_is_refused(world, data):
    """``tessera compile CONFIG --emit graph`` (the Graph-IR builder, no codegen)
    on a mutated config.json: Graph-IR on stdout, or one error line."""
    mutated = data.draw(json_mutation(json.loads((world.ckpt / "config.json").read_text())))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(mutated))
        code, out, err = cli("compile", path, "--emit", "graph")
        event(f"compile: exit {code}")
        assert_clean_exit(code, err, allowed=(0, 1))
        assert (code == 0) == ("func.func @prefill" in out)


def _copy_ids(world, directory: Path) -> Path:
    path = directory / "ids.npy"
    path.write_bytes(world.ids_file.read_bytes())
    return path


# ---------------------------------------------------------------------------- manifests
@settings(max_examples=examples(100), **SETTINGS)
@given(data=st.data())
def test_mutated_manifest(world, data):
    manifest = json.loads((world.art / "manifest.json").read_text())
    under = data.draw(st.sampled_from([(), ("config",), ("tensors",), ("tensors",)]))
    mutated = data.draw(json_mutation(manifest, under))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        art = copy_tree(world.art, tmp / "art")
        (art / "manifest.json").write_text(json.dumps(mutated))
        _run_and_check(world, art, _copy_ids(world, tmp))


# ---------------------------------------------------------------------------- safetensors headers
def _split_safetensors(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


@settings(max_examples=examples(80), **SETTINGS)
@given(data=st.data())
def test_mutated_safetensors_header(world, data):
    header, payload = _split_safetensors(world.ckpt / "model.safetensors")
    kind = data.draw(st.sampled_from(["json", "json", "json", "length", "truncate"]))
    if kind == "json":
        text = json.dumps(data.draw(json_mutation(header))).encode()
        text += b" " * (-len(text) % 8)
        blob = struct.pack("<Q", len(text)) + text + payload
    else:
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        blob = struct.pack("<Q", len(text)) + text + payload
        if kind == "length":
            blob = struct.pack("<Q", data.draw(st.integers(0, 2**64 - 1))) + blob[8:]
        else:
            blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ckpt = tmp / "ckpt"
        ckpt.mkdir()
        (ckpt / "config.json").write_text((world.ckpt / "config.json").read_text())
        (ckpt / "model.safetensors").write_bytes(blob)
        art = tmp / "art"
        code, _, err = cli("convert", "--hf", ckpt, "--out", art)
        event(f"convert: exit {code}")
        assert_clean_exit(code, err, allowed=(0, 1))
        assert leftovers(tmp) == []
        if code != 0:
            assert not art.exists()
            return
        # Accepted: the artifact must hold what the file says, as the safetensors package reads it.
        from safetensors.numpy import load_file

        config = load_config(ckpt / "config.json")
        weights = tessera_weights_from_hf(config, load_file(str(ckpt / "model.safetensors")))
        reference = ReferenceModel(config, weights).prefill(world.ids)[0]
        _run_and_check(world, art, _copy_ids(world, tmp), reference=reference)


# ---------------------------------------------------------------------------- token ids
IDS_DTYPES = st.sampled_from([np.int64, np.int64, np.int32, np.uint8, np.float32, np.bool_, np.uint64])


@st.composite
def ids_files(draw) -> bytes:
    """Bytes of an ids file: a numpy array of odd dtype/shape/values, or a
    valid file cut short, or one with its header edited."""
    kind = draw(st.sampled_from(["valid", "array", "array", "truncated", "header"]))
    if kind == "valid":  # a well-formed prompt (exit 0: checked against the reference)
        arr = draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5),
                              elements=st.integers(0, 63)))
        buf = io.BytesIO()
        np.save(buf, arr)
        return buf.getvalue()
    if kind == "array":
        dtype = draw(IDS_DTYPES)
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
        if np.dtype(dtype).kind in "iu":
            info = np.iinfo(dtype)
            elements = st.integers(max(info.min, -3), min(info.max, 70))
        elif np.dtype(dtype).kind == "b":
            elements = st.booleans()
        else:
            elements = st.floats(-2, 70, width=32)
        arr = draw(hnp.arrays(dtype, shape, elements=elements))
        buf = io.BytesIO()
        np.save(buf, arr)
        return buf.getvalue()
    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.int64).reshape(2, 6))
    good = buf.getvalue()
    if kind == "truncated":
        return good[:draw(st.integers(0, len(good) - 1))]
    header_end = good.index(b"\n") + 1
    header = bytearray(good[:header_end])
    for _ in range(draw(st.integers(1, 4))):
        header[draw(st.integers(8, header_end - 2))] = draw(st.sampled_from(b"0129(),'<>fi8: {}L\x00\xff"))
    return bytes(header) + good[header_end:]


@settings(max_examples=examples(120), **SETTINGS)
@given(blob=ids_files())
def test_mutated_ids_file(world, blob):
    with tempfile.TemporaryDirectory() as tmp:
        ids_file = Path(tmp) / "ids.npy"
        ids_file.write_bytes(blob)
        try:  # what numpy itself reads from the file (the reference's input)
            ids = np.load(io.BytesIO(blob), allow_pickle=False)
        except Exception:  # noqa: BLE001 - any refusal by numpy: then Tessera must refuse too
            ids = None
        reference = None
        if ids is not None and ids.dtype == np.int64 and ids.ndim == 2 and ids.size and \
                ids.min() >= 0 and ids.max() < 64 and math.prod(ids.shape) <= 64:
            opened = Artifact.open(world.art)
            reference = ReferenceModel(opened.config, opened.f32_weights()).prefill(ids)[0]
        code = _run_and_check(world, world.art, ids_file, reference=reference)
        if reference is None:
            assert code == 1


# ---------------------------------------------------------------------------- artifact shards
@settings(max_examples=examples(60), **SETTINGS)
@given(data=st.data())
def test_mutated_shard_bytes(world, data):
    """Random bytes of a shard changed, or the shard cut short: refused, or
    (a byte the data does not depend on, e.g. a zip timestamp) the same answer."""
    shards = sorted(p.name for p in world.art.glob("*.npz"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        art = copy_tree(world.art, tmp / "art")
        shard = art / data.draw(st.sampled_from(shards))
        blob = bytearray(shard.read_bytes())
        if data.draw(st.booleans()):
            for _ in range(data.draw(st.integers(1, 4))):
                blob[data.draw(st.integers(0, len(blob) - 1))] ^= data.draw(st.integers(1, 255))
        else:
            del blob[data.draw(st.integers(0, len(blob) - 1)):]
        shard.write_bytes(bytes(blob))
        _run_and_check(world, art, _copy_ids(world, tmp), reference=world.reference)


# ---------------------------------------------------------------------------- compile cache entries
@settings(max_examples=examples(120), **SETTINGS)
@given(data=st.data())
def test_mutated_cache_entry_metadata(world, data):
    """A cache entry's JSON edited anywhere: either rejected (a warning, then
    rebuilt) or, when the edit cannot matter (an added unknown key), loaded
    with exactly the ABI this compile produced -- never another one."""
    import warnings

    from tessera import compiler
    from tessera.graph_builder import FUNCTIONS, build_graph
    from tessera.runtime.cache import CacheWarning, CompileCache, cache_key, host_target

    config = Artifact.open(world.art).config
    tile = compiler.lower(build_graph(config, weight_dtype="fp32", functions=FUNCTIONS), "graph", "tile")
    metadata = json.loads(json.dumps(tile.metadata, sort_keys=True))
    key, payload = cache_key(config, host_target("x86"), "fp32")
    meta = json.loads((world.cache / f"{key}.json").read_text())
    under = data.draw(st.sampled_from([(), ("metadata",), ("metadata", "functions"), ("key",)]))
    mutated = data.draw(json_mutation(meta, under))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        (cache / f"{key}.o").write_bytes((world.cache / f"{key}.o").read_bytes())
        (cache / f"{key}.json").write_text(json.dumps(mutated))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hit = CompileCache(cache).load(key, payload, metadata)
        rejected = [w for w in caught if issubclass(w.category, CacheWarning)]
        event("rejected" if hit is None else "loaded")
        if hit is None:
            assert len(rejected) == 1 and "rebuilding it" in str(rejected[0].message)
        else:
            assert not rejected and hit[1] == metadata and mutated["key"] == payload


# ---------------------------------------------------------------------------- IR text
GRAPH_IR = Path(__file__).resolve().parents[2] / "graph_examples" / "nemotron_2L_graph.mlir"


@st.composite
def ir_mutation(draw, text: str) -> str:
    """One careless edit of IR text: a line dropped, duplicated or swapped, a
    number changed, a token's characters cut out or doubled."""
    lines = text.splitlines(keepends=True)
    kind = draw(st.sampled_from(["drop", "dup", "swap", "number", "cut", "double"]))
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "drop":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, lines[i])
    elif kind == "swap":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        line = lines[i]
        if kind == "number":
            import re

            numbers = list(re.finditer(r"\d+", line))
            if numbers:
                m = draw(st.sampled_from(numbers))
                new = str(draw(st.sampled_from([0, 1, 3, 7, 64, 2**31, 2**63, 10**30])))
                line = line[:m.start()] + new + line[m.end():]
        else:
            a = draw(st.integers(0, max(len(line) - 1, 0)))
            b = draw(st.integers(a, min(a + 8, len(line))))
            line = line[:a] + line[b:] if kind == "cut" else line[:b] + line[a:b] + line[b:]
        lines[i] = line
    return "".join(lines)


@settings(max_examples=examples(20), **SETTINGS)
@given(data=st.data())
def test_mutated_graph_ir_compiles_or_is_refused(data, tmp_path_factory):
    """``tessera compile X.mlir --from-stage graph --emit tile`` on mutated
    Graph-IR (in a child: a crash must show as a signal, not kill the test):
    Tile-IR written, or diagnostics ending in one error line; never a signal
    or a traceback, and nothing written on failure."""
    from badinput import cli_subprocess

    text = data.draw(ir_mutation(GRAPH_IR.read_text()))
    tmp = tmp_path_factory.mktemp("ir")
    src, out = tmp / "m.mlir", tmp / "out.mlir"
    src.write_text(text)
    p = cli_subprocess("compile", src, "--from-stage", "graph", "--emit", "tile", "-o", out, cache=tmp / "cache")
    event(f"compile: exit {p.returncode}")
    assert p.returncode in (0, 1), (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    assert out.exists() == (p.returncode == 0), p.stderr
    if p.returncode == 1:
        assert "error" in p.stderr.splitlines()[0], p.stderr
    assert leftovers(tmp) == []
