//===- DenseKernels.cpp - x86 emitters: matmul, norms, adds, embedding ----===//
//
// Part of convert-tile-to-x86: the dense kernels of a layer.
// The matmul is the hot one: every projection of Nemotron-H is a
// `[tokens, in] x [out, in]^T` product with the weight in nn.Linear's layout.
// Weights reach it in the layout tessera-x86-pack-weights chose:
//
// - packed at load (tile.matmul `packed_b`, emitPrepackedMatmul): column
//   panels of NR = NV vectors (each K step's NR columns contiguous; the
//   runtime packs once when it binds the weights). Threads take whole
//   panels; a broadcast-FMA micro-kernel keeps MR x NV vector accumulators
//   (6 x 4 zmm on AVX-512, 6 x 2 ymm on AVX2; then 3- and 1-row blocks) over
//   K blocks of `block_k` steps (the panel's block stays in L1) for every
//   row count, prefill and decode alike; the last panel's columns past N are
//   masked. bf16 K-pair panels use vdpbf16ps (target.x86.bf16_dot): A is
//   rounded to bf16 once per call and broadcast as (a[k], a[k+1]) pairs.
//   A is copied once per call into the row blocks' order (packActivations);
//   single-row blocks (decode) hint the weight stream ahead.
// - as stored ([N, K]: tied embeddings, MoE experts): with many rows
//   (prefill) packed per call into per-thread K x NR panels for the same
//   micro-kernel (packing costs N*K against 2*M*N*K flops); with few rows
//   (decode) packing would cost as much as the product: the dot-product
//   kernel (emitDotBlock: an MR x NR block of vector accumulators along K,
//   reduced once per block) reads the weight rows in place.
//
// All apply the epilogue (bias, ReLU², SiLU) in registers before the final
// store.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Conversion/TileToX86/TileToX86.h"

#include "mlir/Dialect/AMX/AMXDialect.h"

using namespace mlir;
using namespace mlir::tessera::x86;

void mlir::tessera::x86::emitEmbedding(Emitter &e, Value table, Value ids,
                                       Value out) {
  auto idsType = cast<MemRefType>(ids.getType());
  int64_t rank = idsType.getRank();
  Value hidden = e.dim(table, 1);
  // Loop over every id position, then copy one row of the table.
  std::function<void(int64_t, SmallVector<Value>)> nest =
      [&](int64_t d, SmallVector<Value> ivs) {
        if (d == rank) {
          Value row = e.indexCast(e.loadRaw(ids, ivs));
          e.forVectorized(e.c(0), hidden, [&](Value h, int64_t w) {
            SmallVector<Value> outIdx(ivs);
            outIdx.push_back(h);
            if (w == 1)
              e.store(e.load(table, {row, h}), out, outIdx);
            else
              e.vstore(e.vload(table, {row, h}, w), out, outIdx);
          });
          return;
        }
        e.forRange(e.c(0), e.dim(ids, d), [&](Value iv) {
          SmallVector<Value> next(ivs);
          next.push_back(iv);
          nest(d + 1, next);
        });
      };
  nest(0, {});
}

/// Sum of squares of x[r, lb:ub] (vector partial sums, then the tail).
static Value sumOfSquares(Emitter &e, Value x, Value r, Value lb, Value ub) {
  int64_t vw = e.vectorWidth();
  Value span = e.isub(ub, lb);
  Value vecEnd = e.iadd(lb, e.floorTo(span, vw));
  Value acc = e.forRangeIter(lb, vecEnd, e.c(vw), {e.splat(0.0, vw)},
                             [&](Value h, ValueRange it) -> SmallVector<Value> {
                               Value v = e.vload(x, {r, h}, vw);
                               return {e.fma(v, v, it[0])};
                             })[0];
  Value total = e.reduceAdd(acc);
  return e.forRangeIter(vecEnd, ub, e.c(1), {total},
                        [&](Value h, ValueRange it) -> SmallVector<Value> {
                          Value v = e.load(x, {r, h});
                          return {e.fma(v, v, it[0])};
                        })[0];
}

void mlir::tessera::x86::emitRMSNorm(Emitter &e, Value x, Value w, Value out,
                                     double eps) {
  Value rows = e.dim(x, 0), hidden = e.dim(x, 1);
  Value hiddenF = arith::UIToFPOp::create(
      e.builder(), e.location(), e.f32(),
      arith::IndexCastOp::create(e.builder(), e.location(),
                                 e.builder().getI64Type(), hidden));
  e.forRange(e.c(0), rows, [&](Value r) {
    Value ss = sumOfSquares(e, x, r, e.c(0), hidden);
    Value inv = e.rsqrt(e.add(e.div(ss, hiddenF), e.f(eps)));
    e.forVectorized(e.c(0), hidden, [&](Value h, int64_t vw) {
      if (vw == 1) {
        e.store(e.mul(e.mul(e.load(x, {r, h}), inv), e.load(w, {h})), out,
                {r, h});
        return;
      }
      Value v = e.mul(e.vload(x, {r, h}, vw), e.broadcast(inv, vw));
      e.vstore(e.mul(v, e.vload(w, {h}, vw)), out, {r, h});
    });
  });
}

void mlir::tessera::x86::emitAdd(Emitter &e, Value a, Value b, Value out) {
  e.forRange(e.c(0), e.dim(a, 0), [&](Value r) {
    e.forVectorized(e.c(0), e.dim(a, 1), [&](Value h, int64_t vw) {
      if (vw == 1)
        e.store(e.add(e.load(a, {r, h}), e.load(b, {r, h})), out, {r, h});
      else
        e.vstore(e.add(e.vload(a, {r, h}, vw), e.vload(b, {r, h}, vw)), out,
                 {r, h});
    });
  });
}

