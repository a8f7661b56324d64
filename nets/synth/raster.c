/* Small raster helpers: thick lines, resampling of 8-bit images, camera
 * degradation, fabric patterns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth-private.h"
#include "../core/clamp.h"

float synth_polyline_cov(const double *pts, int n, double px, double py, double hw,
                         double *t_out) {
  double best = 1e30, bt = 0;
  for (int i = 0; i + 1 < n; i++) {
    double ax = pts[2 * i], ay = pts[2 * i + 1];
    double dx = pts[2 * i + 2] - ax, dy = pts[2 * i + 3] - ay;
    double l2 = dx * dx + dy * dy;
    double t = l2 > 1e-12 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = ax + t * dx - px, ey = ay + t * dy - py;
    double d2 = ex * ex + ey * ey;
    if (d2 < best) best = d2, bt = (i + t) / (n - 1);
  }
  if (t_out) *t_out = bt;
  double d = sqrt(best);
  return (float)synth_clampd(hw - d + 0.5, 0.0, 1.0);
}


static inline void bilerp_u8(const uint8_t *src, int w, int h, double fx, double fy, float *acc) {
  int ix = (int)floor(fx), iy = (int)floor(fy);
  float tx = (float)(fx - ix), ty = (float)(fy - iy);
  int xa = nets_clampi(ix, 0, w - 1), xb = nets_clampi(ix + 1, 0, w - 1);
  int ya = nets_clampi(iy, 0, h - 1), yb = nets_clampi(iy + 1, 0, h - 1);
  const uint8_t *p00 = src + ((size_t)ya * w + xa) * 3, *p01 = src + ((size_t)ya * w + xb) * 3;
  const uint8_t *p10 = src + ((size_t)yb * w + xa) * 3, *p11 = src + ((size_t)yb * w + xb) * 3;
  for (int c = 0; c < 3; c++) {
    float a = p00[c] + (p01[c] - p00[c]) * tx;
    float b = p10[c] + (p11[c] - p10[c]) * tx;
    acc[c] += a + (b - a) * ty;
  }
}

void synth_affine_u8(const uint8_t *src, int w, int h, const double A[6], int ss, int ow, int oh,
                     float *out) {
  if (ss < 1) ss = 1;
  float inv = 1.0f / (255.0f * ss * ss);
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++) {
      float acc[3] = {0, 0, 0};
      for (int sy = 0; sy < ss; sy++)
        for (int sx = 0; sx < ss; sx++) {
          double u = x - 0.5 + (sx + 0.5) / ss, v = y - 0.5 + (sy + 0.5) / ss;
          bilerp_u8(src, w, h, A[0] * u + A[1] * v + A[2], A[3] * u + A[4] * v + A[5], acc);
        }
      float *o = out + ((size_t)y * ow + x) * 3;
      o[0] = acc[0] * inv, o[1] = acc[1] * inv, o[2] = acc[2] * inv;
    }
}

void synth_crop_u8(const uint8_t *src, int w, int h, double cx, double cy, double side, int size,
                   float *out) {
  double step = side / size;
  int ss = (int)ceil(step - 1e-6);
  ss = nets_clampi(ss, 1, 6);
  double A[6] = {step, 0, cx - 0.5 * side + 0.5 * step - 0.5, 0, step,
                 cy - 0.5 * side + 0.5 * step - 0.5};
  synth_affine_u8(src, w, h, A, ss, size, size, out);
}

int synth_degrade(nets_image **imgs, int n, synth_rng *r, double sigma, int quality,
                  nets_error *err) {
  if (n <= 0) return 0;
  int w = imgs[0]->width, h = imgs[0]->height;
  if (sigma > 0) {
    uint64_t ns = synth_next(r);
    double chroma = synth_range(r, 0.2, 0.6);
    for (int i = 0; i < w * h; i++) {
      uint64_t z = synth_mix64(ns ^ (uint64_t)i * 0x9e3779b97f4a7c15ull);
      /* approx. normal from 4 uniforms */
      float g[4];
      for (int k = 0; k < 4; k++) g[k] = (float)((z >> (16 * k)) & 0xffff) * (1.0f / 65536.0f);
      float lum = (g[0] + g[1] + g[2] + g[3] - 2.0f) * 1.732f;
      float cr = (g[0] - g[2]) * 2.45f, cb = (g[1] - g[3]) * 2.45f;
      for (int m = 0; m < n; m++) {
        float *p = imgs[m]->data + (size_t)i * 3;
        /* more noise in the shadows (shot noise + read noise) */
        float L = nets_luma(p);
        float s = (float)sigma * (0.6f + 0.8f * sqrtf(synth_clampf(L, 0, 1)));
        p[0] = synth_clampf(p[0] + s * (lum + (float)chroma * cr), 0, 1);
        p[1] = synth_clampf(p[1] + s * lum, 0, 1);
        p[2] = synth_clampf(p[2] + s * (lum + (float)chroma * cb), 0, 1);
      }
    }
  }
  if (quality > 0 && quality < 100)
    for (int m = 0; m < n; m++) {
      int rc = nets_image_jpeg_roundtrip(imgs[m], quality, err);
      if (rc) return rc;
    }
  return 0;
}

