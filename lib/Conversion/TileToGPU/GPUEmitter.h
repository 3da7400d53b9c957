//===- GPUEmitter.h - IR emission helpers for GPU kernel bodies --*- C++ -*-===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl: the small
// vocabulary the kernel recipes (Kernels.h) share to write gpu.func bodies,
// so each recipe reads as its algorithm:
//
//   GPUEmitter e(b, loc);
//   Value row = e.blockId();
//   Value ss = e.forBlockStrideIter(e.c(0), hidden, kThreads, {e.f(0)}, ...);
//   Value total = e.blockReduceSum(ss, scratch, kThreads);
//
// Conventions:
//  - Arithmetic is f32: load() extends bf16/f16 elements to f32, store()
//    truncates to the buffer's element type.
//  - No op here may become a device-library call (libdevice __nv_*, ROCm
//    __ocml_*), which the binary step does not link: fma/max/min are LLVM
//    intrinsics, and transcendentals (exp, log, rsqrt) are the vendor's
//    approximate hardware intrinsics, chosen from the enclosing gpu.module's
//    target: NVVM ex2/lg2/rsqrt.approx.ftz.f32, ROCDL exp2/log/rsq
//    (v_exp_f32, v_log_f32, v_rsq_f32). Relative error ~2^-22 before
//    argument scaling.
//  - Reductions: warp (NVIDIA, 32 lanes) or wavefront (AMD CDNA, 64 lanes)
//    level with gpu.shuffle xor (every lane gets the result), block level
//    through a workgroup buffer of one f32 per warp (reductionScratchType()),
//    declared in the recipe's `workgroup` list. The width is the target's
//    (warpSize(), from the enclosing gpu.module's target).
//  - Thread ids are along x only; recipes use 1-D thread blocks.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_TILETOGPU_GPUEMITTER_H
#define TESSERA_LIB_CONVERSION_TILETOGPU_GPUEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include <functional>

namespace mlir::tessera::gpukernels {

/// Most warps (wavefronts) a block of at most 1024 threads has.
constexpr int64_t kMaxWarpsPerBlock = 32;

class GPUEmitter {
public:
  /// The target is read once here, from the gpu.module enclosing `b`'s
  /// insertion point (none: a host-side emitter for grids, NVIDIA defaults).
  GPUEmitter(OpBuilder &b, Location loc);

  /// Lanes of a warp/wavefront of the kernel being written: 64 inside a
  /// gpu.module targeting ROCDL (CDNA is wave64), else 32.
  int64_t warpSize() const { return amd ? 64 : 32; }
  /// Inside a gpu.module with a #rocdl.target.
  bool isAMD() const { return amd; }

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }
  Type f32() { return b.getF32Type(); }
  Type i32() { return b.getI32Type(); }

