//===- LaunchPlan.h - Host functions as a CUDA launch plan -------*- C++ -*-===//
//
// Last step of the NVIDIA path on the compile machine:
//
//   tessera-tile-to-nvvm -> module with host func.funcs (memref views, arith,
//   gpu.launch_func) + gpu.module @tessera_kernels
//     --> plan.json (this; the format is /work/wt/CUDA_BUNDLE.md, kept in
//         docs/ARCHITECTURE.md), read by the pure-Python CUDA driver
//         (python/tessera/cuda/), which replays the host body on the GPU
//         machine without MLIR.
//
// The kernel table comes from the launch sites (argument types, constant
// block sizes), so the export works before or after gpu-module-to-binary.
// Every host op outside the plan's instruction set is an error naming it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_CUDA_LAUNCHPLAN_H
#define TESSERA_TARGET_CUDA_LAUNCHPLAN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::tessera::cuda {

/// The launch plan of `module` as JSON text: "format", "version", "chip",
/// "kernels" and "functions" (the driver adds "config" and
/// "weight_dtype"). Emits diagnostics on `module` and fails when a host
/// function holds an op the plan cannot express.
FailureOr<std::string> exportLaunchPlan(ModuleOp module);

/// The bytes of the (single) object of gpu.binary @tessera_kernels: PTX text
/// for format=isa, a cubin for format=bin. Fails with a diagnostic when the
/// module has no such binary.
FailureOr<std::string> extractKernelBinary(ModuleOp module);

/// The LLVM IR (NVPTX, text) of gpu.module @tessera_kernels at the nvvm
/// stage: what gpu-module-to-binary hands to the NVPTX back end.
FailureOr<std::string> kernelLLVMIR(ModuleOp module);

/// Registers --tessera-to-cuda-plan and --tessera-kernel-binary with
/// mlir-translate's registry (tessera-translate).
void registerCUDATranslations();

} // namespace mlir::tessera::cuda

#endif // TESSERA_TARGET_CUDA_LAUNCHPLAN_H
