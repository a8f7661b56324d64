/* Every backward pass against central finite differences. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attend.h"
#include "check.h"
#include "graph.h"
#include "loss.h"
#include "rng.h"

#define N 2
#define H 8
#define W 8

/* Hash of the sign pattern of every node's output, and of the positions an
 * attention node takes as known: a finite difference that changes it has
 * crossed a kink (ReLU at 0) or a step and says nothing about the slope. */
static uint64_t sign_pattern(const nets_graph *g) {
  uint64_t hsh = 1469598103934665603ULL;
  for (int i = 1; i < g->n_nodes; i++) {
    const nets_node *nd = &g->nodes[i];
    if (nd->op == NETS_OP_ATTEND) { /* which positions are known: a step, like a kink */
      const size_t p = (size_t)nd->h * nd->w, per = nets_attend_saved_size(nd->c, (int)p);
      for (int s = 0; s < g->n; s++)
        for (size_t j = 0; j < p; j++) hsh = (hsh ^ (nd->saved->data[s * per + per - p + j] > 0.5f)) * 1099511628211ULL;
      continue;
    }
    if (nd->act != NETS_ACT_RELU && nd->act != NETS_ACT_LRELU) continue;
    const nets_tensor *t = nd->op == NETS_OP_GCONV ? nd->saved : nd->out;
    for (size_t j = 0; j < nets_tensor_size(t); j++) hsh = (hsh ^ (t->data[j] > 0.f)) * 1099511628211ULL;
  }
  return hsh;
}

static double loss_of(nets_graph *g, int out, const float *x, const float *r, uint64_t *pattern) {
  nets_graph_forward(g, x, NULL);
  *pattern = sign_pattern(g);
  const nets_tensor *y = nets_graph_output(g, out);
  double s = 0;
  for (size_t i = 0; i < nets_tensor_size(y); i++) s += (double)y->data[i] * r[i];
  return s;
}

/* Compare analytic and numeric gradients of sum(out * r) for the input and
 * every trainable parameter, on up to `samples` elements of each. */
static void gradcheck(const char *what, nets_graph *g, int out, int cin, int samples) {
  nets_rng rng;
  nets_rng_seed(&rng, 99);
  nets_graph_init_params(g, 5);
  for (int i = 0; i < g->n_params; i++) /* non-zero biases exercise more paths */
    if (strstr(g->params[i].name, ".bias"))
      for (size_t j = 0; j < nets_tensor_size(g->params[i].value); j++)
        g->params[i].value->data[j] = nets_rng_range(&rng, -0.3f, 0.3f);
  nets_error err = {0};
  g->want_input_grad = 1;
  if (nets_graph_prepare(g, N, H, W, 1, &err)) {
    CHECK(0, "%s: prepare: %s", what, err.msg);
    return;
  }
  const size_t nx = (size_t)N * cin * H * W;
  float *x = malloc(nx * 4);
  for (size_t i = 0; i < nx; i++) x[i] = nets_rng_range(&rng, -1.f, 1.f);
  /* converge spectral-norm vectors so forward is stationary */
  for (int i = 0; i < 60; i++) nets_graph_forward(g, x, NULL);
  const size_t ny = nets_tensor_size(nets_graph_output(g, out));
  float *r = malloc(ny * 4);
  for (size_t i = 0; i < ny; i++) r[i] = nets_rng_range(&rng, -1.f, 1.f);
  nets_graph_zero_grad(g);
  nets_graph_forward(g, x, NULL);
  CHECK(nets_graph_backward(g, out, r, &err) == 0, "%s: backward: %s", what, err.msg);

  /* tensors to check: the input (index -1) and each trainable parameter */
  for (int t = -1; t < g->n_params; t++) {
    float *val, *grad;
    size_t n;
    const char *name;
    if (t < 0) {
      val = x; grad = nets_graph_input_grad(g)->data; n = nx; name = "input";
    } else {
      if (!g->params[t].trainable) continue;
      val = g->params[t].value->data; grad = g->params[t].grad->data;
      n = nets_tensor_size(g->params[t].value); name = g->params[t].name;
    }
    float *ana = malloc(samples * 4), *num = malloc(samples * 4);
    int m = 0, skipped = 0;
    uint64_t p0, pp, pm;
    loss_of(g, out, x, r, &p0);
    for (int s = 0; s < samples && s < (int)n; s++) {
      size_t j = n <= (size_t)samples ? (size_t)s : (size_t)nets_rng_int(&rng, (int)n);
      const float eps = 2e-3f, keep = val[j];
      val[j] = keep + eps;
      double lp = loss_of(g, out, x, r, &pp);
      val[j] = keep - eps;
      double lm = loss_of(g, out, x, r, &pm);
      val[j] = keep;
      if (pp != p0 || pm != p0) {
        skipped++;
        continue;
      }
      ana[m] = grad[j];
      num[m] = (float)((lp - lm) / (2 * eps));
      m++;
    }
    double d = rel_diff(ana, num, m);
    CHECK(m >= 1 && d < 1e-2, "%s: gradient of %s: rel error %g over %d samples", what, name, d, m);
    printf("%-28s d/d %-16s rel error %.2e (%d samples, %d across a kink)\n", what, name, d, m,
           skipped);
    free(ana); free(num);
  }
  free(x); free(r);
}

