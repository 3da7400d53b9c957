//===- TileOps.cpp - Tessera Tile-IR op verifiers -------------------------===//
//
// Verifiers of the Tile-IR ops. Each checks the rank of its primary operands,
// the shape of every other operand against the sizes those fix, and its
// attributes, and names the rule, the expected and the actual value when one
// is broken. Dynamic dimensions pass; the runtime checks them before running.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Tile/IR/Tile.h"
#include "tessera/Support/Limits.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::tile;

#define GET_OP_CLASSES
#include "tessera/Dialect/Tile/IR/TileOps.cpp.inc"

namespace {
constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Checks `v`'s whole shape against `expected` (rank and every dimension
/// that is static on both sides); reports "<what> shape: expected [..], got
/// [..]".
LogicalResult checkShape(Operation *op, const Twine &what, Value v,
                         ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = cast<ShapedType>(v.getType()).getShape();
  bool ok = actual.size() == expected.size();
  for (size_t i = 0; ok && i < actual.size(); ++i)
    ok = ShapedType::isDynamic(actual[i]) ||
         ShapedType::isDynamic(expected[i]) || actual[i] == expected[i];
  if (ok)
    return success();
  return op->emitOpError() << what << " shape: expected "
                           << formatShape(expected) << ", got "
                           << formatShape(actual);
}

/// Checks that `v` has the shape of `ref`.
LogicalResult checkSameShape(Operation *op, const Twine &what, Value v,
                             Value ref) {
  return checkShape(op, what, v, cast<ShapedType>(ref.getType()).getShape());
}

/// Dynamic-aware `ceildiv(size, chunk)`.
int64_t numChunks(int64_t size, int64_t chunk) {
  if (ShapedType::isDynamic(size) || chunk <= 0)
    return kDynamic;
  return size / chunk + (size % chunk != 0); // no overflow near INT64_MAX
}


/// The Tile-IR memory space of `v`'s memref type, or an error naming the
/// foreign memory space it has.
FailureOr<MemorySpace> memorySpaceOf(Operation *op, StringRef what, Value v) {
  auto type = cast<MemRefType>(v.getType());
  if (std::optional<MemorySpace> space = getMemorySpace(type))
    return *space;
  return op->emitOpError() << what
                           << " memory space must be a #tile.memory_space "
                              "attribute or none, got "
                           << type.getMemorySpace();
}

/// Shared rules of tile.load and tile.store: `tile` (static shape) is copied
/// to or from the window of `buffer` at `offsets`, and data moves toward the
/// compute units on a load and away from them on a store.
LogicalResult verifyTileCopy(Operation *op, Value tile, StringRef tileName,
                             Value buffer, StringRef bufferName,
                             ValueRange offsets, bool isLoad) {
  FailureOr<MemorySpace> tileSpace = memorySpaceOf(op, tileName, tile);
  FailureOr<MemorySpace> bufferSpace = memorySpaceOf(op, bufferName, buffer);
  if (failed(tileSpace) || failed(bufferSpace))
    return failure();
  auto tileType = cast<MemRefType>(tile.getType());
  auto bufferType = cast<MemRefType>(buffer.getType());
  if (failed(checkDim(op, "offsets", offsets.size(), bufferType.getRank())) ||
      failed(checkRank(op, tileName, tileType, bufferType.getRank())))
    return failure();
  if (!tileType.hasStaticShape())
    return op->emitOpError() << tileName
                             << " tile must have a static shape, got "
                             << tileType;
  MemRefType src = isLoad ? bufferType : tileType;
  MemRefType dst = isLoad ? tileType : bufferType;
  if (src.getElementType() != dst.getElementType())
    return op->emitOpError()
           << "destination element type must equal the source element type "
           << src.getElementType() << ", got " << dst.getElementType();
  MemorySpace from = isLoad ? *bufferSpace : *tileSpace;
  MemorySpace to = isLoad ? *tileSpace : *bufferSpace;
  bool inward = static_cast<uint32_t>(to) > static_cast<uint32_t>(from);
  if (inward != isLoad || from == to)
    return op->emitOpError()
           << "destination memory space must be "
           << (isLoad ? "nearer" : "farther")
           << " than the source's (global < shared < register), got "
           << stringifyMemorySpace(from) << " -> " << stringifyMemorySpace(to);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Buffers and data movement
//===----------------------------------------------------------------------===//

LogicalResult AllocOp::verify() {
  MemRefType type = getType();
  auto space = llvm::dyn_cast_or_null<MemorySpaceAttr>(type.getMemorySpace());
  if (!space) {
    InFlightDiagnostic diag = emitOpError(
        "result memory space must be a #tile.memory_space attribute, got ");
    if (type.getMemorySpace())
      diag << type.getMemorySpace();
    else
      diag << "none";
    return diag;
  }
  if (!type.getLayout().isIdentity())
    return emitOpError("result must have the identity layout, got ") << type;
  if (space.getValue() != MemorySpace::Global && !type.hasStaticShape())
    return emitOpError() << stringifyMemorySpace(space.getValue())
                         << " buffers must have a static shape, got " << type;
  if (failed(checkDim(*this, "dynamic sizes", getDynamicSizes().size(),
                      type.getNumDynamicDims())))
    return failure();
  if (std::optional<uint64_t> align = getAlignment())
    if (static_cast<int64_t>(*align) <= 0 || !llvm::isPowerOf2_64(*align))
      return emitOpError("alignment must be a positive power of two, got ")
             << static_cast<int64_t>(*align);
  return success();
}

LogicalResult LoadOp::verify() {
  return verifyTileCopy(*this, getDst(), "destination", getSrc(), "source",
                        getOffsets(), /*isLoad=*/true);
}

LogicalResult StoreOp::verify() {
  return verifyTileCopy(*this, getSrc(), "source", getDst(), "destination",
                        getOffsets(), /*isLoad=*/false);
}

//===----------------------------------------------------------------------===//
// Dense algebra
//===----------------------------------------------------------------------===//

/// Weight-only mixed precision: f32 activations times bf16/f16 weights
/// (widened on load) is allowed; any other mix of A's and B's element types
/// is not.
static LogicalResult checkWeightElementType(Operation *op, Value a, Value b) {
  Type aElem = cast<ShapedType>(a.getType()).getElementType();
  Type bElem = cast<ShapedType>(b.getType()).getElementType();
  bool mixedOk = aElem.isF32() && (bElem.isBF16() || bElem.isF16());
  if (aElem != bElem && !mixedOk)
    return op->emitOpError("B element type must equal the A element type (or "
                           "be bf16/f16 when A is f32): A is ")
           << aElem << ", got " << bElem;
  return success();
}

LogicalResult MatmulOp::verify() {
  std::optional<ArrayRef<int64_t>> packed = getPackedB();
  for (auto [name, v] : {std::pair<StringRef, Value>{"A", getA()},
                         {"C", getC()}})
    if (failed(checkRank(*this, name, v.getType(), 2)))
      return failure();
  int64_t m = dimOf(getA(), 0), k = dimOf(getA(), 1);
  int64_t n = dimOf(getC(), 1);
  SmallVector<int64_t> bShape =
      getTransposeB() ? SmallVector<int64_t>{n, k} : SmallVector<int64_t>{k, n};
  StringRef bWhat = getTransposeB() ? "B [N, K]" : "B [K, N]";
  if (packed) {
    if (!getTransposeB())
      return emitOpError("packed_b needs transpose_b");
    if (packed->size() != 2 || (*packed)[0] < 1 ||
        ((*packed)[1] != 1 && (*packed)[1] != 2))
      return emitOpError("packed_b must be [panel columns >= 1, k pack 1 or "
                         "2], got ")
             << formatShape(*packed);
    int64_t nr = (*packed)[0], kp = (*packed)[1];
    bShape = {numChunks(n, nr), numChunks(k, kp), nr};
    if (kp == 2)
      bShape.push_back(2);
    bWhat = kp == 2 ? "B [ceil(N / nr), ceil(K / 2), nr, 2]"
                    : "B [ceil(N / nr), K, nr]";
  }
  if (failed(checkRank(*this, "B", getB().getType(), bShape.size())))
    return failure();
  if (failed(checkDim(*this, "C rows", dimOf(getC(), 0), m)) ||
      failed(checkShape(*this, bWhat, getB(), bShape)) ||
      (getBias() && failed(checkShape(*this, "bias", getBias(), {n}))))
    return failure();
  return checkWeightElementType(*this, getA(), getB());
}

//===----------------------------------------------------------------------===//
// Elementwise and normalisation
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 2)) ||
      failed(checkShape(*this, "weight", getWeight(), {dimOf(getX(), 1)})) ||
      failed(checkSameShape(*this, "out", getOut(), getX())) ||
      failed(checkEpsilon(*this, getEpsilon().convertToDouble())))
    return failure();
  return success();
}

