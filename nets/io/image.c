/* Image files through libpng and libjpeg.  Both libraries report errors by
 * longjmp; every decoder/encoder keeps its state in a context struct that
 * lives in the caller's frame, so nothing local to the setjmp frame is
 * modified between setjmp and longjmp. */
#include "image.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "../core/tensor.h"

/* Dimensions above this are rejected as corrupt (JPEG's own limit is 65500). */
#define NETS_IMAGE_MAX_DIM 65536

/* ---- basics ---------------------------------------------------------- */

nets_image *nets_image_new(int width, int height, int channels) {
  if (width <= 0 || height <= 0 || width > NETS_IMAGE_MAX_DIM || height > NETS_IMAGE_MAX_DIM ||
      channels < 1 || channels > 4)
    return NULL;
  nets_image *img = calloc(1, sizeof *img);
  if (!img) return NULL;
  img->width = width;
  img->height = height;
  img->channels = channels;
  img->depth = 8;
  img->data = nets_alloc_floats((size_t)width * height * channels);
  if (!img->data) {
    free(img);
    return NULL;
  }
  return img;
}

void nets_image_free(nets_image *img) {
  if (!img) return;
  nets_free_floats(img->data);
  free(img);
}

static size_t image_count(const nets_image *img) {
  return (size_t)img->width * img->height * img->channels;
}

nets_image *nets_image_copy(const nets_image *img) {
  if (!img) return NULL;
  nets_image *out = nets_image_new(img->width, img->height, img->channels);
  if (!out) return NULL;
  memcpy(out->data, img->data, image_count(img) * sizeof(float));
  out->depth = img->depth;
  return out;
}

static int is_image_name(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png"));
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **nets_image_list(const char *dir, int *n, nets_error *err) {
  DIR *d = opendir(dir);
  *n = 0;
  if (!d) {
    nets_error_set(err, NETS_ERR_IO, "cannot open the folder %s", dir);
    return NULL;
  }
  char **names = malloc(sizeof(char *));
  int cap = 1, ok = names != NULL;
  for (struct dirent *e; ok && (e = readdir(d));) {
    if (!is_image_name(e->d_name)) continue;
    if (*n == cap) {
      char **more = realloc(names, sizeof(char *) * (cap *= 2));
      if (!(ok = more != NULL)) break;
      names = more;
    }
    if ((ok = (names[*n] = strdup(e->d_name)) != NULL)) (*n)++;
  }
  closedir(d);
  if (!ok) {
    nets_image_list_free(names, *n);
    *n = 0;
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory listing %s", dir);
    return NULL;
  }
  qsort(names, *n, sizeof(char *), by_name);
  return names;
}

void nets_image_list_free(char **names, int n) {
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
}

float nets_luma(const float *rgb) { return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]; }

nets_image *nets_image_convert(const nets_image *img, int channels) {
  if (!img) return NULL;
  nets_image *out = nets_image_new(img->width, img->height, channels);
  if (!out) return NULL;
  out->depth = img->depth;
  const int ci = img->channels, co = channels;
  const int has_alpha_in = ci == 2 || ci == 4, has_alpha_out = co == 2 || co == 4;
  const size_t n = (size_t)img->width * img->height;
  for (size_t i = 0; i < n; i++) {
    const float *s = img->data + i * ci;
    float *d = out->data + i * co;
    float r, g, b;
    if (ci >= 3) {
      r = s[0]; g = s[1]; b = s[2];
    } else {
      r = g = b = s[0];
    }
    float a = has_alpha_in ? s[ci - 1] : 1.0f;
    if (co >= 3) {
      d[0] = r; d[1] = g; d[2] = b;
    } else {
      d[0] = ci >= 3 ? nets_luma(s) : r;
    }
    if (has_alpha_out) d[co - 1] = a;
  }
  return out;
}

static unsigned quantize(float v, unsigned max) {
  if (!(v > 0.0f)) return 0; /* also NaN */
  if (v >= 1.0f) return max;
  return (unsigned)(v * (float)max + 0.5f);
}

