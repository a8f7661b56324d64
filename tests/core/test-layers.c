/* Every layer's forward pass against a naive reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "graph.h"
#include "layers.h"
#include "reference.h"
#include "rng.h"

static void fill(float *p, size_t n, nets_rng *r) {
  for (size_t i = 0; i < n; i++) p[i] = nets_rng_range(r, -1.f, 1.f);
}

static void test_conv(nets_rng *r, int n, int cin, int cout, int h, int w, int k, int stride,
                      int pad, int dil, int bias) {
  nets_conv_shape s = {cin, cout, k, stride, pad, dil};
  const int oh = nets_conv_out_size(h, k, stride, pad, dil), ow = nets_conv_out_size(w, k, stride, pad, dil);
  size_t nx = (size_t)n * cin * h * w, nw = (size_t)cout * cin * k * k, ny = (size_t)n * cout * oh * ow;
  float *x = malloc(nx * 4), *wt = malloc(nw * 4), *b = malloc(cout * 4);
  float *y = malloc(ny * 4), *yr = malloc(ny * 4);
  float *ws = malloc((nets_conv_workspace(&s, h, w, 0) + 1) * 4); /* inference size: banded */
  fill(x, nx, r); fill(wt, nw, r); fill(b, cout, r);
  nets_conv2d_forward(&s, x, n, h, w, wt, bias ? b : NULL, y, ws);
  ref_conv2d(&s, x, n, h, w, wt, bias ? b : NULL, yr);
  double d = rel_diff(y, yr, ny);
  CHECK(d < 1e-5, "conv n%d cin%d cout%d %dx%d k%d s%d p%d d%d: rel diff %g", n, cin, cout, h, w, k,
        stride, pad, dil, d);
  printf("conv forward k%d s%d p%d d%d bias%d: rel diff %.2g\n", k, stride, pad, dil, bias, d);
  free(x); free(wt); free(b); free(y); free(yr); free(ws);
}