  // -- constants and index arithmetic ---------------------------------------
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value ci32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
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
  /// x < y on indices (unsigned: indices here are never negative).
  Value ult(Value x, Value y) { return icmp(arith::CmpIPredicate::ult, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  /// ceil(n / m) for a constant m > 0.
  Value ceilDiv(Value n, int64_t m) {
    return arith::CeilDivUIOp::create(b, loc, n, c(m));
  }
  /// An integer (i32/i64) as an index.
  Value indexCast(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }

  // -- thread and block ids (index) -------------------------------------------
  Value threadId(gpu::Dimension d = gpu::Dimension::x) {
    return gpu::ThreadIdOp::create(b, loc, d);
  }
  Value blockId(gpu::Dimension d = gpu::Dimension::x) {
    return gpu::BlockIdOp::create(b, loc, d);
  }
  /// threadIdx.x % warpSize() and threadIdx.x / warpSize().
  Value laneId() { return irem(threadId(), c(warpSize())); }
  Value warpId() { return idiv(threadId(), c(warpSize())); }

  // -- f32 arithmetic -----------------------------------------------------------
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  /// max/min as llvm.intr.maxnum/minnum (max.f32/min.f32): the arith
  /// forms become libdevice calls in convert-gpu-to-nvvm.
  Value max(Value x, Value y);
  Value min(Value x, Value y);
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  /// x * y + acc (one fma.rn.f32).
  Value fma(Value x, Value y, Value acc);
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  /// e^x through ex2.approx.ftz.f32 / v_exp_f32; -inf gives 0.
  Value exp(Value x);
  /// ln(x) through lg2.approx.ftz.f32 / v_log_f32.
  Value log(Value x);
  /// 1 / sqrt(x) through rsqrt.approx.ftz.f32 / v_rsq_f32.
  Value rsqrt(Value x);
  /// x * sigmoid(x) = x / (1 + e^-x).
  Value silu(Value x);
  /// log(1 + e^x), stable for large |x| (x itself above 20).
  Value softplus(Value x);

  // -- conversions and memory -----------------------------------------------------
  /// `v` (any float type) as f32.
  Value toF32(Value v);
  /// The f32 `v` rounded to float type `t` (identity for f32).
  Value fromF32(Value v, Type t);
  /// Scalar load, extended to f32 for narrower float element types.
  Value load(Value memref, ValueRange ivs);
  /// Raw scalar load (token ids, bf16 kept as bf16).
  Value loadRaw(Value memref, ValueRange ivs) {
    return memref::LoadOp::create(b, loc, memref, ivs);
  }
  /// Store of an f32 scalar, truncated to the buffer's element type.
  void store(Value v, Value memref, ValueRange ivs);
  void storeRaw(Value v, Value memref, ValueRange ivs) {
    memref::StoreOp::create(b, loc, v, memref, ivs);
  }
  /// A static-shape buffer in workgroup (shared) memory, for a recipe's
  /// `workgroup` list.
  static MemRefType workgroupType(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                  Type elementType);
  /// memref<32xf32, workgroup>: the scratch of blockReduce* (one f32 per
  /// warp, kMaxWarpsPerBlock).
  static MemRefType reductionScratchType(MLIRContext *ctx);

  // -- control flow ------------------------------------------------------------------
  using Body = std::function<void(Value)>;
  using IterBody = std::function<SmallVector<Value>(Value, ValueRange)>;
  void forRange(Value lb, Value ub, Value step, const Body &body);
  void forRange(Value lb, Value ub, const Body &body) {
    forRange(lb, ub, c(1), body);
  }
  /// A loop carrying values; returns their final values.
  SmallVector<Value> forRangeIter(Value lb, Value ub, Value step,
                                  ValueRange init, const IterBody &body);
  /// for (i = lb + threadIdx.x; i < ub; i += numThreads): the block's threads
  /// share the range [lb, ub) element by element (coalesced accesses).
  void forBlockStride(Value lb, Value ub, int64_t numThreads, const Body &body);
  SmallVector<Value> forBlockStrideIter(Value lb, Value ub, int64_t numThreads,
                                        ValueRange init, const IterBody &body);
  /// Emits `then` only when `cond` holds.
  void ifThen(Value cond, const std::function<void()> &then);
  /// Emits `then` when `cond` holds, else `otherwise`.
  void ifThenElse(Value cond, const std::function<void()> &then,
                  const std::function<void()> &otherwise);
  /// cond ? then() : otherwise(), both returning values of `types`.
  SmallVector<Value> ifThenElse(Value cond, TypeRange types,
                                const std::function<SmallVector<Value>()> &then,
                                const std::function<SmallVector<Value>()> &otherwise);
  /// Every thread of the block waits here; earlier workgroup writes become
  /// visible to all (bar.sync 0).
  void barrier() { gpu::BarrierOp::create(b, loc); }

  // -- reductions (f32) -----------------------------------------------------------------
  /// Sum / max over the lanes of the warp (wavefront); every lane gets the
  /// result
  /// (xor butterfly of gpu.shuffle). All lanes must be active.
  Value warpReduceSum(Value v);
  Value warpReduceMax(Value v);
  /// Sum / max over the `numThreads` threads of a 1-D block (a multiple of
  /// warpSize(), at most 1024); every thread gets the result. `scratch` is a
  /// reductionScratchType() workgroup buffer. Contains barriers, so every
  /// thread of the block must reach it; it may be called again right away
  /// with the same scratch.
  Value blockReduceSum(Value v, Value scratch, int64_t numThreads);
  Value blockReduceMax(Value v, Value scratch, int64_t numThreads);

private:
  Value callIntrinsic(StringRef name, Value x);
  Value warpReduce(Value v, bool isMax);
  Value blockReduce(Value v, Value scratch, int64_t numThreads, bool isMax);

  OpBuilder &b;
  Location loc;
  bool amd = false;
};

/// Lanes per warp of the kernels compiled for a gpu.module target attribute
/// (#rocdl.target: 64, else 32).
int64_t warpSizeOf(Attribute gpuTarget);

} // namespace mlir::tessera::gpukernels

#endif // TESSERA_LIB_CONVERSION_TILETOGPU_GPUEMITTER_H
