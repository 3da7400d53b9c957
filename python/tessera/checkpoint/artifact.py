"""Reading a Tessera artifact (pipeline stage 3: converter output -> compiler/runtime).

An artifact is a directory::

    manifest.json    {"format": "tessera-artifact", "format_version": 1,
                      "config": <HF-style config dict>, "dtype": "bf16"|"fp16"|"fp32"|"mixed",
                      "tensors": [{"tessera_name", "hf_name", "shard", "shape", "dtype", "sha256"}]}
    embedding.npz    uncompressed NPZ members named by Tessera name (``embedding.npy``)
    layer_000.npz    ... one per layer
    final.npz        final_norm, lm_head

bf16 tensors are stored as uint16 bit patterns; ``sha256`` is over the raw
C-order bytes of the stored array.  :meth:`Artifact.open` checks the manifest
against the config's weight contract and every npy header (shapes, dtypes,
member sizes) without reading tensor data; ``verify_hashes=True`` also reads
and hashes every tensor.  Shard paths that escape the artifact directory
(absolute, ``..``, or via a symlink) are refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Iterator

import numpy as np

from tessera import safejson
from tessera.checkpoint.names import spec_table
from tessera.checkpoint.npz import MemberInfo, NpzFormatError, read_members
from tessera.config import NemotronHConfig, load_config
from tessera.dtypes import STORAGE, to_f32
from tessera.errors import ArtifactError, TesseraError

FORMAT = "tessera-artifact"
FORMAT_VERSION = 1
_ENTRY_KEYS = ("tessera_name", "hf_name", "shard", "shape", "dtype", "sha256")


class Artifact:
    """A validated, lazily-read Tessera artifact."""

    def __init__(self, path: Path, manifest: dict, config: NemotronHConfig,
                 entries: dict[str, dict], members: dict[str, MemberInfo], shard_paths: dict[str, Path]):
        self.path = path
        self.manifest = manifest
        self.config = config
        self.dtype: str = manifest["dtype"]
        self._entries = entries
        self._members = members
        self._shard_paths = shard_paths
        self.verified = False  #: set by :meth:`verify` once every shard passed

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | os.PathLike, verify_hashes: bool = False) -> "Artifact":
        root = Path(path)
        manifest_path = root / "manifest.json"
        if not root.exists():
            raise ArtifactError(f"{root}: no such file or directory")
        if not root.is_dir():
            raise ArtifactError(f"{root}: not an artifact directory (a file)")
        if not manifest_path.is_file():
            if _is_hf_checkpoint(root):
                raise ArtifactError(f"{root}: a Hugging Face checkpoint, not a Tessera artifact; convert it "
                                    f"first: tessera convert --hf {root} --out ART")
            raise ArtifactError(f"{root}: no manifest.json (not a Tessera artifact, or an interrupted conversion)")
        try:
            manifest = safejson.loads(manifest_path.read_bytes())
        except OSError as e:
            raise ArtifactError(f"{manifest_path}: cannot read: {e.strerror or e}") from None
        except ValueError as e:
            raise ArtifactError(f"{manifest_path}: cannot parse: {e}") from None
        where = str(manifest_path)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArtifactError(f"{where}: not a Tessera manifest (format is not {FORMAT!r})")
        if manifest.get("format_version") != FORMAT_VERSION or isinstance(manifest.get("format_version"), bool):
            raise ArtifactError(
                f"{where}: unsupported format_version {manifest.get('format_version')!r} (this Tessera reads {FORMAT_VERSION})"
            )
        if not isinstance(manifest.get("config"), dict):
            raise ArtifactError(f"{where}: missing 'config' (expected an object)")
        try:
            config = load_config(manifest["config"])
            specs = spec_table(config)
        except TesseraError as e:
            raise ArtifactError(f"{where}: invalid config: {e}") from None
        if not isinstance(manifest.get("dtype"), str) or manifest["dtype"] not in (*STORAGE, "mixed"):
            raise ArtifactError(f"{where}: unknown dtype {manifest.get('dtype')!r}")
        if not isinstance(manifest.get("tensors"), list):
            raise ArtifactError(f"{where}: missing 'tensors' list")

        real_root = os.path.realpath(root)
        entries: dict[str, dict] = {}
        shard_paths: dict[str, Path] = {}
        for k, entry in enumerate(manifest["tensors"]):
            if not isinstance(entry, dict) or any(key not in entry for key in _ENTRY_KEYS):
                raise ArtifactError(f"{where}: tensors[{k}] lacks one of {', '.join(_ENTRY_KEYS)}")
            _check_entry_types(entry, k, where)
            name = entry["tessera_name"]
            if name in entries:
                raise ArtifactError(f"{where}: tensor {name!r} listed twice")
            if name not in specs:
                raise ArtifactError(f"{where}: tensor {name!r} is not part of this model's weight contract")
            expected = list(specs[name].shape)
            if entry["shape"] != expected:
                raise ArtifactError(
                    f"{where}: tensor {name!r} has shape {entry['shape']}, config implies {expected} = {specs[name].shape_doc}"
                )
            if entry["dtype"] not in STORAGE:
                raise ArtifactError(f"{where}: tensor {name!r} has unknown dtype {entry['dtype']!r}")
            shard = entry["shard"]
            if shard not in shard_paths:
                shard_paths[shard] = _safe_shard_path(root, real_root, shard, name, where)
            entries[name] = entry
        missing = [n for n in specs if n not in entries]
        if missing:
            raise ArtifactError(f"{where}: missing {len(missing)} tensor(s): {', '.join(missing[:5])}")

        members: dict[str, MemberInfo] = {}
        by_shard: dict[str, list[str]] = {}
        for name, entry in entries.items():
            by_shard.setdefault(entry["shard"], []).append(name)
        for shard, names in by_shard.items():
            shard_path = shard_paths[shard]
            if not shard_path.is_file():
                raise ArtifactError(f"{root}: shard {shard!r} (holding {names[0]!r}) does not exist")
            try:
                in_file = read_members(shard_path)
            except NpzFormatError as e:
                raise ArtifactError(f"{shard_path}: {e}") from None
            for name in names:
                info = in_file.get(name)
                if info is None:
                    raise ArtifactError(f"{shard_path}: tensor {name!r} from the manifest is not in this file")
                _check_member(info, entries[name], shard_path)
                members[name] = info
        art = cls(root, manifest, config, entries, members, shard_paths)
        if verify_hashes:
            art.verify_hashes()
        return art

    def verify(self, cache_dir: str | os.PathLike | None = None) -> None:
        """Checks every shard's tensors against the manifest's sha256 (and that
        they are finite) unless this was done before for the same files: the
        result is remembered per shard (see :mod:`tessera.checkpoint.verify`).
        A one-line ArtifactError names the shard and tensor that fail."""
        from tessera.checkpoint.verify import verify_artifact

        if not self.verified:
            verify_artifact(self, cache_dir)
            self.verified = True

    # ---------------------------------------------------------------- access
    def names(self) -> list[str]:
        """Tessera tensor names, in manifest order."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def entry(self, name: str) -> dict:
        """The manifest entry (shape, dtype, hf_name, shard, sha256) of a tensor."""
        return dict(self._get(name))

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._get(name)["shape"])

    def shard_path(self, shard: str) -> Path:
        """The file of a shard named in the manifest."""
        return self._shard_paths[shard]

    def tensor_dtype(self, name: str) -> str:
        return self._get(name)["dtype"]

    def array(self, name: str) -> np.ndarray:
        """The stored array, read-only; memory-mapped (uint16 bit patterns for bf16)."""
        entry = self._get(name)
        info = self._members[name]
        path = self._shard_paths[entry["shard"]]
        shape = tuple(entry["shape"])
        if info.stored:
            if math.prod(shape) == 0:
                arr = np.zeros(shape, dtype=info.dtype)
            else:
                arr = np.memmap(path, dtype=info.dtype, mode="r", offset=info.data_offset, shape=shape)
        else:
            # Compressed member (not written by Tessera): no mmap possible, read it whole.
            with np.load(path, allow_pickle=False) as npz:
                arr = npz[name]
        arr = arr.view()
        arr.flags.writeable = False
        return arr

    def array_f32(self, name: str) -> np.ndarray:
        """The tensor's values as float32 (bf16 and fp16 upcast exactly)."""
        return to_f32(self.array(name), self._get(name)["dtype"])

    def f32_weights(self) -> "Mapping[str, np.ndarray]":
        """A lazy name -> float32 mapping, e.g. for :class:`tessera.reference.ReferenceModel`."""
        return _F32View(self)

    def verify_hashes(self) -> None:
        """Read every tensor and compare its sha256 with the manifest."""
        for name, entry in self._entries.items():
            arr = self.array(name).reshape(-1)
            h = hashlib.sha256()
            step = 1 << 23
            for start in range(0, arr.size, step):
                h.update(np.ascontiguousarray(arr[start : start + step]).data)
            if h.hexdigest() != entry["sha256"]:
                raise ArtifactError(
                    f"{self._shard_paths[entry['shard']]}: tensor {name!r} fails its sha256 check (artifact corrupted)"
                )

    def _get(self, name: str) -> dict:
        try:
            return self._entries[name]
        except KeyError:
            raise ArtifactError(f"{self.path}: no tensor named {name!r}") from None

    def __repr__(self) -> str:
        return f"Artifact({str(self.path)!r}, dtype={self.dtype!r}, tensors={len(self._entries)})"