static void check_graphs(void) {
  struct { const char *what; nets_act act; int k, stride, dil; unsigned flags; } convs[] = {
    {"conv k3", NETS_ACT_NONE, 3, 1, 1, 0},
    {"conv k3 s2 lrelu", NETS_ACT_LRELU, 3, 2, 1, 0},
    {"conv k4 s2 relu", NETS_ACT_RELU, 4, 2, 1, 0},
    {"conv k3 dil2 elu", NETS_ACT_ELU, 3, 1, 2, 0},
    {"conv k1 sigmoid", NETS_ACT_SIGMOID, 1, 1, 1, 0},
    {"conv k3 tanh nobias", NETS_ACT_TANH, 3, 1, 1, NETS_CONV_NO_BIAS},
    {"conv spectral-norm lrelu", NETS_ACT_LRELU, 3, 2, 1, NETS_CONV_SPECTRAL},
  };
  for (size_t i = 0; i < sizeof convs / sizeof *convs; i++) {
    nets_graph *g = nets_graph_new();
    int in = nets_graph_input(g, 3);
    int c = nets_graph_conv(g, "c", in, 4, convs[i].k, convs[i].stride, convs[i].dil, convs[i].act,
                            convs[i].flags);
    gradcheck(convs[i].what, g, c, 3, 40);
    nets_graph_free(g);
  }
  {
    nets_graph *g = nets_graph_new();
    int in = nets_graph_input(g, 3);
    int c = nets_graph_gconv(g, "g", in, 4, 3, 1, 2, NETS_ACT_ELU);
    gradcheck("gated conv elu dil2", g, c, 3, 40);
    nets_graph_free(g);
  }
  {
    nets_graph *g = nets_graph_new();
    int in = nets_graph_input(g, 3);
    int c = nets_graph_gconv(g, "g", in, 4, 3, 2, 1, NETS_ACT_LRELU);
    gradcheck("gated conv lrelu s2", g, c, 3, 40);
    nets_graph_free(g);
  }
  /* the first conv's gradient passes back through a conv from 16 channels
   * to 8, whose input gradient the direct kernel computes (AVX-512) */
  {
    nets_graph *g = nets_graph_new();
    int in = nets_graph_input(g, 3);
    int c1 = nets_graph_conv(g, "c1", in, 16, 3, 1, 1, NETS_ACT_ELU, 0);
    int c2 = nets_graph_conv(g, "c2", c1, 8, 3, 1, 1, NETS_ACT_NONE, 0);
    gradcheck("conv 16->8 after conv", g, c2, 3, 40);
    nets_graph_free(g);
  }
  /* up2, pool2, concat, add and every activation as separate nodes */
  for (int a = NETS_ACT_NONE; a <= NETS_ACT_TANH; a++) {
    nets_graph *g = nets_graph_new();
    int in = nets_graph_input(g, 2);
    int c1 = nets_graph_conv(g, "c1", in, 3, 3, 1, 1, NETS_ACT_NONE, 0);
    int act = nets_graph_act(g, c1, (nets_act)a);
    int p = nets_graph_pool2(g, act);
    int u = nets_graph_up2(g, p);
    int cat = nets_graph_concat(g, u, in);
    int c2 = nets_graph_conv(g, "c2", cat, 3, 3, 1, 1, NETS_ACT_NONE, 0);
    int add = nets_graph_add(g, c2, c1);
    char what[64];
    snprintf(what, sizeof what, "act %s+pool+up+cat+add", nets_act_name((nets_act)a));
    gradcheck(what, g, add, 2, 40);
    nets_graph_free(g);
  }
}

