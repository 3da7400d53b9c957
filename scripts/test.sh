#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (installs what is missing,
# builds), then the lit/FileCheck IR tests, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PY=${PYTHON:-python3}

echo "== lit: IR tests (test/)"
# PyPI's lit has no __main__; call its entry point through this Python.
$PY -c 'import sys, lit.main; sys.argv[0] = "lit"; lit.main.main()' -sv build/skbuild/test

echo "== pytest: Python API, frontend, driver (test/python)"
$PY -m pytest -q -rs test/python "$@"   # -rs: print why GPU tests are skipped
