/* rdc_gemm.c: the matrix kernels every dense (transposed) convolution is lowered to, pasted
 * verbatim into NAME.c after rdc_runtime.c. A convolution of G images side by side is
 *   forward      y[CO][G*P]   = w[CO][K] . col[K][G*P]     col = im2col(x) (rdc_window), K = CI*KH*KW, P = OH*OW
 *   data grad    dcol[K][G*P] = w^T . dy[CO][G*P], dx = col2im(dcol)
 *   weight grad  dw[CO][K]   += dy[CO][G*P] . col^T
 * (G = 1 unless P is small: a deep layer's few pixels alone would leave the weights'
 * reuse, and the threads, short of work), and a transposed convolution is the same with
 * the roles of x and y swapped.
 *
 * rdc_gemm packs B into panels of RDC_KC x RDC_NR laid out k-major, so the micro-kernel
 * reads it with unit stride whatever B's own strides (and panel rows no longer alias in L1
 * as rows thousands of floats apart would); a window matrix is packed straight from the
 * image, transposed or not, and never stored. A is read in place through its strides, one
 * broadcast per row and k (packing it as well measured slower here). The micro-kernel
 * keeps an RDC_MR x RDC_NR tile of C in registers: 8 x 32 floats with AVX-512, 6 x 16 with
 * AVX2 (16 vector registers). */
#if defined(__AVX512F__)
#define RDC_VEC_BYTES 64
#define RDC_MR 8
#else
#define RDC_VEC_BYTES 32
#define RDC_MR 6
#endif
#define RDC_NV 2
#define RDC_VW ((int)(RDC_VEC_BYTES / sizeof(real)))
#define RDC_NR (RDC_NV * RDC_VW)
/* Rows of B per pass (a packed panel, RDC_KC x RDC_NR, stays in L1), the panels a thread
 * runs each row tile of A against (rdc_gemm_panels), and the packing scratch the compiler
 * gives every GEMM kernel (DenseConvKernels.packElements): RDC_PANEL_GROUP panels per
 * thread, for up to RDC_GEMM_THREADS threads. */
#define RDC_KC 256
#define RDC_PANEL_GROUP 4
#define RDC_GEMM_PACK (256L * 2048)
#define RDC_GEMM_THREADS ((int)(RDC_GEMM_PACK / (RDC_PANEL_GROUP * RDC_KC * RDC_NR)))

typedef real rdc_vec __attribute__((vector_size(RDC_VEC_BYTES), aligned(sizeof(real))));

/* 8 reals whatever the vector width: the shuffles of packing (transposes, stride-2 gathers). */
typedef real rdc_v8 __attribute__((vector_size(8 * sizeof(real)), aligned(sizeof(real))));

static inline rdc_vec rdc_vload(const real *p) { rdc_vec v; memcpy(&v, p, sizeof v); return v; }
static inline void rdc_vstore(real *p, rdc_vec v) { memcpy(p, &v, sizeof v); }

/* An activation (Activation in Sources/DSL: ReLU, ReLU6, LeakyReLU) of a vector as the scalar
 * form writes it (Activation.apply): below 0 times slope (exactly 0 at slope 0, so that -inf
 * gives 0), above ceiling the ceiling (INFINITY: none). Lanes compared and replaced, so a NaN
 * (every comparison false) passes through, where max and min would turn it into 0; and no
 * branch, where the scalar form may compile to one per lane. */
typedef __typeof__((rdc_vec){0} < (rdc_vec){0}) rdc_mask;
static inline rdc_vec rdc_vselect(rdc_mask m, rdc_vec a, rdc_vec b) { return (rdc_vec)(((rdc_mask)a & m) | ((rdc_mask)b & ~m)); }
static inline rdc_vec rdc_vact(rdc_vec v, real slope, real ceiling)
{
    v = rdc_vselect(v < 0, slope == 0 ? (rdc_vec){0} : v * slope, v);
    return rdc_vselect(v > ceiling, (rdc_vec){0} + ceiling, v);
}

/* What rdc_gemm applies to each finished element of row m (an output channel), while its
 * tile is still in L1: c = act(c * scale[m] + shift[m]), scale NULL meaning 1 and shift NULL
 * 0, the activation rdc_vact(., slope, ceiling) where act is 1. A convolution's bias,
 * eval-mode BatchNorm and activation, without another pass over the output. */
typedef struct rdc_epilogue {
    const real *scale, *shift;
    int act;
    real slope, ceiling;
    int stream;   /* full tiles go out with streaming stores (vector-aligned C; the caller fences) */
} rdc_epilogue;

/* v * scale + shift, then e's activation: one row's epilogue on a vector. */
static inline rdc_vec rdc_vepilogue(rdc_vec v, real scale, real shift, const rdc_epilogue *e)
{
    v = v * scale + shift;
    return e->act ? rdc_vact(v, e->slope, e->ceiling) : v;
}

/* The epilogue of e's rows from i0 on (e not NULL). */
static inline rdc_epilogue rdc_epilogue_from(const rdc_epilogue *e, int i0)
{
    rdc_epilogue rows = *e;
    rows.scale = e->scale ? e->scale + i0 : NULL;
    rows.shift = e->shift ? e->shift + i0 : NULL;
    return rows;
}

/* C[RDC_MR][RDC_NR] tile (ldc) (=, or += when add) sum over k < kc of a[i*am + k*ak] * b[k][j]
 * (b: a packed panel of B), then the epilogue e if any on its first mb rows (rows i0.. of the
 * product), in registers: a pass over the stored tile would load each vector back right
 * after its store. */
