//===- TestX86Kernels.cpp - Run one x86 kernel emitter on a test function -===//
//
// `tessera-test-x86-kernels` replaces each `func.call @tessera_kernel_<name>`
// by the loop nest that the x86 kernel emitter `<name>` produces for the
// call's memref operands, with its parameters taken from the call's
// attributes. It exists so that every kernel emitter can be checked against
// numpy on its own (test/python/test_x86_*_kernels.py, through tessera-opt),
// independent of the Tile-IR ops that use it in the real pipeline. Absent
// optional operands are passed as `memref<0xf32>` placeholders (see
// `optional`). A test pass: it lives in test/lib (as MLIR's do in
// mlir/test/lib) and is linked into tessera-opt only, not into the
// production libraries or the Python extension.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Dialect/Target/IR/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::x86;

namespace {

/// A 1-D memref of size 0 stands for an absent optional operand.
Value optional(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  if (t && t.getRank() == 1 && t.getDimSize(0) == 0)
    return Value();
  return v;
}

double fattr(func::CallOp call, StringRef name, double dflt) {
  if (auto a = call->getAttrOfType<FloatAttr>(name))
    return a.getValueAsDouble();
  return dflt;
}

int64_t iattr(func::CallOp call, StringRef name, int64_t dflt) {
  if (auto a = call->getAttrOfType<IntegerAttr>(name))
    return a.getInt();
  return dflt;
}

Epilogue epilogueOf(func::CallOp call) {
  auto s = call->getAttrOfType<StringAttr>("epilogue");
  if (!s || s.getValue() == "none")
    return Epilogue::None;
  return s.getValue() == "relu2" ? Epilogue::ReLU2 : Epilogue::SiLU;
}

LogicalResult emitKernel(func::CallOp call, Emitter &e) {
  StringRef name = call.getCallee();
  if (!name.consume_front("tessera_kernel_"))
    return success(); // not a kernel call: leave it
  auto ops = call.getOperands();
  auto need = [&](size_t n) -> LogicalResult {
    if (ops.size() == n)
      return success();
    return call.emitError() << "kernel '" << name << "' takes " << n
                            << " operands, got " << ops.size();
  };
  double eps = fattr(call, "epsilon", 1e-5);
  int64_t chunk = iattr(call, "chunk_size", 16);
  double dtMin = fattr(call, "dt_min", 0.0);
  double dtMax = fattr(call, "dt_max", INFINITY);
  if (name == "embedding") {
    if (failed(need(3))) return failure();
    emitEmbedding(e, ops[0], ops[1], ops[2]);
  } else if (name == "rmsnorm") {
    if (failed(need(3))) return failure();
    emitRMSNorm(e, ops[0], ops[1], ops[2], eps);
  } else if (name == "add") {
    if (failed(need(3))) return failure();
    emitAdd(e, ops[0], ops[1], ops[2]);
  } else if (name == "matmul") {
    if (failed(need(4))) return failure();
    emitMatmul(e, ops[0], ops[1], optional(ops[2]), ops[3], epilogueOf(call),
               call->hasAttr("accumulate"));
  } else if (name == "gated_rmsnorm") {
    if (failed(need(4))) return failure();
    emitGatedRMSNorm(e, ops[0], ops[1], ops[2], ops[3], eps,
                     iattr(call, "group_size", 1));
  } else if (name == "causal_conv1d") {
    if (failed(need(6))) return failure();
    emitCausalConv1d(e, ops[0], ops[1], optional(ops[2]), optional(ops[3]),
                     ops[4], ops[5], call->hasAttr("silu"));
  } else if (name == "ssd_chunk_cumsum") {
    if (failed(need(5))) return failure();
    emitSSDChunkCumsum(e, ops[0], ops[1], ops[2], ops[3], ops[4], chunk, dtMin,
                       dtMax);
  } else if (name == "ssd_chunk_state") {
    if (failed(need(5))) return failure();
    emitSSDChunkState(e, ops[0], ops[1], ops[2], ops[3], ops[4], chunk);
  } else if (name == "ssd_state_passing") {
    // states, dA_cumsum, init, states_in, final, and a buffer whose dim 1 is
    // the sequence length (dt_out [B, S, H]).
    if (failed(need(6))) return failure();
    emitSSDStatePassing(e, ops[0], ops[1], optional(ops[2]), ops[3], ops[4],
                        e.dim(ops[5], 1), chunk);
  } else if (name == "ssd_chunk_scan") {
    if (failed(need(8))) return failure();
    emitSSDChunkScan(e, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5], ops[6],
                     ops[7], chunk);
  } else if (name == "ssd_state_update") {
    if (failed(need(10))) return failure();
    emitSSDStateUpdate(e, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5],
                       ops[6], optional(ops[7]), ops[8], ops[9], dtMin, dtMax);
  } else if (name == "flash_attention") {
    if (failed(need(4))) return failure();
    emitFlashAttention(e, ops[0], ops[1], ops[2], ops[3],
                       fattr(call, "scale", 1.0), call->hasAttr("causal"),
                       iattr(call, "block_k", 64));
  } else if (name == "kv_cache_append") {
    if (failed(need(3))) return failure();
    emitKVCacheAppend(e, optional(ops[0]), ops[1], ops[2]);
  } else {
    return call.emitError() << "unknown x86 kernel '" << name << "'";
  }
  return success();
}

struct TestX86KernelsPass
    : PassWrapper<TestX86KernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestX86KernelsPass)

  TestX86KernelsPass() = default;
  TestX86KernelsPass(const TestX86KernelsPass &other) : PassWrapper(other) {}

  StringRef getArgument() const final { return "tessera-test-x86-kernels"; }
  StringRef getDescription() const final {
    return "Inline x86 kernel emitters at calls to @tessera_kernel_<name> "
           "(parameters from the call's attributes: epsilon, chunk_size, "
           "dt_min, dt_max, scale, causal, silu, group_size, epilogue, "
           "accumulate, block_k; a memref<0xf32> operand is an absent "
           "optional operand)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect,
                    target::TargetDialect, memref::MemRefDialect,
                    scf::SCFDialect, vector::VectorDialect>();
  }

  Option<int64_t> vectorWidth{*this, "vector-width",
                              llvm::cl::desc("f32 lanes per vector (8: AVX2, "
                                             "16: AVX-512)"),
                              llvm::cl::init(8)};

  void runOnOperation() override {
    SmallVector<func::CallOp> calls;
    getOperation()->walk([&](func::CallOp call) {
      if (call.getCallee().starts_with("tessera_kernel_"))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      OpBuilder b(call);
      Emitter e(b, call.getLoc(), vectorWidth);
      if (failed(emitKernel(call, e)))
        return signalPassFailure();
      call.erase();
    }
    // The kernel declarations are no longer called.
    SmallVector<func::FuncOp> decls;
    getOperation()->walk([&](func::FuncOp f) {
      if (f.isDeclaration() && f.getName().starts_with("tessera_kernel_"))
        decls.push_back(f);
    });
    for (func::FuncOp f : decls)
      f.erase();
  }
};
} // namespace

namespace mlir::tessera::test {
void registerTestPasses() { PassRegistration<TestX86KernelsPass>(); }
} // namespace mlir::tessera::test