LogicalResult GatedRMSNormOp::verify() {
  if (failed(checkRank(*this, "y", getY().getType(), 2)))
    return failure();
  int64_t channels = dimOf(getY(), 1);
  if (failed(checkSameShape(*this, "z", getZ(), getY())) ||
      failed(checkShape(*this, "weight", getWeight(), {channels})) ||
      failed(checkSameShape(*this, "out", getOut(), getY())) ||
      failed(checkPositive(*this, "group_size", getGroupSize())) ||
      failed(checkDivides(*this, "channels must split into groups of group_size",
                          channels, getGroupSize())))
    return failure();
  return checkEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult AddOp::verify() {
  if (failed(checkSameShape(*this, "b", getB(), getA())))
    return failure();
  return checkSameShape(*this, "out", getOut(), getA());
}

LogicalResult EmbeddingOp::verify() {
  if (failed(checkRank(*this, "table", getTable().getType(), 2)))
    return failure();
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(dimOf(getTable(), 1));
  return checkShape(*this, "out", getOut(), expected);
}

//===----------------------------------------------------------------------===//
// Mamba2
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 3)) ||
      failed(checkRank(*this, "weight", getWeight().getType(), 2)))
    return failure();
  int64_t batch = dimOf(getX(), 0), channels = dimOf(getX(), 2);
  int64_t kernel = dimOf(getWeight(), 1);
  if (failed(checkDim(*this, "weight channels", dimOf(getWeight(), 0),
                      channels)))
    return failure();
  if (!ShapedType::isDynamic(kernel) && kernel < 1)
    return emitOpError("kernel size must be positive, got ") << kernel;
  if (failed(checkConvKernel(*this, kernel)))
    return failure();
  int64_t stateLen = ShapedType::isDynamic(kernel) ? kDynamic : kernel - 1;
  SmallVector<int64_t> state{batch, channels, stateLen};
  if ((getBias() && failed(checkShape(*this, "bias", getBias(), {channels}))) ||
      (getStateIn() &&
       failed(checkShape(*this, "state_in", getStateIn(), state))) ||
      failed(checkSameShape(*this, "out", getOut(), getX())) ||
      failed(checkShape(*this, "state_out", getStateOut(), state)))
    return failure();
  return success();
}

