/* Repainting one face: crop -> inpainter -> upscale + skin texture (or grain).
 * Also the classical baseline (harmonic fill at full scale). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"
#include "../synth/crop.h"
#include "../synth/synth.h"
#include "diffuse.h"
#include "hole.h"
#include "pipeline-private.h"
#include "texture.h"
#include "../core/clamp.h"

#define S NETS_INPAINT_SIZE
/* How far (crop px) past the predicted jaw line and brows the face reaches:
 * hole pixels farther out get the harmonic fill (fill_away).  On the
 * photos of eval-photos this took the network's coloured smudges off the
 * background beside the faces (weights/README.md, session 16). */
#define FACE_MARGIN 6

static float clampf(float v) { return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; }

/* Catmull-Rom weights for fractional position t in [0,1). */
static void cubic_weights(float t, float *wt) {
  float t2 = t * t, t3 = t2 * t;
  wt[0] = 0.5f * (-t3 + 2 * t2 - t);
  wt[1] = 0.5f * (3 * t3 - 5 * t2 + 2);
  wt[2] = 0.5f * (-3 * t3 + 4 * t2 + t);
  wt[3] = 0.5f * (t3 - t2);
}

/* Bicubic sample of a S*S RGB image at (u, v) in pixel-centre coordinates. */
static void sample_bicubic(const float *img, float u, float v, float *out) {
  int iu = (int)floorf(u), iv = (int)floorf(v);
  float wu[4], wv[4];
  cubic_weights(u - iu, wu);
  cubic_weights(v - iv, wv);
  float acc[3] = {0, 0, 0};
  for (int j = 0; j < 4; j++) {
    int y = nets_clampi(iv - 1 + j, 0, S - 1);
    for (int i = 0; i < 4; i++) {
      int x = nets_clampi(iu - 1 + i, 0, S - 1);
      const float *p = img + ((size_t)y * S + x) * 3;
      float wgt = wu[i] * wv[j];
      for (int c = 0; c < 3; c++) acc[c] += wgt * p[c];
    }
  }
  for (int c = 0; c < 3; c++) out[c] = clampf(acc[c]);
}

/* Deterministic standard normal noise for a pixel (hash + Box-Muller). */
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static float pixel_noise(int x, int y, int index) {
  uint64_t h = mix64(((uint64_t)(uint32_t)x << 32) ^ (uint32_t)y ^ ((uint64_t)index << 56));
  double u1 = ((h >> 11) + 1.0) / 9007199254740993.0;
  double u2 = (mix64(h) >> 11) / 9007199254740992.0;
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Robust std of high-pass luminance (L - 3x3 mean) over the pixels of a
 * w*h RGB(A) image (stride ch) where sel(i) is true; -1 if too few. */
static double hf_sigma(const float *img, int ch, int w, int h, const unsigned char *sel) {
  size_t n = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) n += sel[i];
  if (n < 32) return -1.0;
  size_t step = n > 20000 ? n / 20000 : 1, k = 0, m = 0;
  float *v = malloc(sizeof(float) * (n / step + 1));
  if (!v) return -1.0;
  for (int y = 1; y + 1 < h; y++)
    for (int x = 1; x + 1 < w; x++) {
      size_t i = (size_t)y * w + x;
      if (!sel[i] || (k++ % step)) continue;
      float sum = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) sum += nets_luma(img + (i + (size_t)dy * w + dx) * ch);
      v[m++] = fabsf(nets_luma(img + i * ch) - sum / 9.0f);
    }
  double r = -1.0;
  if (m >= 32) {
    qsort(v, m, sizeof(float), cmp_float);
    r = 1.4826 * v[m / 2];
  }
  free(v);
  return r;
}

/* Add luminance grain to job->fill so its fine texture matches the band
 * around the hole (the network's 128 px output is soft once upscaled). */
