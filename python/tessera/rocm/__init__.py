"""Tessera's AMD runtime: runs a bundle from ``tessera compile --target rocm``
(plan.json + kernels.hsaco) through the HIP runtime (``libamdhip64.so``, loaded
at run time with ctypes) -- no tessera extension, MLIR or torch.

COMPILED AND CHECKED, NEVER RUN: no AMD GPU was available to the project. The
code objects are checked against the chips' limits and the driver's argument
packing against their metadata (test/python/test_rocm_*.py); running it is
untested.

    from tessera.rocm import load_bundle
    m = load_bundle("bundle/").load("artifact/")
    logits, state = m.prefill(ids)

* :mod:`tessera.rocm.driver`  -- HipDevice: the CUDA Device's interface over HIP
* :mod:`tessera.rocm.compile` -- the compile stages (needs the extension; not imported here)
* the plan interpreter and model are CUDA's (:mod:`tessera.cuda.plan`, :mod:`tessera.cuda.model`):
  the plan is the same, only the device differs.
"""

from pathlib import Path

from tessera.cuda.model import CudaModel, State
from tessera.cuda.plan import ROCM_FORMAT, Plan
from tessera.rocm.driver import HipDevice, open_device, probe


def load_bundle(bundle, *, device=None, max_seq_len: int | None = None, graphs: bool | None = None) -> CudaModel:
    """Opens a ROCm bundle directory (plan.json + kernels.hsaco) on ``device``
    (default: AMD GPU 0) and loads its kernels."""
    plan = bundle if isinstance(bundle, Plan) else Plan.load(Path(bundle), ROCM_FORMAT)
    return CudaModel(plan, device if device is not None else open_device(), max_seq_len=max_seq_len,
                     graphs=graphs)


__all__ = ["HipDevice", "open_device", "probe", "load_bundle", "CudaModel", "State"]
