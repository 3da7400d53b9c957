"""The x86 CPU driver: compiled object -> ORC JIT in process, numpy buffers.

The object comes from the LLVM stage (``tessera._tessera`` binds the codegen
library, lib/Target/LLVMCPU). It is loaded without a system linker; symbols
it needs from libc/libm resolve against the running process. Functions are
called through MLIR's C interface (``llvm.emit_c_interface``): every argument
is a pointer to a ranked memref descriptor. Weights are the artifact's
memory-mapped arrays (no copies), except those the compiler takes in another
layout (matmul weights as column panels, :mod:`tessera.runtime.packing`),
which are packed once in ``bind_weights``; states are numpy arrays that the compiled
code updates in place.

The kernels' parallel loops run on the OpenMP runtime (LLVM's libomp, which
the JIT loads). Threads: ``num_threads`` when given, else ``OMP_NUM_THREADS``
when set (read by libomp itself), else the cores this process may use
(``os.sched_getaffinity``).
"""

from __future__ import annotations

import ctypes
import os
from typing import Sequence

import numpy as np

from tessera.errors import CompileError, RuntimeInputError
from tessera.runtime.abi import DTYPES, FunctionABI, StateABI
from tessera.runtime.driver import Driver
from tessera.runtime.packing import pack_weight, weight_layouts

_DESCRIPTORS: dict[int, type] = {}


def _descriptor_type(rank: int) -> type:
    """ctypes mirror of MLIR's ranked memref descriptor for ``rank``."""
    if rank not in _DESCRIPTORS:
        class Descriptor(ctypes.Structure):
            _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                        ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                        ("strides", ctypes.c_int64 * rank)]
        _DESCRIPTORS[rank] = Descriptor
    return _DESCRIPTORS[rank]


def _descriptor(arr: np.ndarray):
    """The memref descriptor of a C-contiguous numpy array (no copy)."""
    if not arr.flags.c_contiguous:
        raise RuntimeInputError("internal: arrays passed to compiled code must be C-contiguous")
    d = _descriptor_type(arr.ndim)()
    d.allocated = d.aligned = arr.ctypes.data
    d.offset = 0
    for i, (n, s) in enumerate(zip(arr.shape, arr.strides)):
        d.sizes[i] = n
        d.strides[i] = s // arr.itemsize
    return d


class ObjectLoadError(CompileError):
    """The JIT refused a compiled object (a damaged cache entry, or a bug)."""


def resolve_num_threads(num_threads) -> int | None:
    """The team size to set: ``num_threads`` (checked), None when
    ``OMP_NUM_THREADS`` is set (libomp reads it), else the usable cores."""
    if num_threads is not None:
        if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
            raise RuntimeInputError(f"num_threads must be a positive integer, got {num_threads!r}")
        return num_threads
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class CPUDriver(Driver):
    target = "x86"

    def __init__(self, code: bytes, functions: dict[str, FunctionABI], num_threads: int | None = None):
        from tessera._tessera import JitLibrary

        self.num_threads = resolve_num_threads(num_threads)
        self._abi = functions
        self._functions = {}
        try:
            self._lib = JitLibrary(code)
            for name, abi in functions.items():
                address = self._lib.lookup(f"_mlir_ciface_{name}")
                proto = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * abi.num_args))
                self._functions[name] = proto(address)
        except Exception as e:  # noqa: BLE001 - the JIT's errors come as several types (and undecodable text)
            raise ObjectLoadError(f"the JIT cannot load the compiled object ({type(e).__name__}: "
                                  f"{' '.join(str(e).split())[:200]})") from None
        self._weights: dict[str, np.ndarray] = {}

    def bind_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Binds the stored tensors; those the compiler chose another layout
        for (matmul panels) are packed here, once, one at a time. The driver
        takes ``weights`` over: a packed tensor's stored array is removed from
        it as soon as it is packed, so its mapping can go before the next."""
        layouts = weight_layouts(self._abi)
        bound = {}
        for name in list(weights):
            layout = layouts.get(name)
            if layout is None:
                bound[name] = np.ascontiguousarray(weights[name])
            else:
                bound[name] = pack_weight(name, weights.pop(name), layout)
        self._weights = bound

    def allocate_state(self, spec: StateABI, shape: Sequence[int]) -> np.ndarray:
        # np.zeros maps fresh zero pages lazily: a cache of large capacity
        # costs memory only for the rows actually written ([B, capacity, ...]
        # keeps each sequence's written prefix contiguous).
        return np.zeros(tuple(shape), DTYPES[spec.dtype])

    def state_to_host(self, buffer) -> np.ndarray:
        return buffer

    def run(self, function: str, inputs: dict[str, np.ndarray], states: Sequence,
            results: dict[str, Sequence[int]]) -> dict[str, np.ndarray]:
        abi = self._abi[function]
        args: list = [None] * abi.num_args
        for spec in abi.inputs:
            args[spec.arg] = inputs[spec.name]
        for spec, buf in zip(abi.states, states):
            args[spec.arg] = buf
        for k, name in enumerate(abi.weights):
            args[abi.first_weight_arg + k] = self._weights[name]
        out = {}
        for spec in abi.results:
            out[spec.name] = args[spec.arg] = np.empty(tuple(results[spec.name]), DTYPES[spec.dtype])
        descriptors = [_descriptor(a) for a in args]
        if self.num_threads is not None:
            # OpenMP's team size is per calling thread: set it on this one.
            from tessera._tessera import set_num_threads
            set_num_threads(self.num_threads)
        self._functions[function](*[ctypes.addressof(d) for d in descriptors])
        return out
