//===- Passes.td - Tessera conversion passes --------------*- tablegen -*-===//
//
// All of Tessera's stage-to-stage conversions, declared in one place (the
// shape of mlir/Conversion/Passes.td):
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR
//   Tile-IR  --convert-tile-to-target--> Target-IR (+ upstream dialects)
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_PASSES
#define TESSERA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Stage boundary checks
//===----------------------------------------------------------------------===//

def VerifyGraphStage : Pass<"tessera-verify-graph-stage", "ModuleOp"> {
  let summary = "Check that the module is well-formed Graph-IR";
  let description = [{
    Passes when every function holds only Graph-IR ops and `func.func` /
    `func.return`: the form `convert-graph-to-tile` expects. Otherwise
    reports the first op (outermost first) that does not belong.
  }];
}

//===----------------------------------------------------------------------===//
// GraphToTile
//===----------------------------------------------------------------------===//

def ConvertGraphToTile : Pass<"convert-graph-to-tile", "ModuleOp"> {
  let summary = "Lower Graph-IR (tensors) to Tile-IR (buffers, tiled algorithms)";
  let description = [{
    Rewrites every function of Graph-IR ops into a function over memrefs in
    destination-passing style, the runtime ABI:
    `@f(inputs..., weights..., results...)` with `tessera.weights` (the weight
    names, in argument order), `tessera.num_inputs`, `tessera.num_results`
    and `llvm.emit_c_interface`. Composite ops decompose into Tile-IR
    algorithms: Mamba2 mixers into projections, causal conv1d, the four SSD
    chunked-scan stages (or the recurrent state update for a decode step of
    static length 1) and the gated norm; self-attention into projections,
    KV-cache appends and flash attention; MLPs into two matmuls with the ReLU²
    fused into the first. Ops that are not Graph-IR are reported.
  }];
  let dependentDialects = ["tile::TileDialect", "memref::MemRefDialect",
                           "arith::ArithDialect", "func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// TileToTarget
//===----------------------------------------------------------------------===//

def ConvertTileToTarget : Pass<"convert-tile-to-target", "ModuleOp"> {
  let summary = "Lower Tile-IR to a target's loops, vectors and Target-IR ops";
  let description = [{
    Replaces every Tile-IR op by the loop nest the target's kernel emitter
    writes for it. `target=x86`: scf loops with vector bodies (vector width
    `vector-width` f32 lanes), register-blocked matmuls with fused epilogues,
    the chunked SSD scan, flash attention with online softmax; vector FMAs are
    Target-IR's `target.x86.vector_fma`. memref.copy ops become loops too (no
    runtime library needed). All sizes come from the buffers, so dynamic
    batch and sequence lengths work. A Tile-IR op without a lowering for the
    target is reported.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"x86\"",
           "code generation target (x86)">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes per vector (8: AVX2, 16: AVX-512)">
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect", "target::TargetDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// TileToNVVM
//===----------------------------------------------------------------------===//

def ConvertTileToNVVM : Pass<"convert-tile-to-nvvm", "ModuleOp"> {
  let summary = "Lower Tile-IR ops to GPU kernels launched from the host functions (NVIDIA)";
  let description = [{
    Replaces every Tile-IR op (and memref.copy) of a host function by a
    `gpu.launch_func` of a kernel in `gpu.module @tessera_kernels`, whose
    target is `#nvvm.target<chip = ...>`. Each distinct (op name, operand
    types, attributes) becomes one `gpu.func` whose arguments mirror the op's
    operands; its body comes from the op's kernel recipe
    (lib/Conversion/TileToNVVM/Kernels.h), its grid is computed on the host at
    every launch site. An op without an NVIDIA lowering is reported.

    ```mlir
    // before
    tile.add %a, %b, %out : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
    // after
    gpu.launch_func @tessera_kernels::@add_0 blocks in (%gx, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%a : memref<?x64xf32>, ...)
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "NVIDIA chip (sm_80, sm_86, sm_89, sm_90, sm_90a)">
  ];
  let dependentDialects = ["arith::ArithDialect", "gpu::GPUDialect",
                           "memref::MemRefDialect", "math::MathDialect",
                           "NVVM::NVVMDialect", "nvgpu::NVGPUDialect",
                           "scf::SCFDialect", "vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// Stage checks
//===----------------------------------------------------------------------===//

def VerifyTileStage : Pass<"tessera-verify-tile-stage", "ModuleOp"> {
  let summary = "Check that the module is in Tile-IR stage form";
  let description = [{
    Passes when no Graph-IR op and no tensor value is left and every op is
    from Tile-IR, memref, arith or func: the form convert-tile-to-target
    expects. Otherwise reports the first op that does not belong.
  }];
}

def VerifyLLVMStage : Pass<"tessera-verify-llvm-stage", "ModuleOp"> {
  let summary = "Check that the module is entirely in the LLVM dialect";
  let description = [{
    Passes when every op is from the LLVM dialect (what translation to LLVM
    IR needs); otherwise reports the first op that was not lowered.
  }];
}

//===----------------------------------------------------------------------===//
// Testing
//===----------------------------------------------------------------------===//

def TestX86Kernels : Pass<"tessera-test-x86-kernels", "ModuleOp"> {
  let summary = "Inline x86 kernel emitters at calls to @tessera_kernel_<name>";
  let description = [{
    Test-only: replaces each `func.call @tessera_kernel_<name>(memrefs...)`
    with the loop nest the x86 kernel emitter `<name>` writes for those
    buffers (parameters from the call's attributes: `epsilon`, `chunk_size`,
    `dt_min`, `dt_max`, `scale`, `causal`, `silu`, `group_size`, `epilogue`,
    `accumulate`, `block_k`). A `memref<0xf32>` operand is an absent optional
    operand. Lets each kernel be checked against numpy in isolation.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes per vector (8: AVX2, 16: AVX-512)">
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect", "target::TargetDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "vector::VectorDialect"];
}

#endif // TESSERA_CONVERSION_PASSES
