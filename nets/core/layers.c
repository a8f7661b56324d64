#include "layers.h"

#include <math.h>
#include <string.h>

#include "parallel.h"

/* Arguments of one plane-parallel layer job. */
typedef struct {
  const float *in;
  float *out, *aux;
  int c, h, w, hw;
  nets_act act;
} plane_job;

static void up2_fwd(void *ctx, int p0, int p1) {
  const plane_job *j = ctx;
  const int h = j->h, w = j->w, w2 = 2 * w;
  for (int p = p0; p < p1; p++) {
    const float *xp = j->in + (size_t)p * h * w;
    float *yp = j->out + (size_t)p * 4 * h * w;
    for (int iy = 0; iy < h; iy++) {
      float *r0 = yp + (size_t)(2 * iy) * w2, *r1 = r0 + w2;
      for (int ix = 0; ix < w; ix++) r0[2 * ix] = r0[2 * ix + 1] = xp[(size_t)iy * w + ix];
      memcpy(r1, r0, sizeof(float) * w2);
    }
  }
}

void nets_up2_forward(const float *x, int n, int c, int h, int w, float *y) {
  plane_job j = {.in = x, .out = y, .h = h, .w = w};
  nets_parallel_for(n * c, up2_fwd, &j);
}

static void up2_bwd(void *ctx, int p0, int p1) {
  const plane_job *j = ctx;
  const int h = j->h, w = j->w, w2 = 2 * w;
  for (int p = p0; p < p1; p++) {
    const float *dp = j->in + (size_t)p * 4 * h * w;
    float *xp = j->out + (size_t)p * h * w;
    for (int iy = 0; iy < h; iy++) {
      const float *r0 = dp + (size_t)(2 * iy) * w2, *r1 = r0 + w2;
      for (int ix = 0; ix < w; ix++)
        xp[(size_t)iy * w + ix] += r0[2 * ix] + r0[2 * ix + 1] + r1[2 * ix] + r1[2 * ix + 1];
    }
  }
}

void nets_up2_backward(const float *dy, int n, int c, int h, int w, float *dx) {
  plane_job j = {.in = dy, .out = dx, .h = h, .w = w};
  nets_parallel_for(n * c, up2_bwd, &j);
}

static void pool_fwd(void *ctx, int p0, int p1) {
  const plane_job *j = ctx;
  const int h = j->h, w = j->w, oh = h / 2, ow = w / 2;
  for (int p = p0; p < p1; p++) {
    const float *xp = j->in + (size_t)p * h * w;
    float *yp = j->out + (size_t)p * oh * ow;
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const float *r0 = xp + (size_t)(2 * oy) * w + 2 * ox, *r1 = r0 + w;
        yp[(size_t)oy * ow + ox] = 0.25f * (r0[0] + r0[1] + r1[0] + r1[1]);
      }
  }
}

void nets_avgpool2_forward(const float *x, int n, int c, int h, int w, float *y) {
  plane_job j = {.in = x, .out = y, .h = h, .w = w};
  nets_parallel_for(n * c, pool_fwd, &j);
}

static void pool_bwd(void *ctx, int p0, int p1) {
  const plane_job *j = ctx;
  const int h = j->h, w = j->w, oh = h / 2, ow = w / 2;
  for (int p = p0; p < p1; p++) {
    const float *dp = j->in + (size_t)p * oh * ow;
    float *xp = j->out + (size_t)p * h * w;
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const float g = 0.25f * dp[(size_t)oy * ow + ox];
        float *r0 = xp + (size_t)(2 * oy) * w + 2 * ox, *r1 = r0 + w;
        r0[0] += g; r0[1] += g; r1[0] += g; r1[1] += g;
      }
  }
}

void nets_avgpool2_backward(const float *dy, int n, int c, int h, int w, float *dx) {
  plane_job j = {.in = dy, .out = dx, .h = h, .w = w};
  nets_parallel_for(n * c, pool_bwd, &j);
}

void nets_concat_forward(const float *a, int ca, const float *b, int cb, int n, int hw, float *y) {
  for (int i = 0; i < n; i++) {
    float *yi = y + (size_t)i * (ca + cb) * hw;
    memcpy(yi, a + (size_t)i * ca * hw, sizeof(float) * ca * hw);
    memcpy(yi + (size_t)ca * hw, b + (size_t)i * cb * hw, sizeof(float) * cb * hw);
  }
}

void nets_concat_backward(const float *dy, int ca, int cb, int n, int hw, float *da, float *db) {
  for (int i = 0; i < n; i++) {
    const float *di = dy + (size_t)i * (ca + cb) * hw;
    float *ai = da ? da + (size_t)i * ca * hw : NULL, *bi = db ? db + (size_t)i * cb * hw : NULL;
    if (da)
      for (size_t j = 0; j < (size_t)ca * hw; j++) ai[j] += di[j];
    if (db)
      for (size_t j = 0; j < (size_t)cb * hw; j++) bi[j] += di[(size_t)ca * hw + j];
  }
}

/* Gate planes: plane i is channel i % c of sample i / c. */
static void gate_fwd(void *ctx, int i0, int i1) {
  const plane_job *j = ctx;
  const int c = j->c, hw = j->hw;
  const size_t chw = (size_t)c * hw;
  for (int i = i0; i < i1; i++) {
    const int b = i / c, ch = i % c;
    const float *f = j->in + (size_t)b * 2 * chw + (size_t)ch * hw, *g = f + chw;
    float *sf = j->aux ? j->aux + (size_t)b * 2 * chw + (size_t)ch * hw : NULL;
    float *yo = j->out + (size_t)b * chw + (size_t)ch * hw;
    nets_act_gate(j->act, f, g, yo, sf, sf ? sf + chw : NULL, (size_t)hw);
  }
}

void nets_gate_forward(nets_act act, const float *pre, int n, int c, int hw, float *y,
                       float *saved) {
  plane_job j = {.in = pre, .out = y, .aux = saved, .c = c, .hw = hw, .act = act};
  nets_parallel_for(n * c, gate_fwd, &j);
}

static void gate_bwd(void *ctx, int i0, int i1) {
  const plane_job *j = ctx;
  const int c = j->c, hw = j->hw;
  const size_t chw = (size_t)c * hw;
  for (int i = i0; i < i1; i++) {
    const int b = i / c, ch = i % c;
    const float *sf = j->aux + (size_t)b * 2 * chw + (size_t)ch * hw, *sg = sf + chw;
    const float *d = j->in + (size_t)b * chw + (size_t)ch * hw;
    float *df = j->out + (size_t)b * 2 * chw + (size_t)ch * hw, *dg = df + chw;
    for (int p = 0; p < hw; p++) {
      const float a = sf[p], s = sg[p];
      const float ga = nets_act_grad_from_output(j->act, a);
      df[p] = d[p] * s * ga;
      dg[p] = d[p] * a * s * (1.f - s);
    }
  }
}

void nets_gate_backward(nets_act act, const float *saved, const float *dy, int n, int c, int hw,
                        float *dpre) {
  plane_job j = {.in = dy, .out = dpre, .aux = (float *)saved, .c = c, .hw = hw, .act = act};
  nets_parallel_for(n * c, gate_bwd, &j);
}