static int read_file(const char *path, unsigned char **data, size_t *len, nets_error *err) {
  gchar *buf = NULL;
  gsize n = 0;
  GError *gerr = NULL;
  if (!g_file_get_contents(path, &buf, &n, &gerr)) {
    nets_error_set(err, NETS_ERR_IO, "%s: %s", path, gerr->message);
    g_error_free(gerr);
    return NETS_ERR_IO;
  }
  *data = (unsigned char *)buf; /* released with g_free */
  *len = n;
  return NETS_OK;
}

/* ---- PNG ------------------------------------------------------------- */

typedef struct {
  char msg[NETS_ERR_MSG_LEN];
  const unsigned char *src; /* decoder input */
  size_t src_len, src_pos;
  FILE *fp;                 /* encoder output */
  png_structp png;
  png_infop info;
  unsigned char *raw;       /* decoded or encoded rows */
  png_bytep *rows;
  nets_image *img;
} png_ctx;

static void png_ctx_error(png_structp png, png_const_charp msg) {
  png_ctx *c = png_get_error_ptr(png);
  snprintf(c->msg, sizeof c->msg, "%s", msg);
  png_longjmp(png, 1);
}

static void png_ctx_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_ctx_read(png_structp png, png_bytep out, size_t len) {
  png_ctx *c = png_get_io_ptr(png);
  if (len > c->src_len - c->src_pos) png_error(png, "truncated PNG data");
  memcpy(out, c->src + c->src_pos, len);
  c->src_pos += len;
}

