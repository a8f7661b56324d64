/* Test images made in code (no data files needed). */
#ifndef PIPELINE_IMAGE_UTIL_H
#define PIPELINE_IMAGE_UTIL_H

#include <math.h>
#include <stdint.h>

#include "image.h"

/* A face-ish RGBA picture: skin-coloured ellipse on a gradient background,
 * darker "eyes", plus deterministic fine noise; alpha varies too. */
static nets_image *make_test_image(int w, int h, uint32_t seed) {
  nets_image *img = nets_image_new(w, h, 4);
  if (!img) return NULL;
  uint32_t s = seed * 2654435761u + 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float *p = img->data + ((size_t)y * w + x) * 4;
      float u = (x + 0.5f) / w - 0.5f, v = (y + 0.5f) / h - 0.5f;
      float face = (u * u) / 0.09f + (v * v) / 0.16f < 1.0f;
      p[0] = face ? 0.85f : 0.2f + 0.5f * (x / (float)w);
      p[1] = face ? 0.65f : 0.3f + 0.3f * (y / (float)h);
      p[2] = face ? 0.55f : 0.6f;
      float ex = fabsf(u) - 0.12f, ey = v + 0.1f;
      if (face && ex * ex + ey * ey < 0.0012f) p[0] = p[1] = p[2] = 0.15f;
      s = s * 1664525u + 1013904223u;
      float n = ((s >> 8) / 16777216.0f - 0.5f) * 0.04f;
      for (int c = 0; c < 3; c++) p[c] += n;
      p[3] = 0.5f + 0.5f * (x / (float)(w > 1 ? w - 1 : 1));
    }
  return img;
}

/* Coverage: a soft ellipse (1 inside, ramp over 3 px) centred at (cx, cy). */
static void draw_soft_ellipse(nets_image *hole, float cx, float cy, float rx, float ry) {
  for (int y = 0; y < hole->height; y++)
    for (int x = 0; x < hole->width; x++) {
      float dx = (x + 0.5f - cx) / rx, dy = (y + 0.5f - cy) / ry;
      float d = (sqrtf(dx * dx + dy * dy) - 1.0f) * fminf(rx, ry); /* ~ px outside */
      float a = d <= 0 ? 1.0f : d >= 3 ? 0.0f : 1.0f - d / 3.0f;
      float *o = hole->data + (size_t)y * hole->width + x;
      if (a > *o) *o = a;
    }
}

#endif
