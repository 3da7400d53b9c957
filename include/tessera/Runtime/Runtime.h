/*===- Runtime.h - Tessera's CPU runtime library (C ABI) ----------*- C -*-===//
 *
 * What compiled x86 code calls besides libc, libm and the OpenMP runtime:
 * the allocator of its heap buffers. The x86 pipeline lowers memref.alloc /
 * memref.dealloc (finalize-memref-to-llvm with generic functions, renamed
 * by tessera-use-runtime-allocator) to
 *
 *   tessera_rt_aligned_alloc(alignment, size) / tessera_rt_free(ptr)
 *
 * served by a caching arena: one reserved address range, carved best-fit
 * with coalescing, whose pages stay mapped between calls, so that a second
 * prefill of the same shape touches the same memory again instead of
 * mapping (and page-faulting) fresh memory for every intermediate. The
 * memory held is the arena's high-water mark -- the largest working set
 * seen, plus fragmentation -- until tessera_rt_release() gives the free part
 * back. Thread-safe (the kernels allocate scratch inside OpenMP regions).
 *
 * The Python runtime resolves these symbols to its own copy (linked into the
 * extension) when it JIT-loads an object; an object from
 * `tessera compile --emit obj` links with libtessera_runtime (shipped in the
 * tessera package), or with this directory's sources compiled in.
 *
 * Environment (read once, when the allocator is first used): TESSERA_RT_ALLOCATOR=
 * malloc makes every allocation a plain posix_memalign/free (for memory
 * checkers, and the baseline of bench/cpu_memory.py); TESSERA_RT_HUGEPAGES=0
 * leaves out the arena's MADV_HUGEPAGE.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_RUNTIME_RUNTIME_H
#define TESSERA_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Heap buffers of compiled code. Blocks are 64-byte aligned (at least
 * `alignment`, which must be a power of two of at most 4096). Zero-size
 * requests get a distinct block. When memory runs out inside
 * tessera_rt_call (outside a parallel region) the call is abandoned and
 * reports it; anywhere else the process ends with a one-line
 * "error: out of memory ..." on stderr and exit code 1. */
void *tessera_rt_alloc(uint64_t size);
void *tessera_rt_aligned_alloc(uint64_t alignment, uint64_t size);
void tessera_rt_free(void *ptr);

typedef struct tessera_rt_stats {
  uint64_t live_bytes;         /* in blocks handed out and not yet freed */
  uint64_t peak_live_bytes;    /* the most live_bytes has been */
  uint64_t held_bytes;         /* committed arena memory + blocks outside it */
  uint64_t peak_held_bytes;    /* the most held_bytes has been */
  uint64_t high_water_bytes;   /* arena bytes ever touched (since release) */
  uint64_t allocations;        /* calls of tessera_rt_*alloc */
  uint64_t fresh_allocations;  /* ... that reached past the high-water mark */
  uint64_t fallback_allocations; /* ... served outside the arena (malloc) */
  uint64_t failed_allocations; /* ... that could not be served */
  uint64_t frees;
  uint64_t releases;           /* tessera_rt_release calls that freed memory */
  uint64_t reserved_bytes;     /* address space reserved for the arena */
  int caching;                 /* 0 under TESSERA_RT_ALLOCATOR=malloc */
} tessera_rt_stats;

/* A snapshot of the counters (consistent: taken under the allocator lock). */
void tessera_rt_get_stats(tessera_rt_stats *out);

/* Gives the memory of free arena blocks back to the system (the next
 * allocations fault it in again); live blocks are untouched. The Python
 * runtime calls it when the last loaded model is dropped. */
void tessera_rt_release(void);

/* Caps held_bytes (0: no cap). An allocation that would exceed it fails as
 * if the system were out of memory. */
void tessera_rt_set_limit(uint64_t bytes);

/* Calls entry(args) -- a packed entry point `_mlir_<name>` of a compiled
 * function -- and returns 0. If an allocation fails on the calling thread
 * outside any parallel region, the call is abandoned: the blocks it
 * allocated are freed, *failed_bytes (when not NULL) receives the size of
 * the failed request and the result is 1 (the call's outputs and any state
 * it updates in place are then undefined). */
int tessera_rt_call(void (*entry)(void **), void **args,
                    uint64_t *failed_bytes);

/* The OpenMP runtime's omp_get_level of the loaded libomp: only at level 0
 * may tessera_rt_call abandon a call. Without it the runtime looks up
 * omp_get_level in the process. */
void tessera_rt_set_parallel_level_query(int (*query)(void));

/* Asks the OS for AMX tile state (Linux: arch_prctl ARCH_REQ_XCOMP_PERM),
 * once per process; returns 1 when granted, 0 otherwise (no AMX, another
 * OS, a kernel before 5.16). Code built for +amx-tile must not run before it
 * returned 1. The shared library (libtessera_runtime) asks when loaded. */
int tessera_rt_enable_amx(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TESSERA_RUNTIME_RUNTIME_H */
