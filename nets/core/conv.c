#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "direct.h"
#include "parallel.h"

static int is_pointwise(const nets_conv_shape *s) {
  return s->k == 1 && s->stride == 1 && s->pad == 0;
}

/* NETS_DIRECT=0 in the environment turns the direct kernels off, for
 * benchmarks that compare.  Read once: the workspace sizes computed when a
 * graph is prepared must hold for its passes. */
static int direct_allowed(void) {
  static volatile int allowed = -1; /* not read yet; threads that race read the same */
  if (allowed < 0) {
    const char *e = getenv("NETS_DIRECT");
    allowed = !(e && !strcmp(e, "0"));
  }
  return allowed;
}

/* The direct kernel for the forward pass where it beats im2col + SGEMM, else
 * NONE.  Measured on the models' layers (README, "Benchmarks"), 1 and 2
 * threads: AVX-512 is 1.1-4x faster up to 32 output channels, and up to 64
 * from at most 128 input channels on outputs of 8192 pixels or more; it is
 * slower on smaller outputs with 64 channels or more (the landmarker, the
 * critic, the inpainter's middle).  AVX2 wins up to 16 output channels, and
 * up to 32 from at most 16 input channels. */
static nets_direct_isa direct_for(const nets_conv_shape *s, int h, int w) {
  if (!direct_allowed() || is_pointwise(s) || s->stride > 2) return NETS_DIRECT_NONE;
  const nets_direct_isa isa = nets_direct_best();
  const long area = (long)nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil) *
                    nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  if (isa == NETS_DIRECT_AVX512 &&
      (s->cout <= 32 || (s->cout <= 64 && s->cin <= 128 && area >= 8192)))
    return isa;
  if (isa == NETS_DIRECT_AVX2 && (s->cout <= 16 || (s->cout <= 32 && s->cin <= 16))) return isa;
  return NETS_DIRECT_NONE;
}

/* The direct kernel for the input gradient, else NONE.  For stride 1 that
 * gradient is the forward pass of a convolution from cout to cin channels,
 * whose SGEMM form has the layer's cout as its inner dimension: poor when
 * cout is small, fine from 64 on.  Measured on the training shapes
 * (batch 8, 2 threads; README, "Benchmarks"), AVX-512 only: faster from
 * 16-64 input channels to at most 32 output channels, slower with fewer
 * input channels (most of a block of 16 wasted) or more output channels. */
static nets_direct_isa direct_back_for(const nets_conv_shape *s) {
  if (!direct_allowed() || s->stride != 1 || s->dil * (s->k - 1) < s->pad || is_pointwise(s))
    return NETS_DIRECT_NONE;
  const nets_direct_isa isa = nets_direct_best();
  if (isa == NETS_DIRECT_AVX512 && s->cout <= 32 && s->cin >= 16 && s->cin <= 64) return isa;
  return NETS_DIRECT_NONE;
}

/* The forward pass unfolds at most this many floats at a time (16 MiB): a
 * band of output rows per GEMM, so that inference on big images does not
 * need a column matrix the size of the whole image. */
#define FWD_COL_FLOATS ((size_t)4 << 20)

static int band_rows(const nets_conv_shape *s, int oh, int ow) {
  const size_t row = (size_t)s->cin * s->k * s->k * ow;
  size_t r = FWD_COL_FLOATS / (row ? row : 1);
  return r < 1 ? 1 : (r > (size_t)oh ? oh : (int)r);
}

/* One image's column matrix: a band of rows (inference) or all of them; or,
 * where the forward pass is direct, the kernel's reordered weights
 * (training: whichever is larger; the weight gradient still unfolds). */
static size_t col_floats(const nets_conv_shape *s, int h, int w, int training) {
  if (is_pointwise(s)) return 0;
  int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  const size_t col = (size_t)s->cin * s->k * s->k * (training ? oh : band_rows(s, oh, ow)) * ow;
  if (training) { /* the backward pass may take the direct kernel where the forward does not */
    const size_t direct = nets_direct_workspace(s);
    return col > direct ? col : direct;
  }
  return direct_for(s, h, w) ? nets_direct_workspace(s) : col;
}

/* What each of several images done at once needs: its column matrix, and
 * in training its own share of dW and db (summed afterwards). */
static size_t part_floats(const nets_conv_shape *s, int h, int w, int training) {
  return col_floats(s, h, w, training) +
         (training ? (size_t)s->cout * (s->cin * s->k * s->k + 1) : 0);
}

