//===- Allocator.cpp - The caching arena behind tessera_rt_*alloc ---------===//
//
// See Arena.h for the design and include/tessera/Runtime/Runtime.h for the
// C ABI. Plain C++ over libc (no LLVM/MLIR): this file also builds the
// libtessera_runtime that `--emit obj` objects link with.
//
//===----------------------------------------------------------------------===//

#include "Arena.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <sys/mman.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera::runtime {
namespace {

constexpr uint64_t kBlockAlign = 64;          // whole cache lines
constexpr uint64_t kMaxAlign = 4096;          // larger alignments: refused
constexpr uint64_t kGranule = 2ull << 20;     // commit steps (a huge page)
constexpr uint64_t kPage = 4096;
constexpr uint64_t kMinReserve = 64ull << 30; // address space, not memory
constexpr uint64_t kMaxReserve = 64ull << 40;
constexpr uint64_t kMaxRequest = 1ull << 62;  // no overflow in the rounding

uint64_t roundUp(uint64_t x, uint64_t to) { return (x + to - 1) / to * to; }
uint64_t roundDown(uint64_t x, uint64_t to) { return x / to * to; }

[[noreturn]] void internalError(const char *what) {
  std::fprintf(stderr, "internal error: tessera runtime: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

} // namespace

class Allocator {
public:
  Allocator() {
    const char *mode = std::getenv("TESSERA_RT_ALLOCATOR");
    caching = !(mode && std::strcmp(mode, "malloc") == 0);
    const char *huge = std::getenv("TESSERA_RT_HUGEPAGES");
    hugePages = !(huge && std::strcmp(huge, "0") == 0);
  }

  void *allocate(uint64_t size, uint64_t alignment, uint64_t tag) {
    if (alignment == 0)
      alignment = 1;
    std::lock_guard<std::mutex> lock(mu);
    ++stats.allocations;
    if (size > kMaxRequest || alignment > kMaxAlign ||
        (alignment & (alignment - 1))) {
      ++stats.failed_allocations;
      return nullptr;
    }
    uint64_t need = roundUp(std::max<uint64_t>(size, 1), kBlockAlign);
    if (alignment > kBlockAlign)
      need += alignment - kBlockAlign;
    void *p = caching ? arenaAllocate(need, tag) : nullptr;
    if (!p && !(caching && hasRoom(need)))
      p = outsideAllocate(need, tag);
    if (!p) {
      ++stats.failed_allocations;
      return nullptr;
    }
    uintptr_t aligned = roundUp(reinterpret_cast<uintptr_t>(p), alignment);
    return reinterpret_cast<void *>(aligned);
  }

  void deallocate(void *ptr) {
    if (!ptr)
      return;
    std::lock_guard<std::mutex> lock(mu);
    ++stats.frees;
    char *c = static_cast<char *>(ptr);
    if (base && c >= base && c < base + reserved) {
      uint64_t off = c - base;
      auto it = blocks.upper_bound(off);
      if (it == blocks.begin())
        internalError("tessera_rt_free of a pointer it did not allocate");
      --it;
      if (off >= it->first + it->second.size || it->second.free)
        internalError("tessera_rt_free of a pointer it did not allocate "
                      "(or freed twice)");
      freeBlock(it);
      return;
    }
    // Blocks outside the arena: recorded by their start (alignments above
    // 64 B are within the first kMaxAlign bytes).
    auto it = outside.find(c);
    for (uint64_t back = kBlockAlign; it == outside.end() && back <= kMaxAlign;
         back += kBlockAlign)
      it = outside.find(c - back);
    if (it == outside.end())
      internalError("tessera_rt_free of a pointer it did not allocate");
    freeOutside(it);
  }

  void reclaim(uint64_t tag) {
    if (tag == 0)
      return;
    std::lock_guard<std::mutex> lock(mu);
    std::vector<uint64_t> offsets;
    for (auto &[off, b] : blocks)
      if (!b.free && b.tag == tag)
        offsets.push_back(off);
    for (uint64_t off : offsets)
      freeBlock(blocks.find(off));
    for (auto it = outside.begin(); it != outside.end();) {
      auto next = std::next(it);
      if (it->second.tag == tag)
        freeOutside(it);
      it = next;
    }
  }

  void release() {
    std::lock_guard<std::mutex> lock(mu);
    if (!base)
      return;
    bool freed = false;
    // Above the top: unmapped and uncharged (re-mapped PROT_NONE).
    uint64_t keep = roundUp(top, kGranule);
    if (committed > keep) {
      if (::mmap(base + keep, committed - keep, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
        internalError("cannot return arena memory to the system (mmap)");
      if (hugePages)
        ::madvise(base + keep, committed - keep, MADV_HUGEPAGE);
      committed = keep;
      freed = true;
    }
    // Free space below the commit boundary: the pages go, the commit stays.
    auto drop = [&](uint64_t lo, uint64_t hi) {
      lo = roundUp(lo, kPage);
      hi = roundDown(hi, kPage);
      if (hi > lo) {
        ::madvise(base + lo, hi - lo, MADV_DONTNEED);
        freed = true;
      }
    };
    drop(top, committed);
    for (auto &[size, off] : freeSet)
      drop(off, off + size);
    highWater = top;
    stats.held_bytes = committed + outsideBytes;
    if (freed)
      ++stats.releases;
  }

  void setLimit(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    limit = bytes;
  }

  tessera_rt_stats snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    tessera_rt_stats s = stats;
    s.high_water_bytes = highWater;
    s.reserved_bytes = reserved;
    s.caching = caching;
    return s;
  }

private:
  struct Block {
    uint64_t size;
    uint64_t tag; // the guarded call that allocated it (0: none)
    bool free;
  };
  struct Outside {
    uint64_t size;
    uint64_t tag;
  };

  /// Reserves the arena's address range on first use: 4x the physical
  /// memory (at least 64 GiB, at most 64 TiB; halved while the system
  /// refuses, e.g. under a ulimit -v), 2 MiB aligned. PROT_NONE: no memory
  /// and no commit charge until committed.
  void reserveOnce() {
    if (reserveTried)
      return;
    reserveTried = true;
    uint64_t phys = uint64_t(::sysconf(_SC_PHYS_PAGES)) *
                    uint64_t(::sysconf(_SC_PAGESIZE));
    uint64_t want =
        roundUp(std::clamp(4 * phys, kMinReserve, kMaxReserve), kGranule);
    for (; want >= (256ull << 20); want /= 2) {
      // Not MAP_NORESERVE: committing (mprotect to read-write) must be
      // charged, so that an impossible size fails there.
      void *p = ::mmap(nullptr, want + kGranule, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        continue;
      char *raw = static_cast<char *>(p);
      char *aligned = reinterpret_cast<char *>(
          roundUp(reinterpret_cast<uintptr_t>(raw), kGranule));
      if (aligned > raw)
        ::munmap(raw, aligned - raw);
      char *end = raw + want + kGranule;
      if (end > aligned + want)
        ::munmap(aligned + want, end - (aligned + want));
      base = aligned;
      reserved = want;
      // Whole 2 MiB pages where the kernel offers them (THP "madvise"
      // mode): 512x fewer first-touch faults, fewer TLB misses.
      if (hugePages)
        ::madvise(base, reserved, MADV_HUGEPAGE);
      return;
    }
  }

  /// Whether the arena could take `need` more bytes at its top (else the
  /// request goes outside it).
  bool hasRoom(uint64_t need) const {
    return base && need <= reserved && top <= reserved - need;
  }

  /// Makes [0, newTop) read-write, in whole granules (fewer mprotect calls,
  /// huge-page aligned) unless that would pass the limit.
  bool commit(uint64_t newTop) {
    if (newTop <= committed)
      return true;
    uint64_t target = std::min(roundUp(newTop, kGranule), reserved);
    if (limit && target + outsideBytes > limit)
      target = roundUp(newTop, kPage);
    if (limit && target + outsideBytes > limit)
      return false;
    // Writable private memory is charged to the commit limit here: an
    // impossible size fails now (ENOMEM), not at first touch.
    if (::mprotect(base + committed, target - committed,
                   PROT_READ | PROT_WRITE) != 0)
      return false;
    committed = target;
    stats.held_bytes = committed + outsideBytes;
    stats.peak_held_bytes = std::max(stats.peak_held_bytes, stats.held_bytes);
    return true;
  }

  void *arenaAllocate(uint64_t need, uint64_t tag) {
    reserveOnce();
    if (!base)
      return nullptr;
    uint64_t off;
    auto fit = freeSet.lower_bound({need, 0});
    if (fit != freeSet.end()) {
      // Best fit: the smallest free block that holds it (lowest address
      // among equals), split when the rest is worth a block.
      auto [size, at] = *fit;
      freeSet.erase(fit);
      Block &b = blocks[at];
      if (size - need >= kBlockAlign) {
        b.size = need;
        blocks[at + need] = {size - need, 0, false};
        markFree(blocks.find(at + need));
      }
      b.free = false;
      b.tag = tag;
      off = at;
    } else {
      // At the top (by construction the block below the top is in use).
      if (!hasRoom(need) || !commit(top + need))
        return nullptr;
      off = top;
      blocks[off] = {need, tag, false};
      top += need;
      if (top > highWater) {
        highWater = top;
        ++stats.fresh_allocations;
      }
    }
    stats.live_bytes += blocks[off].size;
    stats.peak_live_bytes = std::max(stats.peak_live_bytes, stats.live_bytes);
    return base + off;
  }

  void markFree(std::map<uint64_t, Block>::iterator it) {
    it->second.free = true;
    it->second.tag = 0;
    freeSet.insert({it->second.size, it->first});
  }

  /// Frees a block in use: coalesces it with free neighbours; a free block
  /// reaching the top lowers the top.
  void freeBlock(std::map<uint64_t, Block>::iterator it) {
    stats.live_bytes -= it->second.size;
    it->second.free = true;
    it->second.tag = 0;
    auto next = std::next(it);
    if (next != blocks.end() && next->second.free) {
      freeSet.erase({next->second.size, next->first});
      it->second.size += next->second.size;
      blocks.erase(next);
    }
    if (it != blocks.begin()) {
      auto prev = std::prev(it);
      if (prev->second.free) {
        freeSet.erase({prev->second.size, prev->first});
        prev->second.size += it->second.size;
        blocks.erase(it);
        it = prev;
      }
    }
    if (it->first + it->second.size == top) {
      top = it->first;
      blocks.erase(it);
      return;
    }
    freeSet.insert({it->second.size, it->first});
  }

  /// A block from the C library: under TESSERA_RT_ALLOCATOR=malloc, or
  /// when the arena's reservation is exhausted.
  void *outsideAllocate(uint64_t need, uint64_t tag) {
    if (limit && committed + outsideBytes + need > limit)
      return nullptr;
    void *p = nullptr;
    if (::posix_memalign(&p, kBlockAlign, need) != 0)
      return nullptr;
    outside[static_cast<char *>(p)] = {need, tag};
    outsideBytes += need;
    ++stats.fallback_allocations;
    stats.live_bytes += need;
    stats.peak_live_bytes = std::max(stats.peak_live_bytes, stats.live_bytes);
    stats.held_bytes = committed + outsideBytes;
    stats.peak_held_bytes = std::max(stats.peak_held_bytes, stats.held_bytes);
    return p;
  }

  void freeOutside(std::unordered_map<char *, Outside>::iterator it) {
    stats.live_bytes -= it->second.size;
    outsideBytes -= it->second.size;
    stats.held_bytes = committed + outsideBytes;
    ::free(it->first);
    outside.erase(it);
  }

  std::mutex mu;
  bool caching = true;
  bool hugePages = true;
  bool reserveTried = false;
  char *base = nullptr;
  uint64_t reserved = 0;  // bytes of address space at base
  uint64_t committed = 0; // [0, committed) is read-write
  uint64_t top = 0;       // [0, top) is carved into blocks
  uint64_t highWater = 0; // the highest top since the last release
  uint64_t limit = 0;
  uint64_t outsideBytes = 0;
  std::map<uint64_t, Block> blocks;               // offset -> block, < top
  std::set<std::pair<uint64_t, uint64_t>> freeSet; // (size, offset)
  std::unordered_map<char *, Outside> outside;
  tessera_rt_stats stats{};
};

Allocator &allocator() {
  // Never destroyed: blocks may be freed during static destruction.
  static Allocator *instance = new Allocator();
  return *instance;
}

void *allocate(Allocator &a, uint64_t size, uint64_t alignment, uint64_t tag) {
  return a.allocate(size, alignment, tag);
}
void deallocate(Allocator &a, void *ptr) { a.deallocate(ptr); }
void reclaim(Allocator &a, uint64_t tag) { a.reclaim(tag); }

} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

void *tessera_rt_aligned_alloc(uint64_t alignment, uint64_t size) {
  void *p = allocate(allocator(), size, alignment, currentCallTag());
  if (!p)
    allocationFailed(size);
  return p;
}

void *tessera_rt_alloc(uint64_t size) {
  return tessera_rt_aligned_alloc(kBlockAlign, size);
}

void tessera_rt_free(void *ptr) { deallocate(allocator(), ptr); }

void tessera_rt_get_stats(tessera_rt_stats *out) {
  if (out)
    *out = allocator().snapshot();
}

void tessera_rt_release(void) { allocator().release(); }

void tessera_rt_set_limit(uint64_t bytes) { allocator().setLimit(bytes); }

} // extern "C"
