"""AMD (ROCm) compile stages, the counterpart of the NVIDIA ones in
``tessera.compiler`` (needs the Tessera extension; the HIP driver in this
package does not)::

  graph --tessera-graph-to-tile--> tile --(attach #tessera.target<"amd", chip=C>)
        --tessera-tile-to-rocdl--> rocdl
  rocdl --> llvm   the kernels' LLVM IR (amdgcn), what the AMDGPU back end starts from
  rocdl --tessera-rocdl-to-binary{format=isa}--> isa    (AMDGPU assembly)
  rocdl --tessera-rocdl-to-binary{format=bin}--> hsaco  (code object, linked by ld.lld)
  rocdl --> bundle: kernels.hsaco + kernels.s + plan.json (the same launch plan as
            NVIDIA's, format "tessera-rocm-plan"), read by tessera.rocm's HIP driver

No AMD GPU is needed to compile; none was available to run what this emits
(compiled and checked, not run: see README.md)."""

from __future__ import annotations

import os

from tessera.compiler import StageResult, _run_stage, bundle_plan_json, lower_gpu
from tessera.errors import CompileError

ROCM_STAGES = ("graph", "tile", "rocdl", "llvm", "isa", "hsaco", "bundle")
ROCM_CHIPS = ("gfx90a", "gfx942")
DEFAULT_CHIP = "gfx942"


def check_chip(chip: str) -> None:
    if chip not in ROCM_CHIPS:
        raise CompileError(f"unsupported AMD chip {chip!r}: expected one of {', '.join(ROCM_CHIPS)}")


def lower_rocm(module, from_stage: str, to_stage: str, chip: str = DEFAULT_CHIP,
               failure_dir: str | os.PathLike | None = None) -> StageResult:
    """Lowers ``module`` (changed in place) along the AMD stages. ``llvm``,
    ``isa`` and ``hsaco`` return bytes; ``bundle`` returns the module at the
    rocdl stage (see :func:`rocm_bundle_files`). A module given at the rocdl
    stage is checked too: an NVIDIA module is never compiled for AMD."""
    check_chip(chip)
    return lower_gpu(module, from_stage, to_stage, ROCM_STAGES, "ROCm", "amd", chip, kernel_binary,
                     failure_dir, check_kernel_stage_target=True)


def kernel_binary(module, kind: str, failure_dir=None) -> bytes:
    """AMDGPU assembly (``kind="isa"``) or code object (``"hsaco"``) of a
    rocdl-stage module (not changed)."""
    copy = module.clone()
    fmt = {"isa": "isa", "hsaco": "bin"}[kind]
    _run_stage(copy, "rocdl", f"tessera-rocdl-to-binary{{format={fmt}}}", failure_dir)
    return copy.kernel_binary()


def rocm_bundle_files(module, config=None, weight_dtype: str | None = None,
                      failure_dir=None) -> dict[str, bytes]:
    """{file name: bytes} of the ROCm bundle of a rocdl-stage module: the code
    object, its assembly and plan.json (``config``: a NemotronHConfig or None)."""
    plan_json = bundle_plan_json(module, config, weight_dtype, failure_dir, "ROCm")
    return {"kernels.hsaco": kernel_binary(module, "hsaco", failure_dir),
            "kernels.s": kernel_binary(module, "isa", failure_dir),
            "plan.json": plan_json}
