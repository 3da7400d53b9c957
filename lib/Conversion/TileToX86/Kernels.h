//===- Kernels.h - x86 kernel emitters for Tile-IR ops -----------*- C++ -*-===//
//
// Part of convert-tile-to-x86. One emitter per Tile-IR
// algorithm; each writes loop nests with vector bodies at the builder's
// insertion point, reading and writing the given memrefs (any strided layout
// whose last dimension has unit stride). Operands follow Tile-IR's
// destination-passing style: outputs are buffers the caller allocated.
// Arithmetic is f32 throughout; weights may be bf16/f16 and are extended on
// load. Sizes come from the memrefs (memref.dim), so every kernel works for
// dynamic batch and sequence lengths.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOX86_KERNELS_H
#define TESSERA_LIB_CONVERSION_TILETOX86_KERNELS_H

#include "Emitter.h"

namespace mlir::tessera::x86 {

enum class Epilogue { None, ReLU2, SiLU };

/// out[b, s, :] = table[ids[b, s], :]. `ids` is any-rank integer, `out` has
/// one more dimension.
void emitEmbedding(Emitter &e, Value table, Value ids, Value out);

/// out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * w. x, out: [R, H].
void emitRMSNorm(Emitter &e, Value x, Value w, Value out, double eps);

/// out = a + b, all [R, H].
void emitAdd(Emitter &e, Value a, Value b, Value out);

/// The matmul's blocking (from the op's lowering config): a panel of
/// `rowPanel` rows of A (a multiple of registerRows) per pass over the
/// weight, registerRows x registerCols dot products in registers.
struct MatmulTiling {
  int64_t rowPanel = 48, registerRows = 3, registerCols = 4;
  /// Steps of K per block of the packed (many-row) kernel: the block of a
  /// packed weight panel stays in L1 while the rows of A stream past.
  int64_t blockK = 128;
  /// AMX tiles for bf16 K-pair panels with many rows (X86KernelConfig).
  bool amxBF16 = false;
};

/// The weight as stored ([N, K]; weights tessera-x86-pack-weights packs take
/// emitPrepackedMatmul below):
/// c[M, N] = epi(a[M, K] @ w[N, K]^T + bias[N]); with `accumulate`,
/// c[M, N] += a @ w^T (+ bias) and `epi` must be None. `bias` may be null.
/// With at least kPackedMinRows rows (prefill) the weight is packed, per
/// call, into K x NR panels (NR = NV vectors of columns) that a
/// broadcast-FMA micro-kernel of MR x NV vector accumulators streams
/// (MR x NV fits the ISA's registers: 6 x 4 zmm on AVX-512, 6 x 2 ymm on
/// AVX2); fewer rows (decode) use the dot-product kernel, which reads the
/// weight once without packing.
void emitMatmul(Emitter &e, Value a, Value w, Value bias, Value c, Epilogue epi,
                bool accumulate, const MatmulTiling &tiling = {});

/// c[M, N] = epi(a[M, K] @ W^T + bias) (or += with `accumulate`) with the
/// weight packed at load into column panels (tile.matmul's packed_b):
/// wp[ceil(N / NR), K, NR] (kPack 1: broadcast-FMA over f32, or bf16/f16
/// extended on load) or wp[ceil(N / NR), ceil(K / 2), NR, 2] (kPack 2,
/// bf16: vdpbf16ps on K pairs, A rounded to bf16; with `tiling.amxBF16`,
/// at least 16 rows and K pairs a multiple of 16: AMX tile products). NR = panelCols, a
/// multiple of the vector width. Every row count uses this kernel; the last
/// panel's columns past N are masked off.
void emitPrepackedMatmul(Emitter &e, Value a, Value wp, Value bias, Value c,
                         Epilogue epi, bool accumulate,
                         const MatmulTiling &tiling, int64_t panelCols,
                         int64_t kPack);

/// The dot-product micro-kernel shared by the matmul and the SSD chunk scan:
/// sums[i * nr + j] = a[aRows[i], 0:len] . b[bRows[j], 0:len] (f32) for a
/// register block of mr = aRows.size() by nr = bRows.size() accumulators,
/// vectorised along the contiguous dimension with a scalar tail.
SmallVector<Value> emitDotBlock(Emitter &e, Value a, ArrayRef<Value> aRows,
                                Value b, ArrayRef<Value> bRows, Value len);

/// h = y * silu(z); out = rmsnorm over each group of `groupSize` channels of
/// h, times w. y, z, out: [R, D]; w: [D].
void emitGatedRMSNorm(Emitter &e, Value y, Value z, Value w, Value out,
                      double eps, int64_t groupSize);

/// Causal depthwise conv over the sequence. x, out: [B, S, C]; w: [C, K];
/// bias: [C] or null; stateIn: [B, C, K-1] or null (zeros); stateOut:
/// [B, C, K-1] receives the last K-1 inputs (from stateIn where S < K-1).
void emitCausalConv1d(Emitter &e, Value x, Value w, Value bias, Value stateIn,
                      Value out, Value stateOut, bool silu);

/// The register block of the SSD chunk-state and chunk-scan GEMMs (from the
/// op's lowering config): `rows` output rows x `vectors` vectors of
/// accumulators.
struct SSDTiling {
  int64_t rows = 4, vectors = 2;
};

/// SSD chunked scan, stage 1. dt: [B, S, H] raw; dtBias, aLog: [H].
/// dtOut[B, S, H] = clamp(softplus(dt + dtBias), dtMin, dtMax);
/// dACumsum[B, H, nChunks, Q]: within each chunk of Q steps, the inclusive
/// cumulative sum of dtOut * A with A = -exp(aLog); positions past S are left
/// as the last valid value.
void emitSSDChunkCumsum(Emitter &e, Value dt, Value dtBias, Value aLog,
                        Value dtOut, Value dACumsum, int64_t chunk,
                        double dtMin, double dtMax);

/// Stage 2: per chunk c, states[B, c, H, P, N] = sum over the chunk's steps
/// i of exp(dACumsum[last] - dACumsum[i]) * dtOut[i] * x[i, :] ⊗ B[i, :].
/// x: [B, S, H, P]; bMat: [B, S, G, N] (head h reads group h / (H/G)).
void emitSSDChunkState(Emitter &e, Value x, Value bMat, Value dtOut,
                       Value dACumsum, Value states, int64_t chunk,
                       const SSDTiling &tiling = {});

/// Stage 3: statesIn[B, c, H, P, N] is the state entering chunk c:
/// statesIn[0] = init (or 0); statesIn[c+1] = exp(dACumsum[c, last]) *
/// statesIn[c] + states[c]; finalState[B, H, P, N] the state after the
/// last chunk. `init` may be null.
void emitSSDStatePassing(Emitter &e, Value states, Value dACumsum, Value init,
                         Value statesIn, Value finalState, Value seqLen,
                         int64_t chunk);

/// Stage 4: y[B, S, H, P] = intra-chunk quadratic form
///   sum_{j <= i in chunk} (C[i]·B[j]) exp(cum[i] - cum[j]) dtOut[j] x[j]
/// + exp(cum[i]) * (statesIn[c] · C[i]) + D[h] * x[i].
void emitSSDChunkScan(Emitter &e, Value x, Value bMat, Value cMat, Value dtOut,
                      Value dACumsum, Value statesIn, Value dSkip, Value y,
                      int64_t chunk, const SSDTiling &tiling = {});

/// Recurrent (decode) form for one step. x: [B, H, P]; dt: [B, H] raw;
/// bMat, cMat: [B, G, N]; stateIn/stateOut: [B, H, P, N] (stateIn may be
/// null: zeros); y: [B, H, P].
void emitSSDStateUpdate(Emitter &e, Value x, Value dt, Value dtBias,
                        Value aLog, Value bMat, Value cMat, Value dSkip,
                        Value stateIn, Value stateOut, Value y, double dtMin,
                        double dtMax);

/// Causal GQA attention with online softmax. q, out: [B, S, Hq, D]; k, v:
/// indexed [B, Hkv, T, D] (any strides); query s sees keys j <= s + T - S;
/// query head h reads K/V head h / (Hq/Hkv). `kvLen` (optional, an index
/// computed at run time) replaces T: only keys [0, kvLen) of a larger cache.
void emitFlashAttention(Emitter &e, Value q, Value k, Value v, Value out,
                        double scale, bool causal, int64_t blockK,
                        Value kvLen = Value());

/// out[B, Hkv, P+S, D]: out[:, :, :P] = past (null when P = 0),
/// out[:, h, P+s, :] = fresh[:, s, h, :]. fresh: [B, S, Hkv, D].
void emitKVCacheAppend(Emitter &e, Value past, Value fresh, Value out);

/// MoE router (tile.moe_route): per row of logits [T, E], the top-K
/// experts (ids [T, K], i64) of sigmoid(logits) + bias among the topkGroup
/// best of nGroup groups, and their weights [T, K] (unbiased scores,
/// normalised when normTopkProb, times scale).
void emitMoERoute(Emitter &e, Value logits, Value bias, Value ids,
                  Value weights, int64_t nGroup, int64_t topkGroup,
                  bool normTopkProb, double scale);

/// tile.moe_sort: offsets [E + 1] and order [T * K] of the pairs of ids
/// [T, K] grouped by expert (stable counting sort).
void emitMoESort(Emitter &e, Value ids, Value offsets, Value order);

/// out[i, :] = x[order[i] / topK, :].
void emitMoEGather(Emitter &e, Value x, Value order, Value out, int64_t topK);

/// c[seg e] = epi(a[seg e] @ w[e]^T) over the row segments
/// [offsets[e], offsets[e + 1]); each segment runs emitMatmul on views.
void emitGroupedMatmul(Emitter &e, Value a, Value w, Value offsets, Value c,
                       Epilogue epi, const MatmulTiling &tiling = {});

/// out = 0; out[order[i] / K] += weights[order[i] / K, order[i] % K] * y[i].
void emitMoECombine(Emitter &e, Value y, Value order, Value weights,
                    Value out);

/// dst = src (same shape, any strided layouts with a unit-stride last
/// dimension): the x86 form of memref.copy, so that compiled modules need no
/// runtime library.
void emitCopy(Emitter &e, Value src, Value dst);

} // namespace mlir::tessera::x86

#endif // TESSERA_LIB_CONVERSION_TILETOX86_KERNELS_H
