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

//===----------------------------------------------------------------------===//
// Testing
//===----------------------------------------------------------------------===//

def TestX86Kernels : Pass<"tessera-test-x86-kernels", "ModuleOp"> {
  let summary = "Inline x86 kernel emitters at calls to @tessera_kernel_<name>";
  let description = [{
    Test-only: replaces each `func.call @tessera_kernel_<name>(memrefs...)`
    with the loop nest the x86 kernel emitter `<name>` writes for those
    buffers (parameters from the call's attributes: `epsilon`, `chunk_size`,
    `dt_min`, `dt_max`, `scale`, `causal`, `silu`, `group_size`, `epilogue`,
    `accumulate`, `block_k`). A `memref<0xf32>` operand is an absent optional
    operand. Lets each kernel be checked against numpy in isolation.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes per vector (8: AVX2, 16: AVX-512)">
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "vector::VectorDialect"];
}

#endif // TESSERA_CONVERSION_PASSES
