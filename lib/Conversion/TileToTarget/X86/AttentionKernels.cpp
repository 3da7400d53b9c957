// Placeholder: being written (flash attention, KV cache append emitters).
#include "Kernels.h"
using namespace mlir;
namespace mlir::tessera::x86 {
void emitFlashAttention(Emitter &, Value, Value, Value, Value, double, bool, int64_t) {}
void emitKVCacheAppend(Emitter &, Value, Value, Value) {}
}
