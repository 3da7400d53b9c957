//===- NestingDepth.h - Bounded nesting for textual IR ----------*- C++ -*-===//
//
// MLIR's parser, verifier, printer and most passes recurse once per nesting
// level (region, attribute, type), so a deeply nested input overflows the
// stack and kills the process (issue 9: `module {` x 4000, 20000 nested
// `tuple<>`). Tessera's entry points -- tessera-opt and the Python
// extension's parse -- therefore (1) scan the text for its bracket nesting
// before parsing and refuse anything deeper than kMaxNestingDepth with a
// diagnostic, and (2) run parsing and pass pipelines on a thread whose stack
// (kLargeStackBytes) holds that depth with a wide margin, whatever stack the
// caller (a Python thread, say) has.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_NESTINGDEPTH_H
#define TESSERA_SUPPORT_NESTINGDEPTH_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <optional>
#include <string>

namespace mlir::tessera {

/// Deepest bracket nesting ({ ( [ <) accepted in textual IR. Real IR nests a
/// few dozen levels; the parser takes up to ~4 KB of stack per level, so
/// 1000 levels need ~4 MB, which the parsing thread (kLargeStackBytes) and
/// the default 8 MB stacks of the threads that later print, walk and destroy
/// the IR all hold.
constexpr unsigned kMaxNestingDepth = 1000;

/// Stack of the thread that parses and runs pass pipelines: 16x what
/// kMaxNestingDepth levels take in the parser, for passes that recurse
/// deeper per level. Reserved address space; pages are touched on use.
constexpr unsigned kLargeStackBytes = 64u << 20;

/// Where and how deep an input nests beyond the limit.
struct NestingViolation {
  unsigned depth;  ///< the input's deepest nesting
  unsigned limit;
  size_t offset;   ///< byte offset of the first bracket beyond the limit
  unsigned line, column; ///< of that bracket, 1-based
  /// "input nests N levels deep (limit L)".
  std::string message() const;
};

/// Scans `text` as MLIR tokens (skipping strings and `//` comments) and
/// returns the violation when its bracket nesting exceeds `limit`. Closers
/// that do not match the innermost opener are ignored, so the count never
/// undercounts what the parser would recurse through. MLIR bytecode is not
/// scanned.
std::optional<NestingViolation>
findNestingViolation(llvm::StringRef text,
                     unsigned limit = kMaxNestingDepth);

/// Runs `fn` to completion on a new thread with a kLargeStackBytes stack.
void runOnLargeStack(llvm::function_ref<void()> fn);

} // namespace mlir::tessera

#endif // TESSERA_SUPPORT_NESTINGDEPTH_H
