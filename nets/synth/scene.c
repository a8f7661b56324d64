/* Detector scenes: real backgrounds (ibug photos, whole or cropped), pasted
 * faces at random scales, masks on some of them, and look-alike distractors
 * that are not face coverings (shirt patches, hands over the chin, scarves
 * on the neck; in training also badges and round signs, emblem.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/models.h"
#include "synth-data.h"

#define SCENE_MAX_INST 64
#define SCENE_MAX_NECKS 16 /* faces whose chests may get an emblem */
#define SCENE_MAX_LOOKS 32 /* look-alikes recorded per scene */

typedef struct {
  int w, h;
  float *cover; /* soft covering, w*h */
  int *id;      /* covering instance per pixel, -1 none */
  int n_inst;
  int kind[SCENE_MAX_INST]; /* mask kind per covering instance */
  int pasted[SCENE_MAX_INST]; /* 1: on a pasted face, 0: on a person of the photo */
  long drawn[SCENE_MAX_INST];  /* its pixels in the frame when drawn (coverage >= 0.5) */
  float framed[SCENE_MAX_INST]; /* share of its face's lower points in the frame */
  float face_w[SCENE_MAX_INST]; /* its face's width: jaw, landmark 0 to 16 */
  int *look;                    /* look-alike per pixel (where it shows), -1 none; may be NULL */
  int n_look;
  int look_kind[SCENE_MAX_LOOKS]; /* its unmask_lookalike_kind */
} scene_gt;

/* everything drawn over the scene with alpha a hides coverings (and
 * look-alikes) below it */
static void occlude(scene_gt *g, int i, float a) {
  if (a <= 0) return;
  g->cover[i] *= 1 - a;
  if (g->cover[i] < 0.5f) g->id[i] = -1;
  if (g->look && a >= 0.5f) g->look[i] = -1;
}

static void add_cover(scene_gt *g, const float *cov, int inst) {
  for (int i = 0; i < g->w * g->h; i++) {
    if (cov[i] <= 0) continue;
    if (cov[i] > g->cover[i]) g->cover[i] = cov[i];
    if (cov[i] >= 0.5f) {
      g->id[i] = inst;
      if (g->look) g->look[i] = -1;
    }
  }
}

/* affine source->scene: scene p = S * R * (src - c) + t; sample inverse */
typedef struct {
  double s, ang, cx, cy, tx, ty;
  int flip;
} place;

static void place_point(const place *pl, double x, double y, double *ox, double *oy) {
  double dx = (x - pl->cx) * (pl->flip ? -1 : 1), dy = y - pl->cy;
  double c = cos(pl->ang), s = sin(pl->ang);
  *ox = pl->s * (c * dx - s * dy) + pl->tx;
  *oy = pl->s * (s * dx + c * dy) + pl->ty;
}

/* A (scene->source) for synth_affine_u8 on a sub-rectangle starting at X0,Y0 */
static void place_inverse(const place *pl, int X0, int Y0, double A[6]) {
  double c = cos(pl->ang), s = sin(pl->ang), f = pl->flip ? -1 : 1;
  /* src = c0 + F R^T (p - t) / s */
  double a00 = f * c / pl->s, a01 = f * s / pl->s, a10 = -s / pl->s, a11 = c / pl->s;
  double px = X0 - pl->tx, py = Y0 - pl->ty;
  A[0] = a00, A[1] = a01, A[2] = a00 * px + a01 * py + pl->cx;
  A[3] = a10, A[4] = a11, A[5] = a10 * px + a11 * py + pl->cy;
}

static void place_landmarks(const place *pl, const float *lm, float *out) {
  for (int i = 0; i < 68; i++) {
    int j = pl->flip ? nets_landmark_mirror[i] : i;
    double x, y;
    place_point(pl, lm[2 * j], lm[2 * j + 1], &x, &y);
    out[2 * i] = (float)x, out[2 * i + 1] = (float)y;
  }
}

/* The share of a face's lower points (jaw 2-14, nose 29-35, lips 48-67),
 * which a mask covers, that lie in the w x h frame: a covering cut by the
 * frame is drawn only in part, which its pixels alone do not tell. */
static float lower_face_in_frame(const float *lm, int w, int h) {
  static const int spans[][2] = {{2, 14}, {29, 35}, {48, 67}};
  int in = 0, all = 0;
  for (int k = 0; k < 3; k++)
    for (int i = spans[k][0]; i <= spans[k][1]; i++, all++)
      in += lm[2 * i] >= 0 && lm[2 * i] < w && lm[2 * i + 1] >= 0 && lm[2 * i + 1] < h;
  return (float)in / (float)all;
}