static int png_decode(png_ctx *c, nets_error *err) {
  c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_ctx_error, png_ctx_warning);
  if (!c->png) return nets_error_set(err, NETS_ERR_NOMEM, "cannot create PNG reader");
  c->info = png_create_info_struct(c->png);
  if (!c->info) return nets_error_set(err, NETS_ERR_NOMEM, "cannot create PNG info");
  if (setjmp(png_jmpbuf(c->png))) return nets_error_set(err, NETS_ERR_FORMAT, "PNG: %s", c->msg);

  png_set_read_fn(c->png, c, png_ctx_read);
  png_set_user_limits(c->png, NETS_IMAGE_MAX_DIM, NETS_IMAGE_MAX_DIM);
  png_read_info(c->png, c->info);

  int color = png_get_color_type(c->png, c->info);
  int depth = png_get_bit_depth(c->png, c->info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(c->png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(c->png);
  if (png_get_valid(c->png, c->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(c->png);
  png_set_interlace_handling(c->png);
  png_read_update_info(c->png, c->info);

  const int w = (int)png_get_image_width(c->png, c->info);
  const int h = (int)png_get_image_height(c->png, c->info);
  const int ch = png_get_channels(c->png, c->info);
  depth = png_get_bit_depth(c->png, c->info);
  if ((depth != 8 && depth != 16) || ch < 1 || ch > 4)
    return nets_error_set(err, NETS_ERR_FORMAT, "PNG: unsupported layout (%d channels, %d bits)",
                          ch, depth);
  const size_t rowbytes = png_get_rowbytes(c->png, c->info);
  if (rowbytes != (size_t)w * ch * (depth / 8))
    return nets_error_set(err, NETS_ERR_FORMAT, "PNG: unexpected row size");

  c->img = nets_image_new(w, h, ch);
  c->raw = malloc(rowbytes * h);
  c->rows = malloc(sizeof(png_bytep) * h);
  if (!c->img || !c->raw || !c->rows)
    return nets_error_set(err, NETS_ERR_NOMEM, "PNG: out of memory for %dx%d image", w, h);
  c->img->depth = depth;
  for (int y = 0; y < h; y++) c->rows[y] = c->raw + rowbytes * y;
  png_read_image(c->png, c->rows);
  png_read_end(c->png, NULL);

  const size_t n = (size_t)w * h * ch;
  float *d = c->img->data;
  if (depth == 8) {
    for (size_t i = 0; i < n; i++) d[i] = c->raw[i] * (1.0f / 255.0f);
  } else {
    for (size_t i = 0; i < n; i++)
      d[i] = (float)((c->raw[2 * i] << 8) | c->raw[2 * i + 1]) * (1.0f / 65535.0f);
  }
  return NETS_OK;
}

static nets_image *png_load(const unsigned char *data, size_t len, nets_error *err) {
  png_ctx c = {.src = data, .src_len = len};
  int rc = png_decode(&c, err);
  if (c.png) png_destroy_read_struct(&c.png, c.info ? &c.info : NULL, NULL);
  free(c.rows);
  free(c.raw);
  if (rc != NETS_OK) {
    nets_image_free(c.img);
    return NULL;
  }
  return c.img;
}

static int png_encode(png_ctx *c, const nets_image *img, int depth, nets_error *err) {
  static const int types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                              PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  c->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, png_ctx_error, png_ctx_warning);
  if (!c->png) return nets_error_set(err, NETS_ERR_NOMEM, "cannot create PNG writer");
  c->info = png_create_info_struct(c->png);
  if (!c->info) return nets_error_set(err, NETS_ERR_NOMEM, "cannot create PNG info");

  const size_t rowbytes = (size_t)img->width * img->channels * (depth / 8);
  c->raw = malloc(rowbytes * img->height);
  c->rows = malloc(sizeof(png_bytep) * img->height);
  if (!c->raw || !c->rows) return nets_error_set(err, NETS_ERR_NOMEM, "PNG: out of memory");
  const size_t n = image_count(img);
  if (depth == 8) {
    for (size_t i = 0; i < n; i++) c->raw[i] = (unsigned char)quantize(img->data[i], 255);
  } else {
    for (size_t i = 0; i < n; i++) {
      unsigned v = quantize(img->data[i], 65535);
      c->raw[2 * i] = (unsigned char)(v >> 8);
      c->raw[2 * i + 1] = (unsigned char)(v & 0xff);
    }
  }
  for (int y = 0; y < img->height; y++) c->rows[y] = c->raw + rowbytes * y;

  if (setjmp(png_jmpbuf(c->png))) return nets_error_set(err, NETS_ERR_IO, "PNG: %s", c->msg);
  png_init_io(c->png, c->fp);
  png_set_IHDR(c->png, c->info, (png_uint_32)img->width, (png_uint_32)img->height, depth,
               types[img->channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(c->png, c->info);
  png_write_image(c->png, c->rows);
  png_write_end(c->png, NULL);
  return NETS_OK;
}

static int png_save(const nets_image *img, FILE *fp, int depth, nets_error *err) {
  png_ctx c = {.fp = fp};
  int rc = png_encode(&c, img, depth, err);
  if (c.png) png_destroy_write_struct(&c.png, c.info ? &c.info : NULL);
  free(c.rows);
  free(c.raw);
  return rc;
}

/* ---- JPEG ------------------------------------------------------------ */

typedef struct {
  struct jpeg_error_mgr mgr; /* first, so the jpeg error pointer converts back */
  jmp_buf jmp;
  char msg[JMSG_LENGTH_MAX];
} jpeg_err;

/* Replaces libjpeg's error_exit, which would call exit(). */
static void jpeg_err_exit(j_common_ptr cinfo) {
  jpeg_err *e = (jpeg_err *)cinfo->err;
  e->mgr.format_message(cinfo, e->msg);
  longjmp(e->jmp, 1);
}

/* Warnings (msg_level < 0) mean corrupt data, e.g. a truncated file that
 * libjpeg would pad with grey: treat them as errors.  Trace output is dropped. */
static void jpeg_err_emit(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) jpeg_err_exit(cinfo);
}

static void jpeg_err_init(jpeg_err *e) {
  jpeg_std_error(&e->mgr);
  e->mgr.error_exit = jpeg_err_exit;
  e->mgr.emit_message = jpeg_err_emit;
  e->msg[0] = '\0';
}

typedef struct {
  jpeg_err err;
  struct jpeg_decompress_struct cinfo;
  int created;
  nets_image *img;
  unsigned char *row;
  int orientation; /* EXIF's, 1..8; 1: stored upright */
} jpeg_dctx;

/* The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" marker, or 1. */
static int exif_orientation(const unsigned char *d, unsigned len) {
  if (len < 14 || memcmp(d, "Exif\0\0", 6)) return 1;
  const unsigned char *t = d + 6; /* the TIFF header */
  const unsigned n = len - 6;
  const int le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
#define U16(p) (le ? (unsigned)(p)[0] | (unsigned)(p)[1] << 8 : (unsigned)(p)[0] << 8 | (unsigned)(p)[1])
#define U32(p) (le ? U16(p) | U16((p) + 2) << 16 : U16(p) << 16 | U16((p) + 2))
  const unsigned ifd = U32(t + 4);
  if (ifd > n - 2 || ifd < 8) return 1;
  const unsigned count = U16(t + ifd);
  for (unsigned i = 0; i < count; i++) {
    const unsigned e = ifd + 2 + 12 * i;
    if (e > n - 12) break;
    if (U16(t + e) == 0x0112 && U16(t + e + 2) == 3) { /* SHORT */
      const unsigned v = U16(t + e + 8);
      return v >= 1 && v <= 8 ? (int)v : 1;
    }
  }
#undef U32
#undef U16
  return 1;
}

/* The picture as it is shown: turned and flipped as EXIF orientation o says
 * (2 mirrored, 3 turned half round, 4 flipped, 5 transposed, 6 turned a
 * quarter clockwise, 7 transversed, 8 a quarter anticlockwise).  NULL when
 * out of memory. */
static nets_image *orient(const nets_image *img, int o) {
  const int w = img->width, h = img->height, ch = img->channels, swap = o >= 5;
  nets_image *out = nets_image_new(swap ? h : w, swap ? w : h, ch);
  if (!out) return NULL;
  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++) {
      int sx = x, sy = y; /* the stored pixel shown at (x, y) */
      switch (o) {
        case 2: sx = w - 1 - x; break;
        case 3: sx = w - 1 - x, sy = h - 1 - y; break;
        case 4: sy = h - 1 - y; break;
        case 5: sx = y, sy = x; break;
        case 6: sx = y, sy = h - 1 - x; break;
        case 7: sx = w - 1 - y, sy = h - 1 - x; break;
        case 8: sx = w - 1 - y, sy = x; break;
        default: break;
      }
      memcpy(out->data + ((size_t)y * out->width + x) * ch, img->data + ((size_t)sy * w + sx) * ch,
             sizeof(float) * ch);
    }
  return out;
}

static int jpeg_decode(jpeg_dctx *c, const unsigned char *data, size_t len, nets_error *err) {
  jpeg_err_init(&c->err);
  c->cinfo.err = &c->err.mgr;
  if (setjmp(c->err.jmp)) return nets_error_set(err, NETS_ERR_FORMAT, "JPEG: %s", c->err.msg);
  jpeg_create_decompress(&c->cinfo);
  c->created = 1;
  jpeg_mem_src(&c->cinfo, data, (unsigned long)len);
  jpeg_save_markers(&c->cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&c->cinfo, TRUE);
  c->orientation = 1;
  for (jpeg_saved_marker_ptr m = c->cinfo.marker_list; m && c->orientation == 1; m = m->next)
    if (m->marker == JPEG_APP0 + 1) c->orientation = exif_orientation(m->data, m->data_length);
  const int grey = c->cinfo.num_components == 1;
  const int cmyk = c->cinfo.jpeg_color_space == JCS_CMYK || c->cinfo.jpeg_color_space == JCS_YCCK;
  c->cinfo.out_color_space = grey ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&c->cinfo);

  const int w = (int)c->cinfo.output_width, h = (int)c->cinfo.output_height;
  const int in_ch = c->cinfo.output_components, ch = grey ? 1 : 3;
  if (in_ch != (grey ? 1 : cmyk ? 4 : 3))
    return nets_error_set(err, NETS_ERR_FORMAT, "JPEG: unsupported component count %d", in_ch);
  c->img = nets_image_new(w, h, ch);
  c->row = malloc((size_t)w * in_ch);
  if (!c->img || !c->row)
    return nets_error_set(err, NETS_ERR_NOMEM, "JPEG: out of memory for %dx%d image", w, h);
  /* CMYK (print) JPEGs: Adobe's files, the usual kind, store the inks
   * inverted (255 = no ink); others store them as they are. */
  const int inverted = c->cinfo.saw_Adobe_marker;
  while (c->cinfo.output_scanline < c->cinfo.output_height) {
    const int y = (int)c->cinfo.output_scanline;
    JSAMPROW rows[1] = {c->row};
    jpeg_read_scanlines(&c->cinfo, rows, 1);
    float *d = c->img->data + (size_t)y * w * ch;
    if (!cmyk) {
      for (int i = 0; i < w * ch; i++) d[i] = c->row[i] * (1.0f / 255.0f);
    } else {
      for (int x = 0; x < w; x++) {
        const unsigned char *q = c->row + (size_t)x * 4;
        const float k = (inverted ? q[3] : 255 - q[3]) * (1.0f / 255.0f);
        for (int j = 0; j < 3; j++) d[x * 3 + j] = (inverted ? q[j] : 255 - q[j]) * (1.0f / 255.0f) * k;
      }
    }
  }
  jpeg_finish_decompress(&c->cinfo);
  return NETS_OK;
}

static nets_image *jpeg_load(const unsigned char *data, size_t len, nets_error *err) {
  jpeg_dctx c = {.created = 0};
  int rc = jpeg_decode(&c, data, len, err);
  if (c.created) jpeg_destroy_decompress(&c.cinfo);
  free(c.row);
  if (rc != NETS_OK) {
    nets_image_free(c.img);
    return NULL;
  }
  if (c.orientation == 1) return c.img;
  nets_image *shown = orient(c.img, c.orientation);
  nets_image_free(c.img);
  if (!shown) nets_error_set(err, NETS_ERR_NOMEM, "JPEG: out of memory to turn the picture upright");
  return shown;
}

typedef struct {
  jpeg_err err;
  struct jpeg_compress_struct cinfo;
  int created;
  unsigned char *row;
  unsigned char *out; /* malloc'ed by jpeg_mem_dest */
  unsigned long out_len;
} jpeg_cctx;

/* Encodes the colour channels of img (alpha is not stored) to memory. */
static int jpeg_encode(jpeg_cctx *c, const nets_image *img, int quality, nets_error *err) {
  const int cc = img->channels >= 3 ? 3 : 1; /* colour channels */
  jpeg_err_init(&c->err);
  c->cinfo.err = &c->err.mgr;
  if (setjmp(c->err.jmp)) return nets_error_set(err, NETS_ERR_IO, "JPEG: %s", c->err.msg);
  jpeg_create_compress(&c->cinfo);
  c->created = 1;
  jpeg_mem_dest(&c->cinfo, &c->out, &c->out_len);
  c->cinfo.image_width = (JDIMENSION)img->width;
  c->cinfo.image_height = (JDIMENSION)img->height;
  c->cinfo.input_components = cc;
  c->cinfo.in_color_space = cc == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&c->cinfo);
  jpeg_set_quality(&c->cinfo, quality, TRUE);
  c->row = malloc((size_t)img->width * cc);
  if (!c->row) return nets_error_set(err, NETS_ERR_NOMEM, "JPEG: out of memory");
  jpeg_start_compress(&c->cinfo, TRUE);
  while (c->cinfo.next_scanline < c->cinfo.image_height) {
    const float *s = img->data + (size_t)c->cinfo.next_scanline * img->width * img->channels;
    for (int x = 0; x < img->width; x++)
      for (int k = 0; k < cc; k++)
        c->row[x * cc + k] = (unsigned char)quantize(s[x * img->channels + k], 255);
    JSAMPROW rows[1] = {c->row};
    jpeg_write_scanlines(&c->cinfo, rows, 1);
  }
  jpeg_finish_compress(&c->cinfo);
  return NETS_OK;
}

