//===- GraphOps.cpp - Tessera Graph-IR op verifiers -----------------------===//
//
// Verifiers of the Graph-IR ops. Each checks the static dimensions of its
// operands and results against each other and against its attributes, and
// names the rule, the expected and the actual value when one is broken.
// Dynamic dimensions pass; the runtime checks them before running.
//
//===----------------------------------------------------------------------===//

#include "tessera/Dialect/Graph/IR/Graph.h"
#include "tessera/Support/Limits.h"
#include "tessera/Support/ShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::graph;

#define GET_OP_CLASSES
#include "tessera/Dialect/Graph/IR/GraphOps.cpp.inc"

namespace {
int64_t rankOf(Value v) { return cast<ShapedType>(v.getType()).getRank(); }

/// Checks that `v` has a last dimension to read (ops over the channels of
/// `[..., channels]` must not index dimension -1 of a rank-0 tensor).
LogicalResult checkHasLastDim(Operation *op, StringRef what, Value v) {
  if (rankOf(v) >= 1)
    return success();
  return op->emitOpError() << what << " must have rank at least 1, got 0";
}

/// Checks that `w` is a 1-D tensor of `expected` elements.
LogicalResult checkVector(Operation *op, StringRef what, Value w,
                          int64_t expected) {
  if (failed(checkRank(op, what, w.getType(), 1)))
    return failure();
  return checkDim(op, Twine(what) + " size", dimOf(w, 0), expected);
}

/// Checks that `w` is a 2-D `[rows, cols]` weight.
LogicalResult checkMatrix(Operation *op, StringRef what, Value w, int64_t rows,
                          int64_t cols) {
  if (failed(checkRank(op, what, w.getType(), 2)) ||
      failed(checkDim(op, Twine(what) + " rows", dimOf(w, 0), rows)))
    return failure();
  return checkDim(op, Twine(what) + " columns", dimOf(w, 1), cols);
}

/// Checks every dimension of `actual` against `expected` (same rank).
LogicalResult checkShape(Operation *op, StringRef what, Value v,
                         ArrayRef<int64_t> expected) {
  if (failed(checkRank(op, what, v.getType(), expected.size())))
    return failure();
  for (auto [i, e] : llvm::enumerate(expected))
    if (failed(checkDim(op, Twine(what) + " dim " + Twine(i), dimOf(v, i), e)))
      return failure();
  return success();
}


} // namespace

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("weight name must not be empty");
  if (!getType().hasStaticShape())
    return emitOpError("weight '") << getName() << "' must have a static shape, got "
                                   << getType();
  return success();
}

LogicalResult EmbeddingOp::verify() {
  auto table = getTable().getType();
  if (failed(checkRank(*this, "table", table, 2)))
    return failure();
  auto ids = getIds().getType();
  auto res = getType();
  if (failed(checkRank(*this, "result", res, ids.getRank() + 1)))
    return failure();
  for (int64_t i = 0; i < ids.getRank(); ++i)
    if (failed(checkDim(*this, "result dim " + Twine(i), res.getDimSize(i),
                        ids.getDimSize(i))))
      return failure();
  return checkDim(*this, "result hidden size", res.getDimSize(res.getRank() - 1),
                  table.getDimSize(1));
}

