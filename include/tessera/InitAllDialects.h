//===- InitAllDialects.h - Everything Tessera's tools register -*- C++ -*-===//
//
// The one place that says which dialects, passes and translations Tessera's
// tools know (Triton's RegisterTritonDialects.h plays the same role):
// `tessera-opt` and the Python extension both call these, so the two never
// disagree about what a pipeline string can name.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_INITALLDIALECTS_H
#define TESSERA_INITALLDIALECTS_H

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace mlir::tessera {

/// Tessera's dialects plus the upstream dialects (and their interface
/// implementations) that Tessera's pipelines produce.
void registerAllDialects(DialectRegistry &registry);

/// Tessera's passes and pipelines plus the upstream passes they use.
void registerAllPasses();

/// LLVM IR translations of every dialect that can reach the LLVM dialect,
/// including the GPU ones (without them `gpu.module` translation fails).
void registerAllTranslations(DialectRegistry &registry);

/// Tessera's own mlir-translate translations (`tessera-translate`): every
/// `--tessera-to-*` output format, registered in this one function.
void registerTesseraTranslations();

} // namespace mlir::tessera

#endif // TESSERA_INITALLDIALECTS_H
