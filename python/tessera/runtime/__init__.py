"""Compile-and-run from Python: the last step of the Tessera pipeline.

    m = tessera.compile("nemotron_h_tiny", target="x86")   # or an artifact dir
    m.load(ART)                                             # bind weights
    logits, state = m.prefill(ids)                          # ids [B, S] int64
    logits, state = m.decode(token, state)                  # token [B]; state updated in place
    tokens = m.generate(ids, max_new_tokens=8)              # greedy

Layout of this package:

* :mod:`~tessera.runtime.model` — the generic runtime: :class:`CompiledModel`
  (validation, states with a K/V capacity, generation) and :func:`compile`;
* :mod:`~tessera.runtime.abi` — the ABI read off the compiled IR
  (``tessera.abi`` on each function);
* :mod:`~tessera.runtime.driver` — the small interface each target's driver
  implements; :mod:`~tessera.runtime.cpu` — the x86 driver (ORC JIT);
* :mod:`~tessera.runtime.cache` — the compile cache (honest key, checked
  entries).
"""

from tessera.graph_builder import StateSpec
from tessera.runtime.abi import FunctionABI, StateABI
from tessera.runtime.cpu import CPUDriver, _descriptor  # noqa: F401  (_descriptor: test harnesses)
from tessera.runtime.driver import Driver
from tessera.runtime.model import CompiledModel, State, _resolve, compile  # noqa: F401

__all__ = ["CPUDriver", "CompiledModel", "Driver", "FunctionABI", "State", "StateABI", "StateSpec",
           "compile"]
