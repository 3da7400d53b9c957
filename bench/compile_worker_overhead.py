#!/usr/bin/env python3
"""What running `tessera compile`'s stages in a worker process costs
(tessera._compile_worker, issue 9: a crash in the C++ pipeline must not end
the CLI; the budget is < 0.5 s per compile).

For each config and --emit stage: the median wall time of
``tessera.compiler.lower`` in process (plus printing the result, as the CLI
does) and of ``lower_in_worker`` (spawn, serialise, re-parse, lower, read
back), from the same Graph-IR. Writes JSON (default
bench/results/compile_worker_overhead.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = [("nemotron_h_tiny", ("tile", "llvm", "obj")), ("nvidia_nemotron_nano_9b_v2", ("tile", "llvm"))]


def main() -> None:
    from tessera._compile_worker import lower_in_worker
    from tessera.compiler import lower
    from tessera.config import builtin_config_path, load_config
    from tessera.graph_builder import build_graph

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "compile_worker_overhead.json"))
    args = parser.parse_args()
    rows = []
    for name, emits in CASES:
        config = load_config(builtin_config_path(name))
        for emit in emits:
            inproc, worker = [], []
            for _ in range(args.repeat):
                module = build_graph(config, weight_dtype="bf16")
                t = time.perf_counter()
                result = lower(module, "graph", emit)
                _ = result.module if emit == "obj" else str(result.module).encode()
                inproc.append(time.perf_counter() - t)
                module = build_graph(config, weight_dtype="bf16")
                t = time.perf_counter()
                lower_in_worker(module, "graph", emit)
                worker.append(time.perf_counter() - t)
            row = {"config": name, "emit": emit, "in_process_s": round(statistics.median(inproc), 3),
                   "worker_s": round(statistics.median(worker), 3)}
            row["overhead_s"] = round(row["worker_s"] - row["in_process_s"], 3)
            rows.append(row)
            print(row, flush=True)
    Path(args.out).write_text(json.dumps({
        "bench": "compile_worker_overhead", "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "repeat": args.repeat, "note": "medians; the machine was shared (load ~1.5)",
        "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
