//===- Pipelines.h - Tessera's named stage pipelines ------------*- C++ -*-===//
//
// One pipeline per stage boundary of the Tessera pipeline, each ending with
// the check that its output is in the form the next stage expects:
//
//   tessera-graph-to-tile               Graph-IR  -> Tile-IR
//   tessera-tile-to-target{target=x86}  Tile-IR   -> loops/vectors/Target-IR
//   tessera-target-to-llvm{target=x86}  ...       -> LLVM dialect
//   tessera-lower-to-llvm{target=x86}   all three
//
// NVIDIA (its own builders, selected by target kind):
//   tessera-tile-to-nvvm{chip=sm_90a}   Tile-IR -> host funcs + gpu.module in
//                                       NVVM/LLVM (launch-plan exportable)
//   tessera-nvvm-to-binary{format=bin}  gpu.module -> gpu.binary (PTX: isa,
//                                       cubin: bin)
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

struct TargetPipelineOptions
    : public PassPipelineOptions<TargetPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target", llvm::cl::desc("code generation target (x86)"),
      llvm::cl::init("x86")};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("x86: f32 lanes per vector (8: AVX2, 16: AVX-512)"),
      llvm::cl::init(8)};
};

struct NVVMPipelineOptions : public PassPipelineOptions<NVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA chip (sm_80, sm_86, sm_89, sm_90, sm_90a)"),
      llvm::cl::init("sm_90a")};
};

struct NVVMBinaryOptions : public PassPipelineOptions<NVVMBinaryOptions> {
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("what gpu-module-to-binary writes: isa (PTX) or bin "
                     "(cubin, through ptxas)"),
      llvm::cl::init("bin")};
};

void buildGraphToTilePipeline(OpPassManager &pm);
void buildTileToTargetPipeline(OpPassManager &pm,
                               const TargetPipelineOptions &options);
void buildTargetToLLVMPipeline(OpPassManager &pm,
                               const TargetPipelineOptions &options);

/// Tile-IR -> kernels outlined into gpu.module @tessera_kernels, lowered to
/// NVVM/LLVM; host functions normalised for the launch-plan export.
void buildTileToNVVMPipeline(OpPassManager &pm,
                             const NVVMPipelineOptions &options);
/// gpu.module -> gpu.binary (PTX or cubin).
void buildNVVMToBinaryPipeline(OpPassManager &pm,
                               const NVVMBinaryOptions &options);

/// Registers the pipelines above with the pass registry.
void registerTesseraPipelines();

} // namespace mlir::tessera

#endif // TESSERA_PIPELINES_PIPELINES_H
