"""The compile driver: a list of stages, each dumpable and restartable.

    graph  --tessera-graph-to-tile-->            tile
    tile   --tessera-tile-to-target{target=T}--> target
    target --tessera-target-to-llvm{target=T}--> llvm      (LLVM dialect)
    llvm   --translate + optimise + codegen-->   obj       (host object file)

(The shape of Triton's ``make_ttir -> make_ttgir -> make_llir -> ...``.) Each
stage is a named pipeline registered in C++ (``lib/Pipelines``), so the same
step runs by hand with ``tessera-opt --tessera-graph-to-tile`` etc. A failing
stage writes the IR it was given to a file and raises a
:class:`~tessera.errors.CompileError` whose message holds MLIR's diagnostics
and the one-line ``tessera-opt`` command that reproduces the failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import tessera
from tessera.errors import CompileError, MLIRError

STAGES = ("graph", "tile", "target", "llvm", "obj")
TARGETS = ("x86",)

#: stage -> (pipeline producing the *next* stage, given the target)
_PIPELINES = {
    "graph": "tessera-graph-to-tile",
    "tile": "tessera-tile-to-target{{target={target}}}",
    "target": "tessera-target-to-llvm{{target={target}}}",
}


def next_stage(stage: str) -> str:
    return STAGES[STAGES.index(stage) + 1]


def pipeline_for(stage: str, target: str) -> str:
    """The pipeline that lowers ``stage`` to the next stage."""
    return _PIPELINES[stage].format(target=target)


def detect_stage(text: str) -> str:
    """Guesses which stage a .mlir file is in from the dialects it uses."""
    if "llvm.func" in text and "func.func" not in text:
        return "llvm"
    if "target." in text:
        return "target"
    if "tile." in text:
        return "tile"
    if "graph." in text:
        return "graph"
    raise CompileError("cannot tell the stage of this IR (no graph, tile, target or llvm.func ops); "
                       "pass --from-stage")


@dataclass
class StageResult:
    stage: str
    module: object  # tessera.ir.Module, or bytes for "obj"
    metadata: dict = field(default_factory=dict)


def _check_target(target: str) -> None:
    if target not in TARGETS:
        raise CompileError(f"unknown target {target!r}: expected one of {', '.join(TARGETS)}")


def lower(module, from_stage: str, to_stage: str, target: str = "x86",
          failure_dir: str | os.PathLike | None = None):
    """Lowers ``module`` (a tessera.ir.Module, changed in place) from one stage to
    another. Returns the Module, or the object file bytes when ``to_stage`` is
    ``obj``. ABI metadata (function arguments, weight names) is read off the
    IR after the tile stage and returned in ``StageResult.metadata``."""
    _check_target(target)
    if from_stage not in STAGES or to_stage not in STAGES:
        raise CompileError(f"unknown stage: expected one of {', '.join(STAGES)}")
    if STAGES.index(to_stage) < STAGES.index(from_stage):
        raise CompileError(f"cannot lower from {from_stage} back to {to_stage}")
    stage = from_stage
    metadata = abi_metadata(module) if stage not in ("graph", "obj") else {}
    while stage != to_stage:
        if stage == "llvm":
            try:
                obj = module.emit_object(opt_level=3)
            except MLIRError as e:
                raise CompileError(f"code generation failed: {e}") from None
            return StageResult("obj", obj, metadata)
        pipeline = pipeline_for(stage, target)
        before = str(module)
        try:
            module.run_pipeline(pipeline)
        except MLIRError as e:
            raise _stage_failure(stage, pipeline, before, e, failure_dir) from None
        stage = next_stage(stage)
        if stage == "tile":
            metadata = abi_metadata(module)
    return StageResult(stage, module, metadata)


def _stage_failure(stage, pipeline, ir_text, error, failure_dir) -> CompileError:
    directory = Path(failure_dir) if failure_dir else Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(ir_text.encode()).hexdigest()[:12]
    path = directory / f"tessera-failed-{stage}-{digest}.mlir"
    path.write_text(ir_text)
    return CompileError(
        f"lowering the {stage} stage failed:\n{error}\n"
        f"the input IR is in {path}; reproduce with:\n"
        f"  tessera-opt {path} --pass-pipeline='builtin.module({pipeline})'")


def abi_metadata(module) -> dict:
    """Reads the runtime ABI that convert-graph-to-tile records on each function:
    ``tessera.weights`` (names of the weight arguments, in order) and the
    number of inputs and results."""
    functions = {}
    for op in module.walk():
        if op.name != "func.func" or "tessera.weights" not in op.attributes:
            continue
        a = op.attributes
        functions[a["sym_name"]] = {
            "weights": list(a["tessera.weights"]),
            "num_inputs": int(a["tessera.num_inputs"]),
            "num_results": int(a["tessera.num_results"]),
        }
    return {"functions": functions}


def compiler_fingerprint() -> str:
    """Identifies this compiler build (Python version string + the extension binary)."""
    from tessera import _tessera

    h = hashlib.sha256(tessera.__version__.encode())
    with open(_tessera.__file__, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def cache_key(config, target: str, weight_dtype: str, cpu: str) -> str:
    payload = json.dumps({"config": config.to_hf_dict(json_safe=True), "target": target,
                          "weight_dtype": weight_dtype, "cpu": cpu,
                          "compiler": compiler_fingerprint()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def default_cache_dir() -> Path:
    env = os.environ.get("TESSERA_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tessera"


def write_atomically(path: Path, data: bytes) -> None:
    """Writes to a temporary file beside ``path`` and renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- NVIDIA (CUDA)
