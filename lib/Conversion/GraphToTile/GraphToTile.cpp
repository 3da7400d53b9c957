//===- GraphToTile.cpp - Graph-IR to Tile-IR ------------------------------===//
//
// convert-graph-to-tile: the first lowering of the Tessera pipeline.
//
//   Graph-IR (tensors, model ops) --> Tile-IR (buffers, tiled algorithms)
//
// Each function over tensors becomes a function over memrefs in
// destination-passing style, which is also the runtime ABI:
//
//   @f(inputs..., weights..., results...)   {tessera.abi = {...},
//                                            tessera.weights = [names...],
//                                            tessera.num_inputs, num_results}
//
// `graph.weight` ops become the weight arguments (one per distinct name, in
// order of first use); results are written into caller-provided buffers.
// An input marked `tessera.aliasing_output = i` (a recurrent state) is
// updated in place: result i is computed into the input's buffer and gets
// no result argument. Intermediate values get `memref.alloc`s, each freed
// after its last use (through any view); a value that is returned is
// computed straight into its result buffer. `tessera.abi` describes every
// argument once (names, dtypes, shapes with -1 for dynamic dims, states
// with kind/layer and whether in place), for the runtimes to build buffers
// from.
//
// Composite ops decompose into Tile-IR algorithms:
//   mamba2_mixer   -> matmul(in_proj) -> causal_conv1d -> ssd_chunk_cumsum ->
//                     ssd_chunk_state -> ssd_state_passing -> ssd_chunk_scan
//                     -> gated_rmsnorm -> matmul(out_proj);
//                     with a static sequence length of 1: ssd_state_update
//                     (the recurrent decode form) instead of the four stages.
//   self_attention -> matmul(q, k, v) -> kv_cache_append (at the run-time
//                     position) -> flash_attention (over the cache prefix)
//                     -> matmul(o); caches stay [B, capacity, Hkv, D].
//   mlp            -> matmul(up, epilogue relu2) -> matmul(down)
//   moe            -> matmul(router) -> moe_route -> moe_sort -> [matmul
//                     (latent_fc1)] -> moe_gather -> grouped_matmul(up,
//                     relu2) -> grouped_matmul(down) -> moe_combine; the
//                     shared expert as the mlp, plus the routed sum (through
//                     an accumulating matmul(latent_fc2) when latent)
// Projections run on [tokens, features] views of the activations; the
// parts of a projection's output (z | xBC | dt, x | B | C) are strided views,
// never copies.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/Passes.h"
#include "tessera/Dialect/Graph/IR/Graph.h"
#include "tessera/Dialect/Tile/IR/Tile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTGRAPHTOTILE
#include "tessera/Conversion/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// On a Graph-IR function input: the result computed into its buffer.
constexpr StringLiteral kAliasingOutput = "tessera.aliasing_output";
/// On a Graph-IR function input or result: its name in the ABI.
constexpr StringLiteral kName = "tessera.name";
/// On a Graph-IR function input: `{kind = "...", layer = N}`, a recurrent
/// state the runtime keeps between calls.
constexpr StringLiteral kState = "tessera.state";

MemRefType memrefFor(Type tensorType) {
  auto t = cast<RankedTensorType>(tensorType);
  return MemRefType::get(t.getShape(), t.getElementType());
}

/// Lowers one Graph-IR function into a new Tile-IR function.
class FunctionLowering {
public:
  FunctionLowering(func::FuncOp func) : oldFunc(func), b(func) {}

  LogicalResult run();

private:
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerEmbedding(graph::EmbeddingOp op);
  LogicalResult lowerRMSNorm(graph::RMSNormOp op);
  LogicalResult lowerLinear(graph::LinearOp op);
  LogicalResult lowerResidualAdd(graph::ResidualAddOp op);
  LogicalResult lowerMLP(graph::MLPOp op);
  LogicalResult lowerMoE(graph::MoEOp op);
  LogicalResult lowerLMHead(graph::LMHeadOp op);
  LogicalResult lowerGatedRMSNorm(graph::GatedRMSNormOp op);
  LogicalResult lowerCausalConv1d(graph::CausalConv1dOp op);
  LogicalResult lowerSSDScan(graph::SSDScanOp op);
  LogicalResult lowerMamba2Mixer(graph::Mamba2MixerOp op);
  LogicalResult lowerAttention(graph::AttentionOp op);
  LogicalResult lowerSelfAttention(graph::SelfAttentionOp op);

  // -- buffers ---------------------------------------------------------------
  Value buf(Value tensor) { return mapping.lookup(tensor); }
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value dim(Value memref, int64_t i) {
    return memref::DimOp::create(b, loc, memref, i);
  }
  /// A dimension as a constant when static (so views keep static sizes,
  /// e.g. the sequence length 1 of a decode step), else as a value.
  OpFoldResult mixedDim(Value memref, int64_t i, Value dynamicValue) {
    int64_t d = cast<MemRefType>(memref.getType()).getDimSize(i);
    if (ShapedType::isDynamic(d))
      return dynamicValue;
    return b.getIndexAttr(d);
  }
  /// The buffer a tensor result is computed into: its result argument when
  /// the function returns it, else a fresh allocation (freed after its last
  /// use, deallocAfterLastUse).
  /// `sizes` gives every dimension (constants for static ones are ignored).
  Value bufferFor(Value result, ArrayRef<Value> sizes);
  /// A scratch buffer (f32, or `elem`) of the given shape, freed after its
  /// last use.
  Value scratch(ArrayRef<int64_t> shape, ArrayRef<Value> sizes,
                Type elem = {});
  /// The [rows, last] view of an N-D contiguous buffer.
  Value rows2d(Value memref);
  /// A view of `base` ([rows, width], contiguous) with the given sizes and
  /// strides starting at column `offset`.
  Value view(Value base, int64_t colOffset, ArrayRef<OpFoldResult> sizes,
             ArrayRef<OpFoldResult> strides);

