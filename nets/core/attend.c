#include "attend.h"

#include <math.h>
#include <string.h>

#include "blas.h"

size_t nets_attend_saved_size(int c, int p) { return (size_t)p * p + (size_t)c * p + 2 * (size_t)p; }

void nets_attend_known(const float *mask, int mh, int mw, int h, int w, float *known) {
  const int ky = mh / h, kx = mw / w;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int hole = 0;
      for (int dy = 0; dy < ky && !hole; dy++)
        for (int dx = 0; dx < kx && !hole; dx++)
          hole = mask[(size_t)(y * ky + dy) * mw + x * kx + dx] >= 0.5f;
      known[y * w + x] = hole ? 0.0f : 1.0f;
    }
}

/* saved: a [p][p], q [c][p], inv [p], known [p] */
void nets_attend_forward(const float *x, int c, int p, float scale, float *saved, float *y) {
  float *a = saved, *q = a + (size_t)p * p, *inv = q + (size_t)c * p;
  const float *known = inv + p;
  for (int i = 0; i < p; i++) {
    double s = 0;
    for (int k = 0; k < c; k++) s += (double)x[(size_t)k * p + i] * x[(size_t)k * p + i];
    inv[i] = (float)(1.0 / sqrt(s + 1e-8));
  }
  for (int k = 0; k < c; k++)
    for (int i = 0; i < p; i++) q[(size_t)k * p + i] = x[(size_t)k * p + i] * inv[i];
  /* a [i][j] = scale * q_i . q_j, then a softmax over the known j of each row */
  nets_sgemm(1, 0, p, p, c, scale, q, p, q, p, 0.0f, a, p);
  for (int i = 0; i < p; i++) {
    float *row = a + (size_t)i * p, top = -INFINITY;
    for (int j = 0; j < p; j++)
      if (known[j] && row[j] > top) top = row[j];
    double sum = 0;
    for (int j = 0; j < p; j++) {
      row[j] = known[j] ? expf(row[j] - top) : 0.0f;
      sum += row[j];
    }
    const float norm = sum > 0 ? (float)(1.0 / sum) : 0.0f;
    for (int j = 0; j < p; j++) row[j] *= norm;
  }
  /* y [k][i] = sum_j x [k][j] a [i][j] */
  nets_sgemm(0, 1, c, p, p, 1.0f, x, p, a, p, 0.0f, y, p);
}

void nets_attend_backward(const float *x, int c, int p, float scale, const float *saved,
                          const float *dy, float *dx, float *work) {
  const float *a = saved, *q = a + (size_t)p * p, *inv = q + (size_t)c * p;
  float *ds = work, *dq = work + (size_t)p * p;
  /* through y = x a^T: dx += dy a (x as the values), da = dy^T x */
  nets_sgemm(0, 0, c, p, p, 1.0f, dy, p, a, p, 1.0f, dx, p);
  nets_sgemm(1, 0, p, p, c, 1.0f, dy, p, x, p, 0.0f, ds, p);
  /* through the softmax: ds_ij = a_ij (da_ij - sum_k a_ik da_ik); 0 where a is */
  for (int i = 0; i < p; i++) {
    const float *ar = a + (size_t)i * p;
    float *dr = ds + (size_t)i * p;
    double dot = 0;
    for (int j = 0; j < p; j++) dot += (double)ar[j] * dr[j];
    for (int j = 0; j < p; j++) dr[j] = ar[j] * (dr[j] - (float)dot);
  }
  /* through s = scale q^T q: dq = scale q (ds + ds^T) */
  nets_sgemm(0, 0, c, p, p, scale, q, p, ds, p, 0.0f, dq, p);
  nets_sgemm(0, 1, c, p, p, scale, q, p, ds, p, 1.0f, dq, p);
  /* through q = x / |x|: dx += (dq - q (q . dq)) / |x| */
  for (int i = 0; i < p; i++) {
    double dot = 0;
    for (int k = 0; k < c; k++) dot += (double)q[(size_t)k * p + i] * dq[(size_t)k * p + i];
    for (int k = 0; k < c; k++) {
      const size_t j = (size_t)k * p + i;
      dx[j] += (dq[j] - q[j] * (float)dot) * inv[i];
    }
  }
}
