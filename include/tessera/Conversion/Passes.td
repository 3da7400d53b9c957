//===- Passes.td - Tessera conversion passes --------------*- tablegen -*-===//
//
// All of Tessera's stage-to-stage conversions, declared in one place (the
// shape of mlir/Conversion/Passes.td):
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR
//   Tile-IR  --tessera-select-lowering-config--> Tile-IR with configs
//            --convert-tile-to-x86--> Target-IR (+ upstream dialects)
//   (convert-tile-to-nvvm, convert-tile-to-rocdl: one per GPU target)
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
// Target selection and strategy (target-neutral passes over Tile-IR)
//===----------------------------------------------------------------------===//

def AttachTarget : Pass<"tessera-attach-target", "ModuleOp"> {
  let summary = "Set the module's #tessera.target";
  let description = [{
    Writes `tessera.target = #tessera.target<kind, ...>` on the module from
    the options (the shape of upstream's `nvvm-attach-target`), replacing any
    target already there. `tessera compile --target` does the same from
    Python. Every later target-dependent pass reads this attribute.
  }];
  let options = [
    Option<"kind", "kind", "std::string", /*default=*/"\"x86\"",
           "target kind: x86, nvidia or amd">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"",
           "x86: LLVM CPU name">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "x86: LLVM feature string, e.g. +avx2,+fma">,
    Option<"chip", "chip", "std::string", /*default=*/"\"\"",
           "nvidia/amd: chip, e.g. sm_90a or gfx942">
  ];
  let dependentDialects = ["TesseraDialect"];
}

def SelectLoweringConfig : Pass<"tessera-select-lowering-config", "ModuleOp"> {
  let summary = "Write a lowering config on every Tile-IR op for the module's target";
  let description = [{
    Reads the module's `#tessera.target` and, from it and each Tile-IR op's
    shapes, writes `lowering_config = #tessera.lowering_config<...>` on the
    op (tile sizes, vector width, register block, attention key block).
    Configs already present (written by hand) are kept. Targets without a
    strategy (today: all but x86) are reported.
  }];
  let dependentDialects = ["TesseraDialect"];
}

//===----------------------------------------------------------------------===//
// TileToX86
//===----------------------------------------------------------------------===//

def X86PackWeights : Pass<"tessera-x86-pack-weights", "ModuleOp"> {
  let summary = "Choose the x86 layout of each matmul weight argument";
  let description = [{
    For an x86 module after `tessera-select-lowering-config`: every weight
    argument of the exported functions (those with a `tessera.abi`) that is
    used, in every function taking it, only as the `[N, K]` B operand of
    `tile.matmul` (with one panel width across its uses) becomes a packed
    argument: column panels of NR = 4 x vector_width (AVX-512) or 2 x
    vector_width columns, `[ceil(N / NR), K, NR]` (f32, f16, and bf16 that
    the kernel extends to f32), or with bf16 weights on a target with
    `+avx512bf16` and 16-lane vectors, K-pairs
    `[ceil(N / NR), ceil(K / 2), NR, 2]` for `vdpbf16ps`. The matmuls get
    `packed_b = array<i64: NR, kp>` and the function's `tessera.abi` weights
    entry becomes `{name, layout = "panels", panel_cols, k_pack, shape}`, so
    that the runtime packs the tensor once when it binds the weights.
    Weights with any other use (a tied embedding table, MoE experts) keep
    their `[N, K]` layout (a plain name in the ABI).
  }];
  let dependentDialects = ["TesseraDialect", "func::FuncDialect"];
}

def ConvertTileToX86 : Pass<"convert-tile-to-x86", "ModuleOp"> {
  let summary = "Lower Tile-IR to x86 loops, vectors and Target-IR ops";
  let description = [{
    For a module whose `#tessera.target` is x86: replaces every Tile-IR op
    (and memref.copy) by a call to a private kernel function holding the loop
    nest the op's x86 emitter writes: scf loops with vector bodies,
    register-blocked matmuls with fused epilogues, the chunked SSD scan,
    flash attention with online softmax; vector FMAs are Target-IR's
    `target.x86.vector_fma`. Ops with the same operand types and attributes
    (lowering config included) share one function, marked
    `passthrough = ["noinline"]` so that LLVM keeps it shared.
    Each op's `lowering_config` is honoured field by field (vector_width,
    matmul tile_sizes/register_block, attention block_k); a missing config,
    a field x86 does not honour, or a vector width the target's features do
    not allow is reported. All sizes come from the buffers, so dynamic batch
    and sequence lengths work.
  }];
  let options = [
    Option<"outlineKernels", "outline-kernels", "bool", /*default=*/"true",
           "one shared function per distinct kernel (false: emit the loops in "
           "place, e.g. to read them in a test)">
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect", "target::TargetDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "vector::VectorDialect", "func::FuncDialect",
                           "amx::AMXDialect"];
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
    (lib/Conversion/TileToGPU/Kernels.h, shared with AMD), its grid is computed on the host at
    every launch site. The chip comes from the module's
    `#tessera.target<"nvidia", chip = ...>`; a module without one, or with
    another target, is reported, and so is an op without an NVIDIA lowering.

    ```mlir
    // before
    tile.add %a, %b, %out : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
    // after
    gpu.launch_func @tessera_kernels::@add_0 blocks in (%gx, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%a : memref<?x64xf32>, ...)
    ```
  }];
  let dependentDialects = ["arith::ArithDialect", "gpu::GPUDialect",
                           "memref::MemRefDialect", "math::MathDialect",
                           "NVVM::NVVMDialect", "nvgpu::NVGPUDialect",
                           "scf::SCFDialect", "vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// TileToROCDL
//===----------------------------------------------------------------------===//

def ConvertTileToROCDL : Pass<"convert-tile-to-rocdl", "ModuleOp"> {
  let summary = "Lower Tile-IR ops to GPU kernels launched from the host functions (AMD)";
  let description = [{
    The AMD counterpart of `convert-tile-to-nvvm`, with the same kernel
    recipes (lib/Conversion/TileToGPU/Kernels.h): every Tile-IR op (and
    memref.copy) of a host function becomes a `gpu.launch_func` of a kernel
    in `gpu.module @tessera_kernels` whose target is
    `#rocdl.target<chip = ...>`. The chip comes from the module's
    `#tessera.target<"amd", chip = ...>` (gfx90a, gfx942) and selects the CDNA
    configuration the kernels are sized for: wavefronts of 64 (shuffle
    reductions over 64 lanes), 64 KiB of LDS, and tile.matmul with bf16
    weights on `amdgpu.mfma` 32x32x8 (bf16 x bf16 -> f32; f32 weights use the
    SIMT kernel); flash attention (head dim <= 128), ssd_chunk_state and
    ssd_chunk_scan (P, N <= 128) on the f32 `amdgpu.mfma` 32x32x2. A module without a target, with another target or chip,
    matmul operands other than bf16/f32, and ops without an AMD lowering are
    reported.

    ```mlir
    // before
    tile.add %a, %b, %out : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
    // after
    gpu.launch_func @tessera_kernels::@add_0 blocks in (%gx, %gy, %c1)
        threads in (%c256, %c1, %c1) args(%a : memref<?x64xf32>, ...)
    ```
  }];
  let dependentDialects = ["arith::ArithDialect", "gpu::GPUDialect",
                           "memref::MemRefDialect", "math::MathDialect",
                           "ROCDL::ROCDLDialect", "amdgpu::AMDGPUDialect",
                           "LLVM::LLVMDialect",
                           "scf::SCFDialect", "vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// Stage checks
//===----------------------------------------------------------------------===//

def VerifyTileStage : Pass<"tessera-verify-tile-stage", "ModuleOp"> {
  let summary = "Check that the module is in Tile-IR stage form";
  let description = [{
    Passes when no Graph-IR op and no tensor value is left and every op is
    from Tile-IR, memref, arith or func: the form the target conversions
    expects. Otherwise reports the first op that does not belong.
  }];
}

def VerifyLLVMStage : Pass<"tessera-verify-llvm-stage", "ModuleOp"> {
  let summary = "Check that the module is entirely in the LLVM dialect";
  let description = [{
    Passes when every op is from the LLVM dialect or is an OpenMP (`omp`)
    op, both of which translation to LLVM IR handles (omp ops become calls
    into the OpenMP runtime); otherwise reports the first op that was not
    lowered.
  }];
}

//===----------------------------------------------------------------------===//
// LLVM dialect -> Tessera's CPU runtime (lib/Runtime)
//===----------------------------------------------------------------------===//

def UseRuntimeAllocator : Pass<"tessera-use-runtime-allocator", "ModuleOp"> {
  let summary = "Route the module's heap buffers to Tessera's runtime allocator";
  let description = [{
    Runs after `finalize-memref-to-llvm{use-generic-functions=1}`, which
    lowers `memref.alloc`/`memref.dealloc` to calls of the generic
    `_mlir_memref_to_llvm_alloc`, `_mlir_memref_to_llvm_aligned_alloc` and
    `_mlir_memref_to_llvm_free`: renames those declarations (and every call)
    to `tessera_rt_alloc`, `tessera_rt_aligned_alloc` and `tessera_rt_free`,
    the caching allocator of include/tessera/Runtime/Runtime.h, so that the
    intermediates of one call reuse the memory of the previous call instead
    of mapping fresh pages. A module that defines one of the generic
    functions itself is reported.

    ```mlir
    llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr
    // becomes
    llvm.func @tessera_rt_aligned_alloc(i64, i64) -> !llvm.ptr
    ```
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def EmitPackedEntryPoints : Pass<"tessera-emit-packed-entry-points", "ModuleOp"> {
  let summary = "Add a packed entry point `_mlir_<name>(ptr)` per C-interface function";
  let description = [{
    For every defined `_mlir_ciface_<name>` (from `llvm.emit_c_interface`)
    adds `llvm.func @_mlir_<name>(%args: !llvm.ptr)`, the packed form of
    MLIR's ExecutionEngine: `args[i]` points to the i-th argument (and, for
    a function with a result, `args[n]` to where it is stored). One
    signature for every function, so that the runtime's guarded call
    (`tessera_rt_call`, which abandons a call whose allocation fails) can
    run any of them. Functions that already have a packed entry point are
    left alone.
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

#endif // TESSERA_CONVERSION_PASSES
