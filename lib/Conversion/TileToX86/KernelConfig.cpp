//===- KernelConfig.cpp - x86 lowering configs: choose and check ---------===//
//
// The x86 half of the lowering-config contract (the shape of IREE's
// LLVMCPU/KernelDispatch.cpp): tessera-select-lowering-config calls
// selectX86Config to write a #tessera.lowering_config on each Tile-IR op,
// and convert-tile-to-x86 calls readX86Config to honour it, rejecting what
// it cannot honour. See TileToX86.h for the fields x86 reads.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/TileToX86/TileToX86.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::x86;

int64_t x86::maxVectorWidth(TargetAttr target) {
  if (target.hasFeature("avx512f"))
    return 16;
  if (target.hasFeature("avx2") || target.hasFeature("avx"))
    return 8;
  return 4;
}

int64_t x86::packedPanelColumns(int64_t vectorWidth) {
  return (vectorWidth == 16 ? 4 : 2) * vectorWidth;
}

X86KernelConfig x86::defaultX86Config(TargetAttr target) {
  X86KernelConfig config;
  config.vectorWidth = maxVectorWidth(target);
  config.amxBF16 =
      target.hasFeature("amx-tile") && target.hasFeature("amx-bf16");
  return config;
}

LoweringConfigAttr x86::selectX86Config(Operation *op, TargetAttr target) {
  MLIRContext *ctx = op->getContext();
  X86KernelConfig d = defaultX86Config(target);
  std::optional<int64_t> vw = d.vectorWidth;
  // Matmul: a panel of `rowPanel` token rows of A stays in L2 while the
  // weight streams past in register blocks of 3 x 4 dot products (12 vector
  // accumulators + 7 loads fit the 16 ymm registers; with AVX-512's 32 zmm
  // registers the same block leaves room to spare). Decode (M = 1) has a
  // single row: the panel is then just that row.
  if (isa<tile::MatmulOp, tile::GroupedMatmulOp>(op)) {
    // (A grouped matmul's segments are run-time sized: the full panel.)
    int64_t m = isa<tile::MatmulOp>(op)
                    ? cast<tile::MatmulOp>(op).getA().getType().getDimSize(0)
                    : ShapedType::kDynamic;
    int64_t panel = d.rowPanel;
    if (!ShapedType::isDynamic(m) && m < panel)
      panel = std::max<int64_t>(d.registerRows,
                                (m + d.registerRows - 1) / d.registerRows *
                                    d.registerRows);
    // The packed (many-row) kernel's K block: its block of a weight panel
    // (NR = 64 columns with AVX-512, 16 with AVX2) fills 32 KiB of L1.
    int64_t panelCols = packedPanelColumns(*vw);
    int64_t blockK = 32768 / (panelCols * 4);
    return LoweringConfigAttr::get(ctx, {panel, 0, 0}, vw,
                                   {d.registerRows, d.registerCols}, blockK,
                                   std::nullopt, std::nullopt);
  }
  // SSD chunk state / chunk scan: 4 rows x 2 vectors of accumulators in the
  // broadcast-FMA GEMMs (8 accumulators, 2 loads and a broadcast per step).
  if (isa<tile::SSDChunkStateOp, tile::SSDChunkScanOp>(op))
    return LoweringConfigAttr::get(ctx, {}, vw, {4, 2}, std::nullopt,
                                   std::nullopt, std::nullopt);
  // Flash attention: 64 keys per online-softmax block (the scores of a
  // group's heads for one block stay in L1).
  if (isa<tile::FlashAttentionOp>(op))
    return LoweringConfigAttr::get(ctx, {}, vw, {}, d.blockK, std::nullopt,
                                   std::nullopt);
  // Ops that move no data in loops of their own.
  if (isa<tile::BarrierOp, tile::AllocOp, tile::LoadOp, tile::StoreOp>(op))
    return {};
  return LoweringConfigAttr::get(ctx, {}, vw, {}, std::nullopt, std::nullopt,
                                 std::nullopt);
}

namespace {
/// The config fields each op's x86 kernel reads.
SmallVector<StringRef> honouredFields(Operation *op) {
  if (isa<tile::MatmulOp, tile::GroupedMatmulOp>(op))
    return {"vector_width", "tile_sizes", "register_block", "block_k"};
  if (isa<tile::FlashAttentionOp>(op))
    return {"vector_width", "block_k"};
  if (isa<tile::SSDChunkStateOp, tile::SSDChunkScanOp>(op))
    return {"vector_width", "register_block"};
  return {"vector_width"};
}
} // namespace

