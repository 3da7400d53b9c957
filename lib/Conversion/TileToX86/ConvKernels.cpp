//===- ConvKernels.cpp - x86 emitter: causal depthwise conv1d -------------===//
//
// Part of convert-tile-to-x86: the short causal depthwise
// convolution of a Mamba2 mixer (kernel K = 4) over [B, S, C] activations,
// continuing from a state of the previous K-1 inputs. Kernels longer than
// kMaxUnrolledConvKernel (tessera/Support/Limits.h) take the scalar loop.
//
// Vectorised along channels (the contiguous dimension). For one block of
// channels the K weight vectors and the sliding window of the last K-1 input
// vectors live in registers while the block walks down a tile of the
// sequence: each step is one load, K FMAs, the optional SiLU (polynomial exp,
// vectorised) and one store. Between tiles the window waits in a [K-1, C]
// scratch. The window starts as the incoming state and ends as the outgoing
// one, so S < K-1 needs no special case, and the kernel is safe in place
// (out == x, or stateOut == stateIn).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "tessera/Support/Limits.h"

using namespace mlir;
using namespace mlir::tessera::x86;

namespace {

/// Sequence steps per tile (pages of x and out live at a time).
constexpr int64_t kSeqTile = 8;
// Channels per thread work item (a multiple of every vector width).
constexpr int64_t kChanBlock = 256;


/// scf.if yielding one f32.
Value ifElse(Emitter &e, Value cond, const std::function<Value()> &thenFn,
             const std::function<Value()> &elseFn) {
  OpBuilder &b = e.builder();
  auto ifOp = scf::IfOp::create(b, e.location(), TypeRange{e.f32()}, cond,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, e.location(), thenFn());
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  scf::YieldOp::create(b, e.location(), elseFn());
  return ifOp.getResult(0);
}

/// Fallback for a kernel size unknown at compile time or longer than
/// kMaxUnrolledConvKernel: scalar loops (none unrolled over K), reading the
/// window [stateIn | x] element by element.
void emitGenericConv(Emitter &e, Value x, Value w, Value bias, Value stateIn,
                     Value out, Value stateOut, bool silu) {
  Value batch = e.dim(x, 0), seq = e.dim(x, 1), chans = e.dim(x, 2);
  Value k = e.dim(w, 1), hist = e.isub(k, e.c(1));
  // window[b, c, j]: stateIn[b, c, j] for j < K-1, else x[b, j-(K-1), c].
  auto window = [&](Value b, Value c, Value j) {
    Value fromState = e.icmp(arith::CmpIPredicate::ult, j, hist);
    return ifElse(
        e, fromState,
        [&] { return stateIn ? e.load(stateIn, {b, c, j}) : e.f(0.0); },
        [&] { return e.load(x, {b, e.isub(j, hist), c}); });
  };
  e.forRange(e.c(0), batch, [&](Value b) {
    e.forRange(e.c(0), seq, [&](Value t) {
      e.forRange(e.c(0), chans, [&](Value c) {
        Value acc = bias ? e.load(bias, {c}) : e.f(0.0);
        acc = e.forRangeIter(e.c(0), k, e.c(1), {acc},
                             [&](Value kk, ValueRange it) -> SmallVector<Value> {
                               return {e.fma(e.load(w, {c, kk}),
                                             window(b, c, e.iadd(t, kk)),
                                             it[0])};
                             })[0];
        e.store(silu ? e.silu(acc) : acc, out, {b, t, c});
      });
    });
    // Ascending j reads window index S + j >= j: safe when stateOut aliases
    // stateIn.
    e.forRange(e.c(0), chans, [&](Value c) {
      e.forRange(e.c(0), hist, [&](Value j) {
        e.store(window(b, c, e.iadd(seq, j)), stateOut, {b, c, j});
      });
    });
  });
}

} // namespace

