#!/usr/bin/env python3
"""Tessera x86 decode speed at a short and a long context, same model, same run.

The K/V caches are allocated once with a capacity and a decode step appends
in place at a position the compiled code reads at run time, so a step should
cost the same at any context apart from attention's reads of the cache. This
measures it on the bench config of bench/cpu_e2e.py (hidden 1024, 8 layers
"M-M*M-M-", max_position_embeddings 8192): for each context length C
(default 64 and 4096), prefill a random [1, C] prompt, then time
--decode-steps greedy steps (median of --repeats runs, each from a copy of
the prefilled state; the contexts' runs interleaved). Writes bench/results/decode_context.json with the
tokens/s per context and the ratio long / short (the issue asks >= 0.8).
Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "python"))

import tessera  # noqa: E402
from cpu_e2e import MID  # noqa: E402
from tessera.checkpoint import convert_checkpoint  # noqa: E402
from tessera.config import builtin_config_path, load_config  # noqa: E402
from tessera.testing import write_hf_checkpoint  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contexts", type=int, nargs="+", default=[64, 4096])
    ap.add_argument("--decode-steps", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "decode_context.json"))
    args = ap.parse_args()

    config = load_config(builtin_config_path("nemotron_h_tiny")).replace(**MID)
    work = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype="fp32", seed=0)
    art = convert_checkpoint(ckpt, work / "art")
    model = tessera.compile(art, target="x86", cache_dir=work / "cache")
    rng = np.random.default_rng(1)

    prefilled, first = {}, {}
    for ctx in args.contexts:
        ids = rng.integers(0, config.vocab_size, (1, ctx)).astype(np.int64)
        logits, prefilled[ctx] = model.prefill(ids)
        first[ctx] = np.argmax(logits[:, -1], axis=-1)

    def run(ctx):
        state, tok = prefilled[ctx].copy(), first[ctx]  # each run starts at context ctx
        t = time.perf_counter()
        for _ in range(args.decode_steps):
            step, state = model.decode(tok, state)
            tok = np.argmax(step, axis=-1)
        return time.perf_counter() - t

    # Interleaved (short, long, short, long, ...) so that load from other
    # processes on the machine affects both alike.
    times = {ctx: [] for ctx in args.contexts}
    for ctx in args.contexts:
        run(ctx)  # warm-up
    for _ in range(args.repeats):
        for ctx in args.contexts:
            times[ctx].append(run(ctx))
    rows = {str(ctx): args.decode_steps / statistics.median(times[ctx]) for ctx in args.contexts}
    for ctx in args.contexts:
        print(f"context {ctx}: {rows[str(ctx)]:.2f} decode tokens/s", flush=True)

    short, long = str(min(args.contexts)), str(max(args.contexts))
    result = {
        "machine": {"cpu": tessera._tessera.host_cpu(), "cores": os.cpu_count(),
                    "platform": platform.platform()},
        "config": {k: MID[k] for k in ("hidden_size", "num_hidden_layers", "hybrid_override_pattern",
                                       "num_key_value_heads", "head_dim", "max_position_embeddings")},
        "kv_capacity": model.max_seq_len,
        "decode_steps": args.decode_steps, "repeats": args.repeats,
        "decode_tokens_per_s": rows,
        "ratio_long_over_short": rows[long] / rows[short],
    }
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
