/* score_png.c: score one PNG with a library rdc compiled, without Swift.
 *
 *   rdc compile rd4ad_lite0 --image-size 64 --batch 8 --out gen/lite0_64
 *   rdc export --generated gen/lite0_64 --checkpoint runs/lite0_64/last.ckpt --out lite0_64.bin
 *   cc -O2 -I gen/lite0_64 examples/score_png.c -o score_png -ldl -lpng
 *   ./score_png gen/lite0_64/liblite0_64.so lite0_64.bin image.png
 *
 * The PNG must already be the model's input size: rdc resizes exactly as PIL does, which
 * this example does not re-implement. Preprocessing is then ToTensor + ImageNet
 * normalization, in float32 and torch's order, as rdc does it (8-bit PNGs without alpha: rdc
 * drops alpha where libpng would blend it). Prints the image score
 * (the maximum of the smoothed anomaly map). Needs a float32 library (the default). */
#include <dlfcn.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rdc_abi.h"

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "score_png: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void *symbol(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (!p) fail("the library lacks", name);
    return p;
}

/* CRC-32 (zip's and PNG's) of the first `length` bytes of f. */
static uint32_t crc32_of(FILE *f, long length) {
    uint32_t table[256], crc = 0xFFFFFFFFu;
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[b] = c;
    }
    rewind(f);
    for (long i = 0; i < length; i++) {
        int byte = fgetc(f);
        if (byte == EOF) return ~crc ^ 1; /* cannot match: the file is shorter */
        crc = table[(crc ^ (uint32_t)byte) & 0xFF] ^ (crc >> 8);
    }
    return ~crc;
}

/* W.bin (rdc export): "RDCWTS2\n", uint32 count, then per tensor uint32 name length, name,
 * uint64 element count, float32 values; tensors in the library's table order; then the
 * CRC-32 of every byte before it ("RDCWTS1\n" files have no checksum). */
static void read_weights(const char *path, rdc_ctx *ctx, rdc_tensor_count_fn count_fn,
                         rdc_tensor_info_at_fn info_at, rdc_tensor_fn tensor) {
    FILE *f = fopen(path, "rb");
    if (!f) fail("cannot open", path);
    char magic[8];
    uint32_t count;
    if (fread(magic, 1, 8, f) != 8 || (memcmp(magic, "RDCWTS2\n", 8) != 0 && memcmp(magic, "RDCWTS1\n", 8) != 0))
        fail("not an rdc weights file", path);
    if (magic[6] == '2') {
        uint32_t stored;
        if (fseek(f, -4, SEEK_END) != 0 || fread(&stored, 4, 1, f) != 1) fail("truncated", path);
        if (crc32_of(f, ftell(f) - 4) != stored) fail("the file is damaged (its CRC-32 does not match)", path);
        if (fseek(f, 8, SEEK_SET) != 0) fail("cannot read", path);
    }
    if (fread(&count, 4, 1, f) != 1) fail("truncated", path);
    uint32_t done = 0;
    for (int32_t i = 0; i < count_fn() && done < count; i++) {
        const rdc_tensor_info *info = info_at(i);
        if (info->kind != RDC_PARAMETER && info->kind != RDC_BUFFER) continue;
        uint32_t length;
        char name[512];
        uint64_t n;
        if (fread(&length, 4, 1, f) != 1 || length >= sizeof name || fread(name, 1, length, f) != length) fail("truncated", path);
        name[length] = 0;
        if (fread(&n, 8, 1, f) != 1) fail("truncated", path);
        if (strcmp(name, info->name) != 0 || (int64_t)n != info->count) fail("weights of another model: found", name);
        if (fread(tensor(ctx, i), 4, n, f) != n) fail("truncated", path);
        done++;
    }
    if (done != count) fail("the weights file and the library disagree on the tensor count", path);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 4) fail("usage: score_png libNAME.so W.bin image.png", NULL);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) fail("cannot load", dlerror());
    if (((rdc_abi_version_fn)symbol(lib, "rdc_abi_version"))() != RDC_ABI_VERSION) fail("ABI version differs", argv[1]);
    if (((rdc_real_size_fn)symbol(lib, "rdc_real_size"))() != 4) fail("needs a float32 library", argv[1]);
    rdc_tensor_find_fn find = (rdc_tensor_find_fn)symbol(lib, "rdc_tensor_find");
    rdc_tensor_info_at_fn info_at = (rdc_tensor_info_at_fn)symbol(lib, "rdc_tensor_info_at");
    rdc_tensor_fn tensor = (rdc_tensor_fn)symbol(lib, "rdc_tensor");
    rdc_ctx *ctx = ((rdc_create_fn)symbol(lib, "rdc_create"))();
    if (!ctx) fail("out of memory", NULL);
    read_weights(argv[2], ctx, (rdc_tensor_count_fn)symbol(lib, "rdc_tensor_count"), info_at, tensor);

    const rdc_tensor_info *input = info_at(find("input"));  /* [N, 3, H, W] */
    int64_t n = input->shape[0], h = input->shape[2], w = input->shape[3];
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, argv[3])) fail(argv[3], image.message);
    if (image.width != w || image.height != h) {
        fprintf(stderr, "score_png: %s is %ux%u; the model takes %ldx%ld (resize it first)\n",
                argv[3], image.width, image.height, (long)w, (long)h);
        return 1;
    }
    image.format = PNG_FORMAT_RGB;  /* gray expands to RGB, as PIL's convert("RGB") */
    unsigned char *rgb = malloc(PNG_IMAGE_SIZE(image));
    float *batch = malloc(sizeof(float) * n * 3 * h * w);
    if (!rgb || !batch || !png_image_finish_read(&image, NULL, rgb, 0, NULL)) fail(argv[3], image.message);
    const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    /* Every slot of the batch gets the image: eval mode treats them independently. */
    for (int64_t b = 0; b < n; b++)
        for (int c = 0; c < 3; c++)
            for (int64_t p = 0; p < h * w; p++)
                batch[((b * 3 + c) * h * w) + p] = ((float)rgb[p * 3 + c] / 255.0f - mean[c]) / std[c];
    int32_t status = ((rdc_set_input_fn)symbol(lib, "rdc_set_input"))(ctx, batch);
    if (status == RDC_OK) status = ((rdc_run_fn)symbol(lib, "rdc_forward_eval"))(ctx);
    if (status != RDC_OK) fail("forward failed", ((rdc_status_message_fn)symbol(lib, "rdc_status_message"))(status));
    printf("%.9g\n", ((float *)tensor(ctx, find("image_scores")))[0]);
    ((rdc_destroy_fn)symbol(lib, "rdc_destroy"))(ctx);
    free(rgb);
    free(batch);
    return 0;
}
