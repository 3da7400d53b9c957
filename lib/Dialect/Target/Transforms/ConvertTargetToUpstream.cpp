//===- ConvertTargetToUpstream.cpp - Target-IR x86 ops to upstream --------===//
//
// Rewrites the x86 ops of Target-IR into the upstream ops their descriptions
// name (vector.fma, x86vector.avx512.dot, the vpdpbusd LLVM intrinsic), after
// which the upstream vector/x86vector-to-LLVM conversions finish the job.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Target/Transforms/Passes.h"
#include "tessera/Dialect/Target/IR/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tessera::target {
#define GEN_PASS_DEF_CONVERTTARGETTOUPSTREAM
#include "tessera/Dialect/Target/Transforms/Passes.h.inc"
} // namespace mlir::tessera::target

using namespace mlir;
using namespace mlir::tessera::target;

namespace {
struct VectorFmaLowering : OpConversionPattern<X86VectorFmaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(X86VectorFmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<vector::FMAOp>(op, adaptor.getA(),
                                               adaptor.getB(), adaptor.getC());
    return success();
  }
};

struct Bf16DotLowering : OpConversionPattern<X86Bf16DotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(X86Bf16DotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<x86vector::DotBF16Op>(
        op, op.getType(), adaptor.getAcc(), adaptor.getA(), adaptor.getB());
    return success();
  }
};

struct VnniDotLowering : OpConversionPattern<X86VnniDotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(X86VnniDotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // 4, 8, 16 i32 lanes: the xmm, ymm, zmm forms (the verifier allows no
    // other).
    int64_t bits = op.getType().getDimSize(0) * 32;
    std::string intrinsic =
        "llvm.x86.avx512.vpdpbusd." + std::to_string(bits);
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getType(), rewriter.getStringAttr(intrinsic),
        ValueRange{adaptor.getAcc(), adaptor.getA(), adaptor.getB()});
    return success();
  }
};

struct ConvertTargetToUpstreamPass
    : mlir::tessera::target::impl::ConvertTargetToUpstreamBase<
          ConvertTargetToUpstreamPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<vector::VectorDialect, x86vector::X86VectorDialect,
                           LLVM::LLVMDialect>();
    target.addIllegalOp<X86VectorFmaOp, X86VnniDotOp, X86Bf16DotOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    patterns.add<VectorFmaLowering, Bf16DotLowering, VnniDotLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
