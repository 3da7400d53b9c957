#!/usr/bin/env python3
"""Compile time of ROCm bundles (gfx942 and gfx90a code objects), from the
config alone: ``tessera compile configs/<name>.yaml --target rocm --chip C
--weight-dtype bf16 -o <tmp>/`` once per (config, chip) in a fresh process.
Records wall time, the child's CPU time, peak RSS, the code object's size and
kernel count, and the load average; writes JSON
(bench/results/rocm_compile.json by default). No AMD GPU is needed (none was
available: these bundles are compiled and checked, never run). Timing lives
here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ["nemotron_h_tiny", "nemotron_nano_12b_v2_base"]
CHIPS = ["gfx942", "gfx90a"]


def time_compile(name: str, chip: str, workdir: Path) -> dict:
    out = workdir / f"{name}-{chip}"
    start = time.perf_counter()
    proc = subprocess.Popen(["tessera", "compile", str(ROOT / "configs" / f"{name}.yaml"), "--target", "rocm",
                             "--chip", chip, "--weight-dtype", "bf16", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    result = {"config": name, "chip": chip, "returncode": os.waitstatus_to_exitcode(status),
              "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
              "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    if result["returncode"] == 0:
        plan = json.loads((out / "plan.json").read_text())
        result["hsaco_bytes"] = (out / "kernels.hsaco").stat().st_size
        result["kernels"] = len(plan["kernels"])
    else:
        result["error"] = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", default=str(ROOT / "bench" / "results" / "rocm_compile.json"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for name in CONFIGS:
            for chip in CHIPS:
                r = time_compile(name, chip, Path(tmp))
                print(json.dumps(r))
                results.append(r)
    doc = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                       "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
           "note": "compiled and checked, never run: no AMD GPU was available",
           "results": results}
    Path(args.output).write_text(json.dumps(doc, indent=1) + "\n")
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
