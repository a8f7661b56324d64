#include "texture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hole.h"
#include "nets-error.h"
#include "rng.h"
#include "synth.h"
#include "../core/clamp.h"

#define MIN_SOURCES 16 /* fewer usable patches than this: no detail */
#define TRIES 32       /* random source patches weighed for each tile */

/* dst = box blur of src (radius r, edges clamped), along rows then columns. */
static void box_blur(const float *src, float *tmp, float *dst, int w, int h, int r) {
  const float inv = 1.0f / (2 * r + 1);
  for (int y = 0; y < h; y++) {
    const float *s = src + (size_t)y * w;
    float acc = 0;
    for (int i = -r; i <= r; i++) acc += s[i < 0 ? 0 : i >= w ? w - 1 : i];
    for (int x = 0; x < w; x++) {
      tmp[(size_t)y * w + x] = acc * inv;
      const int out = x - r, in = x + r + 1;
      acc += s[in >= w ? w - 1 : in] - s[out < 0 ? 0 : out];
    }
  }
  for (int x = 0; x < w; x++) {
    float acc = 0;
    for (int i = -r; i <= r; i++) acc += tmp[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + x];
    for (int y = 0; y < h; y++) {
      dst[(size_t)y * w + x] = acc * inv;
      const int out = y - r, in = y + r + 1;
      acc += tmp[(size_t)(in >= h ? h - 1 : in) * w + x] - tmp[(size_t)(out < 0 ? 0 : out) * w + x];
    }
  }
}

/* Summed-area table (w+1 x h+1) of v, or of m != 0 when v is NULL. */
static void integral(const float *v, const unsigned char *m, int w, int h, double *sat) {
  memset(sat, 0, sizeof(double) * (w + 1));
  for (int y = 0; y < h; y++) {
    double row = 0;
    sat[(size_t)(y + 1) * (w + 1)] = 0;
    for (int x = 0; x < w; x++) {
      row += v ? v[(size_t)y * w + x] : m[(size_t)y * w + x] != 0;
      sat[(size_t)(y + 1) * (w + 1) + x + 1] = sat[(size_t)y * (w + 1) + x + 1] + row;
    }
  }
}

