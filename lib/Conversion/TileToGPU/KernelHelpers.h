//===- KernelHelpers.h - limits shared by the scan/attention kernels -*- C++ -*-===//
//
// Shared GPU recipes (Kernels.h): what the Mamba2 and attention recipes
// (ConvKernels.cpp, SSDKernels.cpp, AttentionKernels.cpp) share beyond
// GPUEmitter: the diagnostic for a dimension that must be static and
// bounded. (The shared-memory budget their tiles are sized for is the
// target's, GPUTargetInfo::sharedBudgetBytes.)
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOGPU_KERNELHELPERS_H
#define TESSERA_LIB_CONVERSION_TILETOGPU_KERNELHELPERS_H

#include "GPUEmitter.h"
#include "Kernels.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::tessera::gpukernels {

/// A flat f32 workgroup (shared-memory) buffer of `n` elements.
inline MemRefType sharedF32(MLIRContext *ctx, int64_t n) {
  return GPUEmitter::workgroupType(ctx, {n}, Float32Type::get(ctx));
}

/// Dimension `i` of memref operand `mem` when static and at most `maxSize`;
/// otherwise a diagnostic on `op` naming it (`what`) and the target's vendor.
inline FailureOr<int64_t> staticDim(const GPUTargetInfo &target, Operation *op,
                                    Value mem, int64_t i, StringRef what,
                                    int64_t maxSize) {
  int64_t n = cast<MemRefType>(mem.getType()).getDimSize(i);
  if (ShapedType::isDynamic(n))
    return op->emitOpError() << target.vendorName()
                             << " lowering needs a static " << what;
  if (n > maxSize)
    return op->emitOpError() << target.vendorName() << " lowering supports "
                             << what << " up to " << maxSize << ", got " << n;
  return n;
}

} // namespace mlir::tessera::gpukernels

#endif // TESSERA_LIB_CONVERSION_TILETOGPU_KERNELHELPERS_H
