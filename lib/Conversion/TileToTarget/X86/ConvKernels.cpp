// Placeholder: being written (causal conv1d emitter).
#include "Kernels.h"
using namespace mlir;
void mlir::tessera::x86::emitCausalConv1d(Emitter &, Value, Value, Value, Value, Value, Value, bool) {}
