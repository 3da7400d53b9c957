"""End to end on x86: HF checkpoint -> tessera convert -> tessera compile/run ->
logits, compared with Hugging Face's NemotronHForCausalLM (CPU, float32).

The code that runs is Tessera's own: Graph-IR -> Tile-IR -> x86 loops ->
LLVM -> object, loaded in process. Tolerance: max|a - b| / max|b| <= 1e-4.
Decode oracle: HF full-sequence prefill of the extended sequence.
"""

import shutil
import subprocess

import numpy as np
import pytest
import torch

import tessera
from conftest import PARITY_CONFIGS
from tessera.checkpoint import convert_checkpoint
from tessera.cli import main
from tessera.errors import RuntimeInputError
from tessera.testing import hf_logits, load_hf_model, write_hf_checkpoint

TOL = 1e-4
DECODE_STEPS = 4
torch.set_num_threads(2)

#: Sequence not a multiple of the chunk, n_groups > 1, GQA 4/2, 4/1 and 6/3, batch > 1.
CONFIGS = {name: PARITY_CONFIGS[name] for name in ("tiny", "gqa4-bias", "gqa6-3")}


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tessera-cache")


def _setup(tmp_path, name, dtype="fp32", seed=0):
    config, batch, seq = CONFIGS[name]
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", dtype=dtype, seed=seed)
    art = convert_checkpoint(ckpt, tmp_path / "art")
    ids = np.random.default_rng(seed + 1).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    return config, ckpt, art, ids


@pytest.mark.parametrize("name", list(CONFIGS))
def test_prefill_and_decode_match_hf(tmp_path, cache_dir, name):
    config, ckpt, art, ids = _setup(tmp_path, name)
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    hf = load_hf_model(ckpt)

    logits, state = model.prefill(ids, all_logits=True)
    assert logits.dtype == np.float32 and logits.shape == (*ids.shape, config.vocab_size)
    assert rel(logits, hf_logits(hf, ids)) <= TOL

    seqs = ids
    token = np.argmax(logits[:, -1], axis=-1)
    for _ in range(DECODE_STEPS):
        seqs = np.concatenate([seqs, token[:, None]], axis=1)
        step_logits, state = model.decode(token, state)
        assert rel(step_logits, hf_logits(hf, seqs)[:, -1]) <= TOL
        token = np.argmax(step_logits, axis=-1)
    assert state.position == ids.shape[1] + DECODE_STEPS


def test_chunked_prefill_equals_one_shot(tmp_path, cache_dir):
    _, _, art, ids = _setup(tmp_path, "tiny")
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    whole, whole_state = model.prefill(ids, all_logits=True)
    state, parts = None, []
    for lo, hi in ((0, 16), (16, 32), (32, 37)):
        part, state = model.prefill(ids[:, lo:hi], state, all_logits=True)
        parts.append(part)
    assert rel(np.concatenate(parts, axis=1), whole) <= TOL
    for a, b in zip(state.arrays, whole_state.arrays):
        assert rel(a, b) <= TOL


def _without_bf16_dot(monkeypatch):
    """Compiles from here on for this host minus AVX512_BF16: bf16 weights
    are extended to f32 (the path of hosts without it)."""
    from tessera import _tessera
    host = _tessera.host_features
    monkeypatch.setattr(_tessera, "host_features", lambda: host() + ",-avx512bf16")


def test_bf16_artifact_runs_with_bf16_weights(tmp_path, cache_dir, monkeypatch):
    """bf16 weights extended to f32: the same products as HF float32 on the
    bf16 values."""
    _without_bf16_dot(monkeypatch)
    _, ckpt, art, ids = _setup(tmp_path, "tiny", dtype="bf16", seed=3)
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert model.weight_dtype == "bf16"
    assert all(lay.k_pack == 1 for fn in model.abi.values() for _, lay in fn.layouts)
    logits, _ = model.prefill(ids, all_logits=True)
    assert rel(logits, hf_logits(load_hf_model(ckpt), ids)) <= TOL