/* pasted: whether the face was pasted into the scene (1) or is one of its
 * photo's people (0) */
static int mask_face(unmask_synth *s, synth_rng *r, nets_image *img, scene_gt *g,
                     const float *lm, double scale, int pasted, nets_error *err) {
  float *cov = calloc((size_t)g->w * g->h, sizeof(float));
  if (!cov) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  int kind = synth_random_kind(s, r);
  int rc = g->n_inst < SCENE_MAX_INST ? synth_render_any(s, kind, lm, synth_next(r), img, cov, NULL, NULL) : 1;
  if (rc == 0) {
    g->kind[g->n_inst] = kind;
    g->pasted[g->n_inst] = pasted;
    g->face_w[g->n_inst] = (float)hypot(lm[32] - lm[0], lm[33] - lm[1]);
    g->framed[g->n_inst] = lower_face_in_frame(lm, g->w, g->h);
    double sig = synth_clampd(0.25 + 0.45 * scale, 0.3, 2.5) * synth_range(r, 0.7, 1.3);
    synth_blur_where(img, cov, 0.0f, sig);
    g->drawn[g->n_inst] = 0;
    for (int i = 0; i < g->w * g->h; i++) g->drawn[g->n_inst] += cov[i] >= 0.5f;
    /* pixels painted by the mask are no longer under older coverings' ids */
    add_cover(g, cov, g->n_inst++);
  }
  free(cov);
  return 0;
}

/* ---- distractors -------------------------------------------------------- */
/* kind: the unmask_lookalike_kind it is recorded as */
static void fabric_blob(synth_rng *r, nets_image *img, scene_gt *g, double cx, double cy,
                        double rx, double ry, double ang, int maskish, const float *skin, int kind) {
  const int look = g->look && g->n_look < SCENE_MAX_LOOKS ? g->n_look++ : -1;
  if (look >= 0) g->look_kind[look] = kind;
  synth_pattern pat;
  synth_pattern_random(&pat, r, synth_chance(r, 0.15));
  if (maskish) { /* surgical-like colours */
    static const float c[][3] = {{0.56f, 0.76f, 0.90f}, {0.93f, 0.94f, 0.95f}, {0.6f, 0.8f, 0.72f},
                                 {0.3f, 0.45f, 0.75f}};
    memcpy(pat.c0, c[synth_below(r, 4)], sizeof pat.c0);
    pat.kind = synth_chance(r, 0.7) ? 0 : pat.kind;
  }
  if (skin) {
    memcpy(pat.c0, skin, sizeof pat.c0);
    pat.kind = 0;
  }
  double corner = synth_range(r, 0.3, 1.0); /* superellipse exponent blend */
  double pexp = 2 + 6 * (1 - corner);
  double ca = cos(ang), sa = sin(ang);
  double R = fmax(rx, ry) + 2;
  int X0 = (int)fmax(0, cx - R), X1 = (int)fmin(img->width - 1, cx + R);
  int Y0 = (int)fmax(0, cy - R), Y1 = (int)fmin(img->height - 1, cy + R);
  uint32_t ns = (uint32_t)synth_next(r);
  double light = synth_range(r, 0.6, 1.05), grad = synth_range(r, -0.3, 0.3);
  int fingers = skin != NULL;
  for (int y = Y0; y <= Y1; y++)
    for (int x = X0; x <= X1; x++) {
      double dx = x - cx, dy = y - cy;
      double u = (ca * dx + sa * dy) / rx, v = (-sa * dx + ca * dy) / ry;
      double d = pow(pow(fabs(u), pexp) + pow(fabs(v), pexp), 1.0 / pexp);
      /* wobbly outline */
      d *= 1 + 0.08 * (synth_vnoise((float)(u * 2 + 5), (float)(v * 2 + 5), ns) - 0.5);
      if (fingers && v < 0) { /* finger bumps along the top */
        double fu = (u + 1) * 2.0;
        double bump = 0.25 * fabs(sin(fu * 3.14159));
        d = fmax(fabs(u), fabs(v) * (1 - bump));
      }
      double edge = (1 - d) * fmin(rx, ry);
      float a = synth_clampf((float)edge + 0.5f, 0, 1);
      if (a <= 0) continue;
      float col[3];
      synth_pattern_eval(&pat, (float)u * 0.5f, (float)v * 0.5f, col);
      float sh = (float)(light * (1 + grad * u) * (1 - 0.25 * u * u) *
                         (1 + 0.08 * (synth_vnoise((float)u * 3, (float)v * 3, ns + 1) - 0.5)));
      float *p = img->data + ((size_t)y * img->width + x) * 3;
      for (int c = 0; c < 3; c++) p[c] += (synth_clampf(col[c] * sh, 0, 1) - p[c]) * a;
      occlude(g, y * img->width + x, a);
      if (look >= 0 && a >= 0.5f) g->look[y * img->width + x] = look;
    }
}

