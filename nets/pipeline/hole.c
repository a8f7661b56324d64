/* Hole shaping: exact Euclidean distance transform (Felzenszwalb &
 * Huttenlocher, separable lower envelope of parabolas), grow and feather. */
#include "hole.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/nets-error.h"

#define EDT_INF 1e20f /* 'no covering pixel in reach' */

/* 1-D squared distance transform of f (n samples; EDT_INF = no site) into d.
 * Only finite samples become parabolas, so empty rows stay infinite. */
static void edt_1d(const float *f, int n, float *d, int *v, double *z) {
  int k = -1;
  for (int q = 0; q < n; q++) {
    if (f[q] >= EDT_INF) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -1e300;
      z[1] = 1e300;
      continue;
    }
    double s;
    for (;;) {
      int p = v[k];
      s = (((double)f[q] + (double)q * q) - ((double)f[p] + (double)p * p)) / (2.0 * (q - p));
      if (s <= z[k]) { /* z[0] = -inf stops this at k = 0 */
        k--;
        continue;
      }
      break;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = 1e300;
  }
  if (k < 0) {
    for (int q = 0; q < n; q++) d[q] = EDT_INF;
    return;
  }
  k = 0;
  for (int q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    double dq = (double)(q - v[k]);
    d[q] = (float)(dq * dq + f[v[k]]);
  }
}

int unmask_hole_distance(const unsigned char *mask, int w, int h, float *dist) {
  int n = w > h ? w : h;
  float *f = calloc(n > 0 ? n : 1, sizeof(float));
  float *d = malloc(sizeof(float) * n);
  double *z = malloc(sizeof(double) * (n + 1));
  int *v = malloc(sizeof(int) * n);
  if (!f || !d || !z || !v) {
    free(f), free(d), free(z), free(v);
    return NETS_ERR_NOMEM;
  }
  for (size_t i = 0; i < (size_t)w * h; i++) dist[i] = mask[i] ? 0.0f : EDT_INF;
  for (int x = 0; x < w; x++) { /* columns */
    for (int y = 0; y < h; y++) f[y] = dist[(size_t)y * w + x];
    edt_1d(f, h, d, v, z);
    for (int y = 0; y < h; y++) dist[(size_t)y * w + x] = d[y];
  }
  for (int y = 0; y < h; y++) { /* rows */
    float *row = dist + (size_t)y * w;
    memcpy(f, row, sizeof(float) * w);
    edt_1d(f, w, d, v, z);
    for (int x = 0; x < w; x++) row[x] = d[x] >= EDT_INF ? EDT_INF : sqrtf(d[x]);
  }
  free(f), free(d), free(z), free(v);
  return NETS_OK;
}

float unmask_hole_ramp(float d, double grow, double feather) {
  if (d <= grow + 1e-4) return 1.0f;
  if (feather <= 0 || d >= grow + feather) return 0.0f;
  double t = (d - grow) / feather; /* (0,1) */
  return (float)(1.0 - t * t * (3.0 - 2.0 * t));
}

int unmask_hole_grow_feather(const unsigned char *mask, int w, int h, double grow,
                             double feather, float *alpha) {
  if (grow < 0) grow = 0;
  if (feather < 0) feather = 0;
  int rc = unmask_hole_distance(mask, w, h, alpha);
  if (rc) return rc;
  for (size_t i = 0; i < (size_t)w * h; i++) alpha[i] = unmask_hole_ramp(alpha[i], grow, feather);
  return NETS_OK;
}

int unmask_hole_dilate(unsigned char *mask, int w, int h, int r) {
  if (r <= 0 || w <= 0 || h <= 0) return NETS_OK;
  unsigned char *tmp = malloc((size_t)w * h);
  if (!tmp) return NETS_ERR_NOMEM;
  for (int it = 0; it < r; it++) {
    /* horizontal then vertical 3-tap max = 3x3 square */
    for (int y = 0; y < h; y++) {
      const unsigned char *s = mask + (size_t)y * w;
      unsigned char *t = tmp + (size_t)y * w;
      for (int x = 0; x < w; x++)
        t[x] = s[x] || (x > 0 && s[x - 1]) || (x + 1 < w && s[x + 1]);
    }
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        size_t i = (size_t)y * w + x;
        mask[i] = tmp[i] || (y > 0 && tmp[i - w]) || (y + 1 < h && tmp[i + w]);
      }
  }
  free(tmp);
  return NETS_OK;
}

int unmask_hole_open(unsigned char *mask, int w, int h, int r) {
  const size_t n = (size_t)w * h;
  for (size_t i = 0; i < n; i++) mask[i] = !mask[i];
  int rc = unmask_hole_dilate(mask, w, h, r); /* dilating the rest erodes the mask */
  for (size_t i = 0; i < n; i++) mask[i] = !mask[i];
  return rc ? rc : unmask_hole_dilate(mask, w, h, r);
}