static void add_grain(unmask_job *job, const float *ebuf, const float *ea, int ew, int eh,
                      int index) {
  size_t n = (size_t)ew * eh;
  unsigned char *sel = malloc(n);
  float *frgb = malloc(sizeof(float) * 3 * (size_t)job->w * job->h);
  unsigned char *fsel = malloc((size_t)job->w * job->h);
  if (!sel || !frgb || !fsel) goto done;
  for (size_t i = 0; i < n; i++) sel[i] = ea[i] == 0.0f;
  double s_ring = hf_sigma(ebuf, 4, ew, eh, sel);
  /* the fill: only pixels whose 3x3 neighbourhood is all fill */
  memcpy(frgb, job->fill, sizeof(float) * 3 * (size_t)job->w * job->h);
  for (int y = 0; y < job->h; y++)
    for (int x = 0; x < job->w; x++) {
      int ok = 1;
      for (int dy = -1; dy <= 1 && ok; dy++)
        for (int dx = -1; dx <= 1 && ok; dx++) {
          int xx = x + dx, yy = y + dy;
          ok = xx >= 0 && yy >= 0 && xx < job->w && yy < job->h &&
               job->alpha[(size_t)yy * job->w + xx] > 0.0f;
        }
      fsel[(size_t)y * job->w + x] = (unsigned char)ok;
    }
  double s_fill = hf_sigma(frgb, 3, job->w, job->h, fsel);
  if (s_ring <= 0 || s_fill < 0) goto done;
  double add = s_ring * s_ring - s_fill * s_fill;
  if (add <= 0) goto done;
  /* white noise keeps sqrt(8/9) of its std through L - mean3x3 */
  float sigma = (float)(sqrt(add) / 0.9428);
  if (sigma > 0.08f) sigma = 0.08f;
  for (int y = 0; y < job->h; y++)
    for (int x = 0; x < job->w; x++) {
      size_t i = (size_t)y * job->w + x;
      if (job->alpha[i] <= 0.0f) continue;
      float d = sigma * pixel_noise(job->x + x, job->y + y, index);
      for (int c = 0; c < 3; c++) job->fill[i * 3 + c] = clampf(job->fill[i * 3 + c] + d);
    }
done:
  free(sel), free(frgb), free(fsel);
}

/* Read the inpainter's S*S input for the crop (cx, cy, side) into crop (RGBA).
 * *ox, *oy receive the full-scale origin of the crop actually read (the
 * scaled reader works on an integer grid, so it may differ from the ideal
 * one by less than one crop pixel); the crop's side stays `side`. */
static int read_crop(const unmask_image_io *io, double cx, double cy, double side, float *crop,
                     double *ox, double *oy, nets_error *err) {
  double x0 = cx - 0.5 * side, y0 = cy - 0.5 * side;
  if (side > S) {
    double scale = S / side;
    int xs = (int)lround(x0 * scale), ys = (int)lround(y0 * scale);
    if (io->read(io->user, xs, ys, S, S, scale, crop))
      return nets_error_set(err, NETS_ERR_IO, "unmask: reading the face crop failed");
    *ox = xs / scale;
    *oy = ys / scale;
    return NETS_OK;
  }
  /* small face: read at full scale and upsample */
  int bx = (int)floor(x0) - 1, by = (int)floor(y0) - 1;
  int bw = (int)ceil(side) + 3, bh = bw;
  float *buf = malloc(sizeof(float) * 4 * (size_t)bw * bh);
  if (!buf) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  if (io->read(io->user, bx, by, bw, bh, 1.0, buf)) {
    free(buf);
    return nets_error_set(err, NETS_ERR_IO, "unmask: reading the face crop failed");
  }
  unmask_crop_read(buf, bw, bh, 4, cx - bx, cy - by, side, S, crop);
  free(buf);
  *ox = x0;
  *oy = y0;
  return NETS_OK;
}

/* Whether the inpainter gets a drawing of the lower face: always for a
 * covering the detector found; for a part of the user's hole only when the
 * detector, shown the crop (the framing of its second look), sees a mask in
 * the hole.  A drawing where no face is hidden would paint lips on a wall. */