#: Tessera's bf16-dot logits against HF float32 with every nn.Linear input
#: rounded to bf16 (the same products): they differ only where the f32
#: summation order (~1e-7) tips an activation across a bf16 rounding
#: boundary, i.e. by one bf16 ulp (2^-8 relative) of single elements.
BF16_DOT_TOL = 1e-2


def _hf_with_bf16_linear_inputs(hf):
    """HF float32 rounding each nn.Linear input to bf16 (round to nearest
    even), as vdpbf16ps does with Tessera's matmul activations."""
    import copy
    hooked = copy.deepcopy(hf)
    for mod in hooked.modules():
        if isinstance(mod, torch.nn.Linear):
            mod.register_forward_pre_hook(lambda _, args: (args[0].to(torch.bfloat16).float(), *args[1:]))
    return hooked


@pytest.mark.parametrize("name", list(CONFIGS))
def test_bf16_dot_matches_hf_on_bf16_activations(tmp_path, cache_dir, monkeypatch, name):
    """bf16 weights through vdpbf16ps (AVX512_BF16 hosts; on AMX hosts
    prefill's matmuls with K a multiple of 32 run on AMX tiles, with the same
    bf16-rounded inputs): against HF float32 on the bf16 weights with
    bf16-rounded matmul inputs (BF16_DOT_TOL), prefill and decode; against
    plain HF float32 no worse than HF itself running in bfloat16; and close
    to Tessera's own f32-extend path."""
    from tessera._tessera import host_features
    host = host_features().split(",")
    if "+avx512bf16" not in host:
        pytest.skip("this host has no AVX512_BF16")
    config, ckpt, art, ids = _setup(tmp_path, name, dtype="bf16", seed=3)
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert any(lay.k_pack == 2 for _, lay in model.abi["prefill"].layouts)
    objdump = shutil.which("objdump")
    if {"+amx-tile", "+amx-bf16"} <= set(host) and objdump and config.hidden_size % 32 == 0 and ids.size >= 16:
        asm = subprocess.run([objdump, "-d", str(model.cache_path)], capture_output=True, text=True).stdout
        assert "tdpbf16ps" in asm
    hf = load_hf_model(ckpt)
    hooked = _hf_with_bf16_linear_inputs(hf)
    logits, state = model.prefill(ids, all_logits=True)
    assert rel(logits, hf_logits(hooked, ids)) <= BF16_DOT_TOL
    seqs, token = ids, np.argmax(logits[:, -1], axis=-1)
    for _ in range(2):
        seqs = np.concatenate([seqs, token[:, None]], axis=1)
        step, state = model.decode(token, state)
        assert rel(step, hf_logits(hooked, seqs)[:, -1]) <= BF16_DOT_TOL
        token = np.argmax(step, axis=-1)

    fp32 = hf_logits(hf, ids)
    hf_bf16 = hf_logits(hf.to(torch.bfloat16), ids)
    assert rel(logits, fp32) <= rel(hf_bf16, fp32)
    _without_bf16_dot(monkeypatch)
    extend = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert all(lay.k_pack == 1 for _, lay in extend.abi["prefill"].layouts)
    assert rel(logits, extend.prefill(ids, all_logits=True)[0]) <= rel(hf_bf16, fp32)


def test_compile_cache_is_reused(tmp_path, cache_dir):
    _, _, art, ids = _setup(tmp_path, "tiny")
    first = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert first.cache_path is not None and first.cache_path.exists()
    stamp = first.cache_path.stat().st_mtime_ns
    second = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert second.cache_path == first.cache_path
    assert second.cache_path.stat().st_mtime_ns == stamp
    assert rel(second.prefill(ids, all_logits=True)[0], first.prefill(ids, all_logits=True)[0]) == 0.0


