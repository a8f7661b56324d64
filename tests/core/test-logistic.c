/* logistic_fit (nets/train/logistic.c): it finds the weights that made
 * the labels, in the features' own units, and refuses one-class data. */
#include <stdint.h>
#include <stdlib.h>

#include "../../nets/train/logistic.h"
#include "check.h"

static uint64_t state = 88172645463325252ull;
static double uniform(void) { /* xorshift64 */
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return (state >> 11) * (1.0 / 9007199254740992.0);
}
static double normal(void) { return sqrt(-2 * log(uniform() + 1e-300)) * cos(6.283185307179586 * uniform()); }

int main(void) {
  enum { N = 40000, D = 3 };
  float *x = malloc(sizeof(float) * N * D);
  unsigned char *y = malloc(N);
  /* features on different scales and offsets; the third carries nothing */
  const double truth[D + 1] = {1.5, -0.4, 0.0, 0.7};
  for (int i = 0; i < N; i++) {
    float *r = x + (size_t)i * D;
    r[0] = (float)normal(), r[1] = (float)(5 + 3 * normal()), r[2] = (float)(100 + 10 * normal());
    const double z = truth[0] * r[0] + truth[1] * (r[1] - 5) + truth[2] * r[2] + truth[3];
    y[i] = uniform() < 1 / (1 + exp(-z));
  }
  float w[D + 1];
  nets_error err = {0};
  CHECK(logistic_fit(x, y, N, D, 1e-4, w, &err) == 0, "fit: %s", err.msg);
  /* the bias absorbs the second feature's offset of 5 */
  const double want[D + 1] = {1.5, -0.4, 0.0, 0.7 + 0.4 * 5};
  for (int j = 0; j <= D; j++)
    CHECK(fabs(w[j] - want[j]) < (j == D ? 0.25 : 0.06), "weight %d: %g, want %g", j, w[j], want[j]);
  /* its logit is w . x + b */
  const float probe[D] = {1, 2, 3};
  CHECK(fabs(logistic_logit(w, probe, D) - (w[0] + 2 * w[1] + 3 * w[2] + w[3])) < 1e-6, "logistic_logit");
  /* a constant feature gets no weight, and the fit still runs */
  for (int i = 0; i < N; i++) x[(size_t)i * D + 2] = 7;
  CHECK(logistic_fit(x, y, N, D, 1e-4, w, &err) == 0 && fabs(w[2]) < 1e-6, "constant feature: %s, w %g", err.msg, w[2]);
  /* one class only: an error, not a model */
  for (int i = 0; i < N; i++) y[i] = 1;
  CHECK(logistic_fit(x, y, N, D, 1e-4, w, &err) != 0, "one class fitted");
  free(x), free(y);
  return check_report("test-logistic");
}
