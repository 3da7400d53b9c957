"""CudaModel without a GPU: the toy bundle (fixtures/cuda_toy, kernel toy_step
run in numpy by the fake device) through weights upload, prefill, chunked
prefill, decode with CUDA-graph replay, the ABI reader and input validation.
The same check runs on a real GPU in test_cuda_e2e.py."""

import numpy as np
import pytest
from conftest import REPO
from cuda_fake import FakeDevice, toy_step

from tessera.checkpoint import convert_checkpoint
from tessera.cuda import check
from tessera.cuda.model import State, function_abi, load_bundle
from tessera.cuda.plan import Plan, _parse_function
from tessera.errors import ArtifactError, BundleError, RuntimeInputError
from tessera.testing import write_hf_checkpoint

TOY = REPO / "test/python/fixtures/cuda_toy"


@pytest.fixture
def toy(tmp_path, tiny_config):
    dev = FakeDevice({"toy_step": toy_step})
    bundle = check.write_toy_bundle(tiny_config, TOY, tmp_path / "bundle")
    art = convert_checkpoint(write_hf_checkpoint(tiny_config, tmp_path / "ckpt", dtype="fp32"), tmp_path / "art",
                             progress=False)
    return dev, bundle, art


def test_toy_model_matches_numpy_and_replays_decode_as_a_graph(tmp_path, tiny_config):
    dev = FakeDevice({"toy_step": toy_step})
    r = check.toy_model_check(tiny_config, TOY, tmp_path, device=dev, steps=8)
    assert r["prefill"] < 1e-5 and r["state"] < 1e-5 and r["chunked"] < 1e-5 and r["decode"] < 1e-5
    assert r["position"] == 13 + 8
    # First decode step runs eagerly, the other seven replay captured graphs.
    assert r["stats"]["eager_calls"] == 1 and r["stats"]["graph_calls"] == 7


def test_weights_are_uploaded_once_and_inputs_checked_before_any_launch(toy):
    dev, bundle, art = toy
    model = load_bundle(bundle, device=dev)
    with pytest.raises(RuntimeInputError, match="no weights on the device"):
        model.prefill(np.zeros((1, 3), np.int64))
    model.load(art)
    uploaded = len(dev.mem)
    assert uploaded == 2  # embedding, lm_head
    v = model.config.vocab_size
    bad = [(np.zeros(3, np.int64), "ids \\[B, S\\]: expected rank 2, got shape \\[3\\]"),
           (np.zeros((1, 3), np.float32), "expected integer token ids, got float32"),
           (np.zeros((1, 0), np.int64), "empty"),
           (np.full((1, 2), v, np.int64), f"token id {v} is outside \\[0, {v}\\)"),
           (np.zeros((1, model.config.max_position_embeddings + 1), np.int64), "exceeds max_position_embeddings")]
    for ids, message in bad:
        with pytest.raises(RuntimeInputError, match=message):
            model.prefill(ids)
    _, state = model.prefill(np.zeros((2, 3), np.int64))
    launched = len(dev.launched)
    with pytest.raises(RuntimeInputError, match="state is for batch 2, got 1 sequences"):
        model.decode(np.zeros(1, np.int64), state)
    with pytest.raises(RuntimeInputError, match="expected a tessera.cuda.State, got list"):
        model.decode(np.zeros(2, np.int64), [])
    other = load_bundle(bundle, device=dev).load(art)
    with pytest.raises(RuntimeInputError, match="belongs to another model"):
        other.decode(np.zeros(2, np.int64), state)
    assert len(dev.launched) == launched  # nothing ran


def test_generate_is_greedy_over_decode(toy):
    dev, bundle, art = toy
    model = load_bundle(bundle, device=dev).load(art)
    ids = np.array([[1, 2, 3]], np.int64)
    tokens, logits = model.generate(ids, 4, return_logits=True)
    emb, lm = art_arrays(model)
    seq = ids
    for k in range(4):
        ref = check.toy_reference(emb, lm, seq)[0][:, -1]
        assert check.rel(logits[:, k], ref) < 1e-5 and tokens[0, k] == np.argmax(ref)
        seq = np.concatenate([seq, tokens[:, k:k + 1]], axis=1)
    with pytest.raises(RuntimeInputError, match="max_new_tokens must be a non-negative integer"):
        model.generate(ids, -1)


