/*
 * pairec_native: a read-only file mapped into an ArrayBuffer, and the IVF scan kernel
 * over rows in any Float32Array (such a mapping included).
 *
 * Why native code: serving processes share one copy of a cache file only through the
 * page cache, which needs mmap; Node has no mmap, and the npm binding for it (mmap-io
 * 1.1.7) no longer compiles on Node 20. A mapping lies outside WebAssembly memory, so
 * the IVF scan over it needs a kernel outside WebAssembly too: `dots` is the same
 * arithmetic as kernels.wat's (4 accumulators of 4 lanes, the same order of additions,
 * no fused multiply-add), so both give bit-identical scores.
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef float f4 __attribute__((vector_size(16)));

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

/*
 * mapFile(path): the file's bytes as an ArrayBuffer over a private mapping. Pages are the
 * page cache's, shared by every process that maps the file, until one writes a page (it
 * then gets its own copy: a stray write never reaches the file or another process).
 * Callers only map files that are replaced by rename, never rewritten in place: a file
 * truncated under a mapping would fault its readers.
 */
static napi_value map_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, "ERR_INVALID_ARG", "mapFile(path)");
  char path[4096];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) return fail(env, "ERR_INVALID_ARG", "mapFile: the path must be a string");
  if (len >= sizeof path - 1) return fail(env, "ERR_INVALID_ARG", "mapFile: the path is too long");
  char message[4200];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(message, sizeof message, "%s: %s", path, strerror(errno));
    return fail(env, "ERR_MAP_FILE", message);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int statErrno = errno;
    close(fd);
    snprintf(message, sizeof message, "%s: %s", path, strerror(statErrno));
    return fail(env, "ERR_MAP_FILE", message);
  }
  size_t size = (size_t)st.st_size;
  napi_value buffer;
  if (size == 0) { /* mmap refuses a length of 0: an empty file is an empty buffer */
    close(fd);
    napi_create_arraybuffer(env, 0, NULL, &buffer);
    return buffer;
  }
  void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  close(fd);
  if (data == MAP_FAILED) {
    snprintf(message, sizeof message, "%s: mmap: %s", path, strerror(mapErrno));
    return fail(env, "ERR_MAP_FILE", message);
  }
  if (napi_create_external_arraybuffer(env, data, size, unmap, (void *)(uintptr_t)size, &buffer) != napi_ok) {
    munmap(data, size);
    return fail(env, "ERR_MAP_FILE", "mapFile: the runtime refused an external ArrayBuffer");
  }
  return buffer;
}

/* A Float32Array argument: its data and length, or 0 with an exception pending. */
static int f32_arg(napi_env env, napi_value value, float **data, size_t *length, const char *name) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, value, &type, length, (void **)data, &ab, &offset) != napi_ok || type != napi_float32_array) {
    char message[128];
    snprintf(message, sizeof message, "dots: %s must be a Float32Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG", message);
    return 0;
  }
  return 1;
}

static int u32_arg(napi_env env, napi_value value, uint32_t *out, const char *name) {
  if (napi_get_value_uint32(env, value, out) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "dots: %s must be a non-negative integer", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG", message);
    return 0;
  }
  return 1;
}

/*
 * dots(rows, rowAt, n, stride, q, out, outAt, w, wAt, mode): out[outAt + i] = the score of
 * the i-th of n rows starting at float rowAt (stride floats apart, stride a multiple of
 * 16) against q (stride floats, zero-padded like the rows); mode 0 the dot product, 1 dot
 * × w[wAt + i], 2 2·dot − w[wAt + i]. Every range is checked against its array first.
 */
static napi_value dots(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 10) return fail(env, "ERR_INVALID_ARG", "dots: 10 arguments");
  float *rows, *q, *out, *w;
  size_t rowsLen, qLen, outLen, wLen;
  uint32_t rowAt, n, stride, outAt, wAt, mode;
  if (!f32_arg(env, argv[0], &rows, &rowsLen, "rows") || !u32_arg(env, argv[1], &rowAt, "rowAt") || !u32_arg(env, argv[2], &n, "n") ||
      !u32_arg(env, argv[3], &stride, "stride") || !f32_arg(env, argv[4], &q, &qLen, "q") || !f32_arg(env, argv[5], &out, &outLen, "out") ||
      !u32_arg(env, argv[6], &outAt, "outAt") || !f32_arg(env, argv[7], &w, &wLen, "w") || !u32_arg(env, argv[8], &wAt, "wAt") ||
      !u32_arg(env, argv[9], &mode, "mode"))
    return NULL;
  if (stride == 0 || stride % 16 != 0 || qLen < stride) return fail(env, "ERR_OUT_OF_RANGE", "dots: stride must be a positive multiple of 16 within q");
  if ((uint64_t)rowAt + (uint64_t)n * stride > rowsLen) return fail(env, "ERR_OUT_OF_RANGE", "dots: the rows run past their array");
  if ((uint64_t)outAt + n > outLen) return fail(env, "ERR_OUT_OF_RANGE", "dots: the scores run past their array");
  if (mode > 2) return fail(env, "ERR_OUT_OF_RANGE", "dots: mode is 0, 1 or 2");
  if (mode != 0 && (uint64_t)wAt + n > wLen) return fail(env, "ERR_OUT_OF_RANGE", "dots: the weights run past their array");
  const float *r = rows + rowAt;
  for (uint32_t i = 0; i < n; i++, r += stride) {
    f4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
    for (uint32_t j = 0; j < stride; j += 16) {
      f4 x0, x1, x2, x3, y0, y1, y2, y3;
      memcpy(&x0, r + j, 16);
      memcpy(&x1, r + j + 4, 16);
      memcpy(&x2, r + j + 8, 16);
      memcpy(&x3, r + j + 12, 16);
      memcpy(&y0, q + j, 16);
      memcpy(&y1, q + j + 4, 16);
      memcpy(&y2, q + j + 8, 16);
      memcpy(&y3, q + j + 12, 16);
      a0 = a0 + x0 * y0;
      a1 = a1 + x1 * y1;
      a2 = a2 + x2 * y2;
      a3 = a3 + x3 * y3;
    }
    f4 s = (a0 + a1) + (a2 + a3);
    float dot = (s[0] + s[1]) + (s[2] + s[3]);
    if (mode == 1) dot = dot * w[wAt + i];
    else if (mode == 2) dot = (dot + dot) - w[wAt + i];
    out[outAt + i] = dot;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "mapFile", NAPI_AUTO_LENGTH, map_file, NULL, &fn);
  napi_set_named_property(env, exports, "mapFile", fn);
  napi_create_function(env, "dots", NAPI_AUTO_LENGTH, dots, NULL, &fn);
  napi_set_named_property(env, exports, "dots", fn);
  return exports;
}