def test_prefill_returns_last_position_unless_asked(tmp_path, cache_dir):
    config, ckpt, art, ids = _setup(tmp_path, "gqa4-bias")
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    ref = hf_logits(load_hf_model(ckpt), ids)
    last, _ = model.prefill(ids)
    assert last.shape == (ids.shape[0], 1, config.vocab_size)
    assert rel(last, ref[:, -1:]) <= TOL
    # Chunked: each chunk's last position.
    part, state = model.prefill(ids[:, :7])
    assert part.shape == (ids.shape[0], 1, config.vocab_size)
    part, state = model.prefill(ids[:, 7:], state)
    assert rel(part, ref[:, -1:]) <= TOL
    with pytest.raises(RuntimeInputError, match="all_logits must be a bool, got 1"):
        model.prefill(ids, all_logits=1)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts_match_hf(tmp_path, cache_dir, threads):
    # The kernels' parallel loops (OpenMP) give HF's logits with any team size,
    # also more threads than cores and than some loops have iterations.
    _, ckpt, art, ids = _setup(tmp_path, "gqa6-3")
    model = tessera.compile(art, target="x86", cache_dir=cache_dir, num_threads=threads)
    logits, state = model.prefill(ids, all_logits=True)
    assert rel(logits, hf_logits(load_hf_model(ckpt), ids)) <= TOL
    step, _ = model.decode(np.argmax(logits[:, -1], axis=-1), state)
    single = tessera.compile(art, target="x86", cache_dir=cache_dir, num_threads=1)
    l1, s1 = single.prefill(ids, all_logits=True)
    assert rel(step, single.decode(np.argmax(l1[:, -1], axis=-1), s1)[0]) <= 1e-6


def test_api_cpu_and_features_pick_the_code(tmp_path, cache_dir):
    # AVX2 code (x86-64-v3: 8-lane vectors, the 6 x 2 ymm micro-kernel) runs on
    # any AVX2 host, also an AVX-512 one, and matches HF like the host's code.
    from tessera._tessera import host_features

    if "+avx2" not in host_features().split(","):
        pytest.skip("this host has no AVX2")
    _, ckpt, art, ids = _setup(tmp_path, "gqa4-bias")
    model = tessera.compile(art, target="x86", cache_dir=cache_dir, cpu="x86-64-v3")
    assert model.cpu == "x86-64-v3"
    assert "+avx2" in model.features.split(",") and "+avx512f" not in model.features.split(",")
    logits, state = model.prefill(ids, all_logits=True)
    assert rel(logits, hf_logits(load_hf_model(ckpt), ids)) <= TOL
    host = tessera.compile(art, target="x86", cache_dir=cache_dir)
    assert host.cache_path != model.cache_path  # the target is part of the cache key
    assert rel(logits, host.prefill(ids, all_logits=True)[0]) <= 1e-5


def test_api_target_errors_name_the_problem(tmp_path, cache_dir):
    from tessera._tessera import host_features
    from tessera.errors import CompileError

    _, _, art, _ = _setup(tmp_path, "tiny")
    with pytest.raises(CompileError, match="unknown CPU 'nosuchcpu'"):
        tessera.compile(art, target="x86", cache_dir=cache_dir, cpu="nosuchcpu")
    with pytest.raises(CompileError, match="invalid target option 'avx2 x'"):
        tessera.compile(art, target="x86", cache_dir=cache_dir, features="avx2 x")
    lacking = next((f[1:] for f in host_features().split(",") if f.startswith("-")), None)
    if lacking:  # code for a feature this host lacks could not run here
        with pytest.raises(CompileError, match=f"x86 feature \\+{lacking} is not available on this host"):
            tessera.compile(art, target="x86", cache_dir=cache_dir, features=f"+{lacking}")
    with pytest.raises(CompileError, match="apply to target x86 only"):
        tessera.compile(art, target="cuda", cache_dir=cache_dir, cpu="x86-64-v3")


