"""The CUDA driver layer of Tessera's GPU runtime, and the launch path.

Where it sits::

    tessera compile --target cuda  ->  bundle DIR (plan.json + kernels.cubin)
    tessera.cuda.plan    evaluates a host function of plan.json into a LaunchList
    tessera.cuda.model   CudaModel: weights, states, the per-shape launch cache
    tessera.cuda.driver  (this file) device memory, modules, launches, CUDA graphs

The launch path, all in this file: :func:`run_launches` walks a resolved
:class:`~tessera.cuda.plan.LaunchList` and calls :meth:`Device.launch`, which
calls ``cuLaunchKernel`` through one of two interchangeable backends with the
same raw calls: NVIDIA's ``cuda.bindings.driver`` when it imports, else ctypes
over ``libcuda.so.1``. :func:`capture_graph` records the same walk into a CUDA
graph that :meth:`Device.launch_graph` replays.

Every failing call raises :class:`~tessera.errors.CudaError` naming the call
(and, for launches, the function, launch index, kernel, grid and block).
Nothing waits on the GPU without a deadline: :meth:`Device.synchronize` polls
the stream and gives up after ``TESSERA_CUDA_TIMEOUT`` seconds (default 600).
Kernels run asynchronously, so a fault inside one surfaces at the next
synchronisation; ``TESSERA_CUDA_SYNC=1`` synchronises after every launch so
the error names the faulting kernel.

Imports with numpy alone: no tessera extension, MLIR or torch.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import Sequence

import numpy as np

from tessera.errors import CudaError

CUDA_SUCCESS = 0
CUDA_ERROR_NOT_READY = 600
_CAPTURE_MODE_THREAD_LOCAL = 1
_ATTR_MAX_DYNAMIC_SHARED = 8  # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
_ATTR_CC_MAJOR, _ATTR_CC_MINOR = 75, 76  # CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_*
_STATIC_SHARED_LIMIT = 48 * 1024  # above this a kernel must opt in to dynamic shared memory


def sync_each_launch() -> bool:
    return os.environ.get("TESSERA_CUDA_SYNC", "0") not in ("", "0")


# ============================================================================ raw API
class _BindingsApi:
    """The raw calls through ``cuda.bindings.driver`` (NVIDIA's package)."""

    name = "cuda-bindings"

    def __init__(self):
        from cuda.bindings import driver  # ImportError -> caller falls back to ctypes

        self._d = driver
        try:
            self._call("cuInit", 0)
        except CudaError:
            raise
        except Exception as e:  # cuda.pathfinder raises when libcuda.so is absent
            raise CudaError(f"no CUDA driver: {' '.join(str(e).split())}") from None

    def _call(self, fn: str, *args):
        out = getattr(self._d, fn)(*args)
        err = out[0] if isinstance(out, tuple) else out
        if int(err) != CUDA_SUCCESS:
            raise CudaError(f"{fn} failed: {self.error_text(int(err))}")
        rest = out[1:] if isinstance(out, tuple) else ()
        return rest[0] if len(rest) == 1 else (rest or None)

    def error_text(self, code: int) -> str:
        try:
            e = self._d.CUresult(code)
            _, name = self._d.cuGetErrorName(e)
            _, text = self._d.cuGetErrorString(e)
            return f"{name.decode()} ({text.decode()})"
        except Exception:  # an unknown code: the number is all there is
            return f"CUresult {code}"

    # device and context
    def device_count(self) -> int: return int(self._call("cuDeviceGetCount"))
    def device_get(self, ordinal: int): return self._call("cuDeviceGet", ordinal)
    def device_name(self, dev) -> str: return self._call("cuDeviceGetName", 256, dev).split(b"\0")[0].decode()

    def device_attribute(self, dev, attr: int) -> int:
        return int(self._call("cuDeviceGetAttribute", self._d.CUdevice_attribute(attr), dev))

    def primary_context(self, dev):
        ctx = self._call("cuDevicePrimaryCtxRetain", dev)
        self._call("cuCtxSetCurrent", ctx)
        return ctx

    # modules
    def module_load(self, image: bytes): return self._call("cuModuleLoadData", image)
    def module_function(self, module, name: str): return self._call("cuModuleGetFunction", module, name.encode())
    def module_unload(self, module): self._call("cuModuleUnload", module)

    def function_max_dynamic_shared(self, fn, nbytes: int):
        self._call("cuFuncSetAttribute", fn, self._d.CUfunction_attribute(_ATTR_MAX_DYNAMIC_SHARED), nbytes)

    # memory
    def mem_alloc(self, nbytes: int) -> int: return int(self._call("cuMemAlloc", nbytes))
    def mem_free(self, ptr: int): self._call("cuMemFree", ptr)
    def htod(self, dst: int, src: int, n: int, stream): self._call("cuMemcpyHtoDAsync", dst, src, n, stream)
    def dtoh(self, dst: int, src: int, n: int, stream): self._call("cuMemcpyDtoHAsync", dst, src, n, stream)
    def dtod(self, dst: int, src: int, n: int, stream): self._call("cuMemcpyDtoDAsync", dst, src, n, stream)
    def memset(self, dst: int, n: int, stream): self._call("cuMemsetD8Async", dst, 0, n, stream)

    # launches
    def launch(self, fn, grid, block, shared: int, stream, params_addr: int):
        self._call("cuLaunchKernel", fn, *grid, *block, shared, stream, params_addr, 0)

    # streams, events
    def stream_create(self): return self._call("cuStreamCreate", 0)
    def stream_destroy(self, s): self._call("cuStreamDestroy", s)

    def stream_ready(self, s) -> bool:
        (err,) = self._d.cuStreamQuery(s)
        if int(err) == CUDA_ERROR_NOT_READY:
            return False
        if int(err) != CUDA_SUCCESS:
            raise CudaError(f"cuStreamQuery failed: {self.error_text(int(err))}")
        return True

    def event_create(self): return self._call("cuEventCreate", 0)
    def event_record(self, ev, s): self._call("cuEventRecord", ev, s)
    def event_elapsed_ms(self, a, b) -> float: return float(self._call("cuEventElapsedTime", a, b))
    def event_destroy(self, ev): self._call("cuEventDestroy", ev)

    # graphs
    def capture_begin(self, s):
        self._call("cuStreamBeginCapture", s, self._d.CUstreamCaptureMode(_CAPTURE_MODE_THREAD_LOCAL))

    def capture_end(self, s): return self._call("cuStreamEndCapture", s)
    def graph_instantiate(self, g): return self._call("cuGraphInstantiate", g, 0)
    def graph_launch(self, ge, s): self._call("cuGraphLaunch", ge, s)
    def graph_exec_destroy(self, ge): self._call("cuGraphExecDestroy", ge)
    def graph_destroy(self, g): self._call("cuGraphDestroy", g)


class _CtypesApi:
    """The same raw calls through ctypes over ``libcuda.so.1`` (no package needed).

    Versioned symbols (``_v2``) are the ones the CUDA 12/13 headers map the
    plain names to."""

    name = "ctypes"
    _P, _U, _I, _S, _L = ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_size_t, ctypes.c_ulonglong
    _SIGNATURES = {
        "cuInit": (_U,), "cuGetErrorName": (_I, ctypes.POINTER(ctypes.c_char_p)),
        "cuGetErrorString": (_I, ctypes.POINTER(ctypes.c_char_p)),
        "cuDeviceGetCount": (ctypes.POINTER(_I),), "cuDeviceGet": (ctypes.POINTER(_I), _I),
        "cuDeviceGetName": (ctypes.c_char_p, _I, _I), "cuDeviceGetAttribute": (ctypes.POINTER(_I), _I, _I),
        "cuDevicePrimaryCtxRetain": (ctypes.POINTER(_P), _I), "cuCtxSetCurrent": (_P,),
        "cuModuleLoadData": (ctypes.POINTER(_P), ctypes.c_char_p),
        "cuModuleGetFunction": (ctypes.POINTER(_P), _P, ctypes.c_char_p), "cuModuleUnload": (_P,),
        "cuFuncSetAttribute": (_P, _I, _I),
        "cuMemAlloc_v2": (ctypes.POINTER(_L), _S), "cuMemFree_v2": (_L,),
        "cuMemcpyHtoDAsync_v2": (_L, _P, _S, _P), "cuMemcpyDtoHAsync_v2": (_P, _L, _S, _P),
        "cuMemcpyDtoDAsync_v2": (_L, _L, _S, _P), "cuMemsetD8Async": (_L, ctypes.c_ubyte, _S, _P),
        "cuLaunchKernel": (_P, _U, _U, _U, _U, _U, _U, _U, _P, _P, _P),
        "cuStreamCreate": (ctypes.POINTER(_P), _U), "cuStreamDestroy_v2": (_P,), "cuStreamQuery": (_P,),
        "cuEventCreate": (ctypes.POINTER(_P), _U), "cuEventRecord": (_P, _P),
        "cuEventDestroy_v2": (_P,), "cuStreamBeginCapture_v2": (_P, _I),
        "cuStreamEndCapture": (_P, ctypes.POINTER(_P)),
        "cuGraphInstantiateWithFlags": (ctypes.POINTER(_P), _P, _L), "cuGraphLaunch": (_P, _P),
        "cuGraphExecDestroy": (_P,), "cuGraphDestroy": (_P,),
    }

    def __init__(self, path: str = "libcuda.so.1"):
        try:
            self._lib = ctypes.CDLL(path)
        except OSError as e:
            raise CudaError(f"no CUDA driver: cannot load {path} ({e})") from None
        self._fns = {}
        for sym, argtypes in self._SIGNATURES.items():
            f = getattr(self._lib, sym)
            f.argtypes, f.restype = argtypes, ctypes.c_int
            self._fns[sym] = f
        # CUDA 12.8 added a _v2 with the same signature; older drivers have only the first.
        elapsed = getattr(self._lib, "cuEventElapsedTime_v2", None) or self._lib.cuEventElapsedTime
        elapsed.argtypes, elapsed.restype = (ctypes.POINTER(ctypes.c_float), self._P, self._P), ctypes.c_int
        self._fns["cuEventElapsedTime"] = elapsed
        self._call("cuInit", 0)

    def _call(self, sym: str, *args):
        err = self._fns[sym](*args)
        if err != CUDA_SUCCESS:
            raise CudaError(f"{sym.removesuffix('_v2')} failed: {self.error_text(err)}")

    def error_text(self, code: int) -> str:
        name, text = ctypes.c_char_p(), ctypes.c_char_p()
        if self._fns["cuGetErrorName"](code, ctypes.byref(name)) != CUDA_SUCCESS or not name.value:
            return f"CUresult {code}"
        self._fns["cuGetErrorString"](code, ctypes.byref(text))
        return f"{name.value.decode()} ({(text.value or b'').decode()})"

    def _out(self, sym: str, ctype, *args):
        v = ctype()
        self._call(sym, ctypes.byref(v), *args)
        return v.value

    # device and context
    def device_count(self) -> int: return self._out("cuDeviceGetCount", self._I)
    def device_get(self, ordinal: int): return self._out("cuDeviceGet", self._I, ordinal)

    def device_name(self, dev) -> str:
        buf = ctypes.create_string_buffer(256)
        self._call("cuDeviceGetName", buf, 256, dev)
        return buf.value.decode()

    def device_attribute(self, dev, attr: int) -> int: return self._out("cuDeviceGetAttribute", self._I, attr, dev)

    def primary_context(self, dev):
        ctx = self._out("cuDevicePrimaryCtxRetain", self._P, dev)
        self._call("cuCtxSetCurrent", ctx)
        return ctx

    # modules
    def module_load(self, image: bytes): return self._out("cuModuleLoadData", self._P, image)
    def module_function(self, module, name: str): return self._out("cuModuleGetFunction", self._P, module, name.encode())
    def module_unload(self, module): self._call("cuModuleUnload", module)

    def function_max_dynamic_shared(self, fn, nbytes: int):
        self._call("cuFuncSetAttribute", fn, _ATTR_MAX_DYNAMIC_SHARED, nbytes)

    # memory
    def mem_alloc(self, nbytes: int) -> int: return self._out("cuMemAlloc_v2", self._L, nbytes)
    def mem_free(self, ptr: int): self._call("cuMemFree_v2", ptr)
    def htod(self, dst, src, n, stream): self._call("cuMemcpyHtoDAsync_v2", dst, src, n, stream)
    def dtoh(self, dst, src, n, stream): self._call("cuMemcpyDtoHAsync_v2", dst, src, n, stream)
    def dtod(self, dst, src, n, stream): self._call("cuMemcpyDtoDAsync_v2", dst, src, n, stream)
    def memset(self, dst, n, stream): self._call("cuMemsetD8Async", dst, 0, n, stream)

    # launches
    def launch(self, fn, grid, block, shared: int, stream, params_addr: int):
        self._call("cuLaunchKernel", fn, *grid, *block, shared, stream, params_addr, None)

    # streams, events
    def stream_create(self): return self._out("cuStreamCreate", self._P, 0)
    def stream_destroy(self, s): self._call("cuStreamDestroy_v2", s)

    def stream_ready(self, s) -> bool:
        err = self._fns["cuStreamQuery"](s)
        if err == CUDA_ERROR_NOT_READY:
            return False
        if err != CUDA_SUCCESS:
            raise CudaError(f"cuStreamQuery failed: {self.error_text(err)}")
        return True

    def event_create(self): return self._out("cuEventCreate", self._P, 0)
    def event_record(self, ev, s): self._call("cuEventRecord", ev, s)

    def event_elapsed_ms(self, a, b) -> float:
        v = ctypes.c_float()
        self._call("cuEventElapsedTime", ctypes.byref(v), a, b)
        return v.value

    def event_destroy(self, ev): self._call("cuEventDestroy_v2", ev)

    # graphs
    def capture_begin(self, s): self._call("cuStreamBeginCapture_v2", s, _CAPTURE_MODE_THREAD_LOCAL)
    def capture_end(self, s):
        graph = self._P()  # the out-parameter comes second here
        self._call("cuStreamEndCapture", s, ctypes.byref(graph))
        return graph.value
    def graph_instantiate(self, g): return self._out("cuGraphInstantiateWithFlags", self._P, g, 0)
    def graph_launch(self, ge, s): self._call("cuGraphLaunch", ge, s)
    def graph_exec_destroy(self, ge): self._call("cuGraphExecDestroy", ge)
    def graph_destroy(self, g): self._call("cuGraphDestroy", g)


def _open_api(backend: str | None):
    """``backend``: "cuda-bindings", "ctypes" or None (the first that works)."""
    backend = backend or os.environ.get("TESSERA_CUDA_BACKEND") or None
    if backend not in (None, "cuda-bindings", "ctypes"):
        raise CudaError(f"unknown CUDA backend {backend!r}: expected cuda-bindings or ctypes")
    if backend in (None, "cuda-bindings"):
        try:
            return _BindingsApi()
        except ImportError:
            if backend == "cuda-bindings":
                raise CudaError("the cuda-bindings package is not installed") from None
    return _CtypesApi()


# ============================================================================ device
class StreamDevice:
    """The vendor-neutral part of a GPU device: one stream over an ``api`` object
    with the raw calls (``_BindingsApi``/``_CtypesApi`` here, ``_HipApi`` in
    :mod:`tessera.rocm.driver`), and the small interface the plan runner and the
    model use (a test double implements the same methods). A vendor's subclass
    opens the device, then calls :meth:`_open_stream`; it names its error class
    and timeout variable in the class attributes.

    Pointers are ints; ``upload``/``copy``/``zero``/``launch`` are queued on
    the stream; ``download`` and ``synchronize`` wait (with a deadline)."""

    error: type[CudaError] = CudaError
    vendor = "CUDA"
    timeout_env = "TESSERA_CUDA_TIMEOUT"

    def _check_ordinal(self, ordinal: int) -> None:
        count = self.api.device_count()
        if not 0 <= ordinal < count:
            raise self.error(f"{self.vendor} device {ordinal} does not exist ({count} device(s))")

    def _open_stream(self) -> None:
        self.backend = self.api.name
        self.stream = self.api.stream_create()
        self._capturing = False
        self._deferred_frees: list[int] = []

    def _timeout_s(self) -> float:
        return float(os.environ.get(self.timeout_env, "600"))

    # memory ------------------------------------------------------------
    def alloc(self, nbytes: int) -> int:
        # cuMemAlloc refuses 0 bytes; a 1-byte block keeps every buffer a distinct pointer.
        return self.api.mem_alloc(max(int(nbytes), 1))

    def free(self, ptr: int) -> None:
        if self._capturing:  # freeing would invalidate a capture (a buffer garbage-collected meanwhile)
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
            raise self.error("internal: download target must be C-contiguous")
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

    # launches ----------------------------------------------------------
    def launch(self, function, grid: Sequence[int], block: Sequence[int], shared_bytes: int,
               params) -> None:
        """``params``: a :class:`~tessera.cuda.plan.PackedParams` (``pointers``
        is the ``void*[]`` that cuLaunchKernel/hipModuleLaunchKernel reads)."""
        self.api.launch(function, tuple(grid), tuple(block), shared_bytes, self.stream,
                        params.pointers.ctypes.data)

    def synchronize(self, what: str = "synchronize") -> None:
        """Waits for the stream, polling so that a hung kernel becomes an error."""
        deadline = time.monotonic() + self._timeout_s()
        delay = 0.0
        while True:
            try:
                if self.api.stream_ready(self.stream):
                    return
            except self.error as e:
                raise self.error(f"{what}: {e}") from None
            if time.monotonic() > deadline:
                raise self.error(f"{what}: the GPU did not finish within {self._timeout_s():.0f} s "
                                 f"({self.timeout_env}); a kernel may be hung")
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
        """Ends the capture and returns an instantiated graph (a handle pair)."""
        self._capturing = False
        graph = self.api.capture_end(self.stream)
        while self._deferred_frees:
            self.api.mem_free(self._deferred_frees.pop())
        try:
            return (self.api.graph_instantiate(graph), graph)
        except self.error:
            self.api.graph_destroy(graph)
            raise

    def launch_graph(self, graph) -> None:
        self.api.graph_launch(graph[0], self.stream)

    def destroy_graph(self, graph) -> None:
        self.api.graph_exec_destroy(graph[0])
        self.api.graph_destroy(graph[1])


class Device(StreamDevice):
    """One NVIDIA GPU's primary context and one stream (:class:`StreamDevice`)."""

    def __init__(self, ordinal: int = 0, backend: str | None = None):
        self.api = api = _open_api(backend)
        self._check_ordinal(ordinal)
        dev = api.device_get(ordinal)
        self.name = api.device_name(dev)
        self.compute_capability = (api.device_attribute(dev, _ATTR_CC_MAJOR),
                                   api.device_attribute(dev, _ATTR_CC_MINOR))
        self._ctx = api.primary_context(dev)
        self._open_stream()

    def __repr__(self) -> str:
        cc = "%d.%d" % self.compute_capability
        return f"Device({self.name!r}, sm {cc}, backend {self.backend})"

    def get_function(self, module, name: str, shared_bytes: int = 0):
        fn = self.api.module_function(module, name)
        if shared_bytes > _STATIC_SHARED_LIMIT:
            self.api.function_max_dynamic_shared(fn, shared_bytes)
        return fn


_DEVICES: dict[tuple, Device] = {}


def open_device(ordinal: int = 0, backend: str | None = None) -> Device:
    """The process-wide :class:`Device` for ``ordinal`` (opened once)."""
    key = (ordinal, backend or os.environ.get("TESSERA_CUDA_BACKEND") or None)
    if key not in _DEVICES:
        _DEVICES[key] = Device(ordinal, backend)
    return _DEVICES[key]


def probe() -> tuple[bool, str]:
    """(True, device description) when a CUDA GPU can be used, else (False, why)."""
    try:
        return True, repr(open_device())
    except CudaError as e:
        return False, str(e)


# ============================================================================ the launch path
def run_launches(device, launches, function: str) -> None:
    """Queues every step of a bound :class:`~tessera.cuda.plan.LaunchList`
    (kernel launches and device copies) on ``device``'s stream.

    A failing launch raises CudaError naming the function, the launch index,
    the kernel, grid and block. With ``TESSERA_CUDA_SYNC=1`` each launch is
    followed by a synchronisation so an asynchronous fault is named too."""
    check = sync_each_launch() and not getattr(device, "_capturing", False)
    for index, step in enumerate(launches.steps):
        try:
            if step.kind == "copy":
                device.copy(launches.address(step.target), launches.address(step.source), step.nbytes)
            else:
                device.launch(launches.functions[step.kernel], step.grid, step.block, step.shared_bytes,
                              launches.params(index))
            if check:
                device.synchronize("after the step")
        except CudaError as e:
            raise CudaError(f"{function}: launch {index} of {len(launches.steps)}: {step.describe()}: {e}") from None


def capture_graph(device, launches, function: str):
    """Records ``launches`` (bound) into a CUDA graph; returns the instantiated graph."""
    device.begin_capture()
    try:
        run_launches(device, launches, function)
    except BaseException:
        try:
            device.end_capture()
        except CudaError:
            pass
        raise
    try:
        return device.end_capture()
    except CudaError as e:
        raise CudaError(f"{function}: capturing {len(launches.steps)} launches into a CUDA graph: {e}") from None
