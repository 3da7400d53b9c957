#!/usr/bin/env python3
"""Tessera on an NVIDIA GPU vs Hugging Face torch eager, same machine, same run.

    PYTHONPATH=python python3 bench/gpu_e2e.py --bundle BUNDLE [--prefill 2048] [--decode-steps 64]
                                              [--batches 1,16] [--decode-prompt 512] [--out FILE]
                                              [--weights checkpoint|hf-random]

BUNDLE comes from `tessera compile ART --target cuda --emit bundle` on the
compile machine; its plan.json carries the config and the weight dtype. Here
random HF weights of that config are written, converted to an artifact,
uploaded once, and both runtimes are timed on the same weights. With
``--weights hf-random`` (for the 12B, whose weights are too large to write
and convert inside a lease) HF's own random initialisation is built on the
GPU and its tensors are handed to Tessera in memory (``load_weights``); the
accuracy oracle is then the same HF model upcast to float32, checked on the
prefill and on every greedy decode step (teacher-forced on Tessera's tokens).

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


def random_hf_on_device(config, weight_dtype: str, device: str):
    """HF NemotronHForCausalLM with HF's own random initialisation, built on
    ``device`` in the bundle's weight dtype (no checkpoint on disk)."""
    import torch
    from transformers import NemotronHConfig as HFConfig
    from transformers import NemotronHForCausalLM

    hf_config = HFConfig(**config.to_hf_dict())
    torch.manual_seed(0)
    with torch.device(device):
        model = NemotronHForCausalLM(hf_config)
    # As tessera.testing.load_hf_model: HF clamps dt to (time_step_min, inf);
    # Tessera (like mamba_ssm) to time_step_limit. Set after the init, which
    # needs time_step_min > 0 for its dt_bias draw.
    for module in model.modules():
        if hasattr(module, "time_step_limit"):
            module.time_step_limit = (config.time_step_limit[0], float("inf"))
    return model.to(torch.bfloat16 if weight_dtype == "bf16" else torch.float32).eval()


def tessera_weights_of(hf, config) -> dict:
    """The HF model's tensors under Tessera's names, as numpy (bf16 as uint16 bits)."""
    import torch

    from tessera.testing import tessera_weights_from_hf

    named = {}
    for name, tensor in hf.state_dict().items():
        key = "backbone." + name[len("model."):] if name.startswith("model.") else name
        t = tensor.detach()
        named[key] = (t.view(torch.int16).cpu().numpy().view(np.uint16) if t.dtype == torch.bfloat16
                      else t.float().cpu().numpy())
    return tessera_weights_from_hf(config, named)


