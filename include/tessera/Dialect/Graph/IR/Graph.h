//===- Graph.h - Tessera Graph-IR dialect -----------------------*- C++ -*-===//
//
// Graph-IR: the model-level stage of the Tessera pipeline (see
// docs/ARCHITECTURE.md). Include this header to use the dialect and its ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_IR_GRAPH_H
#define TESSERA_DIALECT_GRAPH_IR_GRAPH_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tessera/Dialect/Graph/IR/GraphOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "tessera/Dialect/Graph/IR/GraphOps.h.inc"

#endif // TESSERA_DIALECT_GRAPH_IR_GRAPH_H
