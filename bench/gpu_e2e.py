#!/usr/bin/env python3
"""Tessera on an NVIDIA GPU vs Hugging Face torch eager, same machine, same run.

    PYTHONPATH=python python3 bench/gpu_e2e.py --bundle BUNDLE [--prefill 2048] [--decode-steps 64]
                                              [--batches 1,16] [--decode-prompt 512] [--out FILE]

BUNDLE comes from `tessera compile ART --target cuda --emit bundle` on the
compile machine; its plan.json carries the config and the weight dtype. Here
random HF weights of that config are written, converted to an artifact,
uploaded once, and both runtimes are timed on the same weights:

* prefill: ms for one [1, --prefill] prompt (Tessera's time includes copying
  the [1, S, V] float32 logits to the host; HF's logits stay on the GPU);
* decode: ms per token at each batch size, greedy steps after a
  --decode-prompt-token prompt (HF with its cache, Tessera with its states on
  the device; Tessera copies each step's [B, V] logits to the host).

Medians of --repeats runs after a warm-up. Also records max|a-b|/max|b| of
the prefill logits so the timings compare the same computation. Writes JSON
(default bench/results/gpu_e2e.json). Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from tessera.checkpoint import convert_checkpoint  # noqa: E402
from tessera.config import load_config  # noqa: E402
from tessera.cuda import load_bundle  # noqa: E402
from tessera.cuda.plan import Plan  # noqa: E402
from tessera.testing import write_hf_checkpoint  # noqa: E402


def median_ms(fn, repeats: int, setup=None) -> float:
    prepare = setup or (lambda: None)
    fn(prepare())  # warm-up (and, for Tessera, the launch list + graph capture)
    times = []
    for _ in range(repeats):
        arg = prepare()
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def load_hf(ckpt: Path, dtype: str, device: str):
    import torch
    from transformers import NemotronHForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    config = load_config(ckpt / "config.json")
    model = NemotronHForCausalLM.from_pretrained(
        str(ckpt), dtype=torch.bfloat16 if dtype == "bf16" else torch.float32,
        time_step_min=config.time_step_limit[0])
    return model.to(device).eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--prefill", type=int, default=2048)
    ap.add_argument("--decode-steps", type=int, default=64)
    ap.add_argument("--decode-prompt", type=int, default=512)
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hf-device", default=None, help="default: cuda when torch sees a GPU, else cpu")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu_e2e.json"))
    args = ap.parse_args()

    import torch

    hf_device = args.hf_device or ("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if hf_device == "cuda" else (lambda: None)
    plan = Plan.load(args.bundle)
    config = load_config(plan.config)
    work = Path(tempfile.mkdtemp(prefix="tessera-gpu-bench-"))
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype=plan.weight_dtype, seed=0)
    art = convert_checkpoint(ckpt, work / "art", progress=False)

    t = time.perf_counter()
    model = load_bundle(plan).load(art)
    load_s = time.perf_counter() - t
    hf = load_hf(ckpt, plan.weight_dtype, hf_device)
    rng = np.random.default_rng(1)
    ids = rng.integers(0, config.vocab_size, (1, args.prefill)).astype(np.int64)
    tids = torch.as_tensor(ids, device=hf_device)

    ours, _ = model.prefill(ids)
    with torch.no_grad():
        ref = hf(input_ids=tids, use_cache=False).logits.double().cpu().numpy()
    rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
    del ref

    def hf_prefill(_):
        with torch.no_grad():
            hf(input_ids=tids, use_cache=False)
        sync()

    result = {
        "machine": {"gpu": model.device.name if hasattr(model.device, "name") else str(model.device),
                    "driver_backend": getattr(model.device, "backend", "?"), "platform": platform.platform(),
                    "torch": torch.__version__, "hf_device": hf_device},
        "bundle": str(args.bundle), "weight_dtype": plan.weight_dtype,
        "config": {k: getattr(config, k) for k in ("hidden_size", "num_hidden_layers", "hybrid_override_pattern",
                                                   "chunk_size", "ssm_state_size", "vocab_size")},
        "load_seconds": load_s, "prefill_tokens": args.prefill, "prefill_logits_rel_err": rel,
        "prefill_ms": {"tessera": median_ms(lambda _: model.prefill(ids), args.repeats),
                       "hf_torch": median_ms(hf_prefill, args.repeats)},
        "decode_prompt_tokens": args.decode_prompt, "decode_steps": args.decode_steps,
        "decode_ms_per_token": {},
    }

    for batch in (int(b) for b in args.batches.split(",")):
        prompt = rng.integers(0, config.vocab_size, (batch, args.decode_prompt)).astype(np.int64)
        _, state0 = model.prefill(prompt)

        def tessera_decode(_):
            st, tok = state0, np.zeros(batch, np.int64)
            for _ in range(args.decode_steps):
                logits, st = model.decode(tok, st)
                tok = np.argmax(logits, axis=-1)

        # States updated in place (fixed-capacity caches) cannot be replayed from state0:
        # re-run the prompt before each timed run then (untimed).
        in_place = any(a.in_place for a in model._abi.values())

        def tessera_setup():
            nonlocal state0
            if in_place:
                _, state0 = model.prefill(prompt)

        tp = torch.as_tensor(prompt, device=hf_device)
        with torch.no_grad():
            cache = hf(input_ids=tp, use_cache=True).past_key_values

        def fresh_cache():
            import copy
            return copy.deepcopy(cache)  # decode mutates HF's cache in place

        def hf_decode(c):
            tok = torch.zeros((batch, 1), dtype=torch.long, device=hf_device)
            pos = args.decode_prompt
            with torch.no_grad():
                for _ in range(args.decode_steps):
                    o = hf(input_ids=tok, past_key_values=c, use_cache=True,
                           cache_position=torch.tensor([pos], device=hf_device))
                    c = o.past_key_values
                    tok = o.logits[:, -1:].argmax(-1)
                    pos += 1
            sync()

        ours_ms = median_ms(tessera_decode, args.repeats, setup=tessera_setup) / args.decode_steps
        hf_ms = median_ms(hf_decode, args.repeats, setup=fresh_cache) / args.decode_steps
        result["decode_ms_per_token"][f"batch_{batch}"] = {"tessera": ours_ms, "hf_torch": hf_ms}
    result["decode_stats"] = model.stats.get("decode", {})

    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
