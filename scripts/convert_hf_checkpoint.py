#!/usr/bin/env python3
"""Thin wrapper: ``scripts/convert_hf_checkpoint.py --hf SRC --out ART [--dtype bf16|fp32] [--force]``
is ``tessera convert ...`` for a source checkout (no install needed)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from tessera.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["convert", *sys.argv[1:]]))
