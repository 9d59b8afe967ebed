/* rdc_runtime.c: the model-independent part of every generated library, pasted verbatim
 * into NAME.c after the model's tables (real, RDC_* sizes, rdc_tensor_table,
 * rdc_tensor_offset, rdc_tensor_folds, rdc_tensor_by_name) and before its kernels: the
 * kernels' helpers, then the context and the ABI's functions. */

/* First output index o >= 0 whose window start o*s reaches p (the first tap inside the image). */
static inline int rdc_first(int p, int s) { return p <= 0 ? 0 : (p + s - 1) / s; }

/* One past the last output index o < limit with o*s <= q (the last tap inside the image). */
static inline int rdc_end(int q, int s, int limit) {
    if (q < 0) return 0;
    const int e = q / s + 1;
    return e < limit ? e : limit;
}

/* scipy.ndimage 'reflect' boundary (d c b a | a b c d), any distance outside [0, n). */
static inline int rdc_reflect(int i, int n) {
    const int period = 2 * n;
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - 1 - i;
}

/* The per-kernel profile (rdc_abi.h): every call an entry point makes is timed with
 * omp_get_wtime() into counters of this library (entry points run kernels one after
 * another from the calling thread, so plain counters suffice). About 50 ns per call. */
#define RDC_TIMED(row, call) do { \
        const double rdc_t0 = omp_get_wtime(); \
        call; \
        rdc_profile_time[row] += omp_get_wtime() - rdc_t0; \
        rdc_profile_call[row] += 1; \
    } while (0)

/* A kernel's part timed apart (its profile row follows the kernel's): `seconds` of the
 * kernel's wall time move to the part's row. */
static void rdc_profile_part(int row, double seconds)
{
    rdc_profile_time[row - 1] -= seconds;
    rdc_profile_time[row] += seconds;
    rdc_profile_call[row] += 1;
}

/* The context and the ABI: not in the teacher's unit of a float64 teacher (EmitC). */
#ifndef RDC_TEACHER_UNIT

/* The host's reduction across processes (rdc_set_allreduce); sum NULL: one process. */
typedef struct rdc_reducer {
    rdc_allreduce_fn sum;
    void *user;
    int32_t ranks;
} rdc_reducer;

/* The processes sharing the global batch. */
static inline int32_t rdc_ranks(const rdc_reducer *r) { return r->sum ? r->ranks : 1; }

/* Sums `count` values across the processes, in place (nothing with one). Called by one
 * thread, the one that called the entry point (kernels use `#pragma omp master` and a
 * barrier): MPI needs no more than MPI_THREAD_FUNNELED. */
static inline void rdc_reduce(const rdc_reducer *r, void *values, int64_t count, int32_t element_size) {
    if (r->sum) r->sum(values, count, element_size, r->user);
}

struct rdc_ctx {
    unsigned char *state;   /* parameters, statistics, gradients, Adam moments, outputs, folded weights */
    unsigned char *arena;   /* scratch, shared by liveness (see the memory plan in manifest.json) */
    size_t arena_bytes;     /* allocated so far: 0, the eval timeline's or the training timeline's */
    int fold_stale;         /* folded teacher weights must be recomputed before the next forward */
    int train_ready;        /* the arena holds a training forward that rdc_backward may use */
    int64_t adam_steps;
    rdc_reducer reducer;
};

/* Zeroed, page-aligned memory straight from the kernel: its pages cost nothing until touched,
 * so what a context never uses (an inference-only one's gradients and Adam moments) never
 * becomes resident. Huge pages where the kernel has them (transparent_hugepage "madvise"):
 * a training step sweeps hundreds of MB, and with 4 KiB pages the TLB misses (and, where the
 * kernel samples page tables, its flushes) made the Winograd transforms up to 3x slower.
 * NULL when refused. */
static void *rdc_zeroed(size_t bytes) {
    void *p = mmap(NULL, bytes + 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes + 64, MADV_HUGEPAGE);
#endif
    return p;
}

static void rdc_release(void *p, size_t bytes) {
    if (p) munmap(p, bytes + 64);
}

int32_t rdc_abi_version(void) { return RDC_ABI_VERSION; }
const char *rdc_model_name(void) { return RDC_MODEL_NAME; }
int32_t rdc_real_size(void) { return (int32_t)sizeof(real); }
int32_t rdc_tensor_count(void) { return RDC_TENSOR_COUNT; }

const rdc_tensor_info *rdc_tensor_info_at(int32_t index) {
    return index >= 0 && index < RDC_TENSOR_COUNT ? &rdc_tensor_table[index] : NULL;
}

