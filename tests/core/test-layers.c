/* Every layer's forward pass against a naive reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "check.h"
#include "graph.h"
#include "layers.h"
#include "parallel.h"
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
  const size_t ws_floats = nets_conv_workspace(&s, n, h, w, 0); /* inference size: banded */
  float *ws = malloc((ws_floats + 1) * 4);
  fill(x, nx, r); fill(wt, nw, r); fill(b, cout, r);
  nets_conv2d_forward(&s, x, n, h, w, wt, bias ? b : NULL, y, ws, ws_floats);
  ref_conv2d(&s, x, n, h, w, wt, bias ? b : NULL, yr);
  double d = rel_diff(y, yr, ny);
  CHECK(d < 1e-5, "conv n%d cin%d cout%d %dx%d k%d s%d p%d d%d: rel diff %g", n, cin, cout, h, w, k,
        stride, pad, dil, d);
  printf("conv forward k%d s%d p%d d%d bias%d: rel diff %.2g\n", k, stride, pad, dil, bias, d);
  free(x); free(wt); free(b); free(y); free(yr); free(ws);
}

/* With two threads, a batch's images are done two at a time, one per thread
 * (each with its own workspace and share of dW and db); with one thread, one
 * after the other.  Forward and backward agree, on an odd batch (the parts
 * get unequal counts) and with a workspace too small for two parts. */
static void test_conv_parts(nets_rng *r) {
  const int n = 3, cin = 6, cout = 5, h = 11, w = 9;
  const nets_conv_shape s = {cin, cout, 3, 1, 2, 2};
  const size_t nx = (size_t)n * cin * h * w, nw = (size_t)cout * cin * 9, ny = (size_t)n * cout * h * w;
  const int threads0 = nets_parallel_get_threads(), blas0 = nets_blas_get_threads();
  nets_parallel_set_threads(2);
  nets_blas_set_threads(2);
  if (nets_parallel_get_threads() < 2 || nets_blas_get_threads() < 2) {
    printf("conv parts: one CPU here, nothing to compare\n");
    nets_parallel_set_threads(threads0);
    nets_blas_set_threads(blas0);
    return;
  }
  const size_t ws2 = nets_conv_workspace(&s, n, h, w, 1);
  nets_parallel_set_threads(1);
  const size_t ws1 = nets_conv_workspace(&s, n, h, w, 1);
  CHECK(ws2 > ws1, "two threads ask for no more workspace (%zu, one thread %zu)", ws2, ws1);
  float *x = malloc(nx * 4), *wt = malloc(nw * 4), *b = malloc(cout * 4), *dy = malloc(ny * 4);
  float *ws = malloc(ws2 * 4), *y[3], *dx[3], *dw[3], *db[3];
  fill(x, nx, r); fill(wt, nw, r); fill(b, cout, r); fill(dy, ny, r);
  /* 0: one thread; 1: two threads; 2: two threads, workspace for one part */
  for (int k = 0; k < 3; k++) {
    y[k] = malloc(ny * 4), dx[k] = calloc(nx, 4), dw[k] = calloc(nw, 4), db[k] = calloc(cout, 4);
    nets_parallel_set_threads(k ? 2 : 1);
    const size_t room = k == 1 ? ws2 : ws1;
    nets_conv2d_forward(&s, x, n, h, w, wt, b, y[k], ws, room);
    nets_conv2d_backward(&s, x, n, h, w, wt, dy, dx[k], dw[k], db[k], ws, room);
  }
  for (int k = 1; k < 3; k++) {
    const double d = fmax(fmax(rel_diff(y[k], y[0], ny), rel_diff(dx[k], dx[0], nx)),
                          fmax(rel_diff(dw[k], dw[0], nw), rel_diff(db[k], db[0], cout)));
    CHECK(d < 1e-5, "conv in parts (%s) differs from one thread: rel diff %g",
          k == 1 ? "two" : "workspace for one", d);
    printf("conv forward and backward, two threads%s: rel diff %.2g\n", k == 1 ? "" : ", room for one part", d);
  }
  for (int k = 0; k < 3; k++) free(y[k]), free(dx[k]), free(dw[k]), free(db[k]);
  free(x); free(wt); free(b); free(dy); free(ws);
  nets_parallel_set_threads(threads0);
  nets_blas_set_threads(blas0);
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
  /* inference outputs share buffers: keep the ones read below that other
   * nodes read too (the rest are read by no node, so they are kept anyway) */
  nets_graph_keep(g, gc);
  nets_graph_keep(g, act[NETS_ACT_TANH]);
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

/* The vectorised ELU and sigmoid (nets_act_array) against the definition in
 * double precision, over [-100, 100] (past the clamp of its exponential),
 * in place and not, with a length that leaves a scalar tail. */
static void test_act_array(void) {
  const size_t n = 40003;
  float *x = malloc(n * 4), *y = malloc(n * 4);
  for (size_t i = 0; i < n; i++) x[i] = -100.f + 200.f * (float)i / (float)(n - 1);
  const nets_act acts[] = {NETS_ACT_ELU, NETS_ACT_SIGMOID};
  for (int k = 0; k < 2; k++)
    for (int in_place = 0; in_place < 2; in_place++) {
      if (in_place)
        memcpy(y, x, n * 4);
      else
        memset(y, 0x7f, n * 4); /* not a value it may leave */
      nets_act_array(acts[k], in_place ? y : x, y, n);
      const float *out = y;
      double worst_abs = 0, worst_rel = 0;
      for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        const double e = acts[k] == NETS_ACT_ELU ? (v > 0 ? v : expm1(v)) : 1 / (1 + exp(-v));
        worst_abs = fmax(worst_abs, fabs(out[i] - e));
        if (fabs(e) > 1e-30) worst_rel = fmax(worst_rel, fabs(out[i] - e) / fabs(e));
      }
      /* relative error: of the sigmoid's far tails (ELU's near 0 is of no use) */
      CHECK(worst_abs < 2e-7 && (acts[k] == NETS_ACT_ELU || worst_rel < 1e-5), "%s array (%s): max error %g, relative %g",
            nets_act_name(acts[k]), in_place ? "in place" : "copy", worst_abs, worst_rel);
      if (in_place)
        printf("activation %-7s array: max error %.2g, relative %.2g\n", nets_act_name(acts[k]),
               worst_abs, worst_rel);
    }
  free(x); free(y);
}

