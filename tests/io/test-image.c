/* Image I/O: PNG/JPEG round trips, corrupt files, resize, convert and the
 * in-memory JPEG round trip.  All files are generated in a temp dir. */
#include <math.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <jpeglib.h>

#include "image.h"

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

static nets_image *pattern(int w, int h, int ch, unsigned levels) {
  nets_image *img = nets_image_new(w, h, ch);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++) {
        unsigned q = ((unsigned)x * 2111u + (unsigned)y * 977u + (unsigned)c * 12345u) % (levels + 1);
        img->data[((size_t)y * w + x) * ch + c] = (float)q / (float)levels;
      }
  return img;
}

/* Smooth content, which JPEG keeps well. */
static nets_image *gradient(int w, int h, int ch) {
  nets_image *img = nets_image_new(w, h, ch);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++)
        img->data[((size_t)y * w + x) * ch + c] =
            0.5f + 0.4f * sinf(0.1f * x + 0.07f * y + 1.3f * c);
  return img;
}

static double max_diff(const nets_image *a, const nets_image *b) {
  double m = 0;
  for (size_t i = 0; i < (size_t)a->width * a->height * a->channels; i++)
    m = fmax(m, fabs((double)a->data[i] - b->data[i]));
  return m;
}

static double mean_diff(const nets_image *a, const nets_image *b) {
  double s = 0;
  const size_t n = (size_t)a->width * a->height * a->channels;
  for (size_t i = 0; i < n; i++) s += fabs((double)a->data[i] - b->data[i]);
  return s / n;
}

static int same_layout(const nets_image *a, const nets_image *b) {
  return a && b && a->width == b->width && a->height == b->height && a->channels == b->channels;
}

static void test_png_roundtrip(int depth) {
  const unsigned levels = depth == 8 ? 255 : 65535;
  for (int ch = 1; ch <= 4; ch++) {
    nets_image *img = pattern(37, 23, ch, levels);
    char name[64];
    snprintf(name, sizeof name, "rt%d_%d.png", depth, ch);
    char *path = tmp_path(name);
    nets_error err = {0};
    int rc = nets_image_save(img, path, depth, 0, &err);
    nets_image *back = rc == 0 ? nets_image_load(path, &err) : NULL;
    const int ok = back && same_layout(img, back) && max_diff(img, back) < 0.25 / levels;
    check(ok, "PNG %d-bit %d channel(s) round trip exact to 1/%u%s%s", depth, ch, levels,
          ok ? "" : ": ", ok ? "" : err.msg);
    /* the file's depth is kept, through a conversion too (unmask writes a
     * 16-bit PNG for a 16-bit PNG) */
    nets_image *conv = back ? nets_image_convert(back, ch == 4 ? 3 : 4) : NULL;
    check(back && back->depth == depth && conv && conv->depth == depth, "PNG %d-bit %d channel(s): depth %d kept",
          depth, ch, depth);
    nets_image_free(conv);
    nets_image_free(img);
    nets_image_free(back);
    g_free(path);
  }
}

/* Arbitrary floats are quantised to the nearest level. */
static void test_png_quantize(void) {
  nets_image *img = nets_image_new(5, 1, 1);
  const float v[5] = {-0.5f, 0.0f, 0.3333f, 1.0f, 7.0f};
  memcpy(img->data, v, sizeof v);
  char *path = tmp_path("quant.png");
  nets_image *back = nets_image_save(img, path, 8, 0, NULL) == 0 ? nets_image_load(path, NULL) : NULL;
  int ok = back && back->data[0] == 0.0f && back->data[1] == 0.0f &&
           fabsf(back->data[2] - 85.0f / 255.0f) < 1e-6f && back->data[3] == 1.0f &&
           back->data[4] == 1.0f;
  check(ok, "PNG save clamps to [0,1] and rounds to the nearest level");
  nets_image_free(img);
  nets_image_free(back);
  g_free(path);
}

