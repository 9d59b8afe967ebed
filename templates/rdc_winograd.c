/* rdc_winograd.c: 3x3 stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3)
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), pasted into
 * NAME.c after rdc_gemm.c. A 4x4 output tile comes from a 6x6 input tile d (tiles at stride 4):
 *     y = A^T [ (G w G^T) (.) (B^T d B) ] A
 * so a tile costs 36 products per channel pair instead of 144. Over a set of T tiles the 36
 * elements e of the transformed tiles are 36 independent products:
 *   forward      M[e][K][T]  = U[e][K][C] . V[e][C][T]        U = G w G^T, V = B^T d B
 *   weight grad  dU[e][K][C] += Mg[e][K][T] . V[e][C][T]^T    Mg = A dy A^T, dw = G^T dU G
 * (the adjoint of the forward in w), and the data gradient is the forward of dy with the
 * flipped, transposed filter. The forward takes T = one GEMM panel of tiles at a time, in L2
 * (rdc_wino_conv); the weight gradient the tiles of G images (rdc_gemm_batch). The transforms
 * work on a block of up to RDC_NR tiles at a time, tiles innermost, so they vectorize; their
 * points 0, +-1, +-2 keep float32 within the golden tolerances. */

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

/* Rows are handled as their phases, ph[j*ps + u] = r[4u + j] (u < n; j < J, J = 4, or 6 for an
 * input tile's 6 columns, the last two being phases 0 and 1 one tile on), so that tiles at
 * stride 4 read and write unit-stride vectors. The phases of image row xr (W values) from
 * column q0 on, ph[j*ps + u] = xr[q0 + 4u + j], 0 outside the row (the padding). Rows of 8
 * tiles or more are deinterleaved 8 tiles at a time by shuffles (a padded row's edge staged
 * with its zeros first), writing up to 7 values past n: ps >= n + RDC_PHASE_SPILL. */
#define RDC_PHASE_SPILL 8
__attribute__((always_inline)) static inline void rdc_phases(const real *restrict xr, int W, int q0, int n, real *restrict ph, int ps, int J)
{
    if (n < 8) {
        for (int u = 0; u < n; u++)
            for (int j = 0; j < J; j++) {
                const int iw = q0 + 4 * u + j;
                ph[j * ps + u] = iw >= 0 && iw < W ? xr[iw] : 0;
            }
        return;
    }
    real staged[4 * (RDC_NR + RDC_PHASE_SPILL)];
    const int len = 4 * ((n + 7) / 8 * 8) + J - 4;
    const real *src = xr + q0;
    if (q0 < 0 || q0 + len > W) {
        for (int i = 0; i < len; i++) staged[i] = q0 + i >= 0 && q0 + i < W ? xr[q0 + i] : 0;
        src = staged;
    }
    for (int u = 0; u < n; u += 8) {
        rdc_v8 a[4], t[4], p[4];
        for (int i = 0; i < 4; i++) memcpy(&a[i], src + 4 * u + 8 * i, sizeof a[i]);
        for (int i = 0; i < 4; i += 2) {
            t[i] = __builtin_shufflevector(a[i], a[i + 1], 0, 4, 8, 12, 1, 5, 9, 13);
            t[i + 1] = __builtin_shufflevector(a[i], a[i + 1], 2, 6, 10, 14, 3, 7, 11, 15);
        }
        p[0] = __builtin_shufflevector(t[0], t[2], 0, 1, 2, 3, 8, 9, 10, 11);
        p[1] = __builtin_shufflevector(t[0], t[2], 4, 5, 6, 7, 12, 13, 14, 15);
        p[2] = __builtin_shufflevector(t[1], t[3], 0, 1, 2, 3, 8, 9, 10, 11);
        p[3] = __builtin_shufflevector(t[1], t[3], 4, 5, 6, 7, 12, 13, 14, 15);
        for (int j = 0; j < 4; j++) memcpy(ph + j * ps + u, &p[j], sizeof p[j]);
        for (int j = 4; j < J; j++) {   /* phase j - 4 one tile on */
            const rdc_v8 next = (rdc_v8){0} + src[4 * u + 28 + j];
            const rdc_v8 s = __builtin_shufflevector(p[j - 4], next, 1, 2, 3, 4, 5, 6, 7, 8);
            memcpy(ph + j * ps + u, &s, sizeof s);
        }
    }
}

