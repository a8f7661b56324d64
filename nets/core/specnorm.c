#include "specnorm.h"

#include <math.h>
#include <stddef.h>

static void normalise(float *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
  const float inv = (float)(1.0 / (sqrt(s) + 1e-12));
  for (int i = 0; i < n; i++) x[i] *= inv;
}

float nets_specnorm_forward(const float *w, int rows, int cols, float *u, float *v, int update,
                            float *w_sn) {
  /* v = normalise(W^T u) */
  for (int j = 0; j < cols; j++) v[j] = 0.f;
  for (int i = 0; i < rows; i++) {
    const float ui = u[i];
    const float *wr = w + (size_t)i * cols;
    for (int j = 0; j < cols; j++) v[j] += wr[j] * ui;
  }
  normalise(v, cols);
  /* u' = normalise(W v); sigma = u'^T W v */
  double sigma = 0;
  float wv_norm_sq = 0.f;
  for (int i = 0; i < rows; i++) {
    const float *wr = w + (size_t)i * cols;
    double s = 0;
    for (int j = 0; j < cols; j++) s += (double)wr[j] * v[j];
    wv_norm_sq += (float)(s * s);
    if (update) u[i] = (float)s;
    else sigma += s * u[i];
  }
  if (update) {
    normalise(u, rows);
    sigma = sqrt(wv_norm_sq);
  }
  if (sigma < 1e-12) sigma = 1e-12;
  const float inv = (float)(1.0 / sigma);
  for (size_t i = 0; i < (size_t)rows * cols; i++) w_sn[i] = w[i] * inv;
  return (float)sigma;
}

void nets_specnorm_backward(const float *w_sn, const float *g, int rows, int cols, const float *u,
                            const float *v, float sigma, float *dw) {
  double dot = 0;
  const size_t n = (size_t)rows * cols;
  for (size_t i = 0; i < n; i++) dot += (double)g[i] * w_sn[i];
  const float inv = 1.f / sigma;
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      const size_t k = (size_t)i * cols + j;
      dw[k] += (g[k] - (float)dot * u[i] * v[j]) * inv;
    }
}