/* low_scarf: the chance that a scarf keeps its top at least 0.15 eye
 * distances below the chin point (0 on held-out scenes, which keep their
 * draws) */
static void distractor_for_face(synth_rng *r, nets_image *img, scene_gt *g, const float *lm, double low_scarf) {
  synth_frame f;
  synth_frame_init(&f, lm);
  double iod = f.iod;
  double choice = synth_unif(r);
  double fx, fy, ix, iy;
  if (choice < 0.35) { /* hand over the mouth/chin */
    synth_light L;
    synth_light_estimate(&f, img, &L);
    fx = f.x[57] + synth_range(r, -0.3, 0.3) * iod;
    fy = f.y[57] + synth_range(r, 0.0, 0.5) * iod;
    synth_frame_from(&f, fx, fy, &ix, &iy);
    float skin[3];
    for (int c = 0; c < 3; c++) skin[c] = synth_clampf(L.skin[c] * (float)synth_range(r, 0.85, 1.1), 0, 1);
    fabric_blob(r, img, g, ix, iy, synth_range(r, 0.6, 1.0) * iod, synth_range(r, 0.45, 0.7) * iod,
                f.roll + synth_range(r, -0.5, 0.5), 0, skin, UNMASK_LOOKALIKE_HAND);
  } else if (choice < 0.7 && low_scarf > 0 && synth_chance(r, low_scarf)) { /* a scarf clear of the chin */
    fx = f.x[8] + synth_range(r, -0.1, 0.1) * iod;
    double off = synth_range(r, 0.45, 0.8), rx = synth_range(r, 1.1, 1.6), ry = synth_range(r, 0.3, 0.5);
    fy = f.y[8] + fmax(off, ry + synth_range(r, 0.15, 0.35)) * iod;
    synth_frame_from(&f, fx, fy, &ix, &iy);
    double roll = f.roll + synth_range(r, -0.15, 0.15);
    fabric_blob(r, img, g, ix, iy, rx * iod, ry * iod, roll, synth_chance(r, 0.4), NULL, UNMASK_LOOKALIKE_SCARF);
  } else if (choice < 0.7) { /* scarf low on the neck */
    fx = f.x[8] + synth_range(r, -0.1, 0.1) * iod;
    fy = f.y[8] + synth_range(r, 0.45, 0.8) * iod;
    synth_frame_from(&f, fx, fy, &ix, &iy);
    fabric_blob(r, img, g, ix, iy, synth_range(r, 1.1, 1.6) * iod, synth_range(r, 0.3, 0.5) * iod,
                f.roll + synth_range(r, -0.15, 0.15), synth_chance(r, 0.4), NULL, UNMASK_LOOKALIKE_SCARF);
  } else { /* shirt patch / badge on the chest */
    fx = f.x[8] + synth_range(r, -1.2, 1.2) * iod;
    fy = f.y[8] + synth_range(r, 0.9, 2.0) * iod;
    synth_frame_from(&f, fx, fy, &ix, &iy);
    fabric_blob(r, img, g, ix, iy, synth_range(r, 0.4, 1.2) * iod, synth_range(r, 0.3, 0.9) * iod,
                synth_range(r, -0.5, 0.5), 1, NULL, UNMASK_LOOKALIKE_PATCH);
  }
}

/* records a face's chin point (landmark 8) and eye distance, for emblems */
static void note_neck(double (*necks)[3], int *n, const float *lm, double iod) {
  if (*n >= SCENE_MAX_NECKS) return;
  necks[*n][0] = lm[16], necks[*n][1] = lm[17], necks[*n][2] = iod;
  ++*n;
}

/* whether any covering pixel lies within rad of cx, cy */
static int on_cover(const scene_gt *g, double cx, double cy, double rad) {
  for (int y = (int)fmax(0, cy - rad); y <= (int)fmin(g->h - 1, cy + rad); y++)
    for (int x = (int)fmax(0, cx - rad); x <= (int)fmin(g->w - 1, cx + rad); x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad && g->cover[y * g->w + x] > 0.f) return 1;
  return 0;
}

