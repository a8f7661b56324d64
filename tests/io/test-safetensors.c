/* safetensors: writer -> reader round trip, F16/BF16 conversion, and a corpus
 * of malformed files (generated here) that must all be rejected. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "safetensors.h"

static int failures;
static char *tmpdir;

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s ", ok ? "ok  " : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (!ok) failures++;
}

static char *tmp_path(const char *name) { return g_build_filename(tmpdir, name, NULL); }

/* Writes 8-byte LE header length (hlen, normally strlen(header)), the header
 * text and len data bytes. */
static void write_st(const char *path, uint64_t hlen, const char *header, const void *data,
                     size_t len) {
  GByteArray *b = g_byte_array_new();
  unsigned char le[8];
  for (int i = 0; i < 8; i++) le[i] = (unsigned char)(hlen >> (8 * i));
  g_byte_array_append(b, le, 8);
  g_byte_array_append(b, (const guint8 *)header, (guint)strlen(header));
  if (len) g_byte_array_append(b, data, (guint)len);
  g_file_set_contents(path, (const char *)b->data, (gssize)b->len, NULL);
  g_byte_array_free(b, TRUE);
}

static void put_f32(unsigned char *p, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(u >> (8 * i));
}

/* ---- round trip ------------------------------------------------------- */

static void test_roundtrip(void) {
  const float w[6] = {1.5f, -2.25f, 3.0e-7f, 1e30f, -0.0f, 42.0f};
  const float bias[3] = {0.1f, 0.2f, 0.3f};
  const float scalar = 7.0f;
  const int64_t sw[2] = {2, 3}, sb[1] = {3}, se[2] = {0, 4};
  const char *note = "quote \" backslash \\ newline \n unicode \xc3\xbc";
  nets_error err = {0};
  nets_st_writer *wr = nets_st_writer_new();
  int rc = nets_st_writer_add(wr, "conv.weight", w, 2, sw, &err);
  rc |= nets_st_writer_add(wr, "conv.bias", bias, 1, sb, &err);
  rc |= nets_st_writer_add(wr, "scale", &scalar, 0, NULL, &err);
  rc |= nets_st_writer_add(wr, "empty", NULL, 2, se, &err);
  rc |= nets_st_writer_meta(wr, "arch", "unet-small", &err);
  rc |= nets_st_writer_meta(wr, "note", "replaced below", &err);
  rc |= nets_st_writer_meta(wr, "note", note, &err);
  check(rc == 0, "writer accepts 4 tensors and 2 metadata keys%s", err.msg);
  check(nets_st_writer_add(wr, "scale", &scalar, 0, NULL, &err) == NETS_ERR_ARG,
        "writer rejects a duplicate name: %s", err.msg);
  const float nan_v[1] = {NAN};
  check(nets_st_writer_add(wr, "nan", nan_v, 1, sb, &err) == NETS_ERR_ARG,
        "writer rejects a NaN value: %s", err.msg);
  check(nets_st_writer_add(wr, "__metadata__", w, 1, sb, &err) == NETS_ERR_ARG,
        "writer rejects the name __metadata__");

  char *path = tmp_path("model.safetensors");
  rc = nets_st_writer_save(wr, path, &err);
  nets_st_writer_free(wr);
  check(rc == 0, "writer saves%s%s", rc ? ": " : "", rc ? err.msg : "");

  char *tmp = g_strconcat(path, ".tmp", NULL);
  check(!g_file_test(tmp, G_FILE_TEST_EXISTS), "no .tmp file left behind");
  g_free(tmp);

  gchar *raw = NULL;
  gsize raw_len = 0;
  g_file_get_contents(path, &raw, &raw_len, NULL);
  uint64_t hlen = 0;
  for (int i = 7; raw && raw_len >= 8 && i >= 0; i--) hlen = (hlen << 8) | (unsigned char)raw[i];
  check(raw && hlen % 8 == 0 && 8 + hlen <= raw_len && raw[8] == '{',
        "header length %llu is a multiple of 8", (unsigned long long)hlen);
  if (raw && hlen % 8 == 0 && 8 + hlen <= raw_len) {
    char *h = g_strndup(raw + 8, hlen);
    char *a = strstr(h, "\"conv.bias\""), *b = strstr(h, "\"conv.weight\""),
         *e = strstr(h, "\"empty\""), *s = strstr(h, "\"scale\""), *m = strstr(h, "\"__metadata__\"");
    check(a && b && e && s && a < b && b < e && e < s, "tensors are written sorted by name");
    check(m != NULL, "header includes __metadata__");
    check(strstr(h, "\"conv.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}") != NULL,
          "first tensor by name starts at offset 0");
    check(raw_len == 8 + hlen + 4 * (6 + 3 + 1), "data section holds exactly the F32 values");
    g_free(h);
  }
  g_free(raw);

  nets_st_file *f = nets_st_load(path, &err);
  check(f != NULL, "reader loads the file%s%s", f ? "" : ": ", f ? "" : err.msg);
  if (f) {
    const nets_st_tensor *t = nets_st_find(f, "conv.weight");
    int ok = t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
             memcmp(t->data, w, sizeof w) == 0;
    check(ok, "conv.weight: shape [2,3] and values exact (incl. -0 and 1e30)");
    t = nets_st_find(f, "conv.bias");
    check(t && t->ndim == 1 && t->shape[0] == 3 && memcmp(t->data, bias, sizeof bias) == 0,
          "conv.bias: shape [3] and values exact");
    t = nets_st_find(f, "scale");
    check(t && t->ndim == 0 && t->data[0] == 7.0f, "scale: 0-d tensor");
    t = nets_st_find(f, "empty");
    check(t && t->ndim == 2 && t->shape[0] == 0 && t->shape[1] == 4, "empty: shape [0,4]");
    check(f->n_tensors == 4 && nets_st_find(f, "missing") == NULL, "4 tensors, lookup of absent is NULL");
    check(f->n_meta == 2 && g_strcmp0(nets_st_meta(f, "arch"), "unet-small") == 0 &&
              g_strcmp0(nets_st_meta(f, "note"), note) == 0 && nets_st_meta(f, "x") == NULL,
          "metadata exact (escapes and UTF-8 survive, duplicate key replaced)");
    /* a copy without "arch", with "note" replaced and "more" added */
    char *copy = tmp_path("copy.safetensors");
    const char *const drop[] = {"arch", NULL}, *const add[] = {"note", "new", "more", "x", NULL};
    check(nets_st_save_copy(f, copy, drop, add, &err) == 0, "save_copy: %s", err.msg);
    nets_st_file *c = nets_st_load(copy, &err);
    check(c && c->n_tensors == 4 && memcmp(nets_st_find(c, "conv.weight")->data, w, sizeof w) == 0,
          "save_copy keeps the tensors");
    check(c && c->n_meta == 2 && !nets_st_meta(c, "arch") && g_strcmp0(nets_st_meta(c, "note"), "new") == 0 &&
              g_strcmp0(nets_st_meta(c, "more"), "x") == 0,
          "save_copy drops, replaces and adds metadata");
    nets_st_free(c);
    check(nets_st_save_copy(f, copy, NULL, NULL, &err) == 0 && (c = nets_st_load(copy, &err)) && c->n_meta == 2 &&
              g_strcmp0(nets_st_meta(c, "arch"), "unet-small") == 0,
          "save_copy with no lists copies the metadata");
    nets_st_free(c);
    g_free(copy);
    nets_st_free(f);
  }
  g_free(path);
}

