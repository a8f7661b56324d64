/* A tiny network learns a toy task (3x3 box blur of noise); the loss must
 * drop at least 10x.  Exercises forward, backward, L1 and Adam together. */
#include <stdlib.h>

#include "adam.h"
#include "check.h"
#include "graph.h"
#include "loss.h"
#include "rng.h"

int main(void) {
  enum { B = 8, S = 12 };
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, 1);
  int h1 = nets_graph_gconv(g, "h1", in, 8, 3, 1, 1, NETS_ACT_ELU);
  int out = nets_graph_conv(g, "out", h1, 1, 3, 1, 1, NETS_ACT_NONE, 0);
  nets_graph_init_params(g, 1);
  nets_error err = {0};
  CHECK(nets_graph_prepare(g, B, S, S, 1, &err) == 0, "prepare: %s", err.msg);
  nets_adam opt;
  nets_adam_default(&opt, 3e-3f);
  nets_rng rng;
  nets_rng_seed(&rng, 42);
  float x[B * S * S], t[B * S * S], grad[B * S * S];
  double first = 0, last = 0;
  for (int step = 0; step < 600; step++) {
    for (int i = 0; i < B * S * S; i++) x[i] = nets_rng_range(&rng, 0.f, 1.f);
    for (int b = 0; b < B; b++)
      for (int y = 0; y < S; y++)
        for (int xx = 0; xx < S; xx++) {
          float s = 0;
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
              int yy = y + dy, xq = xx + dx;
              if (yy >= 0 && yy < S && xq >= 0 && xq < S) s += x[(b * S + yy) * S + xq];
            }
          t[(b * S + y) * S + xx] = s / 9.f;
        }
    nets_graph_forward(g, x, &err);
    float l = nets_loss_l1(nets_graph_output(g, out)->data, t, NULL, B * S * S, 1.f, grad);
    nets_graph_zero_grad(g);
    nets_graph_backward(g, out, grad, &err);
    nets_adam_step(&opt, g, &err);
    if (step < 20) first += l / 20;
    if (step >= 580) last += l / 20;
  }
  printf("toy task L1: first 20 steps %.4f, last 20 steps %.4f, ratio %.1fx\n", first, last,
         first / last);
  CHECK(first / last >= 10.0, "loss fell only %.1fx", first / last);
  nets_graph_free(g);
  return check_report("test-train-smoke");
}
