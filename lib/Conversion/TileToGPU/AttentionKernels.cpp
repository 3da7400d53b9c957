//===- AttentionKernels.cpp - GPU kernels: flash attention, KV cache ---===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl: kernel recipes (Kernels.h) for
// tile.flash_attention and tile.kv_cache_append (semantics: the ops' ODS and
// the x86 kernels, TileToTarget/X86/Kernels.h).
//
// Flash attention. A block owns a tile of Tq query positions and Gt query
// heads of one K/V head (all G = Hq/Hkv heads of the group when G <= 16, so
// each K/V head is read once per query tile for its whole group; K/V are
// never repeated). Its Tq * Gt "rows" (query position, head) are spread over
// 4 warps, R rows per warp; a row's query vector and f32 accumulator live in
// registers, D/32 elements per lane. Keys stream through shared memory in
// tiles of Tk keys of K and V (extended to f32 once, shared by all rows of
// the block); per key and row, the score is a warp reduction (gpu.shuffle
// xor) of the lanes' partial dot products, followed by the online-softmax
// update
//   m' = max(m, s), alpha = exp(m - m'), p = exp(s - m'),
//   l' = alpha l + p, acc' = alpha acc + p v_j
// and finally out = acc / l. Causal masking is bottom-right aligned: query
// i sees keys j <= i + kv_len - seq; the block's key loop stops at its last
// query's bound, earlier rows mask the rest with a select. Decode (seq = 1)
// is the same kernel. The op's block_q/block_k are not used here: the tiles
// follow from the head counts and the head dim (attnShape).
//
// KV cache append: one thread per written element (position, d), grid
// (ceil(S * D / 128), Hkv, B); writes past the cache's capacity are dropped.
//
// The number of valid keys and the append position each come from one
// function (validKeys, appendPosition). Besides today's operands they read
// the run-time position (`memref<1xi64>`) of the capacity-cache form of the
// ops (a fifth flash_attention operand; kv_cache_append's position as a
// memref or absent, with a [B, capacity, Hkv, D] cache); that form has no
// test here until the ops carry it.
//
//===----------------------------------------------------------------------===//

#include "KernelHelpers.h"
#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {

constexpr int64_t kMaxHeadDim = 256;
constexpr int64_t kAttnWarps = 4;
/// Rows (query position, head) per block.
constexpr int64_t kRowsPerBlock = 16;

/// A run-time position (`memref<1xi64>`) as an index.
Value loadPosition(GPUEmitter &e, Value position) {
  return e.indexCast(e.loadRaw(position, {e.c(0)}));
}

/// Keys attended to by the queries of flash_attention's kernel `args`
/// (q, k, v, out[, position]): all of k, or with a position operand (the
/// capacity caches of the run-time-position ABI) position[0] + seq.
Value validKeys(GPUEmitter &e, ValueRange args, bool hasPosition) {
  if (hasPosition)
    return e.iadd(loadPosition(e, args[4]), e.dim(args[0], 1));
  return e.dim(args[1], 1);
}

/// How kv_cache_append gets its position.
enum class PositionKind { Index, Memref, None };

/// Where kv_cache_append's kernel `args` (cache, update[, position]) write
/// the first new position: an index operand, a run-time `memref<1xi64>`, or
/// 0 when absent.
Value appendPosition(GPUEmitter &e, ValueRange args, PositionKind kind) {
  switch (kind) {
  case PositionKind::Index:
    return args[2];
  case PositionKind::Memref:
    return loadPosition(e, args[2]);
  case PositionKind::None:
    break;
  }
  return e.c(0);
}

struct AttnShape {
  int64_t group;      // G = Hq / Hkv
  int64_t headsPerBlock; // Gt
  int64_t headTiles;  // ceil(G / Gt)
  int64_t queries;    // Tq
  int64_t rows;       // Tq * Gt
  int64_t rowsPerWarp; // R
  int64_t headDim;    // D
  int64_t warp;       // W, lanes per warp (wavefront)
  int64_t lanesD;     // ceil(D / W)
  int64_t keys;       // Tk
};

