#!/usr/bin/env bash
# Installs what Tessera needs on a fresh Debian 12 machine, skipping whatever
# is already there, then builds and installs the repo (editable) into the
# current Python: the C++ compiler (tessera-opt), the extension and the CLI.
#
#   scripts/setup.sh            # build deps + runtime deps + editable install
#   TESSERA_SKIP_APT=1 ...      # when LLVM/MLIR 22 is provided another way
set -euo pipefail
cd "$(dirname "$0")/.."

LLVM_PKGS=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools lld-22 libomp-22-dev
           zlib1g-dev libzstd-dev libxml2-dev libedit-dev libffi-dev
           libncurses-dev ccache)

if [ -z "${TESSERA_SKIP_APT:-}" ]; then
  missing=()
  for p in "${LLVM_PKGS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
# Build requirements (the editable install runs without build isolation so
# that its CMake build directory, build/skbuild, is reused between runs).
need=()
$PY -c "import scikit_build_core" 2>/dev/null || need+=("scikit-build-core>=0.10")
$PY -c "import pybind11" 2>/dev/null || need+=("pybind11>=2.12")
$PY -c "import ninja" 2>/dev/null || command -v ninja >/dev/null || need+=("ninja")
$PY -c "import cmake" 2>/dev/null || command -v cmake >/dev/null || need+=("cmake>=3.20")
# Runtime and test requirements. torch is pinned to the CPU build on disk.
$PY -c "import numpy, yaml, safetensors, huggingface_hub, tqdm" 2>/dev/null || need+=(numpy pyyaml safetensors huggingface_hub tqdm)
$PY -c "import pytest, lit" 2>/dev/null || need+=("pytest>=7" "lit>=18")
$PY -c "import hypothesis" 2>/dev/null || need+=("hypothesis>=6.100")  # property-based bad-input tests
$PY -c "import torch" 2>/dev/null || need+=("torch==2.13.0")
$PY -c "import transformers.models.nemotron_h" 2>/dev/null || need+=("transformers>=4.55")
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing Python packages: ${need[*]}"
  $PY -m pip install -q "${need[@]}"
fi

echo "== building Tessera (C++ compiler, Python extension) into build/skbuild"
export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
export CCACHE_BASEDIR="$PWD"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
$PY -m pip install -q --no-build-isolation --no-deps -e . \
  -Cbuild-dir=build/skbuild
echo "== tessera installed: $(command -v tessera-opt)"