/* Badges, patches and round signs (emblem.c), on training scenes only, with
 * their own random stream: the scenes are otherwise what they would be
 * without them.  Most sit on the chest of one of the scene's faces (chin
 * points and eye distances in necks, n of them), the rest anywhere. */
static int emblems(const unmask_synth *s, uint64_t seed, uint64_t index, nets_image *img, scene_gt *g,
                   const double (*necks)[3], int n, nets_error *err) {
  synth_rng r = synth_rng_make(seed ^ 0xe3b1e3b1ull, index);
  if (!synth_chance(&r, s->emblem_share)) return 0;
  const int w = img->width, h = img->height;
  float *al = calloc((size_t)w * h, sizeof(float));
  if (!al) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  const double side = fmin(w, h);
  for (int e = 1 + synth_below(&r, 3), tries = 0; e > 0 && tries < 12; tries++) {
    double cx, cy, rad;
    if (n && synth_chance(&r, 0.6)) {
      const double *k = necks[synth_below(&r, n)];
      cx = k[0] + synth_range(&r, -1.5, 1.5) * k[2];
      cy = k[1] + synth_range(&r, 0.8, 3.0) * k[2];
      rad = synth_range(&r, 0.3, 0.9) * k[2];
    } else {
      cx = synth_range(&r, 0, w), cy = synth_range(&r, 0, h);
      rad = exp(synth_range(&r, log(6.0), log(fmax(7.0, 0.2 * side))));
    }
    if (on_cover(g, cx, cy, rad + 2)) continue; /* a logo on a mask is part of the mask */
    int on_mouth = 0; /* nor over a bare mouth and chin, where it would be a mask */
    for (int k = 0; k < n && !on_mouth; k++)
      on_mouth = hypot(cx - necks[k][0], cy - (necks[k][1] - 0.6 * necks[k][2])) < rad + 0.9 * necks[k][2];
    if (on_mouth) continue;
    synth_emblem(&r, img, cx, cy, rad, al);
    e--;
  }
  synth_blur_where(img, al, 0.0f, synth_range(&r, 0.3, 1.2));
  for (int i = 0; i < w * h; i++) occlude(g, i, al[i]);
  free(al);
  return 0;
}