/* Inference shares output buffers (nets_graph_prepare): a deep chain with a
 * skip connection gives the same outputs as training mode, where every node
 * keeps its own, in fewer buffers than nodes; a kept node keeps its value,
 * and so does the last node of forward_upto. */
static void test_output_sharing(nets_rng *r) {
  const int n = 2, c = 3, h = 16, w = 12;
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, c);
  int c1 = nets_graph_conv(g, "c1", in, 8, 3, 1, 1, NETS_ACT_LRELU, 0);
  int c2 = nets_graph_gconv(g, "c2", c1, 8, 3, 2, 1, NETS_ACT_ELU);
  int c3 = nets_graph_conv(g, "c3", c2, 8, 3, 1, 2, NETS_ACT_RELU, 0);
  int c4 = nets_graph_conv(g, "c4", c3, 8, 3, 1, 1, NETS_ACT_TANH, 0);
  int u = nets_graph_up2(g, c4);
  int cat = nets_graph_concat(g, u, c1);
  int c5 = nets_graph_conv(g, "c5", cat, 6, 3, 1, 1, NETS_ACT_NONE, 0);
  int c6 = nets_graph_conv(g, "c6", c5, 3, 1, 1, 1, NETS_ACT_SIGMOID, 0);
  CHECK(c6 > 0, "chain build failed");
  nets_graph_init_params(g, 11);
  nets_graph_keep(g, c3);
  nets_error err = {0};
  size_t nx = (size_t)n * c * h * w;
  float *x = malloc(nx * 4);
  fill(x, nx, r);
  /* training mode: every output its own */
  CHECK(nets_graph_prepare(g, n, h, w, 1, &err) == 0, "prepare: %s", err.msg);
  nets_graph_forward(g, x, &err);
  const size_t n3 = nets_tensor_size(nets_graph_output(g, c3)), n5 = nets_tensor_size(nets_graph_output(g, c5)),
               n6 = nets_tensor_size(nets_graph_output(g, c6));
  float *r3 = malloc(n3 * 4), *r5 = malloc(n5 * 4), *r6 = malloc(n6 * 4);
  memcpy(r3, nets_graph_output(g, c3)->data, n3 * 4);
  memcpy(r5, nets_graph_output(g, c5)->data, n5 * 4);
  memcpy(r6, nets_graph_output(g, c6)->data, n6 * 4);
  /* inference, twice (the second prepare is a no-op), then back and forth */
  for (int round = 0; round < 3; round++) {
    CHECK(nets_graph_prepare(g, n, h, w, round == 2, &err) == 0, "prepare: %s", err.msg);
    if (round == 2) CHECK(nets_graph_prepare(g, n, h, w, 0, &err) == 0, "prepare: %s", err.msg);
    CHECK(nets_graph_forward(g, x, &err) == 0, "forward: %s", err.msg);
    CHECK(!memcmp(nets_graph_output(g, c6)->data, r6, n6 * 4), "round %d: output differs", round);
    CHECK(!memcmp(nets_graph_output(g, c3)->data, r3, n3 * 4), "round %d: kept node differs", round);
    CHECK(g->n_pool < g->n_nodes - 2, "round %d: %d buffers for %d nodes", round, g->n_pool, g->n_nodes);
    CHECK(nets_graph_forward_upto(g, x, c5, &err) == 0, "forward_upto: %s", err.msg);
    CHECK(!memcmp(nets_graph_output(g, c5)->data, r5, n5 * 4), "round %d: upto node differs", round);
  }
  printf("shared outputs: %d buffers for %d nodes, outputs exact\n", g->n_pool, g->n_nodes);
  /* a larger input after a smaller one grows the buffers */
  CHECK(nets_graph_prepare(g, 1, 2 * h, 2 * w, 0, &err) == 0, "prepare: %s", err.msg);
  float *x2 = calloc((size_t)4 * nx, 4);
  CHECK(nets_graph_forward(g, x2, &err) == 0, "forward: %s", err.msg);
  CHECK(nets_graph_output(g, c6)->h == 2 * h, "size after growing");
  free(x); free(x2); free(r3); free(r5); free(r6);
  nets_graph_free(g);
}

