/* Internals shared by the nets/synth files (not installed). */
#ifndef UNMASK_SYNTH_PRIVATE_H
#define UNMASK_SYNTH_PRIVATE_H

#include <math.h>
#include <stdint.h>

#include "synth.h"

/* ---- counter-based random numbers ------------------------------------ */
static inline uint64_t synth_mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
typedef struct {
  uint64_t s;
} synth_rng;
static inline synth_rng synth_rng_make(uint64_t seed, uint64_t stream) {
  synth_rng r = {synth_mix64(seed ^ synth_mix64(stream + 0x51a7ull))};
  return r;
}
static inline uint64_t synth_next(synth_rng *r) {
  r->s += 0x9e3779b97f4a7c15ull;
  uint64_t z = r->s;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static inline double synth_unif(synth_rng *r) { return (synth_next(r) >> 11) * 0x1.0p-53; }
static inline double synth_range(synth_rng *r, double a, double b) {
  return a + (b - a) * synth_unif(r);
}
static inline int synth_below(synth_rng *r, int n) { return (int)(synth_unif(r) * n); }
static inline int synth_chance(synth_rng *r, double p) { return synth_unif(r) < p; }
static inline double synth_normal(synth_rng *r) {
  double u1 = synth_unif(r), u2 = synth_unif(r);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* hash noise in [0,1) of integer lattice point */
static inline float synth_hash2(int x, int y, uint32_t seed) {
  uint32_t h = (uint32_t)x * 0x8da6b343u ^ (uint32_t)y * 0xd8163841u ^ seed * 0xcb1ab31fu;
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return (h & 0xffffff) * (1.0f / 16777216.0f);
}
/* smooth value noise in [0,1) */
static inline float synth_vnoise(float x, float y, uint32_t seed) {
  int ix = (int)floorf(x), iy = (int)floorf(y);
  float fx = x - ix, fy = y - iy;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  float a = synth_hash2(ix, iy, seed), b = synth_hash2(ix + 1, iy, seed);
  float c = synth_hash2(ix, iy + 1, seed), d = synth_hash2(ix + 1, iy + 1, seed);
  float ab = a + (b - a) * fx, cd = c + (d - c) * fx;
  return ab + (cd - ab) * fy;
}

static inline float synth_clampf(float v, float lo, float hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
static inline double synth_clampd(double v, double lo, double hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
static inline float synth_smooth(float e0, float e1, float x) {
  float t = synth_clampf((x - e0) / (e1 - e0), 0.f, 1.f);
  return t * t * (3 - 2 * t);
}

/* ---- face frame: landmarks rotated so the eye line is horizontal ----- */
typedef struct {
  double ox, oy;   /* origin: mid-point of the eyes (image pixels) */
  double ca, sa;   /* cos, sin of roll */
  double x[68], y[68]; /* landmarks in the frame */
  double iod;      /* inter-ocular distance (eye centres) */
  double roll, yaw;
} synth_frame;

void synth_frame_init(synth_frame *f, const float *lm);
/* jaw contour x at frame height y: side -1 (points 0..8) or +1 (16..8) */
double synth_jaw_x_at(const synth_frame *f, int side, double y);
static inline void synth_frame_to(const synth_frame *f, double x, double y, double *fx,
                                  double *fy) {
  double dx = x - f->ox, dy = y - f->oy;
  *fx = f->ca * dx + f->sa * dy;
  *fy = -f->sa * dx + f->ca * dy;
}
static inline void synth_frame_from(const synth_frame *f, double fx, double fy, double *x,
                                    double *y) {
  *x = f->ox + f->ca * fx - f->sa * fy;
  *y = f->oy + f->sa * fx + f->ca * fy;
}

/* Skin lighting estimated around the mask: a luminance plane in frame
 * coordinates, L(x,y) = a + bx*x + by*y, and the mean skin colour. */
typedef struct {
  double a, bx, by;
  float skin[3];
  float level; /* light level factor for the mask albedo */
} synth_light;
void synth_light_estimate(const synth_frame *f, const nets_image *img, synth_light *l);

/* Colour of the mask at frame point (x, y) given its albedo and a shading
 * factor: applies the light plane. */
static inline float synth_light_at(const synth_light *l, double fx, double fy) {
  double c = l->a;
  double v = (l->a + l->bx * fx + l->by * fy) / (c > 1e-3 ? c : 1e-3);
  return (float)synth_clampd(v, 0.5, 1.5);
}

/* Anti-aliased thick polyline: coverage of pixel (px,py) by a tube of
 * half-width hw around segments pts[2*n]. */
float synth_polyline_cov(const double *pts, int n, double px, double py, double hw, double *t_out);

/* Common finishing of a rendered mask: skin shadow outside the coverage
 * written in `cov` is expected to be handled by the renderers. */

/* Degradation: Gaussian camera noise (sigma, luminance-correlated) added to
 * each image in imgs (same noise field), then JPEG round trip at quality q
 * (q <= 0: none). */
int synth_degrade(nets_image **imgs, int n, synth_rng *r, double sigma, int quality,
                  nets_error *err);

/* Read an axis-aligned square region of an 8-bit RGB image into float
 * (size x size x 3), area-averaged, edges clamped. */
void synth_crop_u8(const uint8_t *src, int w, int h, double cx, double cy, double side, int size,
                   float *out);
/* Affine read: out(x,y) = src(A * (x, y, 1)), ss x ss supersampling. */
void synth_affine_u8(const uint8_t *src, int w, int h, const double A[6], int ss, int ow, int oh,
                     float *out);

/* Gaussian blur of img (RGB) at the pixels where weight > thresh (the
 * neighbourhood is read unblurred): matches a drawn mask to the photo's
 * sharpness. */
void synth_blur_where(nets_image *img, const float *weight, float thresh, double sigma);

/* Procedural fabric patterns (cloth kinds). */
typedef struct {
  int kind; /* 0 plain,1 stripes,2 checks,3 dots,4 floral,5 camo,6 heather */
  float c0[3], c1[3], c2[3];
  float scale, angle, seedf;
  uint32_t seed;
} synth_pattern;
void synth_pattern_random(synth_pattern *p, synth_rng *r, int dark);
void synth_pattern_eval(const synth_pattern *p, float s, float t, float *rgb);

/* A badge, patch or round sign of radius rad (pixels) centred at cx, cy,
 * drawn over img (RGB); alpha (img's size, may be NULL) gets the larger of
 * its value and the emblem's coverage. */
void synth_emblem(synth_rng *r, nets_image *img, double cx, double cy, double rad, float *alpha);

/* Fills img (RGB) with a procedural texture: pebbles, noise, fabric or signs. */
void synth_texture_background(synth_rng *r, nets_image *img);

/* Seams between touching coverings: cover (w*h, 0/1) loses the pixels of
 * each covering (id per pixel, -1 none) that have a pixel of another
 * covering within R pixels; seam (may be NULL) gets 1 there, 0 elsewhere.
 * Returns NETS_ERR_NOMEM (cover unchanged) or 0. */
int synth_carve_seams(float *cover, const int *id, int w, int h, int R, float *seam);

#endif
