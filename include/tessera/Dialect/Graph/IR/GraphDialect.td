//===- GraphDialect.td - Tessera Graph-IR dialect ---------*- tablegen -*-===//
//
// Graph-IR is the first stage of the Tessera pipeline:
//
//   Graph-IR (this) --convert-graph-to-tile--> Tile-IR
//                   --convert-tile-to-x86--> Target-IR --> LLVM (NVIDIA/AMD planned)
//
// It holds the model as value-semantic ops on tensors, one op per block of a
// Nemotron-H layer, with weights referenced by their Tessera name.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_GRAPH_DIALECT
#define TESSERA_GRAPH_DIALECT

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let summary = "Tessera Graph-IR: a Nemotron-H model as ops on tensors";
  let description = [{
    Graph-IR describes a hybrid Mamba2/Transformer language model the way a
    model card does: embeddings, RMSNorm, Mamba2 mixers (and their parts:
    causal depthwise conv1d, the SSD scan, gated grouped RMSNorm), grouped-query
    attention, ReLU² MLPs, residual adds and the LM head.

    All ops are side-effect free and work on ranked tensors; dimensions may be
    dynamic (`?`), in which case the verifiers check only the static ones.
    Weights enter through `graph.weight`, which names a tensor of a converted
    checkpoint (see `manifest.json`); the runtime binds the name to memory.

    Recurrent state is explicit: prefill ops return the Mamba conv state, the
    SSM state and the attention K/V cache as results, and decode-step ops take
    them as operands and return the updated values.
  }];
  let cppNamespace = "::mlir::tessera::graph";
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

#endif // TESSERA_GRAPH_DIALECT
