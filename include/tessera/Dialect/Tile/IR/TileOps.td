//===- TileOps.td - Tessera Tile-IR operations -------------*- tablegen -*-===//
//
// The ops of Tile-IR, the target-neutral stage of the Tessera pipeline:
//
//   Graph-IR --convert-graph-to-tile--> Tile-IR (this)
//            --convert-tile-to-x86--> Target-IR --> LLVM (NVIDIA/AMD planned)
//
// Every op works on memrefs in destination-passing style; its tiling choices
// for a target are a separate #tessera.lowering_config (`lowering_config`). Verifiers check ranks, every static dimension
// against the others, and attributes, and name the rule, the expected and the
// actual value when one is broken ("<what>: expected N, got M").
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TILE_OPS
#define TESSERA_TILE_OPS

include "tessera/Dialect/Tile/IR/TileDialect.td"
include "tessera/Dialect/Tile/IR/TileAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Tile_FloatMemRef : MemRefOf<[AnyFloat]>;
def Tile_IdMemRef : MemRefOf<[I32, I64]>;
// A decode position in device memory (`memref<1xi64>`): read by kernels, so
// that no host-side size depends on it (one captured step per position).
def Tile_PositionMemRef : MemRefRankOf<[I64], [1]>;

//===----------------------------------------------------------------------===//
// Buffers and data movement
//===----------------------------------------------------------------------===//