LogicalResult SSDChunkCumsumOp::verify() {
  if (failed(checkRank(*this, "dt", getDt().getType(), 3)))
    return failure();
  int64_t batch = dimOf(getDt(), 0), seq = dimOf(getDt(), 1);
  int64_t heads = dimOf(getDt(), 2), chunk = getChunkSize();
  if (failed(checkShape(*this, "dt_bias", getDtBias(), {heads})) ||
      failed(checkShape(*this, "A_log", getALog(), {heads})) ||
      failed(checkSameShape(*this, "dt_out", getDtOut(), getDt())) ||
      failed(checkPositive(*this, "chunk_size", chunk)) ||
      failed(checkSSDChunkSize(*this, chunk)) ||
      failed(checkShape(*this, "dA_cumsum", getDACumsum(),
                        {batch, heads, numChunks(seq, chunk), chunk})))
    return failure();
  return checkDtLimits(*this, getDtMin().convertToDouble(),
                       getDtMax().convertToDouble());
}

LogicalResult SSDChunkStateOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 4)) ||
      failed(checkRank(*this, "B", getB().getType(), 4)))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1);
  int64_t heads = dimOf(getX(), 2), headDim = dimOf(getX(), 3);
  int64_t groups = dimOf(getB(), 2), state = dimOf(getB(), 3);
  int64_t chunk = getChunkSize(), chunks = numChunks(seq, chunk);
  if (failed(checkShape(*this, "B", getB(), {batch, seq, groups, state})) ||
      failed(checkDivides(*this, "heads must split evenly over groups", heads,
                          groups)) ||
      failed(checkShape(*this, "dt", getDt(), {batch, seq, heads})) ||
      failed(checkPositive(*this, "chunk_size", chunk)) ||
      failed(checkSSDChunkSize(*this, chunk)) ||
      failed(checkShape(*this, "dA_cumsum", getDACumsum(),
                        {batch, heads, chunks, chunk})))
    return failure();
  return checkShape(*this, "states", getStates(),
                    {batch, chunks, heads, headDim, state});
}