/* ---- fabric patterns --------------------------------------------------- */
static const float fabric_colors[][3] = {
    {0.85f, 0.12f, 0.14f}, {0.12f, 0.22f, 0.55f}, {0.95f, 0.95f, 0.93f}, {0.10f, 0.10f, 0.11f},
    {0.30f, 0.50f, 0.28f}, {0.95f, 0.75f, 0.20f}, {0.55f, 0.35f, 0.60f}, {0.92f, 0.55f, 0.65f},
    {0.45f, 0.65f, 0.85f}, {0.60f, 0.45f, 0.32f}, {0.20f, 0.55f, 0.60f}, {0.75f, 0.75f, 0.72f},
    {0.95f, 0.45f, 0.20f}, {0.35f, 0.35f, 0.38f}, {0.80f, 0.70f, 0.55f}, {0.15f, 0.15f, 0.30f},
};
#define N_FABRIC ((int)(sizeof fabric_colors / sizeof fabric_colors[0]))

static void jitter_color(synth_rng *r, const float *in, float *out, float amt) {
  float b = (float)synth_range(r, 1 - amt, 1 + amt);
  for (int c = 0; c < 3; c++)
    out[c] = synth_clampf(in[c] * b + (float)synth_range(r, -amt, amt) * 0.5f, 0.02f, 0.97f);
}

void synth_pattern_random(synth_pattern *p, synth_rng *r, int dark) {
  memset(p, 0, sizeof *p);
  static const float darks[][3] = {{0.07f, 0.07f, 0.08f}, {0.10f, 0.11f, 0.18f},
                                   {0.18f, 0.18f, 0.19f}, {0.20f, 0.12f, 0.10f},
                                   {0.12f, 0.16f, 0.12f}};
  if (dark) {
    jitter_color(r, darks[synth_below(r, 5)], p->c0, 0.15f);
    jitter_color(r, darks[synth_below(r, 5)], p->c1, 0.15f);
    p->kind = synth_chance(r, 0.75) ? 0 : 6;
    if (synth_chance(r, 0.1)) { /* dark with a small print */
      p->kind = 3;
      jitter_color(r, fabric_colors[synth_below(r, N_FABRIC)], p->c1, 0.1f);
    }
  } else {
    jitter_color(r, fabric_colors[synth_below(r, N_FABRIC)], p->c0, 0.12f);
    jitter_color(r, fabric_colors[synth_below(r, N_FABRIC)], p->c1, 0.12f);
    jitter_color(r, fabric_colors[synth_below(r, N_FABRIC)], p->c2, 0.12f);
    double u = synth_unif(r);
    p->kind = u < 0.30 ? 0 : u < 0.45 ? 1 : u < 0.58 ? 2 : u < 0.72 ? 3 : u < 0.86 ? 4
            : u < 0.93 ? 5 : 6;
  }
  p->scale = (float)synth_range(r, 4, 11);
  p->angle = (float)(synth_chance(r, 0.6) ? 0 : synth_range(r, -0.8, 0.8));
  p->seed = (uint32_t)synth_next(r);
  p->seedf = (float)synth_range(r, 0.15, 0.35);
}