def check_accuracy(model, hf, ids: np.ndarray, steps: int, device: str) -> dict:
    """max|a-b|/max|b| of Tessera's prefill logits and of each of ``steps``
    greedy decode steps against HF in float32 on the same weights (one
    uncached forward over prompt + Tessera's tokens)."""
    import torch

    logits, state = model.prefill(ids, all_logits=True)
    tokens, steps_logits = [], []
    last = logits[:, -1]
    for _ in range(steps):
        token = np.argmax(last, axis=-1).astype(np.int64)
        tokens.append(token)
        last, state = model.decode(token, state)
        steps_logits.append(last)
    full = np.concatenate([ids] + [t[:, None] for t in tokens], axis=1)
    dtype = next(hf.parameters()).dtype
    hf.float()
    with torch.no_grad():
        ref = hf(input_ids=torch.as_tensor(full, device=device), use_cache=False).logits.float()
    hf.to(dtype)
    s = ids.shape[1]

    def rel(a, b):
        b = b.double().cpu().numpy()
        return float(np.abs(a - b).max() / np.abs(b).max())

    prefill = rel(logits, ref[:, :s])
    decode = [rel(step, ref[:, s + i]) for i, step in enumerate(steps_logits)]
    del ref
    return {"prefill": prefill, "decode_worst": max(decode) if decode else None, "decode_steps": len(decode),
            "greedy_tokens_first_8": [int(t[0]) for t in tokens[:8]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--prefill", type=int, default=2048)
    ap.add_argument("--decode-steps", type=int, default=64)
    ap.add_argument("--decode-prompt", type=int, default=512)
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hf-device", default=None, help="default: cuda when torch sees a GPU, else cpu")
    ap.add_argument("--weights", choices=("checkpoint", "hf-random"), default="checkpoint")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu_e2e.json"))
    args = ap.parse_args()

    import torch

    hf_device = args.hf_device or ("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if hf_device == "cuda" else (lambda: None)
    plan = Plan.load(args.bundle)
    config = load_config(plan.config)
    rng = np.random.default_rng(1)
    ids = rng.integers(0, config.vocab_size, (1, args.prefill)).astype(np.int64)
    tids = torch.as_tensor(ids, device=hf_device)
    # K/V caches are allocated once at this capacity (max_position_embeddings,
    # 131072 for the 12B, would take ~100 GB of fp32 caches at batch 16).
    capacity = max(args.prefill, args.decode_prompt) + args.decode_steps + 1
    t = time.perf_counter()
    if args.weights == "hf-random":
        hf = random_hf_on_device(config, plan.weight_dtype, hf_device)
        model = load_bundle(plan, max_seq_len=capacity).load_weights(tessera_weights_of(hf, config),
                                                                     source="HF random init")
    else:
        work = Path(tempfile.mkdtemp(prefix="tessera-gpu-bench-"))
        ckpt = write_hf_checkpoint(config, work / "ckpt", dtype=plan.weight_dtype, seed=0)
        art = convert_checkpoint(ckpt, work / "art", progress=False)
        model = load_bundle(plan, max_seq_len=capacity).load(art)
        hf = load_hf(ckpt, plan.weight_dtype, hf_device)
    load_s = time.perf_counter() - t
    print(f"weights on the device after {load_s:.1f} s", flush=True)

    accuracy = check_accuracy(model, hf, ids, args.decode_steps, hf_device)
    print(json.dumps({"accuracy": accuracy}), flush=True)
    if hf_device == "cuda":  # torch's cache would keep the float32 copy's memory from us
        torch.cuda.empty_cache()
    rel = accuracy["prefill"]

    def hf_prefill(_):
        with torch.no_grad():
            hf(input_ids=tids, use_cache=False, logits_to_keep=1)  # as Tessera: the last position's logits
        sync()

    result = {
        "machine": {"gpu": model.device.name if hasattr(model.device, "name") else str(model.device),
                    "driver_backend": getattr(model.device, "backend", "?"), "platform": platform.platform(),
                    "torch": torch.__version__, "hf_device": hf_device},
        "bundle": str(args.bundle), "weight_dtype": plan.weight_dtype,
        "config": {k: getattr(config, k) for k in ("hidden_size", "num_hidden_layers", "hybrid_override_pattern",
                                                   "chunk_size", "ssm_state_size", "vocab_size")},
        "weights": args.weights, "load_seconds": load_s, "prefill_tokens": args.prefill,
        "prefill_logits_rel_err": rel, "accuracy_vs_hf_fp32": accuracy,
        "prefill_ms": {"tessera": median_ms(lambda _: model.prefill(ids), args.repeats),
                       "hf_torch": median_ms(hf_prefill, args.repeats)},
        "decode_prompt_tokens": args.decode_prompt, "decode_steps": args.decode_steps,
        "decode_ms_per_token": {},
    }
    print(json.dumps({"prefill_ms": result["prefill_ms"]}), flush=True)

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

        if hf_device == "cuda":
            torch.cuda.empty_cache()
        ours_ms = median_ms(tessera_decode, args.repeats, setup=tessera_setup) / args.decode_steps
        hf_ms = median_ms(hf_decode, args.repeats, setup=fresh_cache) / args.decode_steps
        result["decode_ms_per_token"][f"batch_{batch}"] = {"tessera": ours_ms, "hf_torch": hf_ms}
        print(json.dumps({f"decode batch {batch} ms/token": result["decode_ms_per_token"][f"batch_{batch}"]}),
              flush=True)
    result["decode_stats"] = model.stats.get("decode", {})

    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
