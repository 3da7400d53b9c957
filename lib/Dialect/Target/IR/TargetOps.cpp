//===- TargetOps.cpp - Tessera Target-IR op verifiers ---------------------===//
//
// Verifiers of the Target-IR ops: each checks the shape and type rules of
// the hardware instruction the op stands for (MFMA shapes and fragments, x86
// register widths) and names the rule, the expected and the actual value when
// one is broken. Shapes here are always static.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Target/IR/Target.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::target;

#define GET_OP_CLASSES
#include "tessera/Dialect/Target/IR/TargetOps.cpp.inc"

namespace {
/// Fails unless `length` fills an xmm, ymm or zmm register with 32-bit lanes.
LogicalResult checkRegisterLanes(Operation *op, StringRef what,
                                 int64_t length) {
  if (length == 4 || length == 8 || length == 16)
    return success();
  return op->emitOpError() << what
                           << " length must be 4, 8 or 16 (xmm, ymm, zmm), got "
                           << length;
}
} // namespace

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
