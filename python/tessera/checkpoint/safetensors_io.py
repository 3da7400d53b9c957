"""Minimal safetensors reader/writer for the checkpoint converter (no torch).

Format: an 8-byte little-endian header length N, N bytes of JSON
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the data region (offsets are relative to its start).  We parse it
ourselves rather than through the ``safetensors`` package because we need
(a) bf16 without torch -- read as uint16 bit patterns -- and (b) precise,
file-and-tensor-naming errors for truncated or corrupt files before any
output is written.  Tensor data is memory-mapped, so converting a 24 GB
checkpoint does not need 24 GB of RAM.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from tessera import safejson
from tessera.dtypes import FROM_SAFETENSORS, STORAGE, TO_SAFETENSORS
from tessera.errors import CheckpointError

# A header bigger than this is corruption, not a checkpoint (the 12B model's is ~60 KB).
_MAX_HEADER_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str  #: Tessera dtype name ("bf16", "fp16", "fp32")
    shape: tuple[int, ...]
    begin: int  #: absolute file offset of the first byte
    end: int  #: absolute file offset one past the last byte


class SafetensorsFile:
    """Header-validated view of one ``.safetensors`` file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._mmap: np.memmap | None = None
        try:
            size = self.path.stat().st_size
            with open(self.path, "rb") as f:
                prefix = f.read(8)
                if len(prefix) < 8:
                    raise CheckpointError(
                        f"{self.path}: truncated safetensors file ({size} bytes, shorter than the 8-byte header length)"
                    )
                (n,) = struct.unpack("<Q", prefix)
                if n > size - 8 or n > _MAX_HEADER_BYTES:
                    raise CheckpointError(
                        f"{self.path}: truncated or corrupt safetensors file (header length {n} bytes, "
                        f"file has {size - 8} bytes after the length field)"
                    )
                raw = f.read(n)
        except OSError as e:
            raise CheckpointError(f"{self.path}: cannot read: {e.strerror or e}") from None
        try:
            header = safejson.loads(raw, constants=False)
        except ValueError as e:
            raise CheckpointError(f"{self.path}: corrupt safetensors header (not valid JSON: {e})") from None
        if not isinstance(header, dict):
            raise CheckpointError(f"{self.path}: corrupt safetensors header (top level is not an object)")
        metadata = header.pop("__metadata__", None)
        if metadata is not None and not (isinstance(metadata, dict)
                                         and all(isinstance(v, str) for v in metadata.values())):
            raise CheckpointError(f"{self.path}: corrupt safetensors header (__metadata__ is not a map of strings)")
        self.metadata = metadata or {}
        data_start = 8 + n
        self.tensors: dict[str, TensorInfo] = {}
        for name, entry in header.items():
            self.tensors[name] = self._parse_entry(name, entry, data_start, size)
        # The spec forbids overlapping tensors; overlap means a corrupt/forged header.
        spans = sorted((t.begin, t.end, t.name) for t in self.tensors.values() if t.end > t.begin)
        for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
            if b1 < e0:
                raise CheckpointError(f"{self.path}: corrupt safetensors header (tensors {n0!r} and {n1!r} overlap)")

    def _parse_entry(self, name: str, entry: object, data_start: int, size: int) -> TensorInfo:
        where = f"{self.path}: tensor {name!r}"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where}: corrupt header entry")
        st_dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(st_dtype, str) or st_dtype not in FROM_SAFETENSORS:
            raise CheckpointError(
                f"{where}: unsupported dtype {st_dtype!r} (supported: {', '.join(FROM_SAFETENSORS)})"
            )
        if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
            raise CheckpointError(f"{where}: corrupt header entry (bad shape {shape!r})")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            raise CheckpointError(f"{where}: corrupt header entry (bad data_offsets {offsets!r})")
        dtype = FROM_SAFETENSORS[st_dtype]
        nbytes = math.prod(shape) * STORAGE[dtype].itemsize
        if offsets[1] - offsets[0] != nbytes:
            raise CheckpointError(
                f"{where}: corrupt header entry ({offsets[1] - offsets[0]} data bytes for shape {shape} "
                f"{st_dtype}, expected {nbytes})"
            )
        begin, end = data_start + offsets[0], data_start + offsets[1]
        if end > size:
            raise CheckpointError(
                f"{where}: truncated safetensors file (tensor data ends at byte {end}, file has {size} bytes)"
            )
        return TensorInfo(name, dtype, tuple(shape), begin, end)

    def read(self, name: str) -> np.ndarray:
        """Raw stored values (uint16 bit patterns for bf16), read-only, memory-mapped."""
        info = self.tensors[name]
        if info.end == info.begin:
            return np.zeros(info.shape, dtype=STORAGE[info.dtype])
        if self._mmap is None:
            self._mmap = np.memmap(self.path, dtype=np.uint8, mode="r")
        return self._mmap[info.begin : info.end].view(STORAGE[info.dtype]).reshape(info.shape)

    def close(self) -> None:
        self._mmap = None  # the mapping is released when the last view dies


def write_safetensors(
    path: str | os.PathLike,
    tensors: Iterable[tuple[str, np.ndarray, str]],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``(name, stored_array, tessera_dtype)`` triples as a safetensors file.

    Used by tests and ``tessera make-random-checkpoint``; HF's ``from_pretrained``
    reads the result (checked by the tests).  The header is space-padded to an
    8-byte multiple like the reference implementation, so data stays aligned.
    """
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, arr, dtype in tensors:
        arr = np.ascontiguousarray(arr, dtype=STORAGE[dtype])
        header[name] = {"dtype": TO_SAFETENSORS[dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
        blobs.append(arr)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for arr in blobs:
            f.write(arr.tobytes())
