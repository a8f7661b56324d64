#include "homography.h"

#include <math.h>
#include <string.h>

/* normalising similarity: centroid to 0, mean distance sqrt(2) */
static void normaliser(const double *p, int n, double T[9]) {
  double cx = 0, cy = 0, d = 0;
  for (int i = 0; i < n; i++) cx += p[2 * i], cy += p[2 * i + 1];
  cx /= n, cy /= n;
  for (int i = 0; i < n; i++) d += hypot(p[2 * i] - cx, p[2 * i + 1] - cy);
  d /= n;
  double s = d > 1e-12 ? sqrt(2.0) / d : 1.0;
  double t[9] = {s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1};
  memcpy(T, t, sizeof t);
}

static void mat3_mul(const double A[9], const double B[9], double C[9]) {
  double t[9];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      t[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
  memcpy(C, t, sizeof t);
}

int unmask_mat3_inverse(const double M[9], double out[9]) {
  double a = M[0], b = M[1], c = M[2], d = M[3], e = M[4], f = M[5], g = M[6], h = M[7],
         i = M[8];
  double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  double det = a * A + b * B + c * C;
  if (fabs(det) < 1e-300) return -1;
  double r[9] = {A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d),
                 C, -(a * h - b * g), a * e - b * d};
  for (int k = 0; k < 9; k++) out[k] = r[k] / det;
  return 0;
}

int unmask_homography_apply(const double H[9], double x, double y, double *ox, double *oy) {
  double w = H[6] * x + H[7] * y + H[8];
  if (fabs(w) < 1e-12) return -1;
  *ox = (H[0] * x + H[1] * y + H[2]) / w;
  *oy = (H[3] * x + H[4] * y + H[5]) / w;
  return 0;
}

/* smallest eigenvector of a symmetric 9x9 matrix (cyclic Jacobi) */
static void smallest_eigvec(double A[81], double v[9]) {
  double V[81];
  memset(V, 0, sizeof V);
  for (int i = 0; i < 9; i++) V[i * 9 + i] = 1;
  for (int sweep = 0; sweep < 60; sweep++) {
    double off = 0;
    for (int p = 0; p < 9; p++)
      for (int q = p + 1; q < 9; q++) off += A[p * 9 + q] * A[p * 9 + q];
    if (off < 1e-30) break;
    for (int p = 0; p < 9; p++)
      for (int q = p + 1; q < 9; q++) {
        double apq = A[p * 9 + q];
        if (fabs(apq) < 1e-300) continue;
        double theta = (A[q * 9 + q] - A[p * 9 + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 9; k++) { /* columns */
          double akp = A[k * 9 + p], akq = A[k * 9 + q];
          A[k * 9 + p] = c * akp - s * akq;
          A[k * 9 + q] = s * akp + c * akq;
        }
        for (int k = 0; k < 9; k++) { /* rows */
          double apk = A[p * 9 + k], aqk = A[q * 9 + k];
          A[p * 9 + k] = c * apk - s * aqk;
          A[q * 9 + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 9; k++) {
          double vkp = V[k * 9 + p], vkq = V[k * 9 + q];
          V[k * 9 + p] = c * vkp - s * vkq;
          V[k * 9 + q] = s * vkp + c * vkq;
        }
      }
  }
  int best = 0;
  for (int i = 1; i < 9; i++)
    if (A[i * 9 + i] < A[best * 9 + best]) best = i;
  for (int k = 0; k < 9; k++) v[k] = V[k * 9 + best];
}

int unmask_homography_fit(const double *src, const double *dst, int n, double H[9]) {
  if (n < 4 || n > 64) return -1;
  double Ts[9], Td[9];
  normaliser(src, n, Ts);
  normaliser(dst, n, Td);
  double AtA[81];
  memset(AtA, 0, sizeof AtA);
  for (int i = 0; i < n; i++) {
    double x = Ts[0] * src[2 * i] + Ts[2], y = Ts[4] * src[2 * i + 1] + Ts[5];
    double u = Td[0] * dst[2 * i] + Td[2], v = Td[4] * dst[2 * i + 1] + Td[5];
    double r1[9] = {-x, -y, -1, 0, 0, 0, u * x, u * y, u};
    double r2[9] = {0, 0, 0, -x, -y, -1, v * x, v * y, v};
    for (int a = 0; a < 9; a++)
      for (int b = 0; b < 9; b++) AtA[a * 9 + b] += r1[a] * r1[b] + r2[a] * r2[b];
  }
  double h[9];
  smallest_eigvec(AtA, h);
  double Tdi[9];
  if (unmask_mat3_inverse(Td, Tdi)) return -1;
  double M[9];
  mat3_mul(Tdi, h, M);
  mat3_mul(M, Ts, M);
  if (fabs(M[8]) > 1e-12)
    for (int k = 0; k < 9; k++) M[k] /= M[8];
  double det = M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
               M[2] * (M[3] * M[7] - M[4] * M[6]);
  if (!isfinite(det) || fabs(det) < 1e-14) return -1;
  memcpy(H, M, sizeof M);
  return 0;
}
