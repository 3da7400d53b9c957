//===- ShapeChecks.h - Verifier helpers shared by Tessera dialects -*- C++ -*-===//
//
// Small helpers that let op verifiers state a rule once and report it the
// same way everywhere: "<what>: expected <N>, got <M>". Dynamic dimensions
// (`?`) are unknown at compile time, so a check involving one always passes;
// the runtime validates concrete sizes before compiled code runs.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_SHAPECHECKS_H
#define TESSERA_SUPPORT_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace mlir::tessera {

/// Fails with "<what>: expected <expected>, got <actual>" when both sizes are
/// static and differ.
inline LogicalResult checkDim(Operation *op, const llvm::Twine &what,
                              int64_t actual, int64_t expected) {
  if (ShapedType::isDynamic(actual) || ShapedType::isDynamic(expected) ||
      actual == expected)
    return success();
  return op->emitOpError() << what << ": expected " << expected << ", got "
                           << actual;
}

/// Fails unless `value`'s shaped type has rank `rank`.
inline LogicalResult checkRank(Operation *op, const llvm::Twine &what,
                               Type type, int64_t rank) {
  auto shaped = llvm::cast<ShapedType>(type);
  if (shaped.getRank() == rank)
    return success();
  return op->emitOpError() << what << " must have rank " << rank << ", got "
                           << shaped.getRank();
}

/// Fails unless `attrValue` is strictly positive.
inline LogicalResult checkPositive(Operation *op, llvm::StringRef name,
                                   int64_t attrValue) {
  if (attrValue > 0)
    return success();
  return op->emitOpError() << name << " must be positive, got " << attrValue;
}

/// Fails unless `divisor` divides `value` (both assumed positive).
inline LogicalResult checkDivides(Operation *op, const llvm::Twine &what,
                                  int64_t value, int64_t divisor) {
  if (ShapedType::isDynamic(value) || ShapedType::isDynamic(divisor) ||
      (divisor != 0 && value % divisor == 0))
    return success();
  return op->emitOpError() << what << ": " << value
                           << " is not a multiple of " << divisor;
}

/// Prints a shape as `[2, ?, 8]`.
inline std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

/// Prints a double compactly (`1e-05`, `0`, `inf`) for diagnostics.
inline std::string formatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

/// Normalisation epsilons: positive and finite.
inline LogicalResult checkEpsilon(Operation *op, double eps) {
  if (eps > 0 && std::isfinite(eps))
    return success();
  return op->emitOpError() << "epsilon must be positive and finite, got "
                           << formatDouble(eps);
}

/// Mamba2's time-step clamp: 0 <= dt_min <= dt_max (dt_max may be inf).
inline LogicalResult checkDtLimits(Operation *op, double lo, double hi) {
  if (lo >= 0 && !std::isnan(hi) && lo <= hi)
    return success();
  return op->emitOpError() << "dt limits must satisfy 0 <= dt_min <= dt_max, "
                              "got ["
                           << formatDouble(lo) << ", " << formatDouble(hi)
                           << "]";
}

inline int64_t dimOf(Value v, int64_t i) {
  return llvm::cast<ShapedType>(v.getType()).getDimSize(i);
}

} // namespace mlir::tessera

#endif // TESSERA_SUPPORT_SHAPECHECKS_H
