//===- tessera-opt.cpp - Tessera's mlir-opt -------------------------------===//
//
// Drives Tessera's passes and pipelines by hand on .mlir files:
//   tessera-opt graph_examples/nemotron_2L_graph.mlir --convert-graph-to-tile
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace mlir::tessera::test {
/// test/lib: test-only passes (tessera-test-x86-kernels).
void registerTestPasses();
} // namespace mlir::tessera::test

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::tessera::registerAllDialects(registry);
  mlir::tessera::registerAllTranslations(registry);
  mlir::tessera::registerAllPasses();
  mlir::tessera::test::registerTestPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
