//===- TesseraAttrs.cpp - #tessera.target, #tessera.lowering_config -------===//
//
// The `tessera` dialect's registration, and the syntax and verification of
// the two attributes every stage may read. Both print as
// `<key = value, ...>` with only the fields that are set.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Tessera/IR/Tessera.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tessera;

#include "tessera/Dialect/Tessera/IR/TesseraDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tessera/Dialect/Tessera/IR/TesseraAttrs.cpp.inc"

void TesseraDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tessera/Dialect/Tessera/IR/TesseraAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// #tessera.target
//===----------------------------------------------------------------------===//

namespace {
constexpr llvm::StringLiteral kNvidiaChips[] = {"sm_80", "sm_86", "sm_89",
                                                "sm_90", "sm_90a"};
constexpr llvm::StringLiteral kAmdChips[] = {"gfx90a", "gfx942"};

template <size_t N>
std::string joinNames(const llvm::StringLiteral (&names)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i)
    out += (i ? ", " : "") + names[i].str();
  return out;
}

template <size_t N>
bool contains(const llvm::StringLiteral (&names)[N], StringRef name) {
  return llvm::is_contained(names, name);
}
} // namespace

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef kind, StringRef cpu, StringRef chip,
                                 StringRef features) {
  if (kind == "x86") {
    if (!chip.empty())
      return emitError() << "x86 target takes cpu and features, not chip";
    SmallVector<StringRef> parts;
    features.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    for (StringRef f : parts)
      if (!f.starts_with("+") && !f.starts_with("-"))
        return emitError() << "x86 feature '" << f
                           << "' must start with '+' or '-'";
    return success();
  }
  auto checkChip = [&](StringRef supported, bool known) -> LogicalResult {
    if (!cpu.empty() || !features.empty())
      return emitError() << kind << " target takes chip only, not cpu or "
                                    "features";
    if (chip.empty())
      return emitError() << kind << " target needs a chip: one of "
                         << supported;
    if (!known)
      return emitError() << "unsupported " << kind << " chip '" << chip
                         << "': expected one of " << supported;
    return success();
  };
  if (kind == "nvidia")
    return checkChip(joinNames(kNvidiaChips), contains(kNvidiaChips, chip));
  if (kind == "amd")
    return checkChip(joinNames(kAmdChips), contains(kAmdChips, chip));
  return emitError() << "unknown target kind '" << kind
                     << "': expected x86, nvidia or amd";
}

bool TargetAttr::hasFeature(StringRef name) const {
  SmallVector<StringRef> parts;
  getFeatures().split(parts, ',', -1, false);
  // LLVM lets a later entry override an earlier one.
  bool on = false;
  for (StringRef f : parts)
    if (f.drop_front() == name)
      on = f.starts_with("+");
  return on;
}

Attribute TargetAttr::parse(AsmParser &parser, Type) {
  SMLoc start = parser.getCurrentLocation();
  std::string kind, cpu, chip, features;
  if (parser.parseLess() || parser.parseString(&kind))
    return {};
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    std::string *slot = llvm::StringSwitch<std::string *>(key)
                            .Case("cpu", &cpu)
                            .Case("chip", &chip)
                            .Case("features", &features)
                            .Default(nullptr);
    if (!slot) {
      parser.emitError(loc) << "unknown #tessera.target field '" << key
                            << "': expected cpu, chip or features";
      return {};
    }
    if (parser.parseString(slot))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(start); },
                    parser.getContext(), kind, cpu, chip, features);
}

void TargetAttr::print(AsmPrinter &printer) const {
  printer << "<\"" << getKind() << "\"";
  auto field = [&](StringRef key, StringRef value) {
    if (!value.empty())
      printer << ", " << key << " = \"" << value << "\"";
  };
  field("cpu", getCpu());
  field("chip", getChip());
  field("features", getFeatures());
  printer << ">";
}

//===----------------------------------------------------------------------===//
// #tessera.lowering_config
//===----------------------------------------------------------------------===//