/* ---- pasted faces ----------------------------------------------------- */
static int paste_face(unmask_synth *s, synth_rng *r, nets_image *img, scene_gt *g, int face,
                      double width_px, int top_cut, float *lm_out, double *scale_out, nets_error *err) {
  const synth_face *fc = &s->faces[face];
  int fw, fh;
  const uint8_t *pix = synth_file_pixels(s, fc->file, &fw, &fh, err);
  if (!pix) return -1;
  synth_frame f;
  synth_frame_init(&f, fc->lm);
  double jaw_w = hypot(fc->lm[32] - fc->lm[0], fc->lm[33] - fc->lm[1]);
  if (jaw_w < 8) return 1;
  place pl;
  pl.s = width_px / jaw_w;
  pl.ang = synth_normal(r) * 0.12;
  pl.flip = synth_chance(r, 0.5);
  /* centre of the head: between the brows and the chin */
  double hx = 0.5 * (0.5 * (fc->lm[38] + fc->lm[48]) + fc->lm[16]);
  double hy = 0.5 * (0.5 * (fc->lm[39] + fc->lm[49]) + fc->lm[17]);
  pl.cx = hx, pl.cy = hy;
  int edge = synth_chance(r, 0.2); /* partly outside the frame */
  pl.tx = synth_range(r, edge ? -0.1 : 0.1, edge ? 1.1 : 0.9) * img->width;
  pl.ty = synth_range(r, edge ? -0.05 : 0.1, edge ? 1.05 : 0.85) * img->height;
  /* eyes above the frame, the covering cut by its top edge: the head's
   * centre from 0.3 of the centre-to-chin distance above the edge to 0.75
   * below it (eyes about 0.8 above the centre) */
  if (top_cut) pl.ty = synth_range(r, -0.3, 0.75) * (fc->lm[17] - hy) * pl.s;
  /* ellipse in the head frame (source px): rx ~ jaw half width, ry ~ head height */
  double ry = 0.5 * (fc->lm[17] - 0.5 * (fc->lm[39] + fc->lm[49])) + 0.55 * f.iod;
  double rx = 0.5 * jaw_w * synth_range(r, 1.0, 1.2);
  ry *= synth_range(r, 1.0, 1.25);
  double feather = synth_range(r, 0.06, 0.2);
  double R = fmax(rx, ry) * pl.s + 3;
  int X0 = (int)fmax(0, floor(pl.tx - R)), X1 = (int)fmin(img->width - 1, ceil(pl.tx + R));
  int Y0 = (int)fmax(0, floor(pl.ty - R)), Y1 = (int)fmin(img->height - 1, ceil(pl.ty + R));
  if (X1 < X0 || Y1 < Y0) return 1;
  int bw = X1 - X0 + 1, bh = Y1 - Y0 + 1;
  float *buf = malloc(sizeof(float) * 3 * bw * bh);
  if (!buf) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory"), -1;
  double A[6];
  place_inverse(&pl, X0, Y0, A);
  int ss = pl.s < 1 ? (int)fmin(4, ceil(1 / pl.s)) : 1;
  synth_affine_u8(pix, fw, fh, A, ss, bw, bh, buf);
  /* tone towards the scene: slight exposure change */
  float expo = (float)synth_range(r, 0.8, 1.15);
  /* roll of the head frame: the ellipse follows the eye line */
  double ce = cos(f.roll), se = sin(f.roll);
  for (int y = 0; y < bh; y++)
    for (int x = 0; x < bw; x++) {
      double sx = A[0] * x + A[1] * y + A[2], sy = A[3] * x + A[4] * y + A[5];
      double dx = sx - hx, dy = sy - hy;
      double u = (ce * dx + se * dy) / rx, v = (-se * dx + ce * dy) / ry;
      double d = sqrt(u * u + v * v);
      float a = 1 - synth_smooth((float)(1 - feather), 1.0f, (float)d);
      /* outside the source picture: transparent */
      if (sx < -0.5 || sy < -0.5 || sx > fw - 0.5 || sy > fh - 0.5) {
        double ox = fmax(fmax(-0.5 - sx, sx - (fw - 0.5)), 0), oy = fmax(fmax(-0.5 - sy, sy - (fh - 0.5)), 0);
        a *= (float)fmax(0, 1 - (ox + oy) / (feather * rx + 1));
      }
      if (a <= 0) continue;
      float *p = img->data + ((size_t)(y + Y0) * img->width + x + X0) * 3;
      const float *q = buf + ((size_t)y * bw + x) * 3;
      for (int c = 0; c < 3; c++) p[c] += (synth_clampf(q[c] * expo, 0, 1) - p[c]) * a;
      occlude(g, (y + Y0) * img->width + x + X0, a);
    }
  free(buf);
  place_landmarks(&pl, fc->lm, lm_out);
  *scale_out = pl.s;
  return 0;
}

static int background(unmask_synth *s, int split, int photo, synth_rng *r, nets_image *img,
                      scene_gt *g, float (*lms)[136], int *n_lm, int max_lm, double *scale_out,
                      nets_error *err) {
  *n_lm = 0;
  *scale_out = 1;
  const synth_list *sc = &s->scenes[split], *bg = &s->bgs[split];
  int whole = sc->n > 0 && (photo || synth_chance(r, s->photo_share));
  const synth_list *L = whole ? sc : bg;
  if (!whole && synth_chance(r, 0.2)) {
    synth_texture_background(r, img);
    return 0;
  }
  if (L->n == 0) {
    /* no photos: a smooth random gradient */
    float c0[3], c1[3];
    for (int c = 0; c < 3; c++) c0[c] = (float)synth_unif(r), c1[c] = (float)synth_unif(r);
    for (int y = 0; y < img->height; y++)
      for (int x = 0; x < img->width; x++)
        for (int c = 0; c < 3; c++)
          img->data[((size_t)y * img->width + x) * 3 + c] = c0[c] + (c1[c] - c0[c]) * y / img->height;
    return 0;
  }
  int file = L->v[synth_below(r, L->n)];
  int fw, fh;
  const uint8_t *pix = synth_file_pixels(s, file, &fw, &fh, err);
  if (!pix) return -1;
  place pl;
  double cover_s = fmax((double)img->width / fw, (double)img->height / fh);
  pl.s = whole ? cover_s * synth_range(r, 1.0, 1.5) : cover_s * exp(synth_range(r, 0, log(4.0)));
  pl.ang = synth_chance(r, 0.3) ? synth_normal(r) * 0.08 : 0;
  pl.flip = synth_chance(r, 0.5);
  pl.cx = synth_range(r, 0, fw), pl.cy = synth_range(r, 0, fh);
  /* keep the view inside the photo as far as possible */
  double hw = 0.5 * img->width / pl.s, hh = 0.5 * img->height / pl.s;
  pl.cx = synth_clampd(pl.cx, hw, fmax(hw, fw - hw)), pl.cy = synth_clampd(pl.cy, hh, fmax(hh, fh - hh));
  pl.tx = 0.5 * img->width, pl.ty = 0.5 * img->height;
  double A[6];
  place_inverse(&pl, 0, 0, A);
  int ss = pl.s < 1 ? (int)fmin(4, ceil(1 / pl.s)) : 1;
  synth_affine_u8(pix, fw, fh, A, ss, img->width, img->height, img->data);
  *scale_out = pl.s;
  if (whole) {
    const synth_file *f = &s->files[file];
    for (int k = 0; k < f->n_faces && *n_lm < max_lm; k++)
      place_landmarks(&pl, s->faces[f->first_face + k].lm, lms[(*n_lm)++]);
  }
  (void)g;
  return 0;
}

