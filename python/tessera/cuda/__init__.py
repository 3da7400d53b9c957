"""Tessera's CUDA runtime: runs a bundle from ``tessera compile --target cuda``
on an NVIDIA GPU with nothing but the NVIDIA driver, numpy and (optionally)
NVIDIA's ``cuda-bindings`` package -- no tessera extension, MLIR or torch.

    from tessera.cuda import load_bundle
    m = load_bundle("bundle/").load("artifact/")
    logits, state = m.prefill(ids)

* :mod:`tessera.cuda.driver` -- CUDA driver calls (cuda-bindings or ctypes), the launch path, graphs
* :mod:`tessera.cuda.plan`   -- plan.json: checks, evaluation into launch lists, parameter packing
* :mod:`tessera.cuda.model`  -- CudaModel: weights, device states, the launch cache, prefill/decode/generate
"""

from tessera.cuda.driver import Device, open_device, probe
from tessera.cuda.model import CudaModel, State, function_abi, load_bundle
from tessera.cuda.plan import LaunchList, Plan, evaluate

__all__ = ["Device", "open_device", "probe", "CudaModel", "State", "function_abi", "load_bundle",
           "LaunchList", "Plan", "evaluate"]