LogicalResult LoweringConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> tileSizes,
    std::optional<int64_t> vectorWidth, ArrayRef<int64_t> registerBlock,
    std::optional<int64_t> blockK, std::optional<int64_t> numWarps,
    std::optional<int64_t> numStages) {
  for (int64_t t : tileSizes)
    if (t < 0)
      return emitError() << "tile_sizes must be non-negative, got " << t;
  for (int64_t r : registerBlock)
    if (r <= 0)
      return emitError() << "register_block must be positive, got " << r;
  for (auto [name, v] :
       {std::pair<StringRef, std::optional<int64_t>>{"vector_width",
                                                     vectorWidth},
        {"block_k", blockK},
        {"num_warps", numWarps},
        {"num_stages", numStages}})
    if (v && *v <= 0)
      return emitError() << name << " must be positive, got " << *v;
  return success();
}

SmallVector<StringRef> LoweringConfigAttr::getSetFields() const {
  SmallVector<StringRef> fields;
  if (!getTileSizes().empty())
    fields.push_back("tile_sizes");
  if (getVectorWidth())
    fields.push_back("vector_width");
  if (!getRegisterBlock().empty())
    fields.push_back("register_block");
  if (getBlockK())
    fields.push_back("block_k");
  if (getNumWarps())
    fields.push_back("num_warps");
  if (getNumStages())
    fields.push_back("num_stages");
  return fields;
}

Attribute LoweringConfigAttr::parse(AsmParser &parser, Type) {
  SMLoc start = parser.getCurrentLocation();
  SmallVector<int64_t> tileSizes, registerBlock;
  std::optional<int64_t> vectorWidth, blockK, numWarps, numStages;
  if (parser.parseLess())
    return {};
  auto parseList = [&](SmallVector<int64_t> &out) {
    return parser.parseCommaSeparatedList(
        AsmParser::Delimiter::Square, [&]() -> ParseResult {
          int64_t v;
          if (parser.parseInteger(v))
            return failure();
          out.push_back(v);
          return success();
        });
  };
  auto parseField = [&]() -> ParseResult {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return failure();
    if (key == "tile_sizes")
      return parseList(tileSizes);
    if (key == "register_block")
      return parseList(registerBlock);
    std::optional<int64_t> *slot =
        llvm::StringSwitch<std::optional<int64_t> *>(key)
            .Case("vector_width", &vectorWidth)
            .Case("block_k", &blockK)
            .Case("num_warps", &numWarps)
            .Case("num_stages", &numStages)
            .Default(nullptr);
    if (!slot)
      return parser.emitError(loc)
             << "unknown #tessera.lowering_config field '" << key
             << "': expected tile_sizes, vector_width, register_block, "
                "block_k, num_warps or num_stages";
    int64_t v;
    if (parser.parseInteger(v))
      return failure();
    *slot = v;
    return success();
  };
  if (failed(parser.parseOptionalGreater())) {
    if (parser.parseCommaSeparatedList(parseField) || parser.parseGreater())
      return {};
  }
  return getChecked([&] { return parser.emitError(start); },
                    parser.getContext(), tileSizes, vectorWidth, registerBlock,
                    blockK, numWarps, numStages);
}

void LoweringConfigAttr::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::ListSeparator sep;
  auto list = [&](StringRef key, ArrayRef<int64_t> v) {
    if (v.empty())
      return;
    printer << StringRef(sep) << key << " = [";
    llvm::interleaveComma(v, printer);
    printer << "]";
  };
  auto scalar = [&](StringRef key, std::optional<int64_t> v) {
    if (v)
      printer << StringRef(sep) << key << " = " << *v;
  };
  list("tile_sizes", getTileSizes());
  scalar("vector_width", getVectorWidth());
  list("register_block", getRegisterBlock());
  scalar("block_k", getBlockK());
  scalar("num_warps", getNumWarps());
  scalar("num_stages", getNumStages());
  printer << ">";
}