/* Writes a palette PNG with tRNS (4x1: opaque red, half-transparent green,
 * blue, red) directly with libpng, to test expansion. */
static int write_palette_png(const char *path) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    return -1;
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, 4, 1, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  png_set_PLTE(png, info, pal, 3);
  png_byte trans[2] = {255, 128};
  png_set_tRNS(png, info, trans, 2, NULL);
  png_write_info(png, info);
  png_byte row[4] = {0, 1, 2, 0};
  png_write_row(png, row);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return fclose(fp);
}

static void test_png_palette(void) {
  char *path = tmp_path("palette.png");
  nets_error err = {0};
  nets_image *img = write_palette_png(path) == 0 ? nets_image_load(path, &err) : NULL;
  int ok = img && img->width == 4 && img->height == 1 && img->channels == 4;
  if (ok) {
    const float *d = img->data;
    ok = d[0] == 1 && d[1] == 0 && d[2] == 0 && d[3] == 1 &&                  /* red */
         d[4] == 0 && d[5] == 1 && d[6] == 0 && fabsf(d[7] - 128 / 255.f) < 1e-6f && /* green */
         d[8] == 0 && d[9] == 0 && d[10] == 1 && d[11] == 1;                   /* blue, opaque */
  }
  check(ok, "PNG palette + tRNS expands to RGBA%s%s", ok ? "" : ": ", ok ? "" : err.msg);
  nets_image_free(img);
  g_free(path);
}

static void test_jpeg(int ch) {
  nets_image *img = gradient(64, 48, ch);
  char *path = tmp_path(ch == 1 ? "grey.jpg" : "rgb.jpeg");
  nets_error err = {0};
  int rc = nets_image_save(img, path, 8, 95, &err);
  nets_image *back = rc == 0 ? nets_image_load(path, &err) : NULL;
  const int ok = back && same_layout(img, back) && mean_diff(img, back) < 0.01 &&
                 max_diff(img, back) < 0.08;
  check(ok, "JPEG %s round trip close (mean %.4f, max %.4f)%s%s", ch == 1 ? "grey" : "RGB",
        back && same_layout(img, back) ? mean_diff(img, back) : -1.0,
        back && same_layout(img, back) ? max_diff(img, back) : -1.0, ok ? "" : ": ",
        ok ? "" : err.msg);
  nets_image_free(img);
  nets_image_free(back);
  g_free(path);
}

/* A JPEG of w x h pixels (comps per pixel, in colour space cs) written with
 * libjpeg at quality 100, with an APP1 marker when app1 is not NULL. */
static int write_jpeg(const char *path, int w, int h, int comps, J_COLOR_SPACE cs, const unsigned char *pixels,
                      const unsigned char *app1, unsigned app1_len) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr e;
  c.err = jpeg_std_error(&e);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, fp);
  c.image_width = (JDIMENSION)w, c.image_height = (JDIMENSION)h, c.input_components = comps;
  c.in_color_space = cs;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 100, TRUE);
  jpeg_start_compress(&c, TRUE);
  if (app1) jpeg_write_marker(&c, JPEG_APP0 + 1, app1, app1_len);
  for (int y = 0; y < h; y++) {
    JSAMPROW r[1] = {(JSAMPROW)pixels + (size_t)y * w * comps};
    jpeg_write_scanlines(&c, r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return fclose(fp);
}

/* A 16x8 CMYK JPEG as print software writes it (Adobe marker, inks stored
 * inverted): the left half red (magenta + yellow), the right half grey
 * (black ink at half). */
static int write_cmyk_jpeg(const char *path) {
  unsigned char px[8][16 * 4];
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++) {
      const unsigned char red[4] = {255, 0, 0, 255}, grey[4] = {255, 255, 255, 128};
      memcpy(px[y] + x * 4, x < 8 ? red : grey, 4);
    }
  return write_jpeg(path, 16, 8, 4, JCS_CMYK, px[0], NULL, 0);
}