static int check_quality(int quality, nets_error *err) {
  if (quality < 1 || quality > 100)
    return nets_error_set(err, NETS_ERR_ARG, "JPEG quality %d is outside 1..100", quality);
  return NETS_OK;
}

static int check_image(const nets_image *img, nets_error *err) {
  if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 ||
      img->channels > 4)
    return nets_error_set(err, NETS_ERR_ARG, "invalid image");
  return NETS_OK;
}

/* On success *out (malloc'ed, caller frees) holds the JPEG bytes. */
static int jpeg_to_memory(const nets_image *img, int quality, unsigned char **out,
                          unsigned long *out_len, nets_error *err) {
  jpeg_cctx c = {.created = 0};
  int rc = jpeg_encode(&c, img, quality, err);
  if (c.created) jpeg_destroy_compress(&c.cinfo);
  free(c.row);
  if (rc != NETS_OK) {
    free(c.out);
    return rc;
  }
  *out = c.out;
  *out_len = c.out_len;
  return NETS_OK;
}

int nets_image_jpeg_roundtrip(nets_image *img, int quality, nets_error *err) {
  int rc = check_image(img, err);
  if (rc == NETS_OK) rc = check_quality(quality, err);
  if (rc != NETS_OK) return rc;
  unsigned char *buf = NULL;
  unsigned long len = 0;
  rc = jpeg_to_memory(img, quality, &buf, &len, err);
  if (rc != NETS_OK) return rc;
  nets_image *dec = jpeg_load(buf, len, err);
  free(buf);
  if (!dec) return err ? err->code : NETS_ERR_FORMAT;
  /* Copy the decoded colour channels back; alpha is left untouched. */
  const int cc = dec->channels;
  const size_t n = (size_t)img->width * img->height;
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < cc; k++) img->data[i * img->channels + k] = dec->data[i * cc + k];
  nets_image_free(dec);
  return NETS_OK;
}

