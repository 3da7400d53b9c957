//===- NVVMKernels.h - what NVIDIA adds to the shared GPU recipes -*- C++ -*-===//
//
// Part of convert-tile-to-nvvm (TileToNVVM.cpp): the shared recipes
// (lib/Conversion/TileToGPU/Kernels.h) write every kernel with upstream
// gpu/scf/arith/memref ops; NVIDIA adds its tensor-core matmul.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETONVVM_NVVMKERNELS_H
#define TESSERA_LIB_CONVERSION_TILETONVVM_NVVMKERNELS_H

#include "../TileToGPU/Kernels.h"

namespace mlir::tessera::nvidia {

/// tile.matmul with bf16 weights on mma.sync.m16n8k16 (sm_80+): 64x64 C tile
/// per block of 128 threads. `splitActivations`: A is f32, staged as bf16 hi
/// and lo tiles (a third workgroup buffer) and multiplied twice.
gpukernels::KernelRecipe matmulMmaRecipe(MLIRContext *ctx,
                                         gpukernels::MatmulSpec spec,
                                         bool splitActivations);

} // namespace mlir::tessera::nvidia

#endif // TESSERA_LIB_CONVERSION_TILETONVVM_NVVMKERNELS_H
