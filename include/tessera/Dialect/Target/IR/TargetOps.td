//===- TargetOps.td - Tessera Target-IR operations ---------*- tablegen -*-===//
//
// The ops of Target-IR, the per-target stage of the Tessera pipeline:
//
//   Graph-IR -> Tile-IR --convert-tile-to-x86--> Target-IR (this)
//            --convert-target-to-upstream / upstream conversions-->
//   LLVM dialect / NVVM / ROCDL
//
// One op per hardware primitive, named by target prefix (`nvidia.`, `amd.`,
// `x86.`). Each description names the upstream op it lowers to; verifiers
// check the instruction's shape and type rules and report the rule, the
// expected and the actual value.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_OPS
#define TESSERA_TARGET_OPS

include "tessera/Dialect/Target/IR/TargetDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Target_HalfMemRef : MemRefOf<[F16, BF16]>;
def Target_TmaMemRef : MemRefOf<[AnyFloat, AnySignlessInteger]>;
def Target_HalfMatrix : VectorOfRankAndType<[2], [F16, BF16]>;
def Target_F32Matrix : VectorOfRankAndType<[2], [F32]>;
def Target_MBarriers : MemRefRankOf<[I64], [1]>;

//===----------------------------------------------------------------------===//
// NVIDIA (Hopper, sm_90a)
//===----------------------------------------------------------------------===//

def Target_NvidiaWgmmaOp : Target_Op<"nvidia.wgmma",
    [AllTypesMatch<["acc", "result"]>]> {
  let summary = "warpgroup matrix multiply-accumulate (wgmma, m64nNk16)";
  let description = [{
    One Hopper warpgroup MMA, executed by the 128 threads of a warpgroup:
    `result = acc + A @ op(B)` with `A` `[64, 16]` and `B` in shared memory
    (`[16, N]`, or `[N, 16]` with `transpose_b`, the `nn.Linear` layout),
    both bf16 or both f16, and the accumulator a `vector<64xNxf32>` held
    fragmented across the warpgroup's registers. `N` is a multiple of 8 in
    `[8, 256]` (the `m64nNk16` shapes). The op is synchronous: its lowering
    fences, issues, commits and waits.

    Lowers to `nvgpu.warpgroup.mma` on descriptors from
    `nvgpu.warpgroup.generate.descriptor` (then `nvvm.wgmma.mma_async`
    between `nvvm.wgmma.fence.aligned` and `nvvm.wgmma.commit.group.sync.aligned`
    / `nvvm.wgmma.wait.group.sync.aligned`).

    ```mlir
    %d = target.nvidia.wgmma %a, %b, %acc {transpose_b}
        : memref<64x16xbf16, 3>, memref<128x16xbf16, 3>, vector<64x128xf32>
    ```
  }];
  let arguments = (ins
    Arg<Target_HalfMemRef, "A [64, 16] in shared memory", [MemRead]>:$a,
    Arg<Target_HalfMemRef, "B [16, N] or [N, 16] in shared memory", [MemRead]>:$b,
    Target_F32Matrix:$acc, UnitAttr:$transpose_b);
  let results = (outs Target_F32Matrix:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `,` type($acc)
  }];
  let hasVerifier = 1;
}

def Target_NvidiaTmaLoadOp : Target_Op<"nvidia.tma_load"> {
  let summary = "TMA bulk tensor copy global -> shared, completing on an mbarrier";
  let description = [{
    Asks the Tensor Memory Accelerator to copy the box of `src` (global
    memory, rank 1 to 5) that starts at `coordinates` and has `dst`'s static
    shape into `dst` (shared memory). The copy is asynchronous: it signals
    completion by performing its byte count as a transaction on mbarrier
    `barriers[barrier_index]`, so the consumer waits with
    `target.nvidia.mbarrier_wait` after a
    `target.nvidia.mbarrier_arrive_expect_tx` of the box's bytes. Elements of
    the box outside `src` are filled with zero. Box dimensions are at most
    256 and the innermost one must span a multiple of 16 bytes.

    Lowers to `nvgpu.tma.async.load` on a tensor map made by
    `nvgpu.tma.create.descriptor` for `src` with `dst`'s shape as box (then
    `nvvm.cp.async.bulk.tensor.shared.cluster.global`).

    ```mlir
    target.nvidia.tma_load %w[%n, %k] -> %ws, %bars[%stage]
        : memref<?x?xbf16> -> memref<128x64xbf16, 3>, memref<2xi64, 3>
    ```
  }];
  let arguments = (ins
    Arg<Target_TmaMemRef, "global source", [MemRead]>:$src,
    Variadic<Index>:$coordinates,
    Arg<Target_TmaMemRef, "shared destination", [MemWrite]>:$dst,
    Arg<Target_MBarriers, "mbarriers", [MemRead, MemWrite]>:$barriers,
    Index:$barrier_index);
  let assemblyFormat = [{
    $src `[` $coordinates `]` `->` $dst `,` $barriers `[` $barrier_index `]`
    attr-dict `:` type($src) `->` type($dst) `,` type($barriers)
  }];
  let hasVerifier = 1;
}

