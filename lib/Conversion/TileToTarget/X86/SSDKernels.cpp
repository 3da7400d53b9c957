// Placeholder: being written (SSD chunked scan emitters).
#include "Kernels.h"
using namespace mlir;
namespace mlir::tessera::x86 {
void emitSSDChunkCumsum(Emitter &, Value, Value, Value, Value, Value, int64_t, double, double) {}
void emitSSDChunkState(Emitter &, Value, Value, Value, Value, Value, int64_t) {}
void emitSSDStatePassing(Emitter &, Value, Value, Value, Value, Value, Value, int64_t) {}
void emitSSDChunkScan(Emitter &, Value, Value, Value, Value, Value, Value, Value, Value, int64_t) {}
void emitSSDStateUpdate(Emitter &, Value, Value, Value, Value, Value, Value, Value, Value, Value, Value, double, double) {}
}
