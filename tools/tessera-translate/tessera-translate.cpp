//===- tessera-translate.cpp - Tessera's mlir-translate -------------------===//
//
// Translations out of MLIR that Tessera adds to upstream's:
//   tessera-translate --tessera-to-cuda-plan x.mlir   (after
//       tessera-opt --tessera-tile-to-nvvm): the CUDA driver's plan.json
//   tessera-translate --tessera-kernel-binary x.mlir   (after
//       tessera-opt --tessera-nvvm-to-binary): the PTX or cubin, raw
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"
#include "tessera/Target/CUDA/LaunchPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

using namespace mlir;

/// Tessera's translations, each over a module of any Tessera stage.
static void registerTesseraTranslations() {
  TranslateFromMLIRRegistration plan(
      "tessera-to-cuda-plan",
      "host functions of a tessera-tile-to-nvvm module as the CUDA driver's "
      "plan.json",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        FailureOr<std::string> text = tessera::cuda::exportLaunchPlan(module);
        if (failed(text))
          return failure();
        os << *text << "\n";
        return success();
      },
      [](DialectRegistry &registry) {
        tessera::registerAllDialects(registry);
        tessera::registerAllTranslations(registry);
      });
  TranslateFromMLIRRegistration binary(
      "tessera-kernel-binary",
      "the object of gpu.binary @tessera_kernels (PTX text or cubin), raw",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        FailureOr<std::string> bytes =
            tessera::cuda::extractKernelBinary(module);
        if (failed(bytes))
          return failure();
        os << *bytes;
        return success();
      },
      [](DialectRegistry &registry) {
        tessera::registerAllDialects(registry);
        tessera::registerAllTranslations(registry);
      });
}

int main(int argc, char **argv) {
  registerAllTranslations();
  registerTesseraTranslations();
  return failed(mlirTranslateMain(argc, argv, "Tessera translation driver"));
}