/* ---- load / save ----------------------------------------------------- */

/* Prefixes err->msg with the file name. */
static void prefix_path(nets_error *err, const char *path) {
  if (!err) return;
  char msg[NETS_ERR_MSG_LEN];
  snprintf(msg, sizeof msg, "%s", err->msg);
  nets_error_set(err, err->code, "%s: %s", path, msg);
}

nets_image *nets_image_load(const char *path, nets_error *err) {
  if (!path) {
    nets_error_set(err, NETS_ERR_ARG, "no path given");
    return NULL;
  }
  unsigned char *data = NULL;
  size_t len = 0;
  if (read_file(path, &data, &len, err) != NETS_OK) return NULL;
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  nets_image *img = NULL;
  if (len >= 8 && memcmp(data, png_sig, 8) == 0)
    img = png_load(data, len, err);
  else if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    img = jpeg_load(data, len, err);
  else
    nets_error_set(err, NETS_ERR_FORMAT, "not a PNG or JPEG file");
  g_free(data);
  if (!img) prefix_path(err, path);
  return img;
}

static int has_suffix(const char *path, const char *suffix) {
  size_t lp = strlen(path), ls = strlen(suffix);
  return lp >= ls && strcasecmp(path + lp - ls, suffix) == 0;
}

int nets_image_save(const nets_image *img, const char *path, int bit_depth, int jpeg_quality,
                    nets_error *err) {
  int rc = check_image(img, err);
  if (rc != NETS_OK) return rc;
  if (!path) return nets_error_set(err, NETS_ERR_ARG, "no path given");
  const int is_png = has_suffix(path, ".png");
  const int is_jpeg = has_suffix(path, ".jpg") || has_suffix(path, ".jpeg");
  if (!is_png && !is_jpeg)
    return nets_error_set(err, NETS_ERR_ARG, "%s: unknown extension (use .png, .jpg or .jpeg)",
                          path);
  if (is_png && bit_depth != 8 && bit_depth != 16)
    return nets_error_set(err, NETS_ERR_ARG, "PNG bit depth %d is not 8 or 16", bit_depth);
  if (is_jpeg && (rc = check_quality(jpeg_quality, err)) != NETS_OK) return rc;

  unsigned char *jpeg = NULL;
  unsigned long jpeg_len = 0;
  if (is_jpeg && (rc = jpeg_to_memory(img, jpeg_quality, &jpeg, &jpeg_len, err)) != NETS_OK)
    return rc;
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    free(jpeg);
    return nets_error_set(err, NETS_ERR_IO, "%s: cannot open for writing", path);
  }
  if (is_png) {
    rc = png_save(img, fp, bit_depth, err);
  } else if (fwrite(jpeg, 1, jpeg_len, fp) != jpeg_len) {
    rc = nets_error_set(err, NETS_ERR_IO, "%s: write failed", path);
  }
  free(jpeg);
  if (fclose(fp) != 0 && rc == NETS_OK)
    rc = nets_error_set(err, NETS_ERR_IO, "%s: write failed", path);
  if (rc != NETS_OK) remove(path);
  return rc;
}

