//===- tessera-opt.cpp - Tessera's mlir-opt -------------------------------===//
//
// Drives Tessera's passes and pipelines by hand on .mlir files:
//   tessera-opt graph_examples/nemotron_2L_graph.mlir --convert-graph-to-tile
//
// MlirOptMain with two guards against stack overflow on hostile input
// (tessera/Support/NestingDepth.h): the input's nesting depth is checked
// before parsing, and parsing, passes and printing run on a large stack.
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"
#include "tessera/Support/NestingDepth.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::tessera::test {
/// test/lib: test-only passes (tessera-test-x86-kernels).
void registerTestPasses();
} // namespace mlir::tessera::test

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::DialectRegistry registry;
  mlir::tessera::registerAllDialects(registry);
  mlir::tessera::registerAllTranslations(registry);
  mlir::tessera::registerAllPasses();
  mlir::tessera::test::registerTestPasses();

  // What MlirOptMain(argc, argv, ...) does, with the input in hand before
  // the parser sees it.
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "Tessera optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: ";
    llvm::interleave(registry.getDialectNames(), llvm::outs(), ",");
    llvm::outs() << "\n";
    return 0;
  }
  if (config.shouldListPasses()) {
    mlir::printRegisteredPasses();
    return 0;
  }

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (auto violation = mlir::tessera::findNestingViolation(input->getBuffer())) {
    llvm::SourceMgr sourceMgr;
    unsigned id = sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
    const char *at = sourceMgr.getMemoryBuffer(id)->getBufferStart() +
                     violation->offset;
    sourceMgr.PrintMessage(llvm::errs(), llvm::SMLoc::getFromPointer(at),
                           llvm::SourceMgr::DK_Error, violation->message());
    return 1;
  }
  // A failed run removes its output file; never when that is a device or a
  // pipe that existed before (`-o /dev/null` run as root would delete it).
  bool special = outputFilename != "-" && llvm::sys::fs::exists(outputFilename) &&
                 !llvm::sys::fs::is_regular_file(outputFilename);
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (special)
    output->keep();

  mlir::LogicalResult result = mlir::failure();
  mlir::tessera::runOnLargeStack([&] {
    result = mlir::MlirOptMain(output->os(), std::move(input), registry, config);
  });
  if (mlir::failed(result))
    return 1;
  output->keep();
  return 0;
}
