//===- RuntimeInterface.cpp - LLVM-dialect modules -> Tessera's runtime ---===//
//
// The last rewrites of the x86 pipeline, on the LLVM dialect: heap buffers
// through Tessera's runtime allocator (tessera-use-runtime-allocator) and a
// packed entry point per C-interface function for the runtime's guarded
// call (tessera-emit-packed-entry-points). The runtime itself is
// lib/Runtime (include/tessera/Runtime/Runtime.h).
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_USERUNTIMEALLOCATOR
#define GEN_PASS_DEF_EMITPACKEDENTRYPOINTS
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;

namespace mlir::tessera {
namespace {

/// finalize-memref-to-llvm{use-generic-functions=1}'s names -> the runtime's.
constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral> kAllocatorNames[] = {
    {"_mlir_memref_to_llvm_alloc", "tessera_rt_alloc"},
    {"_mlir_memref_to_llvm_aligned_alloc", "tessera_rt_aligned_alloc"},
    {"_mlir_memref_to_llvm_free", "tessera_rt_free"},
};

struct UseRuntimeAllocatorPass
    : impl::UseRuntimeAllocatorBase<UseRuntimeAllocatorPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto [generic, runtime] : kAllocatorNames) {
      auto fn = symbols.lookup<LLVM::LLVMFuncOp>(generic);
      if (!fn)
        continue;
      if (!fn.isExternal()) {
        fn.emitError() << "the module defines '" << generic
                       << "' itself; tessera-use-runtime-allocator redirects "
                          "its calls to '"
                       << runtime << "' of Tessera's runtime";
        return signalPassFailure();
      }
      if (Operation *existing = symbols.lookup(runtime)) {
        // Already declared (e.g. the pass ran before): one declaration.
        if (failed(SymbolTable::replaceAllSymbolUses(
                fn, StringAttr::get(&getContext(), runtime), module)))
          return signalPassFailure();
        (void)existing;
        symbols.erase(fn);
        continue;
      }
      if (failed(symbols.rename(fn, runtime)))
        return signalPassFailure();
    }
  }
};

struct EmitPackedEntryPointsPass
    : impl::EmitPackedEntryPointsBase<EmitPackedEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    constexpr llvm::StringLiteral kPrefix = "_mlir_ciface_";
    SmallVector<LLVM::LLVMFuncOp> cifaces;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      if (fn.getSymName().starts_with(kPrefix) && !fn.isExternal())
        cifaces.push_back(fn);
    for (LLVM::LLVMFuncOp ciface : cifaces) {
      std::string name =
          ("_mlir_" + ciface.getSymName().drop_front(kPrefix.size())).str();
      if (symbols.lookup(name))
        continue;
      emitPacked(ciface, name, symbols);
    }
  }

  /// llvm.func @<name>(%args: !llvm.ptr): loads each argument through
  /// args[i], calls the C interface, stores a result through args[n].
  void emitPacked(LLVM::LLVMFuncOp ciface, StringRef name,
                  SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = ciface.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    LLVM::LLVMFunctionType type = ciface.getFunctionType();
    OpBuilder b(ciface);
    b.setInsertionPointAfter(ciface);
    auto packed = LLVM::LLVMFuncOp::create(
        b, loc, name,
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr}));
    symbols.insert(packed);
    Block *entry = packed.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    Value args = entry->getArgument(0);
    auto slot = [&](int32_t i) -> Value {
      Value at = i == 0 ? args
                        : LLVM::GEPOp::create(b, loc, ptr, ptr, args,
                                              ArrayRef<LLVM::GEPArg>{i})
                              .getResult();
      return LLVM::LoadOp::create(b, loc, ptr, at);
    };
    SmallVector<Value> operands;
    for (auto [i, param] : llvm::enumerate(type.getParams()))
      operands.push_back(LLVM::LoadOp::create(b, loc, param, slot(i)));
    auto call = LLVM::CallOp::create(b, loc, ciface, operands);
    if (!isa<LLVM::LLVMVoidType>(type.getReturnType()))
      LLVM::StoreOp::create(b, loc, call.getResult(),
                            slot(type.getNumParams()));
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
};

} // namespace
} // namespace mlir::tessera
