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
object's size and SHA-256, the object's ELF structure and the ABI metadata,
which must equal the ABI that this compile's own tile stage produced (the
Graph-IR is rebuilt and lowered to the tile stage on every compile, ~0.2 s
for the 12B config; only the codegen is cached): a stale, truncated,
malformed or altered entry is reported (CacheWarning) and rebuilt, never
loaded. An object the JIT still refuses is rebuilt too (runtime.model). A
cache directory that cannot be read or written is reported and bypassed:
the model is compiled uncached.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
import warnings
from pathlib import Path

import tessera
from tessera import safejson
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


def host_target(kind: str, cpu: str | None = None, features: str | None = None) -> dict:
    """The target an object is compiled for: kind, CPU and CPU features
    (default: this machine's; a CPU alone gets LLVM's features for it). The
    object runs in this process, so a feature enabled for it that this host
    lacks is a CompileError naming it."""
    from tessera import _tessera
    from tessera.compiler import _features_of, _quote

    if cpu is None and features is None:
        return {"kind": kind, "cpu": _tessera.host_cpu(), "features": _tessera.host_features()}
    cpu = _quote(cpu) if cpu is not None else _tessera.host_cpu()
    features = _quote(features) if features is not None else _features_of(cpu)
    # LLVM's host detection lists every ISA feature it knows, + or -.
    lacking = {f[1:] for f in _tessera.host_features().split(",") if f.startswith("-")}
    for f in features.split(","):
        if f.startswith("+") and f[1:] in lacking:
            raise CompileError(f"x86 feature {f} is not available on this host: the compiled code "
                               "runs here (use `tessera compile --emit obj` to build for another CPU)")
    return {"kind": kind, "cpu": cpu, "features": features}


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

    def load(self, key: str, payload: dict, metadata: dict | None = None):
        """The entry's (object, metadata), or None (and a CacheWarning) when it
        is missing or invalid. ``metadata`` is the ABI this compile's own tile
        stage produced (``tessera.abi`` of each function): an entry recording
        anything else (a weight missing or moved, a result dropped, another
        shape) is invalid, since the object was compiled for that ABI."""
        obj_path, meta_path = self.object_path(key), self.directory / f"{key}.json"
        self.last_problem = None
        try:
            if not meta_path.exists():
                return None
            meta_text = meta_path.read_bytes()
        except OSError as e:
            self._warn(f"cannot read {meta_path} ({e.strerror})", "compiling")
            return None
        try:
            problem = None
            meta = safejson.loads(meta_text)
            problem = self._check_entry(meta, payload, metadata)
            if problem is None:
                obj = obj_path.read_bytes()
                problem = _check_object(obj, meta)
                if problem is None:
                    return obj, meta["metadata"]
        except ValueError as e:
            problem = f"the metadata is not valid JSON ({e})"
        except FileNotFoundError:
            problem = "the object file is missing"
        except OSError as e:
            problem = f"the object cannot be read ({e.strerror})"
        self.reject(key, problem)
        return None

    @staticmethod
    def _check_entry(meta, payload: dict, metadata: dict | None) -> str | None:
        from tessera.runtime.abi import parse_functions

        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            return "unknown entry format"
        if meta.get("key") != payload:
            return "stale: its key does not match this config, target or compiler"
        for field, kind in (("object_sha256", str), ("object_bytes", int), ("metadata", dict)):
            if not isinstance(meta.get(field), kind) or isinstance(meta.get(field), bool):
                return f"field {field!r} is missing or not of type {kind.__name__}"
        try:
            parse_functions(meta["metadata"])
        except CompileError as e:
            return f"the ABI metadata is malformed ({e})"
        if metadata is not None and meta["metadata"] != metadata:
            return f"its ABI metadata differs from the compiled module's ({_first_difference(meta['metadata'], metadata)})"
        return None

    def reject(self, key: str, problem: str) -> None:
        """Reports an invalid entry; it is replaced when the rebuilt object is stored."""
        self._warn(f"entry {key} in {self.directory} is invalid: {problem}", "rebuilding it")

    def store(self, key: str, payload: dict, obj: bytes, metadata: dict) -> Path | None:
        from tessera.compiler import write_atomically

        obj_path, meta_path = self.object_path(key), self.directory / f"{key}.json"
        meta = {"format": FORMAT, "key": payload, "object_sha256": hashlib.sha256(obj).hexdigest(),
                "object_bytes": len(obj), "metadata": metadata}
        try:
            write_atomically(obj_path, obj)
            write_atomically(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode())
        except OSError as e:
            self._warn(f"cannot write to {self.directory} ({e.strerror})", "the model is compiled uncached")
            return None
        return obj_path


def _check_object(obj: bytes, meta: dict) -> str | None:
    """Why ``obj`` cannot be the entry's object file, or None."""
    if len(obj) != meta["object_bytes"] or hashlib.sha256(obj).hexdigest() != meta["object_sha256"]:
        return "the object does not match its recorded size and SHA-256"
    return check_elf_object(obj)


def check_elf_object(obj: bytes) -> str | None:
    """Structural checks of an x86-64 ELF relocatable object before the JIT
    links it (the JIT trusts its input): header, section table and every
    section's extent inside the file, section links in range."""
    if len(obj) < 64 or obj[:4] != b"\x7fELF":
        return "the object is not an ELF file"
    if obj[4] != 2 or obj[5] != 1:
        return "the object is not a 64-bit little-endian ELF file"
    e_type, e_machine = struct.unpack_from("<HH", obj, 16)
    if e_type != 1 or e_machine != 62:
        return f"the object is not an x86-64 relocatable object (type {e_type}, machine {e_machine})"
    e_shoff, = struct.unpack_from("<Q", obj, 40)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", obj, 58)
    if e_shentsize != 64 or e_shnum == 0 or e_shoff + e_shnum * 64 > len(obj) or e_shstrndx >= e_shnum:
        return "the object's section table is out of bounds"
    for i in range(e_shnum):
        _, sh_type, _, _, sh_offset, sh_size, sh_link, _, _, sh_entsize = struct.unpack_from(
            "<IIQQQQIIQQ", obj, e_shoff + i * 64)
        if sh_type not in (0, 8) and sh_offset + sh_size > len(obj):  # 8: SHT_NOBITS
            return f"section {i} of the object extends past its end"
        if sh_link >= e_shnum:
            return f"section {i} of the object links to a section that does not exist"
        if sh_type in (2, 4, 9, 11) and (sh_entsize == 0 or sh_size % sh_entsize):  # symtab, rela, rel, dynsym
            return f"section {i} of the object has a malformed entry size"
    return None


def _first_difference(got, want, where: str = "") -> str:
    """A short path to where two JSON values first differ."""
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want), key=str):
            if got.get(k) != want.get(k):
                return _first_difference(got.get(k), want.get(k), f"{where}.{k}" if where else str(k))
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return f"{where}: {len(got)} entries, expected {len(want)}"
        for i, (a, b) in enumerate(zip(got, want)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    text = json.dumps(got)
    return f"{where}: {text if len(text) <= 40 else text[:37] + '...'}"
