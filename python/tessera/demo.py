"""The README's main job: the embedded tiny model, end to end on x86.

    random HF checkpoint of configs/nemotron_h_tiny.yaml (no hub access here)
      -> tessera convert -> tessera.compile(target="x86") -> prefill + greedy
      generation, checked against the numpy reference model, with timings.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def run_demo(config_name: str = "nemotron_h_tiny", prompt_len: int = 37, batch: int = 2,
             new_tokens: int = 8, seed: int = 0, workdir: str | None = None) -> dict:
    import tessera
    from tessera.checkpoint import Artifact, convert_checkpoint
    from tessera.config import builtin_config_path, load_config
    from tessera.reference import ReferenceModel
    from tessera.testing import write_hf_checkpoint

    config = load_config(builtin_config_path(config_name))
    work = Path(workdir or tempfile.mkdtemp(prefix="tessera-demo-"))
    timings = {}

    def step(name, fn):
        t = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - t
        return out

    ckpt = step("checkpoint", lambda: write_hf_checkpoint(config, work / "hf", dtype="fp32", seed=seed))
    art = step("convert", lambda: convert_checkpoint(ckpt, work / "artifact"))
    model = step("compile", lambda: tessera.compile(art, target="x86", cache_dir=work / "cache"))
    ids = np.random.default_rng(seed + 1).integers(0, config.vocab_size, (batch, prompt_len)).astype(np.int64)
    logits, _ = step("prefill", lambda: model.prefill(ids, all_logits=True))
    tokens = step("generate", lambda: model.generate(ids, new_tokens))

    ref = ReferenceModel.from_artifact(Artifact.open(art))
    ref_logits, _ = ref.prefill(ids)
    ref_tokens = ref.generate(ids, new_tokens)[:, prompt_len:]
    rel = float(np.abs(logits - ref_logits).max() / np.abs(ref_logits).max())
    return {"config": config_name, "pattern": config.hybrid_override_pattern, "batch": batch,
            "prompt_len": prompt_len, "new_tokens": new_tokens, "workdir": str(work),
            "prefill_rel_err": rel, "tokens": tokens.tolist(), "tokens_match_reference":
            bool(np.array_equal(tokens, ref_tokens)), "timings_s": timings,
            "prefill_tokens_per_s": batch * prompt_len / timings["prefill"],
            "generate_tokens_per_s": batch * new_tokens / timings["generate"]}


def format_report(r: dict) -> str:
    t = r["timings_s"]
    lines = [
        f"Tessera demo: {r['config']} (pattern {r['pattern']}), batch {r['batch']}, "
        f"prompt {r['prompt_len']} tokens, {r['new_tokens']} new tokens, x86",
        f"  work dir            {r['workdir']}",
        f"  checkpoint/convert  {t['checkpoint']:.2f} s / {t['convert']:.2f} s",
        f"  compile             {t['compile']:.2f} s (Graph-IR -> Tile-IR -> x86 -> LLVM -> object)",
        f"  prefill             {t['prefill'] * 1e3:.1f} ms ({r['prefill_tokens_per_s']:.0f} tokens/s)",
        f"  generate            {t['generate'] * 1e3:.1f} ms ({r['generate_tokens_per_s']:.0f} tokens/s)",
        f"  vs numpy reference  prefill logits rel. error {r['prefill_rel_err']:.2e}; "
        f"greedy tokens {'identical' if r['tokens_match_reference'] else 'DIFFER'}",
        f"  generated           {r['tokens']}",
    ]
    return "\n".join(lines)
