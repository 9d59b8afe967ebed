/* rdc_winograd.c: 3x3 stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3)
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), pasted into
 * NAME.c after rdc_gemm.c. A 4x4 output tile comes from a 6x6 input tile d (tiles at stride 4):
 *     y = A^T [ (G w G^T) (.) (B^T d B) ] A
 * so a tile costs 36 products per channel pair instead of 144. Over G images of TT tiles the
 * 36 elements e of the transformed tiles are 36 independent products (rdc_gemm_batch):
 *   forward      M[e][K][TT]  = U[e][K][C] . V[e][C][TT]        U = G w G^T, V = B^T d B
 *   weight grad  dU[e][K][C] += Mg[e][K][TT] . V[e][C][TT]^T    Mg = A dy A^T, dw = G^T dU G
 * (the adjoint of the forward in w), and the data gradient is the forward of dy with the
 * flipped, transposed filter. The transforms work on whole rows of tiles, tiles innermost, so
 * they vectorize; their points 0, +-1, +-2 keep float32 within the golden tolerances. */

/* The 6-point transforms along one axis, element i of each at o[i * os]:
 * B^T (6 -> 6) of an input tile, A^T (6 -> 4) back to outputs, A (4 -> 6) of an output
 * gradient, G (3 -> 6) of a filter and G^T (6 -> 3) of its gradient. */
static inline void rdc_wino_bt(real d0, real d1, real d2, real d3, real d4, real d5, real *o, long os)
{
    o[0] = 4 * d0 - 5 * d2 + d4;
    o[os] = d3 + d4 - 4 * (d1 + d2);
    o[2 * os] = 4 * (d1 - d2) + d4 - d3;
    o[3 * os] = 2 * (d3 - d1) + d4 - d2;
    o[4 * os] = 2 * (d1 - d3) + d4 - d2;
    o[5 * os] = 4 * d1 - 5 * d3 + d5;
}

static inline void rdc_wino_at(real m0, real m1, real m2, real m3, real m4, real m5, real *o, long os)
{
    o[0] = m0 + m1 + m2 + m3 + m4;
    o[os] = m1 - m2 + 2 * (m3 - m4);
    o[2 * os] = m1 + m2 + 4 * (m3 + m4);
    o[3 * os] = m1 - m2 + 8 * (m3 - m4) + m5;
}

static inline void rdc_wino_a(real d0, real d1, real d2, real d3, real *o, long os)
{
    o[0] = d0;
    o[os] = d0 + d1 + d2 + d3;
    o[2 * os] = d0 - d1 + d2 - d3;
    o[3 * os] = d0 + 2 * d1 + 4 * d2 + 8 * d3;
    o[4 * os] = d0 - 2 * d1 + 4 * d2 - 8 * d3;
    o[5 * os] = d3;
}

static inline void rdc_wino_g(real g0, real g1, real g2, real *o, long os)
{
    const real sixth = (real)1 / 6, twelfth = (real)1 / 12, twentyfourth = (real)1 / 24;
    o[0] = g0 * (real)0.25;
    o[os] = -(g0 + g1 + g2) * sixth;
    o[2 * os] = (g1 - g0 - g2) * sixth;
    o[3 * os] = g0 * twentyfourth + g1 * twelfth + g2 * sixth;
    o[4 * os] = g0 * twentyfourth - g1 * twelfth + g2 * sixth;
    o[5 * os] = g2;
}

static inline void rdc_wino_gt(real u0, real u1, real u2, real u3, real u4, real u5, real *o, long os)
{
    const real sixth = (real)1 / 6, twelfth = (real)1 / 12, twentyfourth = (real)1 / 24;
    o[0] = u0 * (real)0.25 - (u1 + u2) * sixth + (u3 + u4) * twentyfourth;
    o[os] = (u2 - u1) * sixth + (u3 - u4) * twelfth;
    o[2 * os] = (u3 + u4 - u1 - u2) * sixth + u5;
}

/* Rows are handled as their 4 phases, ph[j*n + u] = r[4u + j] (u < n), so that tiles at
 * stride 4 read and write unit-stride vectors; the (de)interleaving is done by shuffles.
 * The phases of image row xr (W values) seen through a padding of PL on the left, 0 outside: */