/* Contextual attention through the graph (inference and training give the
 * same), against its definition computed directly: the hole is channel 2 of
 * the input at twice the map's size; sample 1 has no known position. */
static void test_attend(nets_rng *r) {
  const int n = 2, h = 6, w = 4, H = 2 * h, W = 2 * w, p = h * w;
  const float scale = 3.0f;
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, 3);
  int pool = nets_graph_pool2(g, in);
  int att = nets_graph_attend(g, pool, in, 2, scale);
  CHECK(att > 0, "attend: build failed");
  CHECK(nets_graph_attend(g, pool, in, 3, scale) < 0, "attend: a mask channel past the input's is refused");
  float *x = malloc(sizeof(float) * n * 3 * H * W);
  fill(x, (size_t)n * 3 * H * W, r);
  for (int s = 0; s < n; s++) /* hole: the right half (sample 0), everything (sample 1) */
    for (int y = 0; y < H; y++)
      for (int xx = 0; xx < W; xx++) x[((size_t)s * 3 + 2) * H * W + y * W + xx] = s == 1 || xx >= W / 2;
  x[2 * H * W + 3 * W + 1] = 0.7f; /* one hole pixel makes its whole 2x2 block a hole */
  nets_error err = {0};
  float *ref = calloc((size_t)n * 3 * p, sizeof(float));
  for (int mode = 0; mode < 2; mode++) {
    CHECK(nets_graph_prepare(g, n, H, W, mode, &err) == 0, "prepare: %s", err.msg);
    CHECK(nets_graph_forward(g, x, &err) == 0, "forward: %s", err.msg);
    const float *f = nets_graph_output(g, pool)->data, *y = nets_graph_output(g, att)->data;
    if (mode == 0) {
      for (int s = 0; s < n; s++) {
        const float *fs = f + (size_t)s * 3 * p, *m = x + ((size_t)s * 3 + 2) * H * W;
        for (int i = 0; i < p; i++) {
          double wsum = 0, acc[3] = {0, 0, 0}, ni = 0;
          for (int k = 0; k < 3; k++) ni += fs[k * p + i] * fs[k * p + i];
          for (int j = 0; j < p; j++) {
            const int by = j / w, bx = j % w;
            int hole = 0;
            for (int dy = 0; dy < 2; dy++)
              for (int dx = 0; dx < 2; dx++) hole |= m[(2 * by + dy) * W + 2 * bx + dx] >= 0.5f;
            if (hole) continue;
            double dot = 0, nj = 0;
            for (int k = 0; k < 3; k++) dot += fs[k * p + i] * fs[k * p + j], nj += fs[k * p + j] * fs[k * p + j];
            const double e = exp(scale * dot / sqrt(ni * nj));
            wsum += e;
            for (int k = 0; k < 3; k++) acc[k] += e * fs[k * p + j];
          }
          for (int k = 0; k < 3; k++) ref[((size_t)s * 3 + k) * p + i] = wsum > 0 ? (float)(acc[k] / wsum) : 0.0f;
        }
      }
    }
    double worst = 0;
    for (size_t i = 0; i < (size_t)n * 3 * p; i++) worst = fmax(worst, fabs(y[i] - ref[i]));
    CHECK(worst < 1e-5, "attend (%s): differs from its definition by %g", mode ? "training" : "inference", worst);
    printf("attend (%s): max difference from the definition %.1e\n", mode ? "training" : "inference", worst);
  }
  free(x), free(ref);
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
  test_conv_parts(&r);
  test_graph_ops(&r);
  test_act_array();
  test_output_sharing(&r);
  test_attend(&r);
  return check_report("test-layers");
}
