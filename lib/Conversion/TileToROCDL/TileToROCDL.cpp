//===- TileToROCDL.cpp - Tile-IR to GPU kernels for AMD --------------------===//
//
// convert-tile-to-rocdl: the AMD counterpart of convert-tile-to-nvvm, second
// lowering of the Tessera pipeline for `#tessera.target<"amd", chip>`.
//
//   Tile-IR op in a host function
//     --> gpu.launch_func of a kernel in gpu.module @tessera_kernels
//         (#rocdl.target<chip = gfx942 | gfx90a>), its body written by the
//         op's recipe with gpu/scf/arith/memref/vector/amdgpu/rocdl ops.
//
// The recipes and the outlining driver are shared with NVIDIA
// (lib/Conversion/TileToGPU/Kernels.h); this pass supplies what is AMD's:
// the chips and their CDNA configuration (wave64, 64 KiB LDS),
// and its MFMA kernels (MFMAKernels.cpp: the bf16 matmul, the SSD chunk
// state on f32 MFMA). The rest of the AMD pipeline
// (lib/Pipelines) lowers the gpu.module through amdgpu/gpu -> ROCDL and
// gpu-module-to-binary to a code object (HSACO); the host functions become
// the same launch plan as NVIDIA's.
//
//===----------------------------------------------------------------------===//

#include "ROCDLKernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTILETOROCDL
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::amd;

ArrayRef<CDNAConfig> amd::getCDNAConfigs() {
  // CDNA2 (MI200) and CDNA3 (MI300): wave64, 64 KiB LDS per workgroup, and
  // both have the bf16 "1k" MFMAs (v_mfma_f32_32x32x8_bf16).
  static const CDNAConfig configs[] = {
      {"gfx90a", 64, 64 * 1024},
      {"gfx942", 64, 64 * 1024},
  };
  return configs;
}

namespace {

/// MFMA takes bf16 (and f32 through the SIMT kernel here); anything else is
/// reported before a kernel is written.
LogicalResult checkMatmulTypes(ModuleOp module) {
  WalkResult r = module.walk([](tile::MatmulOp op) {
    for (auto [what, v] : {std::pair<StringRef, Value>{"A", op.getA()},
                           std::pair<StringRef, Value>{"B", op.getB()}}) {
      Type t = cast<MemRefType>(v.getType()).getElementType();
      if (!t.isBF16() && !t.isF32()) {
        op.emitOpError() << "AMD lowering takes matmul operands of bf16 (MFMA "
                            "bf16 x bf16 -> f32) or f32, got "
                         << what << " of " << t;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

struct ConvertTileToROCDLPass
    : tessera::impl::ConvertTileToROCDLBase<ConvertTileToROCDLPass> {
  using ConvertTileToROCDLBase::ConvertTileToROCDLBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The chip comes from the module's #tessera.target, never an option.
    FailureOr<TargetAttr> moduleTarget = getModuleTarget(module);
    if (failed(moduleTarget))
      return signalPassFailure();
    if (!moduleTarget->isAMD()) {
      module.emitError() << "convert-tile-to-rocdl: the module's target is '"
                         << moduleTarget->getKind()
                         << "', not amd (set it with "
                            "tessera-attach-target{kind=amd chip=...})";
      return signalPassFailure();
    }
    StringRef chip = moduleTarget->getChip();
    const CDNAConfig *config = nullptr;
    for (const CDNAConfig &c : getCDNAConfigs())
      if (c.chip == chip)
        config = &c;
    if (!config) {
      std::string known;
      llvm::raw_string_ostream os(known);
      llvm::interleaveComma(getCDNAConfigs(), os,
                            [&](const CDNAConfig &c) { os << c.chip; });
      module.emitError() << "convert-tile-to-rocdl: unsupported chip '" << chip
                         << "' (supported: " << known << ")";
      return signalPassFailure();
    }
    if (failed(checkMatmulTypes(module)))
      return signalPassFailure();

    gpukernels::GPUTargetInfo info;
    info.vendor = gpukernels::GPUVendor::AMD;
    info.chip = chip.str();
    info.warpSize = config->waveSize;
    info.sharedBudgetBytes = config->ldsBytes;
    info.workgroupAlignment = 16;
    info.matrixMatmul = amd::matmulMfmaRecipe;
    int64_t lds = config->ldsBytes;
    info.overrideRecipe = [lds](Operation *op) {
      return amd::overrideRecipe(op, lds);
    };

    MLIRContext *ctx = &getContext();
    auto target = ROCDL::ROCDLTargetAttr::get(
        ctx, /*optLevel=*/3, "amdgcn-amd-amdhsa", chip, /*features=*/"",
        /*abiVersion=*/"600");
    if (failed(gpukernels::outlineTileOpsToGPU(
            module, info, ArrayAttr::get(ctx, {target}))))
      signalPassFailure();
  }
};

} // namespace
