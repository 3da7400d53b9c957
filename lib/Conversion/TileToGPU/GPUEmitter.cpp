//===- GPUEmitter.cpp - IR emission helpers for GPU kernel bodies ---------===//
//
// Shared by convert-tile-to-nvvm and convert-tile-to-rocdl; see GPUEmitter.h.
//
//===----------------------------------------------------------------------===//

#include "GPUEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera::gpukernels;

int64_t mlir::tessera::gpukernels::warpSizeOf(Attribute gpuTarget) {
  return isa_and_nonnull<ROCDL::ROCDLTargetAttr>(gpuTarget) ? 64 : 32;
}

GPUEmitter::GPUEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {
  // Walk up by hand: the builder may be inside a region whose op is not
  // inserted yet (an scf.for body being built).
  for (Block *block = b.getInsertionBlock(); block;) {
    Operation *op = block->getParentOp();
    if (!op)
      break;
    if (auto module = dyn_cast<gpu::GPUModuleOp>(op)) {
      if (ArrayAttr targets = module.getTargetsAttr())
        amd = llvm::any_of(targets, [](Attribute t) {
          return warpSizeOf(t) == 64;
        });
      break;
    }
    block = op->getBlock();
  }
}

Value GPUEmitter::fma(Value x, Value y, Value acc) {
  // llvm.intr.fma, not math.fma: convert-gpu-to-nvvm would make the latter a
  // libdevice call (__nv_fmaf).
  return LLVM::FMAOp::create(b, loc, x, y, acc);
}

Value GPUEmitter::max(Value x, Value y) {
  return LLVM::MaxNumOp::create(b, loc, x, y);
}

Value GPUEmitter::min(Value x, Value y) {
  return LLVM::MinNumOp::create(b, loc, x, y);
}

Value GPUEmitter::callIntrinsic(StringRef name, Value x) {
  return LLVM::CallIntrinsicOp::create(b, loc, f32(), b.getStringAttr(name),
                                       ValueRange{x})
      .getResult(0);
}

// AMD: the ROCDL ops / amdgcn intrinsics of the hardware instructions;
// convert-gpu-to-rocdl would turn math.exp2 or llvm.intr.exp2 into __ocml
// calls, which the binary step does not link.
Value GPUEmitter::exp(Value x) {
  Value scaled = mul(x, f(M_LOG2E));
  if (isAMD())
    return ROCDL::ROCDLExp2::create(b, loc, f32(), scaled);
  return callIntrinsic("llvm.nvvm.ex2.approx.ftz.f", scaled);
}

Value GPUEmitter::log(Value x) {
  Value log2 = isAMD() ? Value(ROCDL::ROCDLLog::create(b, loc, f32(), x))
                       : callIntrinsic("llvm.nvvm.lg2.approx.ftz.f", x);
  return mul(log2, f(M_LN2));
}

Value GPUEmitter::rsqrt(Value x) {
  return callIntrinsic(isAMD() ? "llvm.amdgcn.rsq.f32"
                               : "llvm.nvvm.rsqrt.approx.ftz.f",
                       x);
}

Value GPUEmitter::silu(Value x) {
  return div(x, add(f(1.0), exp(neg(x))));
}

Value GPUEmitter::softplus(Value x) {
  Value big = fcmp(arith::CmpFPredicate::OGT, x, f(20.0));
  Value small = log(add(f(1.0), exp(min(x, f(20.0)))));
  return select(big, x, small);
}

Value GPUEmitter::toF32(Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, f32(), v);
}

Value GPUEmitter::fromF32(Value v, Type t) {
  if (t.isF32())
    return v;
  return arith::TruncFOp::create(b, loc, t, v);
}

Value GPUEmitter::load(Value memref, ValueRange ivs) {
  return toF32(loadRaw(memref, ivs));
}

void GPUEmitter::store(Value v, Value memref, ValueRange ivs) {
  Type t = cast<MemRefType>(memref.getType()).getElementType();
  storeRaw(fromF32(v, t), memref, ivs);
}