LogicalResult SSDStatePassingOp::verify() {
  if (failed(checkRank(*this, "states", getStates().getType(), 5)))
    return failure();
  int64_t batch = dimOf(getStates(), 0), chunks = dimOf(getStates(), 1);
  int64_t heads = dimOf(getStates(), 2), headDim = dimOf(getStates(), 3);
  int64_t state = dimOf(getStates(), 4), chunk = getChunkSize();
  SmallVector<int64_t> final{batch, heads, headDim, state};
  if (failed(checkPositive(*this, "chunk_size", chunk)) ||
      failed(checkSSDChunkSize(*this, chunk)) ||
      failed(checkShape(*this, "dA_cumsum", getDACumsum(),
                        {batch, heads, chunks, chunk})) ||
      (getInit() && failed(checkShape(*this, "init", getInit(), final))) ||
      failed(checkSameShape(*this, "states_out", getStatesOut(), getStates())))
    return failure();
  return checkShape(*this, "final_state", getFinalState(), final);
}

LogicalResult SSDChunkScanOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 4)) ||
      failed(checkRank(*this, "C", getC().getType(), 4)))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1);
  int64_t heads = dimOf(getX(), 2), headDim = dimOf(getX(), 3);
  int64_t groups = dimOf(getC(), 2), state = dimOf(getC(), 3);
  int64_t chunk = getChunkSize(), chunks = numChunks(seq, chunk);
  if (failed(checkShape(*this, "C", getC(), {batch, seq, groups, state})) ||
      failed(checkSameShape(*this, "B", getB(), getC())) ||
      failed(checkDivides(*this, "heads must split evenly over groups", heads,
                          groups)) ||
      failed(checkShape(*this, "dt", getDt(), {batch, seq, heads})) ||
      failed(checkPositive(*this, "chunk_size", chunk)) ||
      failed(checkSSDChunkSize(*this, chunk)) ||
      failed(checkShape(*this, "dA_cumsum", getDACumsum(),
                        {batch, heads, chunks, chunk})) ||
      failed(checkShape(*this, "states", getStates(),
                        {batch, chunks, heads, headDim, state})) ||
      failed(checkShape(*this, "D", getD(), {heads})))
    return failure();
  return checkSameShape(*this, "y", getY(), getX());
}

