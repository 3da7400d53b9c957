//===- Emitter.cpp - Loop/vector IR emission helpers for x86 kernels ------===//

#include "Emitter.h"

#include "tessera/Dialect/Target/IR/Target.h"

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
  return div(x, add(one, fastExp(neg(x))));
}

Value Emitter::softplus(Value x) {
  // log1p(exp(x)), accurate in f32 for all x. math.log1p lowers to
  // log(1 + u) on x86, which loses the low bits of small u; the classic fix
  // log1p(u) = u * log(1 + u) / ((1 + u) - 1) restores them. Past 20,
  // softplus(x) == x in f32 (and exp would overflow further out).
  auto cst = [&](double v) -> Value {
    if (auto vt = dyn_cast<VectorType>(x.getType()))
      return splat(v, vt.getNumElements());
    return f(v);
  };
  Value thr = cst(20.0), one = cst(1.0);
  Value u = exp(min(x, thr));
  Value onePlus = add(one, u);
  Value denom = sub(onePlus, one);
  Value lg = math::LogOp::create(b, loc, onePlus);
  Value exact = fcmp(arith::CmpFPredicate::OEQ, denom, cst(0.0));
  Value l1p = select(exact, u, div(mul(u, lg), denom));
  return select(fcmp(arith::CmpFPredicate::OGT, x, thr), x, l1p);
}

Value Emitter::fastExp(Value x) {
  Type t = x.getType();
  auto vt = dyn_cast<VectorType>(t);
  auto cst = [&](double v) {
    return vt ? splat(v, vt.getNumElements()) : f(v);
  };
  Type i32 = b.getI32Type();
  Type it = vt ? Type(VectorType::get(vt.getShape(), i32)) : i32;
  auto icst = [&](int32_t v) -> Value {
    Attribute a = b.getI32IntegerAttr(v);
    if (vt)
      a = DenseElementsAttr::get(cast<ShapedType>(it), a);
    return arith::ConstantOp::create(b, loc, cast<TypedAttr>(a));
  };
  // x = n ln2 + r, |r| <= ln2/2; exp(x) = 2^n exp(r).
  Value xc = min(max(x, cst(-87.3365447505531)), cst(88.0));
  Value n = math::FloorOp::create(
      b, loc, fma(xc, cst(1.44269504088896341), cst(0.5)));
  Value r = fma(n, cst(-0.693359375), xc);
  r = fma(n, cst(2.12194440e-4), r);
  Value p = cst(1.9875691500e-4);
  for (double coeff : {1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                       1.6666665459e-1, 5.0000001201e-1})
    p = fma(p, r, cst(coeff));
  Value y = add(fma(mul(p, r), r, r), cst(1.0));
  // 2^n by building the exponent bits: n in [-126, 127].
  Value ni = arith::FPToSIOp::create(b, loc, it, n);
  Value bits = arith::ShLIOp::create(
      b, loc, arith::AddIOp::create(b, loc, ni, icst(127)), icst(23));
  Value pow2 = arith::BitcastOp::create(b, loc, t, bits);
  Value res = mul(y, pow2);
  // Underflow (and -inf) to exactly 0; NaN compares unordered and stays.
  return select(fcmp(arith::CmpFPredicate::OLT, x, cst(-87.3365447505531)),
                cst(0.0), res);
}

Value Emitter::reduceAddLanes(ArrayRef<Value> vs) {
  int64_t w = cast<VectorType>(vs.front().getType()).getNumElements();
  assert(llvm::isPowerOf2_64(w) && static_cast<int64_t>(vs.size()) <= w &&
         "reduceAddLanes: at most W vectors of W = 2^k lanes");
  // Level with block size gs: pairs (a, b) become one vector whose blocks of
  // gs lanes hold a's partial sums in their first half and b's in the
  // second, each the sum of the two halves of the block of the level before.
  SmallVector<Value> level(vs);
  for (int64_t gs = 2; gs <= w; gs *= 2) {
    int64_t h = gs / 2;
    SmallVector<int64_t> lo, hi;
    for (int64_t p = 0; p < w; ++p) {
      int64_t blk = p / gs * gs, pos = p % gs;
      lo.push_back(pos < h ? blk + pos : w + blk + pos - h);
      hi.push_back(pos < h ? blk + h + pos : w + blk + pos);
    }
    SmallVector<Value> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      Value x = level[i];
      Value y = i + 1 < level.size() ? level[i + 1] : splat(0.0, w);
      next.push_back(add(vector::ShuffleOp::create(b, loc, x, y, lo),
                         vector::ShuffleOp::create(b, loc, x, y, hi)));
    }
    level = std::move(next);
  }
  return level.front();
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

Value Emitter::maskedLoad(Value memref, ValueRange ivs, Value mask,
                          int64_t n) {
  Type et = elementType(memref);
  auto vt = VectorType::get({n}, et);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vt, b.getZeroAttr(et)));
  Value v = vector::MaskedLoadOp::create(b, loc, vt, memref, ivs, mask, zero);
  if (et != f32())
    v = arith::ExtFOp::create(b, loc, vecType(n), v);
  return v;
}

void Emitter::maskedStore(Value v, Value memref, ValueRange ivs, Value mask) {
  Type et = elementType(memref);
  auto vt = cast<VectorType>(v.getType());
  if (et != vt.getElementType())
    v = arith::TruncFOp::create(b, loc, VectorType::get(vt.getShape(), et), v);
  vector::MaskedStoreOp::create(b, loc, memref, ivs, mask, v);
}

Value Emitter::bf16Dot(Value acc, Value a, Value bv) {
  return target::X86Bf16DotOp::create(b, loc, acc.getType(), acc, a, bv);
}

Value Emitter::alloc(ArrayRef<int64_t> shape, ValueRange dynSizes) {
  auto type = MemRefType::get(shape, f32());
  // 64-byte alignment: whole cache lines, aligned vector loads.
  return memref::AllocOp::create(b, loc, type, dynSizes,
                                 b.getI64IntegerAttr(64));
}

Value Emitter::stackAlloc(ArrayRef<int64_t> shape) {
  auto type = MemRefType::get(shape, f32());
  return memref::AllocaOp::create(b, loc, type, b.getI64IntegerAttr(64));
}

void Emitter::allocaScope(const std::function<void()> &body) {
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&scope.getBodyRegion());
  body();
  memref::AllocaScopeReturnOp::create(b, loc, ValueRange{});
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

void Emitter::forParallel(ValueRange lbs, ValueRange ubs,
                          const ParallelBody &body) {
  SmallVector<Value> steps(lbs.size(), c(1));
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &nested, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        body(ivs);
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

Value Emitter::fma(Value x, Value y, Value acc) {
  if (auto vt = dyn_cast<VectorType>(x.getType())) {
    int64_t n = vt.getNumElements();
    if (vt.getRank() == 1 && vt.getElementType().isF32() &&
        (n == 4 || n == 8 || n == 16))
      return target::X86VectorFmaOp::create(b, loc, vt, x, y, acc);
  }
  return math::FmaOp::create(b, loc, x, y, acc);
}
