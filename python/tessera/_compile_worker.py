"""``tessera compile``'s MLIR stages in a child process, so that a crash in
the C++ pipeline (a bug: a signal, which Python cannot catch) becomes an
``internal error`` message and exit 70 instead of killing the CLI.

The CLI (tessera.cli, x86 target) builds or parses the SOURCE module, then
calls :func:`lower_in_worker`: it writes the module's text and the request
into a private temporary directory and runs ``python -m
tessera._compile_worker DIR``. The worker parses the module and runs
:func:`tessera.compiler.lower`, writing before each step which stage it is
in and that step's input IR; it answers with ``result.bin`` or
``error.json`` (a TesseraError is re-raised in the parent with its message:
MLIR diagnostics and reproducers are unchanged). A worker killed by a signal
leaves the IR of the step that crashed, which the parent moves to the temp
directory and names with a ``tessera-opt`` reproducer. Nothing is written to
the output until the worker has succeeded. The Python API
(``tessera.compile``) runs in process; this is the CLI's safety net only.

Test hook: ``TESSERA_TEST_CRASH_STAGE=<stage>`` makes the worker kill itself
with SIGSEGV before running that stage (to prove the parent survives).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

CRASH_ENV = "TESSERA_TEST_CRASH_STAGE"


# ---------------------------------------------------------------------------- parent side
def lower_in_worker(module, from_stage: str, to_stage: str, target: str = "x86",
                    cpu: str | None = None, features: str | None = None) -> bytes:
    """The bytes ``tessera compile`` writes (object file, or the IR text of
    ``to_stage``), computed in a worker process."""
    from tessera import errors
    from tessera.errors import CompilerCrash

    work = Path(tempfile.mkdtemp(prefix="tessera-compile-"))
    try:
        # With locations: the worker's diagnostics name the SOURCE's lines, not this file's.
        (work / "input.mlir").write_text(module.to_string(debug_info=True), encoding="utf-8")
        (work / "request.json").write_text(json.dumps({
            "from_stage": from_stage, "to_stage": to_stage, "target": target, "cpu": cpu,
            "features": features}), encoding="utf-8")
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[1])  # the same tessera in the child
        env["PYTHONPATH"] = os.pathsep.join([package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        proc = subprocess.run([sys.executable, "-m", "tessera._compile_worker", str(work)],
                              stdin=subprocess.DEVNULL, capture_output=True, env=env)
        if proc.returncode == 0 and (work / "result.bin").is_file():
            sys.stderr.write(proc.stderr.decode(errors="replace"))  # warnings, if any
            return (work / "result.bin").read_bytes()
        answer = _read_json(work / "error.json")
        if proc.returncode == 1 and isinstance(answer, dict):
            if answer.get("kind") == "tessera":
                cls = getattr(errors, str(answer.get("class")), None)
                cls = cls if isinstance(cls, type) and issubclass(cls, errors.TesseraError) else errors.CompileError
                raise cls(answer.get("message", ""))
            e = RuntimeError(f"in the compile worker: {answer.get('class')}: {answer.get('message')}")
            e.add_note("the worker's traceback:\n" + str(answer.get("traceback", "")))
            raise e
        raise CompilerCrash(_crash_message(work, proc.returncode, proc.stderr))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _crash_message(work: Path, returncode: int, stderr: bytes) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        how = f"crashed (signal {-returncode}, {name})"
    else:
        how = f"exited with code {returncode} without an answer"
    step = _read_json(work / "stage.json")
    ir = work / ("stage-input.mlir" if isinstance(step, dict) else "input.mlir")
    if isinstance(step, dict):
        stage, pipeline = str(step.get("stage")), str(step.get("step"))
        where = f"while running the {stage} stage"
    else:
        stage, pipeline, where = "parse", "", "while parsing the input IR"
    saved = None
    try:
        text = ir.read_bytes()
        saved = Path(tempfile.gettempdir()) / f"tessera-crashed-{stage}-{hashlib.sha256(text).hexdigest()[:12]}.mlir"
        saved.write_bytes(text)
    except OSError:
        pass
    message = f"the compiler {how} {where}"
    if saved is None:
        return message + " (its input IR could not be saved)"
    if pipeline == "codegen":
        repro = f"tessera-translate {saved} --tessera-to-x86-object -o /tmp/out.o"
    elif pipeline:
        repro = f"tessera-opt {saved} --pass-pipeline='builtin.module({pipeline})'"
    else:
        repro = f"tessera-opt {saved}"
    message += f"; the input IR is in {saved}; reproduce with: {repro}"
    if stderr.strip():
        log = saved.with_suffix(".stderr.txt")
        try:
            log.write_bytes(stderr)
            message += f"; the compiler's output is in {log}"
        except OSError:
            pass
    return message


# ---------------------------------------------------------------------------- worker side
def _work(work: Path) -> int:
    from tessera.compiler import lower
    from tessera.errors import TesseraError
    from tessera.ir import Context

    def on_stage(stage: str, step: str, ir: str) -> None:
        # The step's input first, then the marker that points at it.
        (work / "stage-input.mlir").write_text(ir, encoding="utf-8")
        (work / "stage.json").write_text(json.dumps({"stage": stage, "step": step}), encoding="utf-8")
        if os.environ.get(CRASH_ENV) == stage:
            os.kill(os.getpid(), signal.SIGSEGV)

    try:
        request = json.loads((work / "request.json").read_text(encoding="utf-8"))
        module = Context().parse((work / "input.mlir").read_text(encoding="utf-8"), "input.mlir")
        result = lower(module, request["from_stage"], request["to_stage"], request["target"],
                       cpu=request["cpu"], features=request["features"], on_stage=on_stage)
        data = result.module if request["to_stage"] == "obj" else str(result.module).encode()
        tmp = work / "result.bin.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, work / "result.bin")
        return 0
    except TesseraError as e:
        answer = {"kind": "tessera", "class": type(e).__name__, "message": str(e)}
    except Exception as e:  # noqa: BLE001 - a bug: the parent reports it as an internal error
        answer = {"kind": "internal", "class": type(e).__name__, "message": str(e),
                  "traceback": "".join(traceback.format_exception(type(e), e, e.__traceback__))}
    (work / "error.json").write_text(json.dumps(answer), encoding="utf-8")
    return 1


if __name__ == "__main__":
    sys.exit(_work(Path(sys.argv[1])))