  /// `size`, or (when the lowering has no value for a dimension it assumed
  /// static) a diagnostic on the op being lowered.
  Value sizeOr(Value size, int64_t index) {
    if (size)
      return size;
    if (!sizeError)
      currentOp->emitOpError()
          << "cannot be lowered to Tile-IR: dimension " << index
          << " of one of its buffers is dynamic, but convert-graph-to-tile "
             "needs static weight and feature dimensions";
    sizeError = true;
    return c(0);
  }

  /// The `tessera.abi` dictionary of the new function (see the file header).
  DictionaryAttr abiAttr(ArrayRef<Attribute> weightNames, unsigned firstWeight,
                         ArrayRef<int64_t> tiedInput,
                         ArrayRef<int64_t> resultArg);

  func::FuncOp oldFunc;
  func::FuncOp newFunc;
  Operation *currentOp = nullptr;
  bool sizeError = false;
  OpBuilder b;
  Location loc = UnknownLoc();
  IRMapping mapping;
  DenseMap<Value, Value> resultBuffers; // returned tensor -> result argument
  SmallVector<Value> allocs;
};

} // namespace

//===----------------------------------------------------------------------===//
// Function structure
//===----------------------------------------------------------------------===//

namespace {
/// Frees each buffer right after its last use (through any view of it) in
/// its block, so that a function's memory follows what is live rather than
/// the sum of its intermediates (a freed buffer is reused by later
/// allocations of the allocator; on NVIDIA the launch plan's arena does the
/// same).
void deallocAfterLastUse(ArrayRef<Value> allocs) {
  // In reverse, so that buffers freed after the same op are freed in the
  // order they were allocated.
  for (Value alloc : llvm::reverse(allocs)) {
    Operation *def = alloc.getDefiningOp();
    Operation *last = def;
    SmallVector<Value> views{alloc};
    while (!views.empty()) {
      Value v = views.pop_back_val();
      for (Operation *user : v.getUsers()) {
        Operation *top = def->getBlock()->findAncestorOpInBlock(*user);
        if (top && last->isBeforeInBlock(top))
          last = top;
        if (isa<ViewLikeOpInterface>(user))
          llvm::append_range(views, user->getResults());
      }
    }
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    memref::DeallocOp::create(b, def->getLoc(), alloc);
  }
}
} // namespace

Value FunctionLowering::bufferFor(Value result, ArrayRef<Value> sizes) {
  if (Value arg = resultBuffers.lookup(result))
    return arg;
  MemRefType type = memrefFor(result.getType());
  SmallVector<Value> dynamic;
  for (auto [i, d] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(d))
      dynamic.push_back(sizeOr(sizes[i], i));
  Value alloc = memref::AllocOp::create(b, loc, type, dynamic,
                                        b.getI64IntegerAttr(64));
  allocs.push_back(alloc);
  return alloc;
}

Value FunctionLowering::scratch(ArrayRef<int64_t> shape, ArrayRef<Value> sizes,
                                Type elem) {
  auto type = MemRefType::get(shape, elem ? elem : b.getF32Type());
  SmallVector<Value> dynamic;
  for (auto [i, d] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(d))
      dynamic.push_back(sizeOr(sizes[i], i));
  Value alloc = memref::AllocOp::create(b, loc, type, dynamic,
                                        b.getI64IntegerAttr(64));
  allocs.push_back(alloc);
  return alloc;
}

Value FunctionLowering::rows2d(Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 2)
    return memref;
  if (type.getRank() == 1)
    return memref::ExpandShapeOp::create(
        b, loc, SmallVector<int64_t>{1, type.getDimSize(0)}, memref,
        SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    groups[0].push_back(i);
  groups[1].push_back(type.getRank() - 1);
  return memref::CollapseShapeOp::create(b, loc, memref, groups);
}

Value FunctionLowering::view(Value base, int64_t colOffset,
                             ArrayRef<OpFoldResult> sizes,
                             ArrayRef<OpFoldResult> strides) {
  auto staticOf = [](OpFoldResult r) -> int64_t {
    if (auto attr = dyn_cast<Attribute>(r))
      return cast<IntegerAttr>(attr).getInt();
    return ShapedType::kDynamic;
  };
  SmallVector<int64_t> shape, strideValues;
  for (OpFoldResult s : sizes)
    shape.push_back(staticOf(s));
  for (OpFoldResult s : strides)
    strideValues.push_back(staticOf(s));
  auto baseType = cast<MemRefType>(base.getType());
  auto type = MemRefType::get(
      shape, baseType.getElementType(),
      StridedLayoutAttr::get(b.getContext(), colOffset, strideValues));
  return memref::ReinterpretCastOp::create(b, loc, type, base,
                                           b.getIndexAttr(colOffset), sizes,
                                           strides);
}

