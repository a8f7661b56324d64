/* Element-wise activations.  Backward is written in terms of the forward
 * output y, so layers never keep their pre-activation values. */
#ifndef NETS_ACT_H
#define NETS_ACT_H

#include <stddef.h>

typedef enum {
  NETS_ACT_NONE = 0,
  NETS_ACT_RELU,
  NETS_ACT_LRELU, /* slope NETS_LRELU_SLOPE for x < 0 */
  NETS_ACT_ELU,   /* alpha = 1 */
  NETS_ACT_SIGMOID,
  NETS_ACT_TANH,
} nets_act;

#define NETS_LRELU_SLOPE 0.2f

const char *nets_act_name(nets_act a);
/* The definition, one value (ELU and sigmoid through libm's expm1f/expf). */
float nets_act_apply(nets_act a, float x);
/* y <- f(x) for n values; y may be x.  Four values at a time for ReLU,
 * leaky ReLU, ELU and sigmoid, the last two through a vectorised exponential
 * (error < 2e-7); tanh is nets_act_apply. */
void nets_act_array(nets_act a, const float *x, float *y, size_t n);
/* The gate of a gated convolution: y <- f(fx) * sigmoid(gx) for n values,
 * keeping f(fx) in fa and sigmoid(gx) in gs when they are not NULL (for
 * backward).  y, fa and gs may be fx or gx: each value is read before it is
 * written. */
void nets_act_gate(nets_act a, const float *fx, const float *gx, float *y, float *fa, float *gs,
                   size_t n);
/* In place: x <- f(x). */
void nets_act_forward(nets_act a, float *x, size_t n);
/* f'(x) written through y = f(x). */
static inline float nets_act_grad_from_output(nets_act a, float y) {
  switch (a) {
  case NETS_ACT_RELU: return y > 0.f ? 1.f : 0.f;
  case NETS_ACT_LRELU: return y > 0.f ? 1.f : NETS_LRELU_SLOPE;
  case NETS_ACT_ELU: return y > 0.f ? 1.f : y + 1.f;
  case NETS_ACT_SIGMOID: return y * (1.f - y);
  case NETS_ACT_TANH: return 1.f - y * y;
  default: return 1.f;
  }
}

/* dx <- dy * f'(x) expressed through y = f(x); dx may alias dy. */
void nets_act_backward(nets_act a, const float *y, const float *dy, float *dx, size_t n);

#endif