static inline void rdc_phases4(const real *restrict xr, int W, int PL, int n, real *restrict ph)
{
    /* u0..u1: the u whose 4 values all lie inside the row. */
    const int u0 = (PL + 3) / 4, u1 = W + PL >= 4 ? (W + PL - 4) / 4 + 1 : 0, hi = u1 < n ? u1 : n;
    for (int u = u0; u < hi; u++)
        for (int j = 0; j < 4; j++) ph[j * n + u] = xr[4 * u + j - PL];
    for (int u = 0; u < n; u++) {
        if (u == u0 && hi > u0) u = hi;
        if (u >= n) break;
        for (int j = 0; j < 4; j++) {
            const int iw = 4 * u + j - PL;
            ph[j * n + u] = iw >= 0 && iw < W ? xr[iw] : 0;
        }
    }
}

/* Row yr[0..W) (=, or += when accumulate) the phases ph (n = (W + 3) / 4 of each). */
static inline void rdc_unphase4(const real *restrict ph, int n, int W, real *restrict yr, int accumulate)
{
    const int full = W / 4;
    if (accumulate)
        for (int u = 0; u < full; u++)
            for (int j = 0; j < 4; j++) yr[4 * u + j] += ph[j * n + u];
    else
        for (int u = 0; u < full; u++)
            for (int j = 0; j < 4; j++) yr[4 * u + j] = ph[j * n + u];
    for (int o = 4 * full; o < W; o++) yr[o] = (accumulate ? yr[o] : 0) + ph[(o % 4) * n + full];
}

/* Filters are transformed RDC_WINO_LANES channel pairs at a time, the lanes innermost. */
#define RDC_WINO_LANES 16

/* U[e*K*C + k*C + c] = (G f G^T)[e] of the 3x3 filter f = w[k][c], or, when flipped, of
 * w[c][k] turned by 180 degrees (the data gradient's filter: K and C are then the
 * convolution's input and output channels). */
static void rdc_wino_filter(const real *restrict w, int K, int C, int flipped, real *restrict U)
{
    const long KC = (long)K * C;
    #pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < C; c0 += RDC_WINO_LANES) {
            const int lanes = C - c0 < RDC_WINO_LANES ? C - c0 : RDC_WINO_LANES;
            real f[9][RDC_WINO_LANES], t[6][3][RDC_WINO_LANES], u[36][RDC_WINO_LANES];
            for (int l = 0; l < RDC_WINO_LANES; l++)
                for (int p = 0; p < 9; p++)
                    f[p][l] = l >= lanes ? 0 : flipped ? w[((long)(c0 + l) * K + k) * 9 + 8 - p] : w[((long)k * C + c0 + l) * 9 + p];
            for (int q = 0; q < 3; q++)
                for (int l = 0; l < RDC_WINO_LANES; l++) rdc_wino_g(f[q][l], f[3 + q][l], f[6 + q][l], &t[0][q][l], 3 * RDC_WINO_LANES);
            for (int a = 0; a < 6; a++)
                for (int l = 0; l < RDC_WINO_LANES; l++) rdc_wino_g(t[a][0][l], t[a][1][l], t[a][2][l], &u[6 * a][l], RDC_WINO_LANES);
            for (int e = 0; e < 36; e++)
                for (int l = 0; l < lanes; l++) U[e * KC + (long)k * C + c0 + l] = u[e][l];
        }
}

/* dw[k][c] = (G^T u G) of u[e] = dU[e*K*C + k*C + c]: the filter gradient from its transform. */
static void rdc_wino_filter_grad(const real *restrict dU, int K, int C, real *restrict dw)
{
    const long KC = (long)K * C;
    #pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++)
        for (int c0 = 0; c0 < C; c0 += RDC_WINO_LANES) {
            const int lanes = C - c0 < RDC_WINO_LANES ? C - c0 : RDC_WINO_LANES;
            real u[36][RDC_WINO_LANES], t[3][6][RDC_WINO_LANES], f[9][RDC_WINO_LANES];
            for (int e = 0; e < 36; e++)
                for (int l = 0; l < RDC_WINO_LANES; l++) u[e][l] = l < lanes ? dU[e * KC + (long)k * C + c0 + l] : 0;
            for (int b = 0; b < 6; b++)
                for (int l = 0; l < RDC_WINO_LANES; l++)
                    rdc_wino_gt(u[b][l], u[6 + b][l], u[12 + b][l], u[18 + b][l], u[24 + b][l], u[30 + b][l], &t[0][b][l], 6 * RDC_WINO_LANES);
            for (int p = 0; p < 3; p++)
                for (int l = 0; l < RDC_WINO_LANES; l++)
                    rdc_wino_gt(t[p][0][l], t[p][1][l], t[p][2][l], t[p][3][l], t[p][4][l], t[p][5][l], &f[3 * p][l], RDC_WINO_LANES);
            for (int l = 0; l < lanes; l++)
                for (int p = 0; p < 9; p++) dw[((long)k * C + c0 + l) * 9 + p] = f[p][l];
        }
}