int32_t rdc_tensor_find(const char *name) {
    int lo = 0, hi = RDC_TENSOR_COUNT - 1;
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        const int c = strcmp(rdc_tensor_table[rdc_tensor_by_name[mid]].name, name);
        if (c == 0) return rdc_tensor_by_name[mid];
        if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

const char *rdc_status_message(int32_t status) {
    switch (status) {
    case RDC_OK: return "ok";
    case RDC_E_NO_TRAIN_FORWARD: return "rdc_backward needs a training forward (rdc_forward_train*) right before it";
    case RDC_E_NO_MEMORY: return "out of memory for the scratch arena";
    default: return "unknown status";
    }
}

rdc_ctx *rdc_create(void) {
    rdc_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->state = rdc_zeroed(RDC_STATE_BYTES);
    if (!ctx->state) { rdc_destroy(ctx); return NULL; }
    ctx->fold_stale = 1;
    return ctx;
}

/* Makes the arena at least `bytes` long. Entry points call it first; none of them needs
 * what an earlier call left in the arena except rdc_backward (after rdc_forward_train*,
 * which has already grown it to the training size), so growing drops the old contents. */
static int32_t rdc_arena(rdc_ctx *ctx, size_t bytes) {
    if (ctx->arena_bytes >= bytes) return RDC_OK;
    rdc_release(ctx->arena, ctx->arena_bytes);
    ctx->arena = rdc_zeroed(bytes);
    ctx->arena_bytes = ctx->arena ? bytes : 0;
    return ctx->arena ? RDC_OK : RDC_E_NO_MEMORY;
}

void rdc_destroy(rdc_ctx *ctx) {
    if (!ctx) return;
    rdc_release(ctx->state, RDC_STATE_BYTES);
    rdc_release(ctx->arena, ctx->arena_bytes);
    free(ctx);
}

void *rdc_tensor(rdc_ctx *ctx, int32_t index) {
    if (index < 0 || index >= RDC_TENSOR_COUNT) return NULL;
    if (rdc_tensor_folds[index]) ctx->fold_stale = 1;
    return ctx->state + rdc_tensor_offset[index];
}

int32_t rdc_set_input(rdc_ctx *ctx, const float *images) {
    real *dst = (real *)(ctx->state + rdc_tensor_offset[RDC_INPUT_TENSOR]);
    for (long i = 0; i < rdc_tensor_table[RDC_INPUT_TENSOR].count; i++) dst[i] = (real)images[i];
    return RDC_OK;
}

int64_t rdc_adam_steps(rdc_ctx *ctx) { return ctx->adam_steps; }
void rdc_set_adam_steps(rdc_ctx *ctx, int64_t steps) { ctx->adam_steps = steps; }

/* `count` gradients from g summed across the processes, then divided by their number: the
 * gradient of the mean of their losses, the global batch's (nothing with one process). */
static void rdc_average_gradients(const rdc_reducer *r, real *g, long count) {
    if (!r->sum) return;
    rdc_reduce(r, g, count, (int32_t)sizeof(real));
    const real ranks = (real)r->ranks;
    #pragma omp parallel for simd schedule(static)
    for (long i = 0; i < count; i++) g[i] /= ranks;
}

void rdc_set_allreduce(rdc_ctx *ctx, rdc_allreduce_fn sum, void *user, int32_t ranks) {
    ctx->reducer = (rdc_reducer){.sum = ranks > 1 ? sum : NULL, .user = user, .ranks = ranks > 1 ? ranks : 1};
}

int32_t rdc_profile_count(void) { return RDC_PROFILE_COUNT; }
const char *rdc_profile_name(int32_t i) { return i >= 0 && i < RDC_PROFILE_COUNT ? rdc_profile_names[i] : NULL; }
const char *rdc_profile_family(int32_t i) { return i >= 0 && i < RDC_PROFILE_COUNT ? rdc_profile_families[i] : NULL; }
int64_t rdc_profile_flops(int32_t i) { return i >= 0 && i < RDC_PROFILE_COUNT ? rdc_profile_flop[i] : 0; }
int64_t rdc_profile_calls(int32_t i) { return i >= 0 && i < RDC_PROFILE_COUNT ? rdc_profile_call[i] : 0; }
double rdc_profile_seconds(int32_t i) { return i >= 0 && i < RDC_PROFILE_COUNT ? rdc_profile_time[i] : 0; }
void rdc_profile_reset(void) {
    memset(rdc_profile_call, 0, sizeof rdc_profile_call);
    memset(rdc_profile_time, 0, sizeof rdc_profile_time);
}

#endif /* RDC_TEACHER_UNIT */