/* Threads for images at once: those of the loops and of OpenBLAS alike (a
 * caller that keeps OpenBLAS on one thread gets one image at a time). */
static int image_threads(int n) {
  int t = nets_parallel_get_threads(), b = nets_blas_get_threads();
  if (b < t) t = b;
  return t < n ? t : n;
}

/* Images done at once: one per thread, as many as the batch has and the
 * workspace holds (ws_floats); 1 is the plain loop over the images. */
static int parts_for(const nets_conv_shape *s, int n, int h, int w, int training, size_t ws_floats) {
  int parts = image_threads(n);
  const size_t each = part_floats(s, h, w, training);
  while (parts > 1 && (size_t)parts * each > ws_floats) parts--;
  return parts;
}

size_t nets_conv_workspace(const nets_conv_shape *s, int n, int h, int w, int training) {
  const int parts = image_threads(n);
  return parts > 1 ? (size_t)parts * part_floats(s, h, w, training) : col_floats(s, h, w, training);
}

/* col[(c*k*k + ky*k + kx)][oy*ow + ox] = x[c][oy*stride - pad + ky*dil][ox*stride - pad + kx*dil] */
typedef struct {
  const float *x;
  float *col;
  int c, h, w, k, stride, pad, dil, oy0, oy1, ow; /* output rows oy0..oy1-1 */
} im2col_job;

static void im2col_rows(void *ctx, int r0, int r1) {
  const im2col_job *j = ctx;
  const float *x = j->x;
  float *col = j->col;
  const int h = j->h, w = j->w, k = j->k, stride = j->stride, pad = j->pad, dil = j->dil;
  const int oy0 = j->oy0, oy1 = j->oy1, ow = j->ow;
  for (int r = r0; r < r1; r++) {
    const int ch = r / (k * k), ky = (r / k) % k, kx = r % k;
    const float *xc = x + (size_t)ch * h * w;
    float *dst = col + (size_t)r * (oy1 - oy0) * ow;
    for (int oy = oy0; oy < oy1; oy++) {
      const int iy = oy * stride - pad + ky * dil;
      float *d = dst + (size_t)(oy - oy0) * ow;
      if (iy < 0 || iy >= h) {
        memset(d, 0, sizeof(float) * ow);
        continue;
      }
      const float *xr = xc + (size_t)iy * w;
      const int off = kx * dil - pad;
      if (stride == 1) {
        /* valid ox range: 0 <= ox + off < w */
        int lo = off < 0 ? -off : 0, hi = w - off < ow ? w - off : ow;
        if (hi < lo) hi = lo;
        for (int ox = 0; ox < lo; ox++) d[ox] = 0.f;
        if (hi > lo) memcpy(d + lo, xr + lo + off, sizeof(float) * (hi - lo));
        for (int ox = hi; ox < ow; ox++) d[ox] = 0.f;
      } else {
        for (int ox = 0; ox < ow; ox++) {
          const int ix = ox * stride + off;
          d[ox] = (ix >= 0 && ix < w) ? xr[ix] : 0.f;
        }
      }
    }
  }
}

void nets_im2col(const float *x, int c, int h, int w, int k, int stride, int pad, int dil,
                 int oh, int ow, float *col) {
  im2col_job j = {x, col, c, h, w, k, stride, pad, dil, 0, oh, ow};
  nets_parallel_for(c * k * k, im2col_rows, &j);
}

typedef struct {
  const float *col;
  float *x;
  int h, w, k, stride, pad, dil, oh, ow;
} col2im_job;

/* Parallel over channels: rows of one channel write the same plane. */
static void col2im_channels(void *ctx, int c0, int c1) {
  const col2im_job *j = ctx;
  const float *col = j->col;
  const int h = j->h, w = j->w, k = j->k, stride = j->stride, pad = j->pad, dil = j->dil;
  const int oh = j->oh, ow = j->ow;
  for (int ch = c0; ch < c1; ch++) {
    float *xc = j->x + (size_t)ch * h * w;
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        const float *src = col + ((size_t)(ch * k + ky) * k + kx) * oh * ow;
        const int off = kx * dil - pad;
        for (int oy = 0; oy < oh; oy++) {
          const int iy = oy * stride - pad + ky * dil;
          if (iy < 0 || iy >= h) continue;
          float *xr = xc + (size_t)iy * w;
          const float *s = src + (size_t)oy * ow;
          if (stride == 1) {
            int lo = off < 0 ? -off : 0, hi = w - off < ow ? w - off : ow;
            for (int ox = lo; ox < hi; ox++) xr[ox + off] += s[ox];
          } else {
            for (int ox = 0; ox < ow; ox++) {
              const int ix = ox * stride + off;
              if (ix >= 0 && ix < w) xr[ix] += s[ox];
            }
          }
        }
      }
  }
}