def art_arrays(model):
    return model._artifact.array("embedding"), model._artifact.array("lm_head")


def test_artifact_mismatches(toy, tmp_path, tiny_config):
    dev, bundle, _ = toy
    other = tiny_config.replace(hidden_size=32, mamba_num_heads=4)
    art = convert_checkpoint(write_hf_checkpoint(other, tmp_path / "o", dtype="fp32"), tmp_path / "oa", progress=False)
    with pytest.raises(ArtifactError, match="the artifact's config differs from the bundle's"):
        load_bundle(bundle, device=dev).load(art)
    bf = convert_checkpoint(write_hf_checkpoint(tiny_config, tmp_path / "b", dtype="bf16"), tmp_path / "ba",
                            progress=False)
    with pytest.raises(ArtifactError, match="tensor 'embedding' is bf16, but the bundle was compiled for fp32"):
        load_bundle(bundle, device=dev).load(bf)


def test_kernel_missing_from_the_cubin(toy):
    _, bundle, _ = toy
    with pytest.raises(BundleError, match="kernel 'toy_step' of the kernel table: .*named symbol not found"):
        load_bundle(bundle, device=FakeDevice({}))


def _fn(abi, n_args=6, logits_at=-2):
    args = [{"name": f"%a{i}", "kind": "memref", "dtype": "f32", "shape": [-1, 4]} for i in range(n_args)]
    args[0] = {"name": "%a0", "kind": "memref", "dtype": "i64", "shape": [-1, -1]}
    args[logits_at] = {"name": "%l", "kind": "memref", "dtype": "f32", "shape": [-1, -1, 8]}
    return _parse_function("f", {"abi": abi, "args": args, "body": []}, "plan.json")


def test_abi_today_and_with_roles():
    today = function_abi(_fn({"tessera.weights": ["w0", "w1"], "tessera.num_inputs": 2, "tessera.num_results": 2}))
    assert [r.kind for r in today.roles] == ["ids", "state_in", "weight", "weight", "logits", "state_out"]
    assert not today.in_place
    # The launch-plan exporter drops the "tessera." prefix: same reading.
    stripped = function_abi(_fn({"weights": ["w0", "w1"], "num_inputs": 2, "num_results": 2}))
    assert stripped == type(today)("f", today.roles, False, None)
    roles = {"tessera.weights": ["w0"], "tessera.abi": {"inputs": ["ids", "position", "state", "state"],
                                                        "results": ["logits"], "capacity": 64}}
    fn = _fn(roles, logits_at=-1)
    fn.args[1] = type(fn.args[1])("%p", "memref", "i64", (1,))
    new = function_abi(fn)
    assert [r.kind for r in new.roles] == ["ids", "position", "state_in", "state_in", "weight", "logits"]
    assert new.in_place and new.capacity == 64


def test_abi_as_convert_graph_to_tile_writes_it():
    """tessera.abi as the compiler records it (entries with argument indices;
    states in place) gives the same roles as the role-list form."""
    ir_abi = {"first_weight_arg": 4, "weights": ["w0"],
              "inputs": [{"arg": 0, "name": "ids", "dtype": "i64", "shape": [-1, -1]},
                         {"arg": 1, "name": "position", "dtype": "i64", "shape": [1]}],
              "states": [{"arg": 3, "kind": "v_cache", "in_place": True, "layer": 1},
                         {"arg": 2, "kind": "k_cache", "in_place": True, "layer": 1}],
              "results": [{"arg": 5, "name": "logits", "dtype": "f32", "shape": [-1, -1, 8]}]}
    fn = _fn({"tessera.weights": ["w0"], "tessera.abi": ir_abi}, logits_at=-1)
    fn.args[1] = type(fn.args[1])("%p", "memref", "i64", (1,))
    abi = function_abi(fn)
    assert [r.kind for r in abi.roles] == ["ids", "position", "state_in", "state_in", "weight", "logits"]
    assert abi.in_place
    not_in_place = {**ir_abi, "states": [{**e, "in_place": False} for e in ir_abi["states"]]}
    with pytest.raises(BundleError, match="needs every state updated in place"):
        function_abi(_fn({"tessera.weights": ["w0"], "tessera.abi": not_in_place}, logits_at=-1))
    gap = {**ir_abi, "states": ir_abi["states"][:1]}
    with pytest.raises(BundleError, match="inputs and states must be the arguments 0..2"):
        function_abi(_fn({"tessera.weights": ["w0"], "tessera.abi": gap}, logits_at=-1))