#define SKETCH_MIN_MASK 0.3f /* mean probability over the hole; the second look's bar */
static int wants_sketch(unmask_models *m, const unmask_job *job, const float *rgb, const float *hole, int *yes,
                        nets_error *err) {
  *yes = 0;
  if (!m->landmarker) return NETS_OK;
  if (job->covering) {
    *yes = 1;
    return NETS_OK;
  }
  if (!m->detector) return NETS_OK;
  float *prob = malloc(sizeof(float) * S * S);
  if (!prob) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  int rc = nets_detector_predict(m->detector, rgb, S, S, prob, err);
  double sum = 0;
  long n = 0;
  for (int i = 0; !rc && i < S * S; i++)
    if (hole[i] > 0.5f) sum += prob[i], n++;
  free(prob);
  *yes = !rc && n > 0 && sum / n >= SKETCH_MIN_MASK;
  return rc;
}

/* How far a pixel's colour is from its grey (0..1); y receives that grey
 * (its luma) and d the difference, channel by channel. */
static float chroma(const float *q, float *y, float d[3]) {
  float s = 0;
  *y = nets_luma(q);
  for (int c = 0; c < 3; c++) d[c] = q[c] - *y, s += d[c] * d[c];
  return sqrtf(s);
}

/* The colourfulness (distance of a pixel's colour from its grey, 0..1) that
 * 98% of the crop's visible pixels stay under: the fill's limit.  0 for a
 * grey photo (within 1/255).  away: the hole grown by a few pixels, so
 * that the covering's own soft edge does not count. */
static float visible_chroma(const float *rgb, const unsigned char *away) {
  enum { BINS = 512 };
  long hist[BINS] = {0}, n = 0;
  for (int i = 0; i < S * S; i++) {
    if (away[i]) continue;
    float y, d[3];
    const float s = chroma(rgb + (size_t)i * 3, &y, d);
    hist[s < 1.5f / 255 ? 0 : 1 + (int)fminf(s * (BINS - 1), BINS - 2)]++;
    n++;
  }
  if (n == 0) return 1.0f; /* nothing visible: no limit */
  long below = 0;
  for (int b = 0; b < BINS; b++)
    if ((below += hist[b]) >= 0.98 * n) return b == 0 ? 0.0f : (float)b / (BINS - 1);
  return 1.0f;
}

/* See pipeline-private.h. */
float unmask_fill_away_weight(const unmask_job *job, int px, int py, double ox, double oy, double k,
                              const unsigned char *face) {
  const double m = 0.1 * (job->bw > job->bh ? job->bw : job->bh);
  const double u = (px + 0.5 - ox) * k, v = (py + 0.5 - oy) * k;
  if (u < 0 || v < 0 || u >= S || v >= S) return 1.0f;
  if (px + 0.5 < job->bx - m || py + 0.5 < job->by - m || px + 0.5 > job->bx + job->bw + m ||
      py + 0.5 > job->by + job->bh + m)
    return 1.0f;
  if (!face) return 0.0f;
  const double fu = u - 0.5 < 0 ? 0 : u - 0.5, fv = v - 0.5 < 0 ? 0 : v - 0.5;
  const int u0 = (int)fu, v0 = (int)fv, u1 = u0 + 1 < S ? u0 + 1 : u0, v1 = v0 + 1 < S ? v0 + 1 : v0;
  const double tu = fu - u0, tv = fv - v0;
  const double f = (1 - tv) * ((1 - tu) * face[v0 * S + u0] + tu * face[v0 * S + u1]) +
                   tv * ((1 - tu) * face[v1 * S + u0] + tu * face[v1 * S + u1]);
  return (float)(1.0 - f);
}

/* Whether the pixel is away at all (its away weight above 0). */
static int is_away(const unmask_job *job, int px, int py, double ox, double oy, double k,
                   const unsigned char *face) {
  return unmask_fill_away_weight(job, px, py, ox, oy, k, face) > 0.0f;
}

/* Hole pixels away from the covering's body (a strap that runs on towards an
 * ear) or off the face (the background beside it) get the harmonic fill of
 * the pixels around them, the network's fill next to them included: the
 * network paints a face there, and a thin line is best filled from its two
 * sides.  face: is_away's (may be NULL).  ebuf/ea: the job's rectangle plus
 * a band (ew*eh at ex, ey); the crop: side S/k at (ox, oy).  Returns 0 or
 * NETS_ERR_NOMEM. */