/* Row yr[0..W) (=, or += when accumulate) the phases ph[j*n + u] (u < (W + 3) / 4). */
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

/* Channels ahead that rdc_wino_input_block prefetches its rows of. */
#define RDC_WINO_AHEAD 2

/* Transformed filters of 1 MB or more are written with streaming stores. Every thread reads
 * all of U, so at the next call each line is still held by the other cores: a plain store must
 * first take it from them, one round trip a line, and where the cores sit on different L3s
 * (this machine's slow spells, a 330 ns round trip) that wrote 4 MB at 2.4 GB/s where
 * streaming stores wrote it at 28 (RD4AD-Lite0's 224-channel forwards and data gradients:
 * 1-1.5 ms slower each). Where the cores share an L3 the two kinds cost about the same, U
 * read back from memory included (Lite0's 3x3 forwards and data gradients 79.1 -> 77.3 ms a
 * step); a 512-channel U (38 MB) reaches memory whatever we do (its transform 2.2 -> 1.5 ms).
 * A smaller U is cheap to take back and stays plain: ResNet18's 64-channel forwards (0.6 MB)
 * measured 3-8% slower streamed, in one round. */
#define RDC_WINO_STREAM_BYTES (1L << 20)

/* U[e*us + k*C + c] = (G f G^T)[e] of the 3x3 filter f = w[k][c], or, when flipped, of
 * w[c][k] turned by 180 degrees (the data gradient's filter: K and C are then the
 * convolution's input and output channels). */
