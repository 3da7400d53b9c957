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
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (isa<ModuleOp, func::FuncOp, func::ReturnOp, arith::ConstantOp>(op) ||
          isa<graph::GraphDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' is not part of Graph-IR: convert-graph-to-tile "
                         "expects only graph ops, func ops and constants";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::tessera
