//===- KernelHelpers.h - small IR builders for NVIDIA kernel bodies -*- C++ -*-===//
//
// Part of convert-tile-to-nvvm: the builder the Mamba2 and attention recipes
// (ConvKernels.cpp, SSDKernels.cpp, AttentionKernels.cpp) write their kernel
// bodies with: index/f32 arithmetic, loads that extend narrow floats to f32
// (and stores that truncate back), scf loops and ifs with a lambda body,
// thread/block ids, barriers, warp reductions over gpu.shuffle, and
// workgroup-memory buffer types. Arithmetic is f32 throughout; exp and log1p
// are math ops that convert-gpu-to-nvvm maps to libdevice.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H
#define TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <functional>

namespace mlir::tessera::nvidia {

/// Threads per warp on every supported chip.
constexpr int64_t kWarpSize = 32;
/// Static shared memory a kernel may use without opting in (48 KiB).
constexpr int64_t kSharedBudgetBytes = 48 * 1024;

/// A flat f32 workgroup (shared-memory) buffer of `n` elements.
inline MemRefType sharedF32(MLIRContext *ctx, int64_t n) {
  return MemRefType::get(
      {n}, Float32Type::get(ctx), MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
}

/// Builds kernel-body IR at `b`'s insertion point.
class KB {
public:
  KB(OpBuilder &b, Location loc) : b(b), loc(loc) {}
  OpBuilder &builder() { return b; }
  Location location() const { return loc; }

  // -- constants and sizes ---------------------------------------------------
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
  }
  Value i32(int32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value dim(Value mem, int64_t i) {
    return memref::DimOp::create(b, loc, mem, i);
  }

  // -- index arithmetic --------------------------------------------------------
  Value iadd(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value isub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value imul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value idiv(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value irem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value imin(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value imax(Value x, Value y) { return arith::MaxUIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, Value y) {
    return arith::CeilDivUIOp::create(b, loc, x, y);
  }
  Value icmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value ult(Value x, Value y) { return icmp(arith::CmpIPredicate::ult, x, y); }
  Value ule(Value x, Value y) { return icmp(arith::CmpIPredicate::ule, x, y); }
  Value land(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  // -- f32 arithmetic ----------------------------------------------------------
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value max(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  /// x * sigmoid(x).
  Value silu(Value x) { return div(x, add(f(1.0), exp(neg(x)))); }
  /// log1p(exp(x)); past 20 softplus(x) == x in f32 (and exp would overflow
  /// further out), as in the x86 emitter.
  Value softplus(Value x) {
    Value thr = f(20.0);
    Value sp = math::Log1pOp::create(b, loc, exp(min(x, thr)));
    return select(fcmp(arith::CmpFPredicate::OGT, x, thr), x, sp);
  }
  /// clamp(softplus(raw + bias), lo, hi); infinite bounds are left out.
  Value timeStep(Value raw, Value bias, double lo, double hi) {
    Value dt = softplus(add(raw, bias));
    if (!std::isinf(lo))
      dt = max(dt, f(lo));
    if (!std::isinf(hi))
      dt = min(dt, f(hi));
    return dt;
  }

  // -- memory ------------------------------------------------------------------
  /// Loads one element as f32 (narrower floats are extended).
  Value load(Value mem, ValueRange idx) {
    Value v = memref::LoadOp::create(b, loc, mem, idx);
    return toF32(v);
  }
  /// Stores an f32, rounded to the buffer's element type.
  void store(Value v, Value mem, ValueRange idx) {
    Type et = cast<MemRefType>(mem.getType()).getElementType();
    if (et != v.getType()) {
      if (cast<FloatType>(et).getWidth() < 32)
        v = arith::TruncFOp::create(b, loc, et, v);
      else
        v = arith::ExtFOp::create(b, loc, et, v);
    }
    memref::StoreOp::create(b, loc, v, mem, idx);
  }
  Value toF32(Value v) {
    Type f32 = b.getF32Type();
    auto ft = cast<FloatType>(v.getType());
    if (ft == f32)
      return v;
    if (ft.getWidth() < 32)
      return arith::ExtFOp::create(b, loc, f32, v);
    return arith::TruncFOp::create(b, loc, f32, v);
  }

  // -- control flow ------------------------------------------------------------
  /// for iv in [lb, ub) step: fn(iv, iters) returns the next iters.
  SmallVector<Value>
  forIter(Value lb, Value ub, Value step, ValueRange init,
          const std::function<SmallVector<Value>(Value, ValueRange)> &fn) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, step, init);
    Block *body = loop.getBody();
    OpBuilder::InsertionGuard g(b);
    if (!body->empty() && body->back().hasTrait<OpTrait::IsTerminator>())
      body->back().erase();
    b.setInsertionPointToEnd(body);
    SmallVector<Value> next =
        fn(loop.getInductionVar(), loop.getRegionIterArgs());
    scf::YieldOp::create(b, loc, next);
    return SmallVector<Value>(loop.getResults());
  }
  void forRange(Value lb, Value ub, Value step,
                const std::function<void(Value)> &fn) {
    forIter(lb, ub, step, {}, [&](Value iv, ValueRange) {
      fn(iv);
      return SmallVector<Value>{};
    });
  }
  void forRange(Value lb, Value ub, const std::function<void(Value)> &fn) {
    forRange(lb, ub, c(1), fn);
  }
  /// if (cond) fn().
  void ifThen(Value cond, const std::function<void()> &fn) {
    auto op = scf::IfOp::create(b, loc, TypeRange{}, cond,
                                /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(op.thenBlock()->getTerminator());
    fn();
  }
  /// cond ? thenFn() : elseFn(), one f32 (only the taken side runs).
  Value ifElse(Value cond, const std::function<Value()> &thenFn,
               const std::function<Value()> &elseFn) {
    auto op = scf::IfOp::create(b, loc, TypeRange{b.getF32Type()}, cond,
                                /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(op.thenBlock());
    scf::YieldOp::create(b, loc, thenFn());
    b.setInsertionPointToStart(op.elseBlock());
    scf::YieldOp::create(b, loc, elseFn());
    return op.getResult(0);
  }

  // -- GPU ---------------------------------------------------------------------
  Value tid() { return gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x); }
  Value bid(gpu::Dimension d) { return gpu::BlockIdOp::create(b, loc, d); }
  void barrier() { gpu::BarrierOp::create(b, loc); }
  /// Sum (or max) over the 32 lanes of a warp, the result in every lane.
  Value warpAllReduce(Value v, bool isMax = false) {
    Value width = i32(kWarpSize);
    for (int32_t off = kWarpSize / 2; off >= 1; off /= 2) {
      auto sh = gpu::ShuffleOp::create(b, loc, v, i32(off), width,
                                       gpu::ShuffleMode::XOR);
      v = isMax ? max(v, sh.getShuffleResult()) : add(v, sh.getShuffleResult());
    }
    return v;
  }

private:
  OpBuilder &b;
  Location loc;
};

/// A static dimension of a memref operand, or a diagnostic on `op` naming it.
inline FailureOr<int64_t> staticDim(Operation *op, Value mem, int64_t i,
                                    StringRef what, int64_t maxSize) {
  int64_t n = cast<MemRefType>(mem.getType()).getDimSize(i);
  if (ShapedType::isDynamic(n))
    return op->emitOpError("NVIDIA lowering needs a static ") << what;
  if (n > maxSize)
    return op->emitOpError("NVIDIA lowering supports ")
           << what << " up to " << maxSize << ", got " << n;
  return n;
}

} // namespace mlir::tessera::nvidia

#endif // TESSERA_LIB_CONVERSION_TILETONVVM_KERNELHELPERS_H
