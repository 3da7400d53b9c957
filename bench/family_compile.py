#!/usr/bin/env python3
"""Compile time of every Nemotron-H family config, from the config alone.

Runs ``tessera compile configs/<name>.yaml --emit obj -o <tmp>.o`` once per
config (the real models' shapes; no weights are needed to compile) in a fresh
process and records wall time, the child's CPU time (user + sys, less
sensitive than wall time to other load on the machine), peak RSS, object size
and the load average. Writes JSON (bench/results/family_compile.json by
default). ``--codegen-threads N`` sets TESSERA_CODEGEN_THREADS for the
compiles (default: unset, one LLVM code generation thread per core; see
bench/codegen_parallel.py for serial versus parallel). Timing lives here, never in tests; the tests only build and verify
each config's Graph-IR and lower it to Tile-IR (test/python/test_family.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The family (Nemotron-3-Nano-30B-A3B with its MoE layers included).
CONFIGS = ["nemotron_h_4b_base_8k", "nvidia_nemotron_nano_9b_v2", "nemotron_h_8b_base_8k",
           "nemotron_nano_12b_v2_base", "nemotron_h_47b_base_8k", "nemotron_h_56b_base_8k",
           "nemotron_3_nano_30b_a3b"]


def time_compile(name: str, workdir: Path, codegen_threads: int | None = None) -> dict:
    out = workdir / f"{name}.o"
    env = dict(os.environ)
    env.pop("TESSERA_CODEGEN_THREADS", None)
    if codegen_threads:
        env["TESSERA_CODEGEN_THREADS"] = str(codegen_threads)
    start = time.perf_counter()
    proc = subprocess.Popen(["tessera", "compile", str(ROOT / "configs" / f"{name}.yaml"), "--emit", "obj",
                             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
    wall = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    result = {
        "config": f"configs/{name}.yaml",
        "returncode": returncode,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "max_rss_mib": round(usage.ru_maxrss / 1024),
        "object_bytes": out.stat().st_size if out.exists() else None,
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
    }
    if returncode:
        result["error"] = stderr.strip().splitlines()[-1:]
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", nargs="*", default=CONFIGS, help="config names (default: the whole family)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "family_compile.json"))
    ap.add_argument("--codegen-threads", type=int, default=None,
                    help="TESSERA_CODEGEN_THREADS for the compiles (default: unset, the cores available)")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs:
            r = time_compile(name, Path(tmp), args.codegen_threads)
            print(json.dumps(r), flush=True)
            results.append(r)
    report = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]},
        "command": "tessera compile configs/<name>.yaml --emit obj -o <name>.o",
        "codegen_threads": args.codegen_threads or f"auto ({len(os.sched_getaffinity(0))} cores available)",
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
