//===- PackWeights.cpp - x86 layout of matmul weight arguments ------------===//
//
// tessera-x86-pack-weights (run by tessera-tile-to-target on x86 modules,
// after tessera-select-lowering-config): the compiler, not the runtime,
// chooses the layout in which each weight argument reaches the kernels.
// A weight consumed only as the [N, K] B operand of tile.matmul, in every
// exported function that takes it, becomes column panels that the matmul's
// micro-kernel streams ([ceil(N/NR), K, NR], or bf16 K pairs
// [ceil(N/NR), ceil(K/2), NR, 2] for vdpbf16ps). The function's argument
// type, the matmuls' `packed_b` and the `tessera.abi` weights entry say so;
// the runtime packs the tensor once when it binds the weights, so no call
// packs a weight again.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"
#include "tessera/Conversion/TileToX86/TileToX86.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_X86PACKWEIGHTS
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::x86;

namespace {

/// A weight's packed layout: NR columns per panel, kp K steps per pair.
struct Layout {
  int64_t panelCols = 0, kPack = 1;
  bool operator==(const Layout &o) const {
    return panelCols == o.panelCols && kPack == o.kPack;
  }
};

/// The layout of weight argument `arg` if every use of it is the B operand
/// of a tile.matmul (transpose_b, not yet packed) whose kernels agree on a
/// panel width; none otherwise.
std::optional<Layout> layoutOf(BlockArgument arg, TargetAttr target) {
  auto type = dyn_cast<MemRefType>(arg.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getLayout().isIdentity() || type.getMemorySpace())
    return std::nullopt;
  Type elem = type.getElementType();
  if (!elem.isF32() && !elem.isBF16() && !elem.isF16())
    return std::nullopt;
  std::optional<Layout> layout;
  for (OpOperand &use : arg.getUses()) {
    auto mm = dyn_cast<tile::MatmulOp>(use.getOwner());
    if (!mm || use.get() != mm.getB() ||
        use.getOperandNumber() != mm.getBMutable().getOperandNumber() ||
        mm.getA() == arg || mm.getC() == arg || mm.getBias() == arg ||
        !mm.getTransposeB() || mm.getPackedB())
      return std::nullopt;
    int64_t vw = maxVectorWidth(target);
    if (LoweringConfigAttr config = getLoweringConfig(mm))
      if (std::optional<int64_t> w = config.getVectorWidth())
        vw = *w;
    Layout here{packedPanelColumns(vw), 1};
    if (elem.isBF16() && vw == 16 && target.hasFeature("avx512bf16"))
      here.kPack = 2;
    if (layout && !(*layout == here))
      return std::nullopt;
    layout = here;
  }
  return layout;
}

/// The packed memref type of a [N, K] weight.
MemRefType packedType(MemRefType type, Layout layout) {
  int64_t n = type.getDimSize(0), k = type.getDimSize(1);
  int64_t nr = layout.panelCols, kp = layout.kPack;
  SmallVector<int64_t> shape{(n + nr - 1) / nr, (k + kp - 1) / kp, nr};
  if (kp == 2)
    shape.push_back(2);
  return MemRefType::get(shape, type.getElementType());
}

struct X86PackWeightsPass
    : tessera::impl::X86PackWeightsBase<X86PackWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetAttr> target = getModuleTarget(module);
    if (failed(target))
      return signalPassFailure();
    if (!target->isX86()) {
      module.emitError() << "tessera-x86-pack-weights: the module's target is '"
                         << target->getKind() << "', not x86";
      return signalPassFailure();
    }
    // A weight name takes one layout: packed only when every exported
    // function that takes it agrees (same type, same layout).
    struct Choice {
      std::optional<Layout> layout;
      Type type;
      bool ok = true;
    };
    llvm::StringMap<Choice> choices;
    SmallVector<func::FuncOp> functions;
    for (auto fn : module.getOps<func::FuncOp>()) {
      auto abi = fn->getAttrOfType<DictionaryAttr>("tessera.abi");
      if (!abi)
        continue;
      auto names = abi.getAs<ArrayAttr>("weights");
      auto first = abi.getAs<IntegerAttr>("first_weight_arg");
      if (!names || !first ||
          first.getInt() + static_cast<int64_t>(names.size()) >
              fn.getNumArguments()) {
        fn.emitOpError("tessera.abi has no weights list within the "
                       "function's arguments");
        return signalPassFailure();
      }
      functions.push_back(fn);
      for (auto [i, entry] : llvm::enumerate(names)) {
        auto name = dyn_cast<StringAttr>(entry);
        if (!name) // already given a layout
          continue;
        BlockArgument arg = fn.getArgument(first.getInt() + i);
        Choice &c = choices[name.getValue()];
        if (c.type && c.type != arg.getType())
          c.ok = false;
        c.type = arg.getType();
        if (arg.use_empty()) // takes whatever layout the users choose
          continue;
        std::optional<Layout> layout = layoutOf(arg, *target);
        if (!layout || (c.layout && !(*c.layout == *layout)))
          c.ok = false;
        c.layout = layout;
      }
    }
    Builder b(module.getContext());
    for (func::FuncOp fn : functions) {
      auto abi = fn->getAttrOfType<DictionaryAttr>("tessera.abi");
      auto names = abi.getAs<ArrayAttr>("weights");
      int64_t first = abi.getAs<IntegerAttr>("first_weight_arg").getInt();
      SmallVector<Attribute> entries(names.begin(), names.end());
      bool changed = false;
      for (auto [i, entry] : llvm::enumerate(names)) {
        auto name = dyn_cast<StringAttr>(entry);
        if (!name)
          continue;
        const Choice &c = choices[name.getValue()];
        if (!c.ok || !c.layout)
          continue;
        BlockArgument arg = fn.getArgument(first + i);
        auto type = cast<MemRefType>(arg.getType());
        MemRefType packed = packedType(type, *c.layout);
        arg.setType(packed);
        auto attr = b.getDenseI64ArrayAttr(
            {c.layout->panelCols, c.layout->kPack});
        for (Operation *user : arg.getUsers())
          cast<tile::MatmulOp>(user).setPackedBAttr(attr);
        entries[i] = b.getDictionaryAttr(
            {b.getNamedAttr("name", name),
             b.getNamedAttr("layout", b.getStringAttr("panels")),
             b.getNamedAttr("panel_cols",
                            b.getI64IntegerAttr(c.layout->panelCols)),
             b.getNamedAttr("k_pack", b.getI64IntegerAttr(c.layout->kPack)),
             b.getNamedAttr("shape", b.getI64ArrayAttr(type.getShape())),
             b.getNamedAttr("packed_shape",
                            b.getI64ArrayAttr(packed.getShape()))});
        changed = true;
      }
      if (!changed)
        continue;
      fn.setType(FunctionType::get(module.getContext(),
                                   fn.getBody().front().getArgumentTypes(),
                                   fn.getResultTypes()));
      NamedAttrList attrs(abi);
      attrs.set("weights", b.getArrayAttr(entries));
      fn->setAttr("tessera.abi", attrs.getDictionary(module.getContext()));
    }
  }
};

} // namespace
