/* The direct convolution kernels against the naive reference, each kernel
 * this CPU can run, on the shapes where their edge cases are: rows shorter
 * than a vector and not a multiple of it, stride 2 (the even lanes of two
 * vectors), padding wider than the kernel's reach, dilation, channel
 * counts that leave a partial block, and no bias; and the input gradient
 * of stride-1 layers, which adds to what it is given. */
#include <stdlib.h>

#include "check.h"
#include "direct.h"
#include "parallel.h"
#include "reference.h"
#include "rng.h"

static void fill(float *p, size_t n, nets_rng *r) {
  for (size_t i = 0; i < n; i++) p[i] = nets_rng_range(r, -1.f, 1.f);
}

static const char *isa_name(nets_direct_isa isa) {
  return isa == NETS_DIRECT_AVX512 ? "avx512" : "avx2";
}

static void test_shape(nets_rng *r, nets_direct_isa isa, int cin, int cout, int h, int w, int k,
                       int stride, int pad, int dil, int bias) {
  const nets_conv_shape s = {cin, cout, k, stride, pad, dil};
  const int oh = nets_conv_out_size(h, k, stride, pad, dil), ow = nets_conv_out_size(w, k, stride, pad, dil);
  const size_t nx = (size_t)cin * h * w, nw = (size_t)cout * cin * k * k, ny = (size_t)cout * oh * ow;
  float *x = malloc(nx * 4), *wt = malloc(nw * 4), *b = malloc(cout * 4);
  float *y = malloc((ny + 1) * 4), *yr = malloc(ny * 4), *ws = malloc(nets_direct_workspace(&s) * 4);
  fill(x, nx, r); fill(wt, nw, r); fill(b, cout, r);
  y[ny] = 12345.f; /* a guard after the output */
  nets_direct_forward(isa, &s, x, h, w, wt, bias ? b : NULL, y, ws);
  ref_conv2d(&s, x, 1, h, w, wt, bias ? b : NULL, yr);
  const double d = rel_diff(y, yr, ny);
  CHECK(d < 1e-5 && y[ny] == 12345.f, "%s cin%d cout%d %dx%d k%d s%d p%d d%d bias%d: rel diff %g%s",
        isa_name(isa), cin, cout, h, w, k, stride, pad, dil, bias, d,
        y[ny] == 12345.f ? "" : ", wrote past the output");
  printf("%s cin%d cout%d %dx%d k%d s%d p%d d%d bias%d: rel diff %.2g\n", isa_name(isa), cin, cout, h,
         w, k, stride, pad, dil, bias, d);
  free(x); free(wt); free(b); free(y); free(yr); free(ws);
}

static void test_backward(nets_rng *r, nets_direct_isa isa, int cin, int cout, int h, int w, int k,
                          int pad, int dil) {
  const nets_conv_shape s = {cin, cout, k, 1, pad, dil};
  const int oh = nets_conv_out_size(h, k, 1, pad, dil), ow = nets_conv_out_size(w, k, 1, pad, dil);
  const size_t nx = (size_t)cin * h * w, nw = (size_t)cout * cin * k * k, ny = (size_t)cout * oh * ow;
  float *dy = malloc(ny * 4), *wt = malloc(nw * 4), *dx = malloc((nx + 1) * 4), *dxr = malloc(nx * 4);
  float *ws = malloc(nets_direct_workspace(&s) * 4);
  fill(dy, ny, r); fill(wt, nw, r); fill(dx, nx, r);
  for (size_t i = 0; i < nx; i++) dxr[i] = dx[i]; /* both add to what dx holds */
  dx[nx] = 12345.f;
  nets_direct_backward_data(isa, &s, dy, h, w, wt, dx, ws);
  ref_conv2d_backward_data(&s, dy, h, w, wt, dxr);
  const double d = rel_diff(dx, dxr, nx);
  CHECK(d < 1e-5 && dx[nx] == 12345.f, "%s input gradient cin%d cout%d %dx%d k%d p%d d%d: rel diff %g%s",
        isa_name(isa), cin, cout, h, w, k, pad, dil, d, dx[nx] == 12345.f ? "" : ", wrote past dx");
  printf("%s input gradient cin%d cout%d %dx%d k%d p%d d%d: rel diff %.2g\n", isa_name(isa), cin, cout,
         h, w, k, pad, dil, d);
  free(dy); free(wt); free(dx); free(dxr); free(ws);
}

int main(void) {
  nets_rng r;
  nets_rng_seed(&r, 7);
  const nets_direct_isa best = nets_direct_best();
  if (best == NETS_DIRECT_NONE) printf("this CPU has neither AVX-512 nor AVX2: no kernel to test\n");
  for (int t = 1; t <= 2; t++) {
    nets_parallel_set_threads(t);
    for (nets_direct_isa isa = NETS_DIRECT_AVX2; isa <= best; isa++) {
      test_shape(&r, isa, 3, 16, 20, 37, 3, 1, 1, 1, 1);   /* 37: two vectors and a part */
      test_shape(&r, isa, 2, 5, 9, 5, 3, 1, 1, 1, 1);      /* rows shorter than a vector */
      test_shape(&r, isa, 3, 16, 33, 70, 3, 2, 1, 1, 1);   /* stride 2 */
      test_shape(&r, isa, 4, 17, 12, 50, 3, 2, 1, 1, 0);   /* partial block, no bias */
      test_shape(&r, isa, 5, 40, 14, 41, 3, 1, 2, 2, 1);   /* dilation */
      test_shape(&r, isa, 3, 8, 15, 44, 5, 2, 2, 1, 1);    /* 5x5, stride 2 */
      test_shape(&r, isa, 6, 3, 10, 19, 5, 1, 4, 1, 1);    /* padding beyond the kernel's reach */
      test_shape(&r, isa, 7, 9, 11, 34, 1, 2, 0, 1, 1);    /* 1x1, stride 2 */
      test_shape(&r, isa, 32, 64, 24, 96, 3, 1, 1, 1, 1);  /* several blocks */
      test_backward(&r, isa, 16, 16, 20, 37, 3, 1, 1);
      test_backward(&r, isa, 40, 5, 13, 9, 3, 2, 2);       /* dilation; 40 inputs: three blocks */
      test_backward(&r, isa, 3, 7, 11, 30, 5, 1, 1);       /* padding short of the kernel's reach */
      test_backward(&r, isa, 6, 4, 9, 18, 3, 0, 1);        /* no padding */
    }
  }
  return check_report("test-direct");
}