AttnShape attnShape(int64_t hq, int64_t hkv, int64_t d,
                    const GPUTargetInfo &target) {
  AttnShape s;
  s.group = hq / hkv;
  s.headsPerBlock = std::min(s.group, kRowsPerBlock);
  s.headTiles = (s.group + s.headsPerBlock - 1) / s.headsPerBlock;
  s.queries = std::max<int64_t>(1, kRowsPerBlock / s.headsPerBlock);
  s.rows = s.queries * s.headsPerBlock;
  s.rowsPerWarp = (s.rows + kAttnWarps - 1) / kAttnWarps;
  s.headDim = d;
  s.warp = target.warpSize;
  s.lanesD = (d + s.warp - 1) / s.warp;
  s.keys = 64;
  while (s.keys > 1 && 2 * 4 * s.keys * d > target.sharedBudgetBytes)
    s.keys /= 2;
  return s;
}

KernelRecipe flashRecipe(MLIRContext *ctx, AttnShape sh, bool causal,
                         double scale, bool hasPosition) {
  KernelRecipe r;
  r.block = {kAttnWarps * sh.warp, 1, 1};
  const int64_t D = sh.headDim, Tk = sh.keys, W = sh.warp;
  r.workgroup = {sharedF32(ctx, Tk * D), sharedF32(ctx, Tk * D)};
  r.grid = [=](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    Value hkv = h.dim(ops[1], 2);
    return SmallVector<Value, 3>{
        h.ceilDiv(h.dim(ops[0], 1), sh.queries),
        h.imul(hkv, h.c(sh.headTiles)), h.dim(ops[0], 0)};
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args,
               ValueRange shared) {
    GPUEmitter e(ob, loc);
    Value q = args[0], k = args[1], v = args[2], out = args[3];
    Value ks = shared[0], vs = shared[1];
    Value zero = e.c(0), one = e.c(1), cD = e.c(D);
    Value tid = e.threadId(), warp = e.idiv(tid, e.c(W)),
          lane = e.irem(tid, e.c(W));
    Value q0 = e.imul(e.blockId(gpu::Dimension::x), e.c(sh.queries));
    Value yb = e.blockId(gpu::Dimension::y), b = e.blockId(gpu::Dimension::z);
    Value kvHead = e.idiv(yb, e.c(sh.headTiles));
    Value head0 = e.iadd(e.imul(kvHead, e.c(sh.group)),
                         e.imul(e.irem(yb, e.c(sh.headTiles)),
                                e.c(sh.headsPerBlock)));
    Value headEnd = e.imul(e.iadd(kvHead, one), e.c(sh.group));
    Value seq = e.dim(q, 1), kvLen = validKeys(e, args, hasPosition);
    Value offset = e.isub(kvLen, seq); // causal alignment (kv_len >= seq)

    // This lane's head-dim elements d_t = lane + 32 t (clamped for loads).
    SmallVector<Value> dIdx, dOk;
    for (int64_t t = 0; t < sh.lanesD; ++t) {
      Value d = e.iadd(lane, e.c(t * W));
      dOk.push_back(e.ult(d, cD));
      dIdx.push_back(e.imin(d, e.c(D - 1)));
    }
    // The warp's rows: query position, head, active, causal key bound.
    struct Row {
      Value pos, head, active, keyEnd;
      SmallVector<Value> qv;
    };
    SmallVector<Row> rows;
    for (int64_t i = 0; i < sh.rowsPerWarp; ++i) {
      Row row;
      Value rr = e.iadd(e.imul(warp, e.c(sh.rowsPerWarp)), e.c(i));
      Value pos = e.iadd(q0, e.idiv(rr, e.c(sh.headsPerBlock)));
      Value head = e.iadd(head0, e.irem(rr, e.c(sh.headsPerBlock)));
      row.active = e.andi(e.andi(e.ult(rr, e.c(sh.rows)), e.ult(pos, seq)),
                          e.ult(head, headEnd));
      // Clamped so that inactive rows read valid memory (never stored).
      row.pos = e.imin(pos, e.isub(seq, one));
      row.head = e.imin(head, e.isub(headEnd, one));
      row.keyEnd = e.iadd(e.iadd(row.pos, offset), one);
      for (int64_t t = 0; t < sh.lanesD; ++t) {
        Value qv = e.load(q, {b, row.pos, row.head, dIdx[t]});
        row.qv.push_back(D % W ? e.select(dOk[t], qv, e.f(0.0)) : qv);
      }
      rows.push_back(std::move(row));
    }
    // Keys the block visits: up to its last query's causal bound.
    Value kEnd = kvLen;
    if (causal)
      kEnd = e.imin(kvLen, e.iadd(e.iadd(q0, e.c(sh.queries)), offset));

    // Iteration state per row: m, l, acc[lanesD].
    const int64_t perRow = 2 + sh.lanesD;
    SmallVector<Value> init;
    for (int64_t i = 0; i < sh.rowsPerWarp; ++i) {
      init.push_back(e.f(-1e30)); // finite: exp(m - m') never sees inf - inf
      init.push_back(e.f(0.0));
      for (int64_t t = 0; t < sh.lanesD; ++t)
        init.push_back(e.f(0.0));
    }
    Value cTk = e.c(Tk);
    Value headCol = kvHead;
    SmallVector<Value> state = e.forRangeIter(
        zero, kEnd, cTk, init,
        [&](Value k0, ValueRange it) -> SmallVector<Value> {
          Value nk = e.imin(cTk, e.isub(kEnd, k0));
          e.barrier(); // the previous tile is consumed
          e.forRange(tid, e.imul(nk, cD), e.c(kAttnWarps * W), [&](Value el) {
            Value j = e.iadd(k0, e.idiv(el, cD)), d = e.irem(el, cD);
            e.store(e.load(k, {b, j, headCol, d}), ks, {el});
            e.store(e.load(v, {b, j, headCol, d}), vs, {el});
          });
          e.barrier();
          return e.forRangeIter(
              zero, nk, one, it,
              [&](Value kk, ValueRange st) -> SmallVector<Value> {
                Value j = e.iadd(k0, kk);
                Value rowBase = e.imul(kk, cD);
                SmallVector<Value> kv, vv;
                for (int64_t t = 0; t < sh.lanesD; ++t) {
                  Value at = e.iadd(rowBase, dIdx[t]);
                  kv.push_back(e.load(ks, {at}));
                  vv.push_back(e.load(vs, {at}));
                }
                SmallVector<Value> next;
                for (int64_t i = 0; i < sh.rowsPerWarp; ++i) {
                  ValueRange cur = st.slice(i * perRow, perRow);
                  Value part = e.f(0.0);
                  for (int64_t t = 0; t < sh.lanesD; ++t)
                    part = e.fma(rows[i].qv[t], kv[t], part);
                  Value s = e.mul(e.warpReduceSum(part), e.f(scale));
                  Value m = cur[0], l = cur[1];
                  Value mNew = e.max(m, s);
                  Value alpha = e.exp(e.sub(m, mNew));
                  Value p = e.exp(e.sub(s, mNew));
                  Value seen =
                      causal ? e.ult(j, rows[i].keyEnd) : Value();
                  auto keep = [&](Value updated, Value old) {
                    return seen ? e.select(seen, updated, old) : updated;
                  };
                  next.push_back(keep(mNew, m));
                  next.push_back(keep(e.fma(alpha, l, p), l));
                  for (int64_t t = 0; t < sh.lanesD; ++t)
                    next.push_back(keep(
                        e.fma(alpha, cur[2 + t], e.mul(p, vv[t])), cur[2 + t]));
                }
                return next;
              });
        });

    for (int64_t i = 0; i < sh.rowsPerWarp; ++i) {
      Value inv = e.div(e.f(1.0), state[i * perRow + 1]);
      for (int64_t t = 0; t < sh.lanesD; ++t) {
        Value ok = rows[i].active;
        if (D % W)
          ok = e.andi(ok, dOk[t]);
        e.ifThen(ok, [&] {
          e.store(e.mul(state[i * perRow + 2 + t], inv), out,
                  {b, rows[i].pos, rows[i].head, dIdx[t]});
        });
      }
    }
    return success();
  };
  return r;
}