static void rdc_wino_filter(const real *restrict w, int K, int C, int flipped, real *restrict U, long us)
{
    const int stream = 36 * us * (long)sizeof(real) >= RDC_WINO_STREAM_BYTES && C % RDC_WINO_LANES == 0
                       && ((uintptr_t)U | (uintptr_t)(us * sizeof(real))) % RDC_VEC_BYTES == 0;
    #pragma omp parallel
    {
    #pragma omp for schedule(static)
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
            /* (A full block's stores have a constant count: vector stores, not 36 memcpy calls.) */
            for (int e = 0; e < 36; e++)
                if (stream)
                    for (int l = 0; l < RDC_WINO_LANES; l += RDC_VW)
                        __builtin_nontemporal_store(rdc_vload(&u[e][l]), (rdc_vec *)(U + e * us + (long)k * C + c0 + l));
                else if (lanes == RDC_WINO_LANES)
                    for (int l = 0; l < RDC_WINO_LANES; l++) U[e * us + (long)k * C + c0 + l] = u[e][l];
                else
                    for (int l = 0; l < lanes; l++) U[e * us + (long)k * C + c0 + l] = u[e][l];
        }
    /* Streaming stores are weakly ordered: drained before the barrier lets others read U. */
    if (stream) __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

/* dw[c][3][3] (c < n) = (G^T u G) of u[e] = dU[e*us + c]: one output channel's row of the
 * filter gradient from its transform. */
static inline void rdc_wino_filter_grad_row(const real *restrict dU, long us, int n, real *restrict dw)
{
    for (int c0 = 0; c0 < n; c0 += RDC_WINO_LANES) {
        const int lanes = n - c0 < RDC_WINO_LANES ? n - c0 : RDC_WINO_LANES;
        real u[36][RDC_WINO_LANES], t[3][6][RDC_WINO_LANES], f[9][RDC_WINO_LANES];
        for (int e = 0; e < 36; e++)
            for (int l = 0; l < RDC_WINO_LANES; l++) u[e][l] = l < lanes ? dU[e * us + c0 + l] : 0;
        for (int b = 0; b < 6; b++)
            for (int l = 0; l < RDC_WINO_LANES; l++)
                rdc_wino_gt(u[b][l], u[6 + b][l], u[12 + b][l], u[18 + b][l], u[24 + b][l], u[30 + b][l], &t[0][b][l], 6 * RDC_WINO_LANES);
        for (int p = 0; p < 3; p++)
            for (int l = 0; l < RDC_WINO_LANES; l++)
                rdc_wino_gt(t[p][0][l], t[p][1][l], t[p][2][l], t[p][3][l], t[p][4][l], t[p][5][l], &f[3 * p][l], RDC_WINO_LANES);
        for (int l = 0; l < lanes; l++)
            for (int p = 0; p < 9; p++) dw[(long)(c0 + l) * 9 + p] = f[p][l];
    }
}

/* dw[k][c] = (G^T u G) of u[e] = dU[e*us + k*C + c]: the filter gradient from its transform. */
static void rdc_wino_filter_grad(const real *restrict dU, long us, int K, int C, real *restrict dw)
{
    #pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++) rdc_wino_filter_grad_row(dU + (long)k * C, us, C, dw + (long)k * C * 9);
}

/* The 36 transformed matrices of U, V, M (or dU, V, Mg) lie a cache line further apart than
 * their sizes, which are mostly powers of 2: 36 streams 2^k bytes apart would all fall in
 * the same L1 set. */
#define RDC_WINO_PAD 16

/* The tile blocks of the fused passes, one GEMM panel (RDC_NR tiles) each: R = RDC_NR / TW
 * whole tile rows (of any images), or one L = RDC_NR-tile segment of a wider tile row (S
 * segments a row). Block b starts at tile row tr0, tile tw0, and has `rows` rows of n tiles. */
typedef struct rdc_wino_blocks { int TH, TW, L, S, R; long TR, count; } rdc_wino_blocks;
typedef struct rdc_wino_block { long tr0; int tw0, n, rows; } rdc_wino_block;

static inline rdc_wino_blocks rdc_wino_blocking(int N, int OH, int OW)
{
    rdc_wino_blocks bl;
    bl.TH = (OH + 3) / 4, bl.TW = (OW + 3) / 4;
    bl.L = bl.TW < RDC_NR ? bl.TW : RDC_NR, bl.S = (bl.TW + bl.L - 1) / bl.L, bl.R = bl.TW < RDC_NR ? RDC_NR / bl.TW : 1;
    bl.TR = (long)N * bl.TH, bl.count = (bl.TR + bl.R - 1) / bl.R * bl.S;
    return bl;
}

static inline rdc_wino_block rdc_wino_block_at(const rdc_wino_blocks *bl, long b)
{
    rdc_wino_block k;
    k.tr0 = b / bl->S * bl->R, k.tw0 = (int)(b % bl->S) * bl->L;
    k.n = bl->TW - k.tw0 < bl->L ? bl->TW - k.tw0 : bl->L;
    k.rows = bl->TR - k.tr0 < bl->R ? (int)(bl->TR - k.tr0) : bl->R;
    return k;
}

/* The transforms work on the tiles of a block (rdc_wino_blocking: at most RDC_NR tiles, whole
 * tile rows of any images or one segment of a wider row) all at once, vectors across its
 * tiles: a deep layer's rows are a few tiles each (2 at 8x8), too short to vectorize alone.
 * A block's tile t = r*n + u is tile tw0 + u of its tile row tr0 + r. */

/* v[e*vs + t] (t < tn) = (B^T d B)[e] of the input tiles d of channel c of images
 * x[.][C][H][W] in block k (tile (th, tw) has its top left at (4th - PT, 4tw - PL), 0
 * outside the image); 0 for the tiles t >= rows*n. */
static void rdc_wino_input_block(const real *restrict x, int C, int c, int H, int W, int PT, int PL,
                                 const rdc_wino_blocks *bl, rdc_wino_block k, real *restrict v, long vs, int tn)
{
    const int T = k.rows * k.n;
    /* d[i][j][t]: column 4tw - PL + j of row i of tile t */
    real d[6][6][RDC_NR + RDC_PHASE_SPILL], r[6][6][RDC_NR];
    for (int q = 0; q < k.rows; q++) {
        const int g = (int)((k.tr0 + q) / bl->TH), th = (int)((k.tr0 + q) % bl->TH);
        const real *xc = x + ((long)g * C + c) * H * W;
        const int q0 = 4 * k.tw0 - PL;
        for (int i = 0; i < 6; i++) {
            const int ih = 4 * th - PT + i;
            real *di = &d[i][0][q * k.n];
            if (ih < 0 || ih >= H) {
                for (int j = 0; j < 6; j++) memset(di + j * (RDC_NR + RDC_PHASE_SPILL), 0, sizeof(real) * k.n);
                continue;
            }
            /* The same row RDC_WINO_AHEAD channels on: a block's part of a row is a few cache
             * lines, too short a stream for the hardware prefetcher. */
            if (c + RDC_WINO_AHEAD < C) {
                const real *ahead = xc + (long)RDC_WINO_AHEAD * H * W + (long)ih * W;
                const int w0 = q0 < 0 ? 0 : q0, w1 = q0 + 4 * k.n + 2 < W ? q0 + 4 * k.n + 2 : W;
                for (int w = w0; w < w1; w += 64 / (int)sizeof(real)) __builtin_prefetch(ahead + w);
                __builtin_prefetch(ahead + w1 - 1);
            }
            rdc_phases(xc + (long)ih * W, W, q0, k.n, di, RDC_NR + RDC_PHASE_SPILL, 6);
        }
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            for (int t = T; t < RDC_NR; t++) d[i][j][t] = 0;
    for (int i = 0; i < 6; i++)
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++)
            rdc_wino_bt(d[i][0][t], d[i][1][t], d[i][2][t], d[i][3][t], d[i][4][t], d[i][5][t], &r[i][0][t], RDC_NR);
    if (tn == RDC_NR) {   /* a whole panel: straight into v */
        for (int b = 0; b < 6; b++)
            #pragma omp simd
            for (int t = 0; t < RDC_NR; t++)
                rdc_wino_bt(r[0][b][t], r[1][b][t], r[2][b][t], r[3][b][t], r[4][b][t], r[5][b][t], &v[b * vs + t], 6 * vs);
        return;
    }
    real o[36][RDC_NR];
    for (int b = 0; b < 6; b++)
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++)
            rdc_wino_bt(r[0][b][t], r[1][b][t], r[2][b][t], r[3][b][t], r[4][b][t], r[5][b][t], &o[b][t], 6 * RDC_NR);
    for (int e = 0; e < 36; e++)
        for (int t = 0; t < tn; t++) v[e * vs + t] = o[e][t];
}

