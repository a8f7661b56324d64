#include "act.h"

#include <math.h>

#include "parallel.h"

const char *nets_act_name(nets_act a) {
  static const char *names[] = {"none", "relu", "lrelu", "elu", "sigmoid", "tanh"};
  return (unsigned)a < sizeof names / sizeof *names ? names[a] : "?";
}

float nets_act_apply(nets_act a, float x) {
  switch (a) {
  case NETS_ACT_RELU: return x > 0.f ? x : 0.f;
  case NETS_ACT_LRELU: return x > 0.f ? x : NETS_LRELU_SLOPE * x;
  case NETS_ACT_ELU: return x > 0.f ? x : expm1f(x);
  case NETS_ACT_SIGMOID: return 1.f / (1.f + expf(-x));
  case NETS_ACT_TANH: return tanhf(x);
  default: return x;
  }
}

/* Element-wise jobs are split in blocks of this many values. */
#define BLOCK 16384

typedef struct {
  nets_act a;
  const float *y, *dy;
  float *x;
  size_t n;
} act_job;

static void forward_blocks(void *ctx, int b0, int b1) {
  const act_job *j = ctx;
  const size_t end = (size_t)b1 * BLOCK < j->n ? (size_t)b1 * BLOCK : j->n;
  for (size_t i = (size_t)b0 * BLOCK; i < end; i++) j->x[i] = nets_act_apply(j->a, j->x[i]);
}

static void backward_blocks(void *ctx, int b0, int b1) {
  const act_job *j = ctx;
  const size_t end = (size_t)b1 * BLOCK < j->n ? (size_t)b1 * BLOCK : j->n;
  for (size_t i = (size_t)b0 * BLOCK; i < end; i++)
    j->x[i] = j->dy[i] * nets_act_grad_from_output(j->a, j->y[i]);
}

void nets_act_forward(nets_act a, float *x, size_t n) {
  if (a == NETS_ACT_NONE) return;
  act_job j = {a, NULL, NULL, x, n};
  nets_parallel_for((int)((n + BLOCK - 1) / BLOCK), forward_blocks, &j);
}

void nets_act_backward(nets_act a, const float *y, const float *dy, float *dx, size_t n) {
  act_job j = {a, y, dy, dx, n};
  nets_parallel_for((int)((n + BLOCK - 1) / BLOCK), backward_blocks, &j);
}
