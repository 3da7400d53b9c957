//===- TileToNVVM.cpp - Tile-IR to GPU kernels for NVIDIA ------------------===//
//
// convert-tile-to-nvvm{chip=sm_90a}: the NVIDIA counterpart of
// convert-tile-to-x86, second lowering of the Tessera pipeline.
//
//   Tile-IR op in a host function
//     --> gpu.launch_func of a kernel in gpu.module @tessera_kernels
//         (#nvvm.target<chip = ...>), its body written by the op's recipe
//         (Kernels.h) with gpu/scf/arith/memref/nvgpu/nvvm ops.
//
// One kernel per distinct (op name, operand types, attributes): the layers of
// a model that share shapes share kernels. The host functions keep their
// memref.alloc/dim/views and arith; after this pass they hold no Tile-IR op.
// The rest of the NVIDIA pipeline (lib/Pipelines) lowers the gpu.module to
// NVVM and a cubin, and exports the host functions as a launch plan.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Tessera/IR/Tessera.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTILETONVVM
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::nvidia;

int ChipInfo::smVersion() const {
  // "sm_90a" -> 90
  StringRef digits = StringRef(chip).drop_front(3).take_while(
      [](char c) { return c >= '0' && c <= '9'; });
  int v = 0;
  digits.getAsInteger(10, v);
  return v;
}

namespace {

constexpr StringLiteral kKernelModule = "tessera_kernels";
constexpr std::array<StringLiteral, 5> kChips = {"sm_80", "sm_86", "sm_89",
                                                  "sm_90", "sm_90a"};

FailureOr<KernelRecipe> getRecipe(Operation *op, const ChipInfo &chip) {
  if (isa<tile::MatmulOp, tile::RMSNormOp, tile::GatedRMSNormOp, tile::AddOp,
          tile::EmbeddingOp, memref::CopyOp>(op))
    return getDenseRecipe(op, chip);
  if (isa<tile::CausalConv1dOp>(op))
    return getConvRecipe(op, chip);
  if (isa<tile::SSDChunkCumsumOp, tile::SSDChunkStateOp,
          tile::SSDStatePassingOp, tile::SSDChunkScanOp,
          tile::SSDStateUpdateOp>(op))
    return getSSDRecipe(op, chip);
  if (isa<tile::FlashAttentionOp, tile::KVCacheAppendOp>(op))
    return getAttentionRecipe(op, chip);
  if (isa<tile::BarrierOp>(op))
    return op->emitOpError(
        "is a block-level barrier; on NVIDIA every Tile-IR op is its own "
        "kernel, so a barrier between them has no meaning in a host function");
  if (isa<tile::MoERouteOp, tile::MoESortOp, tile::MoEGatherOp,
          tile::GroupedMatmulOp, tile::MoECombineOp>(op))
    return op->emitOpError(
        "is a mixture-of-experts op, which has no NVIDIA kernel yet (MoE "
        "layers compile for x86 only; GPU grouped-GEMM kernels are planned)");
  return op->emitOpError("has no NVIDIA lowering");
}

/// The identity of the kernel an op becomes: op name, operand types and
/// attributes, printed.
std::string kernelKey(Operation *op) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << op->getName();
  for (Type t : op->getOperandTypes())
    os << "|" << t;
  os << "|" << op->getAttrDictionary();
  return key;
}

/// "tile.ssd_chunk_scan" -> "ssd_chunk_scan".
std::string kernelBaseName(Operation *op) {
  StringRef name = op->getName().getStringRef();
  return name.substr(name.find('.') + 1).str();
}

struct ConvertTileToNVVMPass
    : tessera::impl::ConvertTileToNVVMBase<ConvertTileToNVVMPass> {
  using ConvertTileToNVVMBase::ConvertTileToNVVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The chip comes from the module's #tessera.target, never an option.
    FailureOr<TargetAttr> moduleTarget = getModuleTarget(module);
    if (failed(moduleTarget))
      return signalPassFailure();
    if (!moduleTarget->isNVIDIA()) {
      module.emitError() << "convert-tile-to-nvvm: the module's target is '"
                         << moduleTarget->getKind()
                         << "', not nvidia (set it with "
                            "tessera-attach-target{kind=nvidia chip=...})";
      return signalPassFailure();
    }
    std::string chip = moduleTarget->getChip().str();
    if (!llvm::is_contained(kChips, chip)) {
      std::string known;
      llvm::raw_string_ostream os(known);
      llvm::interleaveComma(kChips, os);
      module.emitError() << "convert-tile-to-nvvm: unsupported chip '" << chip
                         << "' (supported: " << known << ")";
      return signalPassFailure();
    }
    ChipInfo info{chip};

    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::GPUModuleOp>())
        return;
      if (isa_and_nonnull<tile::TileDialect>(op->getDialect()) ||
          isa<memref::CopyOp>(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;

    MLIRContext *ctx = &getContext();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(ctx));
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    auto target = NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3,
                                            "nvptx64-nvidia-cuda", chip,
                                            /*features=*/"+ptx80");
    auto kernels = gpu::GPUModuleOp::create(mb, module.getLoc(),
                                            kKernelModule,
                                            mb.getArrayAttr({target}));
    SymbolTable kernelSymbols(kernels);

    llvm::StringMap<gpu::GPUFuncOp> byKey;
    llvm::StringMap<unsigned> countPerName;
    for (Operation *op : ops) {
      FailureOr<KernelRecipe> recipe = getRecipe(op, info);
      if (failed(recipe))
        return signalPassFailure();
      Location loc = op->getLoc();
      std::string key = kernelKey(op);
      gpu::GPUFuncOp kernel = byKey.lookup(key);
      if (!kernel) {
        std::string base = kernelBaseName(op);
        std::string name = base + "_" + std::to_string(countPerName[base]++);
        OpBuilder kb = OpBuilder::atBlockEnd(&kernels.getBodyRegion().front());
        SmallVector<Type> workgroup(recipe->workgroup.begin(),
                                    recipe->workgroup.end());
        kernel = gpu::GPUFuncOp::create(
            kb, loc, name,
            FunctionType::get(ctx, op->getOperandTypes(), {}), workgroup,
            /*privateAttributions=*/TypeRange());
        kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                        UnitAttr::get(ctx));
        kernel.setKnownBlockSizeAttr(
            DenseI32ArrayAttr::get(ctx, {int32_t(recipe->block[0]),
                                         int32_t(recipe->block[1]),
                                         int32_t(recipe->block[2])}));
        Block &entry = kernel.getBody().front();
        OpBuilder body = OpBuilder::atBlockEnd(&entry);
        auto ret = gpu::ReturnOp::create(body, loc);
        body.setInsertionPoint(ret);
        if (failed(recipe->body(body, loc,
                                kernel.getArguments().take_front(
                                    op->getNumOperands()),
                                kernel.getWorkgroupAttributions())))
          return signalPassFailure();
        byKey[key] = kernel;
      }

      OpBuilder host(op);
      SmallVector<Value, 3> grid = recipe->grid(host, loc, op->getOperands());
      auto blockDim = [&](int i) {
        return arith::ConstantIndexOp::create(host, loc, recipe->block[i])
            .getResult();
      };
      gpu::LaunchFuncOp::create(
          host, loc, kernel, gpu::KernelDim3{grid[0], grid[1], grid[2]},
          gpu::KernelDim3{blockDim(0), blockDim(1), blockDim(2)},
          /*dynamicSharedMemorySize=*/Value(), op->getOperands());
      op->erase();
    }
  }
};

} // namespace