/* The output tiles of block k in output channel ko's plane of images y[.][K][OH][OW] (clipped
 * to the image) (=, or += when accumulate) A^T m A of m[e*ms + t], the epilogue
 * applied to those first when ep (a forward does not accumulate, a data gradient has no
 * epilogue). */
static void rdc_wino_output_block(const real *restrict m, long ms, const rdc_wino_blocks *bl, rdc_wino_block k, int K, int ko,
                                  int OH, int OW, real *restrict y, int accumulate, const rdc_epilogue *ep)
{
    const real scale = ep && ep->scale ? ep->scale[ko] : 1, shift = ep && ep->shift ? ep->shift[ko] : 0;
    const int width = OW - 4 * k.tw0 < 4 * k.n ? OW - 4 * k.tw0 : 4 * k.n;
    real s[4][6][RDC_NR], o[4][4][RDC_NR];
    for (int b = 0; b < 6; b++)
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++)
            rdc_wino_at(m[b * ms + t], m[(6 + b) * ms + t], m[(12 + b) * ms + t], m[(18 + b) * ms + t],
                        m[(24 + b) * ms + t], m[(30 + b) * ms + t], &s[0][b][t], 6 * RDC_NR);
    for (int i = 0; i < 4; i++) {
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++) rdc_wino_at(s[i][0][t], s[i][1][t], s[i][2][t], s[i][3][t], s[i][4][t], s[i][5][t], &o[i][0][t], RDC_NR);
        if (ep)
            for (int j = 0; j < 4; j++)
                for (int t = 0; t < RDC_NR; t += RDC_VW) rdc_vstore(&o[i][j][t], rdc_vepilogue(rdc_vload(&o[i][j][t]), scale, shift, ep));
    }
    for (int q = 0; q < k.rows; q++) {
        const int g = (int)((k.tr0 + q) / bl->TH), th = (int)((k.tr0 + q) % bl->TH);
        real *yk = y + ((long)g * K + ko) * OH * OW;
        for (int i = 0; i < 4 && 4 * th + i < OH; i++)
            rdc_unphase4(&o[i][0][q * k.n], RDC_NR, width, yk + (long)(4 * th + i) * OW + 4 * k.tw0, accumulate);
    }
}

