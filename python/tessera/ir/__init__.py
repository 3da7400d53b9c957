"""Tessera's IR API: parse, print, verify, walk, build and lower MLIR modules.

The objects come from the compiled extension ``tessera._tessera`` (Tessera's
own bindings over the MLIR C++ API, linked to the system libMLIR.so):

* :class:`Context` — an MLIR context knowing Tessera's and upstream dialects;
  ``ctx.parse(text)`` gives a :class:`Module`.
* :class:`Module` — ``str(m)``, ``m.verify()``, ``m.walk()`` (a snapshot
  :class:`OpInfo` per op: name, attributes, operand/result types),
  ``m.run_pipeline("pass,pass")``, ``m.translate_to_llvm_ir()``.
* :class:`GraphBuilder` (``tessera.ir.graph``) — builds Graph-IR op by op.

Every failure raises :class:`tessera.errors.MLIRError` with MLIR's
diagnostics in its message.
"""

from tessera._tessera import Builder, Context, Module, OpInfo, Value
from tessera.errors import MLIRError
from tessera.ir.graph import Attr, GraphBuilder, tensor_type

__all__ = [
    "Attr",
    "Builder",
    "Context",
    "GraphBuilder",
    "MLIRError",
    "Module",
    "OpInfo",
    "Value",
    "tensor_type",
]


def parse(text: str, filename: str = "<string>", context: "Context | None" = None) -> Module:
    """Parses MLIR text (in a fresh context unless one is given)."""
    return (context or Context()).parse(text, filename)