void mlir::tessera::x86::emitGatedRMSNorm(Emitter &e, Value y, Value z,
                                          Value w, Value out, double eps,
                                          int64_t groupSize) {
  Value rows = e.dim(y, 0), channels = e.dim(y, 1);
  Value groups = e.idiv(channels, e.c(groupSize));
  Value gsF = e.f(static_cast<double>(groupSize));
  e.forRange(e.c(0), rows, [&](Value r) {
    e.forRange(e.c(0), groups, [&](Value g) {
      Value lb = e.imul(g, e.c(groupSize));
      Value ub = e.iadd(lb, e.c(groupSize));
      // Pass 1: h = y * silu(z) into `out`, accumulating sum(h^2): vector
      // partial sums over whole vectors, then the lanes and the tail.
      int64_t vw = e.vectorWidth();
      Value vecEnd = e.iadd(lb, e.floorTo(e.c(groupSize), vw));
      auto gate = [&](Value h, int64_t w, Value acc) -> SmallVector<Value> {
        Value gated = e.mul(e.loadW(y, {r, h}, w), e.silu(e.loadW(z, {r, h}, w)));
        if (w == 1)
          e.store(gated, out, {r, h});
        else
          e.vstore(gated, out, {r, h});
        return {e.fma(gated, gated, acc)};
      };
      Value ss = e.forRangeIter(lb, vecEnd, e.c(vw), {e.constW(0.0, vw)},
                                [&](Value h, ValueRange it) {
                                  return gate(h, vw, it[0]);
                                })[0];
      if (vw > 1)
        ss = e.reduceAdd(ss);
      ss = e.forRangeIter(vecEnd, ub, e.c(1), {ss},
                          [&](Value h, ValueRange it) {
                            return gate(h, 1, it[0]);
                          })[0];
      Value inv = e.rsqrt(e.add(e.div(ss, gsF), e.f(eps)));
      // Pass 2: normalise and scale in place.
      e.forVectorized(lb, ub, [&](Value h, int64_t vw) {
        if (vw == 1) {
          e.store(e.mul(e.mul(e.load(out, {r, h}), inv), e.load(w, {h})), out,
                  {r, h});
          return;
        }
        Value v = e.mul(e.vload(out, {r, h}, vw), e.broadcast(inv, vw));
        e.vstore(e.mul(v, e.vload(w, {h}, vw)), out, {r, h});
      });
    });
  });
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

namespace {
/// Emits an `mr x nr` block of c starting at (m0, n0): the shared dot-product
/// micro-kernel over rows of a and rows of w, then bias, accumulation and
/// the epilogue in registers before the single store.
struct MatmulBlock {
  Emitter &e;
  Value a, w, bias, c;
  Epilogue epi;
  bool accumulate;
  Value kDim;

  void emit(Value m0, Value n0, int64_t mr, int64_t nr) {
    SmallVector<Value> rows, cols;
    for (int64_t i = 0; i < mr; ++i)
      rows.push_back(e.iadd(m0, e.c(i)));
    for (int64_t j = 0; j < nr; ++j)
      cols.push_back(e.iadd(n0, e.c(j)));
    SmallVector<Value> sums = emitDotBlock(e, a, rows, w, cols, kDim);
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) {
        Value v = sums[i * nr + j];
        if (bias)
          v = e.add(v, e.load(bias, {cols[j]}));
        if (accumulate)
          v = e.add(v, e.load(c, {rows[i], cols[j]}));
        if (epi == Epilogue::ReLU2) {
          Value r = e.max(v, e.f(0.0));
          v = e.mul(r, r);
        } else if (epi == Epilogue::SiLU) {
          v = e.silu(v);
        }
        e.store(v, c, {rows[i], cols[j]});
      }
  }
};
} // namespace

