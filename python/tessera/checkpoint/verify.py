"""Integrity of an artifact's shards, checked once and remembered
(between reading an artifact, :mod:`tessera.checkpoint.artifact`, and binding
its weights to compiled code: ``tessera.compile``, ``CompiledModel.load``,
``tessera run``/``compile``).

The manifest records a sha256 per tensor. Checking them means reading every
byte (seconds for a 24 GB model), so a successful check is remembered in a
small JSON *memo* in the cache directory (``$TESSERA_CACHE_DIR/verified/``),
one per artifact path::

    {"format": 1, "artifact": "/abs/path",
     "shards": {"layer_000.npz": {"file": [dev, inode, size, mtime_ns, ctime_ns],
                                  "tensors": {name: [sha256, dtype, shape]}}}}

A shard is re-verified whenever its file identity (device, inode, size,
mtime, ctime: any rewrite, replacement or touch changes one) or what the
manifest says about its tensors changes. The memo is written atomically and
only after a shard passed; a missing, unreadable or malformed memo just
means verifying again. The same pass refuses non-finite weights (NaN/Inf),
which the converter never writes, naming the tensor.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from tessera import safejson
from tessera.dtypes import nonfinite_mask
from tessera.errors import ArtifactError

MEMO_FORMAT = 1
_CHUNK = 1 << 23  # elements per hashing/finiteness step: bounds temporary memory


def memo_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where memos live: ``cache_dir/verified`` (default: the compile cache's directory)."""
    if cache_dir is None:
        from tessera.compiler import default_cache_dir

        cache_dir = default_cache_dir()
    return Path(cache_dir) / "verified"


def _identity(path: Path) -> list:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _memo_path(directory: Path, artifact: Path) -> Path:
    real = os.path.realpath(artifact)
    return directory / (hashlib.sha256(real.encode()).hexdigest()[:24] + ".json")


def _read_memo(path: Path, artifact: Path) -> dict:
    try:
        memo = safejson.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(memo, dict) or memo.get("format") != MEMO_FORMAT \
            or memo.get("artifact") != os.path.realpath(artifact) or not isinstance(memo.get("shards"), dict):
        return {}
    return memo["shards"]


def scan_tensor(arr: np.ndarray, dtype: str) -> tuple[str, int, int | None]:
    """(sha256 of the raw C-order bytes, count of non-finite values, first
    flat index of one) of a stored array, read in bounded chunks."""
    flat = arr.reshape(-1)
    h = hashlib.sha256()
    count, first = 0, None
    for start in range(0, flat.size, _CHUNK):
        chunk = np.ascontiguousarray(flat[start:start + _CHUNK])
        h.update(chunk.data)
        bad = nonfinite_mask(chunk, dtype)
        n = int(np.count_nonzero(bad))
        if n:
            count += n
            if first is None:
                first = start + int(np.argmax(bad))
    return h.hexdigest(), count, first


def verify_artifact(art, cache_dir: str | os.PathLike | None = None, remember: bool = True) -> int:
    """Checks every shard of ``art`` (an opened Artifact) that the memo does
    not vouch for: each tensor's sha256 against the manifest, and that all
    its values are finite. Raises a one-line ArtifactError naming the shard
    and tensor. Returns the number of shards actually read."""
    directory = memo_dir(cache_dir)
    path = _memo_path(directory, art.path)
    known = _read_memo(path, art.path) if remember else {}
    by_shard: dict[str, list[str]] = {}
    for name in art.names():
        by_shard.setdefault(art.entry(name)["shard"], []).append(name)
    shards, read = {}, 0
    for shard, names in by_shard.items():
        file = art.shard_path(shard)
        expected = {n: [art.entry(n)["sha256"], art.entry(n)["dtype"], list(art.shape(n))] for n in names}
        try:
            before = _identity(file)
        except OSError as e:
            raise ArtifactError(f"{file}: cannot read shard {shard!r}: {e.strerror or e}") from None
        record = {"file": before, "tensors": expected}
        if known.get(shard) == record:
            shards[shard] = record
            continue
        read += 1
        for name in names:
            try:
                digest, bad, first = scan_tensor(art.array(name), art.tensor_dtype(name))
            except OSError as e:
                raise ArtifactError(f"{file}: cannot read tensor {name!r}: {e.strerror or e}") from None
            if digest != expected[name][0]:
                raise ArtifactError(
                    f"{file}: tensor {name!r} fails its sha256 check against manifest.json (shard {shard!r} "
                    "is corrupted or was replaced; convert the checkpoint again)")
            if bad:
                index = [int(i) for i in np.unravel_index(first, art.shape(name))] if art.shape(name) else []
                raise ArtifactError(f"{file}: tensor {name!r} has {bad} non-finite value(s) (NaN/Inf), "
                                    f"first at index {index}")
        try:
            after = _identity(file)
        except OSError:
            after = None
        if after == before:  # changed while we read it: verified this time, not remembered
            shards[shard] = record
    if remember and read and shards:
        _write_memo(path, {"format": MEMO_FORMAT, "artifact": os.path.realpath(art.path), "shards": shards})
    return read


def _write_memo(path: Path, memo: dict) -> None:
    from tessera.compiler import write_atomically

    try:
        write_atomically(path, json.dumps(memo, sort_keys=True).encode())
    except OSError:
        pass  # an unwritable cache only costs a re-verification next time