static void test_jpeg_cmyk(void) {
  char *path = tmp_path("cmyk.jpg");
  nets_error err = {0};
  nets_image *img = write_cmyk_jpeg(path) == 0 ? nets_image_load(path, &err) : NULL;
  int ok = img && img->width == 16 && img->height == 8 && img->channels == 3;
  if (ok) {
    const float *red = img->data + (4 * 16 + 2) * 3, *grey = img->data + (4 * 16 + 13) * 3;
    ok = fabsf(red[0] - 1) < 0.03f && red[1] < 0.03f && red[2] < 0.03f;
    for (int j = 0; j < 3; j++) ok = ok && fabsf(grey[j] - 128 / 255.f) < 0.03f;
  }
  check(ok, "CMYK JPEG (Adobe, inverted inks) loads as RGB%s%s", ok ? "" : ": ", ok ? "" : err.msg);
  nets_image_free(img);
  g_free(path);
}

/* A 32x16 JPEG in four blocks (red top left, blue top right, green bottom
 * left, white bottom right) whose EXIF says to show it with orientation o,
 * its TIFF part in Intel (II) or Motorola (MM) byte order. */
static int write_oriented_jpeg(const char *path, int o, int motorola) {
  /* "Exif\0\0", TIFF header, IFD0 with one entry: Orientation (0x0112), SHORT, 1 */
  unsigned char exif[6 + 8 + 2 + 12 + 4] = "Exif";
  unsigned char *t = exif + 6;
#define PUT16(p, v) ((motorola ? ((p)[0] = (v) >> 8, (p)[1] = (v)&255) : ((p)[0] = (v)&255, (p)[1] = (v) >> 8)))
  t[0] = t[1] = motorola ? 'M' : 'I';
  PUT16(t + 2, 42);
  PUT16(t + (motorola ? 6 : 4), 8); /* IFD0 at 8: the 32-bit offset's low half */
  PUT16(t + 8, 1);
  PUT16(t + 10, 0x0112);
  PUT16(t + 12, 3);
  PUT16(t + (motorola ? 16 : 14), 1);
  PUT16(t + 18, o);
#undef PUT16
  const unsigned char colours[4][3] = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}, {255, 255, 255}};
  unsigned char px[16][32 * 3];
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 32; x++) memcpy(px[y] + x * 3, colours[(y >= 8) * 2 + (x >= 16)], 3);
  return write_jpeg(path, 32, 16, 3, JCS_RGB, px[0], exif, sizeof exif);
}

/* Phone photos store the picture as the sensor saw it and say in EXIF how
 * to turn it: it loads as shown (the blocks where ImageMagick's
 * -auto-orient puts them). */
static void test_jpeg_orientation(void) {
  enum { R, B, G, W };
  /* the blocks shown at the top left, top right and bottom left */
  static const int shown[9][3] = {{0}, {R, B, G}, {B, R, W}, {W, G, B}, {G, W, R},
                                  {R, G, B}, {G, R, W}, {W, B, G}, {B, W, R}};
  static const float rgb[4][3] = {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 1}};
  for (int o = 1; o <= 8; o++) {
    char *path = tmp_path("oriented.jpg");
    nets_error err = {0};
    nets_image *img = write_oriented_jpeg(path, o, o % 2) == 0 ? nets_image_load(path, &err) : NULL;
    const int turned = o >= 5, w = turned ? 16 : 32, h = turned ? 32 : 16;
    int ok = img && img->width == w && img->height == h;
    for (int k = 0; ok && k < 3; k++) {
      const int x = (k == 1 ? 3 : 1) * w / 4, y = (k == 2 ? 3 : 1) * h / 4;
      for (int c = 0; c < 3; c++) ok = ok && fabsf(img->data[((size_t)y * w + x) * 3 + c] - rgb[shown[o][k]][c]) < 0.05f;
    }
    check(ok, "JPEG with EXIF orientation %d (%s) loads as shown%s%s", o, o % 2 ? "MM" : "II", ok ? "" : ": ",
          ok ? "" : err.msg);
    nets_image_free(img);
    g_free(path);
  }
}

