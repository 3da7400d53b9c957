//===- TileToNVVM.cpp - Tile-IR to GPU kernels for NVIDIA ------------------===//
//
// convert-tile-to-nvvm{chip=sm_90a}: the NVIDIA counterpart of
// convert-tile-to-x86, second lowering of the Tessera pipeline.
//
//   Tile-IR op in a host function
//     --> gpu.launch_func of a kernel in gpu.module @tessera_kernels
//         (#nvvm.target<chip = ...>), its body written by the op's recipe
//         with gpu/scf/arith/memref/nvvm ops.
//
// The recipes and the outlining driver are shared with AMD
// (lib/Conversion/TileToGPU/Kernels.h); this pass supplies what is NVIDIA's:
// the chips, 32-lane warps, the 48 KiB static shared-memory budget and the
// mma.sync matmul (MMAKernels.cpp).
// The rest of the NVIDIA pipeline (lib/Pipelines) lowers the gpu.module to
// NVVM and a cubin, and exports the host functions as a launch plan.
//
//===----------------------------------------------------------------------===//

#include "NVVMKernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTILETONVVM
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

constexpr std::array<StringLiteral, 5> kChips = {"sm_80", "sm_86", "sm_89",
                                                  "sm_90", "sm_90a"};

struct ConvertTileToNVVMPass
    : tessera::impl::ConvertTileToNVVMBase<ConvertTileToNVVMPass> {
  using ConvertTileToNVVMBase::ConvertTileToNVVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The chip comes from the module's #tessera.target, never an option.
    FailureOr<TargetAttr> moduleTarget = getModuleTarget(module);
    if (failed(moduleTarget))
      return signalPassFailure();
    if (!moduleTarget->isNVIDIA()) {
      module.emitError() << "convert-tile-to-nvvm: the module's target is '"
                         << moduleTarget->getKind()
                         << "', not nvidia (set it with "
                            "tessera-attach-target{kind=nvidia chip=...})";
      return signalPassFailure();
    }
    std::string chip = moduleTarget->getChip().str();
    if (!llvm::is_contained(kChips, chip)) {
      std::string known;
      llvm::raw_string_ostream os(known);
      llvm::interleaveComma(kChips, os);
      module.emitError() << "convert-tile-to-nvvm: unsupported chip '" << chip
                         << "' (supported: " << known << ")";
      return signalPassFailure();
    }
    // Every supported chip is sm_80+, so bf16 matmuls take mma.sync.
    gpukernels::GPUTargetInfo info;
    info.vendor = gpukernels::GPUVendor::NVIDIA;
    info.chip = chip;
    info.warpSize = 32;
    // Static shared memory a kernel may use without opting in.
    info.sharedBudgetBytes = 48 * 1024;
    info.matrixMatmul = nvidia::matmulMmaRecipe;

    MLIRContext *ctx = &getContext();
    auto target = NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3,
                                            "nvptx64-nvidia-cuda", chip,
                                            /*features=*/"+ptx80");
    if (failed(gpukernels::outlineTileOpsToGPU(
            module, info, ArrayAttr::get(ctx, {target}))))
      signalPassFailure();
  }
};

} // namespace
