"""Runs one x86 kernel emitter on numpy arrays (test helper).

Builds a function that calls ``@tessera_kernel_<name>`` on memref arguments,
lets ``tessera-test-x86-kernels`` inline the emitter, lowers to LLVM with the
same upstream pipeline the x86 target uses, compiles in process and calls it
through MLIR's C interface. Output arrays are modified in place.

``tessera-test-x86-kernels`` is a test pass (test/lib): it is linked into
``tessera-opt`` only, not into the Python extension, so that step runs
``tessera-opt`` and the rest runs in process.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys

import numpy as np

from tessera import ir
from tessera._tessera import JitLibrary
from tessera.runtime import _descriptor

_ELEMENT = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64", np.dtype(np.uint16): "bf16",
            np.dtype(np.float16): "f16"}

#: The x86 target's own lowering to the LLVM dialect (Target-IR ops included).
X86_TO_LLVM = "tessera-x86-to-llvm"


def _tessera_opt() -> str:
    """tessera-opt of this installation (beside the Python, else on PATH)."""
    beside = os.path.join(os.path.dirname(sys.executable), "tessera-opt")
    if os.path.exists(beside):
        return beside
    found = shutil.which("tessera-opt")
    if not found:
        raise RuntimeError("tessera-opt not found (run scripts/setup.sh)")
    return found


def inline_kernels(text: str, vector_width: int = 8):
    """Parses ``text`` after tessera-test-x86-kernels (+ canonicalize, cse)
    has inlined its kernel calls; returns the tessera.ir Module."""
    pipeline = f"builtin.module(tessera-test-x86-kernels{{vector-width={vector_width}}},canonicalize,cse)"
    done = subprocess.run([_tessera_opt(), f"--pass-pipeline={pipeline}"], input=text,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"tessera-test-x86-kernels failed:\n{done.stderr}")
    return ir.parse(done.stdout)


def absent() -> np.ndarray:
    """Placeholder for an absent optional operand."""
    return np.zeros((0,), np.float32)


def _type(arr: np.ndarray, dynamic: tuple[int, ...]) -> str:
    dims = "".join(("?" if i in dynamic else str(n)) + "x" for i, n in enumerate(arr.shape))
    return f"memref<{dims}{_ELEMENT[arr.dtype]}>"


def _attr(value) -> str:
    if value is True:
        return "unit"
    if isinstance(value, int):
        return f"{value} : i64"
    if isinstance(value, float):
        if np.isinf(value):
            return "0x7F800000 : f32" if value > 0 else "0xFF800000 : f32"
        return f"{value:.17e} : f64"
    return f'"{value}"'


def run_kernel(name: str, arrays: list[np.ndarray], attrs: dict | None = None,
               dynamic: dict[int, tuple[int, ...]] | None = None, vector_width: int = 8) -> str:
    """Runs kernel ``name``; ``dynamic[i]`` lists the dims of arrays[i] to leave
    dynamic in the IR. Returns the lowered-before-LLVM IR text (for debugging)."""
    dynamic = dynamic or {}
    types = [_type(a, dynamic.get(i, ())) for i, a in enumerate(arrays)]
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
    operands = ", ".join(f"%a{i}" for i in range(len(arrays)))
    attr_text = ""
    if attrs:
        attr_text = " {" + ", ".join(f"{k} = {_attr(v)}" for k, v in attrs.items()) + "}"
    text = f"""
    func.func private @tessera_kernel_{name}({", ".join(types)})
    func.func @run({args}) attributes {{llvm.emit_c_interface}} {{
      func.call @tessera_kernel_{name}({operands}){attr_text} : ({", ".join(types)}) -> ()
      return
    }}"""
    m = inline_kernels(text, vector_width)
    lowered = str(m)
    m.run_pipeline(X86_TO_LLVM)
    lib = JitLibrary(m.emit_object(opt_level=2))
    fn = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))(lib.lookup("_mlir_ciface_run"))
    descriptors = [_descriptor(np.ascontiguousarray(a)) if a.flags.c_contiguous else None for a in arrays]
    if any(d is None for d in descriptors):
        raise ValueError("kernel arrays must be C-contiguous")
    fn(*[ctypes.addressof(d) for d in descriptors])
    return lowered
