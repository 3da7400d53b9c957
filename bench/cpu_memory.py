#!/usr/bin/env python3
"""Repeated x86 prefills: page faults, time and RSS per call, with the
runtime's caching allocator against plain malloc/free (issue 11, item 4).

Compiled code's buffers come from Tessera's runtime allocator (lib/Runtime):
a caching arena whose pages stay mapped between calls. The baseline is the
same compiled object with ``TESSERA_RT_ALLOCATOR=malloc`` (every buffer a
posix_memalign/free, as the code did before the runtime allocator: glibc
serves large buffers with fresh mmaps, faulted in again on every call).

For ``bench/cpu_e2e.py``'s model (hidden 1024, 8 layers, chunk 128), each
mode runs in its own child process: one warm-up prefill of --prompt tokens,
(its faults and time recorded: it also touches the weights for the first
time), then --calls timed prefills, recording per call the minor page faults
(getrusage ru_minflt), system and user CPU time, wall time and VmRSS after
the call; and the peak RSS (VmHWM) of the whole child, warm-up included.
The arena also runs without huge pages (mode arena_4k_pages,
TESSERA_RT_HUGEPAGES=0). Modes alternate over --rounds rounds (back to
back, same load); the load
average is recorded. With --hf, Hugging Face's peak RSS for the same prompt
(bench/cpu_e2e.py's measurement) is added for reference.

Writes bench/results/cpu_memory.json. Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "python"))
sys.path.insert(0, str(ROOT))

#: Mode -> environment of its child.
MODES = {"malloc": {"TESSERA_RT_ALLOCATOR": "malloc"},
         "arena": {"TESSERA_RT_ALLOCATOR": "arena"},
         "arena_4k_pages": {"TESSERA_RT_ALLOCATOR": "arena", "TESSERA_RT_HUGEPAGES": "0"}}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def child(work: Path, prompt: int, calls: int, threads: int) -> None:
    """One mode (from TESSERA_RT_ALLOCATOR): prints a JSON line."""
    # No torch in this process (cpu_e2e.py imports it): RSS is Tessera's.
    import tessera
    from tessera.checkpoint.artifact import Artifact
    from tessera.runtime.cpu import memory_stats

    vocab = Artifact.open(work / "art").config.vocab_size
    ids = np.random.default_rng(1).integers(0, vocab, (1, prompt)).astype(np.int64)
    model = tessera.compile(work / "art", target="x86", cache_dir=work / "cache", num_threads=threads)
    rss_loaded = _status_kib("VmRSS")
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    first, _ = model.prefill(ids)  # warm-up: first touch of the weights and buffers
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    warmup = {"wall_s": t1 - t0, "minflt": r1.ru_minflt - r0.ru_minflt, "sys_s": r1.ru_stime - r0.ru_stime}
    rss_warm = _status_kib("VmRSS")
    per_call = []
    for _ in range(calls):
        time.sleep(0.3)  # let libomp's workers go idle
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        logits, _ = model.prefill(ids)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        assert np.array_equal(logits, first)
        per_call.append({"wall_s": t1 - t0, "minflt": r1.ru_minflt - r0.ru_minflt,
                         "majflt": r1.ru_majflt - r0.ru_majflt, "sys_s": r1.ru_stime - r0.ru_stime,
                         "user_s": r1.ru_utime - r0.ru_utime, "rss_after_mib": _status_kib("VmRSS") / 1024})
    print(json.dumps({"warmup_call": warmup, "per_call": per_call, "rss_loaded_mib": rss_loaded / 1024, "rss_after_warmup_mib": rss_warm / 1024,
                      "peak_rss_mib": _status_kib("VmHWM") / 1024, "allocator": memory_stats()}))


def run_child(mode: str, work: Path, prompt: int, calls: int, threads: int) -> dict:
    env = dict(os.environ, **MODES[mode])
    done = subprocess.run([sys.executable, __file__, "--child", "--work", str(work), "--prompt", str(prompt),
                           "--calls", str(calls), "--threads", str(threads)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list[dict]) -> dict:
    calls = [c for r in runs for c in r["per_call"]]
    med = lambda key: statistics.median(c[key] for c in calls)  # noqa: E731
    rss_after = [c["rss_after_mib"] for r in runs for c in r["per_call"]]
    return {"warmup_call_minflt": [r["warmup_call"]["minflt"] for r in runs],
            "warmup_call_wall_s": [r["warmup_call"]["wall_s"] for r in runs],
            "calls": len(calls), "median_wall_s": med("wall_s"), "median_minflt": med("minflt"),
            "max_minflt": max(c["minflt"] for c in calls), "median_sys_s": med("sys_s"),
            "median_user_s": med("user_s"),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "rss_after_call_mib": {"first": runs[0]["per_call"][0]["rss_after_mib"],
                                   "min": min(rss_after), "max": max(rss_after),
                                   "growth_over_calls": [r["per_call"][-1]["rss_after_mib"]
                                                         - r["per_call"][0]["rss_after_mib"] for r in runs]},
            "allocator": runs[-1]["allocator"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompt", type=int, default=2048)
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--hf", action="store_true", help="also measure HF torch's peak RSS (cpu_e2e.py's child)")
    ap.add_argument("--out", default=str(ROOT / "results" / "cpu_memory.json"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(Path(args.work), args.prompt, args.calls, args.threads)

    import tessera
    from cpu_e2e import MID
    from tessera.checkpoint import convert_checkpoint
    from tessera.config import builtin_config_path, load_config
    from tessera.testing import write_hf_checkpoint

    config = load_config(builtin_config_path("nemotron_h_tiny")).replace(**MID)
    work = Path(tempfile.mkdtemp(prefix="tessera-bench-memory-"))
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype="fp32", seed=0)
    convert_checkpoint(ckpt, work / "art")
    tessera.compile(work / "art", target="x86", cache_dir=work / "cache")  # the children load it from the cache

    load_before = os.getloadavg()
    runs = {mode: [] for mode in MODES}
    for r in range(args.rounds):
        for mode in (MODES if r % 2 == 0 else reversed(list(MODES))):
            runs[mode].append(run_child(mode, work, args.prompt, args.calls, args.threads))
    load_after = os.getloadavg()
    result = {
        "machine": {"cpu": tessera._tessera.host_cpu(), "cores": os.cpu_count(), "platform": platform.platform(),
                    "threads": args.threads, "loadavg_1m_before_after": [load_before[0], load_after[0]],
                    "loadavg_5m_before_after": [load_before[1], load_after[1]]},
        "config": {k: MID[k] for k in ("hidden_size", "num_hidden_layers", "hybrid_override_pattern",
                                       "chunk_size", "ssm_state_size", "vocab_size")},
        "prompt_tokens": args.prompt, "calls_per_round": args.calls, "rounds": args.rounds,
        "modes": {"malloc": "TESSERA_RT_ALLOCATOR=malloc: posix_memalign/free per buffer (the old behaviour)",
                  "arena": "the runtime's caching arena (default: MADV_HUGEPAGE)",
                  "arena_4k_pages": "the arena without MADV_HUGEPAGE (TESSERA_RT_HUGEPAGES=0)"},
        "summary": {mode: summary(rs) for mode, rs in runs.items()},
        "runs": runs,
    }
    s = result["summary"]
    result["ratios_over_malloc"] = {mode: {
        "median_wall_s": s[mode]["median_wall_s"] / s["malloc"]["median_wall_s"],
        "median_minflt": s[mode]["median_minflt"] / max(1, s["malloc"]["median_minflt"]),
        "median_sys_s": s[mode]["median_sys_s"] / max(1e-9, s["malloc"]["median_sys_s"]),
        "peak_rss_mib": s[mode]["peak_rss_mib"] / s["malloc"]["peak_rss_mib"],
    } for mode in MODES if mode != "malloc"}
    if args.hf:
        done = subprocess.run([sys.executable, str(ROOT / "cpu_e2e.py"), "--rss-child", "hf_torch", "--work",
                               str(work), "--prompt", str(args.prompt), "--threads", str(args.threads)],
                              capture_output=True, text=True, check=True)
        result["hf_torch_peak_rss_mib"] = json.loads(done.stdout.strip().splitlines()[-1])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
