//===- KernelHelpers.h - limits shared by the scan/attention kernels -*- C++ -*-===//
//
// Part of convert-tile-to-nvvm: what the Mamba2 and attention recipes
// (ConvKernels.cpp, SSDKernels.cpp, AttentionKernels.cpp) share beyond
// GPUEmitter: the static shared-memory budget their tile sizes are chosen
// for, and the diagnostic for a dimension that must be static and bounded.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H
#define TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H

#include "GPUEmitter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::tessera::nvidia {

/// Static shared memory a kernel may use without opting in (48 KiB).
constexpr int64_t kSharedBudgetBytes = 48 * 1024;

/// A flat f32 workgroup (shared-memory) buffer of `n` elements.
inline MemRefType sharedF32(MLIRContext *ctx, int64_t n) {
  return GPUEmitter::workgroupType(ctx, {n}, Float32Type::get(ctx));
}

/// Dimension `i` of memref operand `mem` when static and at most `maxSize`;
/// otherwise a diagnostic on `op` naming it (`what`).
inline FailureOr<int64_t> staticDim(Operation *op, Value mem, int64_t i,
                                    StringRef what, int64_t maxSize) {
  int64_t n = cast<MemRefType>(mem.getType()).getDimSize(i);
  if (ShapedType::isDynamic(n))
    return op->emitOpError("NVIDIA lowering needs a static ") << what;
  if (n > maxSize)
    return op->emitOpError("NVIDIA lowering supports ")
           << what << " up to " << maxSize << ", got " << n;
  return n;
}

} // namespace mlir::tessera::nvidia

#endif // TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H
