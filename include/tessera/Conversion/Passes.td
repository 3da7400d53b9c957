//===- Passes.td - Tessera conversion passes --------------*- tablegen -*-===//
//
// All of Tessera's stage-to-stage conversions, declared in one place (the
// shape of mlir/Conversion/Passes.td):
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR
//   Tile-IR  --convert-tile-to-target--> Target-IR (+ upstream dialects)
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_PASSES
#define TESSERA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Stage boundary checks
//===----------------------------------------------------------------------===//

def VerifyGraphStage : Pass<"tessera-verify-graph-stage", "ModuleOp"> {
  let summary = "Check that the module is well-formed Graph-IR";
  let description = [{
    Passes when every function holds only Graph-IR ops, `func` ops and
    `arith.constant`, with tensor types throughout: the form
    `convert-graph-to-tile` expects. Otherwise reports the first op that does
    not belong.
  }];
}

#endif // TESSERA_CONVERSION_PASSES
