//===- Pipelines.cpp - Tessera's named stage pipelines --------------------===//
//
// The stage pipelines, and the dispatch from the module's #tessera.target to
// the pipeline of that target (see Pipelines.h).
//
//===----------------------------------------------------------------------===//

#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Target/Transforms/Passes.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tessera;

void mlir::tessera::buildGraphToTilePipeline(OpPassManager &pm) {
  pm.addPass(createVerifyGraphStage());
  pm.addPass(createConvertGraphToTile());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createVerifyTileStage());
}

//===----------------------------------------------------------------------===//
// x86
//===----------------------------------------------------------------------===//

void mlir::tessera::buildTileToX86Pipeline(OpPassManager &pm) {
  pm.addPass(createVerifyTileStage());
  pm.addPass(createSelectLoweringConfig());
  // The weights' layouts (matmul panels, packed once by the runtime) follow
  // the configs' vector widths.
  pm.addPass(createX86PackWeights());
  pm.addPass(createConvertTileToX86());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::tessera::buildX86ToLLVMPipeline(OpPassManager &pm) {
  // Target-IR ops first (x86: vector FMAs, VNNI/bf16 dots), then the
  // upstream conversions, from the most structured ops down.
  pm.addPass(target::createConvertTargetToUpstream());
  pm.addPass(createConvertVectorToSCFPass());
  // The kernels' scf.parallel loops become OpenMP worksharing loops (threads
  // of the OpenMP runtime, libomp; the team size is the runtime's).
  pm.addPass(createConvertSCFToOpenMPPass());
  // ... which wraps each loop body in a memref.alloca_scope; the bodies hold
  // no allocas, so canonicalization inlines it before scf-to-cf would split
  // its (single-block) region.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSCFToControlFlowPass());
  {
    // x86vector ops (from target.x86.bf16_dot / vnni_dot) and AMX tile ops
    // (the bf16 matmul on AMX hosts) become their LLVM intrinsics here.
    ConvertVectorToLLVMPassOptions vectorToLLVM;
    vectorToLLVM.x86Vector = true;
    vectorToLLVM.amx = true;
    pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  }
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Heap buffers through the generic allocation functions (aligned: the
  // block is the buffer, no over-allocation to align it by hand), which
  // tessera-use-runtime-allocator below hands to Tessera's caching
  // allocator (lib/Runtime): repeated calls reuse their buffers' pages.
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useAlignedAlloc = true;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  {
    // Branches, through the dialects' conversion interfaces: AMX's makes
    // the type converter map !amx.tile to x86_amx, so AMX accumulator tiles
    // carried around a K loop (block arguments once scf-to-cf ran) convert;
    // convert-cf-to-llvm's own converter does not know the type.
    ConvertToLLVMPassOptions branches;
    branches.filterDialects = {"cf", "amx"};
    pm.addPass(createConvertToLLVMPass(branches));
  }
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // The runtime interface: tessera_rt_* allocation calls, and a packed
  // entry point per function for the runtime's guarded call.
  pm.addPass(createUseRuntimeAllocator());
  pm.addPass(createEmitPackedEntryPoints());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVerifyLLVMStage());
}

//===----------------------------------------------------------------------===//
// Dispatch on the module's target
//===----------------------------------------------------------------------===//

ArrayRef<TargetBackend> mlir::tessera::getTargetBackends() {
  // One row per target with a lowering; AMD plugs in here (until then its
  // modules get "no lowering for target").
  static const TargetBackend backends[] = {
      {"x86", buildTileToX86Pipeline, buildX86ToLLVMPipeline},
      // NVIDIA's host functions are not lowered to LLVM: they become a launch
      // plan (tessera-translate --tessera-to-cuda-plan) and its kernels a
      // binary (tessera-nvvm-to-binary), so it has no target-to-LLVM stage.
      {"nvidia", buildTileToNVVMPipeline, nullptr},
      // AMD likewise (tessera-rocdl-to-binary; lib/Pipelines/ROCDLPipeline.cpp).
      {"amd", buildTileToROCDLPipeline, nullptr},
  };
  return backends;
}

namespace {
enum class Stage { TileToTarget, TargetToLLVM };

/// Runs the backend pipeline of the module's target for one stage boundary.
struct TargetDispatchPass
    : PassWrapper<TargetDispatchPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TargetDispatchPass)

  TargetDispatchPass(Stage stage) : stage(stage) {}

  StringRef getArgument() const final { return "tessera-target-dispatch"; }
  StringRef pipelineName() const {
    return stage == Stage::TileToTarget ? "tessera-tile-to-target"
                                        : "tessera-target-to-llvm";
  }
  /// The backend's builder for this stage (null: the target has no such
  /// stage).
  void (*builder(const TargetBackend &backend) const)(OpPassManager &) {
    return stage == Stage::TileToTarget ? backend.buildTileToTarget
                                        : backend.buildTargetToLLVM;
  }
  void build(const TargetBackend &backend, OpPassManager &pm) const {
    if (auto fn = builder(backend))
      fn(pm);
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<TesseraDialect>();
    for (const TargetBackend &backend : getTargetBackends()) {
      OpPassManager pm(ModuleOp::getOperationName());
      build(backend, pm);
      pm.getDependentDialects(registry);
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetAttr> target = getModuleTarget(module);
    if (failed(target))
      return signalPassFailure();
    for (const TargetBackend &backend : getTargetBackends()) {
      if (backend.kind != target->getKind())
        continue;
      if (!builder(backend)) {
        bool amd = target->getKind() == "amd";
        module.emitError()
            << "target '" << target->getKind() << "' has no " << pipelineName()
            << " stage: its host functions become a launch plan "
               "(tessera-translate --tessera-to-cuda-plan) and its kernels a "
               "binary ("
            << (amd ? "tessera-rocdl-to-binary" : "tessera-nvvm-to-binary")
            << ")";
        return signalPassFailure();
      }
      OpPassManager pm(ModuleOp::getOperationName());
      build(backend, pm);
      if (failed(runPipeline(pm, module)))
        signalPassFailure();
      return;
    }
    std::string available;
    for (const TargetBackend &backend : getTargetBackends())
      available += (available.empty() ? "" : ", ") + backend.kind.str();
    module.emitError() << "no lowering for target '" << target->getKind()
                       << "' in " << pipelineName()
                       << " (available: " << available << ")";
    signalPassFailure();
  }

  Stage stage;
};
} // namespace