namespace {
/// Rows from which the per-call packing kernel pays for packing the weight.
constexpr int64_t kPackedMinRows = 16;
/// Rows of A per panel micro-kernel block.
constexpr int64_t kPackedRows = 6;

/// Where a panel micro-kernel reads its operands at K step `kk`: `nv`
/// vectors of weight columns, and row `r` of the row block [m0, m0 + mr) of
/// A broadcast to a vector. f32 steps (kp = 1) are one K index and FMAs;
/// bf16-dot steps (kp = 2) are one K pair and vdpbf16ps.
struct PanelOperands {
  std::function<Value(Value kk, int64_t v)> weight;
  std::function<Value(Value m0, int64_t mr, int64_t r, Value kk)> activation;
  bool bf16Dot = false;
  /// When set, called at each K step of single-row blocks (decode): hints
  /// the weight some steps ahead (kWeightPrefetchBytes).
  std::function<void(Value kk)> prefetchWeight = {};
};

/// The row blocks of the panel micro-kernel: kPackedRows rows up to
/// floor(m / kPackedRows) * kPackedRows, then one block of 3 when at least 3
/// remain, then single rows. `body(m0, mr)` once per block; with `parallel`
/// the full blocks are spread over threads (each writes its own rows).
void forEachRowBlock(Emitter &e, Value m,
                     const std::function<void(Value m0, int64_t mr)> &body,
                     bool parallel = false) {
  Value mFull = e.floorTo(m, kPackedRows);
  if (parallel)
    e.forParallel({e.c(0)}, {e.idiv(mFull, e.c(kPackedRows))},
                  [&](ValueRange iv) {
                    body(e.imul(iv[0], e.c(kPackedRows)), kPackedRows);
                  });
  else
    e.forRange(e.c(0), mFull, e.c(kPackedRows),
               [&](Value m0) { body(m0, kPackedRows); });
  Value three = e.icmp(arith::CmpIPredicate::sge, e.isub(m, mFull), e.c(3));
  e.ifThen(three, [&] { body(mFull, 3); });
  Value rest = e.select(three, e.iadd(mFull, e.c(3)), mFull);
  e.forRange(rest, m, [&](Value m0) { body(m0, 1); });
}

/// How far ahead of a single row's K step (decode) the pre-packed kernel
/// hints its weight stream, in bytes. With one row nothing is reused: the
/// product is a stream of the weight at memory bandwidth, and the hardware
/// prefetchers alone do not reach it with 32-byte loads (measured on a
/// 2-core Emerald Rapids VM, 280 MiB read by 2 threads: ymm loads 16 GB/s,
/// with a hint per cache line 8 KiB ahead 19-20 GB/s; zmm 22 -> 23-25).
/// Decode of the bench model (bench/cpu_e2e.py), same VM, alternated: AVX2
/// code 50 -> 68 tok/s, AVX-512 64 -> 77 (2, 4 and 16 KiB: within noise).
constexpr int64_t kWeightPrefetchBytes = 8192;

/// Rows from which packing A is spread over threads.
constexpr int64_t kParallelPackRows = 64;

/// A [M, S] (S K steps; f32, or i32 bf16 pairs) packed for the panel
/// micro-kernel: a flat [M * S] buffer in which the row block [m0, m0 + mr)
/// of forEachRowBlock starts at m0 * S and holds, for each K step, its mr
/// elements side by side. The micro-kernel then broadcasts from one
/// sequential stream instead of mr rows S elements apart: with S a power of
/// two (K = 1024: rows 4 KiB apart) those rows fall in the same L1 sets as
/// each other and evict the weight panel's block (measured: in_proj at
/// M = 512 on a 2-core Emerald Rapids VM: 159 -> 224-248 GFLOP/s, OpenBLAS
/// 172-247 in the same runs). Packing copies M * S
/// elements against the 2 * M * N * S flops that read them N times.
Value packActivations(Emitter &e, Value a, Value m, Value steps) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  auto type = cast<MemRefType>(a.getType());
  auto flatType =
      MemRefType::get({ShapedType::kDynamic}, type.getElementType());
  Value packed = memref::AllocOp::create(b, loc, flatType,
                                         ValueRange{e.imul(m, steps)},
                                         b.getI64IntegerAttr(64));
  auto pack = [&](bool parallel) {
    forEachRowBlock(
        e, m,
        [&](Value m0, int64_t mr) {
          Value base = e.imul(m0, steps);
          e.forRange(e.c(0), steps, [&](Value kk) {
            Value at = e.iadd(base, e.imul(kk, e.c(mr)));
            for (int64_t r = 0; r < mr; ++r) {
              Value x = memref::LoadOp::create(
                  b, loc, a, ValueRange{e.iadd(m0, e.c(r)), kk});
              memref::StoreOp::create(b, loc, x, packed,
                                      ValueRange{e.iadd(at, e.c(r))});
            }
          });
        },
        parallel);
  };
  Value many =
      e.icmp(arith::CmpIPredicate::sge, m, e.c(kParallelPackRows));
  auto ifOp = scf::IfOp::create(b, loc, many, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    pack(true);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    pack(false);
  }
  return packed;
}

/// The broadcast-FMA (or bf16-dot) micro-kernel over one panel of NR =
/// nv * vw columns of c starting at n0: MR x NV vector accumulators per K
/// block. `masks` (one per vector, or empty) select the columns that exist
/// in a panel past N.
struct PanelBlock {
  Emitter &e;
  Value bias, c;
  Epilogue epi;
  bool accumulate;
  int64_t nv;
  const PanelOperands &ops;
  /// With masks: the panel's bias as an f32 [NR] buffer, zero past N (a
  /// masked load of bf16 would legalise through a libcall without
  /// AVX512_BF16).
  Value biasPanel = {};

  Value loadC(Value row, Value col, Value mask) {
    int64_t vw = e.vectorWidth();
    return mask ? e.maskedLoad(c, {row, col}, mask, vw)
                : e.vload(c, {row, col}, vw);
  }
  void storeC(Value v, Value row, Value col, Value mask) {
    if (mask)
      e.maskedStore(v, c, {row, col}, mask);
    else
      e.vstore(v, c, {row, col});
  }