DictionaryAttr FunctionLowering::abiAttr(ArrayRef<Attribute> weightNames,
                                         unsigned firstWeight,
                                         ArrayRef<int64_t> tiedInput,
                                         ArrayRef<int64_t> resultArg) {
  auto named = [&](StringRef key, Attribute value) {
    return NamedAttribute(b.getStringAttr(key), value);
  };
  // dtype, shape (-1 dynamic) and argument index of one buffer.
  auto describe = [&](Type type, int64_t arg) {
    auto t = cast<RankedTensorType>(type);
    SmallVector<int64_t> shape;
    for (int64_t d : t.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    std::string dtype;
    llvm::raw_string_ostream os(dtype);
    t.getElementType().print(os);
    return SmallVector<NamedAttribute>{
        named("arg", b.getI64IntegerAttr(arg)),
        named("dtype", b.getStringAttr(dtype)),
        named("shape", b.getDenseI64ArrayAttr(shape))};
  };
  auto nameOf = [&](DictionaryAttr attrs, StringRef fallback) -> Attribute {
    if (auto n = attrs ? attrs.getAs<StringAttr>(kName) : StringAttr())
      return n;
    return b.getStringAttr(fallback);
  };
  SmallVector<Attribute> inputs, states, results;
  for (unsigned i = 0, e = oldFunc.getNumArguments(); i < e; ++i) {
    DictionaryAttr attrs = oldFunc.getArgAttrDict(i);
    SmallVector<NamedAttribute> entry =
        describe(oldFunc.getArgumentTypes()[i], i);
    auto state = attrs ? attrs.getAs<DictionaryAttr>(kState) : DictionaryAttr();
    if (!state) {
      entry.push_back(named("name", nameOf(attrs, ("arg" + Twine(i)).str())));
      inputs.push_back(b.getDictionaryAttr(entry));
      continue;
    }
    entry.append(state.begin(), state.end());
    entry.push_back(
        named("in_place", b.getBoolAttr(llvm::is_contained(tiedInput, i))));
    states.push_back(b.getDictionaryAttr(entry));
  }
  for (auto [r, type] : llvm::enumerate(oldFunc.getResultTypes())) {
    if (resultArg[r] < 0)
      continue;
    SmallVector<NamedAttribute> entry = describe(type, resultArg[r]);
    entry.push_back(named("name", nameOf(oldFunc.getResultAttrDict(r),
                                         ("result" + Twine(r)).str())));
    results.push_back(b.getDictionaryAttr(entry));
  }
  return b.getDictionaryAttr(
      {named("inputs", b.getArrayAttr(inputs)),
       named("states", b.getArrayAttr(states)),
       named("weights", b.getArrayAttr(weightNames)),
       named("first_weight_arg", b.getI64IntegerAttr(firstWeight)),
       named("results", b.getArrayAttr(results))});
}

LogicalResult FunctionLowering::run() {
  loc = oldFunc.getLoc();
  Block &body = oldFunc.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());

  for (Type t : llvm::concat<const Type>(oldFunc.getArgumentTypes(),
                                        oldFunc.getResultTypes()))
    if (!isa<RankedTensorType>(t))
      return oldFunc.emitOpError("Graph-IR function arguments and results "
                                 "must be ranked tensors, got ")
             << t;

  // Weights, one argument per distinct name, in order of first use.
  SmallVector<graph::WeightOp> weights;
  llvm::StringMap<unsigned> weightIndex;
  for (auto w : body.getOps<graph::WeightOp>()) {
    auto [it, inserted] = weightIndex.try_emplace(w.getName(), weights.size());
    if (inserted) {
      weights.push_back(w);
    } else if (weights[it->second].getType() != w.getType()) {
      return w.emitOpError("weight '")
             << w.getName() << "' is used with two types: "
             << weights[it->second].getType() << " and " << w.getType();
    }
  }

  unsigned numInputs = oldFunc.getNumArguments();
  unsigned numResults = oldFunc.getNumResults();
  // result index -> the input whose buffer it is computed into.
  SmallVector<int64_t> tiedInput(numResults, -1);
  for (unsigned i = 0; i < numInputs; ++i) {
    auto attr = oldFunc.getArgAttrOfType<IntegerAttr>(i, kAliasingOutput);
    if (!attr)
      continue;
    int64_t r = attr.getInt();
    if (r < 0 || r >= numResults || tiedInput[r] >= 0 ||
        oldFunc.getArgumentTypes()[i] != oldFunc.getResultTypes()[r])
      return oldFunc.emitOpError("input ")
             << i << ": " << kAliasingOutput << " = " << r
             << " must name a distinct result of the same type";
    // Written in place: nothing but the op computing the result may read
    // the old value.
    Value arg = oldFunc.getArgument(i);
    Value res = ret.getOperand(r);
    for (Operation *user : arg.getUsers())
      if (user != res.getDefiningOp())
        return oldFunc.emitOpError("input ")
               << i << " is updated in place (result " << r
               << ") but is also read by '" << user->getName() << "'";
    tiedInput[r] = i;
  }
  SmallVector<Type> argTypes;
  for (Type t : oldFunc.getArgumentTypes())
    argTypes.push_back(memrefFor(t));
  for (auto w : weights)
    argTypes.push_back(memrefFor(w.getType()));
  SmallVector<int64_t> resultArg(numResults, -1);
  for (auto [i, t] : llvm::enumerate(oldFunc.getResultTypes())) {
    if (tiedInput[i] >= 0)
      continue;
    resultArg[i] = argTypes.size();
    argTypes.push_back(memrefFor(t));
  }

  b.setInsertionPointAfter(oldFunc);
  newFunc = func::FuncOp::create(b, loc, oldFunc.getName(),
                                 b.getFunctionType(argTypes, {}));
  SmallVector<Attribute> names;
  for (auto w : weights)
    names.push_back(w.getNameAttr());
  newFunc->setAttr("tessera.abi",
                   abiAttr(names, numInputs, tiedInput, resultArg));
  newFunc->setAttr("tessera.weights", b.getArrayAttr(names));
  newFunc->setAttr("tessera.num_inputs", b.getI64IntegerAttr(numInputs));
  newFunc->setAttr("tessera.num_results",
                   b.getI64IntegerAttr(argTypes.size() - numInputs -
                                       weights.size()));
  newFunc->setAttr("llvm.emit_c_interface", b.getUnitAttr());

  Block *entry = newFunc.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (unsigned i = 0; i < numInputs; ++i)
    mapping.map(oldFunc.getArgument(i), entry->getArgument(i));
  for (auto w : body.getOps<graph::WeightOp>())
    mapping.map(w.getResult(),
                entry->getArgument(numInputs + weightIndex[w.getName()]));
  SmallVector<Value> destinations;
  for (unsigned i = 0; i < numResults; ++i)
    destinations.push_back(entry->getArgument(
        tiedInput[i] >= 0 ? tiedInput[i] : resultArg[i]));
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Operation *def = v.getDefiningOp();
    if (def && !isa<graph::WeightOp>(def) && !resultBuffers.count(v))
      resultBuffers[v] = destinations[i];
  }

  for (Operation &op : body.without_terminator())
    if (failed(lowerOp(&op)))
      return failure();

  loc = ret.getLoc();
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value dst = destinations[i];
    if (buf(v) != dst)
      memref::CopyOp::create(b, loc, buf(v), dst);
  }
  func::ReturnOp::create(b, loc);
  deallocAfterLastUse(allocs);
  oldFunc.erase();
  return success();
}

