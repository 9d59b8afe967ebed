/* sgemm.c: what a tuned BLAS reaches on this machine for one GEMM shape, in GFLOP/s, so the
 * compiled kernels can be judged against a realistic target and not only the FMA peak.
 * The shape is a convolution lowered to a GEMM: C[M,N] = A[M,K] * B[K,N] with M = Cout,
 * N = batch*OH*OW, K = Cin*kh*kw. OpenBLAS runs on OMP_NUM_THREADS threads, like the model.
 * Prints one JSON line with the median and every timed run.
 *
 *   clang -O3 -march=native -fopenmp bench/sgemm.c -lopenblas -o sgemm && ./sgemm M N K [runs]
 */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s M N K [runs]\n", argv[0]);
        return 2;
    }
    const long m = atol(argv[1]), n = atol(argv[2]), k = atol(argv[3]);
    const int runs = argc > 4 ? atoi(argv[4]) : 5;
    if (m <= 0 || n <= 0 || k <= 0 || runs <= 0 || runs > 100) {
        fprintf(stderr, "sgemm: M, N, K and runs (1...100) must be positive\n");
        return 2;
    }
    /* The pthread build of OpenBLAS ignores OMP_NUM_THREADS when OPENBLAS_NUM_THREADS is set: be explicit. */
    openblas_set_num_threads(omp_get_max_threads());
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm: out of memory for %ldx%ldx%ld\n", m, n, k);
        return 1;
    }
    for (long i = 0; i < m * k; i++) a[i] = (float)((i * 7 % 13) - 6) / 64;
    for (long i = 0; i < k * n; i++) b[i] = (float)((i * 5 % 11) - 5) / 64;

    /* One untimed run: OpenBLAS starts its threads and the pages are touched. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
    double times[100];
    for (int r = 0; r < runs; r++) {
        double start = omp_get_wtime();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        times[r] = omp_get_wtime() - start;
    }
    printf("{\"what\":\"sgemm\",\"threads\":%d,\"m\":%ld,\"n\":%ld,\"k\":%ld,\"times_s\":[", omp_get_max_threads(), m, n, k);
    for (int r = 0; r < runs; r++) printf("%s%.6f", r ? "," : "", times[r]);
    qsort(times, runs, sizeof times[0], compare);
    double median = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    printf("],\"median_s\":%.6f,\"gflops_per_s\":%.2f,\"checksum\":%g}\n", median, 2.0 * m * n * k / median / 1e9,
           c[0] + c[m * n - 1]);
    free(a);
    free(b);
    free(c);
    return 0;
}
