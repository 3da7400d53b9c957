"""Shared by the bad-input tests (test_bad_input.py, test_bad_input_properties.py):
one small model converted and compiled once, the CLI called in process, and
the assertions every bad input must pass -- a one-line message, exit code 1
(2 for usage), no traceback, nothing half-written."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from conftest import PARITY_CONFIGS, REPO
from tessera.checkpoint import Artifact, convert_checkpoint
from tessera.cli import main
from tessera.reference import ReferenceModel
from tessera.testing import write_hf_checkpoint

TOL = 1e-4  # max|a - b| / max|b| against the numpy reference


class World:
    """One small model, converted and compiled once (a plain class: hypothesis
    prints its short repr in falsifying examples)."""

    def __init__(self, root: Path, ckpt: Path, art: Path, cache: Path, ids: np.ndarray, ids_file: Path,
                 reference: np.ndarray):
        self.root = root
        self.ckpt = ckpt  # HF checkpoint, fp32
        self.art = art  # its artifact (never modified by tests: copy it first)
        self.cache = cache  # compile cache holding the compiled artifact
        self.ids = ids
        self.ids_file = ids_file
        self.reference = reference  # numpy reference prefill logits of ids

    def __repr__(self) -> str:
        return f"World({str(self.root)!r})"


def make_world(root: Path) -> World:
    config = PARITY_CONFIGS["mha-1group"][0]  # the smallest parity config: fast to compile and run
    ckpt = write_hf_checkpoint(config, root / "ckpt", seed=11)
    art = convert_checkpoint(ckpt, root / "art", progress=False)
    cache = root / "cache"
    ids = np.random.default_rng(12).integers(0, config.vocab_size, (2, 7)).astype(np.int64)
    ids_file = root / "ids.npy"
    np.save(ids_file, ids)
    opened = Artifact.open(art)
    reference = ReferenceModel(opened.config, opened.f32_weights()).prefill(ids)[0]
    return World(root, ckpt, art, cache, ids, ids_file, reference)


@contextlib.contextmanager
def cache_env(cache: Path):
    old = os.environ.get("TESSERA_CACHE_DIR")
    os.environ["TESSERA_CACHE_DIR"] = str(cache)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TESSERA_CACHE_DIR", None)
        else:
            os.environ["TESSERA_CACHE_DIR"] = old


def cli(*argv) -> tuple[int, str, str]:
    """``tessera ARGV`` in process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def cli_subprocess(*argv, cache: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m tessera ARGV`` in a child (where a signal must be told from an exit)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(REPO / "python") + os.pathsep + env.get("PYTHONPATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    if cache is not None:
        env["TESSERA_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-m", "tessera", *map(str, argv)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def assert_clean_exit(code: int, err: str, allowed=(0, 1, 2)) -> None:
    """Exit code in ``allowed`` (never a signal), no traceback, and an error
    is exactly one ``error: ...`` line (argparse usage errors: its usage text)."""
    assert code in allowed, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 1:
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and err.splitlines()[-1].startswith("error: "), err


def one_line_error(code: int, err: str, fragment: str) -> None:
    assert code == 1, (code, err)
    assert_clean_exit(code, err)
    assert fragment in err, err


def rel(a, b) -> float:
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


def leftovers(directory: Path) -> list[str]:
    """Staging/temporary files or directories left in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def copy_tree(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst
