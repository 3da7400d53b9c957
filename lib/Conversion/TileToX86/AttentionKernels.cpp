//===- AttentionKernels.cpp - x86 emitters: flash attention, KV cache -----===//
//
// Part of convert-tile-to-x86: the attention layer's core.
//
// Flash attention walks the keys of one query row in blocks of `blockK` with
// an online softmax: per row a running max m, a running sum l and an f32
// accumulator acc[D]; per block
//   1. scores  s_j = scale * q·k_j                (into a stack buffer)
//   2. m' = max(m, max_j s_j), alpha = exp(m - m'),
//      p_j = exp(s_j - m'), l' = alpha * l + sum_j p_j
//   3. acc' = alpha * acc + sum_j p_j v_j
// and finally out = acc / l.
//
// A "row" is one (query position, query head). All G = Hq/Hkv query heads
// that share a KV head are processed together (GQA by index mapping: K/V are
// never repeated), so every K and V row is read from memory once per query
// position for the whole group. Causal masking is bottom-right aligned: query
// s sees keys j < s + T - S + 1, and since all rows of a group share the query
// position, that bound is simply the key loop's upper bound -- no key block
// past it is ever visited and no element-wise mask is needed. For decode
// (S = 1) this is the whole kernel: one pass over the cache per KV head.
//
// Vectorisation (D static, cut into vector chunks of the emitter's width, plus
// a narrower one when D is not a multiple of it); the group's heads are split
// into register tiles of at most 6 heads:
//   * scores: a (heads x keys) register block of vector dot-product
//     accumulators (<= 12), looping over D: each K chunk is loaded once for
//     the tile's heads, each Q chunk once for its keys. The dot products are
//     then reduced W at a time by a transpose-and-add shuffle tree
//     (Emitter::reduceAddLanes) into vectors of scores, scaled and stored as
//     lane runs, with the block max kept per lane;
//   * softmax: exp (Emitter::fastExp, a vectorisable polynomial instead of a
//     libm call per lane) and row sums vectorised along the key block;
//   * P·V: for a few D chunks at a time, the tile's accumulators (<= 12
//     vectors) are carried in registers through the key block; each V chunk
//     is loaded once for the tile and multiplied by broadcast probabilities.
//     Since that reads V column-chunk-wise, the scores pass prefetches the V
//     rows it is about to need (this halves decode time on long caches).
// Scratch (scores [G, blockK], accumulators [G, D]) is allocated per
// (batch, KV head) iteration, which run on threads (OpenMP): a heap buffer
// rather than an alloca, whose scope could not span the lowered loop.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tessera::x86;

namespace {

/// A slice [offset, offset + width) of the head dimension, one vector.
struct Chunk {
  int64_t offset, width;
};

/// A register block of query heads [first, first + rows) of a group, with the
/// number of keys (scores) or D chunks (P·V) it handles at a time.
struct Tile {
  int64_t first, rows, inner;
};

/// Register budget of the micro-kernels, in vector accumulators: with the
/// loaded operands (one K/V chunk per key/chunk, one Q chunk or broadcast
/// probability) it stays within the 16 AVX2 registers, like the matmul's.
constexpr int64_t kAccRegs = 12;
/// Most heads in one register block.
constexpr int64_t kMaxTileRows = 6;

struct FlashAttention {
  Emitter &e;
  Value q, k, v, out;
  double scale;
  bool causal;
  int64_t blockK;
  Value kvLen; // valid keys of a cache (null: all of k)

  int64_t headDim, group;
  SmallVector<Chunk> chunks;
  SmallVector<Tile> scoreTiles, pvTiles;
  Value negInf;

  FlashAttention(Emitter &e, Value q, Value k, Value v, Value out, double scale,
                 bool causal, int64_t blockK, Value kvLen)
      : e(e), q(q), k(k), v(v), out(out), scale(scale), causal(causal),
        kvLen(kvLen) {
    auto qType = cast<MemRefType>(q.getType());
    auto kType = cast<MemRefType>(k.getType());
    int64_t hq = qType.getDimSize(2), hkv = kType.getDimSize(1);
    headDim = qType.getDimSize(3);
    assert(!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
           !ShapedType::isDynamic(headDim) && hq % hkv == 0 &&
           "flash attention needs static Hq, Hkv (dividing Hq) and D");
    group = hq / hkv;
    int64_t vw = e.vectorWidth();
    // The block size does not change the result; it is bounded so that the
    // scores buffer stays a small stack object (<= 64 KiB).
    this->blockK =
        std::clamp<int64_t>(blockK, 1, std::max<int64_t>(vw, 16384 / group));
    for (int64_t off = 0; off < headDim; off += vw)
      chunks.push_back({off, std::min(vw, headDim - off)});
    // The group's heads in balanced register blocks of at most kMaxTileRows.
    int64_t nTiles = (group + kMaxTileRows - 1) / kMaxTileRows;
    for (int64_t t = 0, first = 0; t < nTiles; ++t) {
      int64_t rows = group / nTiles + (t < group % nTiles ? 1 : 0);
      int64_t perRow = std::max<int64_t>(kAccRegs / rows, 1);
      // Keys per step: a power of two, so that a head's scores are runs of
      // whole lanes of the reduced vectors (see emitScores).
      int64_t keys = std::min<int64_t>(llvm::bit_floor(uint64_t(perRow)), 8);
      scoreTiles.push_back({first, rows, keys});
      pvTiles.push_back(
          {first, rows,
           std::min<int64_t>(perRow, static_cast<int64_t>(chunks.size()))});
      first += rows;
    }
  }

  void emit() {
    Value batch = e.dim(q, 0), seq = e.dim(q, 1);
    Value keys = kvLen ? kvLen : e.dim(k, 2);
    int64_t hkv = cast<MemRefType>(k.getType()).getDimSize(1);
    negInf = e.f(-std::numeric_limits<double>::infinity());
    // (batch, KV head) iterations run on threads, each with its scratch.
    e.forParallel({e.c(0), e.c(0)}, {batch, e.c(hkv)}, [&](ValueRange iv) {
      Value b = iv[0], kvh = iv[1];
      {
        {
          Value scores = e.alloc({group, blockK}, {});
          Value acc = e.alloc({group, headDim}, {});
          Value h0 = e.imul(kvh, e.c(group));
          e.forRange(e.c(0), seq, [&](Value s) {
            Value kvEnd = keys;
            if (causal) {
              // Keys j <= s + T - S, clamped to [0, T].
              Value last = e.iadd(s, e.isub(keys, seq));
              kvEnd = e.imin(e.imax(e.iadd(last, e.c(1)), e.c(0)), keys);
            }
            emitRow(b, kvh, h0, s, kvEnd, scores, acc);
          });
          e.dealloc(acc);
          e.dealloc(scores);
        }
      }
    });
  }

  /// One query position `s`: all heads h0 .. h0 + group - 1 of KV head `kvh`
  /// over keys [0, kvEnd).
  void emitRow(Value b, Value kvh, Value h0, Value s, Value kvEnd,
               Value scores, Value acc) {
    int64_t rows = group;
    SmallVector<Value> heads;
    for (int64_t g = 0; g < rows; ++g)
      heads.push_back(e.iadd(h0, e.c(g)));

    // Small head dims (a register block's query chunks fit in 8 registers):
    // the query is loaded once per row and the D loop fully unrolled.
    // Otherwise the scores loop over D re-reads the query chunks (L1).
    int64_t nChunks = static_cast<int64_t>(chunks.size());
    bool qInRegs = true;
    for (const Tile &t : scoreTiles)
      qInRegs &= t.rows * nChunks <= 8;
    SmallVector<Value> qRegs;
    if (qInRegs)
      for (int64_t g = 0; g < rows; ++g)
        for (const Chunk &c : chunks)
          qRegs.push_back(e.vload(q, {b, s, heads[g], e.c(c.offset)}, c.width));
    // Chunk `ci` (-1: inside the loop over D) of head g's query, at `off`.
    QChunkFn qChunk = [&](int64_t g, int64_t ci, Value off, int64_t width) {
      if (qInRegs && ci >= 0)
        return qRegs[g * nChunks + ci];
      return e.vload(q, {b, s, heads[g], off}, width);
    };

    for (int64_t g = 0; g < rows; ++g)
      for (const Chunk &c : chunks)
        e.vstore(e.splat(0.0, c.width), acc, {e.c(g), e.c(c.offset)});

    SmallVector<Value> init(rows, negInf);
    init.append(rows, e.f(0.0));
    SmallVector<Value> state = e.forRangeIter(
        e.c(0), kvEnd, e.c(blockK), init,
        [&](Value j0, ValueRange it) -> SmallVector<Value> {
          Value n = e.imin(e.c(blockK), e.isub(kvEnd, j0));
          SmallVector<Value> m(it.take_front(rows)), l(it.drop_front(rows));
          // 1. Scores and each head's running max (m' = max(m, block max)).
          SmallVector<Value> mNew(m);
          for (const Tile &t : scoreTiles)
            emitScores(t, b, kvh, j0, n, scores, !qInRegs, qChunk, mNew);
          // 2. Online softmax: p = exp(s - m'), l' = alpha l + sum p.
          SmallVector<Value> alpha, next;
          for (int64_t g = 0; g < rows; ++g) {
            alpha.push_back(e.fastExp(e.sub(m[g], mNew[g])));
            Value sum = emitExpRow(scores, g, n, mNew[g]);
            l[g] = e.fma(l[g], alpha[g], sum);
          }
          // 3. acc = alpha acc + P V.
          for (const Tile &t : pvTiles)
            emitPV(t, b, kvh, j0, n, scores, acc, alpha);
          next.append(mNew);
          next.append(l);
          return next;
        });

    // out = acc / l (0 for a row that saw no key).
    for (int64_t g = 0; g < rows; ++g) {
      Value l = state[rows + g];
      Value inv = e.select(e.fcmp(arith::CmpFPredicate::OGT, l, e.f(0.0)),
                           e.div(e.f(1.0), l), e.f(0.0));
      for (const Chunk &c : chunks) {
        Value a = e.vload(acc, {e.c(g), e.c(c.offset)}, c.width);
        e.vstore(e.mul(a, e.broadcast(inv, c.width)), out,
                 {b, s, heads[g], e.c(c.offset)});
      }
    }
  }

  using QChunkFn = std::function<Value(int64_t, int64_t, Value, int64_t)>;

  /// For the heads of tile `t`: scores[g, jj] = scale * q[g] · k[j0 + jj] for
  /// jj < n, folding each into maxes[g].
  void emitScores(const Tile &t, Value b, Value kvh, Value j0, Value n,
                  Value scores, bool loopOverD, const QChunkFn &qChunk,
                  MutableArrayRef<Value> maxes) {
    int64_t rows = t.rows, vw = e.vectorWidth();
    int64_t numFull = headDim / vw;
    Value scaleV = e.f(scale);
    // `ku` keys at a time: rows x ku vector dot-product accumulators, each K
    // chunk loaded once for the tile's heads, each Q chunk once for the keys.
    // With a power-of-two vector width and no narrower D chunk, the dot
    // products are reduced several at a time into lanes (reduceAddLanes).
    bool lanes = llvm::isPowerOf2_64(vw) && headDim % vw == 0;
    auto step = [&](Value jj, int64_t ku, ValueRange maxIn, bool vecMax) {
      SmallVector<Value> keyRow;
      for (int64_t u = 0; u < ku; ++u)
        keyRow.push_back(e.iadd(j0, e.iadd(jj, e.c(u))));
      auto accumulate = [&](Value off, int64_t width, int64_t ci,
                            MutableArrayRef<Value> accs) {
        SmallVector<Value> kc;
        for (int64_t u = 0; u < ku; ++u)
          kc.push_back(e.vload(k, {b, kvh, keyRow[u], off}, width));
        for (int64_t g = 0; g < rows; ++g) {
          Value qc = qChunk(t.first + g, ci, off, width);
          for (int64_t u = 0; u < ku; ++u) {
            Value &d = accs[g * ku + u];
            d = d ? e.fma(qc, kc[u], d) : e.mul(qc, kc[u]);
          }
        }
      };
      // Full-width chunks accumulate into one vector per (head, key); a
      // narrower last chunk is reduced on its own.
      SmallVector<Value> dots(rows * ku), tails(rows * ku);
      if (loopOverD) {
        // An scf.for over the chunks keeps the live set to the accumulators
        // (fully unrolled, LLVM hoists every K chunk and spills).
        SmallVector<Value> init(rows * ku, e.splat(0.0, vw));
        SmallVector<Value> res = e.forRangeIter(
            e.c(0), e.c(numFull * vw), e.c(vw), init,
            [&](Value d, ValueRange it) -> SmallVector<Value> {
              SmallVector<Value> accs(it);
              accumulate(d, vw, -1, accs);
              return accs;
            });
        dots.assign(res.begin(), res.end());
      } else {
        for (int64_t ci = 0; ci < numFull; ++ci)
          accumulate(e.c(ci * vw), vw, ci, dots);
      }
      if (headDim % vw)
        accumulate(e.c(numFull * vw), headDim % vw, numFull, tails);
      // P·V then reads these keys' V rows one vector column at a time
      // (strided): fetch the rows now, a cache line at a time, so that long
      // (decode) key ranges stream from memory instead of missing per line.
      if (t.first == 0) {
        int64_t line =
            512 / cast<MemRefType>(v.getType()).getElementTypeBitWidth();
        for (int64_t u = 0; u < ku; ++u)
          for (int64_t off = 0; off < headDim; off += line)
            e.prefetch(v, {b, kvh, keyRow[u], e.c(off)});
      }
      SmallVector<Value> maxOut(maxIn);
      if (!lanes) {
        // One reduction per dot product.
        for (int64_t g = 0; g < rows; ++g)
          for (int64_t u = 0; u < ku; ++u) {
            Value dot;
            for (Value part : {dots[g * ku + u], tails[g * ku + u]})
              if (part) {
                Value sum = e.reduceAddTree(part);
                dot = dot ? e.add(dot, sum) : sum;
              }
            Value sc = e.mul(dot, scaleV);
            e.store(sc, scores, {e.c(t.first + g), e.iadd(jj, e.c(u))});
            maxOut[g] = e.maxnum(maxOut[g], sc);
          }
        return maxOut;
      }
      // Dot product i = g * ku + u is lane i % vw of sums[i / vw]: vw dot
      // products reduced by one transpose-and-add tree, scaled in one
      // multiply, and a head's ku scores stored as whole lane runs.
      int64_t count = rows * ku;
      SmallVector<Value> sums;
      for (int64_t i0 = 0; i0 < count; i0 += vw)
        sums.push_back(e.mul(
            e.reduceAddLanes(ArrayRef<Value>(dots).slice(
                i0, std::min<int64_t>(vw, count - i0))),
            e.splat(scale, vw)));
      for (int64_t g = 0; g < rows; ++g)
        for (int64_t u = 0; u < ku;) {
          int64_t i = g * ku + u, lane = i % vw;
          int64_t run = std::min(ku - u, vw - lane);
          Value col = e.iadd(jj, e.c(u));
          Value row = e.c(t.first + g);
          if (run == 1)
            e.store(e.extract(sums[i / vw], lane), scores, {row, col});
          else
            e.vstore(e.slice(sums[i / vw], lane, run), scores, {row, col});
          u += run;
        }
      if (vecMax) {
        // Running max kept per lane; folded per head after the loop.
        for (size_t gi = 0; gi < sums.size(); ++gi)
          maxOut[gi] = e.maxnum(maxOut[gi], sums[gi]);
      } else {
        for (int64_t i = 0; i < count; ++i)
          maxOut[i / ku] =
              e.maxnum(maxOut[i / ku], e.extract(sums[i / vw], i % vw));
      }
      return maxOut;
    };
    SmallVector<Value> tileMax(maxes.slice(t.first, rows));
    Value nMain = e.c(0);
    if (t.inner > 1) {
      int64_t ku = t.inner;
      nMain = e.floorTo(n, ku);
      if (lanes) {
        int64_t groups = (rows * ku + vw - 1) / vw;
        SmallVector<Value> laneMax = e.forRangeIter(
            e.c(0), nMain, e.c(ku),
            SmallVector<Value>(groups, e.broadcast(negInf, vw)),
            [&](Value jj, ValueRange it) { return step(jj, ku, it, true); });
        for (int64_t i = 0; i < rows * ku; ++i)
          tileMax[i / ku] = e.maxnum(tileMax[i / ku],
                                     e.extract(laneMax[i / vw], i % vw));
      } else {
        tileMax = e.forRangeIter(
            e.c(0), nMain, e.c(ku), tileMax,
            [&](Value jj, ValueRange it) { return step(jj, ku, it, false); });
      }
    }
    tileMax = e.forRangeIter(
        nMain, n, e.c(1), tileMax,
        [&](Value jj, ValueRange it) { return step(jj, 1, it, false); });
    llvm::copy(tileMax, maxes.begin() + t.first);
  }

