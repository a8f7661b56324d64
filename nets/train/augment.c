#include "augment.h"

#include <math.h>
#include <stddef.h>

#include "../core/rng.h"
#include "../io/image.h"

void augment_mirror(float *map, int w, int h) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w / 2; x++) {
      size_t a = (size_t)y * w + x, b = (size_t)y * w + (w - 1 - x);
      float t = map[a]; map[a] = map[b]; map[b] = t;
    }
}

int augment_scene(float *rgb, float *cover, int w, int h, uint64_t seed) {
  nets_rng r;
  nets_rng_seed(&r, seed);
  const size_t n = (size_t)w * h;
  const int flip = nets_rng_uniform(&r) < 0.5f;
  if (flip) { /* horizontal flip */
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w / 2; x++) {
        size_t a = (size_t)y * w + x, b = (size_t)y * w + (w - 1 - x);
        for (int c = 0; c < 3; c++) {
          float t = rgb[a * 3 + c]; rgb[a * 3 + c] = rgb[b * 3 + c]; rgb[b * 3 + c] = t;
        }
      }
    augment_mirror(cover, w, h);
  }
  const float bright = nets_rng_range(&r, -0.12f, 0.12f), contrast = nets_rng_range(&r, 0.7f, 1.3f);
  const float sat = nets_rng_uniform(&r) < 0.1f ? 0.f : nets_rng_range(&r, 0.6f, 1.4f);
  const float gamma = expf(nets_rng_range(&r, -0.35f, 0.35f));
  float gain[3];
  for (int c = 0; c < 3; c++) gain[c] = nets_rng_range(&r, 0.88f, 1.12f); /* white balance */
  for (size_t p = 0; p < n; p++) {
    float *px = rgb + p * 3;
    float lum = nets_luma(px);
    for (int c = 0; c < 3; c++) {
      float v = lum + sat * (px[c] - lum);
      v = (v - 0.5f) * contrast + 0.5f + bright;
      v *= gain[c];
      v = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
      px[c] = powf(v, gamma);
    }
  }
  return flip;
}

void augment_to_grey(float *rgb, size_t n) {
  for (size_t p = 0; p < n; p++) rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = nets_luma(rgb + p * 3);
}

int augment_grey(float *rgb, int w, int h, double share, uint64_t seed) {
  nets_rng r;
  nets_rng_seed(&r, seed);
  if (!(nets_rng_uniform(&r) < share)) return 0;
  augment_to_grey(rgb, (size_t)w * h);
  return 1;
}
