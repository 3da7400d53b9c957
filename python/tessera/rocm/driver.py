"""The HIP driver layer of Tessera's AMD runtime (compiled and checked, never run:
no AMD GPU was available; see README.md).

Where it sits::

    tessera compile --target rocm  ->  bundle DIR (plan.json + kernels.hsaco)
    tessera.cuda.plan    evaluates a host function of plan.json into a LaunchList
                         (the same plan for both vendors; format "tessera-rocm-plan")
    tessera.cuda.model   CudaModel: weights, states, the per-shape launch cache
    tessera.rocm.driver  (this file) HipDevice: the CUDA Device's interface over HIP

:class:`HipDevice` has the methods of :class:`tessera.cuda.driver.Device`
(memory, modules, launches, events, stream capture into graphs), each one raw
HIP call through ctypes over ``libamdhip64.so`` loaded at run time, so the plan
runner (:func:`tessera.cuda.driver.run_launches`, ``capture_graph``) and the
model run unchanged. Kernel parameters are passed exactly as on CUDA: a
``void*[]`` of pointers to 8-byte slots (``hipModuleLaunchKernel``'s
``kernelParams``); the HIP runtime copies them into the kernel's argument
segment at the offsets of the code object's metadata (``.args``: memref
descriptors expanded into pointer, pointer, offset, sizes, strides, each 8
bytes; checked against the plan by test/python/test_rocm_plan.py).

Every failing call raises :class:`~tessera.errors.HipError` naming the call;
synchronisation polls with a deadline (``TESSERA_HIP_TIMEOUT``, default 600 s).

Imports with numpy alone: no tessera extension, MLIR or torch.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import Sequence

import numpy as np

from tessera.errors import HipError

HIP_SUCCESS = 0
HIP_ERROR_NOT_READY = 600
_CAPTURE_MODE_THREAD_LOCAL = 1  # hipStreamCaptureModeThreadLocal
LIBRARY = "libamdhip64.so"


def _timeout_s() -> float:
    return float(os.environ.get("TESSERA_HIP_TIMEOUT", "600"))


class _HipApi:
    """The raw HIP calls through ctypes (the HIP runtime of ROCm 6/7)."""

    name = "hip-ctypes"
    _P, _U, _I, _S, _F = ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_size_t, ctypes.c_float
    _PP = ctypes.POINTER(ctypes.c_void_p)
    SIGNATURES = {
        "hipInit": (_U,),
        "hipGetDeviceCount": (ctypes.POINTER(_I),),
        "hipSetDevice": (_I,),
        "hipDeviceGetName": (ctypes.c_char_p, _I, _I),
        "hipModuleLoadData": (_PP, ctypes.c_void_p),
        "hipModuleGetFunction": (_PP, _P, ctypes.c_char_p),
        "hipModuleUnload": (_P,),
        "hipMalloc": (_PP, _S),
        "hipFree": (_P,),
        "hipMemcpyHtoDAsync": (_P, _P, _S, _P),
        "hipMemcpyDtoHAsync": (_P, _P, _S, _P),
        "hipMemcpyDtoDAsync": (_P, _P, _S, _P),
        "hipMemsetD8Async": (_P, ctypes.c_ubyte, _S, _P),
        "hipModuleLaunchKernel": (_P, _U, _U, _U, _U, _U, _U, _U, _P, _P, _P),
        "hipStreamCreate": (_PP,),
        "hipStreamDestroy": (_P,),
        "hipStreamQuery": (_P,),
        "hipEventCreate": (_PP,),
        "hipEventRecord": (_P, _P),
        "hipEventElapsedTime": (ctypes.POINTER(_F), _P, _P),
        "hipEventDestroy": (_P,),
        "hipStreamBeginCapture": (_P, _I),
        "hipStreamEndCapture": (_P, _PP),
        "hipGraphInstantiate": (_PP, _P, _P, ctypes.c_char_p, _S),
        "hipGraphLaunch": (_P, _P),
        "hipGraphExecDestroy": (_P,),
        "hipGraphDestroy": (_P,),
    }

    def __init__(self, lib=None, path: str = LIBRARY):
        """``lib``: an object with the HIP functions as attributes (a loaded
        CDLL; tests pass a recorder); default: ``ctypes.CDLL(path)``."""
        if lib is None:
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                raise HipError(f"no HIP runtime: cannot load {path} ({e})") from None
        self._lib = lib
        self._fns = {}
        for sym, argtypes in self.SIGNATURES.items():
            f = getattr(lib, sym)
            f.argtypes, f.restype = argtypes, ctypes.c_int
            self._fns[sym] = f
        for sym in ("hipGetErrorName", "hipGetErrorString"):
            f = getattr(lib, sym)
            f.argtypes, f.restype = (ctypes.c_int,), ctypes.c_char_p
            self._fns[sym] = f
        self._call("hipInit", 0)

    def _call(self, sym: str, *args) -> int:
        err = self._fns[sym](*args)
        if err != HIP_SUCCESS:
            raise HipError(f"{sym} failed: {self.error_text(err)}")
        return err

    def error_text(self, code: int) -> str:
        name = self._fns["hipGetErrorName"](code)
        text = self._fns["hipGetErrorString"](code)
        if not name:
            return f"hipError_t {code}"
        return f"{name.decode()} ({(text or b'').decode()})"

    def _out(self, sym: str, ctype, *args):
        v = ctype()
        self._call(sym, ctypes.byref(v), *args)
        return v.value

    # device
    def device_count(self) -> int: return self._out("hipGetDeviceCount", self._I)
    def set_device(self, ordinal: int): self._call("hipSetDevice", ordinal)

    def device_name(self, ordinal: int) -> str:
        buf = ctypes.create_string_buffer(256)
        self._call("hipDeviceGetName", buf, 256, ordinal)
        return buf.value.decode(errors="replace")

    # modules
    def module_load(self, image: bytes):
        self._image = ctypes.create_string_buffer(image, len(image))  # HIP may read it lazily
        return self._out("hipModuleLoadData", self._P, self._image)

    def module_function(self, module, name: str): return self._out("hipModuleGetFunction", self._P, module, name.encode())
    def module_unload(self, module): self._call("hipModuleUnload", module)

    # memory
    def mem_alloc(self, nbytes: int) -> int: return self._out("hipMalloc", self._P, nbytes)
    def mem_free(self, ptr: int): self._call("hipFree", ptr)
    def htod(self, dst, src, n, stream): self._call("hipMemcpyHtoDAsync", dst, src, n, stream)
    def dtoh(self, dst, src, n, stream): self._call("hipMemcpyDtoHAsync", dst, src, n, stream)
    def dtod(self, dst, src, n, stream): self._call("hipMemcpyDtoDAsync", dst, src, n, stream)
    def memset(self, dst, n, stream): self._call("hipMemsetD8Async", dst, 0, n, stream)

    # launches
    def launch(self, fn, grid, block, shared: int, stream, params_addr: int):
        self._call("hipModuleLaunchKernel", fn, *grid, *block, shared, stream, params_addr, None)

    # streams, events
    def stream_create(self): return self._out("hipStreamCreate", self._P)
    def stream_destroy(self, s): self._call("hipStreamDestroy", s)

    def stream_ready(self, s) -> bool:
        err = self._fns["hipStreamQuery"](s)
        if err == HIP_ERROR_NOT_READY:
            return False
        if err != HIP_SUCCESS:
            raise HipError(f"hipStreamQuery failed: {self.error_text(err)}")
        return True

    def event_create(self): return self._out("hipEventCreate", self._P)
    def event_record(self, ev, s): self._call("hipEventRecord", ev, s)

    def event_elapsed_ms(self, a, b) -> float:
        ms = ctypes.c_float()
        self._call("hipEventElapsedTime", ctypes.byref(ms), a, b)
        return float(ms.value)

    def event_destroy(self, ev): self._call("hipEventDestroy", ev)

    # graphs (stream capture, as on CUDA)
    def capture_begin(self, s): self._call("hipStreamBeginCapture", s, _CAPTURE_MODE_THREAD_LOCAL)
    def capture_end(self, s):
        graph = self._P()  # hipStreamEndCapture(stream, hipGraph_t*): the output comes second
        self._call("hipStreamEndCapture", s, ctypes.byref(graph))
        return graph.value
    def graph_instantiate(self, g): return self._out("hipGraphInstantiate", self._P, g, None, None, 0)
    def graph_launch(self, ge, s): self._call("hipGraphLaunch", ge, s)
    def graph_exec_destroy(self, ge): self._call("hipGraphExecDestroy", ge)
    def graph_destroy(self, g): self._call("hipGraphDestroy", g)


class HipDevice:
    """One AMD GPU and one stream, with :class:`tessera.cuda.driver.Device`'s
    interface (so the plan runner, graphs and CudaModel use it unchanged).
    Pointers are ints; ``upload``/``copy``/``zero``/``launch`` are queued on
    the stream; ``download`` and ``synchronize`` wait (with a deadline)."""

    def __init__(self, ordinal: int = 0, api=None):
        self.api = api = api or _HipApi()
        count = api.device_count()
        if not 0 <= ordinal < count:
            raise HipError(f"HIP device {ordinal} does not exist ({count} device(s))")
        api.set_device(ordinal)
        self.name = api.device_name(ordinal)
        self.backend = api.name
        self.stream = api.stream_create()
        self._capturing = False
        self._deferred_frees: list[int] = []

    def __repr__(self) -> str:
        return f"HipDevice({self.name!r}, backend {self.backend})"

    # memory ------------------------------------------------------------
    def alloc(self, nbytes: int) -> int:
        return self.api.mem_alloc(max(int(nbytes), 1))  # distinct pointers, also for 0 bytes

    def free(self, ptr: int) -> None:
        if self._capturing:  # hipFree during capture would invalidate it
            self._deferred_frees.append(ptr)
            return
        self.api.mem_free(ptr)

    def upload(self, ptr: int, array: np.ndarray) -> None:
        a = np.ascontiguousarray(array)
        if a.nbytes:
            self.api.htod(ptr, a.ctypes.data, a.nbytes, self.stream)
            self.synchronize("upload")  # the host array may be freed as soon as we return

    def download(self, array: np.ndarray, ptr: int) -> np.ndarray:
        if not array.flags.c_contiguous:
            raise HipError("internal: download target must be C-contiguous")
        if array.nbytes:
            self.api.dtoh(array.ctypes.data, ptr, array.nbytes, self.stream)
        self.synchronize("download")
        return array

    def copy(self, dst: int, src: int, nbytes: int) -> None:
        if nbytes:
            self.api.dtod(dst, src, nbytes, self.stream)

    def zero(self, ptr: int, nbytes: int) -> None:
        if nbytes:
            self.api.memset(ptr, nbytes, self.stream)

    # modules -----------------------------------------------------------
    def load_module(self, image: bytes):
        return self.api.module_load(bytes(image))

    def get_function(self, module, name: str, shared_bytes: int = 0):
        # LDS is static in Tessera's kernels (declared in the code object).
        return self.api.module_function(module, name)

    # launches ----------------------------------------------------------
    def launch(self, function, grid: Sequence[int], block: Sequence[int], shared_bytes: int,
               params) -> None:
        """``params``: a :class:`~tessera.cuda.plan.PackedParams`."""
        self.api.launch(function, tuple(grid), tuple(block), shared_bytes, self.stream,
                        params.pointers.ctypes.data)

    def synchronize(self, what: str = "synchronize") -> None:
        deadline = time.monotonic() + _timeout_s()
        delay = 0.0
        while True:
            try:
                if self.api.stream_ready(self.stream):
                    return
            except HipError as e:
                raise HipError(f"{what}: {e}") from None
            if time.monotonic() > deadline:
                raise HipError(f"{what}: the GPU did not finish within {_timeout_s():.0f} s "
                               "(TESSERA_HIP_TIMEOUT); a kernel may be hung")
            time.sleep(delay)
            delay = min(delay * 2 or 1e-5, 1e-3)

    # timing --------------------------------------------------------------
    def event(self):
        return self.api.event_create()

    def record(self, ev) -> None:
        self.api.event_record(ev, self.stream)

    def elapsed_ms(self, start, end) -> float:
        return self.api.event_elapsed_ms(start, end)

    # graphs --------------------------------------------------------------
    def begin_capture(self) -> None:
        self.api.capture_begin(self.stream)
        self._capturing = True

    def end_capture(self):
        self._capturing = False
        graph = self.api.capture_end(self.stream)
        while self._deferred_frees:
            self.api.mem_free(self._deferred_frees.pop())
        try:
            return (self.api.graph_instantiate(graph), graph)
        except HipError:
            self.api.graph_destroy(graph)
            raise

    def launch_graph(self, graph) -> None:
        self.api.graph_launch(graph[0], self.stream)

    def destroy_graph(self, graph) -> None:
        self.api.graph_exec_destroy(graph[0])
        self.api.graph_destroy(graph[1])


_DEVICES: dict[int, HipDevice] = {}


def open_device(ordinal: int = 0) -> HipDevice:
    """The process-wide :class:`HipDevice` for ``ordinal`` (opened once)."""
    if ordinal not in _DEVICES:
        _DEVICES[ordinal] = HipDevice(ordinal)
    return _DEVICES[ordinal]


def probe() -> tuple[bool, str]:
    """(True, device description) when an AMD GPU can be used, else (False, why)."""
    try:
        return True, repr(open_device())
    except HipError as e:
        return False, str(e)