LogicalResult FunctionLowering::lowerOp(Operation *op) {
  loc = op->getLoc();
  currentOp = op;
  LogicalResult result = llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<graph::WeightOp>([](auto) { return success(); })
      .Case([&](graph::EmbeddingOp o) { return lowerEmbedding(o); })
      .Case([&](graph::RMSNormOp o) { return lowerRMSNorm(o); })
      .Case([&](graph::LinearOp o) { return lowerLinear(o); })
      .Case([&](graph::ResidualAddOp o) { return lowerResidualAdd(o); })
      .Case([&](graph::MLPOp o) { return lowerMLP(o); })
      .Case([&](graph::MoEOp o) { return lowerMoE(o); })
      .Case([&](graph::LMHeadOp o) { return lowerLMHead(o); })
      .Case([&](graph::GatedRMSNormOp o) { return lowerGatedRMSNorm(o); })
      .Case([&](graph::CausalConv1dOp o) { return lowerCausalConv1d(o); })
      .Case([&](graph::SSDScanOp o) { return lowerSSDScan(o); })
      .Case([&](graph::Mamba2MixerOp o) { return lowerMamba2Mixer(o); })
      .Case([&](graph::AttentionOp o) { return lowerAttention(o); })
      .Case([&](graph::SelfAttentionOp o) { return lowerSelfAttention(o); })
      .Default([](Operation *other) {
        return other->emitOpError()
               << "cannot be lowered to Tile-IR: convert-graph-to-tile "
                  "handles Graph-IR ops only";
      });
  return failure(failed(result) || sizeError);
}

