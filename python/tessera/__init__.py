"""Tessera: an MLIR compiler for NVIDIA Nemotron-H hybrid Mamba2/Transformer LLMs.

This package is the pure-Python frontend: config loading (``tessera.config``),
HF checkpoint conversion and artifact I/O (``tessera.checkpoint``), a numpy
reference forward pass (``tessera.reference``) and the ``tessera`` CLI
(``tessera.cli``).  Submodules are imported lazily so ``import tessera`` stays
cheap and never pulls in numpy/yaml (or the compiled extension) by itself.
"""

import importlib

__version__ = "0.1.0"

_LAZY_SUBMODULES = ("config", "errors", "dtypes", "checkpoint", "reference", "testing", "cli", "graph_builder", "ir",
                    "compiler", "runtime")


def __getattr__(name):
    # PEP 562 lazy submodule access: ``tessera.config`` imports on first use.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "compile":  # tessera.compile(config_or_artifacts, target="x86")
        return importlib.import_module(f"{__name__}.runtime").compile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY_SUBMODULES) + ["compile"])