LogicalResult RMSNormOp::verify() {
  if (getX().getType() != getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getType();
  if (failed(checkHasLastDim(*this, "input", getX())))
    return failure();
  int64_t last = dimOf(getX(), rankOf(getX()) - 1);
  if (failed(checkVector(*this, "weight", getWeight(), last)))
    return failure();
  return checkEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult LinearOp::verify() {
  if (failed(checkHasLastDim(*this, "input", getX())))
    return failure();
  int64_t rank = rankOf(getX());
  int64_t in = dimOf(getX(), rank - 1);
  auto w = getWeight();
  if (failed(checkRank(*this, "weight", w.getType(), 2)) ||
      failed(checkDim(*this, "weight input size", dimOf(w, 1), in)))
    return failure();
  int64_t out = dimOf(w, 0);
  if (getBias() && failed(checkVector(*this, "bias", getBias(), out)))
    return failure();
  SmallVector<int64_t> expected(getX().getType().getShape());
  expected.back() = out;
  return checkShape(*this, "result", getResult(), expected);
}

LogicalResult GatedRMSNormOp::verify() {
  if (getY().getType() != getZ().getType())
    return emitOpError("gate type must equal the input type ")
           << getY().getType() << ", got " << getZ().getType();
  if (getY().getType() != getType())
    return emitOpError("result type must equal the input type ")
           << getY().getType() << ", got " << getType();
  if (failed(checkHasLastDim(*this, "input", getY())))
    return failure();
  int64_t last = dimOf(getY(), rankOf(getY()) - 1);
  if (failed(checkVector(*this, "weight", getWeight(), last)) ||
      failed(checkPositive(*this, "group_size", getGroupSize())) ||
      failed(checkDivides(*this, "channels must split into groups of group_size",
                          last, getGroupSize())))
    return failure();
  return checkEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult CausalConv1dOp::verify() {
  if (failed(checkRank(*this, "input", getX().getType(), 3)) ||
      failed(checkRank(*this, "weight", getWeight().getType(), 2)))
    return failure();
  int64_t batch = dimOf(getX(), 0), channels = dimOf(getX(), 2);
  int64_t kernel = dimOf(getWeight(), 1);
  if (failed(checkDim(*this, "weight channels", dimOf(getWeight(), 0), channels)))
    return failure();
  if (!ShapedType::isDynamic(kernel) && kernel < 1)
    return emitOpError("kernel size must be positive, got ") << kernel;
  if (failed(checkConvKernel(*this, kernel)))
    return failure();
  if (getBias() && failed(checkVector(*this, "bias", getBias(), channels)))
    return failure();
  int64_t stateLen = ShapedType::isDynamic(kernel) ? kernel : kernel - 1;
  if (getInitState() &&
      failed(checkShape(*this, "init_state", getInitState(),
                        {batch, channels, stateLen})))
    return failure();
  if (getX().getType() != getResult().getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getResult().getType();
  return checkShape(*this, "final_state", getFinalState(),
                    {batch, channels, stateLen});
}

LogicalResult SSDScanOp::verify() {
  if (failed(checkRank(*this, "x", getX().getType(), 4)))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1);
  int64_t heads = dimOf(getX(), 2), headDim = dimOf(getX(), 3);
  if (failed(checkShape(*this, "dt", getDt(), {batch, seq, heads})) ||
      failed(checkVector(*this, "dt_bias", getDtBias(), heads)) ||
      failed(checkVector(*this, "A_log", getALog(), heads)) ||
      failed(checkVector(*this, "D", getD(), heads)) ||
      failed(checkRank(*this, "B", getB().getType(), 4)))
    return failure();
  int64_t groups = dimOf(getB(), 2), state = dimOf(getB(), 3);
  if (failed(checkShape(*this, "B", getB(), {batch, seq, groups, state})) ||
      failed(checkShape(*this, "C", getC(), {batch, seq, groups, state})) ||
      failed(checkDivides(*this, "heads must split evenly over groups", heads,
                          groups)) ||
      failed(checkPositive(*this, "chunk_size", getChunkSize())) ||
      failed(checkSSDChunkSize(*this, getChunkSize())) ||
      failed(checkDtLimits(*this, getDtMin().convertToDouble(),
                           getDtMax().convertToDouble())))
    return failure();
  if (getInitState() &&
      failed(checkShape(*this, "init_state", getInitState(),
                        {batch, heads, headDim, state})))
    return failure();
  if (getY().getType() != getX().getType())
    return emitOpError("y type must equal the x type ")
           << getX().getType() << ", got " << getY().getType();
  return checkShape(*this, "final_state", getFinalState(),
                    {batch, heads, headDim, state});
}

LogicalResult Mamba2MixerOp::verify() {
  for (auto [name, v] : {std::pair<StringRef, int64_t>{"num_heads", getNumHeads()},
                         {"head_dim", getHeadDim()},
                         {"n_groups", getNGroups()},
                         {"state_size", getStateSize()},
                         {"chunk_size", getChunkSize()}})
    if (failed(checkPositive(*this, name, v)))
      return failure();
  if (failed(checkSSDChunkSize(*this, getChunkSize())))
    return failure();
  if (getNumHeads() % getNGroups() != 0)
    return emitOpError("num_heads must be a multiple of n_groups, got ")
           << getNumHeads() << " heads and " << getNGroups() << " groups";
  if (failed(checkEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(checkDtLimits(*this, getDtMin().convertToDouble(),
                           getDtMax().convertToDouble())) ||
      failed(checkRank(*this, "input", getX().getType(), 3)))
    return failure();
  int64_t batch = dimOf(getX(), 0), hidden = dimOf(getX(), 2);
  int64_t dInner = getDInner(), convDim = getConvDim(), heads = getNumHeads();
  if (failed(checkMatrix(*this, "in_proj", getInProj(), getInProjDim(), hidden)) ||
      failed(checkRank(*this, "conv weight", getConvWeight().getType(), 2)) ||
      failed(checkDim(*this, "conv weight channels",
                      dimOf(getConvWeight(), 0), convDim)) ||
      failed(checkVector(*this, "dt_bias", getDtBias(), heads)) ||
      failed(checkVector(*this, "A_log", getALog(), heads)) ||
      failed(checkVector(*this, "D", getD(), heads)) ||
      failed(checkVector(*this, "norm weight", getNormWeight(), dInner)) ||
      failed(checkMatrix(*this, "out_proj", getOutProj(), hidden, dInner)))
    return failure();
  if ((getInProjBias() &&
       failed(checkVector(*this, "in_proj bias", getInProjBias(), getInProjDim()))) ||
      (getConvBias() &&
       failed(checkVector(*this, "conv bias", getConvBias(), convDim))) ||
      (getOutProjBias() &&
       failed(checkVector(*this, "out_proj bias", getOutProjBias(), hidden))))
    return failure();
  int64_t kernel = dimOf(getConvWeight(), 1);
  if (!ShapedType::isDynamic(kernel) && kernel < 1)
    return emitOpError("kernel size must be positive, got ") << kernel;
  if (failed(checkConvKernel(*this, kernel)))
    return failure();
  int64_t stateLen = ShapedType::isDynamic(kernel) ? kernel : kernel - 1;
  SmallVector<int64_t> convState{batch, convDim, stateLen};
  SmallVector<int64_t> ssmState{batch, heads, getHeadDim(), getStateSize()};
  if ((getConvState() &&
       failed(checkShape(*this, "conv_state", getConvState(), convState))) ||
      (getSsmState() &&
       failed(checkShape(*this, "ssm_state", getSsmState(), ssmState))))
    return failure();
  if (getX().getType() != getResult().getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getResult().getType();
  if (failed(checkShape(*this, "new conv_state", getNewConvState(), convState)))
    return failure();
  return checkShape(*this, "new ssm_state", getNewSsmState(), ssmState);
}

LogicalResult AttentionOp::verify() {
  for (auto [name, v] : {std::pair<StringRef, Value>{"q", getQ()},
                         {"k", getK()}, {"v", getV()}})
    if (failed(checkRank(*this, name, v.getType(), 4)))
      return failure();
  int64_t batch = dimOf(getQ(), 0), seq = dimOf(getQ(), 1);
  int64_t qHeads = dimOf(getQ(), 2), headDim = dimOf(getQ(), 3);
  int64_t kvLen = dimOf(getK(), 1), kvHeads = dimOf(getK(), 2);
  if (failed(checkShape(*this, "k", getK(), {batch, kvLen, kvHeads, headDim})) ||
      failed(checkShape(*this, "v", getV(), {batch, kvLen, kvHeads, headDim})) ||
      failed(checkDivides(*this, "query heads must be a multiple of kv heads",
                          qHeads, kvHeads)))
    return failure();
  if (getCausal() && !ShapedType::isDynamic(seq) &&
      !ShapedType::isDynamic(kvLen) && kvLen < seq)
    return emitOpError("causal attention needs at least as many keys as "
                       "queries, got ")
           << kvLen << " keys and " << seq << " queries";
  if (!(getScale().convertToDouble() > 0))
    return emitOpError("scale must be positive, got ")
           << getScale().convertToDouble();
  return checkShape(*this, "result", getResult(), {batch, seq, qHeads, headDim});
}

LogicalResult SelfAttentionOp::verify() {
  for (auto [name, v] : {std::pair<StringRef, int64_t>{"num_heads", getNumHeads()},
                         {"num_kv_heads", getNumKvHeads()},
                         {"head_dim", getHeadDim()}})
    if (failed(checkPositive(*this, name, v)))
      return failure();
  if (getNumHeads() % getNumKvHeads() != 0)
    return emitOpError("num_heads must be a multiple of num_kv_heads, got ")
           << getNumHeads() << " and " << getNumKvHeads();
  if (failed(checkRank(*this, "input", getX().getType(), 3)))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1);
  int64_t hidden = dimOf(getX(), 2);
  int64_t qDim = getNumHeads() * getHeadDim();
  int64_t kvDim = getNumKvHeads() * getHeadDim();
  if (failed(checkMatrix(*this, "q_proj", getQProj(), qDim, hidden)) ||
      failed(checkMatrix(*this, "k_proj", getKProj(), kvDim, hidden)) ||
      failed(checkMatrix(*this, "v_proj", getVProj(), kvDim, hidden)) ||
      failed(checkMatrix(*this, "o_proj", getOProj(), hidden, qDim)))
    return failure();
  if ((getQBias() && failed(checkVector(*this, "q bias", getQBias(), qDim))) ||
      (getKBias() && failed(checkVector(*this, "k bias", getKBias(), kvDim))) ||
      (getVBias() && failed(checkVector(*this, "v bias", getVBias(), kvDim))) ||
      (getOBias() && failed(checkVector(*this, "o bias", getOBias(), hidden))))
    return failure();
  if (bool(getKCache()) != bool(getVCache()))
    return emitOpError("k_cache and v_cache must be given together");
  if (getPosition() && !getKCache())
    return emitOpError("position needs k_cache and v_cache");
  if (getPosition() &&
      failed(checkShape(*this, "position", getPosition(), {1})))
    return failure();
  // [batch, capacity, kv_heads, head_dim]; without caches the new ones hold
  // exactly this call's positions.
  SmallVector<int64_t> newCache{batch, seq, getNumKvHeads(), getHeadDim()};
  if (getKCache()) {
    if (failed(checkRank(*this, "k_cache", getKCache().getType(), 4)))
      return failure();
    int64_t capacity = dimOf(getKCache(), 1);
    newCache = {batch, capacity, getNumKvHeads(), getHeadDim()};
    if (failed(checkShape(*this, "k_cache", getKCache(), newCache)) ||
        failed(checkShape(*this, "v_cache", getVCache(), newCache)))
      return failure();
    if (!ShapedType::isDynamic(capacity) && !ShapedType::isDynamic(seq) &&
        seq > capacity)
      return emitOpError("sequence length ")
             << seq << " exceeds the cache capacity " << capacity;
  }
  if (getX().getType() != getResult().getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getResult().getType();
  if (failed(checkShape(*this, "new k_cache", getNewKCache(), newCache)))
    return failure();
  return checkShape(*this, "new v_cache", getNewVCache(), newCache);
}

LogicalResult MLPOp::verify() {
  if (getActivation() != "relu2")
    return emitOpError("unsupported activation '")
           << getActivation() << "', expected 'relu2'";
  if (failed(checkHasLastDim(*this, "input", getX())))
    return failure();
  int64_t rank = rankOf(getX());
  int64_t hidden = dimOf(getX(), rank - 1);
  if (failed(checkRank(*this, "up_proj", getUpProj().getType(), 2)))
    return failure();
  int64_t inter = dimOf(getUpProj(), 0);
  if (failed(checkMatrix(*this, "up_proj", getUpProj(), inter, hidden)) ||
      failed(checkMatrix(*this, "down_proj", getDownProj(), hidden, inter)))
    return failure();
  if ((getUpBias() && failed(checkVector(*this, "up bias", getUpBias(), inter))) ||
      (getDownBias() &&
       failed(checkVector(*this, "down bias", getDownBias(), hidden))))
    return failure();
  if (getX().getType() != getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getType();
  return success();
}

/// The routing rules HF's NemotronHTopkRouter relies on (shared with
/// tile.moe_route's verifier in spirit; Graph-IR names the attributes).
static LogicalResult checkRouting(Operation *op, int64_t experts, int64_t topK,
                                  int64_t nGroup, int64_t topkGroup) {
  if (topK < 1)
    return op->emitOpError("top_k must be positive, got ") << topK;
  if (nGroup < 1 || topkGroup < 1)
    return op->emitOpError("n_group and topk_group must be positive, got ")
           << nGroup << " and " << topkGroup;
  if (topkGroup > nGroup)
    return op->emitOpError("topk_group must not exceed n_group: ")
           << topkGroup << " > " << nGroup;
  if (ShapedType::isDynamic(experts))
    return success();
  if (topK > experts)
    return op->emitOpError("top_k must not exceed the ")
           << experts << " experts, got " << topK;
  if (experts % nGroup != 0 || experts / nGroup < 2)
    return op->emitOpError("n_group must split the ")
           << experts << " experts into groups of at least 2, got " << nGroup;
  if (topK > topkGroup * (experts / nGroup))
    return op->emitOpError("top_k ")
           << topK << " exceeds the " << topkGroup * (experts / nGroup)
           << " experts of the topk_group kept groups";
  return success();
}

LogicalResult MoEOp::verify() {
  if (failed(checkHasLastDim(*this, "input", getX())))
    return failure();
  int64_t hidden = dimOf(getX(), rankOf(getX()) - 1);
  if (failed(checkRank(*this, "router", getRouter().getType(), 2)))
    return failure();
  int64_t experts = dimOf(getRouter(), 0);
  if (failed(checkMatrix(*this, "router", getRouter(), experts, hidden)) ||
      failed(checkVector(*this, "router_bias", getRouterBias(), experts)))
    return failure();
  if (static_cast<bool>(getLatentFc1()) != static_cast<bool>(getLatentFc2()))
    return emitOpError("latent_fc1 and latent_fc2 must be given together");
  if ((getLatentFc1Bias() && !getLatentFc1()) ||
      (getLatentFc2Bias() && !getLatentFc2()))
    return emitOpError("a latent projection bias needs its latent projection");
  int64_t latent = hidden;
  if (getLatentFc1()) {
    if (failed(checkRank(*this, "latent_fc1", getLatentFc1().getType(), 2)))
      return failure();
    latent = dimOf(getLatentFc1(), 0);
    if (failed(checkMatrix(*this, "latent_fc1", getLatentFc1(), latent,
                           hidden)) ||
        failed(checkMatrix(*this, "latent_fc2", getLatentFc2(), hidden,
                           latent)) ||
        (getLatentFc1Bias() && failed(checkVector(*this, "latent_fc1 bias",
                                                  getLatentFc1Bias(), latent))) ||
        (getLatentFc2Bias() && failed(checkVector(*this, "latent_fc2 bias",
                                                  getLatentFc2Bias(), hidden))))
      return failure();
  }
  if (failed(checkRank(*this, "experts_up", getExpertsUp().getType(), 3)))
    return failure();
  int64_t inter = dimOf(getExpertsUp(), 1);
  if (failed(checkShape(*this, "experts_up", getExpertsUp(),
                        {experts, inter, latent})) ||
      failed(checkShape(*this, "experts_down", getExpertsDown(),
                        {experts, latent, inter})))
    return failure();
  if (failed(checkRank(*this, "shared_up", getSharedUp().getType(), 2)))
    return failure();
  int64_t shared = dimOf(getSharedUp(), 0);
  if (failed(checkMatrix(*this, "shared_up", getSharedUp(), shared, hidden)) ||
      failed(checkMatrix(*this, "shared_down", getSharedDown(), hidden,
                         shared)) ||
      (getSharedUpBias() && failed(checkVector(*this, "shared_up bias",
                                               getSharedUpBias(), shared))) ||
      (getSharedDownBias() && failed(checkVector(*this, "shared_down bias",
                                                 getSharedDownBias(), hidden))))
    return failure();
  if (failed(checkRouting(*this, experts, getTopK(), getNGroup(),
                          getTopkGroup())))
    return failure();
  double scale = getRoutedScalingFactor().convertToDouble();
  if (!std::isfinite(scale))
    return emitOpError("routed_scaling_factor must be finite, got ")
           << formatDouble(scale);
  if (getX().getType() != getType())
    return emitOpError("result type must equal the input type ")
           << getX().getType() << ", got " << getType();
  return success();
}

LogicalResult LMHeadOp::verify() {
  if (failed(checkHasLastDim(*this, "input", getX())))
    return failure();
  int64_t rank = rankOf(getX());
  if (failed(checkRank(*this, "weight", getWeight().getType(), 2)) ||
      failed(checkDim(*this, "weight hidden size", dimOf(getWeight(), 1),
                      dimOf(getX(), rank - 1))))
    return failure();
  SmallVector<int64_t> expected(getX().getType().getShape());
  expected.back() = dimOf(getWeight(), 0);
  if (getLastPosition()) {
    if (rank < 2)
      return emitOpError("last_position needs an input of rank >= 2 "
                         "([..., positions, hidden]), got rank ")
             << rank;
    expected[rank - 2] = 1;
  }
  if (!getType().getElementType().isF32())
    return emitOpError("logits must be f32, got ") << getType().getElementType();
  return checkShape(*this, "result", getResult(), expected);
}
