//===- AMX.cpp - Permission to use AMX tiles (Linux) ----------------------===//
//
// Linux gives a process AMX tile state only once it asks for it
// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), kernel 5.16+):
// until then the first tile instruction raises SIGILL, even on a CPU whose
// CPUID and XCR0 advertise AMX. Code compiled for a target with +amx-tile
// (the bf16 matmul) needs it; the JIT loader and host-feature detection ask
// through tessera_rt_enable_amx, and the shared runtime library asks when it
// is loaded, for `--emit obj` objects linked against it.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Runtime.h"

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace {
int requestAMX() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023; // asm/prctl.h
  constexpr long kXFeatureXTileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXFeatureXTileData) == 0;
#else
  return 0;
#endif
}
} // namespace

extern "C" int tessera_rt_enable_amx(void) {
  // Asking again is harmless (the permission is the process's), but the
  // answer does not change: ask once.
  static const int granted = requestAMX();
  return granted;
}

#ifdef TESSERA_RUNTIME_SHARED
// The shared library serves AOT objects, which may use AMX tiles.
__attribute__((constructor)) static void tesseraRuntimeEnableAMX() {
  (void)tessera_rt_enable_amx();
}
#endif
