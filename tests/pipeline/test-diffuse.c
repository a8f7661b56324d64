/* The harmonic baseline fill: a linear ramp is harmonic, so a hole in it
 * must be reconstructed (up to the solver's tolerance); known pixels stay
 * bit-identical; a big hole must be filled smoothly and quickly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "diffuse.h"

static float ramp(int c, int x, int y) { return 0.1f + 0.002f * (c + 1) * x + 0.003f * y; }

static void test_linear(int w, int h, int c, float radius, float tol) {
  float *img = malloc(sizeof(float) * w * h * c), *orig = malloc(sizeof(float) * w * h * c);
  float *hole = calloc((size_t)w * h, sizeof(float));
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      for (int k = 0; k < c; k++) orig[(y * w + x) * c + k] = ramp(k, x, y);
      float dx = x - w * 0.45f, dy = y - h * 0.5f;
      /* a disc plus a soft rim (hole > 0 is unknown) and a bar towards an edge */
      float r = sqrtf(dx * dx + dy * dy);
      if (r < radius) hole[y * w + x] = 1.0f;
      else if (r < radius + 1.5f) hole[y * w + x] = 0.3f;
      if (y > h / 2 - 2 && y < h / 2 + 2 && x > w / 2 && x < w - 3) hole[y * w + x] = 1.0f;
    }
  memcpy(img, orig, sizeof(float) * w * h * c);
  for (int i = 0; i < w * h; i++)
    if (hole[i] > 0)
      for (int k = 0; k < c; k++) img[i * c + k] = (k == 0) ? 1.0f : 0.0f; /* garbage */
  clock_t t0 = clock();
  unmask_diffuse_fill(img, w, h, c, hole);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  double worst = 0;
  int same = 1;
  for (int i = 0; i < w * h; i++)
    for (int k = 0; k < c; k++) {
      double e = fabs(img[i * c + k] - orig[i * c + k]);
      if (hole[i] > 0 && e > worst) worst = e;
      if (hole[i] == 0 && img[i * c + k] != orig[i * c + k]) same = 0;
    }
  CHECK(same, "known pixels changed (%dx%d)", w, h);
  CHECK(worst < tol, "linear ramp %dx%d radius %g: max error %g >= %g", w, h, radius, worst, tol);
  CHECK(secs < 5.0, "diffusion of %dx%d took %.2f s", w, h, secs);
  printf("diffuse %dx%dx%d radius %.0f: max error %.2g, %.3f s\n", w, h, c, radius, worst, secs);
  free(img), free(orig), free(hole);
}

/* All-unknown or all-known: unchanged; no crash on 1xN. */
static void test_degenerate(void) {
  float img[6] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, copy[6];
  float all[6] = {1, 1, 1, 1, 1, 1}, none[6] = {0};
  memcpy(copy, img, sizeof img);
  unmask_diffuse_fill(img, 6, 1, 1, all);
  CHECK(!memcmp(img, copy, sizeof img), "all-hole must leave the image");
  unmask_diffuse_fill(img, 6, 1, 1, none);
  CHECK(!memcmp(img, copy, sizeof img), "no hole must leave the image");
  float one[6] = {0, 0, 1, 1, 0, 0};
  float line[6] = {0.0f, 0.2f, 9, 9, 0.8f, 1.0f};
  unmask_diffuse_fill(line, 6, 1, 1, one);
  CHECK(fabsf(line[2] - 0.4f) < 1e-3f && fabsf(line[3] - 0.6f) < 1e-3f, "1-D fill %g %g", line[2],
        line[3]);
}

int main(void) {
  test_linear(64, 48, 3, 10, 2e-3f);
  test_linear(400, 300, 4, 90, 3e-3f); /* large hole: needs the coarse levels */
  test_degenerate();
  return CHECK_DONE();
}