  /// c[m0:m0+mr, n0:n0+nv*vw] over K steps [k0, kEnd) of kSteps: starts
  /// from c after the first K block (or when accumulating), applies bias
  /// and the epilogue after the last.
  void emit(Value m0, int64_t mr, Value n0, ArrayRef<Value> masks, Value k0,
            Value kEnd, Value kSteps) {
    const int64_t vw = e.vectorWidth();
    OpBuilder &b = e.builder();
    Location loc = e.location();
    SmallVector<Value> rows, cols, init;
    for (int64_t r = 0; r < mr; ++r)
      rows.push_back(e.iadd(m0, e.c(r)));
    for (int64_t v = 0; v < nv; ++v)
      cols.push_back(e.iadd(n0, e.c(v * vw)));
    auto mask = [&](int64_t v) { return masks.empty() ? Value() : masks[v]; };
    Value fromC = e.icmp(arith::CmpIPredicate::ne, k0, e.c(0));
    if (accumulate)
      fromC = arith::ConstantIntOp::create(b, loc, 1, 1);
    Value zero = e.splat(0.0, vw);
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t v = 0; v < nv; ++v)
        init.push_back(
            e.select(fromC, loadC(rows[r], cols[v], mask(v)), zero));
    auto step = [&](Value kk, ValueRange it) -> SmallVector<Value> {
      SmallVector<Value> wv, next;
      if (mr == 1 && ops.prefetchWeight)
        ops.prefetchWeight(kk);
      for (int64_t v = 0; v < nv; ++v)
        wv.push_back(ops.weight(kk, v));
      for (int64_t r = 0; r < mr; ++r) {
        Value ar = ops.activation(m0, mr, r, kk);
        for (int64_t v = 0; v < nv; ++v)
          next.push_back(ops.bf16Dot ? e.bf16Dot(it[r * nv + v], ar, wv[v])
                                     : e.fma(ar, wv[v], it[r * nv + v]));
      }
      return next;
    };
    // Two K steps per iteration (LLVM leaves a loop body this large rolled:
    // the loop's own index and pointer updates then take a sixth of the
    // issue slots of a 6 x 2 AVX2 block), then an odd last step. Measured
    // (2-core Emerald Rapids VM, M = 512, alternated): AVX2 +3..15% on the
    // bench shapes, AVX-512 unchanged within noise.
    constexpr int64_t unroll = 2;
    Value kPairsEnd = e.iadd(k0, e.floorTo(e.isub(kEnd, k0), unroll));
    SmallVector<Value> acc = e.forRangeIter(
        k0, kPairsEnd, e.c(unroll), init,
        [&](Value kk, ValueRange it) -> SmallVector<Value> {
          SmallVector<Value> cur(it.begin(), it.end());
          for (int64_t u = 0; u < unroll; ++u)
            cur = step(e.iadd(kk, e.c(u)), cur);
          return cur;
        });
    acc = e.forRangeIter(kPairsEnd, kEnd, e.c(1), acc, step);
    Value last = e.icmp(arith::CmpIPredicate::eq, kEnd, kSteps);
    auto ifOp = scf::IfOp::create(b, loc, last, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t v = 0; v < nv; ++v) {
        Value x = acc[r * nv + v];
        if (bias)
          x = e.add(x, biasPanel ? e.vload(biasPanel, {e.c(v * vw)}, vw)
                                 : e.vload(bias, {cols[v]}, vw));
        if (epi == Epilogue::ReLU2) {
          Value p = e.max(x, zero);
          x = e.mul(p, p);
        } else if (epi == Epilogue::SiLU) {
          x = e.silu(x);
        }
        storeC(x, rows[r], cols[v], mask(v));
      }
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t v = 0; v < nv; ++v)
        storeC(acc[r * nv + v], rows[r], cols[v], mask(v));
  }

  /// Every row of A over K steps [k0, kEnd), in forEachRowBlock's blocks.
  void emitRows(Value m, ArrayRef<Value> masks, Value n0, Value k0, Value kEnd,
                Value kSteps) {
    forEachRowBlock(e, m, [&](Value m0, int64_t mr) {
      emit(m0, mr, n0, masks, k0, kEnd, kSteps);
    });
  }
};

/// Broadcast-FMA matmul over panels of weight columns packed per call (see
/// emitMatmul): columns [nLo, nLo + panels * nv * vw) of c.
struct PackedMatmul {
  Emitter &e;
  Value a, w, bias, c;
  Epilogue epi;
  bool accumulate;
  int64_t blockK;

  void emit(Value nLo, Value panels, int64_t nv) {
    const int64_t vw = e.vectorWidth();
    const int64_t nr = nv * vw;
    Value m = e.dim(a, 0), k = e.dim(a, 1);
    // Threads take whole panels: each packs its panel once and runs every
    // row of A over it.
    e.forParallel({e.c(0)}, {panels}, [&](ValueRange iv) {
      Value n0 = e.iadd(nLo, e.imul(iv[0], e.c(nr)));
      // wp[kk, j] = w[n0 + j, kk]: one K step's nr columns are contiguous.
      Value wp = e.alloc({ShapedType::kDynamic, nr}, {k});
      e.forRange(e.c(0), e.c(nr), [&](Value j) {
        Value col = e.iadd(n0, j);
        e.forRange(e.c(0), k, [&](Value kk) {
          e.store(e.load(w, {col, kk}), wp, {kk, j});
        });
      });
      PanelOperands ops{
          [&](Value kk, int64_t v) {
            return e.vload(wp, {kk, e.c(v * vw)}, vw);
          },
          [&](Value m0, int64_t, int64_t r, Value kk) {
            return e.broadcast(e.load(a, {e.iadd(m0, e.c(r)), kk}), vw);
          }};
      PanelBlock block{e, bias, c, epi, accumulate, nv, ops};
      e.forRange(e.c(0), k, e.c(blockK), [&](Value k0) {
        Value kEnd = e.imin(e.iadd(k0, e.c(blockK)), k);
        block.emitRows(m, {}, n0, k0, kEnd, k);
      });
      e.dealloc(wp);
    });
  }
};

/// The dot-product kernel over columns [nLo, N) of c.
void emitDotMatmul(Emitter &e, Value a, Value w, Value bias, Value c,
                   Epilogue epi, bool accumulate, const MatmulTiling &tiling,
                   Value nLo);
} // namespace