void mlir::tessera::x86::emitCausalConv1d(Emitter &e, Value x, Value w,
                                          Value bias, Value stateIn, Value out,
                                          Value stateOut, bool silu) {
  // The vector form unrolls over the kernel (K weight vectors and K-1
  // window vectors in registers): only for short kernels, else the IR and
  // the register pressure grow with K.
  int64_t kSize = cast<MemRefType>(w.getType()).getDimSize(1);
  if (ShapedType::isDynamic(kSize) || kSize > kMaxUnrolledConvKernel)
    return emitGenericConv(e, x, w, bias, stateIn, out, stateOut, silu);

  Value batch = e.dim(x, 0), seq = e.dim(x, 1), chans = e.dim(x, 2);
  Value zero = e.c(0);
  // Weights transposed once to [K, C] so that a channel block's weight is a
  // vector load; the window of each channel between sequence tiles lives in
  // winBuf [K-1, C] (oldest first).
  Value wT = e.alloc({kSize, ShapedType::kDynamic}, {chans});
  Value winBuf = e.alloc({kSize - 1, ShapedType::kDynamic}, {chans});
  e.forRange(zero, chans, [&](Value c) {
    for (int64_t k = 0; k < kSize; ++k)
      e.store(e.load(w, {c, e.c(k)}), wT, {e.c(k), c});
  });
  e.forRange(zero, batch, [&](Value b) {
    e.forRange(zero, chans, [&](Value c) {
      for (int64_t j = 0; j + 1 < kSize; ++j)
        e.store(stateIn ? e.load(stateIn, {b, c, e.c(j)}) : e.f(0.0), winBuf,
                {e.c(j), c});
    });
    // Sequence tiles outside, channel blocks inside: a tile's rows are
    // walked along their contiguous channels, so only kSeqTile pages of x
    // and of out are live (a column walk over the whole sequence touches a
    // new page at every step).
    // Threads take blocks of kChanBlock channels (each channel's window is
    // its own), walking all sequence tiles of their block.
    e.forParallel({zero}, {e.ceilDiv(chans, kChanBlock)}, [&](ValueRange iv) {
    Value cLo = e.imul(iv[0], e.c(kChanBlock));
    Value cHi = e.imin(e.iadd(cLo, e.c(kChanBlock)), chans);
    e.forRange(zero, seq, e.c(kSeqTile), [&](Value t0) {
      Value tEnd = e.imin(e.iadd(t0, e.c(kSeqTile)), seq);
      e.forVectorized(cLo, cHi, [&](Value c0, int64_t width) {
        SmallVector<Value> wk, win;
        for (int64_t k = 0; k < kSize; ++k)
          wk.push_back(e.loadW(wT, {e.c(k), c0}, width));
        Value bv = bias ? e.loadW(bias, {c0}, width) : e.constW(0.0, width);
        for (int64_t j = 0; j + 1 < kSize; ++j)
          win.push_back(e.loadW(winBuf, {e.c(j), c0}, width));
        win = e.forRangeIter(
            t0, tEnd, e.c(1), win,
            [&](Value t, ValueRange it) -> SmallVector<Value> {
              Value xt = e.loadW(x, {b, t, c0}, width);
              Value acc = bv;
              for (int64_t k = 0; k + 1 < kSize; ++k)
                acc = e.fma(wk[k], it[k], acc);
              acc = e.fma(wk[kSize - 1], xt, acc);
              e.storeW(silu ? e.silu(acc) : acc, out, {b, t, c0});
              if (it.empty())
                return {};
              SmallVector<Value> next(it.drop_front());
              next.push_back(xt);
              return next;
            });
        for (int64_t j = 0; j + 1 < kSize; ++j)
          e.storeW(win[j], winBuf, {e.c(j), c0});
      });
    });
    });
    e.forRange(zero, chans, [&](Value c) {
      for (int64_t j = 0; j + 1 < kSize; ++j)
        e.store(e.load(winBuf, {e.c(j), c}), stateOut, {b, c, e.c(j)});
    });
  });
  e.dealloc(winBuf);
  e.dealloc(wT);
}