/* V[e*es + c*TT + t] = (B^T d B)[e] of the input tiles of images x[G][C][H][W]: tile
 * t = (g*TH + th)*TW + tw has its top left at (4th - PT, 4tw - PL), 0 outside the image. */
static void rdc_wino_input(const real *restrict x, int G, int C, int H, int W, int PT, int PL, int TH, int TW,
                           real *restrict V, long es)
{
    const long TT = (long)G * TH * TW;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int c = 0; c < C; c++) {
            const real *xc = x + ((long)g * C + c) * H * W;
            real ph[4][TW + 1], r[6][6][TW];
            for (int th = 0; th < TH; th++) {
                /* r[i][b][tw]: row i of the tile row, transformed along its width. */
                for (int i = 0; i < 6; i++) {
                    const int ih = 4 * th - PT + i;
                    if (ih < 0 || ih >= H) { memset(r[i], 0, sizeof r[i]); continue; }
                    rdc_phases4(xc + (long)ih * W, W, PL, TW + 1, ph[0]);
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++)
                        rdc_wino_bt(ph[0][tw], ph[1][tw], ph[2][tw], ph[3][tw], ph[0][tw + 1], ph[1][tw + 1], &r[i][0][tw], TW);
                }
                real *v = V + (long)c * TT + ((long)g * TH + th) * TW;
                for (int b = 0; b < 6; b++)
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++)
                        rdc_wino_bt(r[0][b][tw], r[1][b][tw], r[2][b][tw], r[3][b][tw], r[4][b][tw], r[5][b][tw], v + b * es + tw, 6 * es);
            }
        }
}

/* y[G][K][OH][OW] (=, or += when accumulate) the output tiles A^T m A of
 * m[e] = M[e*es + k*TT + t], clipped to the image, the epilogue ep (if any) applied to them
 * first (a forward does not accumulate, a data gradient has no epilogue). */
static void rdc_wino_output(const real *restrict M, long es, int G, int K, int OH, int OW, int TH, int TW,
                            real *restrict y, int accumulate, const rdc_epilogue *ep)
{
    const long TT = (long)G * TH * TW;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            const real scale = ep && ep->scale ? ep->scale[k] : 1, shift = ep && ep->shift ? ep->shift[k] : 0;
            const int act = ep ? ep->act : 0;
            real s[4][6][TW], ph[4][TW];
            for (int th = 0; th < TH; th++) {
                const real *m = M + (long)k * TT + ((long)g * TH + th) * TW;
                for (int b = 0; b < 6; b++)
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++)
                        rdc_wino_at(m[b * es + tw], m[(6 + b) * es + tw], m[(12 + b) * es + tw], m[(18 + b) * es + tw],
                                    m[(24 + b) * es + tw], m[(30 + b) * es + tw], &s[0][b][tw], 6 * TW);
                for (int i = 0; i < 4 && 4 * th + i < OH; i++) {
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++)
                        rdc_wino_at(s[i][0][tw], s[i][1][tw], s[i][2][tw], s[i][3][tw], s[i][4][tw], s[i][5][tw], &ph[0][tw], TW);
                    if (ep)
                        for (int o = 0; o < 4 * TW; o++) {
                            const real v = ph[0][o] * scale + shift;
                            ph[0][o] = act == 0 ? v : (v < 0 ? 0 : (act == 2 && v > 6 ? 6 : v));
                        }
                    rdc_unphase4(ph[0], TW, OW, y + (((long)g * K + k) * OH + 4 * th + i) * OW, accumulate);
                }
            }
        }
}

/* Mg[e*es + k*TT + t] = (A d A^T)[e] of the 4x4 tiles d of dy[G][K][OH][OW] (0 past the
 * image): the adjoint of rdc_wino_output's tile transform. */