void mlir::tessera::x86::emitMatmul(Emitter &e, Value a, Value w, Value bias,
                                    Value c, Epilogue epi, bool accumulate,
                                    const MatmulTiling &tiling) {
  const int64_t vw = e.vectorWidth();
  if (vw == 1) {
    emitDotMatmul(e, a, w, bias, c, epi, accumulate, tiling, e.c(0));
    return;
  }
  // Many rows: packed panels of nv vectors, then of single vectors; the
  // last N % vw columns (and calls with few rows) take the dot kernel.
  Value m = e.dim(a, 0), n = e.dim(w, 0);
  const int64_t nv = packedPanelColumns(vw) / vw;
  Value many = e.icmp(arith::CmpIPredicate::sge, m, e.c(kPackedMinRows));
  auto ifOp = scf::IfOp::create(e.builder(), e.location(), many,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(e.builder());
  e.builder().setInsertionPointToStart(&ifOp.getThenRegion().front());
  PackedMatmul packed{e, a, w, bias, c, epi, accumulate, tiling.blockK};
  Value wide = e.idiv(n, e.c(nv * vw));
  packed.emit(e.c(0), wide, nv);
  Value done = e.imul(wide, e.c(nv * vw));
  Value single = e.idiv(e.isub(n, done), e.c(vw));
  packed.emit(done, single, 1);
  Value rest = e.iadd(done, e.imul(single, e.c(vw)));
  emitDotMatmul(e, a, w, bias, c, epi, accumulate, tiling, rest);
  e.builder().setInsertionPointToStart(&ifOp.getElseRegion().front());
  emitDotMatmul(e, a, w, bias, c, epi, accumulate, tiling, e.c(0));
}

namespace {
/// Rows of A per AMX row block: two 16-row A tiles.
constexpr int64_t kAmxRows = 32;

/// c = epi(a @ W^T + bias) (or += with `accumulate`) on AMX tiles, for
/// bf16 K-pair panels of 64 columns with K2 (a multiple of 16) pairs:
/// `aTiles` is A rounded to bf16 with zero rows up to a multiple of 32, in
/// tile order: tile (r / 16, k / 32) of 16 rows x 32 elements at
/// ((r / 16) * K2 / 16 + k / 32) * 512, so that each A tile is 1 KiB
/// contiguous (rows 2 K bytes apart would fall into two L1 sets at
/// K = 1024; measured 490-510 -> 510-610 GFLOP/s on the bench shapes, within
/// this VM's noise; a software prefetch of the next K step's tiles gave
/// nothing measurable and is not emitted); `wFlat` the panels as
/// [P, K2, 128] bf16 (each K pair's row of 64 column pairs). A panel's two halves of 32 columns are the threads'
/// work items; each runs 32-row blocks of A over all of K with the eight
/// tile registers as 2 x 2 f32 accumulator tiles C (16 x 16), two A tiles
/// (16 rows x 16 K pairs) and two B tiles (16 K pairs x 16 column pairs,
/// rows 256 bytes apart in the panel), then applies the epilogue from a
/// 32 x 32 scratch buffer with masked stores (rows past M and columns past N
/// are dropped there).
void emitAmxPanelMatmul(Emitter &e, Value aTiles, Value wFlat, Value bias,
                        Value c, Epilogue epi, bool accumulate, Value m,
                        Value n, Value panels, int64_t k2) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  constexpr int64_t nr = 64, half = 32, lanes = 16;
  Type bf16 = b.getBF16Type();
  auto inTile = amx::TileType::get({16, 32}, bf16);
  auto accTile = amx::TileType::get({16, 16}, b.getF32Type());
  Value wLinear = memref::CollapseShapeOp::create(
      b, loc, wFlat, SmallVector<ReassociationIndices>{{0, 1, 2}});
  Value lda = e.c(32), ldb = e.c(2 * nr), ldc = e.c(half);
  Value mPad = e.imul(e.ceilDiv(m, kAmxRows), e.c(kAmxRows));
  // The bias over every panel's columns as f32, zero past N.
  Value biasAll;
  if (bias) {
    Value cols = e.imul(panels, e.c(nr));
    biasAll = e.alloc({ShapedType::kDynamic}, {cols});
    Value last = e.isub(n, e.c(1));
    e.forRange(e.c(0), cols, [&](Value j) {
      Value in = e.icmp(arith::CmpIPredicate::slt, j, n);
      e.store(e.select(in, e.load(bias, {e.imin(j, last)}), e.f(0.0)),
              biasAll, {j});
    });
  }
  e.forParallel({e.c(0)}, {e.imul(panels, e.c(2))}, [&](ValueRange iv) {
    Value p = e.idiv(iv[0], e.c(2));
    Value n0 = e.iadd(e.imul(p, e.c(nr)),
                      e.imul(e.irem(iv[0], e.c(2)), e.c(half)));
    // Element offset of (p, 0, column pair n0 - p * nr) in wLinear.
    Value wBase = e.iadd(e.imul(p, e.c(k2 * 2 * nr)),
                         e.imul(e.isub(n0, e.imul(p, e.c(nr))), e.c(2)));
    e.ifThen(e.icmp(arith::CmpIPredicate::slt, n0, n), [&] {
      // The accumulator tiles' way to the epilogue: the work item's own heap
      // block (the runtime's arena; a stack buffer in an OpenMP loop body
      // would need an alloca scope around loops, which scf-to-cf breaks).
      Value scratch = e.alloc({kAmxRows * half}, {});
      {
        e.forRange(e.c(0), mPad, e.c(kAmxRows), [&](Value m0) {
          SmallVector<Value> init;
          for (int i = 0; i < 4; ++i)
            init.push_back(amx::TileZeroOp::create(b, loc, accTile));
          // The first tile of each of the block's two 16-row tile rows.
          Value aRow0 = e.imul(e.idiv(m0, e.c(16)), e.c(k2 / 16 * 512));
          Value aRow1 = e.iadd(aRow0, e.c(k2 / 16 * 512));
          SmallVector<Value> acc = e.forRangeIter(
              e.c(0), e.c(k2), e.c(16), init,
              [&](Value kk, ValueRange it) -> SmallVector<Value> {
                Value ak = e.imul(kk, e.c(32)); // tile kk / 16, 512 each
                Value a0 = amx::TileLoadOp::create(
                    b, loc, inTile, aTiles, ValueRange{e.iadd(aRow0, ak)},
                    lda);
                Value a1 = amx::TileLoadOp::create(
                    b, loc, inTile, aTiles, ValueRange{e.iadd(aRow1, ak)},
                    lda);
                Value wk = e.iadd(wBase, e.imul(kk, ldb));
                Value b0 = amx::TileLoadOp::create(b, loc, inTile, wLinear,
                                                   ValueRange{wk}, ldb);
                Value b1 = amx::TileLoadOp::create(
                    b, loc, inTile, wLinear, ValueRange{e.iadd(wk, e.c(32))},
                    ldb);
                auto mul = [&](Value x, Value y, Value acc) -> Value {
                  return amx::TileMulFOp::create(b, loc, accTile, x, y, acc);
                };
                return {mul(a0, b0, it[0]), mul(a0, b1, it[1]),
                        mul(a1, b0, it[2]), mul(a1, b1, it[3])};
              });
          for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 2; ++j)
              amx::TileStoreOp::create(
                  b, loc, scratch, ValueRange{e.c(16 * i * half + 16 * j)},
                  acc[2 * i + j], ldc);
          Value rows = e.imin(e.c(kAmxRows), e.isub(m, m0));
          e.forRange(e.c(0), rows, [&](Value r) {
            Value row = e.iadd(m0, r);
            for (int64_t t = 0; t < half / lanes; ++t) {
              Value col = e.iadd(n0, e.c(t * lanes));
              Value mask = e.laneMask(e.isub(n, col), lanes);
              Value at = e.iadd(e.imul(r, e.c(half)), e.c(t * lanes));
              Value x = e.vload(scratch, {at}, lanes);
              if (accumulate)
                x = e.add(x, e.maskedLoad(c, {row, col}, mask, lanes));
              if (biasAll)
                x = e.add(x, e.vload(biasAll, {col}, lanes));
              if (epi == Epilogue::ReLU2) {
                Value q = e.max(x, e.splat(0.0, lanes));
                x = e.mul(q, q);
              } else if (epi == Epilogue::SiLU) {
                x = e.silu(x);
              }
              e.maskedStore(x, c, {row, col}, mask);
            }
          });
        });
      }
      e.dealloc(scratch);
    });
  });
  if (biasAll)
    e.dealloc(biasAll);
}
} // namespace