/* Contextual attention: features from a conv of the first two channels, the
 * hole in the third (a block in the middle of each sample, at twice the
 * map's size so that the known test reads 2x2 blocks). */
static void check_attend(void) {
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, 3);
  int c = nets_graph_conv(g, "c", in, 4, 3, 2, 1, NETS_ACT_NONE, 0);
  int att = nets_graph_attend(g, c, in, 2, 4.0f);
  int out = nets_graph_add(g, att, c);
  CHECK(att > 0 && out > 0, "attend: graph");
  gradcheck("attend (hole from channel 2)", g, out, 3, 60);
  nets_graph_free(g);
}

/* Loss gradients against finite differences. */
static void check_losses(void) {
  enum { M = 64 };
  nets_rng rng;
  nets_rng_seed(&rng, 3);
  float p[M], t[M], w[M], g1[M], g2[M], gn[M];
  for (int i = 0; i < M; i++) {
    p[i] = nets_rng_range(&rng, -2.f, 2.f);
    t[i] = nets_rng_uniform(&rng) < 0.3f ? 1.f : (nets_rng_uniform(&rng) < 0.5f ? 0.f : nets_rng_uniform(&rng));
    w[i] = nets_rng_range(&rng, 0.5f, 2.f);
  }
  const float eps = 1e-3f;
  /* L1 with weights: avoid kinks by keeping |p - t| > eps */
  for (int i = 0; i < M; i++) if (fabsf(p[i] - t[i]) < 0.01f) p[i] += 0.05f;
  nets_loss_l1(p, t, w, M, 1.f, g1);
  for (int i = 0; i < M; i++) {
    float k = p[i];
    p[i] = k + eps; double lp = nets_loss_l1(p, t, w, M, 1.f, NULL);
    p[i] = k - eps; double lm = nets_loss_l1(p, t, w, M, 1.f, NULL);
    p[i] = k; gn[i] = (float)((lp - lm) / (2 * eps));
  }
  double d = rel_diff(g1, gn, M);
  CHECK(d < 1e-2, "L1 gradient rel error %g", d);
  printf("loss L1 (weighted)            rel error %.2e\n", d);

  struct { const char *name; float gamma, alpha; } fl[] = {{"BCE", 0.f, -1.f}, {"focal g2 a.25", 2.f, 0.25f}};
  for (int f = 0; f < 2; f++) {
    nets_loss_focal(p, t, w, M, fl[f].gamma, fl[f].alpha, 1.f, g1);
    for (int i = 0; i < M; i++) {
      float k = p[i];
      p[i] = k + eps; double lp = nets_loss_focal(p, t, w, M, fl[f].gamma, fl[f].alpha, 1.f, NULL);
      p[i] = k - eps; double lm = nets_loss_focal(p, t, w, M, fl[f].gamma, fl[f].alpha, 1.f, NULL);
      p[i] = k; gn[i] = (float)((lp - lm) / (2 * eps));
    }
    d = rel_diff(g1, gn, M);
    CHECK(d < 1e-2, "%s gradient rel error %g", fl[f].name, d);
    printf("loss %-24s rel error %.2e\n", fl[f].name, d);
  }
  /* soft IoU over windows of an 8 x 8 map, two of them overlapping; the
   * gradient is added to what grad holds */
  {
    const int rects[] = {0, 0, 5, 4, 2, 1, 8, 8, 6, 0, 8, 2};
    for (int i = 0; i < M; i++) g1[i] = 0.5f;
    nets_loss_soft_iou(p, t, 8, rects, 3, 1.f, g1);
    for (int i = 0; i < M; i++) {
      float k = p[i];
      p[i] = k + eps; double lp = nets_loss_soft_iou(p, t, 8, rects, 3, 1.f, NULL);
      p[i] = k - eps; double lm = nets_loss_soft_iou(p, t, 8, rects, 3, 1.f, NULL);
      p[i] = k; gn[i] = (float)((lp - lm) / (2 * eps));
    }
    for (int i = 0; i < M; i++) g1[i] -= 0.5f; /* what the loss added */
    d = rel_diff(g1, gn, M);
    CHECK(d < 1e-2, "soft IoU gradient rel error %g", d);
    printf("loss soft IoU (windows)       rel error %.2e\n", d);
    /* a sure, right map scores near 0, a sure, wrong one near 1 */
    float right[M], wrong[M], bin[M];
    for (int i = 0; i < M; i++) {
      bin[i] = i % 3 == 0;
      right[i] = bin[i] ? 12.f : -12.f, wrong[i] = -right[i];
    }
    const int whole[] = {0, 0, 8, 8};
    const float lr = nets_loss_soft_iou(right, bin, 8, whole, 1, 1.f, NULL);
    const float lw = nets_loss_soft_iou(wrong, bin, 8, whole, 1, 1.f, NULL);
    CHECK(lr < 0.01f && lw > 0.97f, "soft IoU of a right map %g, of a wrong one %g", lr, lw);
    CHECK(nets_loss_soft_iou(right, bin, 8, whole, 0, 1.f, NULL) == 0.f, "soft IoU of no window is not 0");
  }
  /* hinge: keep values away from the +-1 kinks */
  for (int i = 0; i < M; i++) if (fabsf(fabsf(p[i]) - 1.f) < 0.01f) p[i] += 0.05f;
  nets_loss_hinge_d(p, M / 2, p + M / 2, M / 2, 1.f, g1, g1 + M / 2);
  nets_loss_hinge_g(p, M, 1.f, g2);
  for (int i = 0; i < M; i++) {
    float k = p[i];
    p[i] = k + eps; double lp = nets_loss_hinge_d(p, M / 2, p + M / 2, M / 2, 1.f, NULL, NULL);
    p[i] = k - eps; double lm = nets_loss_hinge_d(p, M / 2, p + M / 2, M / 2, 1.f, NULL, NULL);
    p[i] = k; gn[i] = (float)((lp - lm) / (2 * eps));
  }
  d = rel_diff(g1, gn, M);
  CHECK(d < 1e-2, "hinge D gradient rel error %g", d);
  printf("loss hinge (critic)           rel error %.2e\n", d);
  for (int i = 0; i < M; i++) {
    float k = p[i];
    p[i] = k + eps; double lp = nets_loss_hinge_g(p, M, 1.f, NULL);
    p[i] = k - eps; double lm = nets_loss_hinge_g(p, M, 1.f, NULL);
    p[i] = k; gn[i] = (float)((lp - lm) / (2 * eps));
  }
  d = rel_diff(g2, gn, M);
  CHECK(d < 1e-2, "hinge G gradient rel error %g", d);
  printf("loss hinge (generator)        rel error %.2e\n", d);
  { /* soft-argmax keypoints: 3 maps of 4 x 5 cells, targets away from the kinks */
    enum { NK = 3, NH = 4, NW = 5, KN = NK * NH * NW };
    float l[KN], gs[KN], gsn[KN], txy[2 * NK], xy[2 * NK];
    for (int i = 0; i < KN; i++) l[i] = nets_rng_range(&rng, -2.f, 2.f);
    nets_loss_softargmax_l1(l, NK, NH, NW, 4.f, 1.5f, (float[2 * NK]){0}, 1.f, NULL, xy);
    for (int k = 0; k < 2 * NK; k++) txy[k] = xy[k] + (k % 3 == 0 ? 2.5f : -1.7f);
    const float cell = 4.f, off = 1.5f;
    nets_loss_softargmax_l1(l, NK, NH, NW, cell, off, txy, 1.f, gs, NULL);
    for (int i = 0; i < KN; i++) {
      float k = l[i];
      l[i] = k + eps; double lp = nets_loss_softargmax_l1(l, NK, NH, NW, cell, off, txy, 1.f, NULL, NULL);
      l[i] = k - eps; double lm = nets_loss_softargmax_l1(l, NK, NH, NW, cell, off, txy, 1.f, NULL, NULL);
      l[i] = k; gsn[i] = (float)((lp - lm) / (2 * eps));
    }
    d = rel_diff(gs, gsn, KN);
    CHECK(d < 1e-2, "soft-argmax gradient rel error %g", d);
    /* a map peaked at one cell puts its keypoint on that cell */
    for (int i = 0; i < NH * NW; i++) l[i] = i == 2 * NW + 3 ? 30.f : 0.f;
    nets_loss_softargmax_l1(l, 1, NH, NW, cell, off, txy, 1.f, NULL, xy);
    CHECK(fabsf(xy[0] - (cell * 3 + off)) < 1e-3f && fabsf(xy[1] - (cell * 2 + off)) < 1e-3f,
          "soft-argmax of a peak at (3, 2): %g, %g", xy[0], xy[1]);
    printf("loss soft-argmax keypoints    rel error %.2e\n", d);
  }
}

int main(void) {
  check_graphs();
  check_attend();
  check_losses();
  return check_report("test-gradcheck");
}
