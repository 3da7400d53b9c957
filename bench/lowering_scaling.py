#!/usr/bin/env python3
"""Time and peak memory of the Graph->LLVM pipeline against the number of ops.

Lowers a function that is a chain of N `graph.residual_add` ops with
``tessera-opt --tessera-attach-target=kind=x86 --tessera-lower-to-llvm`` in a
fresh process for each N and records wall time, the child's CPU time (user +
sys), its peak RSS and the size of the output. Issue 9: this grew
quadratically (4000 ops: 3.5 GB); it must grow linearly. Writes JSON
(bench/results/lowering_scaling.json by default). The test
(test/python/test_lowering_scaling.py) checks the structure, not the time.

The second series lowers chains that return every result, i.e. a function
with n memref results: there upstream MLIR's dialect conversion
(convert-func-to-llvm: replaceUsesWithIf -> Operation::isBeforeInBlock ->
Block::recomputeOpOrder on the entry block) is quadratic in the number of
function arguments; recorded here to show it, not fixed by Tessera.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


T = "tensor<?x?x64xf32>"


def residual_chain(n: int, all_results: bool = False) -> str:
    """`%r{i} = graph.residual_add %r{i-1}, %y`, returning the last result (or,
    with all_results, every one: a function with n results)."""
    results = ", ".join([T] * n) if all_results else T
    lines = [f"func.func @chain(%x: {T}, %y: {T}) -> ({results}) {{"]
    prev = "%x"
    for i in range(n):
        lines.append(f"  %r{i} = graph.residual_add {prev}, %y : {T}")
        prev = f"%r{i}"
    returned = ", ".join(f"%r{i}" for i in range(n)) if all_results else prev
    lines += [f"  return {returned} : {results}", "}"]
    return "\n".join(lines) + "\n"


def measure(n: int, workdir: Path, tool: str, all_results: bool = False) -> dict:
    src = workdir / f"chain{n}.mlir"
    out = workdir / f"chain{n}.llvm.mlir"
    src.write_text(residual_chain(n, all_results))
    start = time.perf_counter()
    proc = subprocess.Popen([tool, str(src), "--tessera-attach-target=kind=x86 features=+avx2,+fma",
                             "--tessera-lower-to-llvm", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    result = {"ops": n, "all_results": all_results, "returncode": rc, "wall_s": round(wall, 3),
              "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
              "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
              "output_bytes": out.stat().st_size if out.exists() else 0}
    if rc != 0:
        result["stderr"] = stderr[-2000:]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    ap.add_argument("--tessera-opt", default=shutil.which("tessera-opt") or "tessera-opt")
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "results" / "lowering_scaling.json"))
    ap.add_argument("--label", default="", help="recorded with the results (e.g. 'before fix')")
    ap.add_argument("--all-results-ops", type=int, nargs="*", default=[250, 500, 1000],
                    help="also lower chains that return every result (n function results)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tessera-scaling-") as d:
        rows = []
        for n in args.ops:
            rows.append(measure(n, Path(d), args.tessera_opt))
            print(json.dumps(rows[-1]), flush=True)
        for n in args.all_results_ops:
            rows.append(measure(n, Path(d), args.tessera_opt, all_results=True))
            print(json.dumps(rows[-1]), flush=True)
    report = {"benchmark": "residual_add chain, tessera-opt --tessera-lower-to-llvm (x86)",
              "label": args.label, "machine": platform.machine(), "cpus": os.cpu_count(),
              "loadavg_1m": round(os.getloadavg()[0], 2),
              "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "results": rows}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