def Target_NvidiaMmaSyncOp : Target_Op<"nvidia.mma_sync",
    [Pure, AllTypesMatch<["c", "result"]>]> {
  let summary = "warp-level matrix multiply-accumulate (mma.sync m16n8k16)";
  let description = [{
    One warp-level `mma.sync.aligned.m16n8k16` with f32 accumulation: the
    32 threads of a warp together compute `D[16, 8] = A[16, 16] @ B[16, 8] +
    C[16, 8]`. Operands are each thread's fragments, as `nvgpu.mma.sync`
    takes them: `A` `vector<4x2xT>`, `B` `vector<2x2xT>` (T = bf16 or f16,
    the same for both), `C` and the result `vector<2x2xf32>`. Used on GPUs
    before Hopper and for shapes too small for `target.nvidia.wgmma`.

    Lowers to `nvgpu.mma.sync` with `mmaShape = [16, 8, 16]` (then
    `nvvm.mma.sync`).

    ```mlir
    %d = target.nvidia.mma_sync %a, %b, %c : vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>
    ```
  }];
  let arguments = (ins Target_HalfMatrix:$a, Target_HalfMatrix:$b,
                       Target_F32Matrix:$c);
  let results = (outs Target_F32Matrix:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $c attr-dict `:` type($a) `,` type($b) `,` type($c)
  }];
  let hasVerifier = 1;
}

def Target_NvidiaBarrierOp : Target_Op<"nvidia.barrier"> {
  let summary = "CTA barrier (bar.sync), optionally a named one";
  let description = [{
    Threads of the CTA wait until all participants arrive; their earlier
    shared-memory accesses are then visible to each other. Without
    attributes every thread of the CTA takes part in barrier 0
    (`__syncthreads()`). `barrier_id` (0 to 15) selects a named barrier and
    `thread_count` (a positive multiple of 32, only with `barrier_id`) the
    number of participating threads, for warp-specialised kernels where a
    producer and a consumer warpgroup synchronise separately.

    Lowers to `nvvm.barrier0` without attributes and to `nvvm.barrier` with
    `barrierId` / `numberOfThreads` otherwise.

    ```mlir
    target.nvidia.barrier
    target.nvidia.barrier {barrier_id = 1 : i32, thread_count = 256 : i32}
    ```
  }];
  let arguments = (ins OptionalAttr<I32Attr>:$barrier_id,
                       OptionalAttr<I32Attr>:$thread_count);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Target_NvidiaMBarrierInitOp : Target_Op<"nvidia.mbarrier_init"> {
  let summary = "initialise an mbarrier with its expected arrival count";
  let description = [{
    Initialises the mbarrier `barriers[index]` (a 64-bit object in shared
    memory) to expect `arrive_count` arrivals per phase (1 to 2^20 - 1).
    One thread initialises; a `target.nvidia.barrier` must follow before
    other threads use it.

    Lowers to `nvgpu.mbarrier.init` (then `nvvm.mbarrier.init.shared`).

    ```mlir
    target.nvidia.mbarrier_init %bars[%i] {arrive_count = 1 : i64} : memref<2xi64, 3>
    ```
  }];
  let arguments = (ins Arg<Target_MBarriers, "mbarriers", [MemWrite]>:$barriers,
                       Index:$index, I64Attr:$arrive_count);
  let assemblyFormat = "$barriers `[` $index `]` attr-dict `:` type($barriers)";
  let hasVerifier = 1;
}

def Target_NvidiaMBarrierArriveExpectTxOp
    : Target_Op<"nvidia.mbarrier_arrive_expect_tx"> {
  let summary = "arrive on an mbarrier and expect a number of TMA bytes";
  let description = [{
    Arrives on `barriers[index]` and raises its expected transaction count by
    `tx_bytes` (1 to 2^20 - 1): the current phase completes when all
    arrivals happened and `target.nvidia.tma_load`s have delivered that many
    bytes.

    Lowers to `nvgpu.mbarrier.arrive.expect_tx` (then
    `nvvm.mbarrier.arrive.expect_tx.shared`).

    ```mlir
    target.nvidia.mbarrier_arrive_expect_tx %bars[%i] {tx_bytes = 16384 : i64} : memref<2xi64, 3>
    ```
  }];
  // No declared memory effects: an arrive releases the thread's earlier
  // memory accesses, so nothing may move across it.
  let arguments = (ins Target_MBarriers:$barriers, Index:$index,
                       I64Attr:$tx_bytes);
  let assemblyFormat = "$barriers `[` $index `]` attr-dict `:` type($barriers)";
  let hasVerifier = 1;
}

def Target_NvidiaMBarrierWaitOp : Target_Op<"nvidia.mbarrier_wait"> {
  let summary = "wait until an mbarrier phase of a given parity completes";
  let description = [{
    Blocks the thread until the phase of `barriers[index]` with parity
    `phase` has completed. Pipelined loops flip `phase` each time they wrap
    around the ring of barriers.

    Lowers to a loop around `nvgpu.mbarrier.try_wait.parity` (then
    `nvvm.mbarrier.try_wait.parity.shared`).

    ```mlir
    target.nvidia.mbarrier_wait %bars[%i], %phase : memref<2xi64, 3>
    ```
  }];
  // No declared memory effects: the wait acquires what the TMA copies and
  // other threads wrote, so nothing may move across it (and it is never dead).
  let arguments = (ins Target_MBarriers:$barriers, Index:$index, I1:$phase);
  let assemblyFormat = [{
    $barriers `[` $index `]` `,` $phase attr-dict `:` type($barriers)
  }];
}

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
