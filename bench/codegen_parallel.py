#!/usr/bin/env python3
"""x86 compile time: where it goes, and LLVM optimisation + code generation
on one thread versus several (lib/Target/LLVMCPU emitObject).

Two measurements per config, serial and parallel side by side in the same
run (alternating, so that other load on the machine hits both alike):

* ``stages``: in process, the time of each step of ``tessera.compile``'s
  x86 path -- building the Graph-IR, each MLIR pipeline (graph->tile,
  tile->target, target->llvm) and emit_object's phases (translation to LLVM
  IR, split, O3, code generation, ld.lld -r), with emit_object's own timers
  (``timings=``); ``optimize_codegen_cpu_s`` is the CPU time of O3 + code
  generation summed over threads (the work, which load does not inflate).
* ``cli``: ``tessera compile CONFIG --emit obj -o m.o`` in a fresh process
  with TESSERA_CODEGEN_THREADS=1 and unset (the cores available): wall time,
  the child's CPU time and peak RSS (getrusage of the child).

Records the load average around each measurement and the cores this process
may use. Writes JSON (bench/results/codegen_parallel.json by default).
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
CONFIGS = ["nemotron_h_tiny", "nemotron_nano_12b_v2_base"]


def load():
    return [round(x, 2) for x in os.getloadavg()]


def stages(name: str, threads: list[int], repeats: int) -> dict:
    from tessera import compiler
    from tessera.graph_builder import build_graph
    from tessera.runtime import _resolve

    config, _, _ = _resolve(str(ROOT / "configs" / f"{name}.yaml"))
    out = {"load_before": load()}
    t = time.perf_counter()
    module = build_graph(config)
    out["build_graph_s"] = round(time.perf_counter() - t, 3)
    compiler.attach_target(module, "x86", None, None)
    stage = "graph"
    while stage != "llvm":
        pipeline = compiler.pipeline_for(stage)
        t = time.perf_counter()
        module.run_pipeline(pipeline)
        out[f"{pipeline}_s"] = round(time.perf_counter() - t, 3)
        stage = compiler.next_stage(stage)
    t = time.perf_counter()
    text = str(module)
    out["print_llvm_dialect_s"] = round(time.perf_counter() - t, 3)
    out["llvm_dialect_bytes"] = len(text)
    runs = []
    for _ in range(repeats):
        for n in threads:
            timings = {}
            t = time.perf_counter()
            obj = module.emit_object(opt_level=3, threads=n, timings=timings)
            timings = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in timings.items()}
            runs.append({"threads": n, "emit_object_wall_s": round(time.perf_counter() - t, 3),
                         "object_bytes": len(obj), **timings, "load_after": load()})
            print(name, json.dumps(runs[-1]), flush=True)
    out["emit_object"] = runs
    return out


def cli(name: str, threads: list[int], repeats: int, workdir: Path) -> list[dict]:
    runs = []
    for _ in range(repeats):
        for n in threads:
            env = dict(os.environ)
            env.pop("TESSERA_CODEGEN_THREADS", None)
            if n:
                env["TESSERA_CODEGEN_THREADS"] = str(n)
            out = workdir / f"{name}.{n}.o"
            before = load()
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "tessera", "compile",
                                     str(ROOT / "configs" / f"{name}.yaml"), "--emit", "obj", "-o", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            stderr = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            r = {"threads": n or "auto", "returncode": os.waitstatus_to_exitcode(status),
                 "wall_s": round(time.perf_counter() - start, 2),
                 "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                 # the largest of the CLI and its compile worker (ru_maxrss of the children)
                 "max_rss_mib": round(usage.ru_maxrss / 1024),
                 "object_bytes": out.stat().st_size if out.exists() else None,
                 "load_before": before, "load_after": load()}
            if r["returncode"]:
                r["error"] = stderr.decode(errors="replace").strip().splitlines()[-1:]
            runs.append(r)
            print(name, "cli", json.dumps(r), flush=True)
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", nargs="*", default=CONFIGS)
    ap.add_argument("--threads", type=int, nargs="*", default=None,
                    help="thread counts to compare (default: 1 and the cores available)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "codegen_parallel.json"))
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    threads = args.threads or [1, cores]
    report = {"machine": {"cpu_count": os.cpu_count(), "cores_available": cores,
                          "platform": platform.platform(), "python": sys.version.split()[0]},
              "threads": threads, "repeats": args.repeats, "results": {}}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs:
            r = {"stages": stages(name, threads, args.repeats),
                 "cli": cli(name, [0 if n == cores else n for n in threads], args.repeats, Path(tmp))}
            ok &= all(c["returncode"] == 0 for c in r["cli"])
            report["results"][name] = r
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
