//===- Kernels.h - GPU kernel recipes for Tile-IR ops -------------*- C++ -*-===//
//
// Shared by the GPU lowerings of Tile-IR, convert-tile-to-nvvm
// (lib/Conversion/TileToNVVM) and convert-tile-to-rocdl
// (lib/Conversion/TileToROCDL):
//
//   host func: tile.<op> %operands...
//     --> gpu.launch_func @tessera_kernels::@<kernel> blocks in (grid)
//                         threads in (block) args(%operands...)
//   gpu.module @tessera_kernels [#nvvm.target<...> | #rocdl.target<...>]:
//         gpu.func @<kernel>(operands...) kernel { <body from the recipe> }
//
// A *recipe* says how one Tile-IR op becomes a kernel: the threads per block
// its body is written for, the grid to launch (computed on the host at every
// launch site, from the op's operands), and the body itself. The outlining
// driver (outlineTileOpsToGPU) creates one gpu.func per distinct (op name,
// operand types, attributes), so every layer of a model with the same shapes
// shares one kernel; the body is asked for once per kernel, the grid once per
// launch site.
//
// Kernel arguments mirror the op's operands one to one (same memref types,
// strided layouts included), so the kernel reads sizes with memref.dim and
// needs no extra scalars. Everything a body needs from the op (epsilon,
// chunk size, epilogue, ...) is an attribute, part of the kernel's identity.
//
// The recipes are written with upstream `gpu`/`scf`/`arith`/`memref` ops
// through GPUEmitter, which lower to NVVM and ROCDL alike; what differs per
// vendor is in GPUTargetInfo (warp size, shared-memory budget, the
// transcendental intrinsics) and in the matrix-core matmul each vendor plugs
// in (mma.sync: TileToNVVM/MMAKernels.cpp, MFMA: TileToROCDL/MFMAKernels.cpp).
//
// One file per op family: DenseKernels.cpp (matmul, norms, add, embedding,
// memref.copy), ConvKernels.cpp, SSDKernels.cpp, AttentionKernels.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOGPU_KERNELS_H
#define TESSERA_LIB_CONVERSION_TILETOGPU_KERNELS_H

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

#include <array>
#include <functional>
#include <optional>
#include <string>

namespace mlir::tessera::gpukernels {

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

/// What a matmul kernel needs from the op besides its arguments
/// (a, b, c[, bias]).
struct MatmulSpec {
  bool transposeB;
  bool accumulate;
  bool hasBias;
  tile::Epilogue epilogue;
};

enum class GPUVendor { NVIDIA, AMD };

/// What the shared recipes need to know about the GPU they compile for.
struct GPUTargetInfo {
  GPUVendor vendor = GPUVendor::NVIDIA;
  /// sm_90a, gfx942, ...
  std::string chip;
  /// Threads of a warp (NVIDIA, 32) or wavefront (AMD CDNA, 64): the width
  /// of the shuffle reductions and of the per-warp layouts of the recipes.
  int64_t warpSize = 32;
  /// Static shared (NVIDIA) / LDS (AMD) bytes a kernel's tiles are sized for.
  int64_t sharedBudgetBytes = 48 * 1024;
  /// Alignment in bytes given to every workgroup buffer (0: the element
  /// type's): AMD's MFMA fragments are 8-byte LDS reads (ds_read_b64).
  int64_t workgroupAlignment = 0;
  /// The matrix-core matmul for bf16 weights (mma.sync, MFMA); null: the SIMT
  /// kernel. `splitActivations`: A is f32 (hi/lo bf16 split).
  std::function<KernelRecipe(MLIRContext *, MatmulSpec, bool splitActivations)>
      matrixMatmul;
  /// A vendor kernel replacing the shared recipe for some forms of an op
  /// (AMD: ssd_chunk_state on f32 MFMA); std::nullopt keeps the shared one,
  /// which also reports the forms nobody lowers.
  std::function<std::optional<KernelRecipe>(Operation *)> overrideRecipe;

  bool isAMD() const { return vendor == GPUVendor::AMD; }
  /// "NVIDIA" / "AMD", for diagnostics ("AMD lowering needs ...").
  StringRef vendorName() const { return isAMD() ? "AMD" : "NVIDIA"; }
};

/// Recipe lookup, one function per op family; the driver dispatches each op
/// to its family's function. Fails with a diagnostic on `op` when this form
/// of the op has no lowering for the target.
/// tile.matmul, tile.rmsnorm, tile.gated_rmsnorm, tile.add, tile.embedding,
/// memref.copy.
FailureOr<KernelRecipe> getDenseRecipe(Operation *op, const GPUTargetInfo &target);
/// tile.causal_conv1d.
FailureOr<KernelRecipe> getConvRecipe(Operation *op, const GPUTargetInfo &target);
/// tile.ssd_chunk_cumsum, ssd_chunk_state, ssd_state_passing, ssd_chunk_scan,
/// ssd_state_update.
FailureOr<KernelRecipe> getSSDRecipe(Operation *op, const GPUTargetInfo &target);
/// tile.flash_attention, tile.kv_cache_append.
FailureOr<KernelRecipe> getAttentionRecipe(Operation *op,
                                           const GPUTargetInfo &target);

/// The outlining driver of convert-tile-to-nvvm/-rocdl: every Tile-IR op and
/// memref.copy outside a gpu.module becomes a gpu.launch_func of a kernel in
/// gpu.module @tessera_kernels, whose `targets` are `gpuTargets`. An op
/// without a lowering for the target is reported on the op.
LogicalResult outlineTileOpsToGPU(ModuleOp module, const GPUTargetInfo &target,
                                  ArrayAttr gpuTargets);

} // namespace mlir::tessera::gpukernels

#endif // TESSERA_LIB_CONVERSION_TILETOGPU_KERNELS_H