/* ---- resize ---------------------------------------------------------- */

/* Resampling weights along one axis: output i reads taps source samples
 * starting at first[i] with weights w[i * taps ..]. */
typedef struct {
  int taps;
  int *first;
  float *w;
} axis_weights;

static void axis_free(axis_weights *a) {
  free(a->first);
  free(a->w);
}

static int axis_init(axis_weights *a, int src, int dst) {
  const double scale = (double)src / dst;
  a->taps = dst >= src ? 2 : (int)ceil(scale) + 1;
  a->first = calloc((size_t)dst, sizeof(int));
  a->w = calloc((size_t)dst * a->taps, sizeof(float));
  if (!a->first || !a->w) return -1;
  for (int i = 0; i < dst; i++) {
    float *w = a->w + (size_t)i * a->taps;
    if (dst >= src) { /* bilinear, pixel centres aligned, edges clamped */
      double x = (i + 0.5) * scale - 0.5;
      if (x < 0) x = 0;
      if (x > src - 1) x = src - 1;
      int x0 = (int)floor(x);
      if (x0 > src - 2) x0 = src > 1 ? src - 2 : 0;
      const double f = src > 1 ? x - x0 : 0.0;
      a->first[i] = x0;
      w[0] = (float)(1.0 - f);
      w[1] = src > 1 ? (float)f : 0.0f;
    } else { /* box: average of the source span [i*scale, (i+1)*scale) */
      const double lo = i * scale, hi = (i + 1) * scale;
      const int x0 = (int)floor(lo);
      double sum = 0.0;
      for (int t = 0; t < a->taps; t++) {
        const int x = x0 + t;
        const double ov = x < src ? fmax(0.0, fmin(hi, x + 1.0) - fmax(lo, (double)x)) : 0.0;
        w[t] = (float)ov;
        sum += ov;
      }
      a->first[i] = x0;
      for (int t = 0; t < a->taps; t++) w[t] = (float)(w[t] / sum);
    }
  }
  return 0;
}

