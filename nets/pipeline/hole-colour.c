/* Growing a detected covering over the thin parts next to it that have its
 * colours: ear loops, straps, and the rim that the detector's coarse map
 * (one cell per 4 view pixels) leaves at the covering's edge.
 *
 * Two colour histograms (BINS^3, trilinear splats) are made: one of the
 * covering's inner pixels, one of a ring of pixels around it.  A pixel near
 * the covering "looks like it" when the covering's histogram is K times the
 * ring's there.  The covering grows over such pixels (8-connected, within
 * reach() of it), and the additions that are wide (that survive an opening)
 * are dropped again, except for a rim of ring_from() at the edge: a wall or a
 * shirt of the mask's colour is not taken, a loop is. */
#include "hole.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/nets-error.h"

#define BINS 12
#define K 2.5f /* covering / ring density ratio for "looks like the covering" */

/* The lengths, from the covering's larger side. */
static double inner_margin(double size) { return fmax(1.5, 0.04 * size); }
static double ring_from(double size) { return fmax(2.0, 0.03 * size); }
static double ring_to(double size) { return ring_from(size) + fmax(6.0, 0.15 * size); }
static double reach(double size) { return fmax(3.0, 0.2 * size); }
static int thin_radius(double size) { return (int)fmax(2.0, ceil(0.03 * size)); }

double unmask_hole_grow_like_reach(double size) {
  double a = ring_to(size), b = reach(size);
  return ceil(a > b ? a : b) + 1.0;
}

/* Trilinear position of one channel value in [0,1]. */
static void bin_of(float v, int *i0, float *t) {
  float f = (v < 0 ? 0 : v > 1 ? 1 : v) * (BINS - 1);
  int i = (int)f;
  if (i > BINS - 2) i = BINS - 2;
  *i0 = i;
  *t = f - i;
}

/* Adds (add != 0) the pixel's trilinear weights to hist, or returns the
 * trilinear interpolation of hist at the pixel. */
static float trilinear(float *hist, const float *px, int add) {
  int i[3];
  float t[3], acc = 0;
  for (int c = 0; c < 3; c++) bin_of(px[c], &i[c], &t[c]);
  for (int k = 0; k < 8; k++) {
    int a = k & 1, b = (k >> 1) & 1, c = (k >> 2) & 1;
    float wgt = (a ? t[0] : 1 - t[0]) * (b ? t[1] : 1 - t[1]) * (c ? t[2] : 1 - t[2]);
    size_t idx = ((size_t)(i[0] + a) * BINS + (i[1] + b)) * BINS + (i[2] + c);
    if (add) hist[idx] += wgt;
    else acc += wgt * hist[idx];
  }
  return acc;
}

long unmask_hole_grow_like(const float *rgba, int w, int h, double size, unsigned char *mask) {
  const size_t n = (size_t)w * h, nb = (size_t)BINS * BINS * BINS;
  float *dout = malloc(sizeof(float) * n), *din = malloc(sizeof(float) * n);
  float *hc = calloc(nb, sizeof(float)), *hr = calloc(nb, sizeof(float));
  unsigned char *tmp = malloc(n), *add = calloc(n, 1);
  size_t *queue = malloc(sizeof(size_t) * n);
  long added = 0;
  if (!dout || !din || !hc || !hr || !tmp || !add || !queue) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) tmp[i] = !mask[i];
  if (unmask_hole_distance(mask, w, h, dout) || unmask_hole_distance(tmp, w, h, din)) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  /* the covering's colours: its inner pixels (all of it when it is thin) */
  const double e = inner_margin(size), r0 = ring_from(size), r1 = ring_to(size), R = reach(size);
  long nc = 0, nr = 0;
  for (size_t i = 0; i < n; i++) nc += mask[i] && din[i] > e;
  const int all = nc < 30;
  for (size_t i = 0; i < n; i++)
    if (mask[i] && (all || din[i] > e)) trilinear(hc, rgba + i * 4, 1);
  double sc = 0, sr = 0;
  for (size_t i = 0; i < nb; i++) sc += hc[i];
  /* the surroundings' colours: a ring around it */
  for (size_t i = 0; i < n; i++)
    if (!mask[i] && dout[i] > r0 && dout[i] <= r1) trilinear(hr, rgba + i * 4, 1), nr++;
  for (size_t i = 0; i < nb; i++) sr += hr[i];
  if (sc < 30 || nr < 30) goto done; /* nothing to compare: leave the covering as it is */
  for (size_t i = 0; i < nb; i++) hc[i] = (float)(hc[i] / sc), hr[i] = (float)(hr[i] / sr);
  const float floor_density = 2.0f / (float)nb;

  /* grow from the covering over pixels that look like it */
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < n; i++)
    if (mask[i]) queue[tail++] = i;
  while (head < tail) {
    size_t i = queue[head++];
    int x = (int)(i % w), y = (int)(i / w);
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++) {
        int nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        size_t j = (size_t)ny * w + nx;
        if (mask[j] || add[j] || dout[j] > R) continue;
        float pc = trilinear(hc, rgba + j * 4, 0), pr = trilinear(hr, rgba + j * 4, 0);
        if (pc < floor_density || pc < K * pr) continue;
        add[j] = 1;
        queue[tail++] = j;
      }
  }
  /* drop the wide additions: what an opening of the additions keeps */
  memcpy(tmp, add, n);
  if (unmask_hole_open(tmp, w, h, thin_radius(size))) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) /* the rim right at the edge stays in any case */
    if (add[i] && (!tmp[i] || dout[i] <= r0)) mask[i] = 1, added++;
done:
  free(dout), free(din), free(hc), free(hr), free(tmp), free(add), free(queue);
  return added;
}
