"""The generic runtime (python/tessera/runtime/): states allocated once with a
capacity and updated in place at a run-time position, the ABI read off the
compiled IR, capacity errors before compiled code runs, and the compile cache
(honest key, damaged entries rebuilt, unusable directories bypassed).

Numbers are checked against the compiled model itself run another way (the
HF parity of every path is in test_x86_e2e.py) or against the numpy
reference model.
"""

import json
import warnings

import numpy as np
import pytest

import tessera
from conftest import PARITY_CONFIGS
from tessera.checkpoint import convert_checkpoint
from tessera.errors import CompileError, RuntimeInputError
from tessera.reference import ReferenceModel
from tessera.runtime import State
from tessera.runtime.abi import parse_function
from tessera.runtime.cache import CacheWarning, CompileCache, cache_key, compiler_identity, host_target
from tessera.testing import write_hf_checkpoint


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runtime")
    config, batch, seq = PARITY_CONFIGS["tiny"]
    art = convert_checkpoint(write_hf_checkpoint(config, tmp / "ckpt", seed=5), tmp / "art")
    ids = np.random.default_rng(6).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    cache = tmp / "cache"
    return config, art, ids, cache


def test_abi_is_read_from_the_ir(setup):
    config, art, _, cache = setup
    model = tessera.compile(art, cache_dir=cache)
    decode = model.abi["decode"]
    assert [(i.name, i.dtype, i.shape) for i in decode.inputs] == [("ids", "i64", (-1, 1)),
                                                                   ("position", "i64", (1,))]
    assert [i.name for i in model.abi["prefill"].inputs] == ["ids"]
    assert [(r.name, r.shape) for r in decode.results] == [("logits", (-1, 1, config.vocab_size))]
    kinds = [(s.layer, s.kind) for s in decode.states]
    assert kinds[:2] == [(0, "conv"), (0, "ssm")] and (1, "k_cache") in kinds
    assert all(s.in_place for s in decode.states)
    k = next(s for s in decode.states if s.kind == "k_cache")
    assert k.shape == (-1, -1, config.num_key_value_heads, config.head_dim)
    assert "layers.0.norm" in decode.weights


def test_state_allocated_once_and_updated_in_place(setup):
    config, art, ids, cache = setup
    model = tessera.compile(art, cache_dir=cache)
    logits, state = model.prefill(ids, all_logits=True)
    assert state.capacity == config.max_position_embeddings
    k = state.arrays[[s.kind for s in model.states].index("k_cache")]
    assert k.shape == (ids.shape[0], config.max_position_embeddings, config.num_key_value_heads,
                       config.head_dim)
    before = [id(a) for a in state.arrays]
    step, after = model.decode(np.argmax(logits[:, -1], axis=-1), state)
    assert after is state and [id(a) for a in after.arrays] == before
    assert state.position == ids.shape[1] + 1
    # Rows past the position are never written.
    assert not k[:, state.position:].any() and k[:, state.position - 1].any()


def test_capacity_does_not_change_the_numbers(setup):
    """A small capacity (max_seq_len) gives the same logits as the default
    one, and both match the numpy reference model."""
    config, art, ids, cache = setup
    small = tessera.compile(art, cache_dir=cache, max_seq_len=ids.shape[1] + 3)
    big = tessera.compile(art, cache_dir=cache)
    ref = ReferenceModel.from_artifact(art)
    outs = []
    for model in (small, big):
        logits, state = model.prefill(ids, all_logits=True)
        steps = [logits[:, -1]]
        for _ in range(3):
            step, state = model.decode(np.argmax(steps[-1], axis=-1), state)
            steps.append(step)
        outs.append(np.stack(steps, 1))
    assert rel(outs[0], outs[1]) == 0.0
    ref_logits, ref_state = ref.prefill(ids)
    expected = [ref_logits[:, -1]]
    for _ in range(3):
        step, ref_state = ref.decode(np.argmax(outs[1][:, len(expected) - 1], axis=-1), ref_state)
        expected.append(step)
    assert rel(outs[1], np.stack(expected, 1)) <= 1e-4


