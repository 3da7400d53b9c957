//===- TileToX86.h - The x86 target: strategy and conversion ----*- C++ -*-===//
//
// The x86 target of the Tessera pipeline (lib/Conversion/TileToX86/):
//
//   Tile-IR --tessera-select-lowering-config (x86 strategy: selectX86Config)
//           --convert-tile-to-x86 (reads the configs: readX86Config)-->
//   scf loops + vector/math/memref + target.x86.* ops, one private function
//   per distinct (op, operand types, attributes, config), called from every
//   layer that shares it.
//
// What x86 honours in a #tessera.lowering_config:
//   every op:       vector_width (4; 8 with +avx; 16 with +avx512f)
//   tile.matmul:    tile_sizes = [m, 0, 0] (m: the row panel kept in L2, a
//                   multiple of register_block[0]), register_block = [mr, nr]
//                   (the few-row dot kernel), block_k (the packed many-row
//                   kernel's K block; its register block follows the ISA)
//   tile.matmul with packed_b = [NR, kp] (tessera-x86-pack-weights):
//                   NR must be packedPanelColumns(vector_width); kp = 2 (bf16
//                   pairs for vdpbf16ps) needs bf16 B, +avx512bf16 and
//                   vector_width 16
//   tile.flash_attention: block_k
//   tile.ssd_chunk_state, tile.ssd_chunk_scan: register_block = [rows,
//                   vectors] of the broadcast-FMA GEMMs
// Any other field (num_warps, num_stages, ...) is rejected with a diagnostic.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_TILETOX86_TILETOX86_H
#define TESSERA_CONVERSION_TILETOX86_TILETOX86_H

#include "tessera/Dialect/Tessera/IR/Tessera.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::tessera::x86 {

/// The widest f32 vector the target's features allow: 16 with +avx512f, 8
/// with +avx or +avx2, else 4 (SSE2, the x86-64 baseline).
int64_t maxVectorWidth(TargetAttr target);

/// Columns per panel of the matmul's broadcast-FMA micro-kernel for
/// `vectorWidth`-lane vectors: NV vectors with MR x NV accumulators + NV
/// weight vectors + a broadcast within the ISA's vector registers (4 zmm of
/// the 32 with AVX-512, else 2 of the 16).
int64_t packedPanelColumns(int64_t vectorWidth);

/// The x86 strategy: the lowering config for a Tile-IR op `op` (null for
/// ops that take none), from the target and the op's shapes.
LoweringConfigAttr selectX86Config(Operation *op, TargetAttr target);

/// A lowering config, read and checked for x86 (defaults filled in for the
/// fields a config leaves out).
struct X86KernelConfig {
  int64_t vectorWidth = 8;
  /// tile.matmul: rows of A per cache panel; rows x columns of C per
  /// register block.
  int64_t rowPanel = 48, registerRows = 3, registerCols = 4;
  /// tile.flash_attention: keys per block.
  int64_t blockK = 64;
  /// The target has AMX tiles with bf16 products (+amx-tile, +amx-bf16):
  /// pre-packed bf16 matmuls with many rows run on them.
  bool amxBF16 = false;
};

/// Reads `op`'s lowering_config for x86: reports (on `op`) a missing config,
/// any field x86 does not honour for this op, and values the target cannot
/// run (e.g. vector_width = 16 without +avx512f).
FailureOr<X86KernelConfig> readX86Config(Operation *op, TargetAttr target);

/// The config of ops that carry none (memref.copy): the target's defaults.
X86KernelConfig defaultX86Config(TargetAttr target);

/// The checked config of each op convert-tile-to-x86 lowers.
using X86ConfigMap = llvm::DenseMap<Operation *, X86KernelConfig>;

/// Emits one shared kernel function per distinct (op, operand types,
/// attributes) (defined in TileToX86.cpp).
class KernelOutliner;

/// The x86 conversion patterns: each op of `configs` (Tile-IR ops and
/// memref.copy, already checked with readX86Config) becomes a call to its
/// kernel function from `outliner`, or, with a null `outliner`, the kernel's
/// loop nest in place.
void populateTileToX86Patterns(RewritePatternSet &patterns,
                               const X86ConfigMap &configs,
                               KernelOutliner *outliner);

} // namespace mlir::tessera::x86

#endif // TESSERA_CONVERSION_TILETOX86_TILETOX86_H