static int fill_away(unmask_job *job, const float *ebuf, const float *ea, int ex, int ey, int ew, int eh,
                       double ox, double oy, double k, const unsigned char *face) {
  int x0 = ew, y0 = eh, x1 = -1, y1 = -1;
  for (int y = 0; y < job->h; y++) {
    for (int x = 0; x < job->w; x++) {
      if (job->alpha[(size_t)y * job->w + x] <= 0.0f || !is_away(job, job->x + x, job->y + y, ox, oy, k, face))
        continue;
      const int X = job->x + x - ex, Y = job->y + y - ey;
      x0 = X < x0 ? X : x0, x1 = X > x1 ? X : x1, y0 = Y < y0 ? Y : y0, y1 = Y > y1 ? Y : y1;
    }
  }
  if (x1 < 0) return NETS_OK;
  const int mg = 8; /* known pixels around the outside part */
  x0 = nets_clampi(x0 - mg, 0, ew - 1), y0 = nets_clampi(y0 - mg, 0, eh - 1);
  x1 = nets_clampi(x1 + mg, 0, ew - 1), y1 = nets_clampi(y1 + mg, 0, eh - 1);
  const int sw = x1 - x0 + 1, sh = y1 - y0 + 1;
  float *rgb = malloc(sizeof(float) * 3 * (size_t)sw * sh), *unknown = calloc((size_t)sw * sh, sizeof(float));
  float *weight = malloc(sizeof(float) * (size_t)sw * sh); /* unmask_fill_away_weight's */
  if (!rgb || !unknown || !weight) {
    free(rgb), free(unknown), free(weight);
    return NETS_ERR_NOMEM;
  }
  for (int Y = 0; Y < sh; Y++)
    for (int X = 0; X < sw; X++) {
      const size_t i = (size_t)Y * sw + X, e = (size_t)(Y + y0) * ew + (X + x0);
      const int jx = X + x0 + ex - job->x, jy = Y + y0 + ey - job->y;
      const int in_job = jx >= 0 && jy >= 0 && jx < job->w && jy < job->h;
      const size_t j = in_job ? (size_t)jy * job->w + jx : 0;
      weight[i] = unmask_fill_away_weight(job, X + x0 + ex, Y + y0 + ey, ox, oy, k, face);
      const int inside = !(weight[i] > 0.0f);
      if (in_job && job->alpha[j] > 0.0f && inside) /* the network's fill counts as known */
        memcpy(rgb + i * 3, job->fill + j * 3, sizeof(float) * 3);
      else
        memcpy(rgb + i * 3, ebuf + e * 4, sizeof(float) * 3);
      unknown[i] = ea[e] > 0.0f && !inside;
    }
  unmask_diffuse_fill(rgb, sw, sh, 3, unknown);
  for (int Y = 0; Y < sh; Y++)
    for (int X = 0; X < sw; X++) {
      const size_t i = (size_t)Y * sw + X;
      const int jx = X + x0 + ex - job->x, jy = Y + y0 + ey - job->y;
      if (!(unknown[i] > 0.0f) || jx < 0 || jy < 0 || jx >= job->w || jy >= job->h) continue;
      /* on the face's edge ramp: the network's fill and the harmonic one, mixed */
      const float w = weight[i];
      float *f = job->fill + ((size_t)jy * job->w + jx) * 3;
      for (int c = 0; c < 3; c++) f[c] = w * rgb[i * 3 + c] + (1.0f - w) * f[c];
    }
  free(rgb), free(unknown), free(weight);
  return NETS_OK;
}

/* Largest picture area read for the skin's texture (pixels): faces larger
 * than about 1200 px get grain instead. */
#define TEXTURE_MAX_AREA (1200L * 1200L)

/* Add the face's own skin texture (texture.h) to the fill of a large face:
 * detail from the visible skin of the S*S map skin (crop side S/k at ox,
 * oy), at the scale of half a crop pixel, where the fill is on the face (not
 * is_away; face as there).  Returns 1 when done, 0 when it could not be
 * (too large an area, too little skin, a read error: grain is the fallback),
 * or NETS_ERR_NOMEM. */
