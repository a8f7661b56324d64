/* Procedural backgrounds for detector scenes: the photos behind the faces
 * are all portraits, so on their own they never show the detector gravel,
 * coins, leaves, fabric or signs.  These fill a scene with such textures
 * (faces are pasted on top afterwards), so that "patterned thing with no
 * face around it" is learnt as background. */
#include <math.h>

#include "synth-private.h"

static void palette_colour(synth_rng *r, int natural, float *c) {
  if (natural) { /* greys, browns, ochres, greens */
    const float base[5][3] = {{.55f, .53f, .5f}, {.45f, .34f, .24f}, {.7f, .6f, .42f},
                              {.3f, .4f, .22f}, {.62f, .5f, .38f}};
    const float *b = base[synth_below(r, 5)];
    float v = (float)synth_range(r, 0.5, 1.4);
    for (int k = 0; k < 3; k++) c[k] = synth_clampf(b[k] * v + (float)synth_normal(r) * 0.04f, 0, 1);
  } else {
    for (int k = 0; k < 3; k++) c[k] = (float)synth_unif(r);
  }
}

/* pebbles, gravel, coins: jittered cells, each a shaded blob in a dark gap */
static void cells(synth_rng *r, nets_image *img) {
  const float size = (float)exp(synth_range(r, log(5.0), log(60.0)));
  const uint32_t seed = (uint32_t)synth_next(r);
  const int natural = synth_chance(r, 0.75);
  float gap[3], pal[8][3];
  palette_colour(r, 1, gap);
  for (int k = 0; k < 3; k++) gap[k] *= 0.4f;
  for (int i = 0; i < 8; i++) palette_colour(r, natural, pal[i]);
  const float round = (float)synth_range(r, 0.1, 0.35), shade = (float)synth_range(r, 0.1, 0.5);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++) {
      float px = x / size, py = y / size, d1 = 9, d2 = 9;
      int best_x = 0, best_y = 0;
      for (int j = -1; j <= 1; j++)
        for (int i = -1; i <= 1; i++) {
          int cx = (int)floorf(px) + i, cy = (int)floorf(py) + j;
          float fx = cx + synth_hash2(cx, cy, seed), fy = cy + synth_hash2(cx, cy, seed + 7);
          float d = sqrtf((px - fx) * (px - fx) + (py - fy) * (py - fy));
          if (d < d1) d2 = d1, d1 = d, best_x = cx, best_y = cy;
          else if (d < d2) d2 = d;
        }
      const float *c = pal[(int)(synth_hash2(best_x, best_y, seed + 3) * 8) & 7];
      float edge = synth_smooth(0.0f, round, d2 - d1); /* 0 in the gap */
      float light = 1.f + shade * (0.5f - d1);
      float *o = img->data + ((size_t)y * img->width + x) * 3;
      for (int k = 0; k < 3; k++) o[k] = synth_clampf(gap[k] + (c[k] * light - gap[k]) * edge, 0, 1);
    }
}

/* foliage, sand, rock, clouds: multi-octave noise through a 3-colour ramp */
static void noise(synth_rng *r, nets_image *img) {
  const float size = (float)exp(synth_range(r, log(3.0), log(80.0)));
  const uint32_t seed = (uint32_t)synth_next(r);
  const int natural = synth_chance(r, 0.7);
  float c[3][3];
  for (int i = 0; i < 3; i++) palette_colour(r, natural, c[i]);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++) {
      float v = 0, a = 0.5f, f = 1.f / size;
      for (int o = 0; o < 4; o++, a *= 0.5f, f *= 2.1f) v += a * synth_vnoise(x * f, y * f, seed + o);
      v = synth_clampf((v - 0.47f) * 1.6f + 0.5f, 0, 1);
      float *o = img->data + ((size_t)y * img->width + x) * 3;
      for (int k = 0; k < 3; k++)
        o[k] = v < 0.5f ? c[0][k] + (c[1][k] - c[0][k]) * 2 * v : c[1][k] + (c[2][k] - c[1][k]) * (2 * v - 1);
    }
}

/* cloth, wallpaper, tiles: the fabric patterns that masks wear, with no face */
static void fabric(synth_rng *r, nets_image *img) {
  synth_pattern p;
  synth_pattern_random(&p, r, synth_chance(r, 0.3));
  const float scale = (float)synth_range(r, 1.0, 12.0) / (float)fmin(img->width, img->height);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      synth_pattern_eval(&p, x * scale, y * scale, img->data + ((size_t)y * img->width + x) * 3);
}

/* signs and logos: flat shapes over a flat ground */
static void shapes(synth_rng *r, nets_image *img) {
  float ground[3];
  palette_colour(r, 0, ground);
  for (size_t i = 0; i < (size_t)img->width * img->height; i++)
    for (int k = 0; k < 3; k++) img->data[i * 3 + k] = ground[k];
  const int n = 3 + synth_below(r, 20);
  const double side = fmin(img->width, img->height);
  for (int s = 0; s < n; s++) {
    float c[3];
    palette_colour(r, 0, c);
    const double cx = synth_range(r, 0, img->width), cy = synth_range(r, 0, img->height);
    const double rx = synth_range(r, 0.01, 0.25) * side, ry = rx * synth_range(r, 0.2, 1.5);
    const int ellipse = synth_chance(r, 0.5);
    for (int y = (int)fmax(0, cy - ry); y < (int)fmin(img->height, cy + ry + 1); y++)
      for (int x = (int)fmax(0, cx - rx); x < (int)fmin(img->width, cx + rx + 1); x++) {
        double u = (x - cx) / rx, v = (y - cy) / ry;
        if (ellipse && u * u + v * v > 1) continue;
        for (int k = 0; k < 3; k++) img->data[((size_t)y * img->width + x) * 3 + k] = c[k];
      }
  }
}

void synth_texture_background(synth_rng *r, nets_image *img) {
  switch (synth_below(r, 4)) {
  case 0: cells(r, img); break;
  case 1: noise(r, img); break;
  case 2: fabric(r, img); break;
  default: shapes(r, img); break;
  }
}
