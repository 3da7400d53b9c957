"""An in-memory numpy "GPU" with the interface of tessera.cuda.driver.Device,
so the plan interpreter, the launch path and CudaModel are tested without a GPU.

Memory is a dict of numpy byte arrays at fake 64-bit addresses; a kernel is a
Python function ``kernel(device, grid, block, values)`` that reads its memref
descriptors from the packed parameter slots exactly as the real kernel would
(:func:`memref`). Accesses outside an allocation raise, like an illegal address.
Graphs record the queued operations and replay them.
"""

from __future__ import annotations

import numpy as np

from tessera.errors import CudaError

NP = {"f32": np.float32, "i64": np.int64, "bf16": np.uint16, "i32": np.int32}


class FakeDevice:
    name = "fake"
    backend = "fake"

    def __init__(self, kernels: dict):
        self.kernels = kernels
        self.mem: dict[int, np.ndarray] = {}
        self._next = 0x7F0000000000
        self._freed: dict[int, list] = {}  # size -> freed addresses, reused like a caching allocator
        self.launched: list[tuple] = []  # (kernel, grid, block, shared, slot values) of executed launches
        self.module_loads = 0
        self._capturing = False
        self._recording: list | None = None

    def __repr__(self):
        return "FakeDevice()"

    # memory
    def alloc(self, nbytes: int) -> int:
        size = max(int(nbytes), 1)
        if self._freed.get(size):
            ptr = self._freed[size].pop()
        else:
            ptr = self._next
            self._next += -(-size // 256) * 256 + 256
        self.mem[ptr] = np.full(size, 0xAB, np.uint8)  # garbage, as fresh device memory may hold
        return ptr

    def free(self, ptr: int) -> None:
        if ptr not in self.mem:
            raise CudaError(f"cuMemFree failed: {ptr:#x} is not an allocation")
        self._freed.setdefault(self.mem.pop(ptr).size, []).append(ptr)

    def locate(self, ptr: int, nbytes: int) -> tuple[np.ndarray, int]:
        for base, buf in self.mem.items():
            if base <= ptr and ptr + nbytes <= base + buf.size:
                return buf, ptr - base
        raise CudaError(f"CUDA_ERROR_ILLEGAL_ADDRESS: {nbytes} bytes at {ptr:#x}")

    def bytes(self, ptr: int, nbytes: int) -> np.ndarray:
        buf, off = self.locate(ptr, nbytes)
        return buf[off:off + nbytes]

    def upload(self, ptr, array):
        a = np.ascontiguousarray(array)
        self.bytes(ptr, a.nbytes)[:] = a.view(np.uint8).reshape(-1)

    def download(self, array, ptr):
        array.view(np.uint8).reshape(-1)[:] = self.bytes(ptr, array.nbytes)
        return array

    def _queue(self, op):
        if self._capturing:
            self._recording.append(op)
        else:
            op()

    def copy(self, dst, src, nbytes):
        def op():
            self.bytes(dst, nbytes)[:] = self.bytes(src, nbytes).copy()
        self._queue(op)

    def zero(self, ptr, nbytes):
        def op():
            self.bytes(ptr, nbytes)[:] = 0
        self._queue(op)

    # modules and launches
    def load_module(self, image):
        self.module_loads += 1
        return "module"

    def get_function(self, module, name, shared_bytes=0):
        if name not in self.kernels:
            raise CudaError(f"cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND (named symbol not found: {name})")
        return name

    def launch(self, function, grid, block, shared_bytes, params):
        values = [int(v) for v in params.values]  # read now, as cuLaunchKernel does

        def op():
            self.launched.append((function, tuple(grid), tuple(block), shared_bytes, values))
            self.kernels[function](self, tuple(grid), tuple(block), values)
        self._queue(op)

    def synchronize(self, what="synchronize"):
        pass

    # graphs
    def begin_capture(self):
        self._capturing, self._recording = True, []

    def end_capture(self):
        self._capturing = False
        ops, self._recording = self._recording, None
        return ops

    def launch_graph(self, graph):
        for op in graph:
            op()

    def destroy_graph(self, graph):
        pass


def toy_step(dev, grid, block, v):
    """The toy model's kernel (fixtures/cuda_toy/kernels.mlir) in numpy."""
    ids, p = memref(dev, v, 0, 2, "i64")
    emb, p = memref(dev, v, p, 2, "f32")
    lm, p = memref(dev, v, p, 2, "f32")
    sin, p = memref(dev, v, p, 2, "f32")
    logits, p = memref(dev, v, p, 3, "f32")
    sout, _ = memref(dev, v, p, 2, "f32")
    for b in range(grid[0]):
        acc = sin[b].copy()
        for s in range(ids.shape[1]):
            acc += emb[ids[b, s]]
            logits[b, s] = lm @ acc
        sout[b] = acc


def memref(dev: FakeDevice, values: list, pos: int, rank: int, dtype: str) -> tuple[np.ndarray, int]:
    """The strided numpy view a memref parameter at slot ``pos`` describes, and the next slot."""
    allocated, aligned, offset = values[pos:pos + 3]
    sizes = values[pos + 3:pos + 3 + rank]
    strides = values[pos + 3 + rank:pos + 3 + 2 * rank]
    item = np.dtype(NP[dtype]).itemsize
    if any(s == 0 for s in sizes):
        return np.zeros(sizes, NP[dtype]), pos + 3 + 2 * rank
    span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides))
    buf, off = dev.locate(aligned + offset * item, span * item)
    flat = buf[off:off + span * item].view(NP[dtype])
    view = np.lib.stride_tricks.as_strided(flat, shape=sizes, strides=[st * item for st in strides])
    return view, pos + 3 + 2 * rank
