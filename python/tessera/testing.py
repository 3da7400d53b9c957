"""Test helpers: random Hugging Face Nemotron-H checkpoints and the HF oracle.

Used by the test suite and by ``tessera make-random-checkpoint`` (README demo),
so the converter and reference can be exercised end to end without
downloading real weights.  Random weights are drawn much *larger* than HF's
init (which leaves e.g. out_proj tiny and dt near 0.001-0.1) so that every
path -- conv, gate, grouped norm, decay, D skip, attention, MLP, MoE router
(score-correction bias included), experts -- changes
the logits and a mistake in any of them shows up.

Nothing here needs torch except :func:`load_hf_model`, which imports
transformers lazily.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from tessera.checkpoint.names import WeightSpec, weight_specs
from tessera.checkpoint.safetensors_io import write_safetensors
from tessera.config import NemotronHConfig, load_config
from tessera.dtypes import TO_TORCH_NAME, bf16_to_f32, f32_to_bf16
from tessera.errors import CheckpointError

CHECKPOINT_DTYPES = ("fp32", "bf16", "fp16")


def _draw(spec: WeightSpec, config: NemotronHConfig, rng: np.random.Generator) -> np.ndarray:
    shape = spec.hf_shape
    leaf = spec.name.rsplit(".", 1)[-1]
    if spec.name in ("final_norm",) or leaf in ("norm", "gate_norm"):
        return rng.uniform(0.7, 1.3, shape)  # norm weights ~ 1 +- 0.3
    if leaf == "A_log":
        return np.log(rng.uniform(1.0, 16.0, shape))  # A in -[1, 16]
    if leaf == "dt_bias":
        # softplus(dt_bias) spans ~0.02 .. 2.1: both slowly- and quickly-decaying heads.
        return rng.uniform(-4.0, 2.0, shape)
    if leaf == "D":
        return rng.normal(1.0, 0.5, shape)
    if leaf.endswith("bias"):
        return rng.normal(0.0, 0.2, shape)
    if leaf == "conv_weight":
        return rng.normal(0.0, 0.4, shape)
    if spec.name == "embedding":
        return rng.normal(0.0, 1.0, shape)
    # Projections: std ~ 1.5/sqrt(fan_in) keeps activations O(1) at any width, well
    # above HF's 0.02 init.
    fan_in = shape[-1]
    return rng.normal(0.0, 1.5 / math.sqrt(fan_in), shape)


def random_hf_weights(config: NemotronHConfig, seed: int = 0, stacked_experts: bool = False
                      ) -> dict[str, np.ndarray]:
    """Random float32 weights keyed by HF name (``backbone.`` prefix, HF shapes).
    MoE experts are written per expert, as HF's ``save_pretrained`` does, or in
    the stacked form of a raw ``state_dict()`` with ``stacked_experts``."""
    rng = np.random.default_rng(seed)
    out = {}
    for spec in weight_specs(config):
        arr = _draw(spec, config, rng).astype(np.float32)
        if spec.hf_expert_names and not stacked_experts:
            out.update(zip(spec.hf_expert_names, arr))
        else:
            out[spec.hf_name] = arr
    if config.tie_word_embeddings:
        out.pop("lm_head.weight")  # tied checkpoints omit the head
    return out


def round_weights(weights: Mapping[str, np.ndarray], dtype: str) -> dict[str, np.ndarray]:
    """float32 values that ``dtype`` would store (what HF sees after upcasting)."""
    if dtype == "fp32":
        return {k: np.asarray(v, np.float32) for k, v in weights.items()}
    if dtype == "bf16":
        return {k: bf16_to_f32(f32_to_bf16(v)) for k, v in weights.items()}
    if dtype == "fp16":
        return {k: np.asarray(v, np.float32).astype(np.float16).astype(np.float32) for k, v in weights.items()}
    raise ValueError(f"unknown dtype {dtype!r}")


def _encode(arr: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bf16":
        return f32_to_bf16(arr)
    return np.asarray(arr, dtype=np.float16 if dtype == "fp16" else np.float32)


def write_hf_checkpoint(
    config: NemotronHConfig | str | os.PathLike | Mapping,
    out_dir: str | os.PathLike,
    *,
    dtype: str = "fp32",
    seed: int = 0,
    shards: int = 1,
    weights: Mapping[str, np.ndarray] | None = None,
    stacked_experts: bool = False,
) -> Path:
    """Write an HF-format checkpoint directory: ``config.json`` plus
    ``model.safetensors`` (``shards == 1``) or ``model-0000k-of-0000n.safetensors``
    with ``model.safetensors.index.json``.  ``weights`` (HF name -> float32)
    defaults to :func:`random_hf_weights`; they are stored in ``dtype``."""
    config = load_config(config)
    if dtype not in CHECKPOINT_DTYPES:
        raise CheckpointError(f"checkpoint dtype must be one of {', '.join(CHECKPOINT_DTYPES)}, got {dtype!r}")
    if shards < 1:
        raise CheckpointError(f"shards must be >= 1, got {shards}")
    weights = random_hf_weights(config, seed, stacked_experts) if weights is None else dict(weights)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hf = config.to_hf_dict()
    hf["torch_dtype"] = TO_TORCH_NAME[dtype]
    (out / "config.json").write_text(json.dumps(hf, indent=2) + "\n", encoding="utf-8")

    names = list(weights)
    metadata = {"format": "pt"}  # what torch's save_pretrained writes; HF checks it
    if shards == 1:
        write_safetensors(out / "model.safetensors", ((n, _encode(weights[n], dtype), dtype) for n in names), metadata)
        return out
    # Split names into `shards` contiguous runs (like save_pretrained's size-based split).
    per = math.ceil(len(names) / shards)
    weight_map, total = {}, 0
    for k in range(shards):
        part = names[k * per : (k + 1) * per]
        fname = f"model-{k + 1:05d}-of-{shards:05d}.safetensors"
        encoded = [(n, _encode(weights[n], dtype), dtype) for n in part]
        write_safetensors(out / fname, encoded, metadata)
        for n, arr, _ in encoded:
            weight_map[n] = fname
            total += arr.nbytes
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return out


def tessera_weights_from_hf(config: NemotronHConfig, hf_weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """HF-named float arrays -> Tessera names/shapes (what the converter does, minus I/O)."""
    out = {}
    for spec in weight_specs(config):
        src = spec.hf_name
        if src not in hf_weights and spec.name == "lm_head" and config.tie_word_embeddings:
            src = "backbone.embeddings.weight"
        if src not in hf_weights and spec.hf_expert_names:
            out[spec.name] = np.stack([np.asarray(hf_weights[n]) for n in spec.hf_expert_names])
            continue
        out[spec.name] = np.asarray(hf_weights[src]).reshape(spec.shape)
    return out


# ---------------------------------------------------------------------------- HF oracle
def load_hf_model(ckpt_dir: str | os.PathLike):
    """``NemotronHForCausalLM`` from a checkpoint directory, float32, eval mode, on CPU.

    transformers 5.x clamps the prefill dt to ``(time_step_min, inf)`` rather than
    ``time_step_limit`` (and does not clamp at all in its one-token decode path);
    Tessera follows ``time_step_limit`` like mamba_ssm, so the oracle is built with
    ``time_step_min = time_step_limit[0]`` -- for real configs (limit (0, inf))
    that makes HF's clamp the no-op it is in the original model.
    """
    import torch
    from transformers import NemotronHForCausalLM
    from transformers.utils import logging as hf_logging

    config = load_config(Path(ckpt_dir) / "config.json")
    hf_logging.set_verbosity_error()
    model = NemotronHForCausalLM.from_pretrained(
        str(ckpt_dir), dtype=torch.float32, time_step_min=config.time_step_limit[0]
    )
    model.eval()
    return model


def hf_logits(model, ids: np.ndarray) -> np.ndarray:
    """Full-sequence logits [B, S, V] (float64) from an HF model, no cache."""
    import torch

    with torch.no_grad():
        out = model(input_ids=torch.as_tensor(np.asarray(ids, dtype=np.int64)), use_cache=False)
    return out.logits.double().numpy()
