/* rdc_dot.c: the weight gradient of a narrow 3x3 stride-1 convolution by dot products along
 * the image, pasted into NAME.c after rdc_gemm.c (DotWeightGradient.swift chooses it).
 *
 * The implicit GEMM takes dw[CO][CI*9] = dy[CO][P] . windows(x)^T by packing the window
 * matrix, 9 * CI rows of every pixel, and with CO = 24 each packed element serves only 24
 * multiply-adds: RD4AD-Lite0's 24-channel 64x64 layers ran at ~118 GFLOP/s, bound by the
 * packing. Here nothing is packed: each image's x is copied once, zero-padded, to rows of
 * WQ = OW + 2 (xq), and dy to rows of the same length, zeros past OW (dq). Then the tap
 * (kh, kw) of output pixel p = oh*WQ + ow of that layout is xq[p + kh*WQ + kw], so every
 * (channel pair, tap) is one dot product of two flat, unit-stride runs, and
 * rdc_dot_taps takes RDC_DOT_MB output channels x the 3 taps of one kernel row at a time:
 * each dy vector loaded serves 3 taps, each x vector RDC_DOT_MB channels, the sums stay in
 * registers over the whole image (the vector lanes summed once at the end), and the 2
 * padding columns of each row add exact zeros (2/(OW+2) of the products, 3% at 64).
 * The threads split the batch by groups of G images, in order, as the kernels around split
 * it by images: each reads the images it wrote (where the two cores sit on different L3s,
 * reading the other's half made these kernels 1.6x slower). A group's sums go to its own
 * copy of dw; the copies are added in order, the sums each element had before, so the
 * result does not depend on the thread count. */
#if defined(__AVX512F__)
#define RDC_DOT_MB 8
#else
#define RDC_DOT_MB 4
#endif

/* The sizes of rdc_dot_weight_grad's copies: WQ = OW + 2 values a row, planes of XPL (xq)
 * and DPL (dq) values, as DotWeightGradient.planes has them. */
typedef struct rdc_dot_geometry {
    int G, CI, H, W, CO, OH, OW, PT, PL;
    int WQ, XPL, DPL;
} rdc_dot_geometry;

/* xq[g][c] = x[g][c] padded (row i, column j: x[i - PT][j - PL], 0 outside the image) and
 * dq[g][c] = dy[g][c] in rows of WQ, zeros past OW and past OH: the G images from x and dy. */
static void rdc_dot_pad(const real *restrict x, const real *restrict dy, const rdc_dot_geometry *q, real *restrict xq, real *restrict dq)
{
    for (int g = 0; g < q->G; g++)
        for (int c = 0; c < q->CI; c++) {
            real *d = xq + ((long)g * q->CI + c) * q->XPL;
            const real *xp = x + ((long)g * q->CI + c) * q->H * q->W;
            const int j0 = q->PL, j1 = q->PL + q->W;   /* the columns from the image (WQ = PL + W + the right padding) */
            for (int i = 0; i < q->OH + 2; i++) {
                real *dr = d + (long)i * q->WQ;
                const int ih = i - q->PT;
                if (ih < 0 || ih >= q->H) {
                    memset(dr, 0, sizeof(real) * q->WQ);
                    continue;
                }
                memset(dr, 0, sizeof(real) * j0);
                memcpy(dr + j0, xp + (long)ih * q->W, sizeof(real) * (j1 - j0));
                memset(dr + j1, 0, sizeof(real) * (q->WQ - j1));
            }
            memset(d + (long)(q->OH + 2) * q->WQ, 0, sizeof(real) * (q->XPL - (q->OH + 2) * q->WQ));
        }
    for (int g = 0; g < q->G; g++)
        for (int c = 0; c < q->CO; c++) {
            real *d = dq + ((long)g * q->CO + c) * q->DPL;
            const real *s = dy + ((long)g * q->CO + c) * q->OH * q->OW;
            for (int i = 0; i < q->OH; i++) {
                memcpy(d + (long)i * q->WQ, s + (long)i * q->OW, sizeof(real) * q->OW);
                memset(d + (long)i * q->WQ + q->OW, 0, sizeof(real) * (q->WQ - q->OW));
            }
            memset(d + (long)q->OH * q->WQ, 0, sizeof(real) * (q->DPL - q->OH * q->WQ));
        }
}

