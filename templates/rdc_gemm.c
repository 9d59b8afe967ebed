/* rdc_gemm.c: the matrix kernels every dense (transposed) convolution is lowered to, pasted
 * verbatim into NAME.c after rdc_runtime.c. A convolution of one image is
 *   forward      y[CO][P]   = w[CO][K] . col[K][P]          col = im2col(x), K = CI*KH*KW, P = OH*OW
 *   data grad    dcol[K][P] = w^T . dy[CO][P], dx = col2im(dcol)
 *   weight grad  dw[CO][K] += dy[CO][P] . row[P][K]          row = im2row(x), the transposed im2col
 * and a transposed convolution is the same with the roles of x and y swapped. */

/* One register tile is RDC_MB rows by RDC_NV vectors of C; with AVX-512 (32 vector
 * registers) 8 x 2 x 16 floats, else 4 x 2 x 8. Sized on this machine's clang 14 (Zen 4):
 * 40-70 GFLOP/s on two cores for conv-shaped products, against 2-10 for direct loops. */
#if defined(__AVX512F__)
#define RDC_VEC_BYTES 64
#define RDC_MB 8
#else
#define RDC_VEC_BYTES 32
#define RDC_MB 4
#endif
#define RDC_NV 2
#define RDC_VW ((int)(RDC_VEC_BYTES / sizeof(real)))
#define RDC_NB (RDC_NV * RDC_VW)
/* Depth of one pass over K: the B panel (RDC_KC x RDC_NB) stays in L1. */
#define RDC_KC 256

typedef real rdc_vec __attribute__((vector_size(RDC_VEC_BYTES), aligned(sizeof(real))));

static inline rdc_vec rdc_vload(const real *p) { rdc_vec v; memcpy(&v, p, sizeof v); return v; }
static inline void rdc_vstore(real *p, rdc_vec v) { memcpy(p, &v, sizeof v); }

/* C[M][N] (=, or += when accumulate) sum over k < K of A[m*am + k*ak] * B[k*ldb + n]:
 * B and C row-major, A any strides (its elements are broadcast). Each thread owns whole
 * tiles of C and sums k in a fixed order: the result does not depend on the thread count. */
static void rdc_gemm(int M, int N, int K, const real *restrict A, long am, long ak,
                     const real *restrict B, long ldb, real *restrict C, long ldc, int accumulate)
{
    const int mt = (M + RDC_MB - 1) / RDC_MB, nt = (N + RDC_NB - 1) / RDC_NB;
    for (int k0 = 0; k0 < K; k0 += RDC_KC) {
        const int kc = K - k0 < RDC_KC ? K - k0 : RDC_KC;
        const int add = accumulate || k0 > 0;
        /* Column panels outermost: consecutive tiles of a thread reuse one B panel from L1. */
        #pragma omp parallel for collapse(2) schedule(static)
        for (int bj = 0; bj < nt; bj++)
            for (int bi = 0; bi < mt; bi++) {
                const int m0 = bi * RDC_MB, n0 = bj * RDC_NB;
                const real *a0 = A + (long)m0 * am + (long)k0 * ak;
                const real *b0 = B + (long)k0 * ldb + n0;
                if (m0 + RDC_MB <= M && n0 + RDC_NB <= N) {
                    rdc_vec acc[RDC_MB][RDC_NV];
                    for (int i = 0; i < RDC_MB; i++)
                        for (int j = 0; j < RDC_NV; j++) acc[i][j] = (rdc_vec){0};
                    for (int k = 0; k < kc; k++) {
                        rdc_vec b[RDC_NV];
                        for (int j = 0; j < RDC_NV; j++) b[j] = rdc_vload(b0 + (long)k * ldb + j * RDC_VW);
                        for (int i = 0; i < RDC_MB; i++) {
                            const real a = a0[i * am + k * ak];
                            for (int j = 0; j < RDC_NV; j++) acc[i][j] += a * b[j];
                        }
                    }
                    for (int i = 0; i < RDC_MB; i++) {
                        real *c = C + (long)(m0 + i) * ldc + n0;
                        for (int j = 0; j < RDC_NV; j++)
                            rdc_vstore(c + j * RDC_VW, add ? rdc_vload(c + j * RDC_VW) + acc[i][j] : acc[i][j]);
                    }
                } else {
                    /* A partial tile at the bottom or right edge. */
                    const int mb = M - m0 < RDC_MB ? M - m0 : RDC_MB, nb = N - n0 < RDC_NB ? N - n0 : RDC_NB;
                    for (int i = 0; i < mb; i++) {
                        real acc[RDC_NB] = {0};
                        for (int k = 0; k < kc; k++) {
                            const real a = a0[i * am + k * ak];
                            for (int j = 0; j < nb; j++) acc[j] += a * b0[(long)k * ldb + j];
                        }
                        real *c = C + (long)(m0 + i) * ldc + n0;
                        for (int j = 0; j < nb; j++) c[j] = add ? c[j] + acc[j] : acc[j];
                    }
                }
            }
    }
}

/* The windows of a convolution over image x[C][H][W] (output OH x OW) as a matrix: element
 * (k = (c*KH + kh)*KW + kw, p = oh*OW + ow) is x[c][oh*SH-PT+kh][ow*SW-PL+kw], 0 in the
 * padding, stored at col[k*ks + p*ps]: im2col with (ks, ps) = (OH*OW, 1), im2row with (1, K). */
static void rdc_im2col(const real *restrict x, int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL,
                       int OH, int OW, real *restrict col, long ks, long ps)
{
    #pragma omp parallel for collapse(3) schedule(static)
    for (int c = 0; c < C; c++)
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                const long k = ((long)c * KH + kh) * KW + kw;
                const int oh0 = rdc_first(PT - kh, SH), oh1 = rdc_end(H - 1 + PT - kh, SH, OH);
                const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);
                const real *xc = x + (long)c * H * W;
                for (int oh = 0; oh < OH; oh++) {
                    real *out = col + k * ks + (long)oh * OW * ps;
                    if (oh < oh0 || oh >= oh1) {
                        for (int ow = 0; ow < OW; ow++) out[ow * ps] = 0;
                        continue;
                    }
                    const real *xr = xc + (long)(oh * SH - PT + kh) * W + kw - PL;
                    for (int ow = 0; ow < ow0; ow++) out[ow * ps] = 0;
                    for (int ow = ow0; ow < ow1; ow++) out[ow * ps] = xr[ow * SW];
                    for (int ow = ow1; ow < OW; ow++) out[ow * ps] = 0;
                }
            }
}

/* The adjoint of rdc_im2col (ks = OH*OW, ps = 1): every window element of col is added back
 * into image x[C][H][W], which is zeroed first unless accumulate. Each thread owns channels. */
static void rdc_col2im(const real *restrict col, int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL,
                       int OH, int OW, real *restrict x, int accumulate)
{
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        real *xc = x + (long)c * H * W;
        if (!accumulate) memset(xc, 0, sizeof(real) * H * W);
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                const real *src = col + (((long)c * KH + kh) * KW + kw) * OH * OW;
                const int oh0 = rdc_first(PT - kh, SH), oh1 = rdc_end(H - 1 + PT - kh, SH, OH);
                const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);
                for (int oh = oh0; oh < oh1; oh++) {
                    real *xr = xc + (long)(oh * SH - PT + kh) * W + kw - PL;
                    const real *sr = src + (long)oh * OW;
                    for (int ow = ow0; ow < ow1; ow++) xr[ow * SW] += sr[ow];
                }
            }
    }
}