namespace {
struct ConvertGraphToTilePass
    : tessera::impl::ConvertGraphToTileBase<ConvertGraphToTilePass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> funcs;
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (!f.isDeclaration())
        funcs.push_back(f);
    for (func::FuncOp f : funcs) {
      if (f.getBody().getBlocks().size() != 1) {
        f.emitOpError("Graph-IR functions must have a single block");
        return signalPassFailure();
      }
      FunctionLowering lowering(f);
      if (failed(lowering.run()))
        return signalPassFailure();
    }
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Dense ops
//===----------------------------------------------------------------------===//

namespace {
/// Every dimension of a buffer as index values.
SmallVector<Value> dimsOf(OpBuilder &b, Location loc, Value memref) {
  SmallVector<Value> dims;
  for (int64_t i = 0, e = cast<MemRefType>(memref.getType()).getRank(); i < e;
       ++i)
    dims.push_back(memref::DimOp::create(b, loc, memref, i));
  return dims;
}
} // namespace

/// c = epi(a @ w^T + bias) on [rows, features] views.
static void matmul(OpBuilder &b, Location loc, Value a, Value w, Value c,
                   Value bias, tile::Epilogue epi = tile::Epilogue::None) {
  tile::MatmulOp::create(b, loc, a, w, c, bias,
                         /*transpose_b=*/true, /*accumulate=*/false, epi,
                         /*packed_b=*/DenseI64ArrayAttr());
}

LogicalResult FunctionLowering::lowerEmbedding(graph::EmbeddingOp op) {
  Value ids = buf(op.getIds()), table = buf(op.getTable());
  SmallVector<Value> sizes = dimsOf(b, loc, ids);
  sizes.push_back(dim(table, 1));
  Value out = bufferFor(op.getResult(), sizes);
  tile::EmbeddingOp::create(b, loc, table, ids, out);
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerRMSNorm(graph::RMSNormOp op) {
  Value x = buf(op.getX());
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, x));
  tile::RMSNormOp::create(b, loc, rows2d(x), buf(op.getWeight()), rows2d(out),
                          op.getEpsilon());
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerLinear(graph::LinearOp op) {
  Value x = buf(op.getX()), w = buf(op.getWeight());
  SmallVector<Value> sizes = dimsOf(b, loc, x);
  sizes.back() = dim(w, 0);
  Value out = bufferFor(op.getResult(), sizes);
  matmul(b, loc, rows2d(x), w, rows2d(out),
         op.getBias() ? buf(op.getBias()) : Value());
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerResidualAdd(graph::ResidualAddOp op) {
  Value lhs = buf(op.getLhs()), rhs = buf(op.getRhs());
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, lhs));
  tile::AddOp::create(b, loc, rows2d(lhs), rows2d(rhs), rows2d(out));
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerMLP(graph::MLPOp op) {
  Value x = rows2d(buf(op.getX()));
  Value up = buf(op.getUpProj()), down = buf(op.getDownProj());
  Value rows = dim(x, 0);
  int64_t inter = cast<MemRefType>(up.getType()).getDimSize(0);
  Value hidden = scratch({ShapedType::kDynamic, inter}, {rows, Value()});
  matmul(b, loc, x, up, hidden, op.getUpBias() ? buf(op.getUpBias()) : Value(),
         tile::Epilogue::Relu2);
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, buf(op.getX())));
  matmul(b, loc, hidden, down, rows2d(out),
         op.getDownBias() ? buf(op.getDownBias()) : Value());
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerMoE(graph::MoEOp op) {
  constexpr int64_t kDyn = ShapedType::kDynamic;
  auto optBuf = [&](Value v) { return v ? buf(v) : Value(); };
  auto staticDim = [&](Value v, int64_t i) {
    return cast<MemRefType>(buf(v).getType()).getDimSize(i);
  };
  Value x = rows2d(buf(op.getX()));
  Value tokens = dim(x, 0);
  int64_t experts = staticDim(op.getRouter(), 0), topK = op.getTopK();
  int64_t inter = staticDim(op.getExpertsUp(), 1);
  int64_t latent = staticDim(op.getExpertsUp(), 2);
  int64_t shared = staticDim(op.getSharedUp(), 0);
  for (int64_t d : {experts, inter, latent, shared})
    if (ShapedType::isDynamic(d))
      return op.emitOpError("cannot be lowered to Tile-IR: the expert count "
                            "and widths must be static");
  Type i64 = b.getI64Type();

  // Route: logits -> (ids, weights) per token, then the pairs by expert.
  Value logits = scratch({kDyn, experts}, {tokens, Value()});
  matmul(b, loc, x, buf(op.getRouter()), logits, Value());
  Value ids = scratch({kDyn, topK}, {tokens, Value()}, i64);
  Value weights = scratch({kDyn, topK}, {tokens, Value()});
  tile::MoERouteOp::create(b, loc, logits, buf(op.getRouterBias()), ids,
                           weights, op.getNGroup(), op.getTopkGroup(),
                           op.getNormTopkProb(),
                           op.getRoutedScalingFactor());
  Value pairs = arith::MulIOp::create(b, loc, tokens, c(topK));
  Value offsets = scratch({experts + 1}, {Value()}, i64);
  Value order = scratch({kDyn}, {pairs}, i64);
  tile::MoESortOp::create(b, loc, ids, offsets, order);

  // Routed experts on the (latent) tokens in expert order.
  Value u = x;
  if (op.getLatentFc1()) {
    u = scratch({kDyn, latent}, {tokens, Value()});
    matmul(b, loc, x, buf(op.getLatentFc1()), u,
           optBuf(op.getLatentFc1Bias()));
  }
  Value xs = scratch({kDyn, latent}, {pairs, Value()});
  tile::MoEGatherOp::create(b, loc, u, order, xs, topK);
  Value hs = scratch({kDyn, inter}, {pairs, Value()});
  tile::GroupedMatmulOp::create(b, loc, xs, buf(op.getExpertsUp()), offsets,
                                hs, tile::Epilogue::Relu2);
  Value ys = scratch({kDyn, latent}, {pairs, Value()});
  tile::GroupedMatmulOp::create(b, loc, hs, buf(op.getExpertsDown()), offsets,
                                ys, tile::Epilogue::None);
  Value routed = scratch({kDyn, latent}, {tokens, Value()});
  tile::MoECombineOp::create(b, loc, ys, order, weights, routed);

  // Shared expert into the result, then the routed sum added.
  Value sharedHidden = scratch({kDyn, shared}, {tokens, Value()});
  matmul(b, loc, x, buf(op.getSharedUp()), sharedHidden,
         optBuf(op.getSharedUpBias()), tile::Epilogue::Relu2);
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, buf(op.getX())));
  Value out2d = rows2d(out);
  matmul(b, loc, sharedHidden, buf(op.getSharedDown()), out2d,
         optBuf(op.getSharedDownBias()));
  if (op.getLatentFc2())
    tile::MatmulOp::create(b, loc, routed, buf(op.getLatentFc2()), out2d,
                           optBuf(op.getLatentFc2Bias()),
                           /*transpose_b=*/true, /*accumulate=*/true,
                           tile::Epilogue::None, /*packed_b=*/DenseI64ArrayAttr());
  else
    tile::AddOp::create(b, loc, out2d, routed, out2d);
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerLMHead(graph::LMHeadOp op) {
  Value x = buf(op.getX()), w = buf(op.getWeight());
  SmallVector<Value> sizes = dimsOf(b, loc, x);
  if (op.getLastPosition()) {
    // Only the last position's logits: its hidden rows x[..., S-1, :] are
    // copied into a contiguous [..., 1, H] buffer, the matmul's A.
    auto xType = cast<MemRefType>(x.getType());
    int64_t rank = xType.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sz, strides(
                                                         rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i)
      sz.push_back(i == rank - 2 ? OpFoldResult(b.getIndexAttr(1))
                                 : mixedDim(x, i, sizes[i]));
    offsets[rank - 2] = arith::SubIOp::create(
                            b, loc, sizes[rank - 2],
                            arith::ConstantIndexOp::create(b, loc, 1))
                            .getResult();
    Value row = memref::SubViewOp::create(b, loc, x, offsets, sz, strides);
    SmallVector<int64_t> shape(xType.getShape());
    shape[rank - 2] = 1;
    SmallVector<Value> dynamic;
    for (int64_t i = 0; i < rank; ++i)
      if (ShapedType::isDynamic(shape[i]))
        dynamic.push_back(sizes[i]);
    Value last = memref::AllocOp::create(
        b, loc, MemRefType::get(shape, xType.getElementType()), dynamic,
        b.getI64IntegerAttr(64));
    allocs.push_back(last);
    memref::CopyOp::create(b, loc, row, last);
    x = last;
    sizes[rank - 2] = arith::ConstantIndexOp::create(b, loc, 1);
  }
  sizes.back() = dim(w, 0);
  Value out = bufferFor(op.getResult(), sizes);
  matmul(b, loc, rows2d(x), w, rows2d(out), Value());
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerGatedRMSNorm(graph::GatedRMSNormOp op) {
  Value y = buf(op.getY());
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, y));
  tile::GatedRMSNormOp::create(b, loc, rows2d(y), rows2d(buf(op.getZ())),
                               buf(op.getWeight()), rows2d(out),
                               op.getEpsilon(), op.getGroupSize());
  mapping.map(op.getResult(), out);
  return success();
}

