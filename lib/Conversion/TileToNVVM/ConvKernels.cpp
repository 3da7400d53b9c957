//===- ConvKernels.cpp - NVIDIA kernels (placeholder until implemented) ---===//
//
// Part of convert-tile-to-nvvm: kernel recipes (Kernels.h) for the Conv family.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

using namespace mlir;
using namespace mlir::tessera::nvidia;

FailureOr<KernelRecipe> mlir::tessera::nvidia::getConvRecipe(Operation *op,
                                                          const ChipInfo &) {
  return op->emitOpError("has no NVIDIA lowering yet");
}