static void write_bytes(const char *path, const void *data, size_t len) {
  g_file_set_contents(path, data, (gssize)len, NULL);
}

static void expect_reject(const char *name, const void *data, size_t len) {
  char *path = tmp_path(name);
  write_bytes(path, data, len);
  nets_error err = {0};
  nets_image *img = nets_image_load(path, &err);
  check(!img && err.msg[0] && err.code < 0, "rejects %s: %s", name, err.msg);
  nets_image_free(img);
  g_free(path);
}

/* nets_image_list on the files the tests above wrote, and a text file: the
 * PNG and JPEG names only, sorted; a missing folder is an error. */
static void test_list(void) {
  char *txt = tmp_path("notes.txt"), *upper = tmp_path("UPPER.JPG");
  write_bytes(txt, "text", 4);
  write_bytes(upper, "x", 1);
  int n = 0, expect = 0, ok = 1;
  GDir *dir = g_dir_open(tmpdir, 0, NULL);
  for (const char *name; dir && (name = g_dir_read_name(dir));) {
    char *low = g_ascii_strdown(name, -1);
    expect += g_str_has_suffix(low, ".png") || g_str_has_suffix(low, ".jpg") || g_str_has_suffix(low, ".jpeg");
    g_free(low);
  }
  if (dir) g_dir_close(dir);
  nets_error err = {0};
  char **names = nets_image_list(tmpdir, &n, &err);
  ok = names && n == expect && expect > 3;
  for (int i = 0; ok && i < n; i++) ok = strcmp(names[i], "notes.txt") && (!i || strcmp(names[i - 1], names[i]) < 0);
  check(ok, "nets_image_list: %d of %d image names, sorted, no text file%s%s", n, expect, ok ? "" : ": ", err.msg);
  nets_image_list_free(names, n);
  check(nets_image_list("/nonexistent-folder", &n, &err) == NULL && n == 0, "a missing folder is an error");
  g_free(txt), g_free(upper);
}

static void test_corrupt(void) {
  /* Valid files to damage. */
  nets_image *img = pattern(40, 30, 3, 255);
  char *png = tmp_path("good.png"), *jpg = tmp_path("good.jpg");
  gchar *pd = NULL, *jd = NULL;
  gsize pn = 0, jn = 0;
  int ok = nets_image_save(img, png, 8, 0, NULL) == 0 && nets_image_save(img, jpg, 8, 90, NULL) == 0 &&
           g_file_get_contents(png, &pd, &pn, NULL) && g_file_get_contents(jpg, &jd, &jn, NULL);
  check(ok, "wrote reference PNG (%zu bytes) and JPEG (%zu bytes)", (size_t)pn, (size_t)jn);
  nets_image_free(img);
  g_free(png);
  g_free(jpg);
  if (!ok) return;

  expect_reject("truncated-half.png", pd, pn / 2);
  expect_reject("truncated-sig.png", pd, 12);
  expect_reject("png-signature-only.png", pd, 8);
  gchar *bad = g_memdup2(pd, pn);
  for (size_t i = pn / 2; i < pn / 2 + 16; i++) bad[i] ^= 0x5a;
  expect_reject("bad-crc.png", bad, pn);
  g_free(bad);
  bad = g_memdup2(pd, pn);
  bad[16] = bad[17] = bad[18] = bad[19] = 0x7f; /* width 2^31-ish: IHDR CRC wrong */
  expect_reject("bad-ihdr.png", bad, pn);
  g_free(bad);

  expect_reject("truncated-half.jpg", jd, jn / 2);
  expect_reject("truncated-header.jpg", jd, 20);
  expect_reject("soi-only.jpg", jd, 3);
  bad = g_memdup2(jd, jn);
  for (size_t i = 4; i < jn; i++) bad[i] = (char)(i * 37u + 11u); /* keep FF D8 FF E0 */
  expect_reject("garbage-after-soi.jpg", bad, jn);
  g_free(bad);

  expect_reject("empty.png", "", 0);
  expect_reject("text.png", "hello, not an image", 19);
  g_free(pd);
  g_free(jd);

  nets_error err = {0};
  char *missing = tmp_path("does-not-exist.png");
  nets_image *none = nets_image_load(missing, &err);
  check(!none && err.code == NETS_ERR_IO && err.msg[0], "missing file: %s", err.msg);
  g_free(missing);

  /* Bad save arguments. */
  img = pattern(4, 4, 3, 255);
  char *p = tmp_path("x.bmp");
  err.msg[0] = '\0';
  check(nets_image_save(img, p, 8, 90, &err) == NETS_ERR_ARG && err.msg[0], "save rejects %s", err.msg);
  g_free(p);
  p = tmp_path("x.png");
  check(nets_image_save(img, p, 12, 90, &err) == NETS_ERR_ARG, "save rejects PNG depth 12");
  g_free(p);
  p = tmp_path("x.jpg");
  check(nets_image_save(img, p, 8, 0, &err) == NETS_ERR_ARG, "save rejects JPEG quality 0");
  g_free(p);
  nets_image_free(img);
}