int synth_carve_seams(float *cover, const int *id, int w, int h, int R, float *seam) {
  unsigned char *cut = calloc((size_t)w * h, 1);
  if (!cut) return NETS_ERR_NOMEM;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const int i = y * w + x, a = id[i];
      if (!cover[i] || a < 0) continue;
      for (int dy = -R; dy <= R && !cut[i]; dy++)
        for (int dx = -R; dx <= R; dx++) {
          const int yy = y + dy, xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const int j = yy * w + xx;
          if (cover[j] && id[j] >= 0 && id[j] != a) {
            cut[i] = 1;
            break;
          }
        }
    }
  for (int i = 0; i < w * h; i++) {
    if (cut[i]) cover[i] = 0;
    if (seam) seam[i] = cut[i];
  }
  free(cut);
  return 0;
}

/* The box and pixel count of each id 0..n-1 of the id map (-1: none), over
 * the pixels where keep is nonzero (every pixel when keep is NULL); an id
 * with no pixel gets x1 < x0 and shown 0. */
typedef struct { int x0, y0, x1, y1; long shown; } id_box;
static void id_boxes(const int *id, const float *keep, int w, int h, int n, id_box *b) {
  for (int k = 0; k < n; k++) b[k] = (id_box){w, h, -1, -1, 0};
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const int k = id[y * w + x];
      if (k < 0 || (keep && !keep[y * w + x])) continue;
      id_box *e = b + k;
      if (x < e->x0) e->x0 = x;
      if (y < e->y0) e->y0 = y;
      if (x > e->x1) e->x1 = x;
      if (y > e->y1) e->y1 = y;
      e->shown++;
    }
}

/* The look-alikes that show, into t (at most t->max_looks). */
static void lookalike_boxes(const scene_gt *g, unmask_scene_truth *t) {
  id_box b[SCENE_MAX_LOOKS];
  id_boxes(g->look, NULL, g->w, g->h, g->n_look, b);
  for (int k = 0; k < g->n_look && t->n_looks < t->max_looks; k++)
    if (b[k].shown)
      t->looks[t->n_looks++] = (unmask_lookalike){(float)b[k].x0, (float)b[k].y0, (float)(b[k].x1 - b[k].x0 + 1),
                                                  (float)(b[k].y1 - b[k].y0 + 1), g->look_kind[k], b[k].shown};
}

/* photo: only a whole scene photo with masks on its own faces (no pasted
 * faces, no loose fabric); t may be NULL */