static int add_texture(unmask_job *job, const unmask_image_io *io, const unsigned char *skin, double ox,
                       double oy, double k, double side, const unsigned char *face, int index) {
  int x0 = (int)floor(ox), y0 = (int)floor(oy);
  int x1 = (int)ceil(ox + side), y1 = (int)ceil(oy + side);
  x0 = job->x < x0 ? job->x : x0, y0 = job->y < y0 ? job->y : y0;
  x1 = job->x + job->w > x1 ? job->x + job->w : x1, y1 = job->y + job->h > y1 ? job->y + job->h : y1;
  x0 = nets_clampi(x0, 0, io->width), y0 = nets_clampi(y0, 0, io->height);
  x1 = nets_clampi(x1, 0, io->width), y1 = nets_clampi(y1, 0, io->height);
  const int w = x1 - x0, h = y1 - y0;
  if (w <= 0 || h <= 0 || (long)w * h > TEXTURE_MAX_AREA) return 0;
  const size_t n = (size_t)w * h;
  float *buf = malloc(sizeof(float) * 4 * n), *luma = malloc(sizeof(float) * n);
  float *target = malloc(sizeof(float) * n), *detail = malloc(sizeof(float) * n);
  unsigned char *src = malloc(n), *dst = calloc(n, 1);
  int rc = 0;
  if (!buf || !luma || !target || !detail || !src || !dst) {
    rc = NETS_ERR_NOMEM;
    goto done;
  }
  if (io->read(io->user, x0, y0, w, h, 1.0, buf)) goto done;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const size_t i = (size_t)y * w + x;
      luma[i] = target[i] = nets_luma(buf + i * 4);
      const int jx = x0 + x - job->x, jy = y0 + y - job->y;
      const float a = jx >= 0 && jy >= 0 && jx < job->w && jy < job->h ? job->alpha[(size_t)jy * job->w + jx] : 0;
      const double u = (x0 + x + 0.5 - ox) * k, v = (y0 + y + 0.5 - oy) * k;
      src[i] = a <= 0 && u >= 0 && v >= 0 && u < S && v < S ? skin[(int)v * S + (int)u] : 0;
      if (a > 0 && !is_away(job, x0 + x, y0 + y, ox, oy, k, face)) {
        dst[i] = 1;
        target[i] = nets_luma(job->fill + ((size_t)jy * job->w + jx) * 3);
      }
    }
  /* skin is of the face's colour: hair over the forehead is not */
  unmask_texture_keep_colour(buf, 4, src, n);
  free(buf); /* the luminance is all that is needed from here on */
  buf = NULL;
  const int radius = (int)lround(0.5 * side / S);
  rc = unmask_texture_detail(luma, src, target, dst, w, h, radius, 0x5eedull + (uint64_t)index, detail);
  if (rc == 1)
    for (int y = 0; y < job->h; y++)
      for (int x = 0; x < job->w; x++) {
        const int X = job->x + x - x0, Y = job->y + y - y0;
        const size_t i = (size_t)Y * w + X, j = (size_t)y * job->w + x;
        if (!dst[i]) continue;
        for (int c = 0; c < 3; c++) job->fill[j * 3 + c] = clampf(job->fill[j * 3 + c] + detail[i]);
      }
done:
  free(buf), free(luma), free(target), free(detail), free(src), free(dst);
  return rc;
}

/* Marks in h8 (S*S) the crop pixels (crop side S/k at ox, oy) that overlap
 * a pixel of job's alpha >= 0.5. */
static void mark_hole(const unmask_job *job, double ox, double oy, double k, unsigned char *h8) {
  for (int y = 0; y < job->h; y++) {
    const int py = job->y + y;
    const int v0 = (int)floor((py - oy) * k), v1 = (int)ceil((py + 1 - oy) * k) - 1;
    if (v1 < 0 || v0 >= S) continue;
    for (int x = 0; x < job->w; x++) {
      if (job->alpha[(size_t)y * job->w + x] < 0.5f) continue;
      const int px = job->x + x;
      const int u0 = (int)floor((px - ox) * k), u1 = (int)ceil((px + 1 - ox) * k) - 1;
      for (int v = v0 < 0 ? 0 : v0; v <= v1 && v < S; v++)
        for (int u = u0 < 0 ? 0 : u0; u <= u1 && u < S; u++) h8[v * S + u] = 1;
    }
  }
}

