//===- ConvKernels.cpp - GPU kernel: causal depthwise conv1d -----------===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl: the kernel recipe (Kernels.h) for
// tile.causal_conv1d, the short causal depthwise convolution of a Mamba2
// mixer (kernel K = 4) over [B, S, C] activations, continuing from a state
// of the previous K-1 inputs. Decode is the same kernel with S = 1.
//
// One thread per (batch, channel), 128 channels per block along the
// contiguous dimension (coalesced loads and stores), grid
// (ceil(C / 128), B). Each thread walks the sequence in order with its K
// weights and the sliding window of the last K-1 inputs in registers: one
// load, K FMAs, the optional SiLU and one store per step. The window starts
// as the incoming state (or zeros) and ends as the outgoing one, so S < K-1
// needs no special case, and since every element of x, out, state_in and
// state_out belongs to exactly one thread which reads before it writes, the
// kernel is safe in place (out == x, state_out == state_in). The op's
// block_channels is not used: a block is always 128 channels.
//
//===----------------------------------------------------------------------===//

#include "KernelHelpers.h"
#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {

constexpr int64_t kThreads = 128;
/// The window lives in registers: kernel sizes up to this many taps.
constexpr int64_t kMaxTaps = 16;

KernelRecipe convRecipe(int64_t taps, bool hasBias, bool hasState, bool silu) {
  // Kernel arguments: x, weight, [bias], [state_in], out, state_out.
  int64_t iBias = hasBias ? 2 : -1;
  int64_t iStateIn = hasState ? 2 + hasBias : -1;
  int64_t iOut = 2 + hasBias + hasState, iStateOut = iOut + 1;
  KernelRecipe r;
  r.block = {kThreads, 1, 1};
  r.grid = [](OpBuilder &hb, Location loc, ValueRange ops) {
    GPUEmitter h(hb, loc);
    return SmallVector<Value, 3>{h.ceilDiv(h.dim(ops[0], 2), kThreads),
                                 h.dim(ops[0], 0), h.c(1)};
  };
  r.body = [=](OpBuilder &ob, Location loc, ValueRange args, ValueRange) {
    GPUEmitter e(ob, loc);
    Value x = args[0], w = args[1], out = args[iOut],
          stateOut = args[iStateOut];
    Value chan = e.iadd(e.imul(e.blockId(gpu::Dimension::x), e.c(kThreads)),
                        e.threadId());
    Value batch = e.blockId(gpu::Dimension::y);
    Value seq = e.dim(x, 1), chans = e.dim(x, 2);
    e.ifThen(e.ult(chan, chans), [&] {
      SmallVector<Value> wk, win;
      for (int64_t k = 0; k < taps; ++k)
        wk.push_back(e.load(w, {chan, e.c(k)}));
      Value bias = hasBias ? e.load(args[iBias], {chan}) : e.f(0.0);
      for (int64_t j = 0; j + 1 < taps; ++j)
        win.push_back(hasState ? e.load(args[iStateIn], {batch, chan, e.c(j)})
                               : e.f(0.0));
      win = e.forRangeIter(e.c(0), seq, e.c(1), win,
                      [&](Value t, ValueRange it) -> SmallVector<Value> {
                        Value xt = e.load(x, {batch, t, chan});
                        Value acc = bias;
                        for (int64_t k = 0; k + 1 < taps; ++k)
                          acc = e.fma(wk[k], it[k], acc);
                        acc = e.fma(wk[taps - 1], xt, acc);
                        e.store(silu ? e.silu(acc) : acc, out,
                                {batch, t, chan});
                        if (it.empty())
                          return {};
                        SmallVector<Value> next(it.drop_front());
                        next.push_back(xt);
                        return next;
                      });
      for (int64_t j = 0; j + 1 < taps; ++j)
        e.store(win[j], stateOut, {batch, chan, e.c(j)});
    });
    return success();
  };
  return r;
}

} // namespace

FailureOr<KernelRecipe> gpukernels::getConvRecipe(Operation *op,
                                              const GPUTargetInfo &target) {
  auto conv = dyn_cast<tile::CausalConv1dOp>(op);
  if (!conv)
    return op->emitOpError() << "has no " << target.vendorName() << " lowering";
  FailureOr<int64_t> taps =
      staticDim(target, op, conv.getWeight(), 1, "kernel size", kMaxTaps);
  if (failed(taps))
    return failure();
  return convRecipe(*taps, conv.getBias() != nullptr,
                    conv.getStateIn() != nullptr, conv.getSilu());
}
