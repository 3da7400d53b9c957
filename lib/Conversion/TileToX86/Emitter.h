//===- Emitter.h - Loop/vector IR emission helpers for x86 kernels -*- C++ -*-===//
//
// Part of convert-tile-to-x86: Tile-IR ops become loop nests
// (scf.for) over memrefs with vector bodies (vector.load/fma/reduction), which
// upstream passes take to LLVM. This header is the small vocabulary those
// kernel emitters share, so that each kernel reads as its algorithm:
//
//   Emitter e(builder, loc, /*vectorWidth=*/8);
//   e.forRange(e.c(0), rows, [&](Value r) { ... e.store(v, out, {r, h}); });
//
// All arithmetic is f32: loads of bf16/f16 elements extend to f32, stores
// truncate back to the buffer's element type.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOX86_EMITTER_H
#define TESSERA_LIB_CONVERSION_TILETOX86_EMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

#include <functional>

namespace mlir::tessera::x86 {

class Emitter {
public:
  Emitter(OpBuilder &b, Location loc, int64_t vectorWidth)
      : b(b), loc(loc), vw(vectorWidth) {}

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }
  int64_t vectorWidth() const { return vw; }
  Type f32() { return b.getF32Type(); }
  VectorType vecType(int64_t n) { return VectorType::get({n}, f32()); }