static void test_resize(void) {
  /* 4x4 -> 2x2 is the mean of each 2x2 block. */
  nets_image *src = nets_image_new(4, 4, 1);
  for (int i = 0; i < 16; i++) src->data[i] = (float)i;
  nets_image *dst = nets_image_resize(src, 2, 2);
  int ok = dst && dst->width == 2 && dst->height == 2 && fabsf(dst->data[0] - 2.5f) < 1e-5f &&
           fabsf(dst->data[1] - 4.5f) < 1e-5f && fabsf(dst->data[2] - 10.5f) < 1e-5f &&
           fabsf(dst->data[3] - 12.5f) < 1e-5f;
  check(ok, "resize 4x4 -> 2x2 averages blocks");
  nets_image_free(dst);

  /* 3 -> 2 (non-integer factor): areas [0,1.5) and [1.5,3). */
  nets_image *row = nets_image_new(3, 1, 1);
  row->data[0] = 0; row->data[1] = 3; row->data[2] = 6;
  dst = nets_image_resize(row, 2, 1);
  ok = dst && fabsf(dst->data[0] - 1.0f) < 1e-5f && fabsf(dst->data[1] - 5.0f) < 1e-5f;
  check(ok, "resize 3 -> 2 area-averages fractional spans");
  nets_image_free(dst);
  nets_image_free(row);

  /* 2 -> 4 bilinear with centre alignment: 0, 0.25, 0.75, 1. */
  row = nets_image_new(2, 1, 1);
  row->data[0] = 0; row->data[1] = 1;
  dst = nets_image_resize(row, 4, 1);
  ok = dst && fabsf(dst->data[0]) < 1e-6f && fabsf(dst->data[1] - 0.25f) < 1e-6f &&
       fabsf(dst->data[2] - 0.75f) < 1e-6f && fabsf(dst->data[3] - 1.0f) < 1e-6f;
  check(ok, "resize 2 -> 4 is bilinear");
  nets_image_free(dst);
  nets_image_free(row);

  dst = nets_image_resize(src, 4, 4);
  check(dst && max_diff(src, dst) == 0.0, "resize to the same size is the identity");
  nets_image_free(dst);
  nets_image_free(src);

  /* A constant image stays constant through mixed grow/shrink. */
  src = nets_image_new(7, 5, 3);
  for (int i = 0; i < 7 * 5 * 3; i++) src->data[i] = 0.3f;
  dst = nets_image_resize(src, 3, 11);
  ok = dst && dst->width == 3 && dst->height == 11 && dst->channels == 3;
  for (int i = 0; ok && i < 3 * 11 * 3; i++) ok = fabsf(dst->data[i] - 0.3f) < 1e-5f;
  check(ok, "resize 7x5 -> 3x11 keeps a constant image constant");
  nets_image_free(dst);
  check(nets_image_resize(src, 0, 3) == NULL, "resize rejects a zero size");
  nets_image_free(src);
}

