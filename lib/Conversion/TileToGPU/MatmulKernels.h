//===- MatmulKernels.h - pieces shared by the GPU matmul kernels -*- C++ -*-===//
//
// Shared GPU recipes (Kernels.h): what the matmul kernels share, the SIMT
// one (DenseKernels.cpp) and the vendors' matrix-core ones plugged in through
// GPUTargetInfo::matrixMatmul (TileToNVVM/MMAKernels.cpp: mma.sync,
// TileToROCDL/MFMAKernels.cpp: MFMA): the operand loads with zero-filled
// edges, the grid of C tiles, and the store that applies bias, accumulation
// and the epilogue.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOGPU_MATMULKERNELS_H
#define TESSERA_LIB_CONVERSION_TILETOGPU_MATMULKERNELS_H

#include "GPUEmitter.h"
#include "Kernels.h"

namespace mlir::tessera::gpukernels {

using Grid = SmallVector<Value, 3>;

/// A recipe whose grid is computed by `grid` with a GPUEmitter at the launch
/// site and whose body is `body` with a GPUEmitter in the kernel.
KernelRecipe makeRecipe(
    int64_t threads, SmallVector<MemRefType> workgroup,
    std::function<Grid(GPUEmitter &, ValueRange)> grid,
    std::function<void(GPUEmitter &, ValueRange, ValueRange)> body);

/// Writes one output element: v (+ bias[col]) (+ c[row, col]), epilogue,
/// guarded by row < M and col < N. `args` are the kernel's (a, b, c[, bias]).
void storeMatmulResult(GPUEmitter &e, const MatmulSpec &spec, ValueRange args,
                       Value v, Value row, Value col, Value m, Value n);

/// B[n, k] from `b`, which is [N, K] (transpose_b) or [K, N], as f32.
Value loadB(GPUEmitter &e, Value b, bool transposeB, Value n, Value k);

/// load(r, k) if r < rows and k < depth, else 0 (edge tiles of the operands).
Value loadOrZero(GPUEmitter &e, Value r, Value k, Value rows, Value depth,
                 const std::function<Value(Value, Value)> &load);

/// Grid of bm x bn C tiles: (ceil(N / bn), ceil(M / bm), 1).
Grid matmulGrid(GPUEmitter &e, ValueRange ops, int64_t bm, int64_t bn);

} // namespace mlir::tessera::gpukernels

#endif // TESSERA_LIB_CONVERSION_TILETOGPU_MATMULKERNELS_H
