//===- TargetOps.td - Tessera Target-IR operations ---------*- tablegen -*-===//
//
// The ops of Target-IR, the per-target stage of the Tessera pipeline:
//
//   Graph-IR -> Tile-IR --convert-tile-to-x86--> Target-IR (this)
//            --convert-target-to-upstream / upstream conversions-->
//   LLVM dialect (x86; ROCDL for AMD is planned)
//
// One op per hardware primitive, named by target prefix (`amd.`, `x86.`).
// Each description names the upstream op it lowers to; verifiers check the
// instruction's shape and type rules and report the rule, the expected and
// the actual value. NVIDIA kernels need no ops here: they are written with
// upstream gpu/nvgpu/nvvm ops (lib/Conversion/TileToNVVM).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_OPS
#define TESSERA_TARGET_OPS

include "tessera/Dialect/Target/IR/TargetDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// AMD (CDNA)
//===----------------------------------------------------------------------===//

def Target_AmdMfmaOp : Target_Op<"amd.mfma",
    [Pure, AllTypesMatch<["c", "result"]>, AllTypesMatch<["a", "b"]>]> {
  let summary = "wavefront matrix fused multiply-add (MFMA)";
  let description = [{
    One CDNA MFMA instruction executed by a 64-lane wavefront:
    `D[m, n] = A[m, k] @ B[k, n] + C[m, n]` with f16 or bf16 inputs and f32
    accumulation. Supported shapes (`m`x`n`x`k`) and per-lane fragments:

    | shape    | A, B          | C, result      | instruction                     |
    |----------|---------------|----------------|---------------------------------|
    | 32x32x8  | `vector<4xT>` | `vector<16xf32>` | `v_mfma_f32_32x32x8{f16,bf16_1k}` |
    | 16x16x16 | `vector<4xT>` | `vector<4xf32>`  | `v_mfma_f32_16x16x16{f16,bf16_1k}` |

    Lowers to `amdgpu.mfma` with the same `m`, `n`, `k` (then
    `rocdl.mfma.f32.32x32x8f16` / `rocdl.mfma.f32.32x32x8bf16.1k`, ...).

    ```mlir
    %d = target.amd.mfma %a, %b, %c {m = 32 : i32, n = 32 : i32, k = 8 : i32}
        : vector<4xbf16>, vector<4xbf16>, vector<16xf32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [F16, BF16]>:$a,
                       VectorOfRankAndType<[1], [F16, BF16]>:$b,
                       VectorOfRankAndType<[1], [F32]>:$c,
                       I32Attr:$m, I32Attr:$n, I32Attr:$k);
  let results = (outs VectorOfRankAndType<[1], [F32]>:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $c attr-dict `:` type($a) `,` type($b) `,` type($c)
  }];
  let hasVerifier = 1;
}

def Target_AmdLdsBarrierOp : Target_Op<"amd.lds_barrier"> {
  let summary = "workgroup barrier that also orders LDS accesses";
  let description = [{
    Waits for the workgroup's outstanding LDS operations and then for all its
    wavefronts (`s_waitcnt lgkmcnt(0)` + `s_barrier`), the AMD counterpart
    of `tile.barrier`.

    Lowers to `amdgpu.lds_barrier`.

    ```mlir
    target.amd.lds_barrier
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// x86
//===----------------------------------------------------------------------===//

def Target_X86VectorFmaOp : Target_Op<"x86.vector_fma",
    [Pure, AllTypesMatch<["a", "b", "c", "result"]>]> {
  let summary = "fused multiply-add on one f32 vector register";
  let description = [{
    `result = a * b + c` on `vector<Nxf32>` where `N` is the f32 width of a
    register: 4 (xmm), 8 (AVX2/ymm) or 16 (AVX-512/zmm); fused (one
    rounding) on every CPU with FMA, i.e. all AVX2 and AVX-512 ones.

    Lowers to `vector.fma` (then `llvm.intr.fmuladd`, `vfmadd231ps`).

    ```mlir
    %r = target.x86.vector_fma %a, %b, %c : vector<16xf32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [F32]>:$a,
                       VectorOfRankAndType<[1], [F32]>:$b,
                       VectorOfRankAndType<[1], [F32]>:$c);
  let results = (outs VectorOfRankAndType<[1], [F32]>:$result);
  let assemblyFormat = "$a `,` $b `,` $c attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Target_X86VnniDotOp : Target_Op<"x86.vnni_dot",
    [Pure, AllTypesMatch<["acc", "result"]>, AllTypesMatch<["a", "b"]>]> {
  let summary = "AVX-512 VNNI u8 x s8 dot product accumulating into i32";
  let description = [{
    `vpdpbusd`: for each i32 lane `i` of `acc`,
    `result[i] = acc[i] + sum_{j<4} zext(a[4i+j]) * sext(b[4i+j])`, i.e. `a`
    holds unsigned and `b` signed bytes (i8 is signless in MLIR; the op
    fixes the interpretation). Without saturation. `acc` is
    `vector<16xi32>` with `vector<64xi8>` operands (zmm); the 128- and
    256-bit forms (AVX512VL) take `vector<4xi32>` / `vector<8xi32>` with 4
    bytes per lane as well.

    Lowers to `llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.{128,256,512}"`:
    `x86vector` has only the signed x signed `x86vector.avx.dot.i8`.

    ```mlir
    %r = target.x86.vnni_dot %acc, %a, %b : vector<64xi8> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$a,
                       VectorOfRankAndType<[1], [I8]>:$b);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = "$acc `,` $a `,` $b attr-dict `:` type($a) `->` type($acc)";
  let hasVerifier = 1;
}

def Target_X86Bf16DotOp : Target_Op<"x86.bf16_dot",
    [Pure, AllTypesMatch<["acc", "result"]>, AllTypesMatch<["a", "b"]>]> {
  let summary = "AVX-512 BF16 pairwise dot product accumulating into f32";
  let description = [{
    `vdpbf16ps`: for each f32 lane `i` of `acc`,
    `result[i] = acc[i] + a[2i] * b[2i] + a[2i+1] * b[2i+1]`, with `acc`
    `vector<Nxf32>` (`N` = 4, 8 or 16) and `a`, `b` `vector<2Nxbf16>`. The
    inner product of bf16 weights on CPUs with AVX512_BF16.

    Lowers to `x86vector.avx512.dot` (then
    `llvm.x86.avx512bf16.dpbf16ps.{128,256,512}`).

    ```mlir
    %r = target.x86.bf16_dot %acc, %a, %b : vector<32xbf16> -> vector<16xf32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [F32]>:$acc,
                       VectorOfRankAndType<[1], [BF16]>:$a,
                       VectorOfRankAndType<[1], [BF16]>:$b);
  let results = (outs VectorOfRankAndType<[1], [F32]>:$result);
  let assemblyFormat = "$acc `,` $a `,` $b attr-dict `:` type($a) `->` type($acc)";
  let hasVerifier = 1;
}

#endif // TESSERA_TARGET_OPS