@pytest.mark.parametrize("abi,message", [
    ({"tessera.num_inputs": 1, "tessera.num_results": 1}, "tessera.weights must be a list"),
    ({"tessera.weights": [], "tessera.num_inputs": 0, "tessera.num_results": 1}, "must be positive integers"),
    ({"tessera.weights": ["w"], "tessera.num_inputs": 2, "tessera.num_results": 2},
     "2 inputs \\+ 1 weights \\+ 2 results, but the function has 6 arguments"),
    ({"tessera.weights": [], "tessera.abi": "[1]"}, "tessera.abi is not understood by this driver"),
    ({"tessera.weights": [], "tessera.abi": {"inputs": ["ids", "cache"], "results": ["logits"]}},
     "unknown input role 'cache'"),
    ({"tessera.weights": ["w0", "w1", "w2"], "tessera.abi": {"inputs": ["ids", "state"], "results": ["logits", "state", "state"]}},
     "1 state inputs but 2 state results"),
])
def test_abi_errors(abi, message):
    with pytest.raises(BundleError, match=message):
        function_abi(_fn(abi))


def test_in_place_states_with_a_position_input(tmp_path, tiny_config, toy):
    """tessera.abi variant: decode(ids, position, state) -> logits, the state updated in place."""
    dev, _, art = toy
    raw = check.toy_plan(tiny_config)
    for name, fn in raw["functions"].items():
        if name == "prefill":
            continue
        fn["args"].insert(1, {"name": "%pos", "kind": "memref", "dtype": "i64", "shape": [1]})
        del fn["args"][-1]  # no state result: state_in is written in place
        fn["abi"] = {"tessera.weights": ["embedding", "lm_head"],
                     "tessera.abi": {"inputs": ["ids", "position", "state"], "results": ["logits"]}}
        fn["body"][2]["args"][-1] = "%sin"
    model = load_bundle(Plan.from_json(raw, tmp_path / "plan.json"), device=dev).load(art)
    ids = np.array([[5, 6, 7], [1, 2, 3]], np.int64)
    logits, state = model.prefill(ids)
    emb, lm = art_arrays(model)
    step, new = model.decode(np.array([9, 4]), state)
    seq = np.concatenate([ids, [[9], [4]]], axis=1)
    assert check.rel(step, check.toy_reference(emb, lm, seq)[0][:, -1]) < 1e-5
    assert new.buffers is not state.buffers or new.buffers[0] is state.buffers[0]
    assert state.stale and new.position == 4
    with pytest.raises(RuntimeInputError, match="already advanced by a later call"):
        model.decode(np.array([1, 1]), state)


def test_cuda_state_type_is_the_models():
    assert State.__module__ == "tessera.cuda.model"


# ---------------------------------------------------------------------------- tessera run --target cuda
def test_cli_run_cuda_on_the_fake_device(toy, tmp_path, monkeypatch, capsys):
    from tessera.cli import main

    dev, bundle, art = toy
    monkeypatch.setattr("tessera.cuda.model.open_device", lambda: dev)
    ids = np.array([[3, 1, 4, 1, 5]], np.int64)
    np.save(tmp_path / "ids.npy", ids)
    rc = main(["run", str(art), "--target", "cuda", "--bundle", str(bundle), "--input-ids", str(tmp_path / "ids.npy"),
               "--generate", "3", "--dump-logits", str(tmp_path / "out.npy")])
    assert rc == 0
    model = load_bundle(bundle, device=dev).load(art)
    tokens, logits = model.generate(ids, 3, return_logits=True)
    assert capsys.readouterr().out.split() == [str(t) for t in tokens[0]]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), logits)