static inline void rdc_micro(int kc, const real *restrict a, long am, long ak, const real *restrict b, real *restrict c, long ldc, int add,
                             const rdc_epilogue *e, int i0, int mb)
{
    rdc_vec acc[RDC_MR][RDC_NV];
    for (int i = 0; i < RDC_MR; i++)
        for (int j = 0; j < RDC_NV; j++) acc[i][j] = (rdc_vec){0};
    for (int k = 0; k < kc; k++) {
        rdc_vec bv[RDC_NV];
        for (int j = 0; j < RDC_NV; j++) bv[j] = rdc_vload(b + (long)k * RDC_NR + j * RDC_VW);
        for (int i = 0; i < RDC_MR; i++) {
            const real av = a[i * am + k * ak];
            for (int j = 0; j < RDC_NV; j++) acc[i][j] += av * bv[j];
        }
    }
    for (int i = 0; i < RDC_MR; i++)
        for (int j = 0; j < RDC_NV; j++) {
            real *ci = c + (long)i * ldc + j * RDC_VW;
            rdc_vec v = add ? rdc_vload(ci) + acc[i][j] : acc[i][j];
            if (e && i < mb) v = rdc_vepilogue(v, e->scale ? e->scale[i0 + i] : 1, e->shift ? e->shift[i0 + i] : 0, e);
            if (e && e->stream) __builtin_nontemporal_store(v, (rdc_vec *)ci);
            else rdc_vstore(ci, v);
        }
}

/* The windows of a convolution over G images x[G][C][H][W] (output OH x OW, P = OH*OW
 * pixels each) as a matrix of K = C*KH*KW rows and G*P columns that is never stored:
 * element (k = (c*KH + kh)*KW + kw, q = g*P + oh*OW + ow) is x[g][c][oh*SH-PT+kh][ow*SW-PL+kw],
 * 0 in the padding. rdc_gemm packs its panels straight from x (an implicit im2col). */
typedef struct rdc_window {
    const real *x;
    int C, H, W, KH, KW, SH, SW, PT, PL, OH, OW;   /* KW <= RDC_MAX_KW */
    int phased;   /* stride 2 over rdc_phase_split's planes: x is xp, H x W a plane's size */
} rdc_window;

/* dst[o] = xr[2o] for lo <= o < hi: the even elements of 16 in a row by a shuffle, never
 * reading past xr[2(hi-1)]. Out of line: inlined, it slowed the unit-stride rows' copy. */
__attribute__((noinline)) static void rdc_gather_even(const real *restrict xr, int lo, int hi, real *restrict dst)
{
    int o = lo;
    for (; o + 9 <= hi; o += 8) {
        rdc_v8 a, b;
        memcpy(&a, xr + 2L * o, sizeof a), memcpy(&b, xr + 2L * o + 8, sizeof b);
        const rdc_v8 even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
        memcpy(dst + o, &even, sizeof even);
    }
    for (; o < hi; o++) dst[o] = xr[2L * o];
}

/* The 4 phases of G images x[G][C][H][W] at stride 2: xp[(g*C + c)*4 + ph*2 + pw][HP][WP] =
 * x[g][c][2i + ph][2j + pw] (HP = (H+1)/2, WP = (W+1)/2), 0 past the image. Over them a
 * stride-2 window's rows are unit-stride runs of one plane, copied rather than gathered. */
static void rdc_phase_split(const real *restrict x, int G, int C, int H, int W, real *restrict xp)
{
    const int HP = (H + 1) / 2, WP = (W + 1) / 2;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int c = 0; c < C; c++)
            for (int ph = 0; ph < 2; ph++)
                for (int pw = 0; pw < 2; pw++) {
                    real *dst = xp + (((long)g * C + c) * 4 + ph * 2 + pw) * HP * WP;
                    const int n = (W - pw + 1) / 2;
                    for (int i = 0; i < HP; i++, dst += WP) {
                        const int ih = 2 * i + ph;
                        if (ih >= H) { memset(dst, 0, sizeof(real) * WP); continue; }
                        const real *xr = x + (((long)g * C + c) * H + ih) * W + pw;
                        rdc_gather_even(xr, 0, n, dst);
                        for (int j = n; j < WP; j++) dst[j] = 0;
                    }
                }
}

#define RDC_MAX_KW 16

/* Columns q..q+len of the window matrix cut at output rows: run r covers ow[r]..ow[r]+len[r]
 * of output row oh[r] of image g[r]. Decoded once per panel, reused for every row k; so
 * are the output columns ow0[kw]..ow1[kw] whose tap kw lies inside the image. */
typedef struct rdc_runs {
    int count;
    int g[RDC_KC], oh[RDC_KC], ow[RDC_KC], len[RDC_KC];
    int ow0[RDC_MAX_KW], ow1[RDC_MAX_KW];
} rdc_runs;