//===----------------------------------------------------------------------===//
// Mamba2
//===----------------------------------------------------------------------===//

namespace {
/// Operands of one SSD scan, as buffers.
struct SSDOperands {
  Value x;      // [B, S, H, P]
  Value dt;     // [B, S, H] (raw)
  Value dtBias, aLog, dSkip;
  Value bMat, cMat; // [B, S, G, N]
  Value init;   // [B, H, P, N] or null
  Value y;      // [B, S, H, P]
  Value finalState; // [B, H, P, N]
  int64_t chunk;
  APFloat dtMin, dtMax;
};

/// Drops the (size 1) sequence dimension 1 of a buffer with a rank-reducing
/// subview: [B, 1, ...] -> [B, ...].
Value dropSeq(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(
        i == 1 ? OpFoldResult(b.getIndexAttr(1))
        : ShapedType::isDynamic(type.getDimSize(i))
            ? OpFoldResult(memref::DimOp::create(b, loc, memref, i).getResult())
            : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  SmallVector<int64_t> reduced(type.getShape());
  reduced.erase(reduced.begin() + 1);
  auto resultType = memref::SubViewOp::inferRankReducedResultType(
      reduced, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, cast<MemRefType>(resultType),
                                   memref, offsets, sizes, strides);
}
} // namespace

/// The SSD scan: the recurrent update when this is a decode step (static
/// sequence length 1 with an incoming state), else the four chunked stages.
static void emitSSD(OpBuilder &b, Location loc, SSDOperands &o,
                    const std::function<Value(ArrayRef<int64_t>, ArrayRef<Value>)>
                        &scratch) {
  auto xType = cast<MemRefType>(o.x.getType());
  if (xType.getDimSize(1) == 1 && o.init) {
    if (o.init != o.finalState) // else updated in place
      memref::CopyOp::create(b, loc, o.init, o.finalState);
    tile::SSDStateUpdateOp::create(
        b, loc, dropSeq(b, loc, o.x), dropSeq(b, loc, o.dt), o.dtBias, o.aLog,
        dropSeq(b, loc, o.bMat), dropSeq(b, loc, o.cMat), o.dSkip,
        o.finalState, dropSeq(b, loc, o.y), o.dtMin, o.dtMax);
    return;
  }
  auto dim = [&](Value v, int64_t i) -> Value {
    return memref::DimOp::create(b, loc, v, i);
  };
  Value batch = dim(o.x, 0), seq = dim(o.x, 1);
  int64_t heads = xType.getDimSize(2), headDim = xType.getDimSize(3);
  int64_t state = cast<MemRefType>(o.bMat.getType()).getDimSize(3);
  Value q1 = arith::ConstantIndexOp::create(b, loc, o.chunk - 1);
  Value q = arith::ConstantIndexOp::create(b, loc, o.chunk);
  Value nChunks = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, seq, q1), q);
  int64_t dyn = ShapedType::kDynamic;
  Value dtOut = scratch({dyn, dyn, heads}, {batch, seq, Value()});
  Value dA = scratch({dyn, heads, dyn, o.chunk}, {batch, Value(), nChunks, Value()});
  Value states = scratch({dyn, dyn, heads, headDim, state},
                         {batch, nChunks, Value(), Value(), Value()});
  Value statesIn = scratch({dyn, dyn, heads, headDim, state},
                           {batch, nChunks, Value(), Value(), Value()});
  tile::SSDChunkCumsumOp::create(b, loc, o.dt, o.dtBias, o.aLog, dtOut, dA,
                                 o.chunk, o.dtMin, o.dtMax);
  tile::SSDChunkStateOp::create(b, loc, o.x, o.bMat, dtOut, dA, states,
                                o.chunk);
  tile::SSDStatePassingOp::create(b, loc, states, dA, o.init, statesIn,
                                  o.finalState, o.chunk);
  tile::SSDChunkScanOp::create(b, loc, o.x, o.cMat, o.bMat, dtOut, dA,
                               statesIn, o.dSkip, o.y, o.chunk);
}

