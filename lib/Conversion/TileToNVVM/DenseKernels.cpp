//===- DenseKernels.cpp - NVIDIA kernels for dense Tile-IR ops -------------===//
//
// Part of convert-tile-to-nvvm: kernel recipes (Kernels.h) for tile.matmul,
// tile.rmsnorm, tile.gated_rmsnorm, tile.add, tile.embedding and memref.copy.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::nvidia;

namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// tile.add on [R, H]: one thread per element, a 2-D grid of
/// (ceil(H / 256), R) blocks of 256 threads.
KernelRecipe addRecipe() {
  KernelRecipe r;
  r.block = {256, 1, 1};
  r.grid = [](OpBuilder &b, Location loc, ValueRange ops) {
    Value rows = memref::DimOp::create(b, loc, ops[0], 0);
    Value cols = memref::DimOp::create(b, loc, ops[0], 1);
    Value gx = arith::CeilDivUIOp::create(b, loc, cols, cIdx(b, loc, 256));
    return SmallVector<Value, 3>{gx, rows, cIdx(b, loc, 1)};
  };
  r.body = [](OpBuilder &b, Location loc, ValueRange args, ValueRange) {
    Value col = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                              cIdx(b, loc, 256)),
        gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
    Value row = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
    Value cols = memref::DimOp::create(b, loc, args[0], 1);
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         col, cols);
    auto ifOp = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
    OpBuilder t = ifOp.getThenBodyBuilder();
    Value x = memref::LoadOp::create(t, loc, args[0], ValueRange{row, col});
    Value y = memref::LoadOp::create(t, loc, args[1], ValueRange{row, col});
    memref::StoreOp::create(t, loc, arith::AddFOp::create(t, loc, x, y),
                            args[2], ValueRange{row, col});
    return success();
  };
  return r;
}

} // namespace

FailureOr<KernelRecipe> nvidia::getDenseRecipe(Operation *op,
                                               const ChipInfo &) {
  if (auto add = dyn_cast<tile::AddOp>(op)) {
    if (cast<MemRefType>(add.getA().getType()).getRank() != 2)
      return add.emitOpError("NVIDIA lowering expects operands of rank 2");
    return addRecipe();
  }
  return op->emitOpError("has no NVIDIA lowering yet");
}
