"""Tessera's AMD runtime on a real AMD GPU: HF parity of ROCm bundles, as
test_cuda_e2e.py does for CUDA (fp32 within 1e-3, bf16 within 2e-2 of
max|ref|; prefill, 8 greedy decode steps, chunked prefill).

NEVER RUN: no AMD GPU was available to the project, so this module has only
ever been skipped. Bundles: every directory holding a plan.json under
$TESSERA_ROCM_BUNDLES, else compiled here for the tiny config when this
machine has the compiler too:

    TESSERA_ROCM_BUNDLES=DIR PYTHONPATH=python python3 -m pytest -rs test/python/test_rocm_e2e.py
"""

import os
from pathlib import Path

import pytest

from tessera.rocm import probe

GPU, WHY = probe()
if not GPU:
    pytest.skip(f"no AMD GPU here ({WHY})", allow_module_level=True)

from tessera.cuda import check  # noqa: E402

DECODE_STEPS = 8


def _given_bundles():
    root = os.environ.get("TESSERA_ROCM_BUNDLES")
    return sorted(str(p.parent) for p in Path(root).rglob("plan.json")) if root else []


def _check(bundle, work):
    r = check.hf_parity(bundle, work, batch=2, seq=37, steps=DECODE_STEPS)
    print(f"\nparity {Path(bundle).name}: " + " ".join(
        f"{k} {r[k]:.2e}" for k in ("prefill", "decode", "chunked", "tol") if k in r))
    assert r["ok"], {k: r[k] for k in ("prefill", "decode", "chunked", "tol") if k in r}


@pytest.mark.parametrize("bundle", _given_bundles() or ["-"])
def test_hf_parity_of_given_bundles(bundle, tmp_path):
    if bundle == "-":
        pytest.skip("TESSERA_ROCM_BUNDLES is not set (a directory of bundles from `tessera compile --target rocm`)")
    _check(bundle, tmp_path)


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_hf_parity_compiled_here(dtype, tmp_path, tiny_config):
    if os.environ.get("TESSERA_ROCM_BUNDLES"):
        pytest.skip("bundles are given by TESSERA_ROCM_BUNDLES")
    try:
        import tessera._tessera  # noqa: F401
    except ImportError:
        pytest.skip("no compiler on this machine (tessera._tessera); set TESSERA_ROCM_BUNDLES")
    from tessera.checkpoint import convert_checkpoint
    from tessera.cli import main
    from tessera.testing import write_hf_checkpoint

    art = convert_checkpoint(write_hf_checkpoint(tiny_config, tmp_path / "ckpt", dtype=dtype), tmp_path / "art",
                             progress=False)
    assert main(["compile", str(art), "--target", "rocm", "-o", str(tmp_path / "bundle")]) == 0
    _check(tmp_path / "bundle", tmp_path / "work")