void nets_col2im_add(const float *col, int c, int h, int w, int k, int stride, int pad, int dil,
                     int oh, int ow, float *x) {
  col2im_job j = {col, x, h, w, k, stride, pad, dil, oh, ow};
  nets_parallel_for(c, col2im_channels, &j);
}

/* One image: y = conv(x) + b, unfolding a band of rows at a time into ws. */
static void forward_one(const nets_conv_shape *s, const float *xi, int h, int w, const float *wt,
                        const float *b, float *yi, float *ws) {
  const int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  const int kk = s->cin * s->k * s->k, hw = oh * ow;
  const nets_direct_isa isa = direct_for(s, h, w);
  if (isa) {
    nets_direct_forward(isa, s, xi, h, w, wt, b, yi, ws);
    return;
  }
  if (b) {
    for (int o = 0; o < s->cout; o++) {
      float *yo = yi + (size_t)o * hw;
      for (int p = 0; p < hw; p++) yo[p] = b[o];
    }
  }
  if (is_pointwise(s)) {
    nets_sgemm(0, 0, s->cout, hw, kk, 1.f, wt, kk, xi, hw, b ? 1.f : 0.f, yi, hw);
    return;
  }
  const int band = band_rows(s, oh, ow);
  for (int oy0 = 0; oy0 < oh; oy0 += band) {
    const int oy1 = oy0 + band < oh ? oy0 + band : oh, n_px = (oy1 - oy0) * ow;
    im2col_job j = {xi, ws, s->cin, h, w, s->k, s->stride, s->pad, s->dil, oy0, oy1, ow};
    nets_parallel_for(kk, im2col_rows, &j);
    nets_sgemm(0, 0, s->cout, n_px, kk, 1.f, wt, kk, ws, n_px, b ? 1.f : 0.f,
               yi + (size_t)oy0 * ow, hw);
  }
}

/* Several images at once, one per thread, each with its own workspace and
 * single-threaded products: on 2 cores a product shared by two threads runs
 * far below twice the speed of one (README, "Benchmarks"). */
typedef struct {
  const nets_conv_shape *s;
  const float *x, *wt, *b, *dy;
  float *y, *dx, *ws;
  int n, h, w, parts, with_db;
  size_t each;
} batch_job;

static void forward_parts(void *ctx, int p0, int p1) {
  const batch_job *j = ctx;
  const int oh = nets_conv_out_size(j->h, j->s->k, j->s->stride, j->s->pad, j->s->dil);
  const int ow = nets_conv_out_size(j->w, j->s->k, j->s->stride, j->s->pad, j->s->dil);
  for (int p = p0; p < p1; p++)
    for (int i = p; i < j->n; i += j->parts)
      forward_one(j->s, j->x + (size_t)i * j->s->cin * j->h * j->w, j->h, j->w, j->wt, j->b,
                  j->y + (size_t)i * j->s->cout * oh * ow, j->ws + (size_t)p * j->each);
}

/* Runs fn over the parts with OpenBLAS on one thread (given back after). */
static void run_parts(int parts, nets_range_fn fn, batch_job *j) {
  const int blas_threads = nets_blas_get_threads();
  nets_blas_set_threads(1);
  nets_parallel_for(parts, fn, j);
  nets_blas_set_threads(blas_threads);
}

void nets_conv2d_forward(const nets_conv_shape *s, const float *x, int n, int h, int w,
                         const float *wt, const float *b, float *y, float *ws, size_t ws_floats) {
  const int parts = parts_for(s, n, h, w, 0, ws_floats);
  if (parts > 1) {
    batch_job j = {.s = s, .x = x, .wt = wt, .b = b, .y = y, .ws = ws, .n = n, .h = h, .w = w,
                   .parts = parts, .each = part_floats(s, h, w, 0)};
    run_parts(parts, forward_parts, &j);
    return;
  }
  const int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  for (int i = 0; i < n; i++)
    forward_one(s, x + (size_t)i * s->cin * h * w, h, w, wt, b, y + (size_t)i * s->cout * oh * ow, ws);
}