LogicalResult SSDStateUpdateOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 3)) ||
      failed(checkRank(*this, "B", getB().getType(), 3)))
    return failure();
  int64_t batch = dimOf(getX(), 0), heads = dimOf(getX(), 1);
  int64_t headDim = dimOf(getX(), 2);
  int64_t groups = dimOf(getB(), 1), state = dimOf(getB(), 2);
  if (failed(checkShape(*this, "dt", getDt(), {batch, heads})) ||
      failed(checkShape(*this, "dt_bias", getDtBias(), {heads})) ||
      failed(checkShape(*this, "A_log", getALog(), {heads})) ||
      failed(checkShape(*this, "B", getB(), {batch, groups, state})) ||
      failed(checkSameShape(*this, "C", getC(), getB())) ||
      failed(checkDivides(*this, "heads must split evenly over groups", heads,
                          groups)) ||
      failed(checkShape(*this, "D", getD(), {heads})) ||
      failed(checkShape(*this, "state", getState(),
                        {batch, heads, headDim, state})) ||
      failed(checkSameShape(*this, "y", getY(), getX())))
    return failure();
  return checkDtLimits(*this, getDtMin().convertToDouble(),
                       getDtMax().convertToDouble());
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// `position` operands are `memref<1xi64>`: one value, read at run time.
static LogicalResult checkPosition(Operation *op, Value position) {
  if (!position)
    return success();
  return checkShape(op, "position", position, {1});
}

LogicalResult FlashAttentionOp::verify() {
  if (failed(checkRank(*this, "q", getQ().getType(), 4)) ||
      failed(checkRank(*this, "k", getK().getType(), 4)))
    return failure();
  int64_t batch = dimOf(getQ(), 0), seq = dimOf(getQ(), 1);
  int64_t qHeads = dimOf(getQ(), 2), headDim = dimOf(getQ(), 3);
  int64_t kvLen = dimOf(getK(), 1), kvHeads = dimOf(getK(), 2);
  if (failed(checkShape(*this, "k", getK(), {batch, kvLen, kvHeads, headDim})) ||
      failed(checkSameShape(*this, "v", getV(), getK())) ||
      failed(checkDivides(*this, "query heads must be a multiple of kv heads",
                          qHeads, kvHeads)) ||
      failed(checkSameShape(*this, "out", getOut(), getQ())) ||
      failed(checkPosition(*this, getPosition())))
    return failure();
  // With a position the keys are a cache prefix whose length is only known
  // at run time.
  if (!getPosition() && getCausal() && !ShapedType::isDynamic(seq) &&
      !ShapedType::isDynamic(kvLen) && kvLen < seq)
    return emitOpError("causal attention needs at least as many keys as "
                       "queries, got ")
           << kvLen << " keys and " << seq << " queries";
  double scale = getScale().convertToDouble();
  if (!(scale > 0) || !std::isfinite(scale))
    return emitOpError("scale must be positive and finite, got ")
           << formatDouble(scale);
  return success();
}

