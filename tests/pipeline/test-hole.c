/* Hole shaping: exact distance transform, grow + feather profile,
 * dilation and connected components. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hole.h"

static float brute_distance(const unsigned char *m, int w, int h, int x, int y) {
  double best = 1e30;
  for (int j = 0; j < h; j++)
    for (int i = 0; i < w; i++)
      if (m[j * w + i]) {
        double d = (double)(i - x) * (i - x) + (double)(j - y) * (j - y);
        if (d < best) best = d;
      }
  return (float)sqrt(best);
}

static void test_distance(void) {
  int w = 37, h = 23;
  unsigned char *m = calloc((size_t)w * h, 1);
  float *d = malloc(sizeof(float) * w * h);
  srand(3);
  for (int i = 0; i < 12; i++) m[rand() % (w * h)] = 1;
  for (int x = 5; x < 15; x++) m[17 * w + x] = 1; /* a bar */
  CHECK(unmask_hole_distance(m, w, h, d) == 0, "distance failed");
  double worst = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double e = fabs(d[y * w + x] - brute_distance(m, w, h, x, y));
      if (e > worst) worst = e;
    }
  CHECK(worst < 1e-3, "EDT differs from brute force by %g", worst);
  memset(m, 0, (size_t)w * h);
  CHECK(unmask_hole_distance(m, w, h, d) == 0, "distance failed");
  CHECK(d[0] >= 1e10f && d[w * h - 1] >= 1e10f, "empty mask must give huge distances");
  free(m);
  free(d);
}

static void test_grow_feather(void) {
  int w = 61, h = 61, c = 30;
  unsigned char *m = calloc((size_t)w * h, 1);
  float *a = malloc(sizeof(float) * w * h);
  /* a 5x5 covering in the centre */
  for (int y = c - 2; y <= c + 2; y++)
    for (int x = c - 2; x <= c + 2; x++) m[y * w + x] = 1;
  double grow = 4, feather = 6;
  CHECK(unmask_hole_grow_feather(m, w, h, grow, feather, a) == 0, "grow_feather failed");
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float d = brute_distance(m, w, h, x, y), v = a[y * w + x];
      if (m[y * w + x]) CHECK(v == 1.0f, "covering pixel %d,%d alpha %g", x, y, v);
      if (d <= grow) CHECK(v == 1.0f, "grown pixel %d,%d (d %.2f) alpha %g", x, y, d, v);
      if (d >= grow + feather) CHECK(v == 0.0f, "far pixel %d,%d (d %.2f) alpha %g", x, y, d, v);
      if (d > grow && d < grow + feather)
        CHECK(v > 0.0f && v < 1.0f, "feather pixel %d,%d (d %.2f) alpha %g", x, y, d, v);
    }
  /* monotone along a ray */
  for (int x = c + 3; x < w - 1; x++)
    CHECK(a[c * w + x + 1] <= a[c * w + x], "alpha rises at x %d", x);
  /* half way through the feather is half alpha (smoothstep is symmetric) */
  CHECK(fabsf(unmask_hole_ramp((float)(grow + feather / 2), grow, feather) - 0.5f) < 1e-6f,
        "ramp midpoint");
  /* no grow, no feather: alpha is the covering */
  CHECK(unmask_hole_grow_feather(m, w, h, 0, 0, a) == 0, "grow_feather failed");
  for (int i = 0; i < w * h; i++) CHECK(a[i] == (float)m[i], "plain covering differs at %d", i);
  free(m);
  free(a);
}

static void test_dilate_components(void) {
  int w = 20, h = 10;
  unsigned char m[200] = {0};
  m[5 * w + 5] = 1;
  CHECK(unmask_hole_dilate(m, w, h, 2) == 0, "dilate failed");
  int n = 0;
  for (int i = 0; i < w * h; i++) n += m[i];
  CHECK(n == 25, "dilating a pixel twice gives 5x5, got %d", n);
  m[5 * w + 15] = 1;      /* second part */
  m[9 * w + 19] = 1;      /* third part, corner */
  m[0] = 1, m[w + 1] = 1; /* diagonal neighbours: one part */
  int labels[200];
  unmask_hole_component comps[8];
  int k = unmask_hole_components(m, w, h, labels, comps, 8);
  CHECK(k == 4, "expected 4 components, got %d", k);
  CHECK(labels[0] == labels[w + 1], "8-connectivity");
  CHECK(labels[5 * w + 5] != labels[5 * w + 15], "separate parts");
  if (k == 4) {
    int l = labels[5 * w + 5] - 1;
    CHECK(comps[l].x0 == 3 && comps[l].x1 == 7 && comps[l].y0 == 3 && comps[l].y1 == 7 &&
              comps[l].area == 25,
          "box of the 5x5 part: %d %d %d %d %ld", comps[l].x0, comps[l].y0, comps[l].x1,
          comps[l].y1, comps[l].area);
  }
}

int main(void) {
  test_distance();
  test_grow_feather();
  test_dilate_components();
  return CHECK_DONE();
}