/* m[e*ms + t] (t < rows*n) = (A d A^T)[e] of the 4x4 tiles d of block k in the plane of
 * output channel ko of dy[.][K][OH][OW] (0 past it): the adjoint of rdc_wino_output_block's
 * transform. */
static void rdc_wino_output_grad_block(const real *restrict dy, int K, int ko, int OH, int OW, const rdc_wino_blocks *bl,
                                       rdc_wino_block k, real *restrict m, long ms)
{
    const int T = k.rows * k.n;
    real d[4][4][RDC_NR + RDC_PHASE_SPILL], r[4][6][RDC_NR], o[36][RDC_NR];   /* o: a partial panel's */
    for (int q = 0; q < k.rows; q++) {
        const int g = (int)((k.tr0 + q) / bl->TH), th = (int)((k.tr0 + q) % bl->TH);
        const real *dk = dy + ((long)g * K + ko) * OH * OW;
        for (int i = 0; i < 4; i++) {
            const int oh = 4 * th + i;
            if (oh >= OH) {
                for (int j = 0; j < 4; j++) memset(&d[i][j][q * k.n], 0, sizeof(real) * k.n);
                continue;
            }
            rdc_phases(dk + (long)oh * OW, OW, 4 * k.tw0, k.n, &d[i][0][q * k.n], RDC_NR + RDC_PHASE_SPILL, 4);
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int t = T; t < RDC_NR; t++) d[i][j][t] = 0;
    for (int i = 0; i < 4; i++)
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++) rdc_wino_a(d[i][0][t], d[i][1][t], d[i][2][t], d[i][3][t], &r[i][0][t], RDC_NR);
    if (T == RDC_NR) {   /* a whole panel: straight into m */
        for (int b = 0; b < 6; b++)
            #pragma omp simd
            for (int t = 0; t < RDC_NR; t++) rdc_wino_a(r[0][b][t], r[1][b][t], r[2][b][t], r[3][b][t], &m[b * ms + t], 6 * ms);
        return;
    }
    for (int b = 0; b < 6; b++)
        #pragma omp simd
        for (int t = 0; t < RDC_NR; t++) rdc_wino_a(r[0][b][t], r[1][b][t], r[2][b][t], r[3][b][t], &o[b][t], 6 * RDC_NR);
    for (int e = 0; e < 36; e++)
        for (int t = 0; t < T; t++) m[e * ms + t] = o[e][t];
}

/* Transformed filters larger than this (an L3's worth: 32 MB) are read from memory by every
 * block that uses them: rdc_wino_conv_shared then runs each block on all threads. */
#define RDC_WINO_SHARED_BYTES (32L << 20)

/* rdc_wino_conv's blocks where U outgrows L3 (RDC_WINO_SHARED_BYTES; 38 MB at 512 channels):
 * `slots` blocks at a time, every thread on each of them: the input transforms by channels,
 * the 36 products by rows of U (the thread's share of U[e] stays in its L2 across the
 * blocks), the output transforms by channels. So U is read from memory once per `slots`
 * blocks, not once per thread's block (ResNet18's 512-channel forwards and data gradients at
 * 8x8, two blocks: 3-8% faster; its 256-channel ones at 16x16, whose 9 MB U stays in L3
 * between blocks, gained nothing). The same sums in the same order as rdc_wino_conv's. */