static int scene(unmask_synth *s, int split, int photo, uint64_t seed, uint64_t index, int w, int h,
                 float *rgb, float *cover, float *seam, unmask_scene_truth *t, nets_error *err) {
  unmask_box *boxes = t ? t->boxes : NULL;
  const int max_boxes = t ? t->max_boxes : 0;
  if (t) t->n_boxes = t->n_looks = 0;
  if (!s || split < 0 || split > 1 || w < 16 || h < 16 || !rgb || !cover)
    return nets_error_set(err, NETS_ERR_ARG, "scene: bad arguments");
  synth_rng r = synth_rng_make(seed ^ (split ? 0x7363656eull << 24 : 0) ^ 0x5ce9e5ull, index);
  nets_image *img = nets_image_new(w, h, 3);
  scene_gt g = {w, h, cover, malloc(sizeof(int) * w * h), 0};
  const int want_looks = t && t->looks && t->max_looks > 0;
  g.look = want_looks ? malloc(sizeof(int) * w * h) : NULL;
  if (!img || !g.id || (want_looks && !g.look)) {
    nets_image_free(img);
    free(g.id), free(g.look);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  memset(cover, 0, sizeof(float) * w * h);
  for (int i = 0; i < w * h; i++) g.id[i] = -1;
  for (int i = 0; g.look && i < w * h; i++) g.look[i] = -1;
  int rc = 0;
  float lms[16][136];
  int n_lm = 0;
  double necks[SCENE_MAX_NECKS][3]; /* chin x, y and eye distance of each face, for emblems */
  int n_necks = 0;
  double bg_scale = 1;
  if (background(s, split, photo, &r, img, &g, lms, &n_lm, 16, &bg_scale, err) < 0)
    rc = err ? err->code : NETS_ERR_IO;
  double min_side = fmin(w, h);
  double p_mask = photo ? 0.75 : synth_range(&r, 0.4, 0.8);
  const double low_scarf = split == 0 ? s->low_scarf_share : 0;
  /* faces of the whole-scene photo */
  for (int k = 0; k < n_lm && rc == 0; k++) {
    synth_frame f;
    synth_frame_init(&f, lms[k]);
    if (f.iod < 3) continue;
    note_neck(necks, &n_necks, lms[k], f.iod);
    if (synth_chance(&r, p_mask)) rc = mask_face(s, &r, img, &g, lms[k], bg_scale, 0, err);
    else if (synth_chance(&r, 0.25)) distractor_for_face(&r, img, &g, lms[k], low_scarf);
  }
  /* pasted faces, far (small) first */
  const synth_list *P = &s->paste[split];
  int n_paste = P->n && !photo ? synth_below(&r, n_lm ? 3 : 5) + (n_lm ? 0 : 1) : 0;
  double widths[8];
  for (int i = 0; i < n_paste; i++) {
    double lo = log(UNMASK_SMALL_FACE_MIN), hi = log(fmax(30.0, 0.95 * min_side));
    /* (no draw when the share is 0: the default scenes stay as they were) */
    if (split == 0 && s->small_share > 0 && synth_chance(&r, s->small_share))
      hi = fmin(hi, log(2 * UNMASK_SMALL_FACE_MIN));
    widths[i] = exp(synth_range(&r, lo, hi));
    if (i > 0 && synth_chance(&r, 0.5)) widths[i] = fmin(widths[i], 0.45 * min_side);
  }
  for (int i = 0; i < n_paste; i++)
    for (int j = i + 1; j < n_paste; j++)
      if (widths[j] < widths[i]) {
        double t = widths[i];
        widths[i] = widths[j];
        widths[j] = t;
      }
  for (int i = 0; i < n_paste && rc == 0; i++) {
    float lm[136];
    double paste_scale = 1;
    const int face = P->v[synth_below(&r, P->n)];
    /* (no draw when the share is 0, as for small faces) */
    const int top_cut = split == 0 && s->top_cut_share > 0 && synth_chance(&r, s->top_cut_share);
    int pr = paste_face(s, &r, img, &g, face, widths[i], top_cut, lm, &paste_scale, err);
    if (pr < 0) {
      rc = err ? err->code : NETS_ERR_IO;
      break;
    }
    if (pr > 0) continue;
    synth_frame f;
    synth_frame_init(&f, lm);
    note_neck(necks, &n_necks, lm, f.iod);
    if (synth_chance(&r, p_mask)) rc = mask_face(s, &r, img, &g, lm, paste_scale, 1, err);
    else if (synth_chance(&r, 0.4)) distractor_for_face(&r, img, &g, lm, low_scarf);
  }
  /* free-floating mask-coloured things (bags, signs, clothes) */
  if (rc == 0 && !photo && synth_chance(&r, 0.3)) {
    double rx = synth_range(&r, 0.03, 0.2) * min_side;
    fabric_blob(&r, img, &g, synth_range(&r, 0, w), synth_range(&r, 0, h), rx,
                rx * synth_range(&r, 0.4, 1.0), synth_range(&r, -1, 1), synth_chance(&r, 0.5), NULL,
                UNMASK_LOOKALIKE_FABRIC);
  }
  /* with faces cut by the top edge in training, mask-coloured things cut by
   * it too, with no face below them: there a covering has its chin and neck
   * under it (without them the detector took such things for masks) */
  if (rc == 0 && !photo && split == 0 && s->top_cut_share > 0 && synth_chance(&r, fmin(1, 2 * s->top_cut_share))) {
    double rx = synth_range(&r, 0.08, 0.3) * min_side;
    fabric_blob(&r, img, &g, synth_range(&r, 0, w), synth_range(&r, -0.5, 0.4) * rx, rx,
                rx * synth_range(&r, 0.5, 1.0), synth_range(&r, -0.5, 0.5), synth_chance(&r, 0.6), NULL,
                UNMASK_LOOKALIKE_FABRIC);
  }
  if (rc == 0 && split == 0 && s->emblem_share > 0)
    rc = emblems(s, seed, index, img, &g, (const double(*)[3])necks, n_necks, err);
  if (rc == 0) {
    nets_image *one[1] = {img};
    double sigma = synth_chance(&r, 0.6) ? synth_range(&r, 0.002, 0.03) : 0;
    int q = synth_chance(&r, 0.7) ? (int)synth_range(&r, 30, 96) : 0;
    rc = synth_degrade(one, 1, &r, sigma, q, err);
  }
  if (rc == 0) {
    memcpy(rgb, img->data, sizeof(float) * w * h * 3);
    /* binary ground truth, seams, and boxes per covering */
    for (int i = 0; i < w * h; i++) cover[i] = cover[i] >= 0.5f ? 1.0f : 0.0f;
    if (synth_carve_seams(cover, g.id, w, h, s->seam_radius, seam)) rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  if (rc == 0) {
    int nb = 0;
    int ninst = g.n_inst;
    /* per covering: its box, and its pixels that show */
    id_box *bb = malloc(sizeof *bb * (ninst ? ninst : 1));
    if (bb) {
      id_boxes(g.id, cover, w, h, ninst, bb);
      for (int i = 0; i < ninst; i++) {
        const id_box *b = bb + i;
        if (b->x1 < b->x0) continue;
        if (boxes && nb < max_boxes) {
          boxes[nb].x = (float)b->x0, boxes[nb].y = (float)b->y0;
          boxes[nb].w = (float)(b->x1 - b->x0 + 1), boxes[nb].h = (float)(b->y1 - b->y0 + 1);
          boxes[nb].kind = g.kind[i];
          boxes[nb].pasted = g.pasted[i];
          boxes[nb].visible = g.drawn[i] > 0 ? g.framed[i] * fminf(1.f, (float)b->shown / (float)g.drawn[i]) : 0.f;
          boxes[nb].face_w = g.face_w[i];
        }
        nb++;
      }
      free(bb);
    }
    if (t) t->n_boxes = boxes ? (nb < max_boxes ? nb : max_boxes) : nb;
    if (g.look) lookalike_boxes(&g, t);
  }
  nets_image_free(img);
  free(g.id), free(g.look);
  return rc;
}

int unmask_synth_scene_truth(unmask_synth *s, int split, int photo, uint64_t seed, uint64_t index, int w,
                             int h, float *rgb, float *cover, float *seam, unmask_scene_truth *truth,
                             nets_error *err) {
  if (photo && s && split >= 0 && split <= 1 && s->scenes[split].n == 0)
    return nets_error_set(err, NETS_ERR_ARG, "scene: no whole photos with several faces (ibug_*) in the data");
  return scene(s, split, photo != 0, seed, index, w, h, rgb, cover, photo ? NULL : seam, truth, err);
}

int unmask_synth_scene(unmask_synth *s, int split, uint64_t seed, uint64_t index, int w, int h,
                       float *rgb, float *cover, float *seam, unmask_box *boxes, int max_boxes,
                       int *n_boxes, nets_error *err) {
  unmask_scene_truth t = {boxes, max_boxes, 0, NULL, 0, 0};
  const int rc = unmask_synth_scene_truth(s, split, 0, seed, index, w, h, rgb, cover, seam, &t, err);
  if (n_boxes) *n_boxes = t.n_boxes;
  return rc;
}

int unmask_synth_photo_scene(unmask_synth *s, int split, uint64_t seed, uint64_t index, int w, int h,
                             float *rgb, float *cover, unmask_box *boxes, int max_boxes,
                             int *n_boxes, nets_error *err) {
  unmask_scene_truth t = {boxes, max_boxes, 0, NULL, 0, 0};
  const int rc = unmask_synth_scene_truth(s, split, 1, seed, index, w, h, rgb, cover, NULL, &t, err);
  if (n_boxes) *n_boxes = t.n_boxes;
  return rc;
}