FailureOr<X86KernelConfig> x86::readX86Config(Operation *op,
                                              TargetAttr target) {
  X86KernelConfig config = defaultX86Config(target);
  // No loops of their own (barrier) or no x86 lowering (reported by the
  // conversion): nothing to configure.
  if (isa<tile::BarrierOp, tile::AllocOp, tile::LoadOp, tile::StoreOp>(op))
    return config;
  LoweringConfigAttr attr = getLoweringConfig(op);
  if (!attr) {
    if (op->hasAttr(TesseraDialect::kLoweringConfigAttrName))
      return op->emitOpError("lowering_config must be a "
                             "#tessera.lowering_config");
    return op->emitOpError("has no lowering_config: run "
                           "tessera-select-lowering-config first");
  }
  SmallVector<StringRef> honoured = honouredFields(op);
  for (StringRef field : attr.getSetFields())
    if (!llvm::is_contained(honoured, field))
      return op->emitOpError("x86 lowering does not honour lowering_config "
                             "field '")
             << field << "' on this op (it reads: "
             << llvm::join(honoured, ", ") << ")";

  if (std::optional<int64_t> vw = attr.getVectorWidth()) {
    if (*vw != 4 && *vw != 8 && *vw != 16)
      return op->emitOpError("x86 vector_width must be 4, 8 or 16, got ")
             << *vw;
    int64_t max = maxVectorWidth(target);
    if (*vw > max)
      return op->emitOpError("vector_width ")
             << *vw << " needs " << (*vw == 16 ? "+avx512f" : "+avx")
             << ", which target features '" << target.getFeatures()
             << "' do not enable (widest: " << max << ")";
    config.vectorWidth = *vw;
  }
  bool ssd = isa<tile::SSDChunkStateOp, tile::SSDChunkScanOp>(op);
  if (ssd) { // default: 4 rows x 2 vectors
    config.registerRows = 4;
    config.registerCols = 2;
  }
  if (ArrayRef<int64_t> rb = attr.getRegisterBlock(); !rb.empty()) {
    StringRef what = ssd ? "x86 SSD register_block is [rows, vectors]"
                         : "x86 matmul register_block is [rows, columns]";
    if (rb.size() != 2)
      return op->emitOpError(what) << ", got " << rb.size() << " entries";
    if (rb[0] * rb[1] > 24)
      return op->emitOpError("x86 ")
             << (ssd ? "SSD" : "matmul") << " register_block " << rb[0]
             << "x" << rb[1]
             << " holds more than 24 accumulators (the registers spill)";
    config.registerRows = rb[0];
    config.registerCols = rb[1];
  }
  if (ArrayRef<int64_t> ts = attr.getTileSizes(); !ts.empty()) {
    if (ts.size() != 3)
      return op->emitOpError("matmul tile_sizes are [m, n, k], got ")
             << ts.size() << " entries";
    if (ts[1] != 0 || ts[2] != 0)
      return op->emitOpError("x86 matmul tiles rows only: tile_sizes must be "
                             "[m, 0, 0], got [")
             << ts[0] << ", " << ts[1] << ", " << ts[2] << "]";
    if (ts[0] % config.registerRows != 0 || ts[0] == 0)
      return op->emitOpError("matmul row tile ")
             << ts[0] << " must be a positive multiple of the register block's "
             << config.registerRows << " rows";
    config.rowPanel = ts[0];
  } else if (config.rowPanel % config.registerRows != 0) {
    config.rowPanel = config.registerRows * 16;
  }
  if (std::optional<int64_t> bk = attr.getBlockK())
    config.blockK = *bk;
  if (auto mm = dyn_cast<tile::MatmulOp>(op))
    if (std::optional<ArrayRef<int64_t>> packed = mm.getPackedB()) {
      int64_t nr = (*packed)[0], kp = (*packed)[1];
      if (nr != packedPanelColumns(config.vectorWidth))
        return op->emitOpError("x86 packed_b panels of ")
               << nr << " columns do not match the " << config.vectorWidth
               << "-lane kernel's " << packedPanelColumns(config.vectorWidth);
      if (kp == 2 && !(mm.getB().getType().getElementType().isBF16() &&
                       config.vectorWidth == 16 &&
                       target.hasFeature("avx512bf16")))
        return op->emitOpError("x86 packed_b K pairs need bf16 B, "
                               "vector_width 16 and +avx512bf16 (features '")
               << target.getFeatures() << "')";
    }
  if (auto fa = dyn_cast<tile::FlashAttentionOp>(op)) {
    // The kernel keeps the scores of a group's heads for one key block in a
    // stack buffer of at most 64 KiB.
    int64_t hq = fa.getQ().getType().getDimSize(2);
    int64_t hkv = fa.getK().getType().getDimSize(2);
    if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hkv > 0 &&
        hq % hkv == 0) {
      int64_t limit =
          std::max<int64_t>(config.vectorWidth, 16384 / (hq / hkv));
      if (config.blockK > limit)
        return op->emitOpError("x86 flash attention block_k ")
               << config.blockK << " exceeds " << limit << " (the scores of "
               << hq / hkv << " heads per key block must fit 64 KiB)";
    }
  }
  return config;
}
