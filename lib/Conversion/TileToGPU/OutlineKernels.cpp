//===- OutlineKernels.cpp - Tile-IR ops to outlined GPU kernels -----------===//
//
// The driver shared by convert-tile-to-nvvm and convert-tile-to-rocdl
// (Kernels.h): every Tile-IR op (and memref.copy) of a host function becomes
// a gpu.launch_func of a kernel in gpu.module @tessera_kernels, whose body
// comes from the op's recipe. One kernel per distinct (op name, operand
// types, attributes): the layers of a model that share shapes share kernels.
// The host functions keep their memref.alloc/dim/views and arith; afterwards
// they hold no Tile-IR op.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::gpukernels;

namespace {

constexpr StringLiteral kKernelModule = "tessera_kernels";

FailureOr<KernelRecipe> getRecipe(Operation *op, const GPUTargetInfo &target) {
  if (target.overrideRecipe)
    if (std::optional<KernelRecipe> r = target.overrideRecipe(op))
      return *r;
  if (isa<tile::MatmulOp, tile::RMSNormOp, tile::GatedRMSNormOp, tile::AddOp,
          tile::EmbeddingOp, memref::CopyOp>(op))
    return getDenseRecipe(op, target);
  if (isa<tile::CausalConv1dOp>(op))
    return getConvRecipe(op, target);
  if (isa<tile::SSDChunkCumsumOp, tile::SSDChunkStateOp,
          tile::SSDStatePassingOp, tile::SSDChunkScanOp,
          tile::SSDStateUpdateOp>(op))
    return getSSDRecipe(op, target);
  if (isa<tile::FlashAttentionOp, tile::KVCacheAppendOp>(op))
    return getAttentionRecipe(op, target);
  if (isa<tile::BarrierOp>(op))
    return op->emitOpError()
           << "is a block-level barrier; on " << target.vendorName()
           << " every Tile-IR op is its own kernel, so a barrier between "
              "them has no meaning in a host function";
  if (isa<tile::MoERouteOp, tile::MoESortOp, tile::MoEGatherOp,
          tile::GroupedMatmulOp, tile::MoECombineOp>(op))
    return op->emitOpError()
           << "is a mixture-of-experts op, which has no "
           << target.vendorName()
           << " kernel yet (MoE layers compile for x86 only; GPU grouped-GEMM "
              "kernels are planned)";
  return op->emitOpError() << "has no " << target.vendorName() << " lowering";
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

} // namespace

LogicalResult gpukernels::outlineTileOpsToGPU(ModuleOp module,
                                              const GPUTargetInfo &target,
                                              ArrayAttr gpuTargets) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (op->getParentOfType<gpu::GPUModuleOp>())
      return;
    if (isa_and_nonnull<tile::TileDialect>(op->getDialect()) ||
        isa<memref::CopyOp>(op))
      ops.push_back(op);
  });
  if (ops.empty())
    return success();

  MLIRContext *ctx = module.getContext();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(ctx));
  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
  auto kernels = gpu::GPUModuleOp::create(mb, module.getLoc(), kKernelModule,
                                          gpuTargets);
  SymbolTable kernelSymbols(kernels);

  llvm::StringMap<gpu::GPUFuncOp> byKey;
  llvm::StringMap<unsigned> countPerName;
  for (Operation *op : ops) {
    FailureOr<KernelRecipe> recipe = getRecipe(op, target);
    if (failed(recipe))
      return failure();
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
          kb, loc, name, FunctionType::get(ctx, op->getOperandTypes(), {}),
          workgroup, /*privateAttributions=*/TypeRange());
      kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                      UnitAttr::get(ctx));
      if (target.workgroupAlignment)
        for (unsigned i = 0; i < workgroup.size(); ++i)
          kernel.setWorkgroupAttributionAttr(
              i, LLVM::LLVMDialect::getAlignAttrName(),
              IntegerAttr::get(IntegerType::get(ctx, 64),
                               target.workgroupAlignment));
      kernel.setKnownBlockSizeAttr(DenseI32ArrayAttr::get(
          ctx, {int32_t(recipe->block[0]), int32_t(recipe->block[1]),
                int32_t(recipe->block[2])}));
      Block &entry = kernel.getBody().front();
      OpBuilder body = OpBuilder::atBlockEnd(&entry);
      auto ret = gpu::ReturnOp::create(body, loc);
      body.setInsertionPoint(ret);
      if (failed(recipe->body(
              body, loc, kernel.getArguments().take_front(op->getNumOperands()),
              kernel.getWorkgroupAttributions())))
        return failure();
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
  return success();
}