LogicalResult FunctionLowering::lowerCausalConv1d(graph::CausalConv1dOp op) {
  Value x = buf(op.getX());
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, x));
  SmallVector<Value> stateSizes{dim(x, 0), dim(x, 2), Value()};
  Value state = bufferFor(op.getFinalState(), stateSizes);
  tile::CausalConv1dOp::create(
      b, loc, x, buf(op.getWeight()),
      op.getBias() ? buf(op.getBias()) : Value(),
      op.getInitState() ? buf(op.getInitState()) : Value(), out, state,
      op.getSilu());
  mapping.map(op.getResult(), out);
  mapping.map(op.getFinalState(), state);
  return success();
}

LogicalResult FunctionLowering::lowerSSDScan(graph::SSDScanOp op) {
  Value x = buf(op.getX());
  SmallVector<Value> xDims = dimsOf(b, loc, x);
  Value y = bufferFor(op.getY(), xDims);
  Value fin = bufferFor(op.getFinalState(), {xDims[0], Value(), Value(), Value()});
  SSDOperands o{x, buf(op.getDt()), buf(op.getDtBias()), buf(op.getALog()),
                buf(op.getD()), buf(op.getB()), buf(op.getC()),
                op.getInitState() ? buf(op.getInitState()) : Value(), y, fin,
                op.getChunkSize(), op.getDtMin(), op.getDtMax()};
  emitSSD(b, loc, o, [&](ArrayRef<int64_t> s, ArrayRef<Value> v) {
    return scratch(s, v);
  });
  mapping.map(op.getY(), y);
  mapping.map(op.getFinalState(), fin);
  return success();
}

LogicalResult FunctionLowering::lowerMamba2Mixer(graph::Mamba2MixerOp op) {
  Value x = buf(op.getX());
  Value batch = dim(x, 0), seq = dim(x, 1);
  Value x2 = rows2d(x);
  Value rows = dim(x2, 0);
  int64_t dInner = op.getDInner(), convDim = op.getConvDim();
  int64_t inDim = op.getInProjDim(), heads = op.getNumHeads();
  int64_t headDim = op.getHeadDim(), groups = op.getNGroups();
  int64_t state = op.getStateSize();
  int64_t dyn = ShapedType::kDynamic;

  // 1. in_proj: zxbcdt[rows, z | xBC | dt].
  Value zx = scratch({dyn, inDim}, {rows, Value()});
  matmul(b, loc, x2, buf(op.getInProj()), zx,
         op.getInProjBias() ? buf(op.getInProjBias()) : Value());
  auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  OpFoldResult bOf = mixedDim(x, 0, batch), sOf = mixedDim(x, 1, seq), rOf = rows;
  Value sTimesIn = arith::MulIOp::create(b, loc, seq, c(inDim));
  Value xBC = view(zx, dInner, {bOf, sOf, idx(convDim)},
                   {OpFoldResult(sTimesIn), idx(inDim), idx(1)});

  // 2. causal conv1d + SiLU on xBC.
  Value convOut = scratch({dyn, dyn, convDim}, {batch, seq, Value()});
  Value convState = bufferFor(op.getNewConvState(), {batch, Value(), Value()});
  tile::CausalConv1dOp::create(
      b, loc, xBC, buf(op.getConvWeight()),
      op.getConvBias() ? buf(op.getConvBias()) : Value(),
      op.getConvState() ? buf(op.getConvState()) : Value(), convOut, convState,
      /*silu=*/true);

  // 3. SSD scan on the x | B | C parts of the conv output and dt.
  Value sTimesConv = arith::MulIOp::create(b, loc, seq, c(convDim));
  OpFoldResult convBatchStride = sTimesConv;
  Value xs = view(convOut, 0, {bOf, sOf, idx(heads), idx(headDim)},
                  {convBatchStride, idx(convDim), idx(headDim), idx(1)});
  Value bm = view(convOut, dInner, {bOf, sOf, idx(groups), idx(state)},
                  {convBatchStride, idx(convDim), idx(state), idx(1)});
  Value cm = view(convOut, dInner + groups * state,
                  {bOf, sOf, idx(groups), idx(state)},
                  {convBatchStride, idx(convDim), idx(state), idx(1)});
  Value dt = view(zx, dInner + convDim, {bOf, sOf, idx(heads)},
                  {OpFoldResult(sTimesIn), idx(inDim), idx(1)});
  Value y = scratch({dyn, dyn, heads, headDim}, {batch, seq, Value(), Value()});
  Value ssmState = bufferFor(op.getNewSsmState(), {batch, Value(), Value(), Value()});
  SSDOperands o{xs, dt, buf(op.getDtBias()), buf(op.getALog()), buf(op.getD()),
                bm, cm, op.getSsmState() ? buf(op.getSsmState()) : Value(), y,
                ssmState, op.getChunkSize(), op.getDtMin(), op.getDtMax()};
  emitSSD(b, loc, o, [&](ArrayRef<int64_t> s, ArrayRef<Value> v) {
    return scratch(s, v);
  });

  // 4. gated grouped RMSNorm with the gate z.
  Value z = view(zx, 0, {rOf, idx(dInner)}, {idx(inDim), idx(1)});
  Value gated = scratch({dyn, dInner}, {rows, Value()});
  // [B, S, H, P] -> [tokens, d_inner]
  Value y2 = memref::CollapseShapeOp::create(
      b, loc, y, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  tile::GatedRMSNormOp::create(b, loc, y2, z, buf(op.getNormWeight()),
                               gated, op.getEpsilon(), dInner / groups);

  // 5. out_proj.
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, x));
  matmul(b, loc, gated, buf(op.getOutProj()), rows2d(out),
         op.getOutProjBias() ? buf(op.getOutProjBias()) : Value());
  mapping.map(op.getResult(), out);
  mapping.map(op.getNewConvState(), convState);
  mapping.map(op.getNewSsmState(), ssmState);
  return success();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

