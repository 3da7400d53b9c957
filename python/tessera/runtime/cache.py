"""The compile cache: compiled objects on disk, keyed honestly, checked on load.

An entry is ``KEY.o`` (the object) and ``KEY.json`` (written last)::

    {"format": 1, "key": {...the key payload...},
     "object_sha256": "...", "object_bytes": N, "metadata": {"functions": {...ABI...}}}

The key payload covers everything the object depends on: the model config
and weight dtype, the target (kind, CPU, CPU features), the pipeline's own
sources (a hash of every file of the ``tessera`` Python package and of the
extension binary, which holds the C++ passes) and the identity of the
LLVM/MLIR libraries the extension runs on (LLVM version; path, size and
mtime of the loaded libMLIR/libLLVM). ``load`` re-checks the payload, the
object's size and SHA-256 and the ABI metadata: a stale, truncated or
altered entry is reported (CacheWarning) and rebuilt, never loaded. A cache
directory that cannot be read or written is reported and bypassed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import warnings
from pathlib import Path

import tessera
from tessera.errors import CompileError

FORMAT = 1


class CacheWarning(UserWarning):
    """A compile cache entry or directory could not be used."""


def _sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def package_sources_hash() -> str:
    """SHA-256 over the tessera package's Python sources (path + content)."""
    root = Path(tessera.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _loaded_libraries() -> list:
    """(path, size, mtime_ns) of the libMLIR/libLLVM shared objects this
    process has loaded (what the extension actually runs on)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if "/" in line else ""
                name = os.path.basename(path)
                if name.startswith(("libMLIR", "libLLVM")) and ".so" in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    out = []
    for p in sorted(libs):
        try:
            st = os.stat(p)
            out.append([p, st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([p, -1, -1])
    return out


@functools.lru_cache(maxsize=1)
def compiler_identity() -> dict:
    """Everything about the compiler that the objects depend on."""
    from tessera import _tessera

    return {"version": tessera.__version__, "sources": package_sources_hash(),
            "extension": _sha256_file(_tessera.__file__), "llvm": _tessera.llvm_version(),
            "libraries": _loaded_libraries()}


def host_target(kind: str) -> dict:
    """The target an object is compiled for: kind, CPU and CPU features."""
    from tessera import _tessera

    return {"kind": kind, "cpu": _tessera.host_cpu(), "features": _tessera.host_features()}


def cache_key(config, target: dict, weight_dtype: str) -> tuple[str, dict]:
    """(key, payload): the payload is stored in the entry and re-checked."""
    payload = {"config": config.to_hf_dict(json_safe=True), "target": target,
               "weight_dtype": weight_dtype, "compiler": compiler_identity()}
    payload = json.loads(json.dumps(payload, sort_keys=True))  # JSON-normalised
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]
    return key, payload


class CompileCache:
    """One cache directory. ``load`` returns (object, metadata) or None;
    ``store`` returns the object's path or None. ``last_problem`` says why an
    entry was rebuilt or the directory bypassed (None when all went well)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.last_problem: str | None = None

    def object_path(self, key: str) -> Path:
        return self.directory / f"{key}.o"

    def _warn(self, problem: str, consequence: str) -> None:
        self.last_problem = problem
        warnings.warn(f"compile cache: {problem}; {consequence}", CacheWarning, stacklevel=3)

    def load(self, key: str, payload: dict):
        from tessera.runtime.abi import parse_functions

        obj_path, meta_path = self.object_path(key), self.directory / f"{key}.json"
        self.last_problem = None
        try:
            if not meta_path.exists():
                return None
            meta_text = meta_path.read_text()
        except OSError as e:
            self._warn(f"cannot read {meta_path} ({e.strerror})", "compiling")
            return None
        problem = None
        try:
            meta = json.loads(meta_text)
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                problem = "unknown entry format"
            elif meta.get("key") != payload:
                problem = "stale: its key does not match this config, target or compiler"
            else:
                obj = obj_path.read_bytes()
                if len(obj) != meta.get("object_bytes") or \
                        hashlib.sha256(obj).hexdigest() != meta.get("object_sha256"):
                    problem = "the object does not match its recorded size and SHA-256"
                else:
                    parse_functions(meta.get("metadata"))
                    return obj, meta["metadata"]
        except ValueError:
            problem = "the metadata is not valid JSON"
        except FileNotFoundError:
            problem = "the object file is missing"
        except OSError as e:
            problem = f"the object cannot be read ({e.strerror})"
        except CompileError as e:
            problem = f"the ABI metadata is malformed ({e})"
        self._warn(f"entry {key} in {self.directory} is invalid: {problem}", "rebuilding it")
        return None

    def store(self, key: str, payload: dict, obj: bytes, metadata: dict) -> Path | None:
        from tessera.compiler import write_atomically

        obj_path, meta_path = self.object_path(key), self.directory / f"{key}.json"
        meta = {"format": FORMAT, "key": payload, "object_sha256": hashlib.sha256(obj).hexdigest(),
                "object_bytes": len(obj), "metadata": metadata}
        try:
            write_atomically(obj_path, obj)
            write_atomically(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode())
        except OSError as e:
            where = e.filename or self.directory
            self._warn(f"cannot write to {where} ({e.strerror})", "the model is compiled uncached")
            return None
        return obj_path
