/* rdc_abi.h: the stable C ABI of every library rdc compiles (libNAME.so).
 *
 * Every compiled model exports the same symbols, so one host program can dlopen() any
 * libNAME.so and drive it through these entry points. Model-specific facts (tensor names,
 * shapes, sizes) are discovered at run time through the tensor table.
 *
 * Tensors: every tensor is dense, C-contiguous, of the element type `rdc_real_size()`
 * bytes wide (4: float, the default; 8: double, for gradient checks). Names:
 *   parameters       PyTorch state_dict names ("layer1.0.conv1.weight", "decoder.layer1.0.bn1.bias")
 *   BN statistics    "<bn>.running_mean", "<bn>.running_var" (kind RDC_BUFFER)
 *   gradients        "grad.<parameter>" of every parameter the loss depends on
 *   Adam state       "adam_m.<parameter>", "adam_v.<parameter>"
 *   outputs          the graph's named outputs ("t1", "ocbe", "s1", "loss_flat", "amap_smooth",
 *                    "image_scores", ...); "input" is the image batch [N,3,H,W].
 * Pointers from rdc_tensor() stay valid for the context's lifetime.
 *
 * Calls return 0 on success or an RDC_E_* code; rdc_status_message() describes it.
 */
#ifndef RDC_ABI_H
#define RDC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RDC_ABI_VERSION 2

typedef struct rdc_ctx rdc_ctx;

/* What a named tensor is. */
enum {
    RDC_PARAMETER = 0,  /* learnable weight or bias (trainable or frozen) */
    RDC_BUFFER = 1,     /* BatchNorm running statistics */
    RDC_GRADIENT = 2,   /* gradient of the training loss, written by rdc_backward */
    RDC_ADAM_M = 3,     /* Adam's first moment */
    RDC_ADAM_V = 4,     /* Adam's second moment */
    RDC_OUTPUT = 5,     /* a named graph output, written by the forward entry points */
    RDC_INPUT = 6       /* the image batch */
};

/* Flags of a tensor. */
enum {
    RDC_TRAINABLE = 1   /* a parameter updated by rdc_adam_step */
};

/* Status codes. */
enum {
    RDC_OK = 0,
    RDC_E_NO_TRAIN_FORWARD = 1,  /* rdc_backward without a preceding rdc_forward_train* */
    RDC_E_NO_MEMORY = 2          /* the scratch arena could not be allocated */
};

typedef struct rdc_tensor_info {
    const char *name;
    int32_t kind;      /* RDC_PARAMETER ... RDC_INPUT */
    int32_t flags;     /* RDC_TRAINABLE */
    int32_t rank;      /* 0...4 */
    int64_t shape[4];  /* shape[0..rank-1]; the rest 0 */
    int64_t count;     /* number of elements */
} rdc_tensor_info;

/* Facts about the compiled model; need no context. */
int32_t rdc_abi_version(void);
const char *rdc_model_name(void);
int32_t rdc_real_size(void);
int32_t rdc_tensor_count(void);
/* The table entry of tensor `index` (0 <= index < rdc_tensor_count()), or NULL. */
const rdc_tensor_info *rdc_tensor_info_at(int32_t index);
/* Index of the tensor called `name`, or -1. */
int32_t rdc_tensor_find(const char *name);
const char *rdc_status_message(int32_t status);

/* A context holds one copy of every tensor; all start at zero. NULL when out of memory. */
/* A context: its state (parameters, statistics, gradients, Adam moments, outputs) is
 * allocated here; the scratch arena on the first call that needs it, as large as that call's
 * timeline needs (an inference-only context never holds the training arena). */
rdc_ctx *rdc_create(void);
void rdc_destroy(rdc_ctx *ctx);

/* Pointer to tensor `index`'s elements (read and write), or NULL for a bad index. Asking
 * for a frozen parameter the compiler folded (teacher conv + BatchNorm) marks the fold
 * stale: the next forward refolds. */
void *rdc_tensor(rdc_ctx *ctx, int32_t index);

/* Copies N*3*H*W floats into "input" (converting when the real type is double). */
int32_t rdc_set_input(rdc_ctx *ctx, const float *images);

/* Teacher (eval mode) + trainable parts with BatchNorm batch statistics (running
 * statistics updated) + the losses. Enables rdc_backward. */
int32_t rdc_forward_train(rdc_ctx *ctx);
/* As rdc_forward_train, but from the teacher features already in their output tensors
 * ("t1".."t3"): the teacher does not run. */
