//===- Emitter.cpp - Loop/vector IR emission helpers for x86 kernels ------===//

#include "Emitter.h"

using namespace mlir;
using namespace mlir::tessera::x86;

static Type elementType(Value memref) {
  return cast<MemRefType>(memref.getType()).getElementType();
}

Value Emitter::silu(Value x) {
  Type t = x.getType();
  Value one = isa<VectorType>(t)
                  ? splat(1.0, cast<VectorType>(t).getNumElements())
                  : f(1.0);
  return div(x, add(one, exp(neg(x))));
}

Value Emitter::softplus(Value x) {
  // log1p(exp(x)) overflows for large x; there softplus(x) == x in f32.
  Value threshold = f(20.0);
  Value big = fcmp(arith::CmpFPredicate::OGT, x, threshold);
  return select(big, x, log1p(exp(min(x, threshold))));
}

Value Emitter::load(Value memref, ValueRange ivs) {
  Value v = memref::LoadOp::create(b, loc, memref, ivs);
  if (v.getType() != f32())
    v = arith::ExtFOp::create(b, loc, f32(), v);
  return v;
}

void Emitter::store(Value v, Value memref, ValueRange ivs) {
  Type et = elementType(memref);
  if (et != v.getType())
    v = arith::TruncFOp::create(b, loc, et, v);
  memref::StoreOp::create(b, loc, v, memref, ivs);
}

Value Emitter::vload(Value memref, ValueRange ivs, int64_t n) {
  Type et = elementType(memref);
  Value v = vector::LoadOp::create(b, loc, VectorType::get({n}, et), memref,
                                   ivs);
  if (et != f32())
    v = arith::ExtFOp::create(b, loc, vecType(n), v);
  return v;
}

void Emitter::vstore(Value v, Value memref, ValueRange ivs) {
  Type et = elementType(memref);
  auto vt = cast<VectorType>(v.getType());
  if (et != vt.getElementType())
    v = arith::TruncFOp::create(b, loc, VectorType::get(vt.getShape(), et), v);
  vector::StoreOp::create(b, loc, v, memref, ivs);
}

Value Emitter::alloc(ArrayRef<int64_t> shape, ValueRange dynSizes) {
  auto type = MemRefType::get(shape, f32());
  // 64-byte alignment: whole cache lines, aligned vector loads.
  return memref::AllocOp::create(b, loc, type, dynSizes,
                                 b.getI64IntegerAttr(64));
}

void Emitter::forRange(Value lb, Value ub, Value step, const Body &body) {
  scf::ForOp::create(b, loc, lb, ub, step, ValueRange{},
                     [&](OpBuilder &nested, Location, Value iv, ValueRange) {
                       OpBuilder::InsertionGuard guard(b);
                       b.setInsertionPoint(nested.getInsertionBlock(),
                                           nested.getInsertionPoint());
                       body(iv);
                       scf::YieldOp::create(b, loc);
                     });
}

SmallVector<Value> Emitter::forRangeIter(Value lb, Value ub, Value step,
                                         ValueRange init,
                                         const IterBody &body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nested, Location, Value iv, ValueRange iters) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        SmallVector<Value> next = body(iv, iters);
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void Emitter::ifThen(Value cond, const std::function<void()> &then) {
  auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  then();
}

void Emitter::forVectorized(Value lb, Value ub,
                            const std::function<void(Value, int64_t)> &body) {
  Value span = isub(ub, lb);
  Value vecEnd = iadd(lb, floorTo(span, vw));
  forRange(lb, vecEnd, c(vw), [&](Value iv) { body(iv, vw); });
  forRange(vecEnd, ub, [&](Value iv) { body(iv, 1); });
}