/* One image: dW += dY col^T, db += row sums of dY, dx += col2im(W^T dY). */
static void backward_one(const nets_conv_shape *s, const float *xi, int h, int w, const float *wt,
                         const float *dyi, float *dxi, float *dw, float *db, float *ws) {
  const int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  const int kk = s->cin * s->k * s->k, hw = oh * ow;
  if (db)
    for (int o = 0; o < s->cout; o++) {
      const float *d = dyi + (size_t)o * hw;
      float acc = 0.f;
      for (int p = 0; p < hw; p++) acc += d[p];
      db[o] += acc;
    }
  const float *col = xi;
  if (!is_pointwise(s)) {
    nets_im2col(xi, s->cin, h, w, s->k, s->stride, s->pad, s->dil, oh, ow, ws);
    col = ws;
  }
  /* dW[cout x kk] += dY[cout x hw] * col^T[hw x kk] */
  nets_sgemm(0, 1, s->cout, kk, hw, 1.f, dyi, hw, col, hw, 1.f, dw, kk);
  if (dxi) {
    const nets_direct_isa isa = direct_back_for(s);
    if (isa) {
      nets_direct_backward_data(isa, s, dyi, h, w, wt, dxi, ws); /* dW is done with ws */
    } else if (is_pointwise(s)) {
      nets_sgemm(1, 0, kk, hw, s->cout, 1.f, wt, kk, dyi, hw, 1.f, dxi, hw);
    } else {
      /* dcol[kk x hw] = W^T * dY, then scatter-add */
      nets_sgemm(1, 0, kk, hw, s->cout, 1.f, wt, kk, dyi, hw, 0.f, ws, hw);
      nets_col2im_add(ws, s->cin, h, w, s->k, s->stride, s->pad, s->dil, oh, ow, dxi);
    }
  }
}

/* Each part sums dW and db of its images into its own share, after its
 * column matrix in the workspace. */
static void backward_parts(void *ctx, int p0, int p1) {
  const batch_job *j = ctx;
  const nets_conv_shape *s = j->s;
  const int oh = nets_conv_out_size(j->h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(j->w, s->k, s->stride, s->pad, s->dil);
  const size_t nw = (size_t)s->cout * s->cin * s->k * s->k, in = (size_t)s->cin * j->h * j->w;
  for (int p = p0; p < p1; p++) {
    float *ws = j->ws + (size_t)p * j->each, *dw = ws + col_floats(s, j->h, j->w, 1), *db = dw + nw;
    memset(dw, 0, sizeof(float) * (nw + s->cout));
    for (int i = p; i < j->n; i += j->parts)
      backward_one(s, j->x + (size_t)i * in, j->h, j->w, j->wt, j->dy + (size_t)i * s->cout * oh * ow,
                   j->dx ? j->dx + (size_t)i * in : NULL, dw, j->with_db ? db : NULL, ws);
  }
}

void nets_conv2d_backward(const nets_conv_shape *s, const float *x, int n, int h, int w,
                          const float *wt, const float *dy, float *dx, float *dw, float *db,
                          float *ws, size_t ws_floats) {
  const int parts = parts_for(s, n, h, w, 1, ws_floats);
  const int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  if (parts > 1) {
    batch_job j = {.s = s, .x = x, .wt = wt, .dy = dy, .dx = dx, .ws = ws, .n = n, .h = h, .w = w,
                   .parts = parts, .with_db = db != NULL, .each = part_floats(s, h, w, 1)};
    run_parts(parts, backward_parts, &j);
    const size_t nw = (size_t)s->cout * s->cin * s->k * s->k, off = col_floats(s, h, w, 1);
    for (int p = 0; p < parts; p++) {
      const float *pw = ws + (size_t)p * j.each + off;
      for (size_t q = 0; q < nw; q++) dw[q] += pw[q];
      if (db)
        for (int o = 0; o < s->cout; o++) db[o] += pw[nw + o];
    }
    return;
  }
  for (int i = 0; i < n; i++)
    backward_one(s, x + (size_t)i * s->cin * h * w, h, w, wt, dy + (size_t)i * s->cout * oh * ow,
                 dx ? dx + (size_t)i * s->cin * h * w : NULL, dw, db, ws);
}
