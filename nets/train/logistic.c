#include "logistic.h"

#include <math.h>
#include <stdlib.h>

#define MAX_ITER 50

double logistic_logit(const float *w, const float *x, int d) {
  double z = w[d];
  for (int j = 0; j < d; j++) z += (double)w[j] * x[j];
  return z;
}

/* Solves a x = b (m x m, a and b overwritten) by Gaussian elimination with
 * partial pivoting; 0, or -1 when a is singular. */
static int solve(double *a, double *b, int m) {
  for (int c = 0; c < m; c++) {
    int piv = c;
    for (int r = c + 1; r < m; r++)
      if (fabs(a[r * m + c]) > fabs(a[piv * m + c])) piv = r;
    if (fabs(a[piv * m + c]) < 1e-12) return -1;
    if (piv != c) {
      for (int k = 0; k < m; k++) {
        const double t = a[c * m + k];
        a[c * m + k] = a[piv * m + k], a[piv * m + k] = t;
      }
      const double t = b[c];
      b[c] = b[piv], b[piv] = t;
    }
    for (int r = c + 1; r < m; r++) {
      const double f = a[r * m + c] / a[c * m + c];
      for (int k = c; k < m; k++) a[r * m + k] -= f * a[c * m + k];
      b[r] -= f * b[c];
    }
  }
  for (int c = m - 1; c >= 0; c--) {
    for (int k = c + 1; k < m; k++) b[c] -= a[c * m + k] * b[k];
    b[c] /= a[c * m + c];
  }
  return 0;
}

int logistic_fit(const float *x, const unsigned char *y, int n, int d, double l2, float *w,
                 nets_error *err) {
  int pos = 0;
  for (int i = 0; i < n; i++) pos += y[i] != 0;
  if (pos == 0 || pos == n)
    return nets_error_set(err, NETS_ERR_ARG, "logistic_fit: %d samples, %d of them positive: need both classes", n, pos);
  const int m = d + 1; /* standardised weights, then the bias */
  double *mu = calloc((size_t)d, sizeof *mu), *sd = calloc((size_t)d, sizeof *sd);
  double *v = calloc((size_t)m, sizeof *v), *g = calloc((size_t)m, sizeof *g);
  double *h = calloc((size_t)m * m, sizeof *h), *z = calloc((size_t)m, sizeof *z);
  int rc = !mu || !sd || !v || !g || !h || !z ? nets_error_set(err, NETS_ERR_NOMEM, "out of memory") : NETS_OK;
  for (int j = 0; !rc && j < d; j++) {
    for (int i = 0; i < n; i++) mu[j] += x[(size_t)i * d + j];
    mu[j] /= n;
    for (int i = 0; i < n; i++) sd[j] += (x[(size_t)i * d + j] - mu[j]) * (x[(size_t)i * d + j] - mu[j]);
    sd[j] = sqrt(sd[j] / n);
    if (sd[j] < 1e-9) sd[j] = 1; /* a constant feature: its weight stays at the penalty's 0 */
  }
  for (int it = 0; !rc && it < MAX_ITER; it++) {
    for (int k = 0; k < m * m; k++) h[k] = 0;
    for (int k = 0; k < m; k++) g[k] = k < d ? l2 * n * v[k] : 0;
    for (int k = 0; k < d; k++) h[k * m + k] = l2 * n;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) z[j] = (x[(size_t)i * d + j] - mu[j]) / sd[j];
      z[d] = 1;
      double s = 0;
      for (int k = 0; k < m; k++) s += v[k] * z[k];
      const double p = 1 / (1 + exp(-s)), r = p - (y[i] != 0), q = p * (1 - p);
      for (int a = 0; a < m; a++) {
        g[a] += r * z[a];
        for (int b = 0; b < m; b++) h[a * m + b] += q * z[a] * z[b];
      }
    }
    double gmax = 0;
    for (int k = 0; k < m; k++) gmax = fmax(gmax, fabs(g[k]) / n);
    if (gmax < 1e-10) break;
    if (solve(h, g, m)) {
      rc = nets_error_set(err, NETS_ERR_ARG, "logistic_fit: the features are degenerate");
      break;
    }
    for (int k = 0; k < m; k++) v[k] -= g[k];
  }
  if (!rc) { /* back to the features as they are */
    double b = v[d];
    for (int j = 0; j < d; j++) {
      w[j] = (float)(v[j] / sd[j]);
      b -= v[j] * mu[j] / sd[j];
    }
    w[d] = (float)b;
  }
  free(mu), free(sd), free(v), free(g), free(h), free(z);
  return rc;
}