static void rdc_wino_output_grad(const real *restrict dy, int G, int K, int OH, int OW, int TH, int TW,
                                 real *restrict Mg, long es)
{
    const long TT = (long)G * TH * TW;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            const real *dk = dy + ((long)g * K + k) * OH * OW;
            real ph[4][TW], r[4][6][TW];
            for (int th = 0; th < TH; th++) {
                for (int i = 0; i < 4; i++) {
                    const int oh = 4 * th + i;
                    if (oh >= OH) { memset(r[i], 0, sizeof r[i]); continue; }
                    rdc_phases4(dk + (long)oh * OW, OW, 0, TW, ph[0]);
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++) rdc_wino_a(ph[0][tw], ph[1][tw], ph[2][tw], ph[3][tw], &r[i][0][tw], TW);
                }
                real *m = Mg + (long)k * TT + ((long)g * TH + th) * TW;
                for (int b = 0; b < 6; b++)
                    #pragma omp simd
                    for (int tw = 0; tw < TW; tw++)
                        rdc_wino_a(r[0][b][tw], r[1][b][tw], r[2][b][tw], r[3][b][tw], m + b * es + tw, 6 * es);
            }
        }
}

/* Elements of a Winograd convolution's scratch (the forward's and data gradient's
 * U, V, M, or the weight gradient's dU, V, Mg, then the GEMM packing) for G images. */
#define RDC_WINO_SCRATCH(K, C, G, TH, TW) (36L * ((long)(K) * (C) + ((long)(C) + (K)) * (G) * (TH) * (TW)) + RDC_GEMM_PACK)

/* y[N][K][OH][OW] (=, or += when accumulate) epilogue(the stride-1 3x3 convolution of
 * x[N][C][H][W] with w, padding PT, PL), G images at a time; w is [K][C][3][3], or, flipped,
 * [C][K][3][3] turned by 180 degrees (a data gradient). */
static void rdc_wino_conv(const real *restrict x, const real *restrict w, int flipped, int N, int G, int C, int H, int W,
                          int K, int OH, int OW, int PT, int PL, real *restrict y, int accumulate,
                          const rdc_epilogue *ep, real *restrict scratch)
{
    const int TH = (OH + 3) / 4, TW = (OW + 3) / 4;
    const long GT = (long)G * TH * TW;
    real *U = scratch, *V = U + 36L * K * C, *M = V + 36L * C * GT, *pack = M + 36L * K * GT;
    rdc_wino_filter(w, K, C, flipped, U);
    for (int n = 0; n < N; n += G) {
        rdc_wino_input(x + (long)n * C * H * W, G, C, H, W, PT, PL, TH, TW, V, C * GT);
        rdc_gemm_batch(36, (long)K * C, C * GT, K * GT, K, (int)GT, C, U, C, 1, rdc_matrix(V, GT, 1), M, GT, 0, pack);
        rdc_wino_output(M, K * GT, G, K, OH, OW, TH, TW, y + (long)n * K * OH * OW, accumulate, ep);
    }
}

/* dw[K][C][3][3] = the weight gradient of rdc_wino_conv (not flipped) from x and dy. */
static void rdc_wino_conv_weight_grad(const real *restrict dy, const real *restrict x, int N, int G, int C, int H, int W,
                                      int K, int OH, int OW, int PT, int PL, real *restrict dw, real *restrict scratch)
{
    const int TH = (OH + 3) / 4, TW = (OW + 3) / 4;
    const long GT = (long)G * TH * TW;
    real *dU = scratch, *V = dU + 36L * K * C, *Mg = V + 36L * C * GT, *pack = Mg + 36L * K * GT;
    for (int n = 0; n < N; n += G) {
        rdc_wino_input(x + (long)n * C * H * W, G, C, H, W, PT, PL, TH, TW, V, C * GT);
        rdc_wino_output_grad(dy + (long)n * K * OH * OW, G, K, OH, OW, TH, TW, Mg, K * GT);
        rdc_gemm_batch(36, K * GT, C * GT, (long)K * C, K, C, (int)GT, Mg, GT, 1, rdc_matrix(V, 1, GT), dU, C, n > 0, pack);
    }
    rdc_wino_filter_grad(dU, K, C, dw);
}
