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
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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
    """Reads the runtime ABI that convert-graph-to-tile records on each
    function (``tessera.abi``, see :mod:`tessera.runtime.abi`)."""
    functions = {}
    for op in module.walk():
        if op.name == "func.func" and "tessera.abi" in op.attributes:
            functions[op.attributes["sym_name"]] = op.attributes["tessera.abi"]
    return {"functions": functions}


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
