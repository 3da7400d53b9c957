//===- MFMAAttention.cpp - AMD flash attention on f32 MFMA ----------------===//
//
// Part of convert-tile-to-rocdl: replaces the shared SIMT flash attention
// (lib/Conversion/TileToGPU/AttentionKernels.cpp, same semantics, same
// online softmax, same bottom-right causal alignment) through
// GPUTargetInfo::overrideRecipe (amd::overrideRecipe). Both inner products
// run on v_mfma_f32_32x32x2_f32 (`amdgpu.mfma 32x32x2`, f32 x f32 + f32):
// exact f32 products, so fp32 results differ from the SIMT kernel only in
// summation order.
//
// A workgroup of 4 wavefronts owns up to 128 rows (query position, head) of
// one K/V head; each wavefront owns 32 of them, row = lane % 32 of every
// lane. Keys stream through LDS in tiles of 32 (K and V as f32, rows padded
// to D + 1 so the column reads below hit distinct banks). Per tile and
// wavefront, with h = lane / 32 and (g, j) in 0..3 x 0..3:
//   S^T = K Q^T     A = K[key l%32][d], B = Q^T[d][row l%32], k = d in steps
//                   of 2 (lane supplies d = 2s + h); Q's loads are hoisted
//                   out of the key loop by LLVM (D / 2 VGPRs).
// Registers at D = 128 (the 12B): all 256 arch VGPRs plus ~20 AGPRs, no
// scratch, so 1 wave per SIMD (one workgroup per CU); tuning that is
// planned (docs/ARCHITECTURE.md).
//                   Result element 4g+j of lane l: S^T[key 8g+4h+j][row l%32].
//   online softmax  every lane holds 16 of its row's 32 scores, the other 16
//                   are in lane l ^ 32: one gpu.shuffle xor 32 per max / sum.
//   O^T += V^T P^T  per 32 head-dim columns; k = key, and MFMA step s = (g,j)
//                   takes key 8g+4h+j in lane half h for both operands, so
//                   B = P^T comes straight from the softmax registers (no
//                   LDS round trip) and A = V[key 8g+4h+j][d0 + l%32].
//                   Result element 4g+j: O^T[d0 + 8g+4h+j][row l%32], so the
//                   rescale by alpha and the final 1 / l are lane-local.
// The lane layouts used (AMD matrix instruction calculator, CDNA2/3 ISA) are
// those in MFMAKernels.cpp; test/python/test_mfma_layout.py models them and
// this kernel's indexing in numpy.
//
//===----------------------------------------------------------------------===//

#include "ROCDLKernels.h"

#include "../TileToGPU/GPUEmitter.h"
#include "../TileToGPU/MatmulKernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {
constexpr int64_t kWaves = 4, kWave = 64, kTile = 32;
constexpr int64_t kRowsPerBlock = kWaves * kTile;

Value mfma32x32x2(GPUEmitter &e, Value a, Value b, Value acc) {
  return amdgpu::MFMAOp::create(e.builder(), e.location(), acc.getType(),
                                /*m=*/32, /*n=*/32, /*k=*/2, /*blocks=*/1, a, b,
                                acc)
      .getResult();
}

/// v combined with the value of lane ^ 32 (the other half of the row).
Value acrossHalves(GPUEmitter &e, Value v, bool isMax) {
  OpBuilder &b = e.builder();
  Value other = gpu::ShuffleOp::create(b, e.location(), v, 32, kWave,
                                       gpu::ShuffleMode::XOR)
                    .getShuffleResult();
  return isMax ? e.max(v, other) : e.add(v, other);
}