static void rdc_wino_conv_shared(const real *restrict x, int C, int H, int W, int K, int OH, int OW, int PT, int PL,
                                 real *restrict y, int accumulate, const rdc_epilogue *ep, int slots, const rdc_wino_blocks *bl,
                                 const real *restrict U, long us, real *restrict blocked)
{
    const long vs = (long)C * RDC_NR + RDC_WINO_PAD, ms = (long)K * RDC_NR + RDC_WINO_PAD;
    for (long b0 = 0; b0 < bl->count; b0 += slots) {
        const int nb = bl->count - b0 < slots ? (int)(bl->count - b0) : slots;
        #pragma omp parallel num_threads(omp_get_max_threads() < slots ? omp_get_max_threads() : slots)
        {
            #pragma omp for collapse(2) schedule(static)
            for (int s = 0; s < nb; s++)
                for (int c = 0; c < C; c++)
                    rdc_wino_input_block(x, C, c, H, W, PT, PL, bl, rdc_wino_block_at(bl, b0 + s), blocked + s * 36 * (vs + ms) + (long)c * RDC_NR,
                                         vs, RDC_NR);
            const int tiles = (K + RDC_MR - 1) / RDC_MR, share = (tiles + omp_get_num_threads() - 1) / omp_get_num_threads();
            const int i0 = omp_get_thread_num() * share * RDC_MR, rows = K - i0 < share * RDC_MR ? K - i0 : share * RDC_MR;
            for (int e = 0; e < 36 && rows > 0; e++)
                for (int s = 0; s < nb; s++) {
                    const rdc_wino_block k = rdc_wino_block_at(bl, b0 + s);
                    real *V = blocked + s * 36 * (vs + ms), *M = V + 36 * vs;
                    const rdc_operand panel = rdc_panel(V + e * vs);
                    rdc_gemm_panel(0, rows, k.rows * k.n, C, U + e * us + (long)i0 * C, C, 1, &panel, M + e * ms + (long)i0 * RDC_NR, RDC_NR, 0,
                                   NULL, NULL);
                }
            #pragma omp barrier
            #pragma omp for collapse(2) schedule(static)
            for (int s = 0; s < nb; s++)
                for (int ko = 0; ko < K; ko++)
                    rdc_wino_output_block(blocked + s * 36 * (vs + ms) + 36 * vs + (long)ko * RDC_NR, ms, bl, rdc_wino_block_at(bl, b0 + s), K, ko,
                                          OH, OW, y, accumulate, ep);
        }
    }
}

/* y[N][K][OH][OW] (=, or += when accumulate) epilogue(the stride-1 3x3 convolution of
 * x[N][C][H][W] with w, padding PT, PL); w is [K][C][3][3], or, flipped, [C][K][3][3] turned by
 * 180 degrees (a data gradient). The tiles go one GEMM panel (RDC_NR tiles) at a time, on at
 * most `threads` threads: each transforms a block's input tiles straight into the 36 packed
 * panels the micro-kernel reads, multiplies, and transforms the products back while all of
 * it is still in its L2; no transformed tile goes to memory. A block is R = RDC_NR / TW whole
 * tile rows (of any images), or one RDC_NR-tile segment of a wider tile row (a U larger than
 * L3: rdc_wino_conv_shared). `scratch`: U (36 x (K*C + RDC_WINO_PAD)), then per thread V and
 * M (36 x (C or K) * RDC_NR + RDC_WINO_PAD each); the compiler sizes it for RDC_NR = 32
 * (WinogradKernels.columns). */
