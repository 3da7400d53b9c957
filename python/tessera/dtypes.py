"""Storage dtypes shared by the checkpoint converter, artifact reader and test helpers.

numpy has no bfloat16, so Tessera stores bf16 tensors losslessly as ``uint16``
bit patterns (the upper half of an IEEE float32) and records the logical dtype
("bf16") next to them -- in safetensors headers ("BF16") and in artifact
manifests.  This module is the one place that knows how to move between the
three supported storage types without torch.
"""

from __future__ import annotations

import numpy as np

#: Tessera dtype name -> numpy storage dtype (little-endian, as on disk).
STORAGE = {
    "bf16": np.dtype("<u2"),
    "fp16": np.dtype("<f2"),
    "fp32": np.dtype("<f4"),
}

#: safetensors header dtype string <-> Tessera dtype name.
FROM_SAFETENSORS = {"BF16": "bf16", "F16": "fp16", "F32": "fp32"}
TO_SAFETENSORS = {v: k for k, v in FROM_SAFETENSORS.items()}

#: HF ``torch_dtype`` spelling of each Tessera dtype.
TO_TORCH_NAME = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    """Exact upcast: a bf16 bit pattern is the top 16 bits of the float32."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(values: np.ndarray) -> np.ndarray:
    """Round float32 to bf16 bit patterns, round-to-nearest-even (what torch's
    ``.to(torch.bfloat16)`` does).  NaNs stay NaN (quiet)."""
    f = np.ascontiguousarray(values, dtype=np.float32)
    u = f.view(np.uint32)
    rounded = ((u + (((u >> 16) & 1) + 0x7FFF)) >> 16).astype(np.uint16)
    return np.where(np.isnan(f), np.uint16(0x7FC0), rounded)


def to_f32(raw: np.ndarray, dtype: str) -> np.ndarray:
    """Logical float32 values of a stored array (a view when already fp32)."""
    if dtype == "bf16":
        return bf16_to_f32(raw)
    if dtype == "fp16":
        return np.asarray(raw).astype(np.float32)
    if dtype == "fp32":
        return np.asarray(raw, dtype=np.float32)
    raise ValueError(f"unknown Tessera dtype {dtype!r}")


def convert(raw: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Re-encode a stored array from dtype ``src`` to dtype ``dst``."""
    if src == dst:
        return raw
    f32 = to_f32(raw, src)
    if dst == "fp32":
        return f32
    if dst == "bf16":
        return f32_to_bf16(f32)
    if dst == "fp16":
        with np.errstate(over="ignore"):  # overflow -> inf, caught by the finiteness check
            return f32.astype(np.float16)
    raise ValueError(f"unknown Tessera dtype {dst!r}")


def nonfinite_mask(raw: np.ndarray, dtype: str) -> np.ndarray:
    """Boolean mask of NaN/Inf elements, computed on the stored bits."""
    if dtype == "bf16":
        # Exponent all ones <=> Inf or NaN.
        return (np.asarray(raw, dtype=np.uint16) & 0x7F80) == 0x7F80
    return ~np.isfinite(raw)
