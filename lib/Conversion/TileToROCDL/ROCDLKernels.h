//===- ROCDLKernels.h - what AMD adds to the shared GPU recipes --*- C++ -*-===//
//
// Part of convert-tile-to-rocdl (TileToROCDL.cpp): the shared recipes
// (lib/Conversion/TileToGPU/Kernels.h) write every kernel with upstream
// gpu/scf/arith/memref ops; AMD adds the CDNA configuration they are sized
// for and its MFMA matmul.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOROCDL_ROCDLKERNELS_H
#define TESSERA_LIB_CONVERSION_TILETOROCDL_ROCDLKERNELS_H

#include "../TileToGPU/Kernels.h"

namespace mlir::tessera::amd {

/// What the AMD lowering picks per chip: the CDNA lowering configuration.
struct CDNAConfig {
  StringRef chip;
  /// Wavefront size (CDNA: 64 only).
  int64_t waveSize;
  /// LDS (workgroup memory) bytes per workgroup.
  int64_t ldsBytes;
  // Both chips have the bf16 MFMA the matmul is written for
  // (v_mfma_f32_32x32x8_bf16, MFMAKernels.cpp); a chip without it would
  // need a field here choosing another shape.
};

/// The supported chips' configurations (gfx90a: MI200, gfx942: MI300).
ArrayRef<CDNAConfig> getCDNAConfigs();

/// tile.matmul with bf16 weights on v_mfma_f32_32x32x8_bf16: 64x64 C tile per
/// workgroup of 256 threads. `splitActivations`: A is f32, staged as bf16 hi
/// and lo tiles (a third LDS buffer) and multiplied twice.
gpukernels::KernelRecipe matmulMfmaRecipe(MLIRContext *ctx,
                                          gpukernels::MatmulSpec spec,
                                          bool splitActivations);

/// AMD kernels that replace a shared recipe (GPUTargetInfo::overrideRecipe):
/// tile.ssd_chunk_state with static P, N (<= 16 output tiles of 32x32),
/// tile.ssd_chunk_scan with static P, N <= 128 and tile.flash_attention with
/// static heads and head dim <= 128, all on the f32 MFMA v_mfma_f32_32x32x2_f32. std::nullopt: the shared recipe.
std::optional<gpukernels::KernelRecipe> overrideRecipe(Operation *op,
                                                       int64_t ldsBytes);

/// tile.flash_attention with Q K^T and P V on v_mfma_f32_32x32x2_f32
/// (MFMAAttention.cpp); std::nullopt for shapes it does not take.
std::optional<gpukernels::KernelRecipe>
flashAttentionMfmaRecipe(Operation *op, int64_t ldsBytes);

/// tile.ssd_chunk_scan's three products on v_mfma_f32_32x32x2_f32
/// (MFMAChunkScan.cpp); std::nullopt for shapes it does not take.
std::optional<gpukernels::KernelRecipe>
chunkScanMfmaRecipe(Operation *op, int64_t ldsBytes);

} // namespace mlir::tessera::amd

#endif // TESSERA_LIB_CONVERSION_TILETOROCDL_ROCDLKERNELS_H
