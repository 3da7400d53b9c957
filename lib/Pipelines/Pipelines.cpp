//===- Pipelines.cpp - Tessera's named stage pipelines --------------------===//

#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Target/Transforms/Passes.h"

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

void mlir::tessera::buildTileToTargetPipeline(
    OpPassManager &pm, const TargetPipelineOptions &options) {
  ConvertTileToTargetOptions convert;
  convert.target = options.target;
  convert.vectorWidth = options.vectorWidth;
  pm.addPass(createConvertTileToTarget(convert));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::tessera::buildTargetToLLVMPipeline(
    OpPassManager &pm, const TargetPipelineOptions &options) {
  // Target-IR ops first (x86: vector FMAs, VNNI/bf16 dots), then the
  // upstream conversions, from the most structured ops down.
  pm.addPass(target::createConvertTargetToUpstream());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVerifyLLVMStage());
}

void mlir::tessera::buildTileToNVVMPipeline(
    OpPassManager &pm, const NVVMPipelineOptions &options) {
  ConvertTileToNVVMOptions convert;
  convert.chip = options.chip;
  pm.addPass(createConvertTileToNVVM(convert));
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
  PassPipelineRegistration<TargetPipelineOptions>(
      "tessera-tile-to-target",
      "Tile-IR to the target's loops, vectors and Target-IR ops",
      buildTileToTargetPipeline);
  PassPipelineRegistration<TargetPipelineOptions>(
      "tessera-target-to-llvm",
      "Target stage to the LLVM dialect, checked",
      buildTargetToLLVMPipeline);
  PassPipelineRegistration<TargetPipelineOptions>(
      "tessera-lower-to-llvm", "Graph-IR all the way to the LLVM dialect",
      [](OpPassManager &pm, const TargetPipelineOptions &options) {
        buildGraphToTilePipeline(pm);
        buildTileToTargetPipeline(pm, options);
        buildTargetToLLVMPipeline(pm, options);
      });
  PassPipelineRegistration<NVVMPipelineOptions>(
      "tessera-tile-to-nvvm",
      "Tile-IR to kernels in a gpu.module lowered to NVVM, launched from "
      "normalised host functions (NVIDIA)",
      buildTileToNVVMPipeline);
  PassPipelineRegistration<NVVMBinaryOptions>(
      "tessera-nvvm-to-binary",
      "the NVIDIA kernels' gpu.module to PTX (format=isa) or a cubin "
      "(format=bin)",
      buildNVVMToBinaryPipeline);
}
