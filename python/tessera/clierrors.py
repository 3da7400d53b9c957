"""How the ``tessera`` CLI ends (tessera.cli calls :func:`run_command`).

* success: exit 0;
* bad input -- any :class:`~tessera.errors.TesseraError`, an OS-level I/O
  error (missing file, disk full, permission denied), running out of memory:
  one ``error: ...`` line on stderr, exit 1 (MLIR diagnostics and failed
  compile stages keep their extra lines: locations, notes, the reproducer);
* usage errors (argparse): its usage message, exit 2;
* interrupted: exit 130;
* anything else is a bug in Tessera: ``internal error: <one line>; details in
  <log>; please report ...`` and exit 70 (EX_SOFTWARE), the traceback written
  to a log file (in the cache directory's ``logs/``, else the temp dir) and
  never to the terminal; a compiler stage that dies with a signal in
  ``tessera compile``'s worker process (tessera._compile_worker) says
  ``internal error: the compiler crashed (signal N) ...`` with the saved IR
  and a reproducer, also exit 70.

Warnings (e.g. a compile cache entry that had to be rebuilt) print as one
``warning: ...`` line each.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Callable

from tessera.errors import CompileError, CompilerCrash, MLIRError, TesseraError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
REPORT_AT = "the Tessera repository's issue tracker (attach the log)"


def one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {one_line(message) if isinstance(message, BaseException) else ' '.join(str(message).split())}",
          file=sys.stderr)


def run_command(run: Callable[[], int], argv: list[str] | None = None) -> int:
    """Runs one CLI command and maps how it ended to a message and an exit code."""
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return run()
        except (MLIRError, CompileError) as e:  # diagnostics and reproducers span lines: keep them
            print(f"error: {str(e).strip() or type(e).__name__}", file=sys.stderr)
            return EXIT_ERROR
        except TesseraError as e:
            print(f"error: {one_line(e)}", file=sys.stderr)
            return EXIT_ERROR
        except OSError as e:  # disk full, permission denied, ...: user-facing, not a bug
            print(f"error: {one_line(e)}", file=sys.stderr)
            return EXIT_ERROR
        except MemoryError:
            print("error: out of memory (the input asks for more than this machine has)", file=sys.stderr)
            return EXIT_ERROR
        except CompilerCrash as e:  # the worker's signal: the saved IR is the report, no traceback to log
            print(f"internal error: {one_line(e)}; please report at {REPORT_AT.split(' (')[0]} (attach the IR file)",
                  file=sys.stderr)
            return EXIT_INTERNAL
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as e:  # noqa: BLE001 - the last line of defence: a bug, reported as one
            log = write_crash_log(e, argv)
            where = f"details in {log}" if log else "no log could be written"
            print(f"internal error: {type(e).__name__}: {one_line(e)[:300]}; {where}; please report at {REPORT_AT}",
                  file=sys.stderr)
            return EXIT_INTERNAL


def _log_dirs() -> list[Path]:
    from tessera.compiler import default_cache_dir

    return [default_cache_dir() / "logs", Path(tempfile.gettempdir())]


def write_crash_log(e: BaseException, argv: list[str] | None) -> Path | None:
    """Writes the traceback and context of an internal error; returns the file."""
    import tessera

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = (f"tessera {tessera.__version__} internal error at {stamp}\n"
            f"argv: {list(sys.argv[:1]) + list(argv if argv is not None else sys.argv[1:])}\n"
            f"python: {sys.version.split()[0]} ({sys.executable})\n\n"
            + "".join(traceback.format_exception(type(e), e, e.__traceback__)))
    for directory in _log_dirs():
        path = directory / f"tessera-internal-error-{stamp}-{os.getpid()}.log"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None
