"""NVIDIA kernels of the Mamba2 and attention families (convert-tile-to-nvvm).

The cases live in test/gpu/nvvm_kernels_check.py: hand-written Tile-IR
modules lowered to PTX and cubins here, launched on a GPU and compared with
numpy (float64 op semantics and tessera.reference). Without ptxas the build
test is skipped; without a CUDA driver and GPU the numerical test is.
"""

import ctypes
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("nvvm_kernels_check", REPO / "test/gpu/nvvm_kernels_check.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def _gpu_reason():
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return "no CUDA driver (libcuda.so.1)"
    count = ctypes.c_int()
    if lib.cuInit(0) or lib.cuDeviceGetCount(ctypes.byref(count)) or count.value == 0:
        return "no CUDA GPU"
    return None


def _build(tmp_path):
    prebuilt = os.environ.get("TESSERA_NVVM_KERNELS_DIR")
    if prebuilt:
        return Path(prebuilt)
    if not shutil.which("ptxas") or not shutil.which("tessera-opt"):
        pytest.skip("needs tessera-opt and ptxas to build the cubins "
                    "(or TESSERA_NVVM_KERNELS_DIR with prebuilt ones)")
    check.build(tmp_path)
    return tmp_path


def test_every_kernel_builds_to_a_cubin(tmp_path):
    out = _build(tmp_path)
    for name in check.MODULES:
        ptx = (out / f"{name}.ptx").read_text()
        assert ".target sm_90a" in ptx and "__nv_" not in ptx, name
        assert (out / f"{name}.cubin").stat().st_size > 0, name


def test_kernels_match_numpy_on_gpu(tmp_path):
    reason = _gpu_reason()
    if reason:
        pytest.skip(reason)
    check.RESULTS.clear()
    assert check.run(_build(tmp_path), REPO) == 0, [r for r in check.RESULTS if not r[1] <= r[2]]