static void rdc_wino_conv(const real *restrict x, const real *restrict w, int flipped, int N, int C, int H, int W,
                          int K, int OH, int OW, int PT, int PL, real *restrict y, int accumulate,
                          const rdc_epilogue *ep, int threads, real *restrict scratch)
{
    const rdc_wino_blocks bl = rdc_wino_blocking(N, OH, OW);
    const long us = (long)K * C + RDC_WINO_PAD, vs = (long)C * RDC_NR + RDC_WINO_PAD, ms = (long)K * RDC_NR + RDC_WINO_PAD;
    real *U = scratch, *blocked = U + 36 * us;
    rdc_wino_filter(w, K, C, flipped, U, us);
    if (36 * us * (long)sizeof(real) > RDC_WINO_SHARED_BYTES) {
        rdc_wino_conv_shared(x, C, H, W, K, OH, OW, PT, PL, y, accumulate, ep, threads, &bl, U, us, blocked);
        return;
    }
    #pragma omp parallel for schedule(static) num_threads(omp_get_max_threads() < threads ? omp_get_max_threads() : threads)
    for (long b = 0; b < bl.count; b++) {
        real *V = blocked + (long)omp_get_thread_num() * 36 * (vs + ms), *M = V + 36 * vs;
        const rdc_wino_block k = rdc_wino_block_at(&bl, b);
        for (int c = 0; c < C; c++) rdc_wino_input_block(x, C, c, H, W, PT, PL, &bl, k, V + (long)c * RDC_NR, vs, RDC_NR);
        for (int e = 0; e < 36; e++) {
            const rdc_operand panel = rdc_panel(V + e * vs);
            rdc_gemm_panel(0, K, k.rows * k.n, C, U + e * us, C, 1, &panel, M + e * ms, RDC_NR, 0, NULL, NULL);
        }
        for (int ko = 0; ko < K; ko++) rdc_wino_output_block(M + (long)ko * RDC_NR, ms, &bl, k, K, ko, OH, OW, y, accumulate, ep);
    }
}

/* The transformed tiles of G images, V[e*vs + c*GT + t] of x and Mg[e*ms + k*GT + t] of dy
 * (t = (g*TH + th)*TW + tw, GT = G*TH*TW): block b's tiles lie at tr0*TW + tw0 on in each
 * channel's row. */
static void rdc_wino_grad_tiles(const real *restrict dy, const real *restrict x, int G, int C, int H, int W, int K, int OH, int OW,
                                int PT, int PL, real *restrict V, long vs, real *restrict Mg, long ms)
{
    const rdc_wino_blocks bl = rdc_wino_blocking(G, OH, OW);
    const long GT = (long)G * bl.TH * bl.TW;
    #pragma omp parallel for collapse(2) schedule(static)
    for (long b = 0; b < bl.count; b++)
        for (int c = 0; c < C + K; c++) {
            const rdc_wino_block k = rdc_wino_block_at(&bl, b);
            const long t0 = k.tr0 * bl.TW + k.tw0;
            if (c < C) rdc_wino_input_block(x, C, c, H, W, PT, PL, &bl, k, V + c * GT + t0, vs, k.rows * k.n);
            else rdc_wino_output_grad_block(dy, K, c - C, OH, OW, &bl, k, Mg + (c - C) * GT + t0, ms);
        }
}

/* dw[K][C][3][3] = the weight gradient of rdc_wino_conv (not flipped) from x and dy, G images
 * at a time: their transformed tiles, and the 36 products' sums dU, in memory. `scratch`: dU,
 * V and Mg (36 x (K*C, C*G*tiles, K*G*tiles), each + RDC_WINO_PAD), then the GEMM packing. */
static void rdc_wino_conv_weight_grad(const real *restrict dy, const real *restrict x, int N, int G, int C, int H, int W,
                                      int K, int OH, int OW, int PT, int PL, real *restrict dw, real *restrict scratch)
{
    const int TH = (OH + 3) / 4, TW = (OW + 3) / 4;
    const long GT = (long)G * TH * TW;
    const long us = (long)K * C + RDC_WINO_PAD, vs = C * GT + RDC_WINO_PAD, ms = K * GT + RDC_WINO_PAD;
    real *dU = scratch, *V = dU + 36 * us, *Mg = V + 36 * vs, *pack = Mg + 36 * ms;
    for (int n = 0; n < N; n += G) {
        rdc_wino_grad_tiles(dy + (long)n * K * OH * OW, x + (long)n * C * H * W, G, C, H, W, K, OH, OW, PT, PL, V, vs, Mg, ms);
        rdc_gemm_batch(36, ms, vs, us, K, C, (int)GT, Mg, GT, 1, rdc_matrix(V, 1, GT), dU, C, n > 0, pack);
    }
    rdc_wino_filter_grad(dU, us, K, C, dw);
}

