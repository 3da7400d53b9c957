//===- Passes.h - Tessera Target-IR passes ----------------------*- C++ -*-===//
//
// Declarations of the passes on Target-IR, generated from Passes.td;
// `registerTesseraTargetPasses()` registers them all.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_TARGET_TRANSFORMS_PASSES_H
#define TESSERA_DIALECT_TARGET_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace vector {
class VectorDialect;
} // namespace vector
namespace x86vector {
class X86VectorDialect;
} // namespace x86vector
} // namespace mlir

namespace mlir::tessera::target {

#define GEN_PASS_DECL
#include "tessera/Dialect/Target/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tessera/Dialect/Target/Transforms/Passes.h.inc"

} // namespace mlir::tessera::target

#endif // TESSERA_DIALECT_TARGET_TRANSFORMS_PASSES_H