MemRefType GPUEmitter::workgroupType(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                     Type elementType) {
  auto space = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  return MemRefType::get(shape, elementType, MemRefLayoutAttrInterface(),
                         space);
}

MemRefType GPUEmitter::reductionScratchType(MLIRContext *ctx) {
  return workgroupType(ctx, {kMaxWarpsPerBlock}, Float32Type::get(ctx));
}

void GPUEmitter::forRange(Value lb, Value ub, Value step, const Body &body) {
  auto loop = scf::ForOp::create(b, loc, lb, ub, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

SmallVector<Value> GPUEmitter::forRangeIter(Value lb, Value ub, Value step,
                                            ValueRange init,
                                            const IterBody &body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nb, Location, Value iv, ValueRange iters) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nb.getInsertionBlock());
        SmallVector<Value> next = body(iv, iters);
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void GPUEmitter::forBlockStride(Value lb, Value ub, int64_t numThreads,
                                const Body &body) {
  forRange(iadd(lb, threadId()), ub, c(numThreads), body);
}

SmallVector<Value> GPUEmitter::forBlockStrideIter(Value lb, Value ub,
                                                  int64_t numThreads,
                                                  ValueRange init,
                                                  const IterBody &body) {
  return forRangeIter(iadd(lb, threadId()), ub, c(numThreads), init, body);
}

void GPUEmitter::ifThen(Value cond, const std::function<void()> &then) {
  auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  then();
}

void GPUEmitter::ifThenElse(Value cond, const std::function<void()> &then,
                            const std::function<void()> &otherwise) {
  auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  then();
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  otherwise();
}

SmallVector<Value>
GPUEmitter::ifThenElse(Value cond, TypeRange types,
                       const std::function<SmallVector<Value>()> &then,
                       const std::function<SmallVector<Value>()> &otherwise) {
  auto ifOp = scf::IfOp::create(b, loc, types, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, then());
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, otherwise());
  return SmallVector<Value>(ifOp.getResults());
}

Value GPUEmitter::warpReduce(Value v, bool isMax) {
  int32_t width = warpSize();
  for (int32_t offset = width / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, v, offset, width,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = isMax ? max(v, other) : add(v, other);
  }
  return v;
}

Value GPUEmitter::warpReduceSum(Value v) { return warpReduce(v, false); }
Value GPUEmitter::warpReduceMax(Value v) { return warpReduce(v, true); }

Value GPUEmitter::blockReduce(Value v, Value scratch, int64_t numThreads,
                              bool isMax) {
  assert(numThreads % warpSize() == 0 && numThreads <= 1024 &&
         "block reductions need whole warps");
  v = warpReduce(v, isMax);
  int64_t numWarps = numThreads / warpSize();
  if (numWarps == 1)
    return v;
  Value lane = laneId();
  Value warp = warpId();
  ifThen(icmp(arith::CmpIPredicate::eq, lane, c(0)),
         [&] { storeRaw(v, scratch, {warp}); });
  barrier();
  // Every warp reduces the per-warp partials, so every thread has the total
  // without a second round through shared memory.
  Value identity = f(isMax ? -INFINITY : 0.0);
  Value partial =
      ifThenElse(ult(lane, c(numWarps)), {f32()},
                 [&]() -> SmallVector<Value> {
                   return {loadRaw(scratch, {lane})};
                 },
                 [&]() -> SmallVector<Value> { return {identity}; })[0];
  Value total = warpReduce(partial, isMax);
  // The scratch may be reused right after: nobody writes it before all have
  // read it.
  barrier();
  return total;
}

Value GPUEmitter::blockReduceSum(Value v, Value scratch, int64_t numThreads) {
  return blockReduce(v, scratch, numThreads, false);
}
Value GPUEmitter::blockReduceMax(Value v, Value scratch, int64_t numThreads) {
  return blockReduce(v, scratch, numThreads, true);
}