/* Sum over [x0, x1) x [y0, y1) from a summed-area table of width w + 1. */
static double box_sum(const double *sat, int w, int x0, int y0, int x1, int y1) {
  const size_t W = (size_t)w + 1;
  return sat[y1 * W + x1] - sat[y0 * W + x1] - sat[y1 * W + x0] + sat[y0 * W + x0];
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int unmask_texture_detail(const float *luma, const unsigned char *src, const float *target,
                          const unsigned char *dst, int w, int h, int radius, uint64_t seed,
                          float *detail) {
  const size_t n = (size_t)w * h;
  memset(detail, 0, sizeof(float) * n);
  const int r = radius < 1 ? 1 : radius;
  const int T = 6 * r < 12 ? 12 : 6 * r; /* tile side; tiles overlap by half */
  const int pad = 2 * r;                 /* the high-pass reads this far around a patch */
  if (w < T + 2 * pad || h < T + 2 * pad) return 0;

  float *lo = malloc(sizeof(float) * n), *tmp = malloc(sizeof(float) * n);
  float *hp = malloc(sizeof(float) * n), *acc = calloc(n, sizeof(float)), *wsq = calloc(n, sizeof(float));
  double *s_ok = malloc(sizeof(double) * (w + 1) * (h + 1)), *s_lo = malloc(sizeof(double) * (w + 1) * (h + 1));
  double *s_e = malloc(sizeof(double) * (w + 1) * (h + 1));
  float *win = malloc(sizeof(float) * T);
  int *pos = NULL, rc = 0;
  double *energy = NULL;
  if (!lo || !tmp || !hp || !acc || !wsq || !s_ok || !s_lo || !s_e || !win) {
    rc = NETS_ERR_NOMEM;
    goto done;
  }
  /* high-pass: the picture minus two box blurs of radius r (about a Gaussian) */
  box_blur(luma, tmp, lo, w, h, r);
  box_blur(lo, tmp, hp, w, h, r);
  memcpy(lo, hp, sizeof(float) * n);
  for (size_t i = 0; i < n; i++) hp[i] = luma[i] - lo[i], tmp[i] = hp[i] * hp[i];
  integral(NULL, src, w, h, s_ok);
  integral(lo, NULL, w, h, s_lo);
  integral(tmp, NULL, w, h, s_e);

  /* source patches: every T x T window (on a grid of r) whose high-pass
   * reads only skin */
  const int nx = (w - T - 2 * pad) / r + 1, ny = (h - T - 2 * pad) / r + 1;
  pos = malloc(sizeof(int) * 2 * (size_t)nx * ny);
  energy = malloc(sizeof(double) * (size_t)nx * ny);
  if (!pos || !energy) {
    rc = NETS_ERR_NOMEM;
    goto done;
  }
  const double full = (double)(T + 2 * pad) * (T + 2 * pad), area = (double)T * T;
  int np = 0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      const int x = pad + i * r, y = pad + j * r;
      if (box_sum(s_ok, w, x - pad, y - pad, x + T + pad, y + T + pad) < full) continue;
      pos[2 * np] = x, pos[2 * np + 1] = y;
      energy[np++] = box_sum(s_e, w, x, y, x + T, y + T) / area;
    }
  if (np < MIN_SOURCES) goto done;
  /* the median texture strength: patches far from it (an eyelid's edge, a
   * shadow's) are passed over */
  double *sorted = malloc(sizeof(double) * np);
  if (!sorted) {
    rc = NETS_ERR_NOMEM;
    goto done;
  }
  memcpy(sorted, energy, sizeof(double) * np);
  qsort(sorted, np, sizeof(double), cmp_double);
  const double e_mid = sorted[np / 2] > 1e-12 ? sorted[np / 2] : 1e-12;
  free(sorted);

  /* raised-cosine window: with tiles half a tile apart its values sum to 1 */
  for (int i = 0; i < T; i++) {
    const float s = sinf(3.14159265f * (i + 0.5f) / T);
    win[i] = s * s;
  }
  int bx0, by0, bx1, by1; /* the wanted pixels' box */
  unmask_hole_box(dst, w, h, &bx0, &by0, &bx1, &by1);
  nets_rng rng;
  nets_rng_seed(&rng, seed);
  const int step = T / 2;
  for (int ty = by0 - step; ty <= by1; ty += step)
    for (int tx = bx0 - step; tx <= bx1; tx += step) {
      /* the fill's mean brightness over the tile's wanted pixels */
      double sum = 0;
      long cnt = 0;
      for (int y = ty < 0 ? 0 : ty; y < ty + T && y < h; y++)
        for (int x = tx < 0 ? 0 : tx; x < tx + T && x < w; x++)
          if (dst[(size_t)y * w + x]) sum += target[(size_t)y * w + x], cnt++;
      if (cnt == 0) continue;
      const double mt = sum / cnt;
      int best = 0;
      double best_score = INFINITY;
      for (int k = 0; k < TRIES; k++) {
        const int c = nets_rng_int(&rng, np);
        const double mb = box_sum(s_lo, w, pos[2 * c], pos[2 * c + 1], pos[2 * c] + T, pos[2 * c + 1] + T) / area;
        const double score = fabs(mb - mt) / 0.03 + fabs(log(energy[c] / e_mid + 1e-9));
        if (score < best_score) best_score = score, best = c;
      }
      const int sx = pos[2 * best], sy = pos[2 * best + 1];
      const double mb = box_sum(s_lo, w, sx, sy, sx + T, sy + T) / area;
      /* texture is proportional to the light: a darker tile gets less; and
       * a tile brighter or darker than any skin (a collar, a shadow) is no
       * skin, so it gets less the further it is */
      double gain = mb > 1e-3 ? mt / mb : 1.0;
      gain = gain < 0.5 ? 0.5 : gain > 1.25 ? 1.25 : gain;
      const double off = (mb - mt) / 0.1;
      gain *= exp(-off * off);
      for (int y = 0; y < T; y++) {
        const int Y = ty + y;
        if (Y < 0 || Y >= h) continue;
        for (int x = 0; x < T; x++) {
          const int X = tx + x;
          if (X < 0 || X >= w) continue;
          const size_t i = (size_t)Y * w + X;
          const float wt = win[x] * win[y];
          acc[i] += wt * (float)gain * hp[(size_t)(sy + y) * w + sx + x];
          wsq[i] += wt * wt;
        }
      }
    }
  /* sums of independent patches: divided by the root of the squared
   * weights, the detail keeps its strength where tiles overlap */
  for (size_t i = 0; i < n; i++)
    if (dst[i] && wsq[i] > 1e-6f) detail[i] = acc[i] / sqrtf(wsq[i]);
  rc = 1;
done:
  free(lo), free(tmp), free(hp), free(acc), free(wsq), free(s_ok), free(s_lo), free(s_e), free(pos), free(energy), free(win);
  return rc;
}


