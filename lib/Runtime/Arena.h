//===- Arena.h - The caching arena behind tessera_rt_*alloc -----*- C++ -*-===//
//
// Internal to lib/Runtime (the C ABI is include/tessera/Runtime/Runtime.h).
//
// One address range is reserved (PROT_NONE, not charged to the commit
// limit) and committed (made read-write) as the blocks in use reach higher.
// Blocks are carved from it best-fit (smallest free block that fits, lowest
// address on ties) and coalesced with free neighbours when freed; a free
// block that reaches the top lowers the top. Memory below the high-water
// mark stays mapped and resident, so a call that repeats an earlier call's
// allocations touches only pages it already touched: no page faults. The
// memory held is bounded by the largest working set seen plus the
// fragmentation best-fit leaves (bench/results/cpu_memory.json measures it),
// until release() returns the free part to the system.
//
// Every block remembers the guarded call (tessera_rt_call) that allocated
// it, so an abandoned call's blocks can be reclaimed.
//
// A reservation the system refuses (e.g. under a small ulimit -v) is not
// tried again: the process then serves every block with posix_memalign.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_RUNTIME_ARENA_H
#define TESSERA_LIB_RUNTIME_ARENA_H

#include "tessera/Runtime/Runtime.h"

#include <cstdint>

namespace tessera::runtime {

/// The process's allocator (created at first use, never destroyed: compiled
/// code may free blocks from static destructors' time).
class Allocator;
Allocator &allocator();

/// nullptr when the request cannot be served (out of memory, over the
/// limit, or an alignment it does not support); never ends the process.
void *allocate(Allocator &a, uint64_t size, uint64_t alignment, uint64_t tag);
void deallocate(Allocator &a, void *ptr);
/// Frees every live block allocated with `tag` (an abandoned call's).
void reclaim(Allocator &a, uint64_t tag);

/// The tag of the guarded call running on this thread (0: none).
uint64_t currentCallTag();

/// Ends the process with a one-line error (an allocation failed where no
/// call can be abandoned), or abandons the current guarded call.
[[noreturn]] void allocationFailed(uint64_t size);

} // namespace tessera::runtime

#endif // TESSERA_LIB_RUNTIME_ARENA_H
