"""The interface between the generic runtime and one target's driver.

    CompiledModel (model.py: validation, states, capacity, generate)
        │  Driver interface (this file)
        ├── CPUDriver (cpu.py): object file -> ORC JIT, numpy buffers
        └── (planned) the CUDA driver of python/tessera/cuda/: cubin + launch
            plan, device buffers

A driver knows how to load compiled code, hold weights and state buffers in
the target's memory and call one compiled function; everything else (what a
function takes, input validation, capacity checks, greedy generation) is the
generic runtime's, read from the ABI that ``convert-graph-to-tile`` writes in
the IR (:mod:`tessera.runtime.abi`).

Calling convention of :meth:`Driver.run`: ``inputs`` maps each ABI input name
(``ids``, ``position``) to a host numpy array, ``states`` is one buffer per ABI
state (from :meth:`Driver.allocate_state`, updated in place by the call) and
``results`` maps each ABI result name to its concrete shape; ``run`` returns
the results as host numpy arrays. ``position`` is passed as an int64 array
``[1]`` that the compiled code reads itself: no size or grid may depend on
it, so a GPU driver can capture one decode step and replay it for every
position.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tessera.runtime.abi import FunctionABI, StateABI


class Driver:
    """One target's loader and launcher (subclass per target)."""

    #: Target name (``x86``, ``nvidia``, ...).
    target: str = ""

    def __init__(self, code: bytes, functions: dict[str, FunctionABI]):
        """Loads compiled ``code`` (an object file, a cubin + plan, ...) whose
        functions follow ``functions``' ABI."""
        raise NotImplementedError

    def bind_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Makes the named weights (host arrays, storage dtype) available to
        every function; called once per artifact."""
        raise NotImplementedError

    def allocate_state(self, spec: StateABI, shape: Sequence[int]):
        """A zeroed state buffer of ``shape`` in the target's memory."""
        raise NotImplementedError

    def state_to_host(self, buffer) -> np.ndarray:
        """A host view or copy of a state buffer (for inspection and tests)."""
        raise NotImplementedError

    def run(self, function: str, inputs: dict[str, np.ndarray], states: Sequence,
            results: dict[str, Sequence[int]]) -> dict[str, np.ndarray]:
        """Calls ``function`` (see the module docstring for the convention)."""
        raise NotImplementedError
