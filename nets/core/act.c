#include "act.h"

#include <math.h>

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

void nets_act_forward(nets_act a, float *x, size_t n) {
  if (a == NETS_ACT_NONE) return;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (size_t i = 0; i < n; i++) x[i] = nets_act_apply(a, x[i]);
}

void nets_act_backward(nets_act a, const float *y, const float *dy, float *dx, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (size_t i = 0; i < n; i++) dx[i] = dy[i] * nets_act_grad_from_output(a, y[i]);
}
