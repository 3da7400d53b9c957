"""The compile driver: a list of stages, each dumpable and restartable.

    graph  --tessera-graph-to-tile-->            tile
    tile   --tessera-tile-to-target-->           target
    target --tessera-target-to-llvm-->           llvm      (LLVM dialect)
    llvm   --translate + optimise + codegen-->   obj       (object file)

The target is an attribute of the module (``tessera.target =
#tessera.target<"x86", cpu = ..., features = ...>``), written once by
``tessera-attach-target`` before the first stage (default on x86: this
machine's CPU and features) and read by every pipeline; the object is
generated for that CPU and those features.

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
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tessera.errors import CompileError, MLIRError

STAGES = ("graph", "tile", "target", "llvm", "obj")
TARGETS = ("x86",)

#: stage -> (pipeline producing the *next* stage, given the target)
_PIPELINES = {
    "graph": "tessera-graph-to-tile",
    "tile": "tessera-tile-to-target",
    "target": "tessera-target-to-llvm",
}


def next_stage(stage: str) -> str:
    return STAGES[STAGES.index(stage) + 1]


def pipeline_for(stage: str, target: str = "x86") -> str:
    """The pipeline that lowers ``stage`` to the next stage (the target is
    read from the module's ``tessera.target``)."""
    return _PIPELINES[stage]


def _uses(dialect: str, text: str) -> bool:
    # An op name `dialect.x`, not an attribute name such as `tessera.target`.
    return re.search(rf"(?<![\w.#]){dialect}\.\w", text) is not None


def detect_stage(text: str) -> str:
    """Guesses which stage a .mlir file is in from the dialects it uses."""
    if "llvm.func" in text and "func.func" not in text:
        return "llvm"
    if _uses("target", text):
        return "target"
    if _uses("tile", text):
        return "tile"
    if _uses("graph", text):
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


def host_target() -> tuple[str, str]:
    """(cpu, features) of this machine, from LLVM's host detection."""
    from tessera._tessera import host_cpu, host_features

    return host_cpu(), host_features()


def _quote(value: str) -> str:
    if not re.fullmatch(r"[\w.+,-]*", value):
        raise CompileError(f"invalid target option {value!r}: expected letters, digits and . + , - _")
    return value


def module_target(module) -> str | None:
    """The text of the module's ``tessera.target`` attribute, or None."""
    for op in module.walk():
        if op.name == "builtin.module":
            value = op.attributes.get("tessera.target")
            return None if value is None else str(value)
    return None


def target_field(target_text: str, key: str) -> str:
    """A field (``cpu``, ``features``, ``chip``) of a #tessera.target's text, or ''."""
    m = re.search(rf'\b{key} = "([^"]*)"', target_text)
    return m.group(1) if m else ""


def attach_target(module, target: str = "x86", cpu: str | None = None,
                  features: str | None = None) -> str:
    """Gives ``module`` its ``tessera.target`` unless it has one; returns the
    attribute's text. On x86 the CPU and features default to this machine's;
    a CPU given without features gets the features LLVM enables for it.
    A module that already names another target kind is an error."""
    _check_target(target)
    present = module_target(module)
    if present is not None and cpu is None and features is None:
        kind = re.match(r'#tessera\.target<"(\w+)"', present)
        if kind and kind.group(1) != target:
            raise CompileError(f"the module's target is {kind.group(1)!r} ({present}), "
                               f"not {target!r}")
        return present
    if cpu is None:
        host_cpu, host_features = host_target()
        cpu = host_cpu
        features = host_features if features is None else features
    elif features is None:
        features = _features_of(_quote(cpu))
    cpu, features = _quote(cpu), _quote(features)
    _verify_target(f'#tessera.target<"{target}", cpu = "{cpu}", features = "{features}">')
    module.run_pipeline(f"tessera-attach-target{{kind={target} cpu={cpu} features={features}}}")
    return module_target(module)


def _features_of(cpu: str) -> str:
    """The features LLVM enables for ``cpu`` (a CompileError if unknown)."""
    from tessera._tessera import cpu_features

    try:
        return cpu_features(cpu)
    except MLIRError as e:
        raise CompileError(str(e)) from None


def _verify_target(text: str) -> None:
    """Raises a one-line CompileError naming the rule a target breaks."""
    from tessera import ir

    try:
        ir.parse(f"module attributes {{tessera.target = {text}}} {{}}")
    except MLIRError as e:
        found = re.findall(r"error: (.*)", str(e))
        raise CompileError(f"invalid target {text}: {found[-1] if found else e}") from None


def lower(module, from_stage: str, to_stage: str, target: str = "x86",
          failure_dir: str | os.PathLike | None = None, cpu: str | None = None,
          features: str | None = None, on_stage=None):
    """Lowers ``module`` (a tessera.ir.Module, changed in place) from one stage to
    another. Returns the Module, or the object file bytes when ``to_stage`` is
    ``obj``. ABI metadata (function arguments, weight names) is read off the
    IR after the tile stage (again after the target stage, which may choose
    weight layouts) and returned in ``StageResult.metadata``.

    The module keeps the ``tessera.target`` it has; one without gets
    ``target`` with ``cpu``/``features`` (default: this machine's). Giving
    ``cpu`` or ``features`` replaces the module's target. ``on_stage(stage, step, ir)``, if given, is
    called before each step runs (step: the pipeline, or "codegen"; ir: the
    step's input) -- the CLI's compile worker records it."""
    _check_target(target)
    if from_stage not in STAGES or to_stage not in STAGES:
        raise CompileError(f"unknown stage: expected one of {', '.join(STAGES)}")
    if STAGES.index(to_stage) < STAGES.index(from_stage):
        raise CompileError(f"cannot lower from {from_stage} back to {to_stage}")
    stage = from_stage
    try:
        target_text = attach_target(module, target, cpu, features) if stage != "obj" else ""
    except MLIRError as e:
        raise CompileError(f"invalid target: {e}") from None
    metadata = abi_metadata(module) if stage not in ("graph", "obj") else {}
    while stage != to_stage:
        if stage == "llvm":
            if on_stage is not None:
                on_stage(stage, "codegen", str(module))
            try:
                obj = module.emit_object(opt_level=3, cpu=target_field(target_text, "cpu"),
                                         features=target_field(target_text, "features"))
            except MLIRError as e:
                raise CompileError(f"code generation failed: {e}") from None
            return StageResult("obj", obj, metadata)
        pipeline = pipeline_for(stage, target)
        before = str(module)
        if on_stage is not None:
            on_stage(stage, pipeline, before)
        try:
            module.run_pipeline(pipeline)
        except MLIRError as e:
            raise _stage_failure(stage, pipeline, before, e, failure_dir) from None
        stage = next_stage(stage)
        if stage == "tile":
            metadata = abi_metadata(module)
        elif stage == "target":
            # The target stage may choose weight layouts (x86: matmul panels)
            # and record them in the ABI.
            fresh = abi_metadata(module)
            if fresh["functions"]:
                metadata = fresh
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
    """Reads the runtime ABI that convert-graph-to-tile records on each
    function (``tessera.abi``, see :mod:`tessera.runtime.abi`)."""
    functions = {}
    for op in module.walk():
        if op.name == "func.func" and "tessera.abi" in op.attributes:
            functions[op.attributes["sym_name"]] = op.attributes["tessera.abi"]
    return {"functions": functions}


#: target -> the passes of its tile-to-target pipeline that decide the ABI's
#: weight layouts (x86: matmul weights as panels), in pipeline order.
_LAYOUT_PASSES = {"x86": "tessera-select-lowering-config,tessera-x86-pack-weights"}


def target_abi_metadata(tile_module, target: str = "x86") -> dict:
    """The ABI the target stage will record for ``tile_module`` (not
    changed): the tile stage's, with the weight layouts the target chooses.
    Runs only the passes that choose them, on a copy, so that a compile-cache
    hit can be checked against the ABI without emitting any kernel."""
    module = tile_module.clone()
    attach_target(module, target)
    try:
        module.run_pipeline(_LAYOUT_PASSES[target])
    except MLIRError as e:
        raise CompileError(f"choosing the weight layouts failed: {e}") from None
    return abi_metadata(module)


def default_cache_dir() -> Path:
    env = os.environ.get("TESSERA_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tessera"


def write_atomically(path: Path, data: bytes) -> None:
    """Writes to a temporary file beside ``path`` and renames it into place.
    A device or pipe (``-o /dev/null``) is written in place: renaming over it
    would replace /dev/null itself with a regular file when run as root."""
    if path.exists() and not path.is_file() and not path.is_dir():
        with open(path, "wb") as f:
            f.write(data)
        return
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
#   graph --tessera-graph-to-tile--> tile --(attach #tessera.target<"nvidia", chip=C>)
#         --tessera-tile-to-nvvm--> nvvm
#   nvvm --tessera-nvvm-to-binary{format=isa}--> ptx   (text of gpu.binary)
#   nvvm --tessera-nvvm-to-binary{format=bin}--> cubin (ptxas)
#   nvvm --> bundle: kernels.cubin + kernels.ptx + plan.json (launch plan of the
#            host functions + config + weight dtype), read by tessera.cuda on
#            the GPU machine (format: docs/ARCHITECTURE.md, "NVIDIA bundle").

CUDA_STAGES = ("graph", "tile", "nvvm", "llvm", "ptx", "cubin", "bundle")
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
    return lower_gpu(module, from_stage, to_stage, CUDA_STAGES, "CUDA", "nvidia", chip, kernel_binary,
                     failure_dir, check_kernel_stage_target=False)


def lower_gpu(module, from_stage: str, to_stage: str, stages: tuple, vendor: str, kind: str, chip: str,
              binary, failure_dir, check_kernel_stage_target: bool) -> StageResult:
    """The stage walk both GPU vendors share. ``stages``: graph, tile, the
    kernel stage K (lowered to by tessera-tile-to-K), llvm, assembly, binary
    (both made by ``binary(module, stage, failure_dir)``), bundle. ``kind``:
    the #tessera.target kind; ``check_kernel_stage_target``: a module given at
    the kernel stage must name that target too."""
    kernel_stage = stages[2]
    if from_stage not in stages[:3] or to_stage not in stages:
        raise CompileError(f"unknown {vendor} stage: expected one of {', '.join(stages)}")
    if stages.index(to_stage) < stages.index(from_stage):
        raise CompileError(f"cannot lower from {from_stage} back to {to_stage}")
    if from_stage == "graph" and to_stage != "graph":
        _run_stage(module, "graph", _PIPELINES["graph"], failure_dir)
        from_stage = "tile"
    if from_stage == "tile" and to_stage not in ("graph", "tile"):
        _attach_target(module, kind, chip)
        _run_stage(module, "tile", f"tessera-tile-to-{kernel_stage}", failure_dir)
    elif from_stage == kernel_stage and check_kernel_stage_target:
        _attach_target(module, kind, chip)
    if to_stage == "llvm":  # the kernels' LLVM IR, what the vendor's back end starts from
        try:
            return StageResult("llvm", module.kernel_llvm_ir().encode())
        except MLIRError as e:
            raise CompileError(f"translating the kernels to LLVM IR failed: {e}") from None
    if to_stage in stages[4:6]:
        return StageResult(to_stage, binary(module, to_stage, failure_dir))
    return StageResult(min(to_stage, kernel_stage, key=stages.index), module)


def _attach_target(module, kind: str, chip: str) -> None:
    """Gives the module `#tessera.target<"KIND", chip = C>` (the GPU passes
    read the chip from it); a module that names another target, or another
    chip, is an error rather than silently retargeted."""
    present = module_target(module)
    if present is None:
        module.run_pipeline(f"tessera-attach-target{{kind={kind} chip={chip}}}")
        return
    if not present.startswith(f'#tessera.target<"{kind}"') or f'chip = "{chip}"' not in present:
        raise CompileError(f"the module's target is {present}, not {kind} chip {chip}")


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


def bundle_plan_json(module, config, weight_dtype: str | None, failure_dir, vendor: str) -> bytes:
    """plan.json of a bundle (either vendor's: the plan is the same) from a
    kernel-stage module: the launch plan with the model config and weight dtype."""
    plan = launch_plan(module, failure_dir)
    wdtype = weight_dtype or _weight_dtype_of(plan)
    if wdtype not in BUNDLE_WEIGHT_DTYPES:
        raise CompileError(f"{vendor} bundles take bf16 or fp32 weights, got {wdtype!r}")
    ordered = {"format": plan["format"], "version": plan["version"], "chip": plan["chip"],
               "config": config.to_hf_dict(json_safe=True) if config is not None else {},
               "weight_dtype": wdtype, "kernels": plan["kernels"], "functions": plan["functions"]}
    return (json.dumps(ordered, indent=1) + "\n").encode()


def cuda_bundle_files(module, config=None, weight_dtype: str | None = None,
                      failure_dir=None) -> dict[str, bytes]:
    """{file name: bytes} of the CUDA bundle of an nvvm-stage module: the
    cubin, the PTX and plan.json (``config``: a NemotronHConfig or None)."""
    plan_json = bundle_plan_json(module, config, weight_dtype, failure_dir, "CUDA")
    return {"kernels.cubin": kernel_binary(module, "cubin", failure_dir),
            "kernels.ptx": kernel_binary(module, "ptx", failure_dir),
            "plan.json": plan_json}


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