  /// scores[g, :n] = exp(scores[g, :n] - m); returns their sum.
  Value emitExpRow(Value scores, int64_t g, Value n, Value m) {
    int64_t vw = e.vectorWidth();
    Value row = e.c(g);
    Value vecEnd = e.floorTo(n, vw);
    Value mv = e.broadcast(m, vw);
    Value vsum = e.forRangeIter(
        e.c(0), vecEnd, e.c(vw), {e.splat(0.0, vw)},
        [&](Value jj, ValueRange it) -> SmallVector<Value> {
          Value p = e.fastExp(e.sub(e.vload(scores, {row, jj}, vw), mv));
          e.vstore(p, scores, {row, jj});
          return {e.add(it[0], p)};
        })[0];
    return e.forRangeIter(
        vecEnd, n, e.c(1), {e.reduceAddTree(vsum)},
        [&](Value jj, ValueRange it) -> SmallVector<Value> {
          Value p = e.fastExp(e.sub(e.load(scores, {row, jj}), m));
          e.store(p, scores, {row, jj});
          return {e.add(it[0], p)};
        })[0];
  }

  /// For the heads of tile `t`: acc[g, :] = alpha[g] * acc[g, :] +
  /// sum_jj scores[g, jj] * v[j0 + jj, :], `t.inner` D chunks at a time with
  /// the accumulators in registers through the key block.
  void emitPV(const Tile &t, Value b, Value kvh, Value j0, Value n,
              Value scores, Value acc, ArrayRef<Value> alpha) {
    int64_t rows = t.rows;
    for (size_t c0 = 0; c0 < chunks.size(); c0 += t.inner) {
      ArrayRef<Chunk> cs = ArrayRef<Chunk>(chunks).slice(
          c0, std::min<size_t>(t.inner, chunks.size() - c0));
      SmallVector<Value> init;
      for (int64_t g = 0; g < rows; ++g)
        for (const Chunk &c : cs)
          init.push_back(
              e.mul(e.vload(acc, {e.c(t.first + g), e.c(c.offset)}, c.width),
                    e.broadcast(alpha[t.first + g], c.width)));
      SmallVector<Value> res = e.forRangeIter(
          e.c(0), n, e.c(1), init,
          [&](Value jj, ValueRange it) -> SmallVector<Value> {
            Value key = e.iadd(j0, jj);
            SmallVector<Value> vc, next;
            for (const Chunk &c : cs)
              vc.push_back(e.vload(v, {b, kvh, key, e.c(c.offset)}, c.width));
            for (int64_t g = 0; g < rows; ++g) {
              Value p = e.load(scores, {e.c(t.first + g), jj});
              for (size_t i = 0; i < cs.size(); ++i)
                next.push_back(e.fma(e.broadcast(p, cs[i].width), vc[i],
                                     it[g * cs.size() + i]));
            }
            return next;
          });
      for (int64_t g = 0; g < rows; ++g)
        for (size_t i = 0; i < cs.size(); ++i)
          e.vstore(res[g * cs.size() + i], acc,
                   {e.c(t.first + g), e.c(cs[i].offset)});
    }
  }
};

} // namespace

