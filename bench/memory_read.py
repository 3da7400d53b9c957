#!/usr/bin/env python3
"""The memory-read ceiling of decode on this machine, beside nothing else.

A decode step reads every weight once (bench/cpu_e2e.py: 280 MB for the
bench config), so tokens/s can not exceed (read bandwidth) / (weight bytes).
This builds bench/src/memory_read.c with `cc -O2 -march=native -fopenmp`
(and with `-march=x86-64-v3` for the AVX2 view) and reads 280 MiB with the
given threads: 4 KiB vs transparent huge pages (numpy's large arrays, hence
Tessera's packed weights, get huge pages), with and without a software
prefetch 8 KiB ahead (what Tessera's decode matmul issues). Writes JSON
(bench/results/memory_read.json). With cpu_e2e's HF decode GB/s this bounds
any decode ratio: best GB/s here / HF's GB/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--mib", type=int, default=280)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "memory_read.json"))
    args = ap.parse_args()
    cc = shutil.which("cc")
    if cc is None:
        sys.exit("error: memory_read needs a C compiler (cc)")
    out = {"threads": args.threads, "loadavg_1m": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        for name, march in (("native", "native"), ("avx2", "x86-64-v3")):
            exe = Path(tmp) / name
            subprocess.run([cc, "-O2", f"-march={march}", "-fopenmp", str(ROOT / "bench/src/memory_read.c"),
                            "-o", str(exe)], check=True)
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            done = subprocess.run([str(exe), str(args.mib), str(args.repeats)], env=env, capture_output=True,
                                  text=True, check=True)
            out[name] = json.loads(done.stdout)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
