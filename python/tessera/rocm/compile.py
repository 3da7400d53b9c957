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

from tessera.compiler import (BUNDLE_WEIGHT_DTYPES, StageResult, _run_stage, _weight_dtype_of,
                              launch_plan, module_target)
from tessera.errors import CompileError

ROCM_STAGES = ("graph", "tile", "rocdl", "llvm", "isa", "hsaco", "bundle")
ROCM_CHIPS = ("gfx90a", "gfx942")
DEFAULT_CHIP = "gfx942"


def check_chip(chip: str) -> None:
    if chip not in ROCM_CHIPS:
        raise CompileError(f"unsupported AMD chip {chip!r}: expected one of {', '.join(ROCM_CHIPS)}")


def _attach_amd_target(module, chip: str) -> None:
    """Gives the module `#tessera.target<"amd", chip = C>`; a module naming
    another target or chip is an error, never silently retargeted."""
    present = module_target(module)
    if present is None:
        module.run_pipeline(f"tessera-attach-target{{kind=amd chip={chip}}}")
        return
    if not present.startswith('#tessera.target<"amd"') or f'chip = "{chip}"' not in present:
        raise CompileError(f"the module's target is {present}, not amd chip {chip}")


def lower_rocm(module, from_stage: str, to_stage: str, chip: str = DEFAULT_CHIP,
               failure_dir: str | os.PathLike | None = None) -> StageResult:
    """Lowers ``module`` (changed in place) along the AMD stages. ``llvm``,
    ``isa`` and ``hsaco`` return bytes; ``bundle`` returns the module at the
    rocdl stage (see :func:`rocm_bundle_files`)."""
    check_chip(chip)
    if from_stage not in ROCM_STAGES[:3] or to_stage not in ROCM_STAGES:
        raise CompileError(f"unknown ROCm stage: expected one of {', '.join(ROCM_STAGES)}")
    if ROCM_STAGES.index(to_stage) < ROCM_STAGES.index(from_stage):
        raise CompileError(f"cannot lower from {from_stage} back to {to_stage}")
    if from_stage == "graph" and to_stage != "graph":
        from tessera.compiler import _PIPELINES
        _run_stage(module, "graph", _PIPELINES["graph"], failure_dir)
        from_stage = "tile"
    if from_stage == "tile" and to_stage not in ("graph", "tile"):
        _attach_amd_target(module, chip)
        _run_stage(module, "tile", "tessera-tile-to-rocdl", failure_dir)
    elif from_stage == "rocdl":
        _attach_amd_target(module, chip)  # checks: an NVIDIA module is never compiled for AMD
    if to_stage == "llvm":
        try:
            return StageResult("llvm", module.kernel_llvm_ir().encode())
        except Exception as e:  # MLIRError
            raise CompileError(f"translating the kernels to LLVM IR failed: {e}") from None
    if to_stage in ("isa", "hsaco"):
        return StageResult(to_stage, kernel_binary(module, to_stage, failure_dir))
    return StageResult(min(to_stage, "rocdl", key=ROCM_STAGES.index), module)


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
    plan = launch_plan(module, failure_dir)
    wdtype = weight_dtype or _weight_dtype_of(plan)
    if wdtype not in BUNDLE_WEIGHT_DTYPES:
        raise CompileError(f"ROCm bundles take bf16 or fp32 weights, got {wdtype!r}")
    ordered = {"format": plan["format"], "version": plan["version"], "chip": plan["chip"],
               "config": config.to_hf_dict(json_safe=True) if config is not None else {},
               "weight_dtype": wdtype, "kernels": plan["kernels"], "functions": plan["functions"]}
    import json
    return {"kernels.hsaco": kernel_binary(module, "hsaco", failure_dir),
            "kernels.s": kernel_binary(module, "isa", failure_dir),
            "plan.json": (json.dumps(ordered, indent=1) + "\n").encode()}
