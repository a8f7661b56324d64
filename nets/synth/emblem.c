/* Emblems: badges, mission patches, logos and round signs, drawn on
 * clothes and walls.  A round, oval, rounded-square or shield-shaped patch
 * with a stitched border, sometimes a ring, and a motif inside (a star,
 * stripes, rows of lettering, a fabric pattern) is about the size and shape
 * of a face mask, and often wears its colours, but no face is around it.
 * The detector must learn to leave it alone (version 5 took the mission
 * patch on the astronaut's suit for a mask). */
#include <math.h>

#include "synth-private.h"

static void emblem_colour(synth_rng *r, float *c) {
  static const float maskish[][3] = {{0.56f, 0.76f, 0.90f}, {0.93f, 0.94f, 0.95f}, {0.3f, 0.45f, 0.75f},
                                     {0.12f, 0.13f, 0.16f}, {0.85f, 0.2f, 0.15f}, {0.95f, 0.8f, 0.2f}};
  if (synth_chance(r, 0.4)) {
    const float *m = maskish[synth_below(r, 6)];
    for (int k = 0; k < 3; k++) c[k] = synth_clampf(m[k] + (float)synth_normal(r) * 0.04f, 0, 1);
    return;
  }
  /* a saturated or pale colour: hue, saturation, value */
  const double h = synth_unif(r) * 6, s = synth_range(r, 0.1, 1), v = synth_range(r, 0.25, 1);
  const int i = (int)h % 6;
  const double f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  const double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
  for (int k = 0; k < 3; k++) c[k] = (float)rgb[i][k];
}

/* 1 inside a five-pointed star of outer radius 1 (u, v in that unit) */
static float star(double u, double v, double aa) {
  const double a = atan2(v, u) + M_PI / 2, r = hypot(u, v);
  const double seg = 2 * M_PI / 5, t = fabs(fmod(a + 10 * seg, seg) - seg / 2) / (seg / 2);
  const double edge = 0.42 + (1 - 0.42) * (1 - t); /* radius of the outline at this angle */
  return synth_clampf((float)((edge - r) / aa + 0.5), 0, 1);
}

void synth_emblem(synth_rng *r, nets_image *img, double cx, double cy, double rad, float *alpha) {
  if (rad < 2) return;
  const double aspect = synth_chance(r, 0.6) ? 1 : synth_range(r, 0.6, 1.0);
  const double pexp = synth_chance(r, 0.6) ? 2 : synth_range(r, 2.5, 6); /* round or rounded square */
  const int shield = synth_chance(r, 0.15);
  const double ang = synth_range(r, -0.5, 0.5), ca = cos(ang), sa = sin(ang);
  float border[3], field[3], ring[3], motif[3];
  emblem_colour(r, border);
  emblem_colour(r, field);
  emblem_colour(r, ring);
  emblem_colour(r, motif);
  const double bw = synth_range(r, 0.05, 0.16);                          /* border width (unit) */
  const double ring_at = synth_chance(r, 0.5) ? synth_range(r, 0.55, 0.8) : -1;
  const double ring_w = synth_range(r, 0.04, 0.12);
  const int kind = synth_below(r, 4); /* 0 star, 1 stripes, 2 lettering, 3 fabric */
  synth_pattern pat;
  synth_pattern_random(&pat, r, synth_chance(r, 0.2));
  const double star_r = synth_range(r, 0.3, 0.6), stripe_f = synth_range(r, 3, 9);
  const double rows = synth_below(r, 3) + 1;
  const uint32_t ns = (uint32_t)synth_next(r);
  const double light = synth_range(r, 0.75, 1.1), grad = synth_range(r, -0.25, 0.25);
  const double aa = 1.0 / rad; /* one pixel in unit lengths */
  const double R = rad + 2;
  const int X0 = (int)fmax(0, cx - R), X1 = (int)fmin(img->width - 1, cx + R);
  const int Y0 = (int)fmax(0, cy - R), Y1 = (int)fmin(img->height - 1, cy + R);
  for (int y = Y0; y <= Y1; y++)
    for (int x = X0; x <= X1; x++) {
      const double dx = x - cx, dy = y - cy;
      const double u = (ca * dx + sa * dy) / rad, v = (-sa * dx + ca * dy) / (rad * aspect);
      double d = pow(pow(fabs(u), pexp) + pow(fabs(v), pexp), 1.0 / pexp);
      if (shield && v > 0) d = fmax(d, fabs(u) + 0.6 * v); /* pointed bottom */
      const float a = synth_clampf((float)((1 - d) / aa + 0.5), 0, 1);
      if (a <= 0) continue;
      float col[3];
      if (d > 1 - bw) { /* border, stitched */
        const float st = 0.85f + 0.3f * synth_vnoise((float)(atan2(v, u) * rad * 0.8), 0.5f, ns);
        for (int k = 0; k < 3; k++) col[k] = border[k] * st;
      } else if (ring_at > 0 && fabs(d - ring_at) < ring_w * 0.5) {
        for (int k = 0; k < 3; k++) col[k] = ring[k];
      } else {
        const int inner = ring_at > 0 && d > ring_at; /* between ring and border */
        float m = 0;
        if (!inner) {
          const double s = ring_at > 0 ? ring_at : 1 - bw; /* radius of the motif's field */
          const double mu = u / s, mv = v / s;
          switch (kind) {
          case 0: m = star(mu / star_r, mv / star_r, aa / (s * star_r)); break;
          case 1: m = sin((mu * 0.7 + mv * 0.7) * stripe_f * M_PI) > 0 ? 1.f : 0.f; break;
          case 2: { /* rows of letters: short vertical strokes in bands */
            const double band = (mv + 0.6) * rows / 1.2;
            const double fb = band - floor(band);
            if (band >= 0 && band < rows && fb > 0.25 && fb < 0.75)
              m = synth_hash2((int)floor(mu * 8 * rows + 50), (int)band, ns) > 0.45f ? 1.f : 0.f;
            break;
          }
          default: synth_pattern_eval(&pat, (float)mu, (float)mv, col); m = -1; break;
          }
        } else if (kind == 2) { /* lettering round the ring */
          const double t = atan2(v, u) * rad * 0.25;
          m = synth_hash2((int)floor(t), 3, ns) > 0.5f ? 1.f : 0.f;
        }
        if (m >= 0)
          for (int k = 0; k < 3; k++) col[k] = field[k] + (motif[k] - field[k]) * m;
      }
      const float sh = (float)(light * (1 + grad * u) *
                               (1 + 0.1 * (synth_vnoise((float)(u * rad * 0.5), (float)(v * rad * 0.5), ns + 1) - 0.5)));
      float *p = img->data + ((size_t)y * img->width + x) * 3;
      for (int k = 0; k < 3; k++) p[k] += (synth_clampf(col[k] * sh, 0, 1) - p[k]) * a;
      if (alpha) {
        float *al = alpha + (size_t)y * img->width + x;
        if (a > *al) *al = a;
      }
    }
}