/* dw[co][ci][kh][0..3) for co in co0..co0+RDC_DOT_MB (those below CO: a last, partial
 * block reads channel CO-1 for the others and drops their sums), summed over the G images
 * of xq and dq. */
__attribute__((always_inline)) static inline void rdc_dot_taps(const real *restrict dq, const real *restrict xq, const rdc_dot_geometry *q,
                                                               int co0, int ci, int kh, real *restrict dw)
{
    rdc_vec acc[RDC_DOT_MB][3];
    for (int m = 0; m < RDC_DOT_MB; m++)
        for (int t = 0; t < 3; t++) acc[m][t] = (rdc_vec){0};
    const int PV = (q->OH * q->WQ + RDC_VW - 1) / RDC_VW * RDC_VW;
    for (int g = 0; g < q->G; g++) {
        const real *dp = dq + ((long)g * q->CO + co0) * q->DPL;
        const real *xr = xq + ((long)g * q->CI + ci) * q->XPL + (long)kh * q->WQ;
        for (int p = 0; p < PV; p += RDC_VW) {
            rdc_vec xv[3];
            for (int t = 0; t < 3; t++) xv[t] = rdc_vload(xr + p + t);
            for (int m = 0; m < RDC_DOT_MB; m++) {
                const int mm = co0 + m < q->CO ? m : q->CO - 1 - co0;
                const rdc_vec d = rdc_vload(dp + (long)mm * q->DPL + p);
                for (int t = 0; t < 3; t++) acc[m][t] += d * xv[t];
            }
        }
    }
    for (int m = 0; m < RDC_DOT_MB && co0 + m < q->CO; m++)
        for (int t = 0; t < 3; t++) {
            real s = 0;
            for (int i = 0; i < RDC_VW; i++) s += acc[m][t][i];
            dw[(((long)(co0 + m) * q->CI + ci) * 3 + kh) * 3 + t] = s;
        }
}

/* dw[CO][CI][3][3] = sum over the N images of dy (N x CO x OH x OW) times the windows of x
 * (N x CI x H x W, padding PT, PL), G images at a time. `col`: SLABS copies of a group (each
 * G*CI*XPL + G*CO*DPL values: a thread's, for up to SLABS threads), then each group's sums
 * (N/G x CO*CI*9). */
static void rdc_dot_weight_grad(const real *restrict dy, const real *restrict x, int N, int G, int CI, int H, int W, int CO, int OH, int OW,
                                int PT, int PL, int XPL, int DPL, int SLABS, real *restrict col, real *restrict dw)
{
    const rdc_dot_geometry q = {G, CI, H, W, CO, OH, OW, PT, PL, OW + 2, XPL, DPL};
    const long slab = (long)G * (CI * q.XPL + CO * q.DPL), size = (long)CO * CI * 9;
    const int blocks = (CO + RDC_DOT_MB - 1) / RDC_DOT_MB, groups = N / G;
    real *sums = col + SLABS * slab;
    #pragma omp parallel num_threads(omp_get_max_threads() < SLABS ? omp_get_max_threads() : SLABS)
    {
        real *xq = col + omp_get_thread_num() * slab, *dq = xq + (long)G * CI * q.XPL;
        #pragma omp for schedule(static)
        for (int k = 0; k < groups; k++) {
            const int n = k * G;
            rdc_dot_pad(x + (long)n * CI * H * W, dy + (long)n * CO * OH * OW, &q, xq, dq);
            for (int ci = 0; ci < CI; ci++)
                for (int kh = 0; kh < 3; kh++)
                    for (int b = 0; b < blocks; b++) rdc_dot_taps(dq, xq, &q, b * RDC_DOT_MB, ci, kh, sums + k * size);
        }
        rdc_sum_copies(sums, groups, size, dw);
    }
}