LogicalResult KVCacheAppendOp::verify() {
  if (failed(checkRank(*this, "cache", getCache().getType(), 4)))
    return failure();
  int64_t batch = dimOf(getCache(), 0), capacity = dimOf(getCache(), 1);
  int64_t kvHeads = dimOf(getCache(), 2), headDim = dimOf(getCache(), 3);
  if (failed(checkShape(*this, "update", getUpdate(),
                        {batch, kDynamic, kvHeads, headDim})) ||
      failed(checkPosition(*this, getPosition())))
    return failure();
  int64_t seq = dimOf(getUpdate(), 1);
  if (!ShapedType::isDynamic(seq) && !ShapedType::isDynamic(capacity) &&
      seq > capacity)
    return emitOpError("update length must not exceed the cache capacity ")
           << capacity << ", got " << seq;
  return success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

LogicalResult MoERouteOp::verify() {
  if (failed(checkRank(*this, "logits", getLogits().getType(), 2)) ||
      failed(checkRank(*this, "ids", getIds().getType(), 2)))
    return failure();
  int64_t tokens = dimOf(getLogits(), 0), experts = dimOf(getLogits(), 1);
  int64_t topK = dimOf(getIds(), 1);
  if (failed(checkShape(*this, "bias", getBias(), {experts})) ||
      failed(checkShape(*this, "ids", getIds(), {tokens, topK})) ||
      failed(checkShape(*this, "weights", getWeights(), {tokens, topK})))
    return failure();
  if (ShapedType::isDynamic(experts) || ShapedType::isDynamic(topK))
    return emitOpError("needs static experts and top-k, got logits ")
           << getLogits().getType() << " and ids " << getIds().getType();
  int64_t nGroup = getNGroup(), topkGroup = getTopkGroup();
  if (topK < 1)
    return emitOpError("top-k (ids columns) must be positive, got ") << topK;
  if (nGroup < 1 || topkGroup < 1 || topkGroup > nGroup)
    return emitOpError("needs 1 <= topk_group <= n_group, got topk_group ")
           << topkGroup << " and n_group " << nGroup;
  if (experts % nGroup != 0 || experts / nGroup < 2)
    return emitOpError("n_group must split the ")
           << experts << " experts into groups of at least 2, got " << nGroup;
  if (topK > topkGroup * (experts / nGroup))
    return emitOpError("top-k ")
           << topK << " exceeds the " << topkGroup * (experts / nGroup)
           << " experts of the topk_group kept groups";
  if (!std::isfinite(getRoutedScalingFactor().convertToDouble()))
    return emitOpError("routed_scaling_factor must be finite");
  return success();
}

LogicalResult MoESortOp::verify() {
  if (failed(checkRank(*this, "ids", getIds().getType(), 2)) ||
      failed(checkRank(*this, "offsets", getOffsets().getType(), 1)))
    return failure();
  int64_t tokens = dimOf(getIds(), 0), topK = dimOf(getIds(), 1);
  int64_t pairs = ShapedType::isDynamic(tokens) || ShapedType::isDynamic(topK)
                      ? kDynamic
                      : tokens * topK;
  if (failed(checkShape(*this, "order", getOrder(), {pairs})))
    return failure();
  int64_t bounds = dimOf(getOffsets(), 0);
  if (ShapedType::isDynamic(bounds) || bounds < 2)
    return emitOpError("offsets must have a static size E + 1 >= 2, got ")
           << getOffsets().getType();
  return success();
}

LogicalResult MoEGatherOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 2)) ||
      failed(checkRank(*this, "order", getOrder().getType(), 1)))
    return failure();
  if (getTopK() < 1)
    return emitOpError("top_k must be positive, got ") << getTopK();
  return checkShape(*this, "out", getOut(),
                    {dimOf(getOrder(), 0), dimOf(getX(), 1)});
}

LogicalResult GroupedMatmulOp::verify() {
  if (failed(checkRank(*this, "A", getA().getType(), 2)) ||
      failed(checkRank(*this, "B", getB().getType(), 3)) ||
      failed(checkRank(*this, "offsets", getOffsets().getType(), 1)))
    return failure();
  int64_t experts = dimOf(getB(), 0), n = dimOf(getB(), 1);
  int64_t bounds = ShapedType::isDynamic(experts) ? kDynamic : experts + 1;
  if (failed(checkShape(*this, "B [E, N, K]", getB(),
                        {experts, n, dimOf(getA(), 1)})) ||
      failed(checkShape(*this, "offsets [E + 1]", getOffsets(), {bounds})) ||
      failed(checkShape(*this, "C", getC(), {dimOf(getA(), 0), n})))
    return failure();
  if (getEpilogue() == Epilogue::Silu)
    return emitOpError("epilogue must be none or relu2, got silu");
  return checkWeightElementType(*this, getA(), getB());
}

LogicalResult MoECombineOp::verify() {
  if (failed(checkRank(*this, "y", getY().getType(), 2)) ||
      failed(checkRank(*this, "weights", getWeights().getType(), 2)))
    return failure();
  if (failed(checkShape(*this, "order", getOrder(), {dimOf(getY(), 0)})) ||
      failed(checkShape(*this, "out", getOut(),
                        {dimOf(getWeights(), 0), dimOf(getY(), 1)})))
    return failure();
  return success();
}