/* ---- F16 / BF16 ------------------------------------------------------- */

static void test_half(void) {
  /* F16 bits and their exact float values (subnormals included). */
  const uint16_t h[8] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000};
  const float hv[8] = {1.0f, -2.0f, 0.5f, 65504.0f, 5.9604644775390625e-8f,
                       6.0975551605224609375e-5f, 6.103515625e-5f, -0.0f};
  const uint16_t b[4] = {0x3f80, 0xc000, 0x4049, 0x7f7f};
  const float bv[4] = {1.0f, -2.0f, 3.140625f, 3.3895313892515355e38f};
  unsigned char data[16 + 8 + 4];
  for (int i = 0; i < 8; i++) {
    data[2 * i] = (unsigned char)(h[i] & 0xff);
    data[2 * i + 1] = (unsigned char)(h[i] >> 8);
  }
  for (int i = 0; i < 4; i++) {
    data[16 + 2 * i] = (unsigned char)(b[i] & 0xff);
    data[16 + 2 * i + 1] = (unsigned char)(b[i] >> 8);
  }
  put_f32(data + 24, -1.25f);
  const char *header =
      "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[0,16]},"
      "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[16,24]},"
      "\"f\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}";
  char *path = tmp_path("half.safetensors");
  write_st(path, strlen(header), header, data, sizeof data);
  nets_error err = {0};
  nets_st_file *f = nets_st_load(path, &err);
  check(f != NULL, "mixed F16/BF16/F32 file loads%s%s", f ? "" : ": ", f ? "" : err.msg);
  if (f) {
    const nets_st_tensor *t = nets_st_find(f, "h");
    int ok = t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 4;
    for (int i = 0; ok && i < 8; i++) ok = memcmp(&t->data[i], &hv[i], 4) == 0;
    check(ok, "F16 converts exactly (normals, subnormals, max, -0)");
    t = nets_st_find(f, "b");
    ok = t && t->ndim == 1 && t->shape[0] == 4;
    for (int i = 0; ok && i < 4; i++) ok = t->data[i] == bv[i];
    check(ok, "BF16 converts exactly");
    t = nets_st_find(f, "f");
    check(t && t->data[0] == -1.25f, "F32 alongside halves");
    nets_st_free(f);
  }
  g_free(path);
}