/* Graph-level checks: gated conv, up2, pool2, concat, add, activations. */
static void test_graph_ops(nets_rng *r) {
  const int n = 2, c = 3, h = 8, w = 6, cout = 4;
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, c);
  int gc = nets_graph_gconv(g, "gc", in, cout, 3, 1, 2, NETS_ACT_ELU);
  int up = nets_graph_up2(g, in);
  int pool = nets_graph_pool2(g, in);
  int cat = nets_graph_concat(g, in, gc);
  int act[6];
  for (int a = 0; a < 6; a++) act[a] = nets_graph_act(g, in, (nets_act)a);
  int add = nets_graph_add(g, in, act[NETS_ACT_TANH]);
  CHECK(add > 0, "graph build failed");
  nets_graph_init_params(g, 7);
  nets_error err = {0};
  CHECK(nets_graph_prepare(g, n, h, w, 0, &err) == 0, "prepare: %s", err.msg);
  size_t nx = (size_t)n * c * h * w;
  float *x = malloc(nx * 4);
  fill(x, nx, r);
  CHECK(nets_graph_forward(g, x, &err) == 0, "forward: %s", err.msg);

  /* gated conv: reference conv with 2*cout rows, then act(f) * sigmoid(g) */
  nets_conv_shape s = {c, 2 * cout, 3, 1, 2, 2};
  float *pre = malloc((size_t)n * 2 * cout * h * w * 4), *ref = malloc((size_t)n * cout * h * w * 4);
  nets_param *pw = nets_graph_find_param(g, "gc.weight"), *pb = nets_graph_find_param(g, "gc.bias");
  fill(pb->value->data, 2 * cout, r);
  nets_graph_forward(g, x, &err);
  ref_conv2d(&s, x, n, h, w, pw->value->data, pb->value->data, pre);
  for (int i = 0; i < n; i++)
    for (int o = 0; o < cout; o++)
      for (int p = 0; p < h * w; p++) {
        float f = pre[((size_t)i * 2 * cout + o) * h * w + p];
        float gt = pre[((size_t)i * 2 * cout + cout + o) * h * w + p];
        ref[((size_t)i * cout + o) * h * w + p] = (f > 0 ? f : expm1f(f)) / (1.f + expf(-gt));
      }
  double d = rel_diff(nets_graph_output(g, gc)->data, ref, (size_t)n * cout * h * w);
  CHECK(d < 1e-5, "gated conv rel diff %g", d);
  printf("gated conv forward: rel diff %.2g\n", d);

  const float *yu = nets_graph_output(g, up)->data, *yp = nets_graph_output(g, pool)->data;
  int bad_up = 0, bad_pool = 0;
  for (int i = 0; i < n * c; i++)
    for (int y = 0; y < 2 * h; y++)
      for (int xx = 0; xx < 2 * w; xx++)
        bad_up += yu[((size_t)i * 2 * h + y) * 2 * w + xx] != x[((size_t)i * h + y / 2) * w + xx / 2];
  for (int i = 0; i < n * c; i++)
    for (int y = 0; y < h / 2; y++)
      for (int xx = 0; xx < w / 2; xx++) {
        const float *q = x + ((size_t)i * h + 2 * y) * w + 2 * xx;
        float m = 0.25f * (q[0] + q[1] + q[w] + q[w + 1]);
        bad_pool += fabsf(yp[((size_t)i * (h / 2) + y) * (w / 2) + xx] - m) > 1e-6f;
      }
  CHECK(!bad_up, "up2: %d wrong values", bad_up);
  CHECK(!bad_pool, "pool2: %d wrong values", bad_pool);
  printf("up2 forward: %d wrong, pool2 forward: %d wrong\n", bad_up, bad_pool);

  const float *yc = nets_graph_output(g, cat)->data, *ygc = nets_graph_output(g, gc)->data;
  int bad_cat = 0;
  for (int i = 0; i < n; i++) {
    bad_cat += memcmp(yc + (size_t)i * (c + cout) * h * w, x + (size_t)i * c * h * w, (size_t)c * h * w * 4) != 0;
    bad_cat += memcmp(yc + ((size_t)i * (c + cout) + c) * h * w, ygc + (size_t)i * cout * h * w,
                      (size_t)cout * h * w * 4) != 0;
  }
  CHECK(!bad_cat, "concat differs");
  printf("concat forward: %s\n", bad_cat ? "wrong" : "exact");

  for (int a = 0; a < 6; a++) {
    const float *ya = nets_graph_output(g, act[a])->data;
    double worst = 0;
    for (size_t i = 0; i < nx; i++) {
      double v = x[i], e;
      switch (a) {
      case NETS_ACT_RELU: e = v > 0 ? v : 0; break;
      case NETS_ACT_LRELU: e = v > 0 ? v : 0.2 * v; break;
      case NETS_ACT_ELU: e = v > 0 ? v : exp(v) - 1; break;
      case NETS_ACT_SIGMOID: e = 1 / (1 + exp(-v)); break;
      case NETS_ACT_TANH: e = tanh(v); break;
      default: e = v;
      }
      if (fabs(ya[i] - e) > worst) worst = fabs(ya[i] - e);
    }
    CHECK(worst < 1e-6, "activation %s: max error %g", nets_act_name((nets_act)a), worst);
    printf("activation %-7s forward: max error %.2g\n", nets_act_name((nets_act)a), worst);
  }
  const float *ya = nets_graph_output(g, add)->data;
  double worst = 0;
  for (size_t i = 0; i < nx; i++) worst = fmax(worst, fabs(ya[i] - (x[i] + tanh(x[i]))));
  CHECK(worst < 1e-6, "add: max error %g", worst);
  free(x); free(pre); free(ref);
  nets_graph_free(g);
}

int main(void) {
  nets_rng r;
  nets_rng_seed(&r, 1234);
  test_conv(&r, 2, 3, 5, 9, 7, 3, 1, 1, 1, 1);
  test_conv(&r, 1, 4, 6, 10, 10, 3, 2, 1, 1, 1);
  test_conv(&r, 2, 3, 4, 12, 11, 3, 1, 2, 2, 0);
  test_conv(&r, 1, 2, 3, 16, 16, 3, 1, 4, 4, 1);
  test_conv(&r, 1, 5, 7, 9, 9, 5, 2, 2, 1, 1);
  test_conv(&r, 2, 8, 4, 6, 5, 1, 1, 0, 1, 1);
  test_conv(&r, 1, 3, 3, 8, 8, 4, 2, 1, 1, 1);
  test_conv(&r, 1, 40, 70, 20, 20, 3, 1, 1, 1, 1); /* big enough for BLAS threading */
  /* big enough that the forward pass unfolds a few bands of rows at a time */
  test_conv(&r, 1, 16, 8, 200, 190, 3, 1, 1, 1, 1);
  test_conv(&r, 1, 12, 8, 360, 330, 5, 2, 2, 1, 1);
  test_graph_ops(&r);
  return check_report("test-layers");
}
