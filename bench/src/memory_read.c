/* How fast this machine's threads can read a decode step's worth of
 * weights: the ceiling of a memory-bound decode (bench/memory_read.py
 * builds and runs it). Reads `mib` MiB of float32 with OpenMP threads
 * (each a contiguous share, as a matmul's threads take whole panels) in
 * four ways: 4 KiB or transparent 2 MiB pages, with or without a software
 * prefetch per cache line 8 KiB ahead; vectors as wide as the build's ISA
 * (-march). Prints one JSON object: GB/s (best of `repeats`). */
#define _GNU_SOURCE
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#if defined(__AVX512F__)
#define LANES 16
typedef __m512 vec;
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_load_ps(p)
#define VADD(a, b) _mm512_add_ps(a, b)
static float vsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
#define LANES 8
typedef __m256 vec;
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_load_ps(p)
#define VADD(a, b) _mm256_add_ps(a, b)
static float vsum(vec v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#endif

static float readAll(const float *p, size_t n, int prefetch) {
  float total = 0;
#pragma omp parallel reduction(+ : total)
  {
    size_t share = n / omp_get_num_threads();
    size_t b = share * omp_get_thread_num(), e = b + share;
    vec a0 = VZERO(), a1 = VZERO();
    for (size_t i = b; i < e; i += 2 * LANES) {
      if (prefetch) /* one hint per cache line (16 floats), 8 KiB ahead */
        for (size_t j = 0; j < 2 * LANES; j += 16)
          _mm_prefetch((const char *)(p + i + j + 2048), _MM_HINT_T0);
      a0 = VADD(a0, VLOAD(p + i));
      a1 = VADD(a1, VLOAD(p + i + LANES));
    }
    total += vsum(VADD(a0, a1));
  }
  return total;
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 280;
  int repeats = argc > 2 ? atoi(argv[2]) : 7;
  size_t bytes = mib << 20, n = bytes / 4, huge = 2u << 20;
  printf("{\"mib\": %zu, \"lanes\": %d, \"threads\": %d", mib, LANES, omp_get_max_threads());
  for (int pages = 0; pages < 2; ++pages) {
    char *raw = mmap(0, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
      return 1;
    float *p = (float *)(((size_t)raw + huge - 1) & ~(huge - 1));
    madvise(p, bytes, pages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#pragma omp parallel for
    for (size_t i = 0; i < n; ++i)
      p[i] = 1.0f;
    for (int pf = 0; pf < 2; ++pf) {
      double best = 1e30;
      float check = 0;
      for (int r = 0; r < repeats; ++r) {
        double t = now();
        check += readAll(p, n, pf);
        t = now() - t;
        best = t < best ? t : best;
      }
      printf(", \"%s%s_gb_per_s\": %.2f", pages ? "huge_pages" : "4k_pages", pf ? "_prefetch" : "",
             bytes / best / 1e9);
      if (check != (float)repeats * (float)n)
        fprintf(stderr, "(sum %g)\n", check);
    }
    munmap(raw, bytes + huge);
  }
  printf("}\n");
  return 0;
}