def test_capacity_errors_before_compiled_code_runs(setup):
    config, art, ids, cache = setup
    s = ids.shape[1]
    model = tessera.compile(art, cache_dir=cache, max_seq_len=s + 1)
    logits, state = model.prefill(ids, all_logits=True)
    token = np.argmax(logits[:, -1], axis=-1)
    _, state = model.decode(token, state)
    snapshot = [a.copy() for a in state.arrays]
    with pytest.raises(RuntimeInputError, match=rf"sequence length {s + 2} exceeds max_seq_len {s + 1} "
                                                r"\(the state's K/V cache capacity\)"):
        model.decode(token, state)
    assert state.position == s + 1 and all((a == b).all() for a, b in zip(state.arrays, snapshot))
    with pytest.raises(RuntimeInputError, match=rf"sequence length {s} exceeds max_seq_len 4"):
        model.prefill(ids, max_seq_len=4)
    with pytest.raises(RuntimeInputError, match=rf"sequence length {s + 5} exceeds max_seq_len {s + 1}"):
        model.generate(ids, 5)
    with pytest.raises(RuntimeInputError, match="max_seq_len 5000 exceeds max_position_embeddings 4096"):
        tessera.compile(art, cache_dir=cache, max_seq_len=5000)
    with pytest.raises(RuntimeInputError, match="max_seq_len must be a positive integer, got 0"):
        model.init_state(2, max_seq_len=0)


def test_state_copy_is_independent(setup):
    config, art, ids, cache = setup
    model = tessera.compile(art, cache_dir=cache)
    logits, state = model.prefill(ids, all_logits=True)
    token = np.argmax(logits[:, -1], axis=-1)
    fork = state.copy()
    a, _ = model.decode(token, state)
    b, _ = model.decode(token, fork)
    assert rel(a, b) == 0.0 and isinstance(fork, State)


def test_malformed_abi_is_a_compile_error():
    with pytest.raises(CompileError, match=r"function f: malformed tessera.abi \(KeyError"):
        parse_function("f", {"inputs": []})
    good = {"inputs": [{"name": "ids", "dtype": "i64", "shape": [-1, -1], "arg": 0}], "states": [],
            "weights": ["w"], "first_weight_arg": 1,
            "results": [{"name": "logits", "dtype": "f32", "shape": [-1, -1, 8], "arg": 2}]}
    assert parse_function("f", good).num_args == 3
    with pytest.raises(CompileError, match="do not cover the non-weight arguments"):
        parse_function("f", {**good, "first_weight_arg": 2})
    with pytest.raises(CompileError, match="ABI dtype 'c64' is not supported"):
        parse_function("f", {**good, "inputs": [{"name": "x", "dtype": "c64", "shape": [1], "arg": 0}]})


# ------------------------------------------------------------------ compile cache
def test_cache_key_covers_target_dtype_and_compiler(setup):
    config = setup[0]
    target = host_target("x86")
    key, payload = cache_key(config, target, "fp32")
    assert payload["compiler"] == compiler_identity()
    ident = payload["compiler"]
    assert ident["llvm"].split(".")[0] == "22" and len(ident["sources"]) == 64
    assert any("libMLIR" in p or "libLLVM" in p for p, _, _ in ident["libraries"])
    assert target["features"] and target["cpu"]
    assert cache_key(config, target, "bf16")[0] != key
    assert cache_key(config, {**target, "features": "-avx2"}, "fp32")[0] != key
    assert cache_key(config.replace(vocab_size=300), target, "fp32")[0] != key
    assert cache_key(config, target, "fp32")[0] == key


def test_damaged_cache_entry_is_rebuilt_not_loaded(setup, tmp_path):
    config, art, ids, _ = setup
    first = tessera.compile(art, cache_dir=tmp_path)
    assert first.cache_status == "stored"
    expected = first.prefill(ids, all_logits=True)[0]
    obj = first.cache_path
    data = bytearray(obj.read_bytes())
    data[len(data) // 3] ^= 0xFF
    obj.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="does not match its recorded size and SHA-256; rebuilding it"):
        second = tessera.compile(art, cache_dir=tmp_path)
    assert second.cache_status.startswith("rebuilt (")
    assert rel(second.prefill(ids, all_logits=True)[0], expected) == 0.0
    assert tessera.compile(art, cache_dir=tmp_path).cache_status == "hit"
    # A metadata entry whose key differs (another compiler build) is stale.
    meta = obj.with_suffix(".json")
    entry = json.loads(meta.read_text())
    entry["key"]["compiler"]["extension"] = "0" * 64
    meta.write_text(json.dumps(entry))
    with pytest.warns(CacheWarning, match="stale: its key does not match"):
        assert tessera.compile(art, cache_dir=tmp_path).cache_status.startswith("rebuilt (")
    # Missing object, metadata present.
    obj.unlink()
    with pytest.warns(CacheWarning, match="the object file is missing"):
        tessera.compile(art, cache_dir=tmp_path)