int unmask_hole_body(const unsigned char *mask, int w, int h, double size, unsigned char *body) {
  const size_t n = (size_t)w * h;
  const double r = fmax(2.0, 0.07 * size), rim = 0.03 * size + 2.0;
  float *dist = malloc(sizeof(float) * n);
  if (!dist) return NETS_ERR_NOMEM;
  /* erode by a disc of radius r: the pixels more than r from the outside */
  for (size_t i = 0; i < n; i++) body[i] = !mask[i];
  int rc = unmask_hole_distance(body, w, h, dist);
  for (size_t i = 0; !rc && i < n; i++) body[i] = mask[i] && dist[i] > r;
  /* the opening is what lies within r of the eroded part, and the rim what
   * lies within rim of the opening: within r + rim of the eroded part */
  if (!rc) rc = unmask_hole_distance(body, w, h, dist);
  for (size_t i = 0; !rc && i < n; i++) body[i] = mask[i] && dist[i] <= r + rim;
  free(dist);
  return rc;
}

long unmask_hole_box(const unsigned char *m, int w, int h, int *x0, int *y0, int *x1, int *y1) {
  return unmask_hole_box_but(m, w, h, 0, x0, y0, x1, y1);
}

long unmask_hole_box_but(const unsigned char *m, int w, int h, unsigned char skip, int *x0, int *y0, int *x1,
                         int *y1) {
  long area = 0;
  *x0 = w, *y0 = h, *x1 = -1, *y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (m[(size_t)y * w + x] && m[(size_t)y * w + x] != skip) {
        if (x < *x0) *x0 = x;
        if (x > *x1) *x1 = x;
        if (y < *y0) *y0 = y;
        if (y > *y1) *y1 = y;
        area++;
      }
  return area;
}

int unmask_hole_body_box(const unsigned char *mask, int w, int h, int box_h, int *x0, int *y0, int *x1,
                         int *y1) {
  if (w <= 0 || h <= 0) return 0;
  int r = (int)lround(box_h / 34.0);
  if (r < 1) r = 1;
  /* distance of each covering pixel to the nearest pixel outside it, on the
   * mask padded by one empty pixel all round */
  const int pw = w + 2, ph = h + 2;
  unsigned char *out = malloc((size_t)pw * ph);
  float *d = malloc(sizeof(float) * (size_t)pw * ph);
  if (!out || !d) {
    free(out), free(d);
    return NETS_ERR_NOMEM;
  }
  for (int y = 0; y < ph; y++)
    for (int x = 0; x < pw; x++)
      out[(size_t)y * pw + x] = x == 0 || y == 0 || x == pw - 1 || y == ph - 1 ||
                                !mask[(size_t)(y - 1) * w + (x - 1)];
  const int rc = unmask_hole_distance(out, pw, ph, d);
  int bx0 = pw, by0 = ph, bx1 = -1, by1 = -1, mx0, my0, mx1, my1;
  for (int y = 0; !rc && y < ph; y++)
    for (int x = 0; x < pw; x++)
      if (d[(size_t)y * pw + x] > r) {
        bx0 = x < bx0 ? x : bx0, bx1 = x > bx1 ? x : bx1;
        by0 = y < by0 ? y : by0, by1 = y > by1 ? y : by1;
      }
  free(out), free(d);
  if (rc) return rc;
  if (bx1 < 0) return 0;
  unmask_hole_box(mask, w, h, &mx0, &my0, &mx1, &my1); /* the covering's own box */
  /* padded coordinates -> mask coordinates, widened by r, within the covering's box */
  *x0 = bx0 - 1 - r > mx0 ? bx0 - 1 - r : mx0;
  *y0 = by0 - 1 - r > my0 ? by0 - 1 - r : my0;
  *x1 = bx1 - 1 + 1 + r < mx1 + 1 ? bx1 - 1 + 1 + r : mx1 + 1;
  *y1 = by1 - 1 + 1 + r < my1 + 1 ? by1 - 1 + 1 + r : my1 + 1;
  return 1;
}

int unmask_hole_components(const unsigned char *mask, int w, int h, int *labels,
                           unmask_hole_component *comps, int max_comps) {
  size_t n = (size_t)w * h;
  for (size_t i = 0; i < n; i++) labels[i] = 0;
  size_t cap = 1024, top = 0;
  size_t *stack = malloc(sizeof(size_t) * cap);
  if (!stack) return NETS_ERR_NOMEM;
  int count = 0;
  for (size_t start = 0; start < n; start++) {
    if (!mask[start] || labels[start]) continue;
    int id = ++count;
    unmask_hole_component c = {w, h, -1, -1, 0};
    labels[start] = id;
    stack[top++] = start;
    while (top) {
      size_t i = stack[--top];
      int x = (int)(i % w), y = (int)(i / w);
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y < c.y0) c.y0 = y;
      if (y > c.y1) c.y1 = y;
      c.area++;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          size_t j = (size_t)ny * w + nx;
          if (!mask[j] || labels[j]) continue;
          labels[j] = id;
          if (top == cap) {
            size_t *bigger = realloc(stack, sizeof(size_t) * cap * 2);
            if (!bigger) {
              free(stack);
              return NETS_ERR_NOMEM;
            }
            stack = bigger;
            cap *= 2;
          }
          stack[top++] = j;
        }
    }
    if (id <= max_comps) comps[id - 1] = c;
  }
  free(stack);
  return count;
}
