#include "act.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

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

/* The exponential behind ELU and the sigmoid, four values at a time, in
 * GCC/Clang vector types so that it compiles to SIMD on any target.
 * Cephes' expf: e^x = 2^n e^r, |r| <= ln2/2, e^r by a degree-6 polynomial;
 * x clamped to [-87, 88] so that 2^n stays a normal float.  ELU and sigmoid
 * come within 2e-7 of their definition, the sigmoid's tails within 1e-5
 * relative; test-layers checks it. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f v4_splat(float a) { return (v4f){a, a, a, a}; }

/* m ? a : b, m from a vector comparison (all bits set or none) */
static inline v4f v4_select(v4i m, v4f a, v4f b) { return (v4f)((m & (v4i)a) | (~m & (v4i)b)); }

static inline v4f v4_exp(v4f x) {
  x = v4_select(x < -87.f, v4_splat(-87.f), x);
  x = v4_select(x > 88.f, v4_splat(88.f), x);
  /* n = round(x / ln2), through integer conversion: nets is built with
   * -ffast-math, which would fold away the "add 1.5 * 2^23" trick */
  v4f t = x * 1.44269504f;
  t = t + v4_select(t < 0.f, v4_splat(-0.5f), v4_splat(0.5f));
  const v4i ni = __builtin_convertvector(t, v4i);
  const v4f n = __builtin_convertvector(ni, v4f);
  v4f r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  v4f p = v4_splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  const v4i e = (ni + 127) << 23;
  return p * (v4f)e;
}

static int has_v4(nets_act a) { return a != NETS_ACT_TANH; }

/* f(v) for the activations with has_v4 */
static inline v4f v4_act(nets_act a, v4f v) {
  switch (a) {
  case NETS_ACT_RELU: return v4_select(v > 0.f, v, v4_splat(0.f));
  case NETS_ACT_LRELU: return v4_select(v > 0.f, v, v * NETS_LRELU_SLOPE);
  case NETS_ACT_ELU: return v4_select(v > 0.f, v, v4_exp(v) - 1.f);
  case NETS_ACT_SIGMOID: return 1.f / (1.f + v4_exp(-v));
  default: return v;
  }
}

void nets_act_array(nets_act a, const float *x, float *y, size_t n) {
  size_t i = 0;
  if (has_v4(a))
    for (; i + 4 <= n; i += 4) {
      v4f v;
      memcpy(&v, x + i, sizeof v);
      v = v4_act(a, v);
      memcpy(y + i, &v, sizeof v);
    }
  for (; i < n; i++) y[i] = nets_act_apply(a, x[i]);
}

void nets_act_gate(nets_act a, const float *f, const float *g, float *y, float *fa, float *gs,
                   size_t n) {
  size_t i = 0;
  if (has_v4(a))
    for (; i + 4 <= n; i += 4) {
      v4f vf, vg;
      memcpy(&vf, f + i, sizeof vf);
      memcpy(&vg, g + i, sizeof vg);
      vf = v4_act(a, vf);
      vg = v4_act(NETS_ACT_SIGMOID, vg);
      const v4f vy = vf * vg;
      if (fa) memcpy(fa + i, &vf, sizeof vf);
      if (gs) memcpy(gs + i, &vg, sizeof vg);
      memcpy(y + i, &vy, sizeof vy);
    }
  for (; i < n; i++) {
    const float af = nets_act_apply(a, f[i]), sg = nets_act_apply(NETS_ACT_SIGMOID, g[i]);
    if (fa) fa[i] = af;
    if (gs) gs[i] = sg;
    y[i] = af * sg;
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
  const size_t start = (size_t)b0 * BLOCK;
  nets_act_array(j->a, j->x + start, j->x + start, end - start);
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
