/* unmask_image_io over an in-memory nets_image (see memio.h). */
#include "memio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../core/clamp.h"


/* Source pixels overlapping output cell i of a scaled axis, with weights. */
typedef struct {
  int first, count;
} span;

static int mem_read(void *user, int x, int y, int w, int h, double scale, float *out) {
  unmask_memio *io = user;
  const nets_image *img = io->img;
  int W = img->width, H = img->height;
  if (scale >= 1.0 - 1e-9) {
    for (int j = 0; j < h; j++) {
      int sy = nets_clampi(y + j, 0, H - 1);
      for (int i = 0; i < w; i++) {
        int sx = nets_clampi(x + i, 0, W - 1);
        memcpy(out + ((size_t)j * w + i) * 4, img->data + ((size_t)sy * W + sx) * 4,
               sizeof(float) * 4);
      }
    }
    return 0;
  }
  if (scale <= 0) return -1;
  /* area averaging: output (i, j) covers [(x+i)/scale, (x+i+1)/scale) etc. */
  double inv = 1.0 / scale;
  int per = (int)ceil(inv) + 2;
  double *wx = malloc(sizeof(double) * (size_t)w * per);
  int *ix = malloc(sizeof(int) * (size_t)w * per);
  span *sx = malloc(sizeof(span) * (size_t)w);
  double *acc = malloc(sizeof(double) * 4 * (size_t)w);
  if (!wx || !ix || !sx || !acc) {
    free(wx), free(ix), free(sx), free(acc);
    return -1;
  }
  for (int i = 0; i < w; i++) {
    double a = (x + i) * inv, b = (x + i + 1) * inv;
    int k0 = (int)floor(a), n = 0;
    for (int k = k0; k < b && n < per; k++, n++) {
      double lo = a > k ? a : k, hi = b < k + 1 ? b : k + 1;
      wx[(size_t)i * per + n] = (hi - lo) * scale;
      ix[(size_t)i * per + n] = nets_clampi(k, 0, W - 1);
    }
    sx[i].first = i * per;
    sx[i].count = n;
  }
  for (int j = 0; j < h; j++) {
    double a = (y + j) * inv, b = (y + j + 1) * inv;
    memset(acc, 0, sizeof(double) * 4 * w);
    for (int k = (int)floor(a); k < b; k++) {
      double lo = a > k ? a : k, hi = b < k + 1 ? b : k + 1, wy = (hi - lo) * scale;
      const float *row = img->data + (size_t)nets_clampi(k, 0, H - 1) * W * 4;
      for (int i = 0; i < w; i++) {
        double *o = acc + (size_t)i * 4;
        for (int n = 0; n < sx[i].count; n++) {
          const float *p = row + (size_t)ix[sx[i].first + n] * 4;
          double wt = wy * wx[sx[i].first + n];
          for (int c = 0; c < 4; c++) o[c] += wt * p[c];
        }
      }
    }
    for (int i = 0; i < w * 4; i++) out[(size_t)j * w * 4 + i] = (float)acc[i];
  }
  free(wx), free(ix), free(sx), free(acc);
  return 0;
}

static int mem_write(void *user, int x, int y, int w, int h, const float *in) {
  unmask_memio *io = user;
  nets_image *img = io->img;
  for (int j = 0; j < h; j++) {
    int sy = y + j;
    if (sy < 0 || sy >= img->height) continue;
    for (int i = 0; i < w; i++) {
      int sx = x + i;
      if (sx < 0 || sx >= img->width) continue;
      float *o = img->data + ((size_t)sy * img->width + sx) * 4;
      const float *p = in + ((size_t)j * w + i) * 4;
      for (int c = 0; c < 4; c++) o[c] = p[c] < 0 ? 0 : p[c] > 1 ? 1 : p[c];
    }
  }
  return 0;
}

static int mem_read_hole(void *user, int x, int y, int w, int h, float *out) {
  unmask_memio *io = user;
  const nets_image *m = io->hole;
  for (int j = 0; j < h; j++)
    for (int i = 0; i < w; i++) {
      int sx = x + i, sy = y + j;
      out[(size_t)j * w + i] = sx < 0 || sy < 0 || sx >= m->width || sy >= m->height
                                   ? 0.0f
                                   : m->data[(size_t)sy * m->width + sx];
    }
  return 0;
}

static int mem_hole_bounds(void *user, int *x, int *y, int *w, int *h) {
  unmask_memio *io = user;
  if (io->hw <= 0) return -1;
  *x = io->hx, *y = io->hy, *w = io->hw, *h = io->hh;
  return 0;
}

unmask_image_io unmask_memio_init(unmask_memio *m, nets_image *img, const nets_image *hole) {
  m->img = img;
  m->hole = hole;
  m->hx = m->hy = m->hw = m->hh = 0;
  unmask_image_io io = {m->img->width, m->img->height, m, mem_read, mem_write, NULL, NULL};
  if (m->hole) {
    io.read_hole = mem_read_hole;
    io.hole_bounds = mem_hole_bounds;
    int x0 = m->hole->width, y0 = m->hole->height, x1 = -1, y1 = -1;
    for (int y = 0; y < m->hole->height; y++)
      for (int x = 0; x < m->hole->width; x++)
        if (m->hole->data[(size_t)y * m->hole->width + x] > 0.0f) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    m->hx = x0, m->hy = y0, m->hw = x1 - x0 + 1, m->hh = y1 - y0 + 1;
    if (x1 < 0) m->hw = m->hh = 0;
  }
  return io;
}

/* Grey canvas receiving p->hole_write (max over faces). */
int unmask_memio_hole_write(void *user, int x, int y, int w, int h, const float *alpha) {
  nets_image *c = user;
  for (int j = 0; j < h; j++)
    for (int i = 0; i < w; i++) {
      int sx = x + i, sy = y + j;
      if (sx < 0 || sy < 0 || sx >= c->width || sy >= c->height) continue;
      float *o = c->data + (size_t)sy * c->width + sx;
      float a = alpha[(size_t)j * w + i];
      if (a > *o) *o = a > 1 ? 1 : a;
    }
  return 0;
}