static void test_convert(void) {
  nets_image *rgb = pattern(8, 8, 3, 255);
  nets_image *rgba = nets_image_convert(rgb, 4);
  nets_image *back = nets_image_convert(rgba, 3);
  int ok = rgba && back && max_diff(rgb, back) == 0.0;
  for (int i = 0; ok && i < 64; i++) ok = rgba->data[i * 4 + 3] == 1.0f;
  check(ok, "convert RGB -> RGBA (alpha 1) -> RGB is lossless");
  nets_image *grey = nets_image_convert(rgb, 1);
  const float *p = rgb->data;
  ok = grey && fabsf(grey->data[0] - (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2])) < 1e-6f;
  check(ok, "convert RGB -> grey uses Rec.601 luma");
  nets_image *ga = nets_image_convert(grey, 2), *g3 = nets_image_convert(ga, 3);
  ok = g3 && g3->data[0] == grey->data[0] && g3->data[1] == grey->data[0] &&
       g3->data[2] == grey->data[0];
  check(ok, "convert grey -> grey+alpha -> RGB replicates grey");
  nets_image_free(rgb);
  nets_image_free(rgba);
  nets_image_free(back);
  nets_image_free(grey);
  nets_image_free(ga);
  nets_image_free(g3);
}

static void test_jpeg_roundtrip(void) {
  nets_image *img = gradient(48, 40, 4);
  for (int i = 0; i < 48 * 40; i++) img->data[i * 4 + 3] = (float)(i % 7) / 6.0f;
  nets_image *orig = nets_image_copy(img);
  nets_error err = {0};
  int rc = nets_image_jpeg_roundtrip(img, 40, &err);
  const double md = mean_diff(img, orig), mx = max_diff(img, orig);
  check(rc == 0 && mx > 0.0 && md < 0.02 && mx < 0.2,
        "jpeg_roundtrip q40 changes the image slightly (mean %.4f, max %.4f)", md, mx);
  int alpha_kept = 1;
  for (int i = 0; i < 48 * 40; i++) alpha_kept &= img->data[i * 4 + 3] == orig->data[i * 4 + 3];
  check(alpha_kept, "jpeg_roundtrip leaves alpha untouched");
  check(nets_image_jpeg_roundtrip(img, 101, &err) == NETS_ERR_ARG, "jpeg_roundtrip rejects quality 101");
  nets_image_free(img);
  nets_image_free(orig);

  img = gradient(16, 16, 1);
  orig = nets_image_copy(img);
  rc = nets_image_jpeg_roundtrip(img, 90, &err);
  check(rc == 0 && max_diff(img, orig) < 0.1, "jpeg_roundtrip on grey");
  nets_image_free(img);
  nets_image_free(orig);
}

int main(void) {
  tmpdir = g_dir_make_tmp("nets-test-image-XXXXXX", NULL);
  if (!tmpdir) {
    printf("FAIL cannot create a temp dir\n");
    return 1;
  }
  check(nets_image_new(0, 5, 3) == NULL && nets_image_new(5, 5, 5) == NULL,
        "nets_image_new rejects bad sizes");
  test_png_roundtrip(8);
  test_png_roundtrip(16);
  test_png_quantize();
  test_png_palette();
  test_jpeg(3);
  test_jpeg(1);
  test_corrupt();
  test_resize();
  test_convert();
  test_jpeg_roundtrip();
  test_jpeg_cmyk();
  test_jpeg_orientation();
  test_list();

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
