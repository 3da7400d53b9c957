"""Hugging Face Nemotron-H checkpoint -> Tessera artifact (pipeline stage 2).

``tessera convert --hf SRC --out ART`` reads ``config.json`` plus
``model.safetensors`` (or shards listed in ``model.safetensors.index.json``),
checks every tensor against the config *before* writing anything, and writes
the artifact described in :mod:`tessera.checkpoint.artifact`:

    ART/embedding.npz  ART/layer_000.npz ...  ART/final.npz  ART/manifest.json

Safety rules: output is assembled in ``ART.tmp-XXXX`` next to the target and
renamed into place only when complete, so a failed conversion leaves nothing
behind (a killed one leaves its staging directory, which records its owner
and is removed by the next conversion into the same parent:
:mod:`tessera.checkpoint.staging`); an existing non-empty ``ART`` is never touched without ``force``,
and with ``force`` the old one is moved aside, the new one renamed in, and
only then is the old one deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tessera
from tessera import safejson
from tessera.checkpoint import staging
from tessera.checkpoint.names import HF_BACKBONE_PREFIXES, WeightSpec, weight_specs
from tessera.checkpoint.npz import write_npz
from tessera.checkpoint.safetensors_io import SafetensorsFile
from tessera.config import NemotronHConfig, load_config
from tessera.dtypes import STORAGE, convert, nonfinite_mask
from tessera.errors import CheckpointError

ARTIFACT_FORMAT = "tessera-artifact"
ARTIFACT_FORMAT_VERSION = 1
OUTPUT_DTYPES = ("bf16", "fp32")

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
#: What to fetch from the hub: nothing but the config and the weights.
HUB_ALLOW_PATTERNS = ["config.json", "*.safetensors", "*.safetensors.index.json"]
#: Tensors HF itself ignores when loading NemotronHForCausalLM (multi-token-prediction heads).
IGNORED_PREFIXES = ("mtp.",)

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SCAN_CHUNK = 1 << 23  # elements per finiteness/hash chunk: bounds temporary memory


# ------------------------------------------------------------------ source resolution
def resolve_source(src: str | os.PathLike) -> Path:
    """A local checkpoint directory, or a hub repo id downloaded via
    ``huggingface_hub.snapshot_download`` (which honours its cache and HF_HUB_OFFLINE)."""
    from tessera import sources

    path = Path(src).expanduser()
    expected = "a Hugging Face checkpoint directory, or a hub repo id like 'nvidia/NVIDIA-Nemotron-Nano-12B-v2-Base'"
    kind = sources.classify(path)
    if kind == sources.ARTIFACT:
        raise CheckpointError(f"{src}: a Tessera artifact (already converted), not {expected}")
    if kind in (sources.HF_CHECKPOINT, sources.CONFIG_DIR, sources.OTHER_DIR):
        return path  # a directory without weights is said by the caller, naming what is missing
    if kind != sources.MISSING:
        raise CheckpointError(f"{src}: {sources.DESCRIBE[kind]}, not {expected}")
    text = str(src)
    if not _REPO_ID.match(text) or ".." in text:
        raise CheckpointError(sources.missing_message(src, expected))
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        raise CheckpointError(f"{src}: looks like a hub repo id but huggingface_hub is not installed") from None
    try:
        local = snapshot_download(repo_id=text, allow_patterns=HUB_ALLOW_PATTERNS)
    except Exception as e:  # hub errors come in many types (offline, gated, 404, HTTP)
        offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
        hint = " (HF_HUB_OFFLINE is set and it is not in the local cache)" if offline else ""
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise CheckpointError(f"{src}: cannot download from the Hugging Face hub{hint}: "
                              f"{type(e).__name__}: {first_line}") from None
    return Path(local)


# ------------------------------------------------------------------ reading the checkpoint
def _open_shards(ckpt: Path) -> tuple[dict[str, SafetensorsFile], list[SafetensorsFile]]:
    """Map every tensor name to the file holding it, validating the index."""
    index_path = ckpt / INDEX_FILE
    if index_path.is_file():
        try:
            index = safejson.loads(index_path.read_bytes())
        except OSError as e:
            raise CheckpointError(f"{index_path}: cannot read: {e.strerror or e}") from None
        except ValueError as e:
            raise CheckpointError(f"{index_path}: cannot parse: {e}") from None
        weight_map = index.get("weight_map") if isinstance(index, dict) else None
        if not isinstance(weight_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()
        ):
            raise CheckpointError(f"{index_path}: missing or malformed 'weight_map'")
        files: dict[str, SafetensorsFile] = {}
        for shard in sorted(set(weight_map.values())):
            if Path(shard).is_absolute() or ".." in Path(shard).parts:
                raise CheckpointError(f"{index_path}: shard path {shard!r} points outside the checkpoint directory")
            if not (ckpt / shard).is_file():
                names = [k for k, v in weight_map.items() if v == shard]
                raise CheckpointError(
                    f"{index_path}: shard {shard!r} (holding {names[0]!r} and {len(names) - 1} more) does not exist"
                )
            files[shard] = SafetensorsFile(ckpt / shard)
        by_name: dict[str, SafetensorsFile] = {}
        for name, shard in weight_map.items():
            if name not in files[shard].tensors:
                raise CheckpointError(f"{ckpt / shard}: tensor {name!r} listed in {INDEX_FILE} is not in this shard")
            by_name[name] = files[shard]
        for shard, f in files.items():
            for name in f.tensors:
                if weight_map.get(name) != shard:
                    raise CheckpointError(f"{f.path}: tensor {name!r} is not listed for this shard in {INDEX_FILE}")
        return by_name, list(files.values())
    single = ckpt / SINGLE_FILE
    if single.is_file():
        f = SafetensorsFile(single)
        return {name: f for name in f.tensors}, [f]
    raise CheckpointError(f"{ckpt}: no {SINGLE_FILE} or {INDEX_FILE} (only safetensors checkpoints are supported)")


@dataclass(frozen=True)
class _Item:
    spec: WeightSpec
    hf_name: str  #: name actually read from the checkpoint (the stacked name for per-expert parts)
    file: SafetensorsFile
    #: MoE experts stored per expert: (name, file) of each, stacked on dim 0 in order.
    parts: tuple[tuple[str, SafetensorsFile], ...] = ()

    @property
    def sources(self) -> tuple[tuple[str, SafetensorsFile], ...]:
        return self.parts or ((self.hf_name, self.file),)

    @property
    def dtype(self) -> str:
        return self.file.tensors[self.sources[0][0]].dtype

    @property
    def nbytes(self) -> int:
        return sum(f.tensors[n].end - f.tensors[n].begin for n, f in self.sources)

    def read(self) -> np.ndarray:
        if not self.parts:
            return self.file.read(self.hf_name)
        return np.stack([f.read(n) for n, f in self.parts])


_EXPERT_NAME = re.compile(r"^(.*\.mixer\.experts)\.(\d+)\.(up|down)_proj\.weight$")


def _check_expert_count(config: NemotronHConfig, by_name: dict[str, SafetensorsFile], cfg_file: Path) -> None:
    """A checkpoint's per-expert tensors must number exactly n_routed_experts per
    MoE layer (checked before the missing/unexpected lists, which would bury it)."""
    if config.n_routed_experts is None:
        return
    found: dict[tuple[str, str], set[int]] = {}
    for name in by_name:
        m = _EXPERT_NAME.match(name)
        if m:
            found.setdefault((m[1], m[3]), set()).add(int(m[2]))
    for (layer, proj), ids in sorted(found.items()):
        if len(ids) != config.n_routed_experts or max(ids) != config.n_routed_experts - 1:
            raise CheckpointError(
                f"checkpoint has {len(ids)} experts in {layer} ({proj}_proj, ids {min(ids)}..{max(ids)}), but "
                f"{cfg_file.name} says n_routed_experts = {config.n_routed_experts}")


def _plan(config: NemotronHConfig, by_name: dict[str, SafetensorsFile], cfg_file: Path) -> list[_Item]:
    """Match checkpoint tensors to the Tessera contract; check names and shapes."""
    specs = weight_specs(config)
    prefix = next((p for p in HF_BACKBONE_PREFIXES if f"{p}embeddings.weight" in by_name), "backbone.")

    def actual(spec: WeightSpec) -> str:
        return spec.hf_name if not spec.hf_name.startswith("backbone.") else prefix + spec.hf_name[len("backbone."):]

    _check_expert_count(config, by_name, cfg_file)
    items: list[_Item] = []
    missing: list[str] = []
    for spec in specs:
        name = actual(spec)
        if name not in by_name and spec.name == "lm_head" and config.tie_word_embeddings:
            name = actual(specs[0])  # tied: the LM head is the embedding matrix
        if name not in by_name and spec.hf_expert_names:
            parts = [actual(WeightSpec(spec.name, n, (), (), "", "")) for n in spec.hf_expert_names]
            if all(p in by_name for p in parts):
                items.append(_Item(spec, name, by_name[parts[0]], tuple((p, by_name[p]) for p in parts)))
                continue
        if name not in by_name:
            missing.append(name)
            continue
        items.append(_Item(spec, name, by_name[name]))
    if missing:
        raise CheckpointError(
            f"checkpoint is missing {len(missing)} tensor(s) that {cfg_file.name} requires: {_some(missing)}"
        )
    used = {actual(s) for s in specs} | {n for i in items for n, _ in i.sources}
    unexpected = [n for n in by_name if n not in used and not n.startswith(IGNORED_PREFIXES)]
    if unexpected:
        raise CheckpointError(
            f"checkpoint has {len(unexpected)} tensor(s) that {cfg_file.name} does not account for: {_some(unexpected)}"
        )
    # Expert stacks first: a wrong expert count also breaks the router's shapes, and
    # the count is the message that says what is wrong.
    for item in sorted(items, key=lambda i: not i.spec.hf_expert_names):
        for name, file in item.sources:
            info = file.tensors[name]
            expected, doc = item.spec.hf_shape, item.spec.shape_doc
            if item.parts:  # one expert of the stack
                expected, doc = expected[1:], "[" + doc.split(", ", 1)[1]
            elif item.spec.hf_expert_names and info.shape[:1] != expected[:1] and len(info.shape) == 3:
                raise CheckpointError(
                    f"tensor {name} (in {file.path.name}) stacks {info.shape[0]} experts, but "
                    f"{cfg_file.name} says n_routed_experts = {expected[0]}")
            if info.shape != expected:
                raise CheckpointError(
                    f"tensor {name} (in {file.path.name}) has shape {list(info.shape)}, but "
                    f"{cfg_file.name} implies {list(expected)} = {doc}"
                )
            if info.dtype != item.dtype:
                raise CheckpointError(
                    f"tensor {name} (in {file.path.name}) is {info.dtype}, but the other experts of "
                    f"{item.hf_name} are {item.dtype}")
    return items


def _some(names: list[str], n: int = 5) -> str:
    shown = ", ".join(names[:n])
    return shown + (f" (and {len(names) - n} more)" if len(names) > n else "")


# ------------------------------------------------------------------ conversion
def _scan(arr: np.ndarray, dtype: str, hasher) -> tuple[int, int | None]:
    """(count, first flat index) of non-finite values; feeds the bytes to ``hasher``."""
    flat = arr.reshape(-1)
    count, first = 0, None
    for start in range(0, max(flat.size, 1), _SCAN_CHUNK):
        chunk = flat[start : start + _SCAN_CHUNK]
        if hasher is not None:
            hasher.update(np.ascontiguousarray(chunk).data)
        bad = nonfinite_mask(chunk, dtype)
        n = int(np.count_nonzero(bad))
        if n:
            count += n
            if first is None:
                first = start + int(np.argmax(bad))
    return count, first


def _check_finite(arr: np.ndarray, dtype: str, what: str, hasher=None) -> None:
    count, first = _scan(arr, dtype, hasher)
    if count:
        index = tuple(int(i) for i in np.unravel_index(first, arr.shape)) if arr.ndim else ()
        raise CheckpointError(f"{what}: {count} non-finite value(s) (NaN/Inf), first at index {list(index)}")


def _progress_bar(total_bytes: int, enabled: bool | None):
    if enabled is None:
        # Only worth drawing for an interactive terminal and a checkpoint big enough to wait for.
        enabled = sys.stderr.isatty() and total_bytes >= 64 * 1024 * 1024
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total_bytes, unit="B", unit_scale=True, desc="converting", file=sys.stderr)


def convert_checkpoint(
    src: str | os.PathLike,
    out: str | os.PathLike,
    dtype: str | None = None,
    force: bool = False,
    progress: bool | None = None,
) -> Path:
    """Convert checkpoint ``src`` (directory or hub repo id) to artifact ``out``.

    ``dtype``: "bf16" or "fp32"; ``None`` keeps each tensor's source dtype
    (an fp16 checkpoint stays fp16).  Returns the artifact path.
    """
    if dtype is not None and dtype not in OUTPUT_DTYPES:
        raise CheckpointError(f"--dtype must be one of {', '.join(OUTPUT_DTYPES)}, got {dtype!r}")
    out = Path(out).expanduser()
    _check_output(out, force)  # before any (possibly long) download
    ckpt = resolve_source(src)
    real_ckpt, real_out = ckpt.resolve(), out.resolve()
    if real_out == real_ckpt or real_out in real_ckpt.parents or real_ckpt in real_out.parents:
        raise CheckpointError(f"--out {out} overlaps the checkpoint directory {ckpt}")
    cfg_file = ckpt / "config.json"
    if not cfg_file.is_file():
        raise CheckpointError(f"{ckpt}: missing config.json")
    config = load_config(cfg_file)
    by_name, files = _open_shards(ckpt)
    items = _plan(config, by_name, cfg_file)

    # (float32-only tensors -- the MoE router's -- do not decide the artifact's dtype)
    src_dtypes = {i.dtype for i in items if not i.spec.keep_fp32} or {i.dtype for i in items}
    manifest_dtype = dtype or (src_dtypes.pop() if len(src_dtypes) == 1 else "mixed")
    groups: "OrderedDict[str, list[_Item]]" = OrderedDict()
    for item in items:
        groups.setdefault(item.spec.group, []).append(item)
    total = sum(i.nbytes for i in items)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging.remove_stale(out.parent)  # left by conversions that were killed
    tmp = staging.make_staging_dir(out.parent, out.name)
    bar = _progress_bar(total, progress)
    try:
        entries = []
        for group, group_items in groups.items():
            arrays = []
            for item in group_items:
                src_dtype = item.dtype
                what = f"tensor {item.hf_name} (in {item.file.path.name})"
                raw = item.read().reshape(item.spec.shape)  # conv: [C,1,K] -> [C,K]; experts stacked
                _check_finite(raw, src_dtype, what)
                out_dtype = "fp32" if item.spec.keep_fp32 else (dtype or src_dtype)
                arr = np.ascontiguousarray(convert(raw, src_dtype, out_dtype), dtype=STORAGE[out_dtype])
                hasher = hashlib.sha256()
                _check_finite(arr, out_dtype, f"{what} after conversion to {out_dtype}", hasher)
                arrays.append((item.spec.name, arr))
                entries.append({
                    "tessera_name": item.spec.name,
                    "hf_name": item.hf_name,
                    "shard": f"{group}.npz",
                    "shape": list(item.spec.shape),
                    "dtype": out_dtype,
                    "sha256": hasher.hexdigest(),
                })
                if bar is not None:
                    bar.update(item.nbytes)
            write_npz(tmp / f"{group}.npz", arrays)
            del arrays
        manifest = {
            "format": ARTIFACT_FORMAT,
            "format_version": ARTIFACT_FORMAT_VERSION,
            "producer": f"tessera {tessera.__version__}",
            "source": str(src),
            "config": config.to_hf_dict(json_safe=True),
            "dtype": manifest_dtype,
            "tensors": entries,
        }
        # Manifest last: a directory without one is never a valid artifact.
        with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, allow_nan=False)
            f.write("\n")
        staging.release(tmp)
        _install(tmp, out, force)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError):
            raise CheckpointError(f"cannot write artifact {out}: {e}") from None
        raise
    finally:
        if bar is not None:
            bar.close()
        for f in files:
            f.close()
    return out


# ------------------------------------------------------------------ output directory handling
def _check_output(out: Path, force: bool) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise CheckpointError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise CheckpointError(f"--out {out} exists and is not empty (pass --force to replace it)")


def _install(tmp: Path, out: Path, force: bool) -> None:
    """Rename the finished artifact into place (see module docstring)."""
    if not out.exists():
        os.rename(tmp, out)
        return
    _check_output(out, force)  # re-check: it may have appeared while we converted
    if not any(out.iterdir()):
        os.rename(tmp, out)  # rename(2) replaces an empty directory
        return
    aside = out.with_name(f"{out.name}.old-{secrets.token_hex(4)}")
    os.rename(out, aside)
    try:
        staging.mark_owned(aside)  # removed by a later conversion if we are killed before rmtree
        os.rename(tmp, out)
    except BaseException:
        os.rename(aside, out)  # put the old artifact back
        staging.release(out)
        raise
    shutil.rmtree(aside, ignore_errors=True)
