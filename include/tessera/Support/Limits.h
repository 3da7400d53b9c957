//===- Limits.h - Upper bounds on Mamba2 sizes ------------------*- C++ -*-===//
//
// Sizes that a config can set and that the kernels' work or scratch memory
// grows with faster than linearly, each with the reason for its bound. The
// Graph and Tile verifiers refuse larger values, and tessera/config.py states
// the same bounds so that a config fails at load time with the field named.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_LIMITS_H
#define TESSERA_SUPPORT_LIMITS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir::tessera {

/// Largest causal-conv kernel (conv_kernel; Mamba2 models use 4). Each
/// output costs `kernel` FMAs and the conv state keeps `kernel - 1` inputs
/// per channel; kernels past kMaxUnrolledConvKernel are lowered as a loop.
constexpr int64_t kMaxConvKernel = 1024;
/// Kernels up to this size keep their weights and input window in vector
/// registers (fully unrolled); longer ones loop over the kernel.
constexpr int64_t kMaxUnrolledConvKernel = 16;

/// Largest SSD chunk (chunk_size; Nemotron-H uses 128, Mamba2 256). The
/// chunk scan holds two chunk_size x chunk_size f32 matrices per (batch,
/// chunk, head) as scratch: 2 * 4096^2 * 4 B = 128 MiB at the bound.
constexpr int64_t kMaxSSDChunkSize = 4096;

/// Fails with "<name> must be at most <limit> (<why>), got <value>".
inline LogicalResult checkAtMost(Operation *op, llvm::StringRef name,
                                 int64_t value, int64_t limit,
                                 llvm::StringRef why) {
  if (ShapedType::isDynamic(value) || value <= limit)
    return success();
  return op->emitOpError() << name << " must be at most " << limit << " ("
                           << why << "), got " << value;
}

inline LogicalResult checkConvKernel(Operation *op, int64_t kernel) {
  return checkAtMost(op, "kernel size", kernel, kMaxConvKernel,
                     "each output costs a multiply-add per tap");
}

inline LogicalResult checkSSDChunkSize(Operation *op, int64_t chunk) {
  return checkAtMost(op, "chunk_size", chunk, kMaxSSDChunkSize,
                     "the chunk scan keeps chunk_size x chunk_size matrices");
}

} // namespace mlir::tessera

#endif // TESSERA_SUPPORT_LIMITS_H