@pytest.mark.parametrize("extra,message", [
    (["--target", "cuda"], "--target cuda needs --bundle DIR"),
    (["--bundle", "somewhere"], "--bundle only applies to --target cuda"),
    (["--target", "cuda", "--bundle", "/nonexistent"], "/nonexistent: not a bundle directory"),
])
def test_cli_run_cuda_errors(tmp_path, capsys, extra, message):
    from tessera.cli import main

    np.save(tmp_path / "ids.npy", np.zeros((1, 2), np.int64))
    rc = main(["run", str(tmp_path), "--input-ids", str(tmp_path / "ids.npy")] + extra)
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("error: ") and message in err and err.count("\n") == 1


def test_cli_run_cuda_without_a_gpu_is_one_line(toy, tmp_path, capsys):
    from tessera.cli import main
    from tessera.cuda import probe

    ok, _ = probe()
    if ok:
        pytest.skip("a GPU is present: the no-driver message cannot be produced")
    _, bundle, art = toy
    np.save(tmp_path / "ids.npy", np.zeros((1, 2), np.int64))
    rc = main(["run", str(art), "--target", "cuda", "--bundle", str(bundle), "--input-ids", str(tmp_path / "ids.npy")])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("error: no CUDA driver") and err.count("\n") == 1


def test_launch_cache_is_bounded_and_close_frees_device_memory(toy):
    from tessera.cuda import model as model_module

    dev, bundle, art = toy
    model = load_bundle(bundle, device=dev).load(art)
    for s in range(1, model_module._MAX_ENTRIES + 5):  # one prefill shape each
        model.prefill(np.zeros((1, s), np.int64))
    assert len(model._entries) == model_module._MAX_ENTRIES
    assert [k[1][0] for k in model._entries][0] == (1, 5)  # the oldest four were dropped
    model.close()
    import gc
    gc.collect()
    assert dev.mem == {}


def test_decode_logs_eager_vs_graph_step_times(toy, caplog):
    import logging

    dev, bundle, art = toy
    model = load_bundle(bundle, device=dev).load(art)
    _, state = model.prefill(np.zeros((1, 4), np.int64))
    with caplog.at_level(logging.INFO, logger="tessera.cuda"):
        for _ in range(3):
            _, state = model.decode(np.zeros(1, np.int64), state)
    lines = [r.getMessage() for r in caplog.records if "graph step" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("decode: 1 launches; eager step")
    st = model.stats["decode"]
    assert st["eager_calls"] == 1 and st["graph_calls"] == 2 and st["launches"] == 1


def test_weights_from_memory_match_the_artifact_and_are_checked(toy):
    """load_weights (in-memory weights, for models too large to write twice)
    gives the same logits as load(artifact), and refuses missing, mistyped and
    misshaped tensors by name."""
    dev, bundle, art = toy
    ids = np.array([[1, 5, 7]], np.int64)
    from_disk, _ = load_bundle(bundle, device=dev).load(art).prefill(ids)
    from tessera.checkpoint.artifact import Artifact

    opened = Artifact.open(art)
    weights = {name: np.array(opened.array(name)) for name in opened.names()}
    from_memory, _ = load_bundle(bundle, device=dev).load_weights(weights).prefill(ids)
    np.testing.assert_array_equal(from_memory, from_disk)
    model = load_bundle(bundle, device=dev)
    with pytest.raises(ArtifactError, match="mine: no tensor 'embedding', which the bundle needs"):
        model.load_weights({k: v for k, v in weights.items() if k != "embedding"}, source="mine")
    with pytest.raises(ArtifactError, match="tensor 'embedding' is bf16, but the bundle was compiled for fp32"):
        model.load_weights({**weights, "embedding": weights["embedding"].view(np.uint16)[:, ::2].copy()})
    with pytest.raises(ArtifactError, match="tensor 'embedding' has shape \\[3, 4\\]"):
        model.load_weights({**weights, "embedding": np.zeros((3, 4), np.float32)})