int unmask_fill_job(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                    unmask_job *job, int index, nets_error *err) {
  int rc = NETS_OK;
  double cx, cy, side;
  unmask_crop_from_hole_box(job->bx, job->by, job->bw, job->bh, &cx, &cy, &side);

  /* the job's rectangle plus a band around it, at full scale */
  int mg = nets_clampi((int)ceil(side / 40.0), 3, 64);
  int ex = job->x - mg, ey = job->y - mg;
  int ex1 = job->x + job->w + mg, ey1 = job->y + job->h + mg;
  if (ex < 0) ex = 0;
  if (ey < 0) ey = 0;
  if (ex1 > io->width) ex1 = io->width;
  if (ey1 > io->height) ey1 = io->height;
  int ew = ex1 - ex, eh = ey1 - ey;
  size_t en = (size_t)ew * eh, jn = (size_t)job->w * job->h;
  float *ebuf = malloc(sizeof(float) * 4 * en);
  float *ea = calloc(en, sizeof(float));
  float *crop = malloc(sizeof(float) * 4 * S * S);
  float *rgb = malloc(sizeof(float) * 3 * S * S);
  float *hole = calloc((size_t)S * S, sizeof(float));
  float *out = malloc(sizeof(float) * 3 * S * S);
  float *sketch = malloc(sizeof(float) * S * S);
  unsigned char *h8 = calloc((size_t)S * S, 1), *away = malloc((size_t)S * S), *face = malloc((size_t)S * S);
  unsigned char *skin = malloc((size_t)S * S);
  const int own_orig = !job->orig; /* else read before, from the picture itself */
  if (own_orig) job->orig = malloc(sizeof(float) * 4 * jn);
  job->fill = malloc(sizeof(float) * 3 * jn);
  if (!ebuf || !ea || !crop || !rgb || !hole || !out || !sketch || !h8 || !away || !face || !skin || !job->orig || !job->fill) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    goto done;
  }
  if (io->read(io->user, ex, ey, ew, eh, 1.0, ebuf)) {
    rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
    goto done;
  }
  for (int y = 0; y < job->h; y++) {
    if (own_orig)
      memcpy(job->orig + (size_t)y * job->w * 4,
             ebuf + ((size_t)(y + job->y - ey) * ew + (job->x - ex)) * 4, sizeof(float) * 4 * job->w);
    memcpy(ea + (size_t)(y + job->y - ey) * ew + (job->x - ex), job->alpha + (size_t)y * job->w,
           sizeof(float) * job->w);
  }

  if (p->baseline || !m || !m->inpainter) {
    /* classical baseline: harmonic fill at full scale from the band around */
    float *e3 = malloc(sizeof(float) * 3 * en);
    if (!e3) {
      rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
      goto done;
    }
    for (size_t i = 0; i < en; i++) memcpy(e3 + i * 3, ebuf + i * 4, sizeof(float) * 3);
    unmask_diffuse_fill(e3, ew, eh, 3, ea);
    for (int y = 0; y < job->h; y++)
      memcpy(job->fill + (size_t)y * job->w * 3,
             e3 + ((size_t)(y + job->y - ey) * ew + (job->x - ex)) * 3, sizeof(float) * 3 * job->w);
    free(e3);
    goto done;
  }

  double ox = 0, oy = 0;
  if ((rc = read_crop(io, cx, cy, side, crop, &ox, &oy, err))) goto done;
  for (int i = 0; i < S * S; i++)
    for (int c = 0; c < 3; c++) rgb[i * 3 + c] = clampf(crop[(size_t)i * 4 + c]);
  /* the hole at S: a crop pixel is in it when it overlaps a pixel of alpha
   * >= 0.5.  The outer half of the feather is left to the network's
   * rendering of the pixels it sees: a hole as small as the blend allows is
   * nearer the training holes (the drawn mask grown by a few px) and leaves
   * less to invent.  (It is not grown further: the bicubic upscale below
   * reads the network's rendering just outside it, which is close to the
   * photo; growing it by 1 px cost 0.16-0.17 dB on 100 held-out crops given as
   * user holes, weights/README.md.) */
  double k = S / side;
  mark_hole(job, ox, oy, k, h8);
  for (int i = 0; i < S * S; i++) hole[i] = h8[i];
  memcpy(away, h8, (size_t)S * S);
  if ((rc = unmask_hole_dilate(away, S, S, 3))) {
    nets_error_set(err, rc, "unmask: out of memory");
    goto done;
  }
  const float chroma_max = visible_chroma(rgb, away);
  /* where the hidden jaw, nose and lips are, drawn for an inpainter that
   * takes such a drawing (weights/README.md, "landmarks") */
  int use_sketch = 0;
  if (!p->no_sketch && (rc = wants_sketch(m, job, rgb, hole, &use_sketch, err))) goto done;
  if (use_sketch) {
    float lm[136];
    if ((rc = nets_landmarker_predict(m->landmarker, rgb, hole, lm, err))) goto done;
    unmask_landmark_sketch(lm, S, sketch);
    unmask_landmark_face(lm, S, face);
    if ((rc = unmask_texture_skin(face, lm, S, skin)) || (rc = unmask_hole_dilate(face, S, S, FACE_MARGIN))) {
      nets_error_set(err, rc, "unmask: out of memory");
      goto done;
    }
  }
  nets_inpainter_set_sketch(m->inpainter, use_sketch ? sketch : NULL);
  rc = nets_inpainter_predict_detail(m->inpainter, rgb, hole, (float)p->detail, out, err);
  nets_inpainter_set_sketch(m->inpainter, NULL); /* sketch is freed below */
  if (rc) goto done;

  /* No colour shift: matching the mean colour of a ring around the hole
   * lowered the held-out PSNR (24.42 -> 24.07 dB on 200 crops, and 24.23 ->
   * 24.01 with a strong colour cast on them); the network takes the colour
   * from what it sees.  But no fill is more colourful than the crop's
   * visible pixels: a grey or faded photo stays so, whatever the colour of
   * the covering. */
  for (int i = 0; i < S * S; i++) {
    float *o = out + (size_t)i * 3, y, d[3];
    const float n = chroma(o, &y, d), f = n > chroma_max ? chroma_max / n : 1.0f;
    for (int c = 0; c < 3; c++) o[c] = clampf(y + f * d[c]);
  }

  /* upscale to the full-scale rectangle (bicubic) */
  for (int y = 0; y < job->h; y++) {
    float v = (float)((job->y + y + 0.5 - oy) * k - 0.5);
    for (int x = 0; x < job->w; x++) {
      size_t i = (size_t)y * job->w + x;
      if (job->alpha[i] <= 0.0f) {
        memcpy(job->fill + i * 3, job->orig + i * 4, sizeof(float) * 3);
        continue;
      }
      float u = (float)((job->x + x + 0.5 - ox) * k - 0.5);
      sample_bicubic(out, u, v, job->fill + i * 3);
    }
  }
  if ((rc = fill_away(job, ebuf, ea, ex, ey, ew, eh, ox, oy, k, use_sketch ? face : NULL))) {
    nets_error_set(err, rc, "unmask: out of memory");
    goto done;
  }
  /* the skin's own fine texture, or failing that grain: the same on R, G,
   * B, so a grey fill stays grey */
  if (side > 1.25 * S) {
    int done_texture = 0;
    if (use_sketch &&
        (done_texture = add_texture(job, io, skin, ox, oy, k, side, face, index)) < 0) {
      rc = nets_error_set(err, done_texture, "unmask: out of memory");
      goto done;
    }
    if (!done_texture) add_grain(job, ebuf, ea, ew, eh, index);
  }

done:
  free(ebuf), free(ea), free(crop), free(rgb), free(hole), free(out), free(sketch), free(h8), free(away), free(face), free(skin);
  return rc;
}
