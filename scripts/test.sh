#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (installs what is missing,
# builds), then the lit/FileCheck IR tests, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PY=${PYTHON:-python3}

echo "== lit: IR tests (test/)"
$PY -m lit -q -v build/skbuild/test

echo "== pytest: Python API, frontend, driver (test/python)"
$PY -m pytest -q test/python "$@"
