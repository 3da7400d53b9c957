"""What a SOURCE path on the command line is (tessera.cli's compile / run and
tessera.checkpoint.convert's ``--hf``), so that every command says the same
thing about a path that does not exist or is not what it takes.

:func:`classify` looks only at names and directory entries (no parsing);
:func:`check` turns a kind the command does not take into one
:class:`~tessera.errors.TesseraError` line naming what it expected.
"""

from __future__ import annotations

import os
from pathlib import Path

from tessera.errors import TesseraError

MISSING = "missing"
ARTIFACT = "artifact"            # a directory with manifest.json (tessera convert's output)
HF_CHECKPOINT = "hf-checkpoint"  # a directory with config.json and *.safetensors
CONFIG_DIR = "config-dir"        # a directory with config.json only
CONFIG = "config"                # a .yaml / .yml / .json file
MLIR = "mlir"                    # a .mlir file
OTHER_DIR = "other-dir"
OTHER_FILE = "other-file"

DESCRIBE = {
    ARTIFACT: "a Tessera artifact directory",
    HF_CHECKPOINT: "a Hugging Face checkpoint directory",
    CONFIG_DIR: "a directory with a config.json but no weights",
    CONFIG: "a config file",
    MLIR: "a .mlir file",
    OTHER_DIR: "a directory with neither manifest.json nor config.json",
    OTHER_FILE: "a file that is neither a config (.yaml / .json) nor a .mlir file",
}


def classify(path: str | os.PathLike) -> str:
    """One of the kinds above."""
    from tessera.checkpoint.artifact import _is_hf_checkpoint

    p = Path(path).expanduser()
    try:
        if not p.exists():
            return MISSING
        if p.is_dir():
            if (p / "manifest.json").is_file():
                return ARTIFACT
            if _is_hf_checkpoint(p):
                return HF_CHECKPOINT
            return CONFIG_DIR if (p / "config.json").is_file() else OTHER_DIR
    except OSError:  # e.g. a component that is not a directory, or no permission
        return MISSING if not os.path.lexists(p) else OTHER_FILE
    suffix = p.suffix.lower()
    if suffix == ".mlir":
        return MLIR
    return CONFIG if suffix in (".yaml", ".yml", ".json") else OTHER_FILE


def missing_message(path: str | os.PathLike, expected: str) -> str:
    return f"{path}: no such file or directory (expected {expected})"


def check(path: str | os.PathLike, accepted: tuple[str, ...], expected: str, hints: dict[str, str] | None = None) -> str:
    """The kind of ``path``; raises TesseraError if it is not one of
    ``accepted`` (``hints``: an extra sentence per kind, e.g. what to run)."""
    kind = classify(path)
    if kind in accepted:
        return kind
    if kind == MISSING:
        raise TesseraError(missing_message(path, expected))
    hint = (hints or {}).get(kind)
    raise TesseraError(f"{path}: {DESCRIBE[kind]}, not {expected}" + (f"; {hint}" if hint else ""))