#
#   graph --tessera-graph-to-tile--> tile --tessera-tile-to-nvvm{chip=C}--> nvvm
#   nvvm --tessera-nvvm-to-binary{format=isa}--> ptx   (text of gpu.binary)
#   nvvm --tessera-nvvm-to-binary{format=bin}--> cubin (ptxas)
#   nvvm --> bundle: kernels.cubin + kernels.ptx + plan.json (launch plan of the
#            host functions + config + weight dtype), read by tessera.cuda on
#            the GPU machine (format: docs/ARCHITECTURE.md, "NVIDIA bundle").

CUDA_STAGES = ("graph", "tile", "nvvm", "ptx", "cubin", "bundle")
CUDA_CHIPS = ("sm_80", "sm_86", "sm_89", "sm_90", "sm_90a")
DEFAULT_CHIP = "sm_90a"
BUNDLE_WEIGHT_DTYPES = ("bf16", "fp32")


def check_chip(chip: str) -> None:
    if chip not in CUDA_CHIPS:
        raise CompileError(f"unsupported chip {chip!r}: expected one of {', '.join(CUDA_CHIPS)}")


def _run_stage(module, stage: str, pipeline: str, failure_dir) -> None:
    before = str(module)
    try:
        module.run_pipeline(pipeline)
    except MLIRError as e:
        raise _stage_failure(stage, pipeline, before, e, failure_dir) from None


def lower_cuda(module, from_stage: str, to_stage: str, chip: str = DEFAULT_CHIP,
               failure_dir: str | os.PathLike | None = None) -> StageResult:
    """Lowers ``module`` (changed in place) along the NVIDIA stages. ``ptx`` and
    ``cubin`` return the kernel binary's bytes; ``bundle`` returns the
    module at the nvvm stage (see :func:`cuda_bundle_files`)."""
    check_chip(chip)
    if from_stage not in CUDA_STAGES[:3] or to_stage not in CUDA_STAGES:
        raise CompileError(f"unknown CUDA stage: expected one of {', '.join(CUDA_STAGES)}")
    if CUDA_STAGES.index(to_stage) < CUDA_STAGES.index(from_stage):
        raise CompileError(f"cannot lower from {from_stage} back to {to_stage}")
    if from_stage == "graph" and to_stage != "graph":
        _run_stage(module, "graph", _PIPELINES["graph"], failure_dir)
        from_stage = "tile"
    if from_stage == "tile" and to_stage not in ("graph", "tile"):
        _run_stage(module, "tile", f"tessera-tile-to-nvvm{{chip={chip}}}", failure_dir)
    if to_stage in ("ptx", "cubin"):
        return StageResult(to_stage, kernel_binary(module, to_stage, failure_dir))
    return StageResult(min(to_stage, "nvvm", key=CUDA_STAGES.index), module)


def kernel_binary(module, kind: str, failure_dir=None) -> bytes:
    """PTX (``kind="ptx"``) or cubin bytes of an nvvm-stage module (not changed)."""
    copy = module.clone()
    fmt = {"ptx": "isa", "cubin": "bin"}[kind]
    _run_stage(copy, "nvvm", f"tessera-nvvm-to-binary{{format={fmt}}}", failure_dir)
    return copy.kernel_binary()


def launch_plan(module, failure_dir=None) -> dict:
    """The launch plan (a dict in plan.json's format, without config and weight
    dtype) of an nvvm-stage module."""
    try:
        return json.loads(module.export_launch_plan())
    except MLIRError as e:
        text = str(module)
        directory = Path(failure_dir) if failure_dir else Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"tessera-failed-plan-{hashlib.sha256(text.encode()).hexdigest()[:12]}.mlir"
        path.write_text(text)
        raise CompileError(f"exporting the launch plan failed:\n{e}\n"
                           f"the input IR is in {path}; reproduce with:\n"
                           f"  tessera-translate {path} --tessera-to-cuda-plan") from None


def _weight_dtype_of(plan: dict) -> str:
    """bf16 when any weight argument of the plan is bf16, else fp32."""
    for fn in plan["functions"].values():
        first = int(fn["abi"].get("num_inputs", 0))
        for arg in fn["args"][first:first + len(fn["abi"].get("weights", []))]:
            if arg.get("dtype") == "bf16":
                return "bf16"
    return "fp32"


def cuda_bundle_files(module, config=None, weight_dtype: str | None = None,
                      failure_dir=None) -> dict[str, bytes]:
    """{file name: bytes} of the CUDA bundle of an nvvm-stage module: the
    cubin, the PTX and plan.json (``config``: a NemotronHConfig or None)."""
    plan = launch_plan(module, failure_dir)
    wdtype = weight_dtype or _weight_dtype_of(plan)
    if wdtype not in BUNDLE_WEIGHT_DTYPES:
        raise CompileError(f"CUDA bundles take bf16 or fp32 weights, got {wdtype!r}")
    ordered = {"format": plan["format"], "version": plan["version"], "chip": plan["chip"],
               "config": config.to_hf_dict(json_safe=True) if config is not None else {},
               "weight_dtype": wdtype, "kernels": plan["kernels"], "functions": plan["functions"]}
    return {"kernels.cubin": kernel_binary(module, "cubin", failure_dir),
            "kernels.ptx": kernel_binary(module, "ptx", failure_dir),
            "plan.json": (json.dumps(ordered, indent=1) + "\n").encode()}


def write_directory_atomically(path: Path, files: dict[str, bytes]) -> None:
    """Writes ``files`` into a temporary directory beside ``path`` and renames it
    into place (an existing ``path`` directory is replaced)."""
    import shutil

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CompileError(f"{path} exists and is not a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=path.name + ".tmp-"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private
    old = None
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if path.exists():
            old = path.with_name(path.name + f".old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists():
            os.replace(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