def test_bad_thread_count_is_reported(tmp_path, cache_dir):
    _, _, art, _ = _setup(tmp_path, "tiny")
    for bad in (0, -2, 1.5, True):
        with pytest.raises(RuntimeInputError, match="num_threads must be a positive integer"):
            tessera.compile(art, target="x86", cache_dir=cache_dir, num_threads=bad)


def test_runtime_rejects_bad_inputs(tmp_path, cache_dir):
    config, _, art, ids = _setup(tmp_path, "tiny")
    model = tessera.compile(art, target="x86", cache_dir=cache_dir)
    bad = ids.copy()
    bad[0, 3] = config.vocab_size
    with pytest.raises(RuntimeInputError, match=r"token id 256 is outside \[0, 256\)"):
        model.prefill(bad)
    with pytest.raises(RuntimeInputError, match="expected rank 2"):
        model.prefill(ids[0])
    with pytest.raises(RuntimeInputError, match="expected integer token ids"):
        model.prefill(ids.astype(np.float32))
    _, state = model.prefill(ids)
    with pytest.raises(RuntimeInputError, match="state is for batch 2, got 1 sequences"):
        model.decode(np.array([1]), state)
    state.arrays[1] = state.arrays[1][:, :, :, :-1].copy()
    with pytest.raises(RuntimeInputError, match=r"state of layer 0 \(ssm\): expected float32"):
        model.decode(np.array([1, 2]), state)
    with pytest.raises(RuntimeInputError, match="exceeds max_position_embeddings"):
        model.generate(ids, config.max_position_embeddings)


def test_cli_run_dumps_logits_matching_hf(tmp_path, cache_dir, capsys, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(cache_dir))
    _, ckpt, art, ids = _setup(tmp_path, "tiny")
    np.save(tmp_path / "ids.npy", ids)
    out = tmp_path / "logits.npy"
    assert main(["run", str(art), "--input-ids", str(tmp_path / "ids.npy"), "--dump-logits", str(out)]) == 0
    hf = load_hf_model(ckpt)
    assert rel(np.load(out), hf_logits(hf, ids)) <= TOL

    gen = tmp_path / "gen.npy"
    assert main(["run", str(art), "--input-ids", str(tmp_path / "ids.npy"), "--generate", "3",
                 "--dump-logits", str(gen)]) == 0
    steps = np.load(gen)
    assert steps.shape == (ids.shape[0], 3, 256)
    # Step i's logits are HF's for the prompt plus the i tokens generated before it.
    seqs = ids
    for i in range(3):
        assert rel(steps[:, i], hf_logits(hf, seqs)[:, -1]) <= TOL
        seqs = np.concatenate([seqs, np.argmax(steps[:, i], axis=-1)[:, None]], axis=1)
    capsys.readouterr()


def test_cli_run_errors(tmp_path, cache_dir, capsys, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(cache_dir))
    _, _, art, ids = _setup(tmp_path, "tiny")
    np.save(tmp_path / "f.npy", ids.astype(np.float32))
    assert main(["run", str(art), "--input-ids", str(tmp_path / "f.npy")]) == 1
    assert "expected int64 token ids, got float32" in capsys.readouterr().err
    assert main(["run", str(art), "--input-ids", str(tmp_path / "missing.npy")]) == 1
    assert "cannot read a .npy array" in capsys.readouterr().err
    np.save(tmp_path / "ids.npy", ids)
    out = tmp_path / "never.npy"
    assert main(["run", str(art), "--input-ids", str(tmp_path / "ids.npy"), "--generate", "0",
                 "--dump-logits", str(out)]) == 1
    assert not out.exists()


def test_cli_demo_reports_agreement(tmp_path, capsys):
    assert main(["demo", "--new-tokens", "3", "--workdir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "greedy tokens identical" in out
    rel_err = float(out.split("prefill logits rel. error ")[1].split(";")[0])
    assert rel_err <= TOL
    assert main(["demo", "--new-tokens", "0"]) == 1
    assert "--new-tokens: expected a positive number, got 0" in capsys.readouterr().err