def Tile_AllocOp : Tile_Op<"alloc"> {
  let summary = "allocate a buffer in a Tile-IR memory space";
  let description = [{
    Allocates a buffer whose memref type names its memory space with
    `#tile.memory_space<...>`. The buffer lives until the end of the
    enclosing region (like `memref.alloca`): a lowering makes `global`
    buffers stack or arena memory, `shared` buffers CUDA shared memory / LDS
    (or a scratch buffer on a CPU) and `register` buffers registers (or
    vectors). `shared` and `register` buffers must have a static shape; a
    `global` buffer takes one `index` operand per dynamic dimension. The
    layout must be the identity (buffers are contiguous, row-major).
    `alignment`, if given, is a power of two in bytes.

    ```mlir
    %acc = tile.alloc() : memref<128x128xf32, #tile.memory_space<register>>
    %buf = tile.alloc(%n) {alignment = 64 : i64}
        : memref<?x64xf32, #tile.memory_space<global>>
    ```
  }];
  let arguments = (ins Variadic<Index>:$dynamic_sizes,
                       OptionalAttr<I64Attr>:$alignment);
  let results = (outs Res<AnyMemRef, "the new buffer",
                          [MemAlloc<AutomaticAllocationScopeResource>]>:$result);
  let assemblyFormat = "`(` $dynamic_sizes `)` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_LoadOp : Tile_Op<"load"> {
  let summary = "copy a tile into a nearer memory space";
  let description = [{
    Copies the window of `src` that starts at `offsets` (one `index` per
    dimension) and has the static shape of `dst` into `dst`:
    `dst[i...] = src[offsets + i...]`. Elements of the window that fall
    outside `src` read as zero (as TMA fills them), so edge tiles need no
    special case. Data moves toward the compute units: `dst` must be in a
    nearer memory space than `src` (`global` < `shared` < `register`).
    No target lowers it yet (the x86 lowering reports it; the x86 kernels
    manage their own scratch). Planned: TMA (`nvgpu.tma.async.load`) or
    per-thread copies on NVIDIA, global loads into LDS on AMD.

    ```mlir
    tile.load %x[%i, %c0] -> %xs
        : memref<?x64xbf16> -> memref<128x64xbf16, #tile.memory_space<shared>>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "the source buffer", [MemRead]>:$src,
                       Variadic<Index>:$offsets,
                       Arg<AnyMemRef, "the destination tile", [MemWrite]>:$dst);
  let assemblyFormat = [{
    $src `[` $offsets `]` `->` $dst attr-dict `:` type($src) `->` type($dst)
  }];
  let hasVerifier = 1;
}

def Tile_StoreOp : Tile_Op<"store"> {
  let summary = "copy a tile back to a farther memory space";
  let description = [{
    Copies the tile `src` (static shape) into the window of `dst` that starts
    at `offsets`: `dst[offsets + i...] = src[i...]`. Elements of the window
    that fall outside `dst` are not written. `dst` must be in a farther
    memory space than `src` (`register` > `shared` > `global`).

    ```mlir
    tile.store %acc -> %y[%i, %j]
        : memref<128x128xf32, #tile.memory_space<register>> -> memref<?x?xf32>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "the source tile", [MemRead]>:$src,
                       Arg<AnyMemRef, "the destination buffer", [MemWrite]>:$dst,
                       Variadic<Index>:$offsets);
  let assemblyFormat = [{
    $src `->` $dst `[` $offsets `]` attr-dict `:` type($src) `->` type($dst)
  }];
  let hasVerifier = 1;
}

def Tile_BarrierOp : Tile_Op<"barrier"> {
  let summary = "synchronise the threads that share `shared` memory";
  let description = [{
    Every thread of the group that shares `#tile.memory_space<shared>`
    buffers (a CUDA thread block, an AMD workgroup) waits here until all have
    arrived, and their earlier `shared` writes are visible to all afterwards.
    On x86 it lowers to nothing: one thread runs the whole tile. Planned:
    `gpu.barrier` on NVIDIA, `target.amd.lds_barrier` on AMD.

    ```mlir
    tile.barrier
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Dense algebra
//===----------------------------------------------------------------------===//

def Tile_MatmulOp : Tile_Op<"matmul"> {
  let summary = "tiled matrix multiply with bias, accumulation and epilogue";
  let description = [{
    `C = epilogue((accumulate ? C : 0) + A @ op(B) + bias)` with `A`
    `[M, K]`, `C` `[M, N]` and the optional `bias` `[N]`. With `transpose_b`,
    `B` is `[N, K]` and `op(B) = B^T` (the `torch.nn.Linear` weight layout);
    otherwise `B` is `[K, N]`. `epilogue` is `none` (default), `relu2`
    (`relu(v)^2`) or `silu`. Products accumulate in at least f32; `A` and
    `B` share an element type, `C` and `bias` may have another.

    Tile sizes are not part of the op: `tessera-select-lowering-config`
    writes them for the module's target as a `lowering_config`
    (`#tessera.lowering_config<tile_sizes = [m, n, k], ...>`).

    `packed_b = array<i64: nr, kp>` (with `transpose_b`; written by a
    target's weight-layout pass, e.g. `tessera-x86-pack-weights`) says that
    `B` holds the `[N, K]` weight in column panels instead: `B[p, k, j] =
    W[p * nr + j, k]`, shape `[ceil(N / nr), K, nr]` when `kp` is 1, and
    with `kp = 2` K-pairs `B[p, k2, j, i] = W[p * nr + j, 2 * k2 + i]`,
    shape `[ceil(N / nr), ceil(K / 2), nr, 2]`; padding is zero.

    ```mlir
    tile.matmul %x, %w, %y {transpose_b, epilogue = #tile.epilogue<relu2>}
        : memref<?x64xbf16>, memref<128x64xbf16>, memref<?x128xf32>
    tile.matmul %x, %wp, %y {transpose_b, packed_b = array<i64: 64, 1>}
        : memref<?x64xf32>, memref<2x64x64xf32>, memref<?x100xf32>
    tile.matmul %h, %wd, %res bias(%b) {transpose_b, accumulate}
        : memref<?x128xf32>, memref<64x128xf32>, memref<?x64xf32>, memref<64xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "A [M, K]", [MemRead]>:$a,
    Arg<Tile_FloatMemRef, "B [N, K] (transpose_b), [K, N], or packed_b panels",
        [MemRead]>:$b,
    Arg<Tile_FloatMemRef, "C [M, N]", [MemRead, MemWrite]>:$c,
    Arg<Optional<Tile_FloatMemRef>, "bias [N]", [MemRead]>:$bias,
    UnitAttr:$transpose_b, UnitAttr:$accumulate,
    DefaultValuedAttr<Tile_EpilogueAttr,
                      "::mlir::tessera::tile::Epilogue::None">:$epilogue,
    OptionalAttr<DenseI64ArrayAttr>:$packed_b);
  let assemblyFormat = [{
    $a `,` $b `,` $c (`bias` `(` $bias^ `)`)? attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise and normalisation
//===----------------------------------------------------------------------===//

def Tile_RMSNormOp : Tile_Op<"rmsnorm"> {
  let summary = "RMS normalisation of the rows of a 2-D buffer";
  let description = [{
    `out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + epsilon) * weight`, computed
    in f32, for `x` and `out` `[rows, hidden]` and `weight` `[hidden]`.
    `out` may be `x` itself.

    ```mlir
    tile.rmsnorm %x, %w, %y {epsilon = 1.0e-05 : f64}
        : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
    ```
  }];
  let arguments = (ins Arg<Tile_FloatMemRef, "x [rows, hidden]", [MemRead]>:$x,
                       Arg<Tile_FloatMemRef, "weight [hidden]", [MemRead]>:$weight,
                       Arg<Tile_FloatMemRef, "out [rows, hidden]", [MemWrite]>:$out,
                       F64Attr:$epsilon);
  let assemblyFormat = "$x `,` $weight `,` $out attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Tile_GatedRMSNormOp : Tile_Op<"gated_rmsnorm"> {
  let summary = "Mamba2's gated, grouped RMS normalisation";
  let description = [{
    For `y`, `z`, `out` `[rows, channels]` and `weight` `[channels]`:
    `h = y * silu(z)`, then each group of `group_size` consecutive channels
    of `h` is RMS-normalised (`h / sqrt(mean(h^2) + epsilon)`), then scaled
    by `weight` (Hugging Face's `MambaRMSNormGated`,
    `norm_before_gate = False`). `channels` must be a multiple of
    `group_size` (positive; Nemotron-H: `d_inner / n_groups`).

    ```mlir
    tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
        : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
    ```
  }];
  let arguments = (ins Arg<Tile_FloatMemRef, "y [rows, channels]", [MemRead]>:$y,
                       Arg<Tile_FloatMemRef, "gate z [rows, channels]", [MemRead]>:$z,
                       Arg<Tile_FloatMemRef, "weight [channels]", [MemRead]>:$weight,
                       Arg<Tile_FloatMemRef, "out [rows, channels]", [MemWrite]>:$out,
                       F64Attr:$epsilon, I64Attr:$group_size);
  let assemblyFormat = "$y `,` $z `,` $weight `,` $out attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Tile_AddOp : Tile_Op<"add"> {
  let summary = "elementwise add (residual connection)";
  let description = [{
    `out = a + b` elementwise; all three have the same shape. Element types
    may differ (e.g. an f32 residual stream plus a bf16 branch): the sum is
    computed in f32 and rounded to `out`'s type. `out` may be `a` or `b`.

    ```mlir
    tile.add %h, %mix, %h : memref<?x64xf32>, memref<?x64xbf16>, memref<?x64xf32>
    ```
  }];
  let arguments = (ins Arg<Tile_FloatMemRef, "a", [MemRead]>:$a,
                       Arg<Tile_FloatMemRef, "b", [MemRead]>:$b,
                       Arg<Tile_FloatMemRef, "out", [MemWrite]>:$out);
  let assemblyFormat = "$a `,` $b `,` $out attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Tile_EmbeddingOp : Tile_Op<"embedding"> {
  let summary = "token embedding gather";
  let description = [{
    `out[i..., :] = table[ids[i...], :]` with `table` `[vocab, hidden]`,
    `ids` of any rank `r` (i32 or i64) and `out` of rank `r + 1`. Ids must be
    in `[0, vocab)`; the runtime checks them before compiled code runs.

    ```mlir
    tile.embedding %table, %ids, %h : memref<256x64xf32>, memref<?x?xi64>, memref<?x?x64xf32>
    ```
  }];
  let arguments = (ins Arg<Tile_FloatMemRef, "table [vocab, hidden]", [MemRead]>:$table,
                       Arg<Tile_IdMemRef, "ids", [MemRead]>:$ids,
                       Arg<Tile_FloatMemRef, "out [ids..., hidden]", [MemWrite]>:$out);
  let assemblyFormat = "$table `,` $ids `,` $out attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mamba2: causal conv1d
//===----------------------------------------------------------------------===//

def Tile_CausalConv1dOp : Tile_Op<"causal_conv1d", [AttrSizedOperandSegments]> {
  let summary = "causal depthwise conv1d over the sequence, with state";
  let description = [{
    `x` and `out` `[batch, seq, channels]`, `weight` `[channels, kernel]`,
    optional `bias` `[channels]`. Output position `t` sees inputs
    `t-kernel+1 .. t`; positions before the start come from `state_in`
    (`[batch, channels, kernel-1]`, the last inputs of the previous call) or
    are zero. With `silu` the result goes through SiLU. `state_out`
    (`[batch, channels, kernel-1]`) receives the last `kernel-1` inputs
    (including `state_in`'s when `seq < kernel-1`) and may be the same
    buffer as `state_in`.

    ```mlir
    tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1
        {silu}
        : memref<?x?x160xf32>, memref<160x4xf32>, memref<160xf32>,
          memref<?x160x3xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "x [batch, seq, channels]", [MemRead]>:$x,
    Arg<Tile_FloatMemRef, "weight [channels, kernel]", [MemRead]>:$weight,
    Arg<Optional<Tile_FloatMemRef>, "bias [channels]", [MemRead]>:$bias,
    Arg<Optional<Tile_FloatMemRef>, "state_in [batch, channels, kernel-1]",
        [MemRead]>:$state_in,
    Arg<Tile_FloatMemRef, "out [batch, seq, channels]", [MemWrite]>:$out,
    Arg<Tile_FloatMemRef, "state_out [batch, channels, kernel-1]",
        [MemWrite]>:$state_out,
    UnitAttr:$silu);
  let assemblyFormat = [{
    $x `,` $weight (`bias` `(` $bias^ `)`)? (`state_in` `(` $state_in^ `)`)?
    `->` $out `,` $state_out attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mamba2: SSD chunked scan (mamba_ssm's ssd_combined split)
//===----------------------------------------------------------------------===//

def Tile_SSDChunkCumsumOp : Tile_Op<"ssd_chunk_cumsum"> {
  let summary = "SSD stage 1: dt activation and per-chunk cumulative dA";
  let description = [{
    With `dt` `[batch, seq, heads]`, `dt_bias` and `A_log` `[heads]`:

      dt_out[b, t, h]       = clamp(softplus(dt[b, t, h] + dt_bias[h]), dt_min, dt_max)
      dA_cumsum[b, h, c, l] = sum_{l' <= l} dt_out[b, c*chunk_size + l', h] * -exp(A_log[h])

    `dt_out` has `dt`'s shape; `dA_cumsum` is
    `[batch, heads, ceildiv(seq, chunk_size), chunk_size]` (f32). Entries of
    the last chunk past the end of the sequence are never read.
    `chunk_size` is positive (128 for Nemotron-H 12B);
    `0 <= dt_min <= dt_max` (`dt_max` may be `inf`). mamba_ssm's
    `_chunk_cumsum_fwd`.

    ```mlir
    tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dt2, %dacs
        {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
        : memref<?x?x8xf32>, memref<8xf32>, memref<8xf32>, memref<?x?x8xf32>,
          memref<?x8x?x128xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "dt [batch, seq, heads]", [MemRead]>:$dt,
    Arg<Tile_FloatMemRef, "dt_bias [heads]", [MemRead]>:$dt_bias,
    Arg<Tile_FloatMemRef, "A_log [heads]", [MemRead]>:$A_log,
    Arg<Tile_FloatMemRef, "dt_out [batch, seq, heads]", [MemWrite]>:$dt_out,
    Arg<Tile_FloatMemRef, "dA_cumsum [batch, heads, nchunks, chunk]",
        [MemWrite]>:$dA_cumsum,
    I64Attr:$chunk_size, F64Attr:$dt_min, F64Attr:$dt_max);
  let assemblyFormat = [{
    $dt `,` $dt_bias `,` $A_log `->` $dt_out `,` $dA_cumsum attr-dict
    `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_SSDChunkStateOp : Tile_Op<"ssd_chunk_state"> {
  let summary = "SSD stage 2: the state each chunk contributes on its own";
  let description = [{
    For each chunk `c` (positions `t = c*chunk_size + l`), head `h` and its
    group `g = h / (heads / groups)`:

      states[b, c, h, p, n] = sum_l exp(dA_cumsum[b, h, c, last] - dA_cumsum[b, h, c, l])
                                    * dt[b, t, h] * x[b, t, h, p] * B[b, t, g, n]

    where `last` is the chunk's last valid position. `x` is
    `[batch, seq, heads, head_dim]`, `B` `[batch, seq, groups, state]`
    (`heads` a multiple of `groups`), `dt` the activated `[batch, seq, heads]`
    from `tile.ssd_chunk_cumsum`, `dA_cumsum`
    `[batch, heads, nchunks, chunk_size]`, `states`
    `[batch, nchunks, heads, head_dim, state]` (f32). mamba_ssm's
    `_chunk_state_fwd`.

    ```mlir
    tile.ssd_chunk_state %x, %B, %dt2, %dacs -> %st {chunk_size = 128 : i64}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>,
          memref<?x8x?x128xf32>, memref<?x?x8x16x16xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "x [batch, seq, heads, head_dim]", [MemRead]>:$x,
    Arg<Tile_FloatMemRef, "B [batch, seq, groups, state]", [MemRead]>:$B,
    Arg<Tile_FloatMemRef, "dt [batch, seq, heads]", [MemRead]>:$dt,
    Arg<Tile_FloatMemRef, "dA_cumsum [batch, heads, nchunks, chunk]",
        [MemRead]>:$dA_cumsum,
    Arg<Tile_FloatMemRef, "states [batch, nchunks, heads, head_dim, state]",
        [MemWrite]>:$states,
    I64Attr:$chunk_size);
  let assemblyFormat = [{
    $x `,` $B `,` $dt `,` $dA_cumsum `->` $states attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_SSDStatePassingOp : Tile_Op<"ssd_state_passing"> {
  let summary = "SSD stage 3: carry the state across chunks";
  let description = [{
    A sequential scan over chunks. With `s_0 = init` (or zero) and
    `s_{c+1} = exp(dA_cumsum[b, h, c, last]) * s_c + states[b, c]`:
    `states_out[b, c] = s_c` (the state entering chunk `c`) and
    `final_state = s_nchunks`. `states` and `states_out` are
    `[batch, nchunks, heads, head_dim, state]`, `dA_cumsum`
    `[batch, heads, nchunks, chunk_size]`, `init` and `final_state`
    `[batch, heads, head_dim, state]`. mamba_ssm's `_state_passing_fwd`.

    ```mlir
    tile.ssd_state_passing %st, %dacs init(%s0) -> %st_in, %s1 {chunk_size = 128 : i64}
        : memref<?x?x8x16x16xf32>, memref<?x8x?x128xf32>, memref<?x8x16x16xf32>,
          memref<?x?x8x16x16xf32>, memref<?x8x16x16xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "states [batch, nchunks, heads, head_dim, state]",
        [MemRead]>:$states,
    Arg<Tile_FloatMemRef, "dA_cumsum [batch, heads, nchunks, chunk]",
        [MemRead]>:$dA_cumsum,
    Arg<Optional<Tile_FloatMemRef>, "init [batch, heads, head_dim, state]",
        [MemRead]>:$init,
    Arg<Tile_FloatMemRef, "states_out [batch, nchunks, heads, head_dim, state]",
        [MemWrite]>:$states_out,
    Arg<Tile_FloatMemRef, "final_state [batch, heads, head_dim, state]",
        [MemWrite]>:$final_state,
    I64Attr:$chunk_size);
  let assemblyFormat = [{
    $states `,` $dA_cumsum (`init` `(` $init^ `)`)? `->` $states_out `,`
    $final_state attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_SSDChunkScanOp : Tile_Op<"ssd_chunk_scan"> {
  let summary = "SSD stage 4: outputs from the intra- and inter-chunk terms";
  let description = [{
    For position `t = c*chunk_size + l`, head `h`, group `g`:

      y[b, t, h, p] = sum_{l' <= l} (C[b, t, g] . B[b, t', g])
                          * exp(dA_cumsum[b, h, c, l] - dA_cumsum[b, h, c, l'])
                          * dt[b, t', h] * x[b, t', h, p]                  (intra-chunk, quadratic)
                    + exp(dA_cumsum[b, h, c, l]) * (C[b, t, g] . states[b, c, h, p])  (inter-chunk)
                    + D[h] * x[b, t, h, p]

    with `t' = c*chunk_size + l'` and `states` the chunk-entry states from
    `tile.ssd_state_passing`. `x` and `y` are `[batch, seq, heads, head_dim]`,
    `C` and `B` `[batch, seq, groups, state]`, `dt` `[batch, seq, heads]`,
    `dA_cumsum` `[batch, heads, nchunks, chunk_size]`, `states`
    `[batch, nchunks, heads, head_dim, state]`, `D` `[heads]`. mamba_ssm's
    `_bmm_chunk_fwd` + `_chunk_scan_fwd`.

    ```mlir
    tile.ssd_chunk_scan %x, %C, %B, %dt2, %dacs, %st_in, %D -> %y {chunk_size = 128 : i64}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>,
          memref<?x?x8xf32>, memref<?x8x?x128xf32>, memref<?x?x8x16x16xf32>,
          memref<8xf32>, memref<?x?x8x16xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "x [batch, seq, heads, head_dim]", [MemRead]>:$x,
    Arg<Tile_FloatMemRef, "C [batch, seq, groups, state]", [MemRead]>:$C,
    Arg<Tile_FloatMemRef, "B [batch, seq, groups, state]", [MemRead]>:$B,
    Arg<Tile_FloatMemRef, "dt [batch, seq, heads]", [MemRead]>:$dt,
    Arg<Tile_FloatMemRef, "dA_cumsum [batch, heads, nchunks, chunk]",
        [MemRead]>:$dA_cumsum,
    Arg<Tile_FloatMemRef, "states [batch, nchunks, heads, head_dim, state]",
        [MemRead]>:$states,
    Arg<Tile_FloatMemRef, "D [heads]", [MemRead]>:$D,
    Arg<Tile_FloatMemRef, "y [batch, seq, heads, head_dim]", [MemWrite]>:$y,
    I64Attr:$chunk_size);
  let assemblyFormat = [{
    $x `,` $C `,` $B `,` $dt `,` $dA_cumsum `,` $states `,` $D `->` $y attr-dict
    `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_SSDStateUpdateOp : Tile_Op<"ssd_state_update"> {
  let summary = "one recurrent SSM step (decode)";
  let description = [{
    The recurrent form of the SSD scan for one new token per sequence. With
    `dt' = clamp(softplus(dt + dt_bias), dt_min, dt_max)`,
    `A = -exp(A_log)` and `g = h / (heads / groups)`:

      state[b, h] = exp(dt'[b, h] * A[h]) * state[b, h] + dt'[b, h] * x[b, h] (x) B[b, g]
      y[b, h]     = state[b, h] . C[b, g] + D[h] * x[b, h]

    `x` and `y` are `[batch, heads, head_dim]`, `dt` `[batch, heads]`,
    `dt_bias`, `A_log`, `D` `[heads]`, `B` and `C` `[batch, groups, state]`,
    and `state` `[batch, heads, head_dim, state]` is read and updated in
    place. mamba_ssm's `selective_state_update`.

    ```mlir
    tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
        {dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
        : memref<?x8x16xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>,
          memref<?x2x16xf32>, memref<?x2x16xf32>, memref<8xf32>,
          memref<?x8x16x16xf32>, memref<?x8x16xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "x [batch, heads, head_dim]", [MemRead]>:$x,
    Arg<Tile_FloatMemRef, "dt [batch, heads]", [MemRead]>:$dt,
    Arg<Tile_FloatMemRef, "dt_bias [heads]", [MemRead]>:$dt_bias,
    Arg<Tile_FloatMemRef, "A_log [heads]", [MemRead]>:$A_log,
    Arg<Tile_FloatMemRef, "B [batch, groups, state]", [MemRead]>:$B,
    Arg<Tile_FloatMemRef, "C [batch, groups, state]", [MemRead]>:$C,
    Arg<Tile_FloatMemRef, "D [heads]", [MemRead]>:$D,
    Arg<Tile_FloatMemRef, "state [batch, heads, head_dim, state], in/out",
        [MemRead, MemWrite]>:$state,
    Arg<Tile_FloatMemRef, "y [batch, heads, head_dim]", [MemWrite]>:$y,
    F64Attr:$dt_min, F64Attr:$dt_max);
  let assemblyFormat = [{
    $x `,` $dt `,` $dt_bias `,` $A_log `,` $B `,` $C `,` $D
    `inout` `(` $state `)` `->` $y attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Tile_FlashAttentionOp : Tile_Op<"flash_attention"> {
  let summary = "blocked attention with online softmax and grouped K/V heads";
  let description = [{
    `out[b, i, h] = softmax_j(scale * q[b, i, h] . k[b, j, h / r]) @ v[b, :, h / r]`
    with `q` and `out` `[batch, seq, q_heads, head_dim]`, `k` and `v`
    `[batch, kv_len, kv_heads, head_dim]` and `r = q_heads / kv_heads` (GQA:
    query head `h` reads K/V head `h / r`; K/V are never repeated). With
    `causal`, query `i` sees keys `j <= i + kv_len - seq` (aligned
    bottom-right: the queries are the last `seq` positions), so
    `kv_len >= seq`.

    With `position` (`memref<1xi64>`, read at run time), `k` and `v` are
    caches of some capacity holding `position[0] + seq` valid keys (this
    call's keys already appended at `position[0]`): only keys
    `[0, position[0] + seq)` are read, and query `i` (absolute position
    `position[0] + i`) sees keys `j <= position[0] + i`. The capacity is
    never a loop bound, so one compiled step serves every position.

    The softmax is computed online (FlashAttention): each query keeps a
    running max and sum while blocks of keys stream past; the key block
    (`block_k`) is the target's choice, in the op's `lowering_config`. Any
    layout works through strides; the K/V caches are kept in this op's
    `[batch, capacity, kv_heads, head_dim]` layout end to end, never
    transposed.

    ```mlir
    tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64}
        : memref<?x?x4x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x2x16xbf16>,
          memref<?x?x4x16xbf16>
    tile.flash_attention %q1, %kc, %vc, %o1 at %pos {causal, scale = 0.25 : f64}
        : memref<?x1x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>,
          memref<?x1x4x16xf32>, memref<1xi64>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "q [batch, seq, q_heads, head_dim]", [MemRead]>:$q,
    Arg<Tile_FloatMemRef, "k [batch, kv_len, kv_heads, head_dim]", [MemRead]>:$k,
    Arg<Tile_FloatMemRef, "v [batch, kv_len, kv_heads, head_dim]", [MemRead]>:$v,
    Arg<Tile_FloatMemRef, "out [batch, seq, q_heads, head_dim]", [MemWrite]>:$out,
    Arg<Optional<Tile_PositionMemRef>, "keys already cached", [MemRead]>:$position,
    UnitAttr:$causal, F64Attr:$scale);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out (`at` $position^)? attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_KVCacheAppendOp : Tile_Op<"kv_cache_append"> {
  let summary = "write new keys or values into a K/V cache in place";
  let description = [{
    `cache[b, position + s, h, :] = update[b, s, h, :]` for `cache`
    `[batch, capacity, kv_heads, head_dim]` (the layout
    `tile.flash_attention` reads, so the cache is never transposed) and
    `update` (the new positions' keys or values, as the projections produce
    them) `[batch, seq, kv_heads, head_dim]`. `position` (`memref<1xi64>`,
    read at run time; absent means 0) is the number of positions already
    cached; only the `seq` written rows are touched, so an append costs the
    same at every position. `position + seq <= capacity` is the caller's
    contract (the runtime checks it before compiled code runs; `seq <=
    capacity` is checked here when static). Element types may differ (the
    cache may be narrower).

    ```mlir
    tile.kv_cache_append %k_new -> %k_cache[%pos]
        : memref<?x1x2x16xf32> -> memref<?x4096x2x16xbf16>, memref<1xi64>
    tile.kv_cache_append %k_all -> %k_cache
        : memref<?x?x2x16xf32> -> memref<?x?x2x16xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "cache [batch, capacity, kv_heads, head_dim]",
        [MemWrite]>:$cache,
    Arg<Tile_FloatMemRef, "update [batch, seq, kv_heads, head_dim]",
        [MemRead]>:$update,
    Arg<Optional<Tile_PositionMemRef>, "positions already cached",
        [MemRead]>:$position);
  let assemblyFormat = [{
    $update `->` $cache (`[` $position^ `]`)? attr-dict `:` type($update) `->`
    type($cache) (`,` type($position)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//
// A routed MoE block is: router logits (tile.matmul) -> tile.moe_route ->
// tile.moe_sort (token-expert pairs grouped by expert) -> tile.moe_gather
// (the tokens in that order) -> tile.grouped_matmul (up, ReLU²) ->
// tile.grouped_matmul (down) -> tile.moe_combine (weighted scatter-add back
// to the tokens). Every expert's tokens are one contiguous row segment, so
// the expert matmuls are dense GEMMs over segments (what a GPU grouped GEMM
// consumes). Expert ids and offsets are i64.
//===----------------------------------------------------------------------===//

def Tile_I64MemRef : MemRefOf<[I64]>;

def Tile_MoERouteOp : Tile_Op<"moe_route"> {
  let summary = "sigmoid top-k expert choice with group limit (MoE router)";
  let description = [{
    Per token `t` of `logits` `[T, E]` (router logits, f32):
    `s = sigmoid(logits[t])`; the choice uses `s + bias` (`bias` `[E]`, HF's
    `e_score_correction_bias`): the experts form `n_group` groups of
    `E / n_group`, each scored by the sum of its two best biased scores;
    the `topk_group` best groups are kept, and `ids[t]` `[K]` receives the
    `K = top_k` experts of best biased score among them, best first (ties
    to the lower id). `weights[t]` `[K]` are the chosen experts' *unbiased*
    scores `s`, divided by their sum (+1e-20) with `norm_topk_prob`, times
    `routed_scaling_factor`. Rules: `1 <= topk_group <= n_group`,
    `n_group` divides `E` in groups of at least 2, `K <= topk_group * E /
    n_group` (`E` and `K` static).

    ```mlir
    tile.moe_route %logits, %bias, %ids, %w {n_group = 2 : i64, topk_group = 1 : i64,
        norm_topk_prob = true, routed_scaling_factor = 2.5 : f64}
        : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "router logits [T, E]", [MemRead]>:$logits,
    Arg<Tile_FloatMemRef, "choice bias [E]", [MemRead]>:$bias,
    Arg<Tile_I64MemRef, "chosen experts [T, K]", [MemWrite]>:$ids,
    Arg<Tile_FloatMemRef, "their weights [T, K]", [MemWrite]>:$weights,
    DefaultValuedAttr<I64Attr, "1">:$n_group,
    DefaultValuedAttr<I64Attr, "1">:$topk_group,
    DefaultValuedAttr<BoolAttr, "true">:$norm_topk_prob,
    DefaultValuedAttr<F64Attr, "1.0">:$routed_scaling_factor);
  let assemblyFormat = [{
    $logits `,` $bias `,` $ids `,` $weights attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_MoESortOp : Tile_Op<"moe_sort"> {
  let summary = "group token-expert pairs by expert (counting sort)";
  let description = [{
    `ids` `[T, K]` holds each token's experts (in `[0, E)`); pair `p = t * K
    + k` is sent to expert `ids[t, k]`. Writes `offsets` `[E + 1]`
    (`offsets[e]` = pairs sent to experts below `e`; `offsets[E] = T * K`)
    and `order` `[T * K]`: the pairs grouped by expert, pairs of one expert
    in increasing `p` (stable), so expert `e`'s pairs are
    `order[offsets[e] : offsets[e + 1]]`.

    ```mlir
    tile.moe_sort %ids, %offsets, %order : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
    ```
  }];
  let arguments = (ins
    Arg<Tile_I64MemRef, "experts per token [T, K]", [MemRead]>:$ids,
    Arg<Tile_I64MemRef, "segment offsets [E + 1]", [MemWrite]>:$offsets,
    Arg<Tile_I64MemRef, "pairs by expert [T * K]", [MemWrite]>:$order);
  let assemblyFormat = "$ids `,` $offsets `,` $order attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Tile_MoEGatherOp : Tile_Op<"moe_gather"> {
  let summary = "gather token rows in expert order";
  let description = [{
    `out[i, :] = x[order[i] / top_k, :]`: the token row of each pair of
    `tile.moe_sort`'s `order` `[P]` (`x` `[T, D]`, `out` `[P, D]`).

    ```mlir
    tile.moe_gather %x, %order, %xs {top_k = 2 : i64}
        : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "tokens [T, D]", [MemRead]>:$x,
    Arg<Tile_I64MemRef, "pairs by expert [P]", [MemRead]>:$order,
    Arg<Tile_FloatMemRef, "gathered rows [P, D]", [MemWrite]>:$out,
    I64Attr:$top_k);
  let assemblyFormat = "$x `,` $order `,` $out attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Tile_GroupedMatmulOp : Tile_Op<"grouped_matmul"> {
  let summary = "per-expert matmul over contiguous row segments (grouped GEMM)";
  let description = [{
    For each expert `e`, rows `[offsets[e], offsets[e + 1])` of `a` `[P, K]`
    are multiplied by that expert's weight `b[e]` `[N, K]` (nn.Linear
    layout, `b` `[E, N, K]`): `c[r] = epilogue(a[r] @ b[e]^T)` (`c` `[P,
    N]`). `offsets` `[E + 1]` is non-decreasing with `offsets[E] = P` (what
    `tile.moe_sort` writes). `epilogue` is `none` or `relu2`. Products
    accumulate in f32; `b` may be bf16/f16 with f32 `a`. Tile sizes come
    from the target's `lowering_config`, as for `tile.matmul`.

    ```mlir
    tile.grouped_matmul %xs, %w_up, %offsets, %h {epilogue = #tile.epilogue<relu2>}
        : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "A [P, K]", [MemRead]>:$a,
    Arg<Tile_FloatMemRef, "per-expert weights [E, N, K]", [MemRead]>:$b,
    Arg<Tile_I64MemRef, "segment offsets [E + 1]", [MemRead]>:$offsets,
    Arg<Tile_FloatMemRef, "C [P, N]", [MemWrite]>:$c,
    DefaultValuedAttr<Tile_EpilogueAttr,
                      "::mlir::tessera::tile::Epilogue::None">:$epilogue);
  let assemblyFormat = [{
    $a `,` $b `,` $offsets `,` $c attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

def Tile_MoECombineOp : Tile_Op<"moe_combine"> {
  let summary = "weighted scatter-add of expert outputs back to their tokens";
  let description = [{
    `out[t, :] = sum over pairs i with order[i] / K = t of
    weights[t, order[i] % K] * y[i, :]` (`y` `[P, D]` in expert order,
    `order` `[P]`, `weights` `[T, K]`, `out` `[T, D]`): `out` is
    overwritten (tokens whose pairs are all absent get 0).

    ```mlir
    tile.moe_combine %y, %order, %w, %out
        : memref<?x64xf32>, memref<?xi64>, memref<?x2xf32>, memref<?x64xf32>
    ```
  }];
  let arguments = (ins
    Arg<Tile_FloatMemRef, "expert outputs [P, D]", [MemRead]>:$y,
    Arg<Tile_I64MemRef, "pairs by expert [P]", [MemRead]>:$order,
    Arg<Tile_FloatMemRef, "router weights [T, K]", [MemRead]>:$weights,
    Arg<Tile_FloatMemRef, "tokens [T, D]", [MemWrite]>:$out);
  let assemblyFormat = [{
    $y `,` $order `,` $weights `,` $out attr-dict `:` type(operands)
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_TILE_OPS
