//===- TesseraAttrs.td - Attributes shared by every stage -*- tablegen -*-===//
//
// The `tessera` dialect holds no ops, only the attributes that every stage of
// the pipeline (Graph-IR -> Tile-IR -> Target-IR -> LLVM) may read:
//
//   #tessera.target<...>           what the module is compiled for; on the
//                                  module as `tessera.target`
//   #tessera.lowering_config<...>  how one Tile-IR op is tiled for that
//                                  target; on the op as `lowering_config`
//
// Target-dependent passes read the target from the IR, never from an option
// string (upstream's #nvvm.target and IREE's lowering_config work the same).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TESSERA_ATTRS
#define TESSERA_TESSERA_ATTRS

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"

def Tessera_Dialect : Dialect {
  let name = "tessera";
  let summary = "Attributes shared by Tessera's stages: target, lowering config";
  let description = [{
    An attribute-only dialect. `#tessera.target` names the machine a module is
    compiled for and sits on the module (`tessera.target`);
    `#tessera.lowering_config` carries the tiling choices of one Tile-IR op
    (written by `tessera-select-lowering-config`, read by the target's
    conversion, e.g. `convert-tile-to-x86`).
  }];
  let cppNamespace = "::mlir::tessera";
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute that holds the #tessera.target.
    static constexpr ::llvm::StringLiteral kTargetAttrName = "tessera.target";
    /// Name of the Tile-IR op attribute that holds a #tessera.lowering_config.
    static constexpr ::llvm::StringLiteral kLoweringConfigAttrName =
        "lowering_config";
  }];
}

class Tessera_Attr<string name, string attrMnemonic>
    : AttrDef<Tessera_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Tessera_TargetAttr : Tessera_Attr<"Target", "target"> {
  let summary = "the machine a module is compiled for";
  let description = [{
    `kind` is `"x86"`, `"nvidia"` or `"amd"`.

    - `x86`: `cpu` (an LLVM CPU name, e.g. `znver3`) and `features` (LLVM
      feature string, e.g. `+avx2,+fma`) are optional; they pick the vector
      width (`+avx512f`: 16 f32 lanes, `+avx`/`+avx2`: 8, otherwise 4) and
      are passed to LLVM's code generator. `tessera compile --target x86`
      defaults them to the host CPU and its features.
    - `nvidia`: `chip` is required: `sm_80`, `sm_86`, `sm_89`, `sm_90` or
      `sm_90a`.
    - `amd`: `chip` is required: `gfx90a` or `gfx942`.

    Only x86 has a lowering today; `nvidia` and `amd` modules are rejected by
    the lowering pipelines with a diagnostic naming the target.

    ```mlir
    module attributes {tessera.target = #tessera.target<"x86", cpu = "znver3", features = "+avx2,+fma">} {}
    module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_90a">} {}
    ```
  }];
  let parameters = (ins
    StringRefParameter<"target kind: x86, nvidia or amd">:$kind,
    StringRefParameter<"LLVM CPU name (x86)", "\"\"">:$cpu,
    StringRefParameter<"GPU chip (nvidia, amd)", "\"\"">:$chip,
    StringRefParameter<"LLVM feature string (x86)", "\"\"">:$features);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool isX86() const { return getKind() == "x86"; }
    bool isNVIDIA() const { return getKind() == "nvidia"; }
    bool isAMD() const { return getKind() == "amd"; }
    /// Whether `features` enables `name` (given without the leading '+').
    bool hasFeature(::llvm::StringRef name) const;
  }];
}

def Tessera_LoweringConfigAttr
    : Tessera_Attr<"LoweringConfig", "lowering_config"> {
  let summary = "the tiling choices of one Tile-IR op for the module's target";
  let description = [{
    Every field is optional; a target's conversion reads each field it
    honours and rejects, with a diagnostic, a config holding a field it does
    not (for example `num_warps` on x86) or a value the target cannot run.
    A tile size of 0 means "not tiled in this dimension".

    - `tile_sizes`: per-op tile sizes (`tile.matmul`: `[m, n, k]`; x86 tiles
      rows only, as the row panel kept in L2: `[m, 0, 0]`);
    - `vector_width`: f32 lanes per vector (x86: 4, 8, or 16 with AVX-512);
    - `register_block`: the block of accumulators held in registers
      (`tile.matmul`: `[rows, columns]` of C; `tile.ssd_chunk_state` /
      `tile.ssd_chunk_scan`: `[rows, vectors]`);
    - `block_k`: keys per block of `tile.flash_attention`;
    - `num_warps`, `num_stages`: GPU launch shape and software-pipelining
      depth (planned for the NVIDIA lowering; not honoured by x86).

    ```mlir
    tile.matmul %a, %w, %c {transpose_b, lowering_config =
        #tessera.lowering_config<tile_sizes = [48, 0, 0], vector_width = 8, register_block = [3, 4]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    ```
  }];
  let parameters = (ins
    OptionalArrayRefParameter<"int64_t", "tile sizes">:$tile_sizes,
    OptionalParameter<"std::optional<int64_t>", "f32 lanes">:$vector_width,
    OptionalArrayRefParameter<"int64_t", "register block">:$register_block,
    OptionalParameter<"std::optional<int64_t>", "attention key block">:$block_k,
    OptionalParameter<"std::optional<int64_t>", "GPU warps">:$num_warps,
    OptionalParameter<"std::optional<int64_t>", "pipeline stages">:$num_stages);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Names of the fields that are set, in printing order.
    ::llvm::SmallVector<::llvm::StringRef> getSetFields() const;
  }];
}

#endif // TESSERA_TESSERA_ATTRS