void mlir::tessera::buildTileToTargetPipeline(OpPassManager &pm) {
  pm.addPass(std::make_unique<TargetDispatchPass>(Stage::TileToTarget));
}

void mlir::tessera::buildTargetToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(std::make_unique<TargetDispatchPass>(Stage::TargetToLLVM));
}

void mlir::tessera::buildTileToNVVMPipeline(OpPassManager &pm) {
  // The chip is the module's #tessera.target (tessera-attach-target).
  pm.addPass(createConvertTileToNVVM());
  // Kernels: structured control flow and nvgpu first, then gpu/arith/memref
  // to NVVM + LLVM in one conversion.
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // Host functions: every view made explicit (extract_strided_metadata +
  // reinterpret_cast) and affine maps as arith, the form the launch plan
  // exports op by op.
  OpPassManager &host = pm.nest<func::FuncOp>();
  host.addPass(memref::createExpandStridedMetadataPass());
  host.addPass(createLowerAffinePass());
  host.addPass(createCanonicalizerPass());
  host.addPass(createCSEPass());
}

void mlir::tessera::buildNVVMToBinaryPipeline(
    OpPassManager &pm, const NVVMBinaryOptions &options) {
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::tessera::registerTesseraPipelines() {
  PassPipelineRegistration<>(
      "tessera-graph-to-tile",
      "Graph-IR to Tile-IR, with the stage checks on both sides",
      [](OpPassManager &pm) { buildGraphToTilePipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-tile-to-target",
      "Tile-IR to the loops, vectors and Target-IR ops of the module's "
      "#tessera.target",
      [](OpPassManager &pm) { buildTileToTargetPipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-target-to-llvm",
      "The target stage to the LLVM dialect (for the module's "
      "#tessera.target), checked",
      [](OpPassManager &pm) { buildTargetToLLVMPipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-lower-to-llvm",
      "Graph-IR all the way to the LLVM dialect, for the module's "
      "#tessera.target",
      [](OpPassManager &pm) {
        buildGraphToTilePipeline(pm);
        buildTileToTargetPipeline(pm);
        buildTargetToLLVMPipeline(pm);
      });
  PassPipelineRegistration<>(
      "tessera-tile-to-x86",
      "x86 only: lowering configs, then Tile-IR to x86 loops and vectors",
      [](OpPassManager &pm) { buildTileToX86Pipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-x86-to-llvm",
      "x86 only: the x86 target stage to the LLVM dialect, checked",
      [](OpPassManager &pm) { buildX86ToLLVMPipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-tile-to-nvvm",
      "Tile-IR to kernels in a gpu.module lowered to NVVM, launched from "
      "normalised host functions (NVIDIA; chip from the module's "
      "#tessera.target)",
      [](OpPassManager &pm) { buildTileToNVVMPipeline(pm); });
  PassPipelineRegistration<NVVMBinaryOptions>(
      "tessera-nvvm-to-binary",
      "the NVIDIA kernels' gpu.module to PTX (format=isa) or a cubin "
      "(format=bin)",
      buildNVVMToBinaryPipeline);
  registerROCDLPipelines();
}
