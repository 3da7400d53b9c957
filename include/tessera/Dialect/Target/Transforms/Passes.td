//===- Passes.td - Tessera Target-IR passes ----------------*- tablegen -*-===//
//
// Passes that leave Target-IR, the per-target stage of the Tessera pipeline:
//
//   Graph-IR -> Tile-IR -> Target-IR
//            --convert-target-to-upstream--> vector / x86vector / llvm
//            --> upstream conversions --> LLVM dialect --> LLVM IR
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_PASSES
#define TESSERA_TARGET_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTargetToUpstream : Pass<"convert-target-to-upstream"> {
  let summary = "Rewrite Target-IR x86 ops to upstream vector/x86vector/llvm ops";
  let description = [{
    Replaces each `target.x86.*` op by the upstream op its description
    names, so that the standard vector/x86vector-to-LLVM conversions can
    take over:

    - `target.x86.vector_fma`  -> `vector.fma`
    - `target.x86.bf16_dot`    -> `x86vector.avx512.dot`
    - `target.x86.vnni_dot`    -> `llvm.call_intrinsic
      "llvm.x86.avx512.vpdpbusd.{128,256,512}"` (x86vector has no
      unsigned x signed int8 dot)

    AMD ops are left unchanged (their lowering is planned); the pass fails
    if an x86 op cannot be rewritten.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

#endif // TESSERA_TARGET_PASSES
