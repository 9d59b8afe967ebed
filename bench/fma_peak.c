/* fma_peak.c: the machine's floating-point ceiling for float32, in GFLOP/s, on every
 * OpenMP thread at once (OMP_NUM_THREADS). Each thread runs a loop of independent
 * fused multiply-adds: enough accumulators that FMA latency never stalls the pipes, no
 * memory traffic, so the rate is what the FMA units can do and nothing a kernel can beat.
 *
 * Both widths are measured where the CPU has them: on some CPUs (AMD Zen 4) 512-bit FMAs
 * are split into two 256-bit halves and give no more than AVX2, on others they double it;
 * the ceiling is the larger. Prints one JSON line.
 *
 *   clang -O3 -march=native -fopenmp bench/fma_peak.c -o fma_peak && ./fma_peak
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>

enum { ACCUMULATORS = 12, ITERATIONS = 50 * 1000 * 1000, REPEATS = 5 };

/* Seconds for one run of every thread; `sink` keeps the results alive. */
static double run_avx2(float *sink) {
    double start = omp_get_wtime();
#pragma omp parallel
    {
        __m256 acc[ACCUMULATORS];
        for (int a = 0; a < ACCUMULATORS; a++) acc[a] = _mm256_set1_ps((float)a);
        /* a * x + y with a, y slightly below 1 and x near 1: values stay finite, never denormal. */
        const __m256 mul = _mm256_set1_ps(0.9999999f), add = _mm256_set1_ps(1e-7f);
        for (long i = 0; i < ITERATIONS; i++)
            for (int a = 0; a < ACCUMULATORS; a++) acc[a] = _mm256_fmadd_ps(acc[a], mul, add);
        __m256 sum = acc[0];
        for (int a = 1; a < ACCUMULATORS; a++) sum = _mm256_add_ps(sum, acc[a]);
        float lanes[8];
        _mm256_storeu_ps(lanes, sum);
        sink[omp_get_thread_num()] = lanes[0];
    }
    return omp_get_wtime() - start;
}

#ifdef __AVX512F__
static double run_avx512(float *sink) {
    double start = omp_get_wtime();
#pragma omp parallel
    {
        __m512 acc[ACCUMULATORS];
        for (int a = 0; a < ACCUMULATORS; a++) acc[a] = _mm512_set1_ps((float)a);
        const __m512 mul = _mm512_set1_ps(0.9999999f), add = _mm512_set1_ps(1e-7f);
        for (long i = 0; i < ITERATIONS / 2; i++)
            for (int a = 0; a < ACCUMULATORS; a++) acc[a] = _mm512_fmadd_ps(acc[a], mul, add);
        __m512 sum = acc[0];
        for (int a = 1; a < ACCUMULATORS; a++) sum = _mm512_add_ps(sum, acc[a]);
        sink[omp_get_thread_num()] = _mm512_reduce_add_ps(sum);
    }
    return omp_get_wtime() - start;
}
#endif

/* The best of REPEATS runs: a peak, so interference only ever lowers a run. */
static double best_gflops(double (*run)(float *), long flops_per_thread, float *sink) {
    double best = 0;
    for (int r = 0; r < REPEATS; r++) {
        double gflops = (double)flops_per_thread * omp_get_max_threads() / run(sink) / 1e9;
        if (gflops > best) best = gflops;
    }
    return best;
}

int main(void) {
    float sink[1024] = {0};
    /* Per thread: ITERATIONS x ACCUMULATORS FMAs of 8 lanes, 2 FLOPs each (AVX-512: half the iterations, 16 lanes). */
    const long flops = (long)ITERATIONS * ACCUMULATORS * 8 * 2;
    double avx2 = best_gflops(run_avx2, flops, sink), peak = avx2;
    printf("{\"what\":\"fma_peak\",\"threads\":%d,\"avx2_gflops_per_s\":%.2f", omp_get_max_threads(), avx2);
#ifdef __AVX512F__
    double avx512 = best_gflops(run_avx512, flops, sink);
    if (avx512 > peak) peak = avx512;
    printf(",\"avx512_gflops_per_s\":%.2f", avx512);
#endif
    float check = 0;
    for (int t = 0; t < omp_get_max_threads() && t < 1024; t++) check += sink[t];
    printf(",\"gflops_per_s\":%.2f,\"checksum\":%g}\n", peak, check);
    return 0;
}
