//===- Kernels.h - NVIDIA kernel recipes for Tile-IR ops ---------*- C++ -*-===//
//
// Part of convert-tile-to-nvvm (TileToNVVM.cpp), the NVIDIA lowering of
// Tile-IR:
//
//   host func: tile.<op> %operands...
//     --> gpu.launch_func @tessera_kernels::@<kernel> blocks in (grid)
//                         threads in (block) args(%operands...)
//   gpu.module @tessera_kernels [#nvvm.target<chip = ...>]:
//         gpu.func @<kernel>(operands...) kernel { <body from the recipe> }
//
// A *recipe* says how one Tile-IR op becomes a kernel: the threads per block
// its body is written for, the grid to launch (computed on the host at every
// launch site, from the op's operands), and the body itself. The pass creates
// one gpu.func per distinct (op name, operand types, attributes), so every
// layer of a model with the same shapes shares one kernel; the body is asked
// for once per kernel, the grid once per launch site.
//
// Kernel arguments mirror the op's operands one to one (same memref types,
// strided layouts included), so the kernel reads sizes with memref.dim and
// needs no extra scalars. Everything a body needs from the op (epsilon,
// chunk size, epilogue, ...) is an attribute, part of the kernel's identity.
//
// One file per op family: DenseKernels.cpp (matmul, norms, add, embedding,
// memref.copy), ConvKernels.cpp, SSDKernels.cpp, AttentionKernels.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETONVVM_KERNELS_H
#define TESSERA_LIB_CONVERSION_TILETONVVM_KERNELS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

#include <array>
#include <functional>
#include <string>

namespace mlir::tessera::nvidia {

/// What the NVIDIA lowering knows about the chip it compiles for.
struct ChipInfo {
  std::string chip = "sm_90a";
  /// SM version as a number (90 for sm_90a): mma.sync needs >= 80.
  int smVersion() const;
};

/// How one Tile-IR op becomes a kernel.
struct KernelRecipe {
  /// Threads per block (x, y, z) the body is written for.
  std::array<int64_t, 3> block = {128, 1, 1};
  /// Shared-memory buffers of the kernel (gpu.func workgroup attributions,
  /// address space #gpu.address_space<workgroup>), passed to `body`.
  SmallVector<MemRefType> workgroup;
  /// Writes the kernel body at `b`, which is positioned inside the gpu.func's
  /// entry block before its gpu.return. `args` mirror the op's operands;
  /// `shared` are the workgroup buffers above.
  std::function<LogicalResult(OpBuilder &b, Location loc, ValueRange args,
                              ValueRange shared)>
      body;
  /// Writes the grid size (three index values) at a launch site; `host` is
  /// positioned before the Tile-IR op, `operands` are its operands.
  std::function<SmallVector<Value, 3>(OpBuilder &host, Location loc,
                                      ValueRange operands)>
      grid;
};

/// Recipe lookup, one function per op family; the pass dispatches each op to
/// its family's function. Fails with a diagnostic on `op` when this form of
/// the op has no NVIDIA lowering.
/// tile.matmul, tile.rmsnorm, tile.gated_rmsnorm, tile.add, tile.embedding,
/// memref.copy.
FailureOr<KernelRecipe> getDenseRecipe(Operation *op, const ChipInfo &chip);
/// tile.causal_conv1d.
FailureOr<KernelRecipe> getConvRecipe(Operation *op, const ChipInfo &chip);
/// tile.ssd_chunk_cumsum, ssd_chunk_state, ssd_state_passing, ssd_chunk_scan,
/// ssd_state_update.
FailureOr<KernelRecipe> getSSDRecipe(Operation *op, const ChipInfo &chip);
/// tile.flash_attention, tile.kv_cache_append.
FailureOr<KernelRecipe> getAttentionRecipe(Operation *op,
                                           const ChipInfo &chip);

} // namespace mlir::tessera::nvidia

#endif // TESSERA_LIB_CONVERSION_TILETONVVM_KERNELS_H
