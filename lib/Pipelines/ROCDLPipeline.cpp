//===- ROCDLPipeline.cpp - The AMD backend's pipelines ---------------------===//
//
// The AMD rows of Tessera's pipelines (Pipelines.h), the counterpart of the
// NVIDIA ones in Pipelines.cpp:
//
//   tessera-tile-to-rocdl               Tile-IR -> host funcs + gpu.module
//                                       [#rocdl.target] in ROCDL/LLVM
//                                       (launch-plan exportable)
//   tessera-rocdl-to-binary{format=bin} gpu.module -> gpu.binary (AMDGPU
//                                       assembly: isa, code object: bin)
//
// Upstream's amdgpu/gpu -> ROCDL conversions take the chipset as an option,
// while Tessera keeps the chip in the IR (#tessera.target, then the
// gpu.module's #rocdl.target): LowerKernelsToROCDL reads it there and runs
// them with it. Code objects are linked by ld.lld, which
// gpu-module-to-binary looks for at <toolkit>/llvm/bin/ld.lld; without a
// ROCm install (no AMD GPU is needed to compile), a toolkit directory with
// that one symlink to LLVM's own ld.lld is made under the temp directory.
//
//===----------------------------------------------------------------------===//

#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {

void buildKernelLowering(OpPassManager &pm, StringRef chip) {
  pm.addPass(createSCFToControlFlowPass());
  ConvertAMDGPUToROCDLPassOptions amdgpu;
  amdgpu.chipset = chip.str();
  pm.addPass(createConvertAMDGPUToROCDLPass(amdgpu));
  ConvertGpuOpsToROCDLOpsOptions gpuOps;
  gpuOps.chipset = chip.str();
  pm.addPass(createConvertGpuOpsToROCDLOps(gpuOps));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

/// amdgpu/gpu/scf/arith/memref/vector -> ROCDL + LLVM for the chip of the
/// gpu.module's #rocdl.target.
struct LowerKernelsToROCDLPass
    : PassWrapper<LowerKernelsToROCDLPass, OperationPass<gpu::GPUModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerKernelsToROCDLPass)

  StringRef getArgument() const final { return "tessera-lower-kernels-to-rocdl"; }
  StringRef getDescription() const final {
    return "Lower a gpu.module's kernels to ROCDL for the chip of its "
           "#rocdl.target";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    OpPassManager pm(gpu::GPUModuleOp::getOperationName());
    buildKernelLowering(pm, "gfx942");
    pm.getDependentDialects(registry);
  }

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    ROCDL::ROCDLTargetAttr target;
    if (ArrayAttr targets = module.getTargetsAttr())
      for (Attribute t : targets)
        if (auto rocdl = dyn_cast<ROCDL::ROCDLTargetAttr>(t))
          target = rocdl;
    if (!target) {
      module.emitError() << "tessera-lower-kernels-to-rocdl: gpu.module '"
                         << module.getName() << "' has no #rocdl.target";
      return signalPassFailure();
    }
    OpPassManager pm(gpu::GPUModuleOp::getOperationName());
    buildKernelLowering(pm, target.getChip());
    if (failed(runPipeline(pm, module)))
      signalPassFailure();
  }
};

} // namespace

std::string mlir::tessera::getDefaultROCDLToolkit() {
  auto hasLLD = [](const Twine &root) {
    return llvm::sys::fs::can_execute(root + "/llvm/bin/ld.lld");
  };
  if (std::optional<std::string> rocm = llvm::sys::Process::GetEnv("ROCM_PATH"))
    if (hasLLD(*rocm))
      return *rocm;
  if (hasLLD("/opt/rocm"))
    return "/opt/rocm";
  // LLVM's own ld.lld (the one next to the LLVM tools this was built with).
  SmallString<128> dir;
  llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, dir);
  llvm::sys::path::append(dir, "tessera-rocdl-toolkit");
  SmallString<128> bin(dir);
  llvm::sys::path::append(bin, "llvm", "bin");
  SmallString<128> link(bin);
  llvm::sys::path::append(link, "ld.lld");
  if (!hasLLD(dir)) {
    (void)llvm::sys::fs::create_directories(bin);
    (void)llvm::sys::fs::remove(link);
    (void)llvm::sys::fs::create_link(TESSERA_LLD_PATH, link);
  }
  return std::string(dir);
}

void mlir::tessera::buildTileToROCDLPipeline(OpPassManager &pm) {
  // The chip is the module's #tessera.target (tessera-attach-target).
  pm.addPass(createConvertTileToROCDL());
  pm.nest<gpu::GPUModuleOp>().addPass(
      std::make_unique<LowerKernelsToROCDLPass>());
  // Host functions: the same normal form as NVIDIA's, for the launch plan.
  OpPassManager &host = pm.nest<func::FuncOp>();
  host.addPass(memref::createExpandStridedMetadataPass());
  host.addPass(createLowerAffinePass());
  host.addPass(createCanonicalizerPass());
  host.addPass(createCSEPass());
}

void mlir::tessera::buildROCDLToBinaryPipeline(
    OpPassManager &pm, const ROCDLBinaryOptions &options) {
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath =
      options.toolkit.empty() ? getDefaultROCDLToolkit()
                              : std::string(options.toolkit);
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::tessera::registerROCDLPipelines() {
  PassRegistration<LowerKernelsToROCDLPass>();
  PassPipelineRegistration<>(
      "tessera-tile-to-rocdl",
      "Tile-IR to kernels in a gpu.module lowered to ROCDL, launched from "
      "normalised host functions (AMD; chip from the module's "
      "#tessera.target)",
      [](OpPassManager &pm) { buildTileToROCDLPipeline(pm); });
  PassPipelineRegistration<ROCDLBinaryOptions>(
      "tessera-rocdl-to-binary",
      "the AMD kernels' gpu.module to AMDGPU assembly (format=isa) or a code "
      "object (format=bin, linked by ld.lld)",
      buildROCDLToBinaryPipeline);
}