static void flashAttention(OpBuilder &b, Location loc, Value q, Value k,
                           Value v, Value out, bool causal, double scale,
                           Value position = Value()) {
  tile::FlashAttentionOp::create(b, loc, q, k, v, out, position, causal,
                                 llvm::APFloat(scale));
}

LogicalResult FunctionLowering::lowerAttention(graph::AttentionOp op) {
  Value q = buf(op.getQ());
  Value out = bufferFor(op.getResult(), dimsOf(b, loc, q));
  flashAttention(b, loc, q, buf(op.getK()), buf(op.getV()), out,
                 op.getCausal(), op.getScale().convertToDouble());
  mapping.map(op.getResult(), out);
  return success();
}

LogicalResult FunctionLowering::lowerSelfAttention(graph::SelfAttentionOp op) {
  Value x = buf(op.getX());
  Value batch = dim(x, 0), seq = dim(x, 1);
  Value x2 = rows2d(x);
  Value rows = dim(x2, 0);
  int64_t heads = op.getNumHeads(), kvHeads = op.getNumKvHeads();
  int64_t headDim = op.getHeadDim();
  int64_t qDim = heads * headDim, kvDim = kvHeads * headDim;
  int64_t dyn = ShapedType::kDynamic;
  auto bias = [&](Value v) { return v ? buf(v) : Value(); };

  Value qBuf = scratch({dyn, qDim}, {rows, Value()});
  Value kBuf = scratch({dyn, kvDim}, {rows, Value()});
  Value vBuf = scratch({dyn, kvDim}, {rows, Value()});
  matmul(b, loc, x2, buf(op.getQProj()), qBuf, bias(op.getQBias()));
  matmul(b, loc, x2, buf(op.getKProj()), kBuf, bias(op.getKBias()));
  matmul(b, loc, x2, buf(op.getVProj()), vBuf, bias(op.getVBias()));

  // Append this call's keys and values to the caches ([B, capacity, Hkv, D])
  // at the run-time position, in place when the caches are tied to their
  // results (else into a copy). Without caches, the new caches are exactly
  // this call's positions.
  Value position = op.getPosition() ? buf(op.getPosition()) : Value();
  Value capacity = op.getKCache() ? dim(buf(op.getKCache()), 1) : seq;
  SmallVector<Value> cacheSizes{batch, capacity, c(kvHeads), c(headDim)};
  Value kCache = bufferFor(op.getNewKCache(), cacheSizes);
  Value vCache = bufferFor(op.getNewVCache(), cacheSizes);
  auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  OpFoldResult bOf = mixedDim(x, 0, batch), sOf = mixedDim(x, 1, seq);
  Value sTimesKv = arith::MulIOp::create(b, loc, seq, c(kvDim));
  for (auto [cache, fresh, old] :
       {std::tuple{kCache, kBuf, op.getKCache()},
        std::tuple{vCache, vBuf, op.getVCache()}}) {
    if (old && buf(old) != cache)
      memref::CopyOp::create(b, loc, buf(old), cache);
    Value update = view(fresh, 0, {bOf, sOf, idx(kvHeads), idx(headDim)},
                        {OpFoldResult(sTimesKv), idx(kvDim), idx(headDim), idx(1)});
    tile::KVCacheAppendOp::create(b, loc, cache, update, position);
  }

  // Attention over keys [0, position + seq): the kernel reads the position;
  // without one (position 0) it reads the first `seq` rows of the caches.
  Value sTimesQ = arith::MulIOp::create(b, loc, seq, c(qDim));
  Value q4 = view(qBuf, 0, {bOf, sOf, idx(heads), idx(headDim)},
                  {OpFoldResult(sTimesQ), idx(qDim), idx(headDim), idx(1)});
  Value kKeys = kCache, vKeys = vCache;
  if (!position && op.getKCache()) {
    SmallVector<OpFoldResult> offsets(4, idx(0)), strides(4, idx(1));
    SmallVector<OpFoldResult> sizes{bOf, sOf, idx(kvHeads), idx(headDim)};
    kKeys = memref::SubViewOp::create(b, loc, kCache, offsets, sizes, strides);
    vKeys = memref::SubViewOp::create(b, loc, vCache, offsets, sizes, strides);
  }
  Value attn = scratch({dyn, dyn, heads, headDim}, {batch, seq, Value(), Value()});
  flashAttention(b, loc, q4, kKeys, vKeys, attn, op.getCausal(),
                 1.0 / std::sqrt(static_cast<double>(headDim)), position);

  Value out = bufferFor(op.getResult(), dimsOf(b, loc, x));
  Value attn2 = memref::CollapseShapeOp::create(
      b, loc, attn, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  matmul(b, loc, attn2, buf(op.getOProj()), rows2d(out),
         bias(op.getOBias()));
  mapping.map(op.getResult(), out);
  mapping.map(op.getNewKCache(), kCache);
  mapping.map(op.getNewVCache(), vCache);
  return success();
}