  // -- constants and index arithmetic ------------------------------------
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value splat(double v, int64_t n) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType(n), b.getF32FloatAttr(v)));
  }
  Value broadcast(Value scalar, int64_t n) {
    return vector::BroadcastOp::create(b, loc, vecType(n), scalar);
  }
  Value dim(Value memref, int64_t i) {
    return memref::DimOp::create(b, loc, memref, i);
  }
  Value iadd(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value isub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value imul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value idiv(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value irem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value imin(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value imax(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value icmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  /// Rounds `n` down to a multiple of `m` (m > 0, a constant).
  Value floorTo(Value n, int64_t m) { return imul(idiv(n, c(m)), c(m)); }
  /// ceil(n / m)
  Value ceilDiv(Value n, int64_t m) { return idiv(iadd(n, c(m - 1)), c(m)); }
  Value indexCast(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }

  // -- float arithmetic (scalars or vectors alike) -------------------------
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value max(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  /// max that ignores NaN operands and +-0 ordering (a single vmaxps, where
  /// `max` needs extra compares and blends for its NaN/-0 semantics).
  Value maxnum(Value x, Value y) {
    return arith::MaxNumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  /// x * y + acc. On f32 vectors of 4, 8 or 16 lanes this is Target-IR's
  /// `target.x86.vector_fma` (an FMA instruction), elsewhere math.fma.
  Value fma(Value x, Value y, Value acc);
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  /// exp(x) in straight-line f32 arithmetic (Cephes polynomial after range
  /// reduction; relative error ~2 ulp), so that it vectorises instead of
  /// becoming one libm call per lane. Inputs below -87.3 (incl. -inf) give
  /// exactly 0; inputs above 88 clamp to exp(88) (no inf). NaN propagates.
  Value fastExp(Value x);
  Value log1p(Value x) { return math::Log1pOp::create(b, loc, x); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  Value rsqrt(Value x) { return math::RsqrtOp::create(b, loc, x); }
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  /// x * sigmoid(x), computed as x / (1 + exp(-x)) with the vectorisable
  /// polynomial exp (math.exp on vectors becomes one libm call per lane).
  Value silu(Value x);
  /// log(1 + exp(x)), stable for large |x|.
  Value softplus(Value x);
  /// Sum of the lanes of a vector.
  Value reduceAdd(Value v) {
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, v);
  }
  /// Sum of the lanes in any order (a shuffle tree rather than reduceAdd's
  /// strictly sequential lane-by-lane adds).
  Value reduceAddTree(Value v) {
    return vector::ReductionOp::create(
        b, loc, vector::CombiningKind::ADD, v,
        arith::FastMathFlags::reassoc | arith::FastMathFlags::nsz);
  }
  /// Lane i of the result is the sum of the lanes of vs[i], for up to W
  /// vectors of W lanes (W a power of two; lanes past vs.size() are 0): a
  /// transpose-and-add tree of log2(W) shuffle/add levels, far cheaper than
  /// W separate reductions.
  Value reduceAddLanes(ArrayRef<Value> vs);
  /// Lane `i` of a vector.
  Value extract(Value v, int64_t i) {
    return vector::ExtractOp::create(b, loc, v, i);
  }
  /// Lanes [offset, offset + n) of a 1-D vector.
  Value slice(Value v, int64_t offset, int64_t n) {
    return vector::ExtractStridedSliceOp::create(b, loc, v, {offset}, {n},
                                                 {1});
  }
  Value reduceMax(Value v) {
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF,
                                       v);
  }

  // -- memory ---------------------------------------------------------------
  /// Scalar load, extended to f32 for narrower float element types.
  Value load(Value memref, ValueRange ivs);
  /// Raw scalar load (integers: token ids).
  Value loadRaw(Value memref, ValueRange ivs) {
    return memref::LoadOp::create(b, loc, memref, ivs);
  }
  /// Store of an f32 scalar, truncated to the buffer's element type.
  void store(Value v, Value memref, ValueRange ivs);
  /// `n` consecutive elements along the last dimension (unit stride),
  /// extended to f32.
  Value vload(Value memref, ValueRange ivs, int64_t n);
  void vstore(Value v, Value memref, ValueRange ivs);
  /// Lanes [0, valid) of a `n`-lane mask (`valid` an index, clamped to
  /// [0, n]).
  Value laneMask(Value valid, int64_t n) {
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({n}, b.getI1Type()), ValueRange{valid});
  }
  /// vload of the lanes `mask` selects (0 in the others), extended to f32.
  Value maskedLoad(Value memref, ValueRange ivs, Value mask, int64_t n);
  /// vstore of the lanes `mask` selects.
  void maskedStore(Value v, Value memref, ValueRange ivs, Value mask);
  /// acc[i] + a[2i] * b[2i] + a[2i+1] * b[2i+1] for f32 `acc` of N lanes and
  /// bf16 `a`, `b` of 2N: Target-IR's `target.x86.bf16_dot` (vdpbf16ps;
  /// the caller checks that the target has +avx512bf16).
  Value bf16Dot(Value acc, Value a, Value bv);
  /// Hint that the cache line holding memref[ivs] will be read soon.
  void prefetch(Value memref, ValueRange ivs) {
    memref::PrefetchOp::create(b, loc, memref, ivs, b.getBoolAttr(false),
                               b.getI32IntegerAttr(3), b.getBoolAttr(true));
  }
  /// A buffer of f32 with the given (possibly dynamic) sizes.
  Value alloc(ArrayRef<int64_t> shape, ValueRange dynSizes);
  void dealloc(Value memref) { memref::DeallocOp::create(b, loc, memref); }
  /// A static-shape f32 scratch buffer on the stack (64-byte aligned). Emit
  /// it inside `allocaScope` when the insertion point is in a loop, so the
  /// stack does not grow per iteration.
  Value stackAlloc(ArrayRef<int64_t> shape);
  /// Emits `body` in a memref.alloca_scope: stack buffers allocated in it are
  /// released at its end (llvm.stacksave/stackrestore).
  void allocaScope(const std::function<void()> &body);

  // -- width-generic forms: `w` lanes, or a scalar when w == 1 -------------
  Value loadW(Value memref, ValueRange ivs, int64_t w) {
    return w == 1 ? load(memref, ivs) : vload(memref, ivs, w);
  }
  void storeW(Value v, Value memref, ValueRange ivs) {
    if (isa<VectorType>(v.getType()))
      vstore(v, memref, ivs);
    else
      store(v, memref, ivs);
  }
  Value constW(double v, int64_t w) { return w == 1 ? f(v) : splat(v, w); }
  Value broadcastW(Value scalar, int64_t w) {
    return w == 1 ? scalar : broadcast(scalar, w);
  }

  // -- loops -------------------------------------------------------------------
  using Body = std::function<void(Value)>;
  using IterBody = std::function<SmallVector<Value>(Value, ValueRange)>;
  void forRange(Value lb, Value ub, Value step, const Body &body);
  void forRange(Value lb, Value ub, const Body &body) {
    forRange(lb, ub, c(1), body);
  }
  /// A loop nest whose iterations are independent and may run on different
  /// threads: one scf.parallel over [lbs, ubs) with unit steps, which
  /// convert-scf-to-openmp turns into an OpenMP worksharing loop. Kernels
  /// put it at their outermost level only (no nested thread teams); each
  /// iteration must write disjoint data and own its scratch buffers.
  using ParallelBody = std::function<void(ValueRange)>;
  void forParallel(ValueRange lbs, ValueRange ubs, const ParallelBody &body);
  /// A loop carrying values; returns their final values.
  SmallVector<Value> forRangeIter(Value lb, Value ub, Value step,
                                  ValueRange init, const IterBody &body);
  /// Emits `then` only when `cond` holds.
  void ifThen(Value cond, const std::function<void()> &then);
  /// Element-wise loop over the last dimension of a row: vector steps of the
  /// emitter's width, then a scalar tail. `body(iv, width)` gets width 1 for
  /// the tail (use load/store) or the vector width (use vload/vstore).
  void forVectorized(Value lb, Value ub,
                     const std::function<void(Value, int64_t)> &body);

private:
  OpBuilder &b;
  Location loc;
  int64_t vw;
};

} // namespace mlir::tessera::x86

#endif // TESSERA_LIB_CONVERSION_TILETOX86_EMITTER_H