int unmask_texture_skin(const unsigned char *face, const float *lm, int size, unsigned char *skin) {
  const int S = size;
  for (int i = 0; i < S * S; i++) skin[i] = !face[i];
  int rc = unmask_hole_dilate(skin, S, S, 2);
  if (rc) return rc;
  for (int i = 0; i < S * S; i++) skin[i] = !skin[i];
  /* the forehead: a quad over each stretch of the brows */
  const float ux = (lm[2 * 27] - lm[2 * 8]) / 3, uy = (lm[2 * 27 + 1] - lm[2 * 8 + 1]) / 3;
  for (int p = 17; p < 26; p++) {
    const float q[8] = {lm[2 * p],      lm[2 * p + 1],      lm[2 * p + 2],      lm[2 * p + 3],
                        lm[2 * p + 2] + ux, lm[2 * p + 3] + uy, lm[2 * p] + ux, lm[2 * p + 1] + uy};
    float x0 = S, y0 = S, x1 = 0, y1 = 0;
    for (int c = 0; c < 4; c++)
      x0 = fminf(x0, q[2 * c]), x1 = fmaxf(x1, q[2 * c]), y0 = fminf(y0, q[2 * c + 1]), y1 = fmaxf(y1, q[2 * c + 1]);
    for (int y = nets_clampi((int)y0, 0, S); y < nets_clampi((int)ceilf(y1), 0, S); y++)
      for (int x = nets_clampi((int)x0, 0, S); x < nets_clampi((int)ceilf(x1), 0, S); x++)
        if (!skin[y * S + x] && unmask_polygon_contains(q, 4, x + 0.5f, y + 0.5f)) skin[y * S + x] = 2;
  }
  static const int groups[4][2] = {{17, 22}, {22, 27}, {36, 42}, {42, 48}}; /* brows, eyes */
  for (int g = 0; g < 4; g++) {
    float x0 = S, y0 = S, x1 = 0, y1 = 0;
    for (int p = groups[g][0]; p < groups[g][1]; p++) {
      x0 = fminf(x0, lm[2 * p]), x1 = fmaxf(x1, lm[2 * p]);
      y0 = fminf(y0, lm[2 * p + 1]), y1 = fmaxf(y1, lm[2 * p + 1]);
    }
    const float m = (g < 2 ? 0.1f : 0.25f) * (x1 - x0);
    for (int y = nets_clampi((int)(y0 - m), 0, S); y < nets_clampi((int)ceilf(y1 + m), 0, S); y++)
      for (int x = nets_clampi((int)(x0 - m), 0, S); x < nets_clampi((int)ceilf(x1 + m), 0, S); x++)
        skin[y * S + x] = 0;
  }
  return NETS_OK;
}

void unmask_texture_keep_colour(const float *px, int ch, unsigned char *src, size_t n) {
  enum { BINS = 256 };
  size_t face = 0;
  for (size_t i = 0; i < n; i++) face += src[i] == 1;
  const int all = face < 64;
  float med[3];
  for (int c = 0; c < 3; c++) { /* the median to 1/256, from a histogram */
    size_t hist[BINS] = {0}, m = 0;
    for (size_t i = 0; i < n; i++)
      if (all ? src[i] != 0 : src[i] == 1) {
        const float v = px[i * ch + c];
        hist[v <= 0 ? 0 : v >= 1 ? BINS - 1 : (int)(v * BINS)]++, m++;
      }
    if (m == 0) return;
    size_t below = 0;
    int b = 0;
    while (b < BINS - 1 && (below += hist[b]) <= m / 2) b++;
    med[c] = (b + 0.5f) / BINS;
  }
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < 3 && src[i]; c++)
      if (fabsf(px[i * ch + c] - med[c]) > 0.1f) src[i] = 0;
}