KernelRecipe flashRecipe(MLIRContext *ctx, int64_t group, int64_t D,
                         bool causal, double scale, bool hasPosition) {
  const int64_t heads = std::min(group, kRowsPerBlock); // Gt
  const int64_t headTiles = (group + heads - 1) / heads;
  const int64_t queries = std::max<int64_t>(1, kRowsPerBlock / heads);
  const int64_t rowsPerBlock = queries * heads;
  const int64_t Dp = D + 1, steps = (D + 1) / 2, dTiles = (D + 31) / 32;
  Type f32 = Float32Type::get(ctx);
  return makeRecipe(
      kWaves * kWave,
      {GPUEmitter::workgroupType(ctx, {kTile * Dp}, f32),
       GPUEmitter::workgroupType(ctx, {kTile * Dp}, f32)},
      [=](GPUEmitter &h, ValueRange ops) -> Grid {
        return {h.ceilDiv(h.dim(ops[0], 1), queries),
                h.imul(h.dim(ops[1], 2), h.c(headTiles)), h.dim(ops[0], 0)};
      },
      [=](GPUEmitter &e, ValueRange args, ValueRange shared) {
        OpBuilder &builder = e.builder();
        Location loc = e.location();
        Value q = args[0], k = args[1], v = args[2], out = args[3];
        Value ks = shared[0], vs = shared[1];
        Value one = e.c(1), cD = e.c(D), cDp = e.c(Dp), cTile = e.c(kTile);
        Value tid = e.threadId();
        Value wave = e.idiv(tid, e.c(kWave)), lane = e.irem(tid, e.c(kWave));
        Value l32 = e.irem(lane, cTile), half = e.idiv(lane, cTile);
        Value q0 = e.imul(e.blockId(gpu::Dimension::x), e.c(queries));
        Value yb = e.blockId(gpu::Dimension::y),
              b = e.blockId(gpu::Dimension::z);
        Value kvHead = e.idiv(yb, e.c(headTiles));
        Value head0 = e.iadd(e.imul(kvHead, e.c(group)),
                             e.imul(e.irem(yb, e.c(headTiles)), e.c(heads)));
        Value headEnd = e.imul(e.iadd(kvHead, one), e.c(group));
        Value seq = e.dim(q, 1);
        Value kvLen =
            hasPosition
                ? e.iadd(e.indexCast(e.loadRaw(args[4], {e.c(0)})), seq)
                : e.dim(k, 1);
        Value offset = e.isub(kvLen, seq); // causal alignment (kv_len >= seq)

        // This lane's row.
        Value rr = e.iadd(e.imul(wave, cTile), l32);
        Value pos = e.iadd(q0, e.idiv(rr, e.c(heads)));
        Value head = e.iadd(head0, e.irem(rr, e.c(heads)));
        Value active =
            e.andi(e.andi(e.ult(rr, e.c(rowsPerBlock)), e.ult(pos, seq)),
                   e.ult(head, headEnd));
        // Clamped so that inactive rows read valid memory (never stored).
        pos = e.imin(pos, e.isub(seq, one));
        head = e.imin(head, e.isub(headEnd, one));
        Value keyEnd = e.iadd(e.iadd(pos, offset), one);
        Value kEnd = kvLen;
        if (causal)
          kEnd = e.imin(kvLen, e.iadd(e.iadd(q0, e.c(queries)), offset));

        auto accType = VectorType::get({16}, f32);
        Value zero = arith::ConstantOp::create(
            builder, loc, accType,
            DenseElementsAttr::get(accType, builder.getF32FloatAttr(0.0)));
        // State: m, l, O^T per 32 head-dim columns.
        SmallVector<Value> init{e.f(-1e30), e.f(0.0)};
        init.append(dTiles, zero);
        SmallVector<Value> state = e.forRangeIter(
            e.c(0), kEnd, cTile, init,
            [&](Value k0, ValueRange it) -> SmallVector<Value> {
              Value nk = e.imin(cTile, e.isub(kEnd, k0));
              e.barrier(); // the previous tile is consumed
              // All 32 rows, zero past nk: the MFMAs below then need no
              // per-key masks (16 lane masks live across the loop would take
              // 32 SGPRs); zero K rows give scores that are masked anyway.
              e.forRange(tid, e.c(kTile * D), e.c(kWaves * kWave),
                         [&](Value el) {
                           Value kj = e.idiv(el, cD), d = e.irem(el, cD);
                           Value ok = e.ult(kj, nk);
                           Value j = e.iadd(k0, e.imin(kj, e.isub(nk, one)));
                           Value at = e.iadd(e.imul(kj, cDp), d);
                           e.store(e.select(ok, e.load(k, {b, j, kvHead, d}),
                                            e.f(0.0)),
                                   ks, {at});
                           e.store(e.select(ok, e.load(v, {b, j, kvHead, d}),
                                            e.f(0.0)),
                                   vs, {at});
                         });
              e.barrier();
              // S^T = K Q^T, a loop over k = d in steps of 2, B = q[row][d].
              // The Q loads are loop-invariant: LLVM hoists them out of the
              // key loop (Q in D / 2 VGPRs) and unrolls this one.
              Value kRow = e.imul(l32, cDp);
              Value sAcc = e.forRangeIter(
                  e.c(0), e.c(steps), one, {zero},
                  [&](Value st, ValueRange a) -> SmallVector<Value> {
                    Value d = e.iadd(half, e.imul(st, e.c(2)));
                    Value dC = D % 2 ? e.imin(d, e.c(D - 1)) : d;
                    Value qv = e.load(q, {b, pos, head, dC});
                    if (D % 2)
                      qv = e.select(e.ult(d, cD), qv, e.f(0.0));
                    return {mfma32x32x2(e, e.loadRaw(ks, {e.iadd(kRow, dC)}),
                                        qv, a[0])};
                  })[0];
              // Online softmax over this lane's 16 keys and lane ^ 32's.
              SmallVector<Value> sv;
              Value tileMax = e.f(-1e30);
              for (int64_t g = 0; g < 4; ++g)
                for (int64_t j = 0; j < 4; ++j) {
                  Value kl = e.iadd(e.imul(half, e.c(4)), e.c(8 * g + j));
                  Value ok = e.ult(kl, nk);
                  if (causal)
                    ok = e.andi(ok, e.ult(e.iadd(k0, kl), keyEnd));
                  Value s = vector::ExtractOp::create(builder, loc, sAcc,
                                                      4 * g + j);
                  s = e.select(ok, e.mul(s, e.f(scale)), e.f(-1e30));
                  sv.push_back(s);
                  tileMax = e.max(tileMax, s);
                }
              tileMax = acrossHalves(e, tileMax, /*isMax=*/true);
              Value m = it[0], l = it[1];
              Value mNew = e.max(m, tileMax);
              Value alpha = e.exp(e.sub(m, mNew));
              SmallVector<Value> p;
              Value psum = e.f(0.0);
              for (int64_t i = 0; i < 16; ++i) {
                // Masked scores are -1e30 (real ones are far above): the
                // test recomputes the mask where it is used.
                Value seen =
                    e.fcmp(arith::CmpFPredicate::OGT, sv[i], e.f(-1e29));
                p.push_back(e.select(seen, e.exp(e.sub(sv[i], mNew)), e.f(0.0)));
                psum = e.add(psum, p[i]);
              }
              psum = acrossHalves(e, psum, /*isMax=*/false);
              SmallVector<Value> next{mNew, e.fma(alpha, l, psum)};
              Value alphaV =
                  vector::BroadcastOp::create(builder, loc, accType, alpha);
              // O^T += V^T P^T; V rows past nk are zero in LDS.
              for (int64_t t = 0; t < dTiles; ++t) {
                Value acc = e.mul(it[2 + t], alphaV);
                Value d = e.iadd(l32, e.c(32 * t));
                if (D % 32)
                  d = e.imin(d, e.c(D - 1));
                // One lane base plus a constant per key (foldable into the
                // LDS read's offset): rows 8g + j of the lane half's 4h.
                Value base = e.iadd(e.imul(e.imul(half, e.c(4)), cDp), d);
                for (int64_t i = 0; i < 16; ++i) {
                  Value at = e.iadd(base, e.c((8 * (i / 4) + i % 4) * Dp));
                  acc = mfma32x32x2(e, e.loadRaw(vs, {at}), p[i], acc);
                }
                next.push_back(acc);
              }
              return next;
            });

        Value inv = e.div(e.f(1.0), state[1]);
        for (int64_t t = 0; t < dTiles; ++t)
          for (int64_t g = 0; g < 4; ++g)
            for (int64_t j = 0; j < 4; ++j) {
              Value d = e.iadd(e.imul(half, e.c(4)), e.c(32 * t + 8 * g + j));
              e.ifThen(e.andi(active, e.ult(d, cD)), [&] {
                Value o = vector::ExtractOp::create(builder, loc,
                                                    state[2 + t], 4 * g + j);
                e.store(e.mul(o, inv), out, {b, pos, head, d});
              });
            }
      });
}
} // namespace

std::optional<KernelRecipe> amd::flashAttentionMfmaRecipe(Operation *op,
                                                          int64_t ldsBytes) {
  auto fa = dyn_cast<tile::FlashAttentionOp>(op);
  if (!fa)
    return std::nullopt;
  auto qType = cast<MemRefType>(fa.getQ().getType());
  auto kType = cast<MemRefType>(fa.getK().getType());
  int64_t hq = qType.getDimSize(2), hkv = kType.getDimSize(2),
          D = qType.getDimSize(3);
  // Dynamic or mismatched shapes: the shared recipe reports them. D <= 128
  // keeps Q^T (D / 2) and O^T (D / 2) within a sane register budget.
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) ||
      ShapedType::isDynamic(D) || hkv <= 0 || hq % hkv != 0 || D <= 0 ||
      D > 128)
    return std::nullopt;
  if (2 * 4 * kTile * (D + 1) > ldsBytes)
    return std::nullopt;
  return flashRecipe(op->getContext(), hq / hkv, D, fa.getCausal(),
                     fa.getScale().convertToDouble(),
                     /*hasPosition=*/op->getNumOperands() > 4);
}
