"""Shared fixtures for the Python frontend tests (run: PYTHONPATH=python pytest test/python).

Puts ``python/`` on sys.path so the tests run from a source checkout without
installing, and provides the small configs every test builds on.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))
# Test modules import helpers from this file (`from conftest import ...`); make that
# work under any pytest import mode, not only the default "prepend".
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Tests must never reach the network; snapshot_download is monkeypatched where used.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tessera.config import builtin_config_path, load_config  # noqa: E402


@pytest.fixture
def tiny_config():
    return load_config(builtin_config_path("nemotron_h_tiny"))


def listing(path: Path) -> list[str]:
    """Everything under ``path`` (relative), to assert that nothing was written."""
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*"))
