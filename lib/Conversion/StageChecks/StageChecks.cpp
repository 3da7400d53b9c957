//===- StageChecks.cpp - Checks run at each stage boundary ----------------===//
//
// Each Tessera pipeline stage ends with a check that the IR is in the form
// the next stage expects (torch-mlir does the same at its backend boundary).
// A failed check names the first offending op, so that a user who ran a
// pipeline by hand learns where the stage contract was broken.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Graph/IR/Graph.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_VERIFYGRAPHSTAGE
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;

namespace mlir::tessera {
namespace {
struct VerifyGraphStagePass
    : impl::VerifyGraphStageBase<VerifyGraphStagePass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk<WalkOrder::PreOrder>([](Operation *op) {
      if (isa<ModuleOp, func::FuncOp, func::ReturnOp>(op) ||
          isa_and_nonnull<graph::GraphDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' is not part of Graph-IR: convert-graph-to-tile "
                         "expects only graph ops and func.func/func.return";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::tessera

namespace mlir::tessera {
#define GEN_PASS_DEF_VERIFYTILESTAGE
#define GEN_PASS_DEF_VERIFYLLVMSTAGE
#include "tessera/Conversion/Passes.h.inc"

namespace {
struct VerifyTileStagePass : impl::VerifyTileStageBase<VerifyTileStagePass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk<WalkOrder::PreOrder>([](Operation *op) {
      if (auto f = dyn_cast<func::FuncOp>(op))
        for (Type t : f.getArgumentTypes())
          if (isa<TensorType>(t)) {
            f.emitError() << "function '" << f.getName()
                          << "' still takes a tensor after "
                             "convert-graph-to-tile; Tile-IR works on buffers";
            return WalkResult::interrupt();
          }
      for (Type t : op->getResultTypes())
        if (isa<TensorType>(t)) {
          op->emitError() << "'" << op->getName()
                          << "' still produces a tensor after "
                             "convert-graph-to-tile; Tile-IR works on buffers";
          return WalkResult::interrupt();
        }
      Dialect *d = op->getDialect();
      if (isa<ModuleOp>(op) ||
          isa_and_nonnull<tile::TileDialect, memref::MemRefDialect,
                          arith::ArithDialect, func::FuncDialect>(d))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' is not part of Tile-IR: the target conversions "
                         "expect only tile, memref, arith and func ops";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

struct VerifyLLVMStagePass : impl::VerifyLLVMStageBase<VerifyLLVMStagePass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk<WalkOrder::PreOrder>([](Operation *op) {
      // omp ops (the x86 kernels' parallel loops) on LLVM types translate
      // to LLVM IR with OpenMP runtime calls.
      if (isa<ModuleOp>(op) ||
          isa_and_nonnull<LLVM::LLVMDialect, omp::OpenMPDialect>(
              op->getDialect()))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' was not lowered to the LLVM dialect";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::tessera
