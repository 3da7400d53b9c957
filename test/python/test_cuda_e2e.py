"""Tessera's CUDA runtime on a real GPU (skipped, with the reason, where there is none).

* the driver layer on the hand-written vadd bundle, with both backends
  (cuda-bindings and ctypes): results, strided views, scalars, CUDA graphs,
  launch errors; an illegal address reported as an error, never a hang;
* CudaModel on the toy bundle (hand-written kernel) against numpy;
* HF parity of compiled bundles: NemotronHForCausalLM on random weights of the
  bundle's config; fp32 bundles within 1e-3, bf16 within 2e-2 of max|ref|;
  prefill, 8 greedy decode steps, chunked prefill == one-shot.

Bundles for the parity test: every directory holding a plan.json under
$TESSERA_CUDA_BUNDLES, else compiled on the fly (`tessera compile ART --target
cuda --emit bundle`) for the shared parity configs when this machine has the
compiler too. On the GPU machine (no compiler):

    TESSERA_CUDA_BUNDLES=DIR PYTHONPATH=python python3 -m pytest -rs test/python/test_cuda_e2e.py
"""

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import PARITY_CONFIGS, REPO

from tessera.cuda import check, probe

GPU, WHY = probe()
if not GPU:
    pytest.skip(f"no CUDA GPU here ({WHY})", allow_module_level=True)

VADD = REPO / "test/python/fixtures/cuda_vadd"
TOY = REPO / "test/python/fixtures/cuda_toy"
DECODE_STEPS = 8
#: parity configs of issue 10 compiled on the fly: (name, weight dtype)
ON_THE_FLY = [(name, dtype) for name in ("tiny", "gqa4-bias", "gqa6-3", "mha-1group") for dtype in ("fp32", "bf16")]


def _backends():
    try:
        import cuda.bindings.driver  # noqa: F401
        return ["cuda-bindings", "ctypes"]
    except ImportError:
        return ["ctypes"]


@pytest.mark.parametrize("backend", _backends())
def test_driver_layer(backend):
    r = check.driver_selftest(VADD, backend)
    assert "kernel vadd grid [1, 1, 1] block [2048, 1, 1]" in r["launch_error"]
    assert r["graph_ms"] > 0 and r["eager_ms"] > 0


def test_illegal_address_is_an_error_not_a_hang():
    msg = check.illegal_address_report(VADD)
    assert msg.startswith("CudaError: poke: after its 1 launch") and "CUDA_ERROR_ILLEGAL_ADDRESS" in msg


def test_toy_model(tmp_path, tiny_config):
    r = check.toy_model_check(tiny_config, TOY, tmp_path, steps=DECODE_STEPS)
    assert r["prefill"] < 1e-5 and r["state"] < 1e-5 and r["chunked"] < 1e-5 and r["decode"] < 1e-5, r
    assert r["stats"]["graph_calls"] == DECODE_STEPS - 1


def _given_bundles():
    root = os.environ.get("TESSERA_CUDA_BUNDLES")
    if not root:
        return []
    return sorted(str(p.parent) for p in Path(root).rglob("plan.json"))


def _shape_for(config):
    """(batch, seq) of the parity config this bundle was compiled for, else 2 x 37."""
    want = config.to_hf_dict(json_safe=True)
    for cfg, batch, seq in PARITY_CONFIGS.values():
        if cfg.to_hf_dict(json_safe=True) | {"torch_dtype": None} == want | {"torch_dtype": None}:
            return batch, seq
    return 2, 37


def _check(bundle, work):
    from tessera.config import load_config
    from tessera.cuda.plan import Plan

    batch, seq = _shape_for(load_config(Plan.load(bundle).config))
    r = check.hf_parity(bundle, work, batch=batch, seq=seq, steps=DECODE_STEPS)
    # The measured errors, for the run's log (pytest -s shows them).
    print(f"\nparity {Path(bundle).name} {batch}x{seq}: " + " ".join(
        f"{k} {r[k]:.2e}" for k in ("prefill", "decode", "chunked", "tol") if k in r))
    assert r["ok"], {k: r[k] for k in ("prefill", "decode", "chunked", "tol") if k in r}


@pytest.mark.parametrize("bundle", _given_bundles() or ["-"])
def test_hf_parity_of_given_bundles(bundle, tmp_path):
    if bundle == "-":
        pytest.skip("TESSERA_CUDA_BUNDLES is not set (a directory of bundles from `tessera compile --target cuda`)")
    _check(bundle, tmp_path)


@pytest.mark.parametrize("name,dtype", ON_THE_FLY)
def test_hf_parity_compiled_here(name, dtype, tmp_path):
    if os.environ.get("TESSERA_CUDA_BUNDLES"):
        pytest.skip("bundles are given by TESSERA_CUDA_BUNDLES")
    try:
        import tessera._tessera  # noqa: F401
    except ImportError:
        pytest.skip("no compiler on this machine (tessera._tessera); set TESSERA_CUDA_BUNDLES")
    from tessera.checkpoint import convert_checkpoint
    from tessera.cli import main
    from tessera.testing import write_hf_checkpoint

    config = PARITY_CONFIGS[name][0]
    art = convert_checkpoint(write_hf_checkpoint(config, tmp_path / "ckpt", dtype=dtype), tmp_path / "art",
                             progress=False)
    if main(["compile", str(art), "--target", "cuda", "--emit", "bundle", "-o", str(tmp_path / "bundle")]) != 0:
        pytest.skip("this compiler cannot emit CUDA bundles (tessera compile --target cuda --emit bundle)")
    _check(tmp_path / "bundle", tmp_path / "work")


def test_numpy_is_what_comes_back(tmp_path, tiny_config):
    from tessera.checkpoint import convert_checkpoint
    from tessera.cuda import load_bundle
    from tessera.testing import write_hf_checkpoint

    bundle = check.write_toy_bundle(tiny_config, TOY, tmp_path / "b")
    art = convert_checkpoint(write_hf_checkpoint(tiny_config, tmp_path / "c", dtype="fp32"), tmp_path / "a",
                             progress=False)
    logits, state = load_bundle(bundle).load(art).prefill(np.zeros((2, 3), np.int64))
    assert isinstance(logits, np.ndarray) and logits.dtype == np.float32 and logits.shape == (2, 3, 256)
    assert state.arrays[0].shape == (2, 64)