/* rdc_wino_conv_weight_grad for a batch whose T tiles (all of them) are few: the transformed
 * tiles of every image first, then each thread takes column panels of RDC_NR input channels,
 * packs their 36 panels of V (T x RDC_NR each), and for each tile of RDC_MR output channels
 * runs the 36 products into u, transformed straight into dw: dU (36 x K x C, for a deep layer
 * the largest operand, 38 MB at 512 channels) never goes to memory. Where the panels do not
 * split evenly among the threads (7 of them at 224 channels, 4 against 3 on 2 threads), each
 * panel's output channels are cut into up to 4 slices, each slice a work item that packs the
 * panel again. The sums are those of rdc_wino_conv_weight_grad, in the same order. `scratch`:
 * V and Mg (36 x (C*T, K*T), each + RDC_WINO_PAD), then per thread (at most `threads`) 36
 * packed panels and u. */
static void rdc_wino_conv_weight_grad_few(const real *restrict dy, const real *restrict x, int N, int C, int H, int W,
                                          int K, int OH, int OW, int PT, int PL, real *restrict dw, int threads, real *restrict scratch)
{
    const int TH = (OH + 3) / 4, TW = (OW + 3) / 4, T = N * TH * TW;
    const long vs = (long)C * T + RDC_WINO_PAD, ms = (long)K * T + RDC_WINO_PAD, per = 36L * (T * RDC_NR + RDC_MR * RDC_NR);
    real *V = scratch, *Mg = V + 36 * vs, *own = Mg + 36 * ms;
    rdc_wino_grad_tiles(dy, x, N, C, H, W, K, OH, OW, PT, PL, V, vs, Mg, ms);
    const int team = omp_get_max_threads() < threads ? omp_get_max_threads() : threads, np = (C + RDC_NR - 1) / RDC_NR;
    int slices = 1;
    while (slices < 4 && np * slices % team != 0) slices++;
    if (np * slices % team != 0) slices = 1;
    const int tiles = (K + RDC_MR - 1) / RDC_MR, share = (tiles + slices - 1) / slices;
    #pragma omp parallel for schedule(static) num_threads(team)
    for (int item = 0; item < np * slices; item++) {
        real *panels = own + omp_get_thread_num() * per, *u = panels + 36L * T * RDC_NR;
        const int jp = item / slices, j0 = jp * RDC_NR, nb = C - j0 < RDC_NR ? C - j0 : RDC_NR;
        const int r0 = item % slices * share * RDC_MR, r1 = r0 + share * RDC_MR < K ? r0 + share * RDC_MR : K;   /* its output channels */
        for (int e = 0; e < 36; e++) {
            const rdc_operand vt = rdc_matrix(V + e * vs, 1, T);
            for (int k0 = 0; k0 < T; k0 += RDC_KC)
                rdc_pack_b(&vt, k0, T - k0 < RDC_KC ? T - k0 : RDC_KC, j0, nb, panels + ((long)e * T + k0) * RDC_NR);
        }
        for (int i0 = r0; i0 < r1; i0 += RDC_MR) {
            const int mb = K - i0 < RDC_MR ? K - i0 : RDC_MR;
            for (int e = 0; e < 36; e++) {
                const rdc_operand panel = rdc_panel(panels + (long)e * T * RDC_NR);
                rdc_gemm_panel(0, mb, nb, T, Mg + e * ms + (long)i0 * T, T, 1, &panel, u + e * RDC_MR * RDC_NR, RDC_NR, 0, NULL, NULL);
            }
            for (int i = 0; i < mb; i++)
                rdc_wino_filter_grad_row(u + i * RDC_NR, RDC_MR * RDC_NR, nb, dw + ((long)(i0 + i) * C + j0) * 9);
        }
    }
}
