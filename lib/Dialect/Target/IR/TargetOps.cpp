//===- TargetOps.cpp - Tessera Target-IR op verifiers ---------------------===//
//
// Verifiers of the Target-IR ops: each checks the shape and type rules of
// the hardware instruction the op stands for (wgmma shapes, TMA box limits,
// MFMA fragments, x86 register widths) and names the rule, the expected and
// the actual value when one is broken. Shapes here are always static.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Target/IR/Target.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::target;

#define GET_OP_CLASSES
#include "tessera/Dialect/Target/IR/TargetOps.cpp.inc"

namespace {
/// Fails unless `v`'s shape is exactly `expected` (instruction operands have
/// fixed, static shapes).
LogicalResult checkExactShape(Operation *op, const Twine &what, Value v,
                              ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = cast<ShapedType>(v.getType()).getShape();
  if (actual == expected)
    return success();
  return op->emitOpError() << what << " shape: expected "
                           << formatShape(expected) << ", got "
                           << formatShape(actual);
}

/// Fails unless `lo <= value <= hi`.
LogicalResult checkRange(Operation *op, StringRef what, int64_t value,
                         int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi)
    return success();
  return op->emitOpError() << what << " must be in [" << lo << ", " << hi
                           << "], got " << value;
}

/// Fails unless `length` fills an xmm, ymm or zmm register with 32-bit lanes.
LogicalResult checkRegisterLanes(Operation *op, StringRef what,
                                 int64_t length) {
  if (length == 4 || length == 8 || length == 16)
    return success();
  return op->emitOpError() << what
                           << " length must be 4, 8 or 16 (xmm, ymm, zmm), got "
                           << length;
}

/// Largest value of the 20-bit mbarrier arrival and transaction counts.
constexpr int64_t kMaxMBarrierCount = (1 << 20) - 1;
} // namespace

//===----------------------------------------------------------------------===//
// NVIDIA
//===----------------------------------------------------------------------===//

LogicalResult NvidiaWgmmaOp::verify() {
  VectorType acc = getAcc().getType();
  int64_t n = acc.getDimSize(1);
  if (failed(checkDim(*this, "accumulator rows (m)", acc.getDimSize(0), 64)))
    return failure();
  if (n < 8 || n > 256 || n % 8 != 0)
    return emitOpError("accumulator columns (n) must be a multiple of 8 in "
                       "[8, 256], got ")
           << n;
  if (failed(checkExactShape(*this, "A", getA(), {64, 16})) ||
      failed(getTransposeB()
                 ? checkExactShape(*this, "B [N, 16]", getB(), {n, 16})
                 : checkExactShape(*this, "B [16, N]", getB(), {16, n})))
    return failure();
  Type aElem = getA().getType().getElementType();
  Type bElem = getB().getType().getElementType();
  if (aElem != bElem)
    return emitOpError("B element type must equal the A element type ")
           << aElem << ", got " << bElem;
  return success();
}

LogicalResult NvidiaTmaLoadOp::verify() {
  MemRefType src = getSrc().getType(), dst = getDst().getType();
  if (failed(checkRange(*this, "source rank", src.getRank(), 1, 5)) ||
      failed(checkDim(*this, "coordinates", getCoordinates().size(),
                      src.getRank())) ||
      failed(checkRank(*this, "destination", dst, src.getRank())))
    return failure();
  if (!dst.hasStaticShape())
    return emitOpError("destination must have a static shape, got ") << dst;
  if (src.getElementType() != dst.getElementType())
    return emitOpError("destination element type must equal the source "
                       "element type ")
           << src.getElementType() << ", got " << dst.getElementType();
  for (auto [i, d] : llvm::enumerate(dst.getShape()))
    if (failed(checkRange(*this, ("box dim " + Twine(i)).str(), d, 1, 256)))
      return failure();
  int64_t innerBits = dst.getShape().back() *
                      dst.getElementType().getIntOrFloatBitWidth();
  if (innerBits % 128 != 0) {
    InFlightDiagnostic diag = emitOpError(
        "innermost box dim must span a multiple of 16 bytes, got ");
    if (innerBits % 8 == 0)
      diag << innerBits / 8 << " bytes";
    else
      diag << innerBits << " bits";
    return diag;
  }
  return success();
}

LogicalResult NvidiaMmaSyncOp::verify() {
  if (failed(checkExactShape(*this, "A fragment", getA(), {4, 2})) ||
      failed(checkExactShape(*this, "B fragment", getB(), {2, 2})) ||
      failed(checkExactShape(*this, "accumulator fragment", getC(), {2, 2})))
    return failure();
  Type aElem = getA().getType().getElementType();
  Type bElem = getB().getType().getElementType();
  if (aElem != bElem)
    return emitOpError("B element type must equal the A element type ")
           << aElem << ", got " << bElem;
  return success();
}

LogicalResult NvidiaBarrierOp::verify() {
  std::optional<uint32_t> id = getBarrierId();
  std::optional<uint32_t> count = getThreadCount();
  if (id && failed(checkRange(*this, "barrier_id",
                              static_cast<int32_t>(*id), 0, 15)))
    return failure();
  if (count && !id)
    return emitOpError("thread_count needs a barrier_id, got none");
  if (count && (static_cast<int32_t>(*count) <= 0 || *count % 32 != 0))
    return emitOpError("thread_count must be a positive multiple of 32, got ")
           << static_cast<int32_t>(*count);
  return success();
}

LogicalResult NvidiaMBarrierInitOp::verify() {
  return checkRange(*this, "arrive_count", getArriveCount(), 1,
                    kMaxMBarrierCount);
}

LogicalResult NvidiaMBarrierArriveExpectTxOp::verify() {
  return checkRange(*this, "tx_bytes", getTxBytes(), 1, kMaxMBarrierCount);
}

//===----------------------------------------------------------------------===//
// AMD
//===----------------------------------------------------------------------===//

LogicalResult AmdMfmaOp::verify() {
  int64_t m = getM(), n = getN(), k = getK();
  bool supported = (m == 32 && n == 32 && k == 8) ||
                   (m == 16 && n == 16 && k == 16);
  if (!supported)
    return emitOpError("unsupported MFMA shape ")
           << m << "x" << n << "x" << k << ", expected 32x32x8 or 16x16x16";
  // A wavefront has 64 lanes; each holds an equal share of A and of C.
  if (failed(checkDim(*this, "A fragment length",
                      getA().getType().getDimSize(0), m * k / 64)))
    return failure();
  return checkDim(*this, "accumulator fragment length",
                  getC().getType().getDimSize(0), m * n / 64);
}

//===----------------------------------------------------------------------===//
// x86
//===----------------------------------------------------------------------===//

LogicalResult X86VectorFmaOp::verify() {
  return checkRegisterLanes(*this, "vector", getType().getDimSize(0));
}

LogicalResult X86VnniDotOp::verify() {
  int64_t lanes = getAcc().getType().getDimSize(0);
  if (failed(checkRegisterLanes(*this, "accumulator", lanes)))
    return failure();
  return checkDim(*this, "operand length (4 bytes per accumulator lane)",
                  getA().getType().getDimSize(0), 4 * lanes);
}

LogicalResult X86Bf16DotOp::verify() {
  int64_t lanes = getAcc().getType().getDimSize(0);
  if (failed(checkRegisterLanes(*this, "accumulator", lanes)))
    return failure();
  return checkDim(*this, "operand length (2 bf16 per accumulator lane)",
                  getA().getType().getDimSize(0), 2 * lanes);
}