static void rdc_window_runs(const rdc_window *v, long q, int len, rdc_runs *r)
{
    const long P = (long)v->OH * v->OW;
    for (int kw = 0; kw < v->KW && kw < RDC_MAX_KW; kw++)
        if (v->phased) {   /* tap kw reads column ow + dw of its plane */
            const int dw = (kw - v->PL) >> 1;
            r->ow0[kw] = dw < 0 ? -dw : 0, r->ow1[kw] = v->W - dw < v->OW ? v->W - dw : v->OW;
        } else {
            r->ow0[kw] = rdc_first(v->PL - kw, v->SW), r->ow1[kw] = rdc_end(v->W - 1 + v->PL - kw, v->SW, v->OW);
        }
    r->count = 0;
    while (len > 0) {
        const long g = q / P;
        const int p = (int)(q - g * P), oh = p / v->OW, ow = p - oh * v->OW, n = v->OW - ow < len ? v->OW - ow : len;
        r->g[r->count] = (int)g, r->oh[r->count] = oh, r->ow[r->count] = ow, r->len[r->count] = n;
        r->count++, q += n, len -= n;
    }
}

/* A row k = (c*KH + kh)*KW + kw of the window matrix, stepped through in order. */
typedef struct rdc_tap { int c, kh, kw; } rdc_tap;

static inline rdc_tap rdc_tap_of(const rdc_window *v, long k)
{
    return (rdc_tap){(int)(k / ((long)v->KW * v->KH)), (int)(k / v->KW % v->KH), (int)(k % v->KW)};
}

static inline void rdc_tap_next(const rdc_window *v, rdc_tap *t)
{
    if (++t->kw == v->KW) { t->kw = 0; if (++t->kh == v->KH) { t->kh = 0; t->c++; } }
}

/* The input row tap t reads for run i of r: output column o of the run reads xr[o * SW]
 * (xr[o] when phased), and the row is ih, outside the image when ih < 0 or ih >= H. Phased:
 * tap (kh, kw) reads plane (kh - PT) & 1, (kw - PL) & 1 at row oh + dh, column ow + dw. */
__attribute__((always_inline)) static inline const real *rdc_window_source(const rdc_window *v, rdc_tap t, const rdc_runs *r, int i, int *ih)
{
    const int a = t.kh - v->PT, b = t.kw - v->PL;
    const long plane = v->phased ? (long)t.c * 4 + (a & 1) * 2 + (b & 1) : t.c;
    *ih = r->oh[i] * (v->phased ? 1 : v->SH) + (v->phased ? a >> 1 : a);
    return v->x + (((long)r->g[i] * v->C * (v->phased ? 4 : 1) + plane) * v->H + *ih) * v->W + (v->phased ? b >> 1 : b);
}

/* dst[i] = the window matrix's row t over the runs of r. Always inlined: as a call (once it
 * had two callers) it slowed the packing of unit-stride windows by a tenth. */
__attribute__((always_inline)) static inline void rdc_window_row(const rdc_window *v, rdc_tap t, const rdc_runs *r, real *restrict dst)
{
    const int ow0 = r->ow0[t.kw], ow1 = r->ow1[t.kw];
    for (int i = 0; i < r->count; i++) {
        int ih;
        const real *xr = rdc_window_source(v, t, r, i, &ih);
        const int ow = r->ow[i], end = ow + r->len[i];
        int lo = ow0 > ow ? ow0 : ow, hi = ow1 < end ? ow1 : end;
        if (ih < 0 || ih >= v->H || lo > hi) lo = hi = ow;
        for (int o = ow; o < lo; o++) dst[o - ow] = 0;
        if (v->SW == 1 || v->phased) for (int o = lo; o < hi; o++) dst[o - ow] = xr[o];
        else if (v->SW == 2) rdc_gather_even(xr, lo, hi, dst - ow);
        else for (int o = lo; o < hi; o++) dst[o - ow] = xr[(long)o * v->SW];
        for (int o = hi; o < end; o++) dst[o - ow] = 0;
        dst += r->len[i];
    }
}

/* Prefetches the lines rdc_window_row(v, t, r) will read: a panel's rows lie a channel (pages)
 * apart, where the hardware's prefetcher does not follow, so rdc_pack_b asks for the row
 * RDC_WINDOW_AHEAD taps on while it copies this one (unphased windows: ResNet18's
 * decoder.layer3 transposed convolutions, forward 6.85 -> 6.65 ms, data gradient 7.31 ->
 * 6.60; the phased stride-2 windows, whose four planes the prefetcher does follow, lost 16%). */
#define RDC_WINDOW_AHEAD 16
static inline void rdc_window_prefetch(const rdc_window *v, rdc_tap t, const rdc_runs *r)
{
    const int step = v->phased ? 1 : v->SW;
    for (int i = 0; i < r->count; i++) {
        int ih;
        const real *xr = rdc_window_source(v, t, r, i, &ih);
        if (ih < 0 || ih >= v->H) continue;
        const real *first = xr + (long)r->ow[i] * step, *last = xr + (long)(r->ow[i] + r->len[i] - 1) * step;
        for (const real *p = first; p < last; p += 64 / sizeof(real)) __builtin_prefetch(p);
        __builtin_prefetch(last);
    }
}

/* The rows kw = 0, 1, 2 of tap (c, kh) of a 3-wide stride-2 window without phases (the
 * windows of a depthwise chain's stem, DepthwiseChainKernels) from one pass over the input
 * row: its evens, its odds, and its evens one on, by shuffles; one call of rdc_gather_even per
 * row had been a fifth of RD4AD-Lite0's stem chain (10.9 -> 9.2 ms). Only where every run
 * lies inside the image for all three taps; returns 0, having written nothing, otherwise. */