int32_t rdc_forward_train_features(rdc_ctx *ctx);
/* Everything with BatchNorm running statistics: losses, anomaly maps, scores. */
int32_t rdc_forward_eval(rdc_ctx *ctx);
int32_t rdc_forward_eval_features(rdc_ctx *ctx);
/* The anomaly maps and scores from the per-scale maps of the last forward. */
int32_t rdc_anomaly_maps(rdc_ctx *ctx);
/* Gradients of the training loss w.r.t. the trainable parameters, after rdc_forward_train*. */
int32_t rdc_backward(rdc_ctx *ctx);
/* One torch.optim.Adam step (bias-corrected, no weight decay) on every trainable parameter
 * that has a gradient. */
int32_t rdc_adam_step(rdc_ctx *ctx, double lr, double beta1, double beta2, double eps);
/* Adam steps taken so far (the bias-correction counter); settable to resume training. */
int64_t rdc_adam_steps(rdc_ctx *ctx);
void rdc_set_adam_steps(rdc_ctx *ctx, int64_t steps);

/* Data-parallel training: the host sums `count` values of `element_size` bytes (8: double,
 * 4: float) in place across its processes (e.g. MPI_Allreduce with MPI_SUM). */
typedef void (*rdc_allreduce_fn)(void *values, int64_t count, int32_t element_size, void *user);
/* Makes this context one of `ranks` processes, each with its share of the global batch:
 * every training BatchNorm's per-channel sums (forward and backward) are summed across them
 * with `sum`, and at the end of rdc_backward so is every gradient, then divided by `ranks`.
 * Every process then holds the global batch's gradients (of the mean of their losses) and
 * the same running statistics. The library stays free of MPI: `sum` is the host's. NULL (the
 * default): one process. Called from the thread that calls the entry points. */
void rdc_set_allreduce(rdc_ctx *ctx, rdc_allreduce_fn sum, void *user, int32_t ranks);

/* Per-kernel profile: every kernel call of the entry points is timed (wall seconds, from
 * the calling thread, OpenMP inside). Counters belong to the library, not to a context.
 * Rows follow manifest.json's kernels[]; families group them: "conv3x3_fwd",
 * "conv3x3_bwd_data", "conv3x3_bwd_weights", "conv1x1_fwd" (_bwd_data, _bwd_weights),
 * other windows alike ("conv7x7_fwd"), "depthwise", "convT2x2", "batchnorm",
 * "elementwise", "other". Index out of range: NULL or 0. */
int32_t rdc_profile_count(void);
const char *rdc_profile_name(int32_t i);
const char *rdc_profile_family(int32_t i);
int64_t rdc_profile_flops(int32_t i);    /* FLOPs of one call */
int64_t rdc_profile_calls(int32_t i);    /* calls since the last reset */
double rdc_profile_seconds(int32_t i);   /* wall seconds of those calls */
void rdc_profile_reset(void);            /* calls and seconds back to 0 */

/* The entry points as function-pointer types, for hosts that dlsym() them. */
typedef int32_t (*rdc_abi_version_fn)(void);
typedef const char *(*rdc_model_name_fn)(void);
typedef int32_t (*rdc_real_size_fn)(void);
typedef int32_t (*rdc_tensor_count_fn)(void);
typedef const rdc_tensor_info *(*rdc_tensor_info_at_fn)(int32_t index);
typedef int32_t (*rdc_tensor_find_fn)(const char *name);
typedef const char *(*rdc_status_message_fn)(int32_t status);
typedef rdc_ctx *(*rdc_create_fn)(void);
typedef void (*rdc_destroy_fn)(rdc_ctx *ctx);
typedef void *(*rdc_tensor_fn)(rdc_ctx *ctx, int32_t index);
typedef int32_t (*rdc_set_input_fn)(rdc_ctx *ctx, const float *images);
typedef int32_t (*rdc_run_fn)(rdc_ctx *ctx);
typedef int32_t (*rdc_adam_step_fn)(rdc_ctx *ctx, double lr, double beta1, double beta2, double eps);
typedef int64_t (*rdc_adam_steps_fn)(rdc_ctx *ctx);
typedef void (*rdc_set_adam_steps_fn)(rdc_ctx *ctx, int64_t steps);
typedef void (*rdc_set_allreduce_fn)(rdc_ctx *ctx, rdc_allreduce_fn sum, void *user, int32_t ranks);

#ifdef __cplusplus
}
#endif

#endif /* RDC_ABI_H */
