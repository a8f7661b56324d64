/* Harmonic hole fill, coarse to fine: the known pixels are averaged down a
 * pyramid until the hole closes, the coarsest level is solved, and each finer
 * level starts from the upsampled coarser solution and is relaxed with
 * Gauss-Seidel (over-relaxed) sweeps on its unknown pixels only. */
#include "diffuse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SWEEPS 400
#define TOLERANCE 1e-5f

/* Relax the unknown pixels (list idx, n of them) of a w*h*c image. */
static void relax(float *v, int w, int h, int c, const int *idx, int n, int max_sweeps) {
  const float omega = 1.6f;
  for (int sweep = 0; sweep < max_sweeps; sweep++) {
    float change = 0.0f;
    for (int k = 0; k < n; k++) {
      int i = idx[k], x = i % w, y = i / w;
      int xl = x > 0 ? i - 1 : i + (w > 1 ? 1 : 0);
      int xr = x + 1 < w ? i + 1 : i - (w > 1 ? 1 : 0);
      int yu = y > 0 ? i - w : i + (h > 1 ? w : 0);
      int yd = y + 1 < h ? i + w : i - (h > 1 ? w : 0);
      for (int ch = 0; ch < c; ch++) {
        float *p = v + (size_t)i * c + ch;
        float avg = 0.25f * (v[(size_t)xl * c + ch] + v[(size_t)xr * c + ch] +
                             v[(size_t)yu * c + ch] + v[(size_t)yd * c + ch]);
        float d = omega * (avg - *p);
        *p += d;
        if (fabsf(d) > change) change = fabsf(d);
      }
    }
    if (change < TOLERANCE) break;
  }
}

/* Solve one level: v (w*h*c), known (w*h, 1 = fixed).  Recursive. */
static int solve(float *v, int w, int h, int c, const unsigned char *known) {
  size_t n = (size_t)w * h;
  int n_unknown = 0;
  for (size_t i = 0; i < n; i++) n_unknown += !known[i];
  if (n_unknown == 0) return 0;
  int *idx = malloc(sizeof(int) * n_unknown);
  if (!idx) return -1;
  int k = 0;
  for (size_t i = 0; i < n; i++)
    if (!known[i]) idx[k++] = (int)i;

  int sweeps = MAX_SWEEPS;
  if (w > 2 && h > 2 && n_unknown > 16) {
    /* coarse level: average of the known pixels of each 2x2 block */
    int w2 = (w + 1) / 2, h2 = (h + 1) / 2;
    float *v2 = calloc((size_t)w2 * h2 * c, sizeof(float));
    unsigned char *k2 = calloc((size_t)w2 * h2, 1);
    if (!v2 || !k2) {
      free(v2), free(k2), free(idx);
      return -1;
    }
    for (int y2 = 0; y2 < h2; y2++)
      for (int x2 = 0; x2 < w2; x2++) {
        int cnt = 0;
        float *o = v2 + ((size_t)y2 * w2 + x2) * c;
        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++) {
            int x = 2 * x2 + dx, y = 2 * y2 + dy;
            if (x >= w || y >= h || !known[(size_t)y * w + x]) continue;
            const float *s = v + ((size_t)y * w + x) * c;
            for (int ch = 0; ch < c; ch++) o[ch] += s[ch];
            cnt++;
          }
        if (cnt) {
          for (int ch = 0; ch < c; ch++) o[ch] /= (float)cnt;
          k2[(size_t)y2 * w2 + x2] = 1;
        }
      }
    if (solve(v2, w2, h2, c, k2)) {
      free(v2), free(k2), free(idx);
      return -1;
    }
    /* bilinear upsampling of the coarse solution into the unknown pixels */
    for (int j = 0; j < n_unknown; j++) {
      int i = idx[j], x = i % w, y = i / w;
      float fx = (x + 0.5f) * 0.5f - 0.5f, fy = (y + 0.5f) * 0.5f - 0.5f;
      if (fx < 0) fx = 0;
      if (fy < 0) fy = 0;
      int x0 = (int)fx, y0 = (int)fy;
      if (x0 > w2 - 1) x0 = w2 - 1;
      if (y0 > h2 - 1) y0 = h2 - 1;
      int x1 = x0 + 1 < w2 ? x0 + 1 : x0, y1 = y0 + 1 < h2 ? y0 + 1 : y0;
      float ax = fx - x0, ay = fy - y0;
      if (ax > 1) ax = 1;
      if (ay > 1) ay = 1;
      for (int ch = 0; ch < c; ch++) {
        float a = v2[((size_t)y0 * w2 + x0) * c + ch], b = v2[((size_t)y0 * w2 + x1) * c + ch];
        float cc = v2[((size_t)y1 * w2 + x0) * c + ch], d = v2[((size_t)y1 * w2 + x1) * c + ch];
        v[(size_t)i * c + ch] = (a * (1 - ax) + b * ax) * (1 - ay) + (cc * (1 - ax) + d * ax) * ay;
      }
    }
    free(v2), free(k2);
    sweeps = 200; /* a good start converges in far fewer sweeps (tolerance stops it) */
  } else {
    /* coarsest level: start from the mean of the known pixels */
    double mean[16] = {0};
    int cnt = 0, cc = c < 16 ? c : 16;
    for (size_t i = 0; i < n; i++)
      if (known[i]) {
        for (int ch = 0; ch < cc; ch++) mean[ch] += v[i * c + ch];
        cnt++;
      }
    for (int j = 0; j < n_unknown; j++)
      for (int ch = 0; ch < cc; ch++) v[(size_t)idx[j] * c + ch] = cnt ? (float)(mean[ch] / cnt) : 0;
  }
  relax(v, w, h, c, idx, n_unknown, sweeps);
  free(idx);
  return 0;
}

void unmask_diffuse_fill(float *rgb, int w, int h, int channels, const float *hole) {
  if (!rgb || !hole || w <= 0 || h <= 0 || channels <= 0) return;
  size_t n = (size_t)w * h;
  unsigned char *known = malloc(n);
  if (!known) return;
  size_t n_known = 0;
  for (size_t i = 0; i < n; i++) {
    known[i] = !(hole[i] > 0.0f);
    n_known += known[i];
  }
  if (n_known == 0 || n_known == n) {
    free(known);
    return;
  }
  float *v = malloc(sizeof(float) * n * channels);
  if (!v) {
    free(known);
    return;
  }
  memcpy(v, rgb, sizeof(float) * n * channels);
  if (solve(v, w, h, channels, known) == 0)
    for (size_t i = 0; i < n; i++)
      if (!known[i]) memcpy(rgb + i * channels, v + i * channels, sizeof(float) * channels);
  free(v);
  free(known);
}