void mlir::tessera::x86::emitPrepackedMatmul(Emitter &e, Value a, Value wp,
                                             Value bias, Value c, Epilogue epi,
                                             bool accumulate,
                                             const MatmulTiling &tiling,
                                             int64_t panelCols, int64_t kPack) {
  const int64_t vw = e.vectorWidth();
  assert(panelCols % vw == 0 && (kPack == 1 || kPack == 2) &&
         "checked by readX86Config");
  const int64_t nv = panelCols / vw;
  OpBuilder &b = e.builder();
  Location loc = e.location();
  Value m = e.dim(a, 0), k = e.dim(a, 1), n = e.dim(c, 1);
  Value panels = e.dim(wp, 0);
  Value kSteps = k, aPairs, aBytes;
  int64_t blockSteps = tiling.blockK;
  // AMX tiles (many rows; K pairs a multiple of the 16 per A tile).
  int64_t packedPairs = cast<MemRefType>(wp.getType()).getDimSize(1);
  const bool amx = kPack == 2 && tiling.amxBF16 && vw == 16 &&
                   panelCols == 64 && !ShapedType::isDynamic(packedPairs) &&
                   packedPairs % 16 == 0;
  Value aHalf, aTiles;
  std::function<void(bool)> convertA;
  if (kPack == 2) {
    // vdpbf16ps multiplies bf16 pairs: A is rounded to bf16 once per call
    // (round to nearest even), [M, 2 * ceil(K / 2)] with a zero pad column
    // for odd K, and read as one i32 (a[k], a[k + 1]) per K pair. For AMX,
    // zero rows up to a multiple of its 32-row blocks follow.
    Value k2 = e.ceilDiv(k, 2);
    kSteps = k2;
    blockSteps = std::max<int64_t>(1, tiling.blockK / 2);
    Type i8 = b.getI8Type(), i32 = b.getI32Type(), bf16 = b.getBF16Type();
    Value rows = amx ? e.imul(e.ceilDiv(m, kAmxRows), e.c(kAmxRows)) : m;
    aBytes = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, i8),
        ValueRange{e.imul(e.imul(rows, k2), e.c(4))}, b.getI64IntegerAttr(64));
    aHalf = memref::ViewOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, bf16),
        aBytes, e.c(0), ValueRange{rows, e.imul(k2, e.c(2))});
    aPairs = memref::ViewOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, i32),
        aBytes, e.c(0), ValueRange{m, k2});
    // Whole vectors only (a scalar f32 -> bf16 truncation would be a
    // libcall): the tail, the pad column and the pad rows through masks.
    // For AMX, A goes straight into tile order (emitAmxPanelMatmul).
    Value k2x2 = e.imul(k2, e.c(2));
    aTiles = memref::ViewOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, bf16), aBytes, e.c(0),
        ValueRange{e.imul(rows, k2x2)});
    convertA = [&, rows, k2x2](bool tiles) {
      e.forRange(e.c(0), tiles ? rows : m, [&](Value r) {
        Value inA = e.icmp(arith::CmpIPredicate::slt, r, m);
        Value row = e.imin(r, e.isub(m, e.c(1)));
        e.forRange(e.c(0), k2x2, e.c(vw), [&](Value h) {
          Value valid = e.select(inA, e.isub(k, h), e.c(0));
          Value v = e.maskedLoad(a, {row, h}, e.laneMask(valid, vw), vw);
          if (!tiles) {
            e.maskedStore(v, aHalf, {r, h}, e.laneMask(e.isub(k2x2, h), vw));
            return;
          }
          // Tile (r / 16, h / 32) of 16 x 32 elements, row r % 16.
          Value tile =
              e.iadd(e.imul(e.idiv(r, e.c(16)), e.c(packedPairs / 16)),
                     e.idiv(h, e.c(32)));
          Value at = e.iadd(e.imul(tile, e.c(16 * 32)),
                            e.iadd(e.imul(e.irem(r, e.c(16)), e.c(32)),
                                   e.irem(h, e.c(32))));
          e.vstore(v, aTiles, {at});
        });
      });
    };
  }
  Value wFlat = wp;
  if (kPack == 2) // [P, K2, NR, 2] -> [P, K2, 2 NR]: a K pair's panel row
    wFlat = memref::CollapseShapeOp::create(
        b, loc, wp, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  // The panel micro-kernel (every row count without AMX; few rows with it).
  auto panelKernel = [&] {
    // A (or its bf16 pairs) in the micro-kernel's row-block order.
    Value aPacked = packActivations(e, kPack == 1 ? a : aPairs, m, kSteps);
    // The bias of the last panel (the only one that may reach past N), as
    // f32 with zeros past N, for the masked epilogue.
    Value biasTail;
    if (bias) {
      biasTail = e.alloc({panelCols}, {});
      Value n0 = e.imul(e.isub(panels, e.c(1)), e.c(panelCols));
      Value last = e.isub(n, e.c(1));
      e.forRange(e.c(0), e.c(panelCols), [&](Value j) {
        Value col = e.iadd(n0, j);
        Value in = e.icmp(arith::CmpIPredicate::slt, col, n);
        Value x = e.load(bias, {e.imin(col, last)});
        e.store(e.select(in, x, e.f(0.0)), biasTail, {j});
      });
    }
    // Decode's weight stream: one hint per cache line of the step
    // kWeightPrefetchBytes ahead, in the whole packed weight seen flat (a
    // thread's panels are consecutive, so the hint runs on into the next
    // panel), clamped to its last element.
    const int64_t stepElems = kPack == 1 ? panelCols : 2 * panelCols;
    const int64_t elemBytes = kPack == 1 ? 4 : 2;
    const int64_t lineElems = 64 / elemBytes;
    const int64_t aheadElems = std::max<int64_t>(
        stepElems, kWeightPrefetchBytes / elemBytes / stepElems * stepElems);
    Value wLinear = memref::CollapseShapeOp::create(
        b, loc, wFlat, SmallVector<ReassociationIndices>{{0, 1, 2}});
    Value wLast = e.isub(e.dim(wLinear, 0), e.c(1));
    // Row r of the block at m0, K step kk, in aPacked (packActivations).
    auto packedIndex = [&](Value m0, int64_t mr, int64_t r, Value kk) {
      return e.iadd(e.iadd(e.imul(m0, kSteps), e.imul(kk, e.c(mr))), e.c(r));
    };
    // Threads take whole panels, each panel streams past every row of A.
    e.forParallel({e.c(0)}, {panels}, [&](ValueRange iv) {
      Value p = iv[0];
      Value n0 = e.imul(p, e.c(panelCols));
      PanelOperands ops;
      if (kPack == 1) { // wp[p, kk, j] = W[p * NR + j, kk]
        ops.weight = [&](Value kk, int64_t v) {
          return e.vload(wFlat, {p, kk, e.c(v * vw)}, vw);
        };
        ops.activation = [&](Value m0, int64_t mr, int64_t r, Value kk) {
          return e.broadcast(e.load(aPacked, {packedIndex(m0, mr, r, kk)}), vw);
        };
      } else {
        auto pairType = VectorType::get({2 * vw}, b.getBF16Type());
        ops.bf16Dot = true;
        ops.weight = [&, pairType](Value kk, int64_t v) -> Value {
          return vector::LoadOp::create(b, loc, pairType, wFlat,
                                        ValueRange{p, kk, e.c(2 * v * vw)});
        };
        ops.activation = [&, pairType](Value m0, int64_t mr, int64_t r,
                                       Value kk) -> Value {
          Value pair = memref::LoadOp::create(
              b, loc, aPacked, ValueRange{packedIndex(m0, mr, r, kk)});
          Value splat = vector::BroadcastOp::create(
              b, loc, VectorType::get({vw}, b.getI32Type()), pair);
          return vector::BitCastOp::create(b, loc, pairType, splat);
        };
      }
      ops.prefetchWeight = [&, p](Value kk) {
        Value at = e.iadd(e.imul(e.iadd(e.imul(p, kSteps), kk), e.c(stepElems)),
                          e.c(aheadElems));
        for (int64_t l = 0; l < stepElems; l += lineElems)
          e.prefetch(wLinear, {e.imin(e.iadd(at, e.c(l)), wLast)});
      };
      // The last panel may reach past N: masked loads and stores of c there.
      Value valid = e.isub(n, n0);
      Value full = e.icmp(arith::CmpIPredicate::sge, valid, e.c(panelCols));
      PanelBlock block{e, bias, c, epi, accumulate, nv, ops};
      auto body = [&](ArrayRef<Value> masks) {
        e.forRange(e.c(0), kSteps, e.c(blockSteps), [&](Value k0) {
          Value kEnd = e.imin(e.iadd(k0, e.c(blockSteps)), kSteps);
          block.emitRows(m, masks, n0, k0, kEnd, kSteps);
        });
      };
      auto ifOp = scf::IfOp::create(b, loc, full, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      body({});
      b.setInsertionPointToStart(&ifOp.getElseRegion().front());
      SmallVector<Value> masks;
      for (int64_t v = 0; v < nv; ++v)
        masks.push_back(e.laneMask(e.isub(valid, e.c(v * vw)), vw));
      block.biasPanel = biasTail;
      body(masks);
    });
    if (biasTail)
      e.dealloc(biasTail);
    e.dealloc(aPacked);
  };
  if (amx) {
    Value many = e.icmp(arith::CmpIPredicate::sge, m, e.c(16));
    auto ifOp = scf::IfOp::create(b, loc, many, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    convertA(/*tiles=*/true);
    emitAmxPanelMatmul(e, aTiles, wFlat, bias, c, epi, accumulate, m, n, panels,
                       packedPairs);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    convertA(/*tiles=*/false);
    panelKernel();
  } else {
    if (convertA)
      convertA(/*tiles=*/false);
    panelKernel();
  }
  if (aBytes)
    e.dealloc(aBytes);
}

namespace {
void emitDotMatmul(Emitter &e, Value a, Value w, Value bias, Value c,
                   Epilogue epi, bool accumulate, const MatmulTiling &tiling,
                   Value nLo) {

  // Register block: MR rows of `a` times NR rows of `w` keeps MR*NR vector
  // accumulators plus MR+NR loaded vectors live (the default 3 x 4 with
  // 8-wide AVX2 vectors: 12 + 7 fit the 16 ymm registers after LLVM reuses
  // the loads). Chosen per op by the lowering config.
  const int64_t MR = tiling.registerRows, NR = tiling.registerCols;
  Value m = e.dim(a, 0), n = e.dim(w, 0), k = e.dim(a, 1);
  MatmulBlock block{e, a, w, bias, c, epi, accumulate, k};
  // Cache blocking: a panel of MB token rows of `a` (MB * K floats: 192 KiB
  // for MB = 48, K = 1024) stays in L2 while every NR-row panel of the
  // weight (in L1) streams past it once. Without it, all of `a` would be
  // re-read from L3 for every weight panel.
  const int64_t MB = tiling.rowPanel; // a multiple of MR
  Value nFull = e.iadd(nLo, e.floorTo(e.isub(n, nLo), NR));
  e.forRange(e.c(0), m, e.c(MB), [&](Value mb) {
    Value mEnd = e.imin(e.iadd(mb, e.c(MB)), m);
    Value mFull = e.iadd(mb, e.floorTo(e.isub(mEnd, mb), MR));
    // Threads split the weight's NR-row panels (the A panel is shared, each
    // weight panel is read by one thread): one parallel loop per row panel.
    e.forParallel({e.c(0)}, {e.idiv(e.isub(n, nLo), e.c(NR))},
                  [&](ValueRange iv) {
      Value n0 = e.iadd(nLo, e.imul(iv[0], e.c(NR)));
      e.forRange(mb, mFull, e.c(MR), [&](Value m0) { block.emit(m0, n0, MR, NR); });
      e.forRange(mFull, mEnd, [&](Value m0) { block.emit(m0, n0, 1, NR); });
    });
    e.forRange(nFull, n, [&](Value n0) {
      e.forRange(mb, mFull, e.c(MR), [&](Value m0) { block.emit(m0, n0, MR, 1); });
      e.forRange(mFull, mEnd, [&](Value m0) { block.emit(m0, n0, 1, 1); });
    });
  });
}
} // namespace

void mlir::tessera::x86::emitCopy(Emitter &e, Value src, Value dst) {
  int64_t rank = cast<MemRefType>(src.getType()).getRank();
  std::function<void(int64_t, SmallVector<Value>)> nest =
      [&](int64_t d, SmallVector<Value> ivs) {
        if (d + 1 >= rank) {
          auto body = [&](Value iv, int64_t w) {
            SmallVector<Value> idx(ivs);
            if (rank > 0)
              idx.push_back(iv);
            if (w == 1)
              e.store(e.load(src, idx), dst, idx);
            else
              e.vstore(e.vload(src, idx, w), dst, idx);
          };
          if (rank == 0)
            body(Value(), 1);
          else
            e.forVectorized(e.c(0), e.dim(src, rank - 1), body);
          return;
        }
        e.forRange(e.c(0), e.dim(src, d), [&](Value iv) {
          SmallVector<Value> next(ivs);
          next.push_back(iv);
          nest(d + 1, next);
        });
      };
  nest(0, {});
}
