//===- GuardedCall.cpp - Calls of compiled code that survive an OOM -------===//
//
// tessera_rt_call runs a packed entry point under a setjmp. When one of the
// call's allocations fails on the calling thread outside any OpenMP
// parallel region, the allocator longjmps back here: the compiled code is
// plain C-like frames (no cleanups to skip), no OpenMP team is active on
// this thread, and the call's own blocks (tagged with the call) are freed.
// Elsewhere -- on a worker thread, inside a parallel region, or outside a
// guarded call (an AOT object called directly) -- nothing can be unwound:
// the process ends with a one-line error instead of dereferencing NULL.
//
//===----------------------------------------------------------------------===//

#include "Arena.h"

#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>

namespace tessera::runtime {
namespace {

struct Guard {
  std::jmp_buf env;
  uint64_t failedBytes;
};

thread_local Guard *tlsGuard = nullptr;
thread_local uint64_t tlsTag = 0;
std::atomic<uint64_t> nextTag{1};
std::atomic<int (*)(void)> levelQuery{nullptr};

/// OpenMP's nesting level of this thread (0: outside every parallel region,
/// active or not).
int parallelLevel() {
  int (*query)(void) = levelQuery.load();
  if (!query) {
    static int (*fromProcess)(void) = reinterpret_cast<int (*)(void)>(
        ::dlsym(RTLD_DEFAULT, "omp_get_level"));
    query = fromProcess;
  }
  return query ? query() : 0;
}

} // namespace

uint64_t currentCallTag() { return tlsTag; }

[[noreturn]] void allocationFailed(uint64_t size) {
  if (tlsGuard && parallelLevel() == 0) {
    tlsGuard->failedBytes = size;
    std::longjmp(tlsGuard->env, 1);
  }
  std::fprintf(stderr,
               "error: out of memory: compiled code could not allocate %llu "
               "bytes\n",
               static_cast<unsigned long long>(size));
  std::fflush(stderr);
  std::_Exit(1);
}

} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

int tessera_rt_call(void (*entry)(void **), void **args,
                    uint64_t *failed_bytes) {
  Guard guard{};
  Guard *outerGuard = tlsGuard;
  uint64_t outerTag = tlsTag;
  uint64_t tag = nextTag.fetch_add(1);
  tlsGuard = &guard;
  tlsTag = tag;
  int status = 0;
  if (setjmp(guard.env) == 0) {
    entry(args);
  } else {
    // Abandoned: nothing of the call runs any more (no parallel region was
    // active on this thread, so no worker holds its blocks).
    reclaim(allocator(), tag);
    if (failed_bytes)
      *failed_bytes = guard.failedBytes;
    status = 1;
  }
  tlsGuard = outerGuard;
  tlsTag = outerTag;
  return status;
}

void tessera_rt_set_parallel_level_query(int (*query)(void)) {
  levelQuery.store(query);
}

} // extern "C"
