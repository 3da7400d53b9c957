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

from tessera.cuda.driver import StreamDevice
from tessera.errors import HipError

HIP_SUCCESS = 0
HIP_ERROR_NOT_READY = 600
_CAPTURE_MODE_THREAD_LOCAL = 1  # hipStreamCaptureModeThreadLocal
LIBRARY = "libamdhip64.so"


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


class HipDevice(StreamDevice):
    """One AMD GPU and one stream, with :class:`tessera.cuda.driver.Device`'s
    interface (so the plan runner, graphs and CudaModel use it unchanged): the
    shared :class:`~tessera.cuda.driver.StreamDevice` over :class:`_HipApi`."""

    error = HipError
    vendor = "HIP"
    timeout_env = "TESSERA_HIP_TIMEOUT"

    def __init__(self, ordinal: int = 0, api=None):
        self.api = api = api or _HipApi()
        self._check_ordinal(ordinal)
        api.set_device(ordinal)
        self.name = api.device_name(ordinal)
        self._open_stream()

    def __repr__(self) -> str:
        return f"HipDevice({self.name!r}, backend {self.backend})"

    def get_function(self, module, name: str, shared_bytes: int = 0):
        # LDS is static in Tessera's kernels (declared in the code object).
        return self.api.module_function(module, name)


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
