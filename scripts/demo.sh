#!/usr/bin/env bash
# The main job on a fresh machine: set-up (installs what is missing, builds),
# then the embedded tiny Nemotron-H end to end on x86 (random checkpoint ->
# convert -> compile -> prefill + greedy generation), checked against the
# numpy reference model, with timings.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec "${PYTHON:-python3}" -m tessera demo "$@"
