/*
 * The machine's float32 FMA peak, measured: each thread runs 12 independent chains of vector FMAs (enough
 * to hide the FMA latency on current x86 cores), so the rate is the issue limit of the FMA units at the
 * clock the cores actually run. bench/peak.ts compiles it with the system C compiler, in the widest vector
 * width the CPU has, and runs it on 1 thread and on the bench's thread count.
 *
 *   cc -O2 -mavx2 -mfma [-mavx512f -DWIDE] bench/peak.c -o peak -lpthread && ./peak THREADS
 * prints: {"bits": 256|512, "threads": N, "gflops": G}
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 100000000L
#ifdef WIDE
typedef __m512 vec;
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define LANES 16
#else
typedef __m256 vec;
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define LANES 8
#endif

static void *chains(void *out) {
  vec a0 = SET1(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  const vec b = SET1(0.999999f), c = SET1(1e-7f);
  for (long i = 0; i < ROUNDS; i++) {
    a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);
    a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);
    a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);
    /* Keep the compiler from folding the chains. */
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  float lanes[LANES];
  vec s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  __builtin_memcpy(lanes, &s, sizeof lanes);
  *(float *)out = lanes[0];
  return 0;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) return 2;
  pthread_t t[256];
  float sink[256];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, chains, &sink[i]);
  for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  double flops = (double)threads * ROUNDS * 12 * LANES * 2;
  printf("{\"bits\": %d, \"threads\": %d, \"gflops\": %.2f, \"seconds\": %.3f}\n", LANES * 32, threads, flops / seconds / 1e9, seconds);
  return 0;
}