/* s, t: fabric coordinates, about 0..1 across the mask */
void synth_pattern_eval(const synth_pattern *p, float s, float t, float *rgb) {
  float ca = cosf(p->angle), sa = sinf(p->angle);
  float u = (ca * s + sa * t) * p->scale, v = (-sa * s + ca * t) * p->scale;
  float m = 0; /* mix c0 -> c1 */
  float m2 = 0; /* mix -> c2 */
  int leafy = 0;
  switch (p->kind) {
    case 1: { /* stripes */
      float f = u - floorf(u);
      m = synth_smooth(0.45f, 0.52f, f) * (1 - synth_smooth(0.93f, 0.99f, f));
      break;
    }
    case 2: { /* gingham / checks */
      float fu = u - floorf(u), fv = v - floorf(v);
      float a = (fu < 0.5f) ? 1.f : 0.f, b = (fv < 0.5f) ? 1.f : 0.f;
      m = 0.5f * (a + b);
      break;
    }
    case 3: { /* dots */
      float fu = u * 1.6f, fv = v * 1.6f;
      float row = floorf(fv);
      fu += 0.5f * ((int)row & 1);
      float du = fu - floorf(fu) - 0.5f, dv = fv - row - 0.5f;
      float d = sqrtf(du * du + dv * dv);
      m = 1 - synth_smooth(p->seedf - 0.04f, p->seedf + 0.04f, d);
      break;
    }
    case 4: { /* floral: 5-petal rosettes on a jittered grid + leaves */
      float fu = u * 1.3f, fv = v * 1.3f;
      int iu = (int)floorf(fu), iv = (int)floorf(fv);
      float best = 1e9f, bang = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          float cx = iu + dx + 0.2f + 0.6f * synth_hash2(iu + dx, iv + dy, p->seed);
          float cy = iv + dy + 0.2f + 0.6f * synth_hash2(iu + dx, iv + dy, p->seed + 7);
          float ddx = fu - cx, ddy = fv - cy, d = sqrtf(ddx * ddx + ddy * ddy);
          if (d < best) best = d, bang = atan2f(ddy, ddx) + 6.28f * synth_hash2(iu + dx, iv + dy, p->seed + 3);
        }
      float petal = 0.22f + 0.12f * cosf(5 * bang);
      m = 1 - synth_smooth(petal - 0.03f, petal + 0.03f, best);
      m2 = 1 - synth_smooth(0.05f, 0.08f, best);
      float leaf = synth_vnoise(fu * 2.5f, fv * 2.5f, p->seed + 11);
      if (m < 0.5f && leaf > 0.72f) m2 = 0, m = 0.0f, leafy = 1;
      break;
    }
    case 5: { /* camo / blotches */
      float n = synth_vnoise(u * 0.8f, v * 0.8f, p->seed) * 0.65f +
                synth_vnoise(u * 2.0f, v * 2.0f, p->seed + 1) * 0.35f;
      m = synth_smooth(0.45f, 0.5f, n);
      m2 = synth_smooth(0.62f, 0.66f, n);
      break;
    }
    case 6: { /* heather: fine fibre noise */
      float n = synth_vnoise(u * 12, v * 3, p->seed);
      m = 0.25f * n;
      break;
    }
    default:
      break;
  }
  for (int c = 0; c < 3; c++) {
    float col = p->c0[c] + (p->c1[c] - p->c0[c]) * m;
    col += (p->c2[c] - col) * m2;
    if (leafy) col = 0.5f * p->c0[c] + 0.5f * (c == 1 ? 0.45f : 0.2f);
    rgb[c] = col;
  }
}

void synth_blur_where(nets_image *img, const float *weight, float thresh, double sigma) {
  if (sigma < 0.2) return;
  int w = img->width, h = img->height;
  int rad = (int)ceil(2.5 * sigma);
  if (rad > 8) rad = 8;
  float k[17];
  float ks = 0;
  for (int i = -rad; i <= rad; i++) ks += k[i + rad] = expf((float)(-0.5 * i * i / (sigma * sigma)));
  for (int i = 0; i < 2 * rad + 1; i++) k[i] /= ks;
  /* bounding box of the weighted area */
  int x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (weight[y * w + x] > thresh) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < x0) return;
  int bx0 = x0 - rad < 0 ? 0 : x0 - rad, bx1 = x1 + rad >= w ? w - 1 : x1 + rad;
  int bw = bx1 - bx0 + 1, bh = y1 - y0 + 1;
  float *tmp = malloc(sizeof(float) * 3 * bw * (y1 - y0 + 1 + 2 * rad));
  if (!tmp) return;
  /* horizontal pass over rows y0-rad .. y1+rad (clamped) */
  int ty0 = y0 - rad;
  int th = bh + 2 * rad;
  for (int ty = 0; ty < th; ty++) {
    int y = ty + ty0;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
    for (int x = bx0; x <= bx1; x++) {
      float acc[3] = {0, 0, 0};
      for (int i = -rad; i <= rad; i++) {
        int xx = x + i;
        xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
        const float *p = img->data + ((size_t)y * w + xx) * 3;
        for (int c = 0; c < 3; c++) acc[c] += k[i + rad] * p[c];
      }
      float *t = tmp + ((size_t)ty * bw + (x - bx0)) * 3;
      t[0] = acc[0], t[1] = acc[1], t[2] = acc[2];
    }
  }
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      float wt = weight[y * w + x];
      if (wt <= thresh) continue;
      float acc[3] = {0, 0, 0};
      for (int i = -rad; i <= rad; i++) {
        const float *t = tmp + ((size_t)(y - ty0 + i) * bw + (x - bx0)) * 3;
        for (int c = 0; c < 3; c++) acc[c] += k[i + rad] * t[c];
      }
      float *p = img->data + ((size_t)y * w + x) * 3;
      for (int c = 0; c < 3; c++) p[c] = acc[c];
    }
  free(tmp);
}
