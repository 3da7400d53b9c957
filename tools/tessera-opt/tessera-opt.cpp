//===- tessera-opt.cpp - Tessera's mlir-opt -------------------------------===//
//
// Drives Tessera's passes and pipelines by hand on .mlir files:
//   tessera-opt graph_examples/nemotron_2L_graph.mlir --convert-graph-to-tile
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::tessera::registerAllDialects(registry);
  mlir::tessera::registerAllTranslations(registry);
  mlir::tessera::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
