//===- Pipelines.h - Tessera's named stage pipelines ------------*- C++ -*-===//
//
// One pipeline per stage boundary of the Tessera pipeline:
//
//   tessera-graph-to-tile     Graph-IR -> Tile-IR (target-neutral)
//   tessera-tile-to-target    Tile-IR  -> the target's loops/vectors/Target-IR
//   tessera-target-to-llvm    ...      -> LLVM dialect
//   tessera-lower-to-llvm     all three
//
// The last three read the module's #tessera.target and run that target's
// own pipeline (x86: tessera-tile-to-x86, tessera-x86-to-llvm); a target
// without one is reported by name, never lowered as another target. A
// target plugs in with one row in getTargetBackends().
//
// NVIDIA (its own builders, selected by target kind):
//   tessera-tile-to-nvvm                Tile-IR -> host funcs + gpu.module in
//                                       NVVM/LLVM (launch-plan exportable)
//   tessera-nvvm-to-binary{format=bin}  gpu.module -> gpu.binary (PTX: isa,
//                                       cubin: bin)
// AMD (ROCDLPipeline.cpp): tessera-tile-to-rocdl, tessera-rocdl-to-binary.
//
// The Python driver (tessera/compiler.py) runs exactly these, so every stage
// it dumps can be replayed with `tessera-opt --<pipeline>`.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PIPELINES_PIPELINES_H
#define TESSERA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::tessera {

/// A target's pipelines, chosen by the `kind` of the module's
/// #tessera.target.
struct TargetBackend {
  llvm::StringLiteral kind;
  /// Tile-IR -> the target stage (strategy, conversion, stage check).
  void (*buildTileToTarget)(OpPassManager &pm);
  /// The target stage -> LLVM dialect.
  void (*buildTargetToLLVM)(OpPassManager &pm);
};

/// The targets that have a lowering (today: x86).
ArrayRef<TargetBackend> getTargetBackends();

void buildGraphToTilePipeline(OpPassManager &pm);

/// x86: tessera-verify-tile-stage, tessera-select-lowering-config,
/// convert-tile-to-x86, canonicalize, cse.
void buildTileToX86Pipeline(OpPassManager &pm);
/// x86: Target-IR to upstream ops, upstream conversions, verify-llvm-stage.
void buildX86ToLLVMPipeline(OpPassManager &pm);

/// Dispatch on the module's target to its backend's pipeline.
void buildTileToTargetPipeline(OpPassManager &pm);
void buildTargetToLLVMPipeline(OpPassManager &pm);

struct NVVMBinaryOptions : public PassPipelineOptions<NVVMBinaryOptions> {
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("what gpu-module-to-binary writes: isa (PTX) or bin "
                     "(cubin, through ptxas)"),
      llvm::cl::init("bin")};
};

/// Tile-IR -> kernels outlined into gpu.module @tessera_kernels, lowered to
/// NVVM/LLVM; host functions normalised for the launch-plan export.
void buildTileToNVVMPipeline(OpPassManager &pm);
/// gpu.module -> gpu.binary (PTX or cubin).
void buildNVVMToBinaryPipeline(OpPassManager &pm,
                               const NVVMBinaryOptions &options);

struct ROCDLBinaryOptions : public PassPipelineOptions<ROCDLBinaryOptions> {
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("what gpu-module-to-binary writes: isa (AMDGPU "
                     "assembly) or bin (code object, linked by ld.lld)"),
      llvm::cl::init("bin")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("directory holding llvm/bin/ld.lld (default: $ROCM_PATH "
                     "or /opt/rocm when they have it, else a temp directory "
                     "linking LLVM's ld.lld)"),
      llvm::cl::init("")};
};

/// AMD (lib/Pipelines/ROCDLPipeline.cpp): Tile-IR -> kernels outlined into
/// gpu.module @tessera_kernels [#rocdl.target], lowered to ROCDL/LLVM for
/// its chip; host functions normalised for the launch-plan export.
void buildTileToROCDLPipeline(OpPassManager &pm);
/// gpu.module -> gpu.binary (AMDGPU assembly or code object).
void buildROCDLToBinaryPipeline(OpPassManager &pm,
                                const ROCDLBinaryOptions &options);
/// A directory with llvm/bin/ld.lld for gpu-module-to-binary (see toolkit).
std::string getDefaultROCDLToolkit();
/// Registers tessera-tile-to-rocdl, tessera-rocdl-to-binary.
void registerROCDLPipelines();

/// Registers the pipelines above with the pass registry.
void registerTesseraPipelines();

} // namespace mlir::tessera

#endif // TESSERA_PIPELINES_PIPELINES_H