class _F32View(Mapping):
    def __init__(self, art: Artifact):
        self._art = art

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._art:
            raise KeyError(name)
        return self._art.array_f32(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._art.names())

    def __len__(self) -> int:
        return len(self._art.names())


def _safe_shard_path(root: Path, real_root: str, shard: object, name: str, where: str) -> Path:
    """Refuse shard paths that could read outside the artifact directory."""
    if not isinstance(shard, str) or not shard:
        raise ArtifactError(f"{where}: tensor {name!r} has an invalid shard path {shard!r}")
    parts = Path(shard).parts
    if Path(shard).is_absolute() or shard.startswith(("/", "\\")) or ".." in parts or "\\" in shard:
        raise ArtifactError(f"{where}: tensor {name!r}: shard path {shard!r} escapes the artifact directory")
    candidate = root / shard
    real = os.path.realpath(candidate)
    if os.path.commonpath([real_root, real]) != real_root:
        raise ArtifactError(
            f"{where}: tensor {name!r}: shard path {shard!r} escapes the artifact directory (symlink to {real})"
        )
    return candidate


def _check_member(info: MemberInfo, entry: dict, shard_path: Path) -> None:
    name = entry["tessera_name"]
    if tuple(entry["shape"]) != info.shape:
        raise ArtifactError(
            f"{shard_path}: tensor {name!r} has shape {list(info.shape)} in the file but {entry['shape']} in the manifest"
        )
    if info.dtype != STORAGE[entry["dtype"]]:
        raise ArtifactError(
            f"{shard_path}: tensor {name!r} is stored as {info.dtype} but the manifest says {entry['dtype']}"
        )
    if info.fortran_order:
        raise ArtifactError(f"{shard_path}: tensor {name!r} is Fortran-ordered (Tessera writes C order)")
    expected = info.header_size + math.prod(info.shape) * info.dtype.itemsize
    if info.file_size != expected:
        raise ArtifactError(f"{shard_path}: tensor {name!r} is truncated or corrupt ({info.file_size} bytes, expected {expected})")