void mlir::tessera::x86::emitFlashAttention(Emitter &e, Value q, Value k,
                                            Value v, Value out, double scale,
                                            bool causal, int64_t blockK,
                                            Value kvLen) {
  FlashAttention(e, q, k, v, out, scale, causal, blockK, kvLen).emit();
}

//===----------------------------------------------------------------------===//
// KV cache append
//===----------------------------------------------------------------------===//

/// dst[dstIdx.., :] = src[srcIdx.., :] along the last dimension.
static void copyRow(Emitter &e, Value src, SmallVector<Value> srcIdx, Value dst,
                    SmallVector<Value> dstIdx, Value len) {
  e.forVectorized(e.c(0), len, [&](Value d, int64_t w) {
    SmallVector<Value> si(srcIdx), di(dstIdx);
    si.push_back(d);
    di.push_back(d);
    if (w == 1)
      e.store(e.load(src, si), dst, di);
    else
      e.vstore(e.vload(src, si, w), dst, di);
  });
}

void mlir::tessera::x86::emitKVCacheAppend(Emitter &e, Value past, Value fresh,
                                           Value out) {
  Value batch = e.dim(out, 0), heads = e.dim(out, 1), total = e.dim(out, 2),
        headDim = e.dim(out, 3), seq = e.dim(fresh, 1);
  Value pastLen = e.isub(total, seq);
  // Output order (b, h, position): `out` is written sequentially.
  e.forRange(e.c(0), batch, [&](Value b) {
    e.forRange(e.c(0), heads, [&](Value h) {
      if (past)
        e.forRange(e.c(0), pastLen, [&](Value p) {
          copyRow(e, past, {b, h, p}, out, {b, h, p}, headDim);
        });
      e.forRange(e.c(0), seq, [&](Value s) {
        copyRow(e, fresh, {b, s, h}, out, {b, h, e.iadd(pastLen, s)}, headDim);
      });
    });
  });
}
