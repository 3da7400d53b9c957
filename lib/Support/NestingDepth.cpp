//===- NestingDepth.cpp - Bounded nesting for textual IR ------------------===//
//
// The pre-parse nesting scan and the large-stack runner used by tessera-opt
// and the Python extension before and around MLIR's recursive parser.
//
//===----------------------------------------------------------------------===//

#include "tessera/Support/NestingDepth.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/thread.h"

using namespace mlir::tessera;

std::string NestingViolation::message() const {
  return "input nests " + std::to_string(depth) + " levels deep (limit " +
         std::to_string(limit) + ")";
}

std::optional<NestingViolation>
mlir::tessera::findNestingViolation(llvm::StringRef text, unsigned limit) {
  // MLIR bytecode is binary (its reader keeps an explicit stack of regions):
  // bytes that look like brackets mean nothing there.
  if (text.starts_with("ML\xefR"))
    return std::nullopt;
  llvm::SmallVector<char, 64> open;
  std::optional<NestingViolation> violation;
  unsigned line = 1;
  size_t lineStart = 0;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    switch (c) {
    case '\n':
      ++line;
      lineStart = i + 1;
      break;
    case '/':
      if (i + 1 < n && text[i + 1] == '/')
        while (i + 1 < n && text[i + 1] != '\n')
          ++i;
      break;
    case '"':
      // A string ends at an unescaped quote or (unterminated) at the newline
      // where the lexer gives up too.
      for (++i; i < n && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
      if (i < n && text[i] == '\n')
        --i;
      break;
    case '-':
      if (i + 1 < n && text[i + 1] == '>')
        ++i; // `->` is an arrow, not a closer.
      break;
    case '{':
    case '(':
    case '[':
    case '<':
      open.push_back(c);
      if (open.size() > limit && !violation)
        violation = NestingViolation{0, limit, i, line,
                                     static_cast<unsigned>(i - lineStart + 1)};
      if (violation && open.size() > violation->depth)
        violation->depth = open.size();
      break;
    case '}':
    case ')':
    case ']':
    case '>': {
      char want = c == '}' ? '{' : c == ')' ? '(' : c == ']' ? '[' : '<';
      if (!open.empty() && open.back() == want)
        open.pop_back();
      break;
    }
    default:
      break;
    }
  }
  return violation;
}

void mlir::tessera::runOnLargeStack(llvm::function_ref<void()> fn) {
  llvm::thread worker(std::optional<unsigned>(kLargeStackBytes),
                      [fn] { fn(); });
  worker.join();
}