_SHA256_HEX = frozenset("0123456789abcdef")


def _check_entry_types(entry: dict, k: int, where: str) -> None:
    """One-line errors for manifest entries of the wrong JSON type (before
    any field is used as a dictionary key or a shape)."""
    for key in ("tessera_name", "hf_name", "shard", "dtype", "sha256"):
        if not isinstance(entry[key], str):
            raise ArtifactError(f"{where}: tensors[{k}].{key} must be a string, got {_show(entry[key])}")
    shape = entry["shape"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in shape):
        raise ArtifactError(f"{where}: tensors[{k}].shape must be a list of non-negative integers, "
                            f"got {_show(shape)}")
    sha = entry["sha256"]
    if len(sha) != 64 or not set(sha) <= _SHA256_HEX:
        raise ArtifactError(f"{where}: tensors[{k}].sha256 must be 64 lowercase hex digits, got {_show(sha)}")


def _show(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (list, dict, str, int, float, bool, type(None))) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_hf_checkpoint(root: Path) -> bool:
    """A directory with config.json and safetensors weights (what `tessera convert` reads)."""
    try:
        return (root / "config.json").is_file() and (
            (root / "model.safetensors").is_file() or (root / "model.safetensors.index.json").is_file()
            or any(p.suffix == ".safetensors" for p in root.iterdir()))
    except OSError:
        return False
