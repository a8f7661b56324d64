#include "crop.h"

#include <math.h>
#include <stddef.h>
#include "../core/clamp.h"

void unmask_crop_from_hole_box(double bx, double by, double bw, double bh, double *cx, double *cy,
                               double *side) {
  if (bw < 1.0) bw = 1.0;
  if (bh < 1.0) bh = 1.0;
  double s = fmax(UNMASK_CROP_SIDE_PER_W * bw, UNMASK_CROP_SIDE_PER_H * bh);
  double bottom = by + bh + UNMASK_CROP_BOTTOM_MARGIN * s;
  *cx = bx + 0.5 * bw;
  *cy = bottom - 0.5 * s;
  *side = s;
}


void unmask_crop_read(const float *src, int w, int h, int channels, double cx, double cy,
                      double side, int size, float *out) {
  double step = side / size;               /* source pixels per output pixel */
  int ss = (int)ceil(step - 1e-6);         /* supersampling per axis */
  if (ss < 1) ss = 1;
  if (ss > 6) ss = 6;
  double x0 = cx - 0.5 * side, y0 = cy - 0.5 * side;
  float inv = 1.0f / (float)(ss * ss);
  for (int oy = 0; oy < size; oy++) {
    for (int ox = 0; ox < size; ox++) {
      float acc[4] = {0, 0, 0, 0};
      for (int sy = 0; sy < ss; sy++) {
        /* pixel centres: output pixel covers [o, o+1) * step, source centre at integer */
        double fy = y0 + (oy + (sy + 0.5) / ss) * step - 0.5;
        int iy = (int)floor(fy);
        float ty = (float)(fy - iy);
        int ya = nets_clampi(iy, 0, h - 1), yb = nets_clampi(iy + 1, 0, h - 1);
        for (int sx = 0; sx < ss; sx++) {
          double fx = x0 + (ox + (sx + 0.5) / ss) * step - 0.5;
          int ix = (int)floor(fx);
          float tx = (float)(fx - ix);
          int xa = nets_clampi(ix, 0, w - 1), xb = nets_clampi(ix + 1, 0, w - 1);
          const float *p00 = src + ((size_t)ya * w + xa) * channels;
          const float *p01 = src + ((size_t)ya * w + xb) * channels;
          const float *p10 = src + ((size_t)yb * w + xa) * channels;
          const float *p11 = src + ((size_t)yb * w + xb) * channels;
          for (int c = 0; c < channels; c++) {
            float a = p00[c] + (p01[c] - p00[c]) * tx;
            float b = p10[c] + (p11[c] - p10[c]) * tx;
            acc[c] += a + (b - a) * ty;
          }
        }
      }
      float *o = out + ((size_t)oy * size + ox) * channels;
      for (int c = 0; c < channels; c++) o[c] = acc[c] * inv;
    }
  }
}

/* First crop pixel (of size) whose centre, at lo + (o + 0.5) * step, is >= edge. */
static int first_at(double lo, double step, double edge, int size) {
  const int o = (int)ceil((edge - lo) / step - 0.5);
  return o < 0 ? 0 : o > size ? size : o;
}

void unmask_crop_inside(int w, int h, double cx, double cy, double side, int size, int *x0, int *y0,
                        int *x1, int *y1) {
  const double step = side / size, lx = cx - 0.5 * side, ly = cy - 0.5 * side;
  *x0 = first_at(lx, step, 0.0, size), *x1 = first_at(lx, step, (double)w, size);
  *y0 = first_at(ly, step, 0.0, size), *y1 = first_at(ly, step, (double)h, size);
  if (*x1 < *x0) *x1 = *x0;
  if (*y1 < *y0) *y1 = *y0;
}
