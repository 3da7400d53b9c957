//===- tessera-translate.cpp - Tessera's mlir-translate -------------------===//
//
// Translations out of MLIR, by hand on .mlir files: upstream's (e.g.
// --mlir-to-llvmir) plus Tessera's, registered in
// mlir::tessera::registerTesseraTranslations():
//   tessera-opt m.mlir --tessera-lower-to-llvm | \
//     tessera-translate --tessera-to-x86-object -o m.o
//   tessera-translate --tessera-to-cuda-plan x.mlir   (after
//       tessera-opt --tessera-tile-to-nvvm): the CUDA driver's plan.json
//   tessera-translate --tessera-kernel-binary x.mlir   (after
//       tessera-opt --tessera-nvvm-to-binary): the PTX or cubin, raw
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"
#include "tessera/Support/NestingDepth.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  mlir::tessera::registerTesseraTranslations();
  // Its input is tessera-opt's output (nested within tessera-opt's limit),
  // parsed by MLIR's recursive parser: on the large stack, as tessera-opt.
  mlir::LogicalResult result = mlir::failure();
  mlir::tessera::runOnLargeStack([&] {
    result = mlir::mlirTranslateMain(argc, argv, "Tessera translation driver\n");
  });
  return mlir::failed(result);
}
