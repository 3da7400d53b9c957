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

Intermediate buffers come from Tessera's runtime allocator (lib/Runtime, in
the extension): a caching arena whose pages stay mapped between calls, so a
repeated call does not fault its intermediates in again. Each call runs
through the function's packed entry point under the runtime's guard: when
an allocation fails (the machine's memory, or :func:`set_memory_limit`) the
call is abandoned and :class:`RuntimeInputError` says so, instead of the
compiled code dereferencing NULL. :func:`memory_stats`,
:func:`release_memory` and :func:`set_memory_limit` reach the allocator.
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


def memory_stats() -> dict:
    """The runtime allocator's counters (process-wide; bytes and counts):
    ``live_bytes``, ``peak_live_bytes`` (buffers in use), ``held_bytes``,
    ``peak_held_bytes`` (memory the allocator holds, in use or cached),
    ``high_water_bytes`` (arena memory touched), ``allocations``,
    ``fresh_allocations`` (those that needed memory never touched before),
    ``fallback_allocations``, ``failed_allocations``, ``frees``,
    ``releases``, ``reserved_bytes`` (address space), ``caching`` (False
    under ``TESSERA_RT_ALLOCATOR=malloc``)."""
    from tessera._tessera import runtime_stats

    return runtime_stats()


def release_memory() -> None:
    """Gives the cached (free) memory of the runtime allocator back to the
    system; the next call faults its buffers in again. Done automatically
    when the last compiled x86 model is dropped."""
    from tessera._tessera import runtime_release

    runtime_release()


def set_memory_limit(nbytes: int | None) -> None:
    """Caps the memory the runtime allocator holds for compiled code's
    buffers (None: no cap). A call that needs more fails with
    RuntimeInputError (out of memory) and leaves the process usable."""
    from tessera._tessera import runtime_set_limit

    if nbytes is not None and (not isinstance(nbytes, int) or isinstance(nbytes, bool) or nbytes < 1):
        raise RuntimeInputError(f"the memory limit must be a positive number of bytes or None, got {nbytes!r}")
    runtime_set_limit(nbytes or 0)
    global _limit
    _limit = nbytes


_limit: int | None = None


def runtime_library() -> str:
    """Path of libtessera_runtime.so (the allocator an object from
    ``tessera compile --emit obj`` calls), installed beside the extension."""
    from tessera import _tessera

    return os.path.join(os.path.dirname(_tessera.__file__), "libtessera_runtime.so")


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
            for name in functions:
                # The packed entry point (tessera-emit-packed-entry-points):
                # one signature for all, run by the runtime's guarded call.
                self._functions[name] = self._lib.lookup(f"_mlir_{name}")
        except Exception as e:  # noqa: BLE001 - the JIT's errors come as several types (and undecodable text)
            raise ObjectLoadError(f"the JIT cannot load the compiled object ({type(e).__name__}: "
                                  f"{' '.join(str(e).split())[:200]})") from None
        self._weights: dict[str, np.ndarray] = {}
        # (argument index, address of its memref descriptor) of each
        # function's weights: built once in bind_weights, as the arrays do
        # not move (a decode step of the bench model passes 60 of them).
        self._weight_args: dict[str, list[tuple[int, int]]] = {}
        self._weight_descriptors: dict[str, object] = {}

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
        self._weight_descriptors = {name: _descriptor(a) for name, a in bound.items()}
        self._weight_args = {
            fname: [(abi.first_weight_arg + k, ctypes.addressof(self._weight_descriptors[name]))
                    for k, name in enumerate(abi.weights) if name in bound]
            for fname, abi in self._abi.items()}

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
        args: dict[int, np.ndarray] = {}
        for spec in abi.inputs:
            args[spec.arg] = inputs[spec.name]
        for spec, buf in zip(abi.states, states):
            args[spec.arg] = buf
        out = {}
        for spec in abi.results:
            out[spec.name] = args[spec.arg] = np.empty(tuple(results[spec.name]), DTYPES[spec.dtype])
        # Packed arguments: packed[i] points to the i-th argument of the C
        # interface, itself a pointer to a memref descriptor (the weights'
        # were built once; the others now, kept alive until the call ends).
        pointers = (ctypes.c_void_p * abi.num_args)()
        weight_args = self._weight_args.get(function, [])
        if len(weight_args) != len(abi.weights):
            missing = sorted(set(abi.weights) - set(self._weights))
            raise RuntimeInputError(f"internal: {function} runs before its weights are bound (missing "
                                    f"{', '.join(missing[:3]) or 'none'})")
        for i, address in weight_args:
            pointers[i] = address
        descriptors = []
        for i, a in args.items():
            d = _descriptor(a)
            descriptors.append(d)
            pointers[i] = ctypes.addressof(d)
        size = ctypes.sizeof(ctypes.c_void_p)
        base = ctypes.addressof(pointers)
        packed = (ctypes.c_void_p * abi.num_args)(*range(base, base + abi.num_args * size, size))
        from tessera._tessera import call_packed, set_num_threads
        if self.num_threads is not None:
            # OpenMP's team size is per calling thread: set it on this one.
            set_num_threads(self.num_threads)
        failed = call_packed(self._functions[function], ctypes.addressof(packed))
        if failed is not None:
            shape = list(inputs["ids"].shape) if "ids" in inputs else []
            why = (f"over the limit of {_limit:,} bytes set with set_memory_limit" if _limit
                   else "more than this machine can provide")
            raise RuntimeInputError(
                f"out of memory: {function} on ids of shape {shape} needs a buffer of {failed:,} bytes, {why} "
                "(the call was abandoned; a state it was updating is undefined): pass fewer tokens or sequences")
        return out
