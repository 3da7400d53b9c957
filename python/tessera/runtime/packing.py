"""Weights in the layouts the compiler chose (``tessera.abi`` weight entries).

The x86 pipeline (``tessera-x86-pack-weights``) may take a matmul weight as
column panels instead of the stored ``[N, K]`` (nn.Linear) tensor: one
panel holds ``NR`` output columns with, for each K step, its NR weights
adjacent (``packed[p, k, j] = W[p*NR + j, k]``), which the micro-kernel
streams with vector loads; with bf16 weights and ``vdpbf16ps`` K steps come
in pairs (``packed[p, k2, j, i] = W[p*NR + j, 2*k2 + i]``). Rows past N and
the K pad are zero. The runtime packs each tensor once, when it binds the
weights, a few panels at a time (bounded scratch beside the result).
"""

from __future__ import annotations

import numpy as np

from tessera.errors import ArtifactError
from tessera.runtime.abi import FunctionABI, WeightLayout

#: Bytes of the stored tensor packed per step.
_STEP_BYTES = 1 << 24


def weight_layouts(functions: dict[str, FunctionABI]) -> dict[str, WeightLayout]:
    """The layout of each weight that some function does not take as stored;
    every function that takes it must agree."""
    layouts: dict[str, WeightLayout] = {}
    owner: dict[str, str] = {}
    for fname, fn in functions.items():
        given = dict(fn.layouts)
        for name in fn.weights:
            layout = given.get(name)
            if name in owner and layouts.get(name) != layout:
                from tessera.errors import CompileError
                raise CompileError(f"functions {owner[name]} and {fname} take weight {name!r} in different "
                                   "layouts")
            owner.setdefault(name, fname)
            if layout is not None:
                layouts[name] = layout
    return layouts


def _aligned_zeros(shape, dtype, align: int = 64) -> np.ndarray:
    """Zeros whose data starts on a cache line: the kernel loads whole
    64-byte vectors of a panel, and numpy's large arrays start 16 bytes into
    a page (the allocator's header), which would split every load in two."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.zeros(size + align, dtype=np.uint8)
    start = -raw.ctypes.data % align
    return raw[start:start + size].view(dtype).reshape(shape)


#: An integer type as wide as a K pair of elements of each size.
_PAIR_UNITS = {2: np.dtype(np.uint32), 4: np.dtype(np.uint64)}


def pack_weight(name: str, w: np.ndarray, layout: WeightLayout) -> np.ndarray:
    """The ``panels`` form of the stored ``[N, K]`` tensor ``w``."""
    if tuple(w.shape) != layout.shape:
        raise ArtifactError(f"tensor {name!r} has shape {list(w.shape)}, but the compiled model takes it as "
                            f"{list(layout.shape)} packed into panels of {layout.panel_cols} columns")
    n, k = layout.shape
    nr, kp = layout.panel_cols, layout.k_pack
    panels, ksteps = layout.packed_shape[0], layout.packed_shape[1]
    out = _aligned_zeros(layout.packed_shape, w.dtype)
    step = max(1, _STEP_BYTES // (nr * k * w.itemsize))  # panels per step
    for p0 in range(0, panels, step):
        p1 = min(panels, p0 + step)
        rows = w[p0 * nr:min(n, p1 * nr)]
        if rows.shape == ((p1 - p0) * nr, ksteps * kp):
            buf = rows  # whole panels, no pad column: no staging copy
        else:
            buf = np.zeros(((p1 - p0) * nr, ksteps * kp), dtype=w.dtype)
            buf[:rows.shape[0], :k] = rows
        # A K pair of 16-bit values moves as one 32-bit element: the pair
        # form is then the same 3-D transpose as k_pack 1 (numpy moves 4-byte
        # elements ~3x faster than a 4-D transpose of 2-byte ones).
        unit = w.dtype if kp == 1 else _PAIR_UNITS.get(w.itemsize, np.dtype((np.void, 2 * w.itemsize)))
        src = np.ascontiguousarray(buf).view(unit).reshape(p1 - p0, nr, ksteps)
        out.view(unit).reshape(panels, ksteps, nr)[p0:p1] = src.transpose(0, 2, 1)
    return out