static inline int rdc_window_rows3(const rdc_window *v, rdc_tap t, const rdc_runs *r, real *restrict dst)
{
    if (v->SW != 2 || v->phased || v->KW != 3) return 0;
    for (int i = 0; i < r->count; i++) {
        const int ih = r->oh[i] * 2 + t.kh - v->PT, ow = r->ow[i], end = ow + r->len[i];
        if (ih < 0 || ih >= v->H) return 0;
        for (int kw = 0; kw < 3; kw++)
            if (r->ow0[kw] > ow || r->ow1[kw] < end) return 0;
    }
    for (int i = 0; i < r->count; i++) {
        const int ih = r->oh[i] * 2 + t.kh - v->PT, ow = r->ow[i], end = ow + r->len[i];
        const real *xr = v->x + (((long)r->g[i] * v->C + t.c) * v->H + ih) * v->W - v->PL;
        int o = ow;
        for (; o + 8 <= end; o += 8) {
            rdc_v8 a, b;
            memcpy(&a, xr + 2L * o, sizeof a), memcpy(&b, xr + 2L * o + 8, sizeof b);
            const rdc_v8 even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
            const rdc_v8 odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
            const rdc_v8 next = __builtin_shufflevector(even, (rdc_v8){0} + xr[2L * o + 16], 1, 2, 3, 4, 5, 6, 7, 8);
            memcpy(dst + o - ow, &even, sizeof even);
            memcpy(dst + RDC_NR + o - ow, &odd, sizeof odd);
            memcpy(dst + 2 * RDC_NR + o - ow, &next, sizeof next);
        }
        for (; o < end; o++) dst[o - ow] = xr[2L * o], dst[RDC_NR + o - ow] = xr[2L * o + 1], dst[2 * RDC_NR + o - ow] = xr[2L * o + 2];
        dst += r->len[i];
    }
    return 1;
}

/* The B operand of rdc_gemm: element (k, n) is b[k*sk + n*sn], or, with a window, the
 * window matrix's (k, n), or its (n, k) when transposed (a weight gradient's dy . col^T), or,
 * packed, one panel already laid out as rdc_pack_b would (b[k*RDC_NR + n], n < RDC_NR). */
typedef struct rdc_operand {
    const real *b;
    long sk, sn;
    const rdc_window *win;
    int transposed, packed;
} rdc_operand;

static inline rdc_operand rdc_matrix(const real *b, long sk, long sn) { return (rdc_operand){b, sk, sn, NULL, 0, 0}; }
static inline rdc_operand rdc_windows(const rdc_window *w, int transposed) { return (rdc_operand){NULL, 0, 0, w, transposed, 0}; }
static inline rdc_operand rdc_panel(const real *b) { return (rdc_operand){b, RDC_NR, 1, NULL, 0, 1}; }

/* dst[k][RDC_NR] (k < kc) = src[j*sn + k] for the RDC_NR rows j. A weight gradient's B has
 * k (pixels, tiles) contiguous in both operands: its panels are such transposes, done 8 x 8
 * in registers rather than by scalar stores RDC_NR apart. */