/// With an index position the cache is [B, Hkv, M, D]; in the
/// run-time-position form (position a memref or absent) [B, capacity, Hkv,
/// D].
KernelRecipe appendRecipe(PositionKind kind) {
  const bool seqMajor = kind != PositionKind::Index;
  constexpr int64_t T = 128;
  KernelRecipe r;
  r.block = {T, 1, 1};
  // cache, update [B, S, Hkv, D], position.
  r.grid = [](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    Value n = h.imul(h.dim(ops[1], 1), h.dim(ops[1], 3));
    return SmallVector<Value, 3>{h.ceilDiv(n, T), h.dim(ops[1], 2),
                                 h.dim(ops[1], 0)};
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args, ValueRange) {
    GPUEmitter e(ob, loc);
    Value cache = args[0], update = args[1];
    Value o =
        e.iadd(e.imul(e.blockId(gpu::Dimension::x), e.c(T)), e.threadId());
    Value h = e.blockId(gpu::Dimension::y), b = e.blockId(gpu::Dimension::z);
    Value D = e.dim(update, 3);
    Value n = e.imul(e.dim(update, 1), D);
    e.ifThen(e.ult(o, n), [&] {
      Value s = e.idiv(o, D), d = e.irem(o, D);
      Value pos = e.iadd(appendPosition(e, args, kind), s);
      e.ifThen(e.ult(pos, e.dim(cache, seqMajor ? 1 : 2)), [&] {
        SmallVector<Value> at = seqMajor ? SmallVector<Value>{b, pos, h, d}
                                         : SmallVector<Value>{b, h, pos, d};
        e.store(e.load(update, {b, s, h, d}), cache, at);
      });
    });
    return success();
  };
  return r;
}

} // namespace