/* The last tap may point one past the end with weight 0; clamp the index. */
static inline int tap_index(int i, int n) { return i < n ? i : n - 1; }

nets_image *nets_image_resize(const nets_image *img, int new_width, int new_height) {
  if (check_image(img, NULL) != NETS_OK || new_width <= 0 || new_height <= 0) return NULL;
  const int sw = img->width, sh = img->height, ch = img->channels;
  nets_image *tmp = nets_image_new(new_width, sh, ch); /* horizontal pass */
  nets_image *out = nets_image_new(new_width, new_height, ch);
  axis_weights ax = {0}, ay = {0};
  if (!tmp || !out || axis_init(&ax, sw, new_width) || axis_init(&ay, sh, new_height)) {
    nets_image_free(out);
    out = NULL;
    goto done;
  }
  for (int y = 0; y < sh; y++) {
    const float *s = img->data + (size_t)y * sw * ch;
    float *d = tmp->data + (size_t)y * new_width * ch;
    for (int x = 0; x < new_width; x++) {
      const float *w = ax.w + (size_t)x * ax.taps;
      for (int k = 0; k < ch; k++) {
        float acc = 0.0f;
        for (int t = 0; t < ax.taps; t++)
          if (w[t] != 0.0f) acc += w[t] * s[(size_t)tap_index(ax.first[x] + t, sw) * ch + k];
        d[x * ch + k] = acc;
      }
    }
  }
  const size_t row = (size_t)new_width * ch;
  for (int y = 0; y < new_height; y++) {
    const float *w = ay.w + (size_t)y * ay.taps;
    float *d = out->data + (size_t)y * row;
    for (int t = 0; t < ay.taps; t++) {
      if (w[t] == 0.0f) continue;
      const float *s = tmp->data + (size_t)tap_index(ay.first[y] + t, sh) * row;
      for (size_t i = 0; i < row; i++) d[i] += w[t] * s[i];
    }
  }
done:
  axis_free(&ax);
  axis_free(&ay);
  nets_image_free(tmp);
  return out;
}