static void rdc_transpose_panel(const real *restrict src, long sn, int kc, real *restrict dst)
{
    int k = 0;
    for (; k + 8 <= kc; k += 8)
        for (int j = 0; j < RDC_NR; j += 8) {
            rdc_v8 r[8], t[8], u[8];
            for (int i = 0; i < 8; i++) memcpy(&r[i], src + (long)(j + i) * sn + k, sizeof r[i]);
            for (int i = 0; i < 8; i += 2) {
                t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
                t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
            }
            for (int i = 0; i < 8; i += 4)
                for (int h = 0; h < 2; h++) {
                    u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
                    u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
                }
            /* u[0..3]: rows j..j+3 of columns (k, k+4), (k+1, k+5), (k+2, k+6), (k+3, k+7); u[4..7] rows j+4.. */
            for (int c = 0; c < 4; c++) {
                const rdc_v8 lo = __builtin_shufflevector(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
                const rdc_v8 hi = __builtin_shufflevector(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
                memcpy(dst + (long)(k + c) * RDC_NR + j, &lo, sizeof lo);
                memcpy(dst + (long)(k + c + 4) * RDC_NR + j, &hi, sizeof hi);
            }
        }
    for (; k < kc; k++)
        for (int j = 0; j < RDC_NR; j++) dst[(long)k * RDC_NR + j] = src[(long)j * sn + k];
}

/* A panel of the transposed window matrix (nb of its RDC_NR columns, the rest 0): its rows
 * gathered as rows first, then transposed. Out of line, so that its buffer does not weigh on
 * rdc_pack_b's other paths. */
__attribute__((noinline)) static void rdc_pack_window_transposed(const rdc_window *v, int k0, int kc, int j0, int nb, real *restrict dst)
{
    real rows[RDC_NR * RDC_KC];
    rdc_runs runs;
    rdc_window_runs(v, k0, kc, &runs);
    rdc_tap t = rdc_tap_of(v, j0);
    for (int j = 0; j < nb; j++, rdc_tap_next(v, &t)) rdc_window_row(v, t, &runs, rows + (long)j * kc);
    for (int j = nb; j < RDC_NR; j++) memset(rows + (long)j * kc, 0, sizeof(real) * kc);
    rdc_transpose_panel(rows, kc, kc, dst);
}

#define RDC_TABLE_TAPS 64

/* Whether rdc_pack_window_table packs v's columns below `columns`: output rows shorter than a
 * panel, at most RDC_TABLE_TAPS taps, and offsets that fit an int. */
static inline int rdc_table_packs(const rdc_window *v, long columns)
{
    const long P = (long)v->OH * v->OW, images = (columns + P - 1) / P;
    return v->OW < RDC_NR && !v->phased && v->KH * v->KW <= RDC_TABLE_TAPS && images * v->C * v->H * v->W < (1L << 31);
}

/* A panel of a window matrix whose output rows are shorter than a panel (a deep layer's 8x8
 * or 16x16 pixels), where the runs of rdc_window_row would be a few elements each: first the
 * offset of each of the RDC_NR columns for each tap (its image, row and column; -1 in the
 * padding), then each row k gathers from its channel through its tap's offsets. The rows of
 * a panel lie a channel apart (pages apart), where the hardware's prefetcher does not follow,
 * so the lines of a channel some rows ahead are prefetched: where each image of the panel
 * reads, from its first offset to its last. Out of line, like rdc_pack_window_transposed:
 * inlined, its table slowed the other paths. */
__attribute__((noinline)) static void rdc_pack_window_table(const rdc_window *v, int k0, int kc, int j0, int nb, real *restrict dst)
{
    int off[RDC_TABLE_TAPS][RDC_NR], lo[RDC_NR], hi[RDC_NR], images = 0;
    const long P = (long)v->OH * v->OW, HW = (long)v->H * v->W;
    long g_last = -1;
    for (int j = 0; j < RDC_NR; j++) {
        const long q = j0 + j, g = q / P;
        const int p = (int)(q - g * P), oh = p / v->OW, ow = p - oh * v->OW;
        if (j < nb && g != g_last) lo[images] = 1 << 30, hi[images] = -1, images++, g_last = g;
        for (int kh = 0; kh < v->KH; kh++)
            for (int kw = 0; kw < v->KW; kw++) {
                const int ih = oh * v->SH - v->PT + kh, iw = ow * v->SW - v->PL + kw;
                const int inside = j < nb && ih >= 0 && ih < v->H && iw >= 0 && iw < v->W;
                const int o = inside ? (int)(g * v->C * HW + (long)ih * v->W + iw) : -1;
                off[kh * v->KW + kw][j] = o;
                if (inside) {
                    if (o < lo[images - 1]) lo[images - 1] = o;
                    if (o > hi[images - 1]) hi[images - 1] = o;
                }
            }
    }
    const int taps = v->KH * v->KW, ahead = (24 + taps - 1) / taps;   /* channels: about 24 rows */
    rdc_tap t = rdc_tap_of(v, k0);
    for (int k = 0; k < kc; k++, rdc_tap_next(v, &t)) {
        const real *xc = v->x + (long)t.c * HW;
        if (t.kh == 0 && t.kw == 0 && t.c + ahead < v->C)
            for (int i = 0; i < images; i++)
                for (int o = lo[i]; o <= hi[i] + 15; o += 16) __builtin_prefetch(xc + ahead * HW + o);
        const int *o = off[t.kh * v->KW + t.kw];
        real *d = dst + (long)k * RDC_NR;
        for (int j = 0; j < RDC_NR; j++) d[j] = o[j] >= 0 ? xc[o[j]] : 0;
    }
}

/* Panel dst[k][RDC_NR] of B's rows k0..k0+kc and columns j0..j0+nb, zero past nb. */
static void rdc_pack_b(const rdc_operand *B, int k0, int kc, int j0, int nb, real *restrict dst)
{
    rdc_runs runs;
    if (B->win && B->transposed) {
        rdc_pack_window_transposed(B->win, k0, kc, j0, nb, dst);
    } else if (B->win && !B->transposed && rdc_table_packs(B->win, j0 + nb)) {
        rdc_pack_window_table(B->win, k0, kc, j0, nb, dst);
    } else if (B->win && !B->transposed) {
        rdc_window_runs(B->win, j0, nb, &runs);
        rdc_tap t = rdc_tap_of(B->win, k0), ahead = rdc_tap_of(B->win, k0 + RDC_WINDOW_AHEAD);
        for (int k = 0; k < kc; k++, rdc_tap_next(B->win, &t), rdc_tap_next(B->win, &ahead)) {
            if (!B->win->phased && k + RDC_WINDOW_AHEAD < kc) rdc_window_prefetch(B->win, ahead, &runs);
            if (t.kw == 0 && k + 3 <= kc && nb == RDC_NR && rdc_window_rows3(B->win, t, &runs, dst + (long)k * RDC_NR)) {
                for (int i = 0; i < 2; i++) {
                    rdc_tap_next(B->win, &t), rdc_tap_next(B->win, &ahead);
                    if (k + 1 + i + RDC_WINDOW_AHEAD < kc) rdc_window_prefetch(B->win, ahead, &runs);
                }
                k += 2;
                continue;
            }
            rdc_window_row(B->win, t, &runs, dst + (long)k * RDC_NR);
            for (int j = nb; j < RDC_NR; j++) dst[(long)k * RDC_NR + j] = 0;
        }
    } else if (B->sk == 1 && nb == RDC_NR) {
        rdc_transpose_panel(B->b + (long)j0 * B->sn + k0, B->sn, kc, dst);
    } else if (B->sn == 1 && nb == RDC_NR) {
        /* rows a page or more apart: each prefetched 16 rows ahead (rdc_pack_window_table) */
        const real *src = B->b + (long)k0 * B->sk + j0;
        for (int k = 0; k < kc; k++) {
            if (k + 16 < kc) __builtin_prefetch(src + (k + 16) * B->sk), __builtin_prefetch(src + (k + 16) * B->sk + RDC_NR - 1);
            for (int j = 0; j < RDC_NR; j++) dst[k * RDC_NR + j] = src[(long)k * B->sk + j];
        }
    } else {
        const real *src = B->b + (long)k0 * B->sk + (long)j0 * B->sn;
        for (int j = 0; j < RDC_NR; j++)
            for (int k = 0; k < kc; k++) dst[k * RDC_NR + j] = j < nb ? src[(long)k * B->sk + (long)j * B->sn] : 0;
    }
}


/* Column panels jp0..jp0+pg-1 (columns jp0*RDC_NR..) of C[M][N] (=, or += when accumulate)
 * sum over k < K of A[m*am + k*ak] * B(k, n), then the epilogue e if any (C row-major, ldc),
 * with `b` (pg RDC_KC x RDC_NR panels) to pack into unless B is packed (its one panel, jp0 = 0,
 * pg = 1). For each block of RDC_KC rows of B it packs the pg panels and runs every row tile
 * of A against each of them in turn, so A (the weights, up to 14 MB, read from L3 or memory)
 * is read once per pg panels, its tile in L1 for the others (bn_layer.0.conv1's three passes
 * 4% faster with pg = 4), and C's panels (M x pg*RDC_NR) stay in L2 across the blocks. Each
 * element sums k in a fixed order. */
static void rdc_gemm_panels(int jp0, int pg, int M, int N, int K, const real *restrict A, long am, long ak, const rdc_operand *B,
                            real *restrict C, long ldc, int accumulate, const rdc_epilogue *e, real *restrict b)
{
    const int mp = (M + RDC_MR - 1) / RDC_MR;
    for (int k0 = 0; k0 < K; k0 += RDC_KC) {
        const int kc = K - k0 < RDC_KC ? K - k0 : RDC_KC, add = accumulate || k0 > 0;
        if (!B->packed)
            for (int p = 0; p < pg; p++) {
                const int j0 = (jp0 + p) * RDC_NR;
                rdc_pack_b(B, k0, kc, j0, N - j0 < RDC_NR ? N - j0 : RDC_NR, b + (long)p * RDC_KC * RDC_NR);
            }
        for (int ip = 0; ip < mp; ip++) {
            const int i0 = ip * RDC_MR, mb = M - i0 < RDC_MR ? M - i0 : RDC_MR;
            const real *a = A + (long)i0 * am + (long)k0 * ak;
            const rdc_epilogue *last = k0 + kc == K ? e : NULL;
            for (int p = 0; p < pg; p++) {
                const int j0 = (jp0 + p) * RDC_NR, nb = N - j0 < RDC_NR ? N - j0 : RDC_NR;
                const real *panel = B->packed ? B->b + (long)k0 * RDC_NR : b + (long)p * RDC_KC * RDC_NR;
                real *c = C + (long)i0 * ldc + j0;
                if (mb == RDC_MR && nb == RDC_NR) {
                    rdc_micro(kc, a, am, ak, panel, c, ldc, add, last, i0, RDC_MR);
                } else {
                    /* An edge tile: through a full tile on the stack, rows past M read as 0. */
                    real ta[RDC_KC * RDC_MR], t[RDC_MR * RDC_NR];
                    for (int k = 0; k < kc; k++)
                        for (int i = 0; i < RDC_MR; i++) ta[k * RDC_MR + i] = i < mb ? a[i * am + k * ak] : 0;
                    for (int i = 0; i < RDC_MR; i++)
                        for (int j = 0; j < RDC_NR; j++) t[i * RDC_NR + j] = add && i < mb && j < nb ? c[i * ldc + j] : 0;
                    rdc_epilogue held = last ? *last : (rdc_epilogue){0};
                    held.stream = 0;
                    rdc_micro(kc, ta, 1, RDC_MR, panel, t, RDC_NR, add, last ? &held : NULL, i0, mb);
                    for (int i = 0; i < mb; i++)
                        for (int j = 0; j < nb; j++) c[i * ldc + j] = t[i * RDC_NR + j];
                }
            }
        }
    }
}

/* rdc_gemm_panels of the one panel jp. */
static void rdc_gemm_panel(int jp, int M, int N, int K, const real *restrict A, long am, long ak, const rdc_operand *B,
                           real *restrict C, long ldc, int accumulate, const rdc_epilogue *e, real *restrict b)
{
    rdc_gemm_panels(jp, 1, M, N, K, A, am, ak, B, C, ldc, accumulate, e, b);
}

static inline int rdc_gemm_threads(void)
{
    return omp_get_max_threads() < RDC_GEMM_THREADS ? omp_get_max_threads() : RDC_GEMM_THREADS;
}

/* rdc_gemm of one block of K (K <= RDC_KC) by rows: the panels of a chunk of B's columns are
 * packed first (all threads), then each thread sweeps its row tiles across them. Where K is
 * small (a 1x1 expansion: 16 -> 96 channels) the product is bound by C's writes; by panels,
 * each thread would write all M rows 32 columns at a time (96 streams pages apart), by rows
 * 8 of them, sequentially: RD4AD-Lite0's 16 -> 96 expansion at 128x128 went from 11.6 to
 * 7.9 ms, its 24- and 40-channel ones by a fifth, its 32 -> 16 projection (a row tile for
 * each thread) 6.1 -> 4.7. Sums are in the same order either way. `pack`: packSize elements,
 * the chunk's panels. */
static void rdc_gemm_rows(int M, int N, int K, const real *restrict A, long am, long ak, const rdc_operand *B,
                          real *restrict C, long ldc, int accumulate, const rdc_epilogue *e, real *restrict pack, long packSize, int threads)
{
    const int np = (N + RDC_NR - 1) / RDC_NR, mp = (M + RDC_MR - 1) / RDC_MR, chunk = (int)(packSize / ((long)K * RDC_NR));
    #pragma omp parallel num_threads(threads)
    for (int p0 = 0; p0 < np; p0 += chunk) {
        const int pc = np - p0 < chunk ? np - p0 : chunk;
        #pragma omp for schedule(static)
        for (int p = 0; p < pc; p++) {
            const int j0 = (p0 + p) * RDC_NR;
            rdc_pack_b(B, 0, K, j0, N - j0 < RDC_NR ? N - j0 : RDC_NR, pack + (long)p * K * RDC_NR);
        }
        #pragma omp for schedule(static)
        for (int ip = 0; ip < mp; ip++) {
            const int i0 = ip * RDC_MR;
            const rdc_epilogue part = e ? rdc_epilogue_from(e, i0) : (rdc_epilogue){NULL, NULL, 0};
            for (int p = 0; p < pc; p++) {
                const int j0 = (p0 + p) * RDC_NR;
                const rdc_operand panel = rdc_panel(pack + (long)p * K * RDC_NR);
                rdc_gemm_panel(0, M - i0 < RDC_MR ? M - i0 : RDC_MR, N - j0 < RDC_NR ? N - j0 : RDC_NR, K, A + (long)i0 * am, am, ak,
                               &panel, C + (long)i0 * ldc + j0, ldc, accumulate, e ? &part : NULL, NULL);
            }
        }
    }
}

/* C[M][N] (=, or += when accumulate) A . B, then the epilogue e if any (rdc_gemm_panels).
 * `pack` is RDC_GEMM_PACK elements of scratch: RDC_PANEL_GROUP panel buffers per thread. Each
 * thread owns an equal share of whole column panels of C, taken in runs of up to
 * RDC_PANEL_GROUP panels (18 panels on 2 threads: 3 runs of 3 each; cutting all of them into
 * runs of 4 left one thread 3 runs and the other 2: 31% slower; 36 into 9 runs of 4, 5
 * against 4: 8%). Where the panels are fewer than the threads (a one-image product of a deep
 * layer: 4x4 pixels are half a panel), the rows are split among the threads too, each
 * packing the panel it needs. Each element sums k in a fixed order: the result does not
 * depend on the thread count. */
static void rdc_gemm(int M, int N, int K, const real *restrict A, long am, long ak, rdc_operand B,
                     real *restrict C, long ldc, int accumulate, const rdc_epilogue *e, real *restrict pack)
{
    const int np = (N + RDC_NR - 1) / RDC_NR, threads = rdc_gemm_threads(), mp = (M + RDC_MR - 1) / RDC_MR;
    if (K <= 64 && !B.packed && (mp >= 4 * threads || mp % threads == 0) && np >= 4 * threads) {   /* bound by C's writes */
        rdc_gemm_rows(M, N, K, A, am, ak, &B, C, ldc, accumulate, e, pack, RDC_GEMM_PACK, threads);
        return;
    }
    /* Row slices per panel: enough for every thread, each at least 4 row tiles. */
    int slices = np >= threads ? 1 : (threads + np - 1) / np;
    if (slices > mp / 4) slices = mp / 4 > 1 ? mp / 4 : 1;
    const int tiles = (mp + slices - 1) / slices;
    /* Share s's panels are s*per.. (one share per thread; one per panel where the rows are
     * split), in `runs` runs of up to pg each: the static schedule hands every thread the
     * same number of (run, slice) iterations. */
    const int shares = slices > 1 ? np : threads, per = (np + shares - 1) / shares;
    const int runs = (per + RDC_PANEL_GROUP - 1) / RDC_PANEL_GROUP, pg = (per + runs - 1) / runs;
    #pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
    for (int it = 0; it < shares * runs; it++)
        for (int sl = 0; sl < slices; sl++) {
            const int share = it / runs, jp0 = share * per + it % runs * pg, end = (share + 1) * per < np ? (share + 1) * per : np;
            const int n = end - jp0 < pg ? end - jp0 : pg;
            const int i0 = sl * tiles * RDC_MR, rows = M - i0 < tiles * RDC_MR ? M - i0 : tiles * RDC_MR;
            if (rows <= 0 || n <= 0) continue;
            const rdc_epilogue part = e ? rdc_epilogue_from(e, i0) : (rdc_epilogue){NULL, NULL, 0};
            rdc_gemm_panels(jp0, n, rows, N, K, A + (long)i0 * am, am, ak, &B, C + (long)i0 * ldc, ldc, accumulate, e ? &part : NULL,
                           pack + (long)omp_get_thread_num() * RDC_PANEL_GROUP * RDC_KC * RDC_NR);
        }
}

/* Scratch of rdc_gemm_own: one thread's panels (RDC_PANEL_GROUP of RDC_KC x RDC_NR). */
#define RDC_GEMM_OWN ((long)RDC_PANEL_GROUP * RDC_KC * RDC_NR)

/* rdc_gemm on the calling thread alone, for kernels whose threads split the images (each
 * runs its images' products whole, so it reads the images it wrote: split by columns, half
 * of every image crossed between the cores, 1.5-1.9x slower where they sit on different L3s).
 * `pack`: RDC_GEMM_OWN elements. The same sums in the same order as rdc_gemm's. */
static void rdc_gemm_own(int M, int N, int K, const real *restrict A, long am, long ak, rdc_operand B,
                         real *restrict C, long ldc, int accumulate, const rdc_epilogue *e, real *restrict pack)
{
    const int np = (N + RDC_NR - 1) / RDC_NR;
    if (K <= 64 && !B.packed && np >= 4) {   /* bound by C's writes, as in rdc_gemm */
        rdc_gemm_rows(M, N, K, A, am, ak, &B, C, ldc, accumulate, e, pack, RDC_GEMM_OWN, 1);
        return;
    }
    for (int jp = 0; jp < np; jp += RDC_PANEL_GROUP)
        rdc_gemm_panels(jp, np - jp < RDC_PANEL_GROUP ? np - jp : RDC_PANEL_GROUP, M, N, K, A, am, ak, &B, C, ldc, accumulate, e, pack);
}

/* out[i] = copies[i] + copies[size + i] + ... over `n` copies, added in order: the copies of
 * a weight gradient that threads splitting the images wrote apart (one per group of images).
 * Work-shared: called by every thread of a parallel region. */
static void rdc_sum_copies(const real *restrict copies, int n, long size, real *restrict out)
{
    #pragma omp for schedule(static)
    for (long i = 0; i < size; i++) {
        real s = copies[i];
        for (int k = 1; k < n; k++) s += copies[k * size + i];
        out[i] = s;
    }
}

/* `count` independent products of the same sizes, C + i*sc (=|+=) (A + i*sa) . B_i, B_i the
 * matrix B with its base moved by i*sb, the threads spread over products and column panels
 * together (Winograd's 36 products, each too narrow to keep the threads busy alone). */
static void rdc_gemm_batch(int count, long sa, long sb, long sc, int M, int N, int K, const real *restrict A, long am, long ak,
                           rdc_operand B, real *restrict C, long ldc, int accumulate, real *restrict pack)
{
    const int np = (N + RDC_NR - 1) / RDC_NR;
    #pragma omp parallel for collapse(2) schedule(static) num_threads(rdc_gemm_threads())
    for (int i = 0; i < count; i++)
        for (int jp = 0; jp < np; jp++) {
            rdc_operand Bi = B;
            Bi.b += i * sb;
            rdc_gemm_panel(jp, M, N, K, A + i * sa, am, ak, &Bi, C + i * sc, ldc, accumulate, NULL,
                           pack + (long)omp_get_thread_num() * RDC_KC * RDC_NR);
        }
}

/* The adjoint of the window matrix of one image (rdc_window, G = 1) stored at col[k*ks + p]:
 * every element is added back into image x[C][H][W], which is zeroed first unless
 * accumulate. Each thread owns channels. */
static void rdc_col2im(const real *restrict col, long ks, int C, int H, int W, int KH, int KW, int SH, int SW,
                       int PT, int PL, int OH, int OW, real *restrict x, int accumulate)
{
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        real *xc = x + (long)c * H * W;
        if (!accumulate) memset(xc, 0, sizeof(real) * H * W);
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                const real *src = col + (((long)c * KH + kh) * KW + kw) * ks;
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

/* rdc_col2im for windows that do not overlap (kernel = stride, no padding: the transposed
 * convolutions of a decoder): each pixel of y[C][H*KH][W*KW] takes exactly one element of
 * the window matrix col[k*ks + i*W + j], k = (c*KH + kh)*KW + kw, so y is written once,
 * row by row, neither zeroed first nor added to. */
static void rdc_unfold_disjoint(const real *restrict col, long ks, int C, int H, int W, int KH, int KW, real *restrict y)
{
    #pragma omp parallel for collapse(2) schedule(static)
    for (int c = 0; c < C; c++)
        for (int i = 0; i < H; i++)
            for (int kh = 0; kh < KH; kh++) {
                real *yr = y + ((long)c * H * KH + (long)i * KH + kh) * W * KW;
                const real *src = col + (long)(c * KH + kh) * KW * ks + (long)i * W;
                if (KW == 2) {   /* the decoders' 2x2: two source rows interleaved, by shuffles */
                    const real *s0 = src, *s1 = src + ks;
                    for (int j = 0; j < W; j++) yr[2 * j] = s0[j], yr[2 * j + 1] = s1[j];
                } else {
                    for (int j = 0; j < W; j++)
                        for (int kw = 0; kw < KW; kw++) yr[j * KW + kw] = src[kw * ks + j];
                }
            }
}

/* G images t[G][C][P] as the rows of one matrix r[C][G*P]: the layout of a GEMM over G
 * images side by side. */
static void rdc_to_rows(const real *restrict t, real *restrict r, int G, int C, long P)
{
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int c = 0; c < C; c++) memcpy(r + ((long)c * G + g) * P, t + ((long)g * C + c) * P, sizeof(real) * P);
}

/* The inverse of rdc_to_rows: t (=, or += when accumulate) the images of r. */
static void rdc_from_rows(const real *restrict r, real *restrict t, int G, int C, long P, int accumulate)
{
    #pragma omp parallel for collapse(2) schedule(static)
    for (int g = 0; g < G; g++)
        for (int c = 0; c < C; c++) {
            real *tp = t + ((long)g * C + c) * P;
            const real *rp = r + ((long)c * G + g) * P;
            if (accumulate) for (long i = 0; i < P; i++) tp[i] += rp[i];
            else memcpy(tp, rp, sizeof(real) * P);
        }
}
