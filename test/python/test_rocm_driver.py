"""The HIP driver (tessera.rocm.driver) against a recording stand-in for
``libamdhip64.so``: no AMD GPU was available, so these tests check what the
driver would hand the HIP runtime -- the calls, the code object, the grid and
block of every launch and its packed kernel arguments, compared with the
compiled code object's metadata -- and its error messages. That the kernels
compute the right numbers on an MI200/MI300 is untested.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from tessera.errors import HipError
from tessera.rocm.driver import HipDevice, _HipApi
from test_rocm_compile import code_object_metadata, needs_readelf, tiny_bundle  # noqa: F401 (fixture)


class FakeHip:
    """The HIP functions the driver binds, as Python callables that record
    their arguments and keep device memory in bytearrays."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.mem: dict[int, bytearray] = {}
        self.next = 0x7F0000000000
        self.images: list[bytes] = []
        self.functions: dict[int, str] = {}
        self.launches: list[dict] = []
        self.slots: dict[str, int] = {}  # kernel -> explicit argument count (from the metadata)
        self.fail: dict[str, int] = {}
        for sym in list(_HipApi.SIGNATURES) + ["hipGetErrorName", "hipGetErrorString"]:
            setattr(self, sym, self._wrap(sym, getattr(self, "_" + sym, None)))

    def _wrap(self, sym, impl):
        def fn(*args):
            self.calls.append((sym, args))
            if sym in self.fail:
                return self.fail.pop(sym)
            return impl(*args) if impl else 0
        return fn

    def _locate(self, ptr: int, n: int):
        for base, buf in self.mem.items():
            if base <= ptr and ptr + n <= base + len(buf):
                return buf, ptr - base
        raise AssertionError(f"{n} bytes at {ptr:#x} are not device memory")

    # calls with results
    def _hipGetDeviceCount(self, out): out._obj.value = 1; return 0
    def _hipDeviceGetName(self, buf, n, dev): buf.value = b"AMD Instinct MI300X (fake)"; return 0
    def _hipGetErrorName(self, code): return {2: b"hipErrorOutOfMemory"}.get(code, b"hipErrorUnknown")
    def _hipGetErrorString(self, code): return b"out of memory" if code == 2 else b"unknown"

    def _hipModuleLoadData(self, out, image):
        self.images.append(bytes(image.raw))
        out._obj.value = 0x1000
        return 0

    def _hipModuleGetFunction(self, out, module, name):
        handle = 0x2000 + len(self.functions)
        self.functions[handle] = name.decode()
        out._obj.value = handle
        return 0

    def _hipMalloc(self, out, size):
        self.mem[self.next] = bytearray(size)
        out._obj.value = self.next
        self.next += -(-size // 256) * 256 + 256
        return 0

    def _hipFree(self, ptr): del self.mem[ptr]; return 0

    def _hipMemcpyHtoDAsync(self, dst, src, n, stream):
        buf, off = self._locate(dst, n)
        buf[off:off + n] = ctypes.string_at(src, n)
        return 0

    def _hipMemcpyDtoHAsync(self, dst, src, n, stream):
        buf, off = self._locate(src, n)
        ctypes.memmove(dst, bytes(buf[off:off + n]), n)
        return 0

    def _hipMemcpyDtoDAsync(self, dst, src, n, stream):
        sbuf, soff = self._locate(src, n)
        dbuf, doff = self._locate(dst, n)
        dbuf[doff:doff + n] = sbuf[soff:soff + n]
        return 0

    def _hipMemsetD8Async(self, dst, value, n, stream):
        buf, off = self._locate(dst, n)
        buf[off:off + n] = bytes([value]) * n
        return 0

    def _hipModuleLaunchKernel(self, f, gx, gy, gz, bx, by, bz, shared, stream, params, extra):
        name = self.functions[f]
        n = self.slots[name]
        pointers = (ctypes.c_void_p * n).from_address(params)  # read now, as HIP does
        values = [ctypes.c_uint64.from_address(p).value for p in pointers]
        self.launches.append(dict(kernel=name, grid=(gx, gy, gz), block=(bx, by, bz), shared=shared,
                                  values=values, extra=extra))
        return 0

    def _hipStreamCreate(self, out): out._obj.value = 0x3000; return 0
    def _hipEventCreate(self, out): out._obj.value = 0x4000; return 0
    def _hipStreamEndCapture(self, s, out): out._obj.value = 0x5000; return 0
    def _hipGraphInstantiate(self, out, g, node, log, size): out._obj.value = 0x6000; return 0

    def _hipEventElapsedTime(self, out, a, b):
        out._obj.value = 1.5
        return 0


def device(fake=None):
    fake = fake or FakeHip()
    return HipDevice(api=_HipApi(lib=fake)), fake


def test_no_hip_runtime_is_one_clear_error():
    with pytest.raises(HipError, match=r"^no HIP runtime: cannot load libdoesnotexist\.so"):
        _HipApi(path="libdoesnotexist.so")


def test_memory_and_errors():
    dev, fake = device()
    assert repr(dev) == "HipDevice('AMD Instinct MI300X (fake)', backend hip-ctypes)"
    assert [c[0] for c in fake.calls[:4]] == ["hipInit", "hipGetDeviceCount", "hipSetDevice", "hipDeviceGetName"]
    ptr = dev.alloc(16)
    a = np.arange(4, dtype=np.float32)
    dev.upload(ptr, a)
    out = dev.download(np.empty(4, np.float32), ptr)
    np.testing.assert_array_equal(out, a)
    dev.zero(ptr, 16)
    np.testing.assert_array_equal(dev.download(np.empty(4, np.float32), ptr), 0)
    fake.fail["hipMalloc"] = 2
    with pytest.raises(HipError, match=r"^hipMalloc failed: hipErrorOutOfMemory \(out of memory\)$"):
        dev.alloc(1 << 40)
    with pytest.raises(HipError, match="HIP device 3 does not exist"):
        HipDevice(3, api=_HipApi(lib=FakeHip()))
    assert dev.elapsed_ms(dev.event(), dev.event()) == 1.5


@needs_readelf
def test_model_launches_match_code_object(tiny_bundle):
    """The shared model runs prefill and decode (decode captured into a HIP
    graph and replayed) on HipDevice: the code object is what the bundle holds,
    every launch is a function of it with the metadata's workgroup size and as
    many 8-byte argument slots as the kernel has explicit arguments, each memref
    descriptor pointing into device memory."""
    from tessera.cuda.plan import ROCM_FORMAT, Plan
    from tessera.rocm import load_bundle

    chip, out = tiny_bundle
    kernels, _ = code_object_metadata(out / "kernels.hsaco")
    plan = Plan.load(out, ROCM_FORMAT)
    dev, fake = device()
    fake.slots = {name: len([a for a in k[".args"] if not a[".value_kind"].startswith("hidden_")])
                  for name, k in kernels.items()}
    model = load_bundle(plan, device=dev, max_seq_len=32, graphs=True)
    assert fake.images == [(out / "kernels.hsaco").read_bytes()]
    assert sorted(fake.functions.values()) == sorted(plan.kernels)
    model.load_weights({name: np.zeros(spec.shape, np.uint16 if spec.dtype == "bf16" else np.float32)
                        for name, spec in model._wanted_weights().items()})
    logits, state = model.prefill(np.array([[1, 2, 3]], np.int64))
    assert logits.shape == (1, 1, plan.config["vocab_size"])  # the last position unless all are asked for
    for step in range(3):  # decode steps repeat one launch list: captured once, then replayed
        _, state = model.decode(np.array([4 + step], np.int64), state)
    calls = [c[0] for c in fake.calls]
    assert "hipStreamBeginCapture" in calls and "hipGraphLaunch" in calls
    assert fake.launches
    for launch in fake.launches:
        meta = kernels[launch["kernel"]]
        assert list(launch["block"]) == meta[".reqd_workgroup_size"]
        assert launch["shared"] == 0 and launch["extra"] is None
        pos = 0
        for p in plan.kernels[launch["kernel"]].params:
            if p.kind == "memref":
                aligned, offset = launch["values"][pos + 1], launch["values"][pos + 2]
                sizes = launch["values"][pos + 3:pos + 3 + p.rank]
                if all(sizes):
                    fake._locate(aligned + offset * {"bf16": 2, "f16": 2}.get(p.dtype, 4 if p.dtype in ("f32", "i32") else 8), 1)
                pos += 3 + 2 * p.rank
            else:
                pos += 1
        assert pos == len(launch["values"])
