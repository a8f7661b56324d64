#include "loss.h"

#include <math.h>

float nets_loss_l1(const float *pred, const float *target, const float *weight, size_t n,
                   float scale, float *grad) {
  double sum = 0;
  const float inv = scale / (float)n;
  for (size_t i = 0; i < n; i++) {
    const float w = weight ? weight[i] : 1.f, d = pred[i] - target[i];
    sum += w * fabsf(d);
    if (grad) grad[i] = d > 0.f ? w * inv : (d < 0.f ? -w * inv : 0.f);
  }
  return (float)(sum / n);
}

float nets_loss_hinge_d(const float *real, size_t n_real, const float *fake, size_t n_fake,
                        float scale, float *grad_real, float *grad_fake) {
  double lr = 0, lf = 0;
  for (size_t i = 0; i < n_real; i++) {
    const float m = 1.f - real[i];
    lr += m > 0.f ? m : 0.f;
    if (grad_real) grad_real[i] = m > 0.f ? -scale / n_real : 0.f;
  }
  for (size_t i = 0; i < n_fake; i++) {
    const float m = 1.f + fake[i];
    lf += m > 0.f ? m : 0.f;
    if (grad_fake) grad_fake[i] = m > 0.f ? scale / n_fake : 0.f;
  }
  return (float)(lr / n_real + lf / n_fake);
}

float nets_loss_hinge_g(const float *fake, size_t n, float scale, float *grad) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    s += fake[i];
    if (grad) grad[i] = -scale / n;
  }
  return (float)(-s / n);
}

float nets_loss_focal(const float *logits, const float *target, const float *weight, size_t n,
                      float gamma, float alpha, float scale, float *grad) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const float x = logits[i], t = target[i], w = weight ? weight[i] : 1.f;
    const float p = 1.f / (1.f + expf(-x));
    /* log p and log(1-p) computed stably from the logit */
    const float lp = -log1pf(expf(-fabsf(x))) + (x < 0.f ? x : 0.f);
    const float lq = -log1pf(expf(-fabsf(x))) - (x > 0.f ? x : 0.f);
    const float at = alpha < 0.f ? 1.f : (t * alpha + (1.f - t) * (1.f - alpha));
    /* soft target: loss = -at [ t (1-p)^g log p + (1-t) p^g log(1-p) ] */
    const float q = 1.f - p;
    const float qg = gamma == 0.f ? 1.f : powf(q, gamma), pg = gamma == 0.f ? 1.f : powf(p, gamma);
    const float l = -at * (t * qg * lp + (1.f - t) * pg * lq);
    sum += w * l;
    if (grad) {
      /* d/dx of t (1-p)^g log p = t [ -g (1-p)^(g-1) p(1-p) log p + (1-p)^g (1-p) ]
       * d/dx of (1-t) p^g log(1-p) = (1-t) [ g p^(g-1) p(1-p) log(1-p) - p^g p ] */
      const float a = t * (-gamma * qg * p * lp + qg * q);
      const float b = (1.f - t) * (gamma * pg * q * lq - pg * p);
      grad[i] = -at * (a + b) * w * scale / (float)n;
    }
  }
  return (float)(sum / n);
}

float nets_loss_soft_iou(const float *logits, const float *target, int w, const int *rects, int n,
                         float scale, float *grad) {
  double sum = 0;
  for (int k = 0; k < n; k++) {
    const int *r = rects + 4 * k;
    double in = 1, un = 1; /* the +1 keeps an empty window's loss defined */
    for (int y = r[1]; y < r[3]; y++)
      for (int x = r[0]; x < r[2]; x++) {
        const size_t i = (size_t)y * w + x;
        const double p = 1.0 / (1.0 + exp(-(double)logits[i])), t = target[i];
        in += p * t, un += p + t - p * t;
      }
    sum += 1.0 - in / un;
    if (!grad) continue;
    /* dJ/dp = (t U - I (1 - t)) / U^2; dp/dx = p (1 - p); loss = 1 - J */
    const double c = scale / (double)n / (un * un);
    for (int y = r[1]; y < r[3]; y++)
      for (int x = r[0]; x < r[2]; x++) {
        const size_t i = (size_t)y * w + x;
        const double p = 1.0 / (1.0 + exp(-(double)logits[i])), t = target[i];
        grad[i] -= (float)(c * (t * un - in * (1.0 - t)) * p * (1.0 - p));
      }
  }
  return n ? (float)(sum / n) : 0.f;
}

float nets_loss_softargmax_l1(const float *logits, int n, int h, int w, float cell, float offset,
                              const float *target_xy, float scale, float *grad, float *xy) {
  const int hw = h * w;
  double sum = 0;
  for (int k = 0; k < n; k++) {
    const float *l = logits + (size_t)k * hw;
    float mx = l[0];
    for (int c = 1; c < hw; c++) mx = l[c] > mx ? l[c] : mx;
    double z = 0, ex = 0, ey = 0;
    for (int c = 0; c < hw; c++) {
      const double e = exp((double)(l[c] - mx));
      z += e, ex += e * (cell * (c % w) + offset), ey += e * (cell * (c / w) + offset);
    }
    ex /= z, ey /= z;
    if (xy) xy[2 * k] = (float)ex, xy[2 * k + 1] = (float)ey;
    if (!target_xy) continue;
    const double dx = ex - target_xy[2 * k], dy = ey - target_xy[2 * k + 1];
    sum += fabs(dx) + fabs(dy);
    if (grad) { /* d ex / d l_c = p_c (x_c - ex), the same for y */
      const double sx = dx > 0 ? 1 : (dx < 0 ? -1 : 0), sy = dy > 0 ? 1 : (dy < 0 ? -1 : 0);
      float *g = grad + (size_t)k * hw;
      for (int c = 0; c < hw; c++) {
        const double pc = exp((double)(l[c] - mx)) / z;
        const double xc = cell * (c % w) + offset, yc = cell * (c / w) + offset;
        g[c] = (float)(pc * (sx * (xc - ex) + sy * (yc - ey)) * scale / n);
      }
    }
  }
  return (float)(sum / n);
}