def test_unusable_cache_dir_compiles_uncached(setup, tmp_path):
    config, art, ids, _ = setup
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.warns(CacheWarning, match="cannot write to .*file.*; the model is compiled uncached"):
        model = tessera.compile(art, cache_dir=not_a_dir)
    assert model.cache_path is None and model.cache_status.startswith("uncached (")
    assert model.prefill(ids, all_logits=True)[0].shape == (*ids.shape, config.vocab_size)


def test_cache_load_of_empty_dir_is_a_quiet_miss(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert CompileCache(tmp_path / "none").load("k", {}) is None


def _abi_with_weight(entry):
    return {"inputs": [{"name": "ids", "dtype": "i64", "shape": [-1, -1], "arg": 0}], "states": [],
            "weights": [entry], "first_weight_arg": 1,
            "results": [{"name": "logits", "dtype": "f32", "shape": [-1, -1, 8], "arg": 2}]}


PANELS = {"name": "w", "layout": "panels", "panel_cols": 64, "k_pack": 2, "shape": [100, 33],
          "packed_shape": [2, 17, 64, 2]}


def test_abi_weight_layouts():
    fn = parse_function("f", _abi_with_weight(PANELS))
    assert fn.weights == ("w",) and fn.num_args == 3
    (name, layout), = fn.layouts
    assert name == "w" and (layout.kind, layout.panel_cols, layout.k_pack) == ("panels", 64, 2)
    assert layout.shape == (100, 33) and layout.packed_shape == (2, 17, 64, 2)
    assert parse_function("f", _abi_with_weight("w")).layouts == ()


def test_abi_with_an_unknown_weight_layout_is_refused_in_one_line():
    with pytest.raises(CompileError, match=r"^function f: weight 'w' has layout 'tiles', which this runtime does "
                                           r"not understand \(it knows: panels\); use the Tessera that "
                                           r"compiled it$"):
        parse_function("f", _abi_with_weight({**PANELS, "layout": "tiles"}))
    with pytest.raises(CompileError, match=r"^function f: malformed tessera.abi \(ValueError: weight 'w': panels "
                                           r"of 64 columns, k_pack 2, shape \[100, 33\] do not give "
                                           r"packed_shape \[2, 33, 64, 2\]\)$"):
        parse_function("f", _abi_with_weight({**PANELS, "packed_shape": [2, 33, 64, 2]}))
    with pytest.raises(CompileError, match=r"malformed tessera.abi \(KeyError"):
        parse_function("f", _abi_with_weight({"name": "w", "layout": "panels"}))


def test_matmul_weights_are_packed_at_load(setup):
    """The compiled model takes the projections as panels (the ABI says so),
    keeps the embedding table (read by the gather) as stored; load packs
    each once."""
    config, art, ids, cache = setup
    model = tessera.compile(art, cache_dir=cache)
    layouts = {}
    for fn in model.abi.values():
        layouts.update(dict(fn.layouts))
    assert "embedding" not in layouts and "lm_head" in layouts  # the gather table stays [V, H]
    assert any(".in_proj" in n for n in layouts) and any(".o_proj" in n for n in layouts)
    bound = model._driver._weights
    for name, layout in layouts.items():
        assert bound[name].shape == layout.packed_shape
        stored = model._artifact.array(name)
        nr = layout.panel_cols
        # Column j of panel p is row p * NR + j of the stored tensor.
        if layout.k_pack == 1:
            np.testing.assert_array_equal(bound[name][0, :, 1], stored[1])
        else:
            np.testing.assert_array_equal(bound[name][0, :, 1].reshape(-1)[:stored.shape[1]], stored[1])
        # Columns past N in the last panel are zero.
        assert not bound[name][-1, :, stored.shape[0] - (layout.packed_shape[0] - 1) * nr:].any()


def test_a_tensor_that_does_not_fit_its_packed_layout_is_refused(setup):
    from tessera.errors import ArtifactError
    config, art, _, cache = setup
    model = tessera.compile(art, cache_dir=cache)
    name, layout = next(iter(dict(model.abi["prefill"].layouts).items()))
    n, k = layout.shape
    with pytest.raises(ArtifactError, match=rf"^tensor '{name}' has shape \[{n}, {k + 1}\], but the compiled model "
                                            rf"takes it as \[{n}, {k}\] packed into panels of "
                                            rf"{layout.panel_cols} columns$"):
        model._driver.bind_weights({name: np.zeros((n, k + 1), np.float32)})