/* ---- malformed corpus ------------------------------------------------- */

static void expect_reject_file(const char *name, const char *path) {
  nets_error err = {0};
  nets_st_file *f = nets_st_load(path, &err);
  check(!f && err.code < 0 && err.msg[0], "rejects %s: %s", name, err.msg);
  nets_st_free(f);
}

/* Header with the given data bytes; header length is the true length. */
static void reject(const char *name, const char *header, const void *data, size_t len) {
  char *path = tmp_path(name);
  write_st(path, strlen(header), header, data, len);
  expect_reject_file(name, path);
  g_free(path);
}

static void reject_raw(const char *name, const void *bytes, size_t len) {
  char *path = tmp_path(name);
  g_file_set_contents(path, bytes, (gssize)len, NULL);
  expect_reject_file(name, path);
  g_free(path);
}

#define T(dtype, shape, offs) "{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offs "}"

static void test_malformed(void) {
  unsigned char z[64] = {0};
  unsigned char ones[16];
  for (int i = 0; i < 4; i++) put_f32(ones + 4 * i, 1.0f);

  /* sanity: the template used below is accepted when well-formed */
  {
    char *path = tmp_path("good.safetensors");
    const char *hdr = "{\"a\":" T("F32", "[2]", "[0,8]") "}";
    write_st(path, strlen(hdr), hdr, ones, 8);
    nets_error err = {0};
    nets_st_file *f = nets_st_load(path, &err);
    check(f && f->n_tensors == 1, "well-formed baseline loads%s%s", f ? "" : ": ", err.msg);
    nets_st_free(f);
    g_free(path);
  }

  reject_raw("empty file", "", 0);
  {
    nets_error err = {0};
    nets_st_file *f = nets_st_load(tmpdir, &err);
    check(!f && err.code < 0 && strstr(err.msg, "is a folder"), "rejects a folder by name: %s", err.msg);
    nets_st_free(f);
  }
  reject_raw("5-byte file", "\x10\0\0\0\0", 5);
  {
    char *path = tmp_path("absurd");
    write_st(path, 200ull * 1024 * 1024, "{}", NULL, 0);
    expect_reject_file("absurd header length (200 MB)", path);
    write_st(path, UINT64_MAX, "{}", NULL, 0);
    expect_reject_file("header length 2^64-1", path);
    write_st(path, 1000, "{\"a\":1}", NULL, 0);
    expect_reject_file("header length past end of file", path);
    write_st(path, 0, "", NULL, 0);
    expect_reject_file("header length 0", path);
    g_free(path);
  }
  reject("invalid JSON", "{\"a\": ", NULL, 0);
  reject("invalid JSON (trailing comma)", "{\"a\":" T("F32", "[2]", "[0,8]") ",}", ones, 8);
  reject("header is an array", "[1,2,3]", NULL, 0);
  reject("header is a string", "\"tensor\"", NULL, 0);
  reject("header is a number", "12345678", NULL, 0);
  reject("entry not an object", "{\"a\":5}", NULL, 0);
  reject("entry is an array", "{\"a\":[\"F32\",[2],[0,8]]}", ones, 8);
  reject("missing dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", ones, 8);
  reject("dtype not a string", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", ones, 8);
  reject("unknown dtype I64", "{\"a\":" T("I64", "[1]", "[0,8]") "}", z, 8);
  reject("unknown dtype F64", "{\"a\":" T("F64", "[1]", "[0,8]") "}", z, 8);
  reject("lower-case dtype f32", "{\"a\":" T("f32", "[2]", "[0,8]") "}", z, 8);
  reject("missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", ones, 8);
  reject("shape not an array", "{\"a\":" T("F32", "2", "[0,8]") "}", ones, 8);
  reject("negative shape", "{\"a\":" T("F32", "[-2]", "[0,8]") "}", ones, 8);
  reject("fractional shape", "{\"a\":" T("F32", "[2.0]", "[0,8]") "}", ones, 8);
  reject("string in shape", "{\"a\":" T("F32", "[\"2\"]", "[0,8]") "}", ones, 8);
  reject("too many dims (9)", "{\"a\":" T("F32", "[1,1,1,1,1,1,1,1,2]", "[0,8]") "}", ones, 8);
  reject("shape product overflow",
         "{\"a\":" T("F32", "[4294967296,4294967296,16]", "[0,8]") "}", ones, 8);
  reject("shape product wraps to 2",
         "{\"a\":" T("F32", "[2,9223372036854775807,2]", "[0,8]") "}", ones, 8);
  reject("missing data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", ones, 8);
  reject("data_offsets with 3 ints", "{\"a\":" T("F32", "[2]", "[0,8,8]") "}", ones, 8);
  reject("data_offsets with 1 int", "{\"a\":" T("F32", "[2]", "[8]") "}", ones, 8);
  reject("data_offsets strings", "{\"a\":" T("F32", "[2]", "[\"0\",\"8\"]") "}", ones, 8);
  reject("negative data_offsets", "{\"a\":" T("F32", "[2]", "[-8,0]") "}", ones, 8);
  reject("begin > end", "{\"a\":" T("F32", "[0]", "[8,0]") "}", ones, 8);
  reject("end beyond data (out-of-range offsets)", "{\"a\":" T("F32", "[4]", "[0,16]") "}", ones, 8);
  reject("huge offsets", "{\"a\":" T("F32", "[2]", "[9223372036854775800,9223372036854775807]") "}",
         ones, 8);
  reject("byte size != numel * 4", "{\"a\":" T("F32", "[2]", "[0,4]") "}", ones, 4);
  reject("F16 byte size mismatch", "{\"a\":" T("F16", "[2]", "[0,8]") "}", z, 8);
  reject("overlapping offsets",
         "{\"a\":" T("F32", "[2]", "[0,8]") ",\"b\":" T("F32", "[2]", "[4,12]") "}", ones, 12);
  reject("identical offsets",
         "{\"a\":" T("F32", "[2]", "[0,8]") ",\"b\":" T("F32", "[2]", "[0,8]") "}", ones, 8);
  reject("gap between tensors",
         "{\"a\":" T("F32", "[1]", "[0,4]") ",\"b\":" T("F32", "[1]", "[8,12]") "}", ones, 12);
  reject("uncovered trailing bytes", "{\"a\":" T("F32", "[1]", "[0,4]") "}", ones, 8);
  reject("data but no tensors", "{}", ones, 4);
  reject("duplicate tensor names",
         "{\"a\":" T("F32", "[1]", "[0,4]") ",\"a\":" T("F32", "[1]", "[4,8]") "}", ones, 8);
  reject("duplicate key inside an entry",
         "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", ones, 4);
  {
    unsigned char v[8];
    put_f32(v, 1.0f);
    put_f32(v + 4, NAN);
    reject("NaN value", "{\"a\":" T("F32", "[2]", "[0,8]") "}", v, 8);
    put_f32(v + 4, INFINITY);
    reject("+Inf value", "{\"a\":" T("F32", "[2]", "[0,8]") "}", v, 8);
    put_f32(v, -INFINITY);
    put_f32(v + 4, 0.0f);
    reject("-Inf value", "{\"a\":" T("F32", "[2]", "[0,8]") "}", v, 8);
    const unsigned char h_inf[4] = {0x00, 0x3c, 0x00, 0x7c};
    reject("F16 Inf value", "{\"a\":" T("F16", "[2]", "[0,4]") "}", h_inf, 4);
    const unsigned char h_nan[2] = {0x01, 0x7e};
    reject("F16 NaN value", "{\"a\":" T("F16", "[1]", "[0,2]") "}", h_nan, 2);
    const unsigned char b_nan[2] = {0xc0, 0x7f};
    reject("BF16 NaN value", "{\"a\":" T("BF16", "[1]", "[0,2]") "}", b_nan, 2);
  }
  reject("__metadata__ not an object", "{\"__metadata__\":[\"a\"]}", NULL, 0);
  reject("__metadata__ value not a string", "{\"__metadata__\":{\"epochs\":10}}", NULL, 0);
  reject("__metadata__ value null", "{\"__metadata__\":{\"k\":null}}", NULL, 0);
  reject("__metadata__ value an object", "{\"__metadata__\":{\"k\":{}}}", NULL, 0);
  {
    char *path = tmp_path("nul");
    const char hdr[8] = {'{', '}', ' ', '\0', ' ', ' ', ' ', ' '};
    unsigned char buf[16] = {8, 0, 0, 0, 0, 0, 0, 0};
    memcpy(buf + 8, hdr, 8);
    g_file_set_contents(path, (const char *)buf, 16, NULL);
    expect_reject_file("NUL byte in header", path);
    g_free(path);
  }

  /* Garbage: random bytes as a whole file, and as a header of valid length. */
  {
    unsigned char g[512];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof g; i++) {
      s = s * 1664525u + 1013904223u;
      g[i] = (unsigned char)(s >> 24);
    }
    reject_raw("garbage bytes", g, sizeof g);
    unsigned char gh[8 + 64];
    gh[0] = 64;
    memset(gh + 1, 0, 7);
    memcpy(gh + 8, g, 64);
    reject_raw("garbage header of valid length", gh, sizeof gh);
  }

  /* Truncated data: a valid writer file cut short. */
  {
    const float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int64_t shape[1] = {8};
    char *path = tmp_path("trunc.safetensors");
    nets_st_writer *w = nets_st_writer_new();
    nets_st_writer_add(w, "v", v, 1, shape, NULL);
    nets_st_writer_save(w, path, NULL);
    nets_st_writer_free(w);
    gchar *raw = NULL;
    gsize n = 0;
    if (g_file_get_contents(path, &raw, &n, NULL) && n > 12) {
      reject_raw("truncated data (4 bytes short)", raw, n - 4);
      reject_raw("truncated inside header", raw, 20);
      reject_raw("truncated to header length only", raw, 8);
    } else {
      check(0, "could not make the truncation sample");
    }
    g_free(raw);
    g_free(path);
  }

  char *missing = tmp_path("no-such-file.safetensors");
  expect_reject_file("missing file", missing);
  g_free(missing);
}

