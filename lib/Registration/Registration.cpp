//===- Registration.cpp - Everything Tessera's tools register -------------===//

#include "tessera/InitAllDialects.h"
#include "tessera/Target/CUDA/LaunchPlan.h"
#include "tessera/Target/LLVMCPU/LLVMCPU.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Dialect/Target/Transforms/Passes.h"
#include "tessera/Dialect/Graph/IR/Graph.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"
#include "tessera/Dialect/Target/IR/Target.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::tessera::registerAllDialects(DialectRegistry &registry) {
  registry.insert<TesseraDialect, graph::GraphDialect, tile::TileDialect,
                  target::TargetDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void mlir::tessera::registerAllPasses() {
  mlir::registerAllPasses();
  registerTesseraConversionPasses();
  registerTesseraPipelines();
  target::registerTesseraTargetPasses();
}

void mlir::tessera::registerAllTranslations(DialectRegistry &registry) {
  mlir::registerAllToLLVMIRTranslations(registry);
}

void mlir::tessera::registerTesseraTranslations() {
  registerToX86ObjectTranslation();
  cuda::registerCUDATranslations();
}