FailureOr<KernelRecipe> gpukernels::getAttentionRecipe(Operation *op,
                                                   const GPUTargetInfo &target) {
  if (auto fa = dyn_cast<tile::FlashAttentionOp>(op)) {
    FailureOr<int64_t> hq = staticDim(target, op, fa.getQ(), 2, "query head count",
                                      std::numeric_limits<int64_t>::max());
    if (failed(hq))
      return failure();
    FailureOr<int64_t> hkv = staticDim(target, op, fa.getK(), 2, "K/V head count",
                                       std::numeric_limits<int64_t>::max());
    if (failed(hkv))
      return failure();
    FailureOr<int64_t> d =
        staticDim(target, op, fa.getQ(), 3, "head dim", kMaxHeadDim);
    if (failed(d))
      return failure();
    if (*hkv <= 0 || *hq % *hkv != 0)
      return fa.emitOpError("query heads (")
             << *hq << ") must be a multiple of K/V heads (" << *hkv << ")";
    return flashRecipe(op->getContext(), attnShape(*hq, *hkv, *d, target),
                       fa.getCausal(), fa.getScale().convertToDouble(),
                       /*hasPosition=*/op->getNumOperands() > 4);
  }
  if (isa<tile::KVCacheAppendOp>(op)) {
    PositionKind kind = PositionKind::None;
    if (op->getNumOperands() > 2)
      kind = op->getOperand(2).getType().isIndex() ? PositionKind::Index
                                                   : PositionKind::Memref;
    return appendRecipe(kind);
  }
  return op->emitOpError() << "has no " << target.vendorName() << " lowering";
}