/* Random byte flips of a valid file must load or fail cleanly (for ASan). */
static void test_fuzz(void) {
  const float v[6] = {1, 2, 3, 4, 5, 6};
  const int64_t s2[2] = {2, 3};
  char *path = tmp_path("fuzz-src.safetensors"), *mut = tmp_path("fuzz.safetensors");
  nets_st_writer *w = nets_st_writer_new();
  nets_st_writer_add(w, "layer.weight", v, 2, s2, NULL);
  nets_st_writer_add(w, "layer.bias", v, 1, s2, NULL);
  nets_st_writer_meta(w, "k", "v", NULL);
  nets_st_writer_save(w, path, NULL);
  nets_st_writer_free(w);
  gchar *raw = NULL;
  gsize n = 0;
  g_file_get_contents(path, &raw, &n, NULL);
  int clean = raw != NULL && n > 8, loaded = 0;
  uint32_t s = 777;
  for (int it = 0; clean && it < 300; it++) {
    gchar *m = g_memdup2(raw, n);
    for (int k = 0; k < 1 + it % 4; k++) {
      s = s * 1664525u + 1013904223u;
      m[(s >> 8) % n] = (char)(s >> 24);
    }
    g_file_set_contents(mut, m, (gssize)n, NULL);
    nets_error err = {0};
    nets_st_file *f = nets_st_load(mut, &err);
    if (f) loaded++;
    else clean = err.msg[0] != '\0';
    nets_st_free(f);
    g_free(m);
  }
  check(clean, "300 randomly damaged files load or fail with a message (%d loaded)", loaded);
  g_free(raw);
  g_free(path);
  g_free(mut);
}

int main(void) {
  tmpdir = g_dir_make_tmp("nets-test-st-XXXXXX", NULL);
  if (!tmpdir) {
    printf("FAIL cannot create a temp dir\n");
    return 1;
  }
  test_roundtrip();
  test_half();
  test_malformed();
  test_fuzz();

  GDir *dir = g_dir_open(tmpdir, 0, NULL);
  for (const char *n; dir && (n = g_dir_read_name(dir));) {
    char *p = tmp_path(n);
    g_remove(p);
    g_free(p);
  }
  if (dir) g_dir_close(dir);
  g_rmdir(tmpdir);
  g_free(tmpdir);
  printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
