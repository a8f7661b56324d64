/* Hole shaping: exact distance transform, grow + feather profile,
 * dilation, connected components and growth by colour. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hole.h"
#include "pipeline-private.h"

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

/* A blue covering on skin, found without its 2-px rim; a 2-px blue loop
 * leaves its top; a wide blue shirt touches it below.  Growth takes the rim
 * and the loop, not the skin and not the shirt. */
static void test_grow_like(void) {
  enum { W = 160, H = 140 };
  static float rgba[W * H * 4];
  static unsigned char truth[W * H], mask[W * H];
  const float skin[3] = {0.85f, 0.65f, 0.55f}, blue[3] = {0.45f, 0.65f, 0.9f};
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      size_t i = (size_t)y * W + x;
      int cover = x >= 40 && x < 120 && y >= 50 && y < 110;
      int loop = (x == 44 || x == 45) && y >= 38 && y < 50;
      int shirt = y >= 110 && x >= 20 && x < 140;
      const float *c = cover || loop || shirt ? blue : skin;
      /* a little texture so that no colour is a single value */
      float n = 0.02f * (float)(((x * 7 + y * 13) % 5) - 2);
      for (int k = 0; k < 3; k++) rgba[i * 4 + k] = c[k] + n;
      rgba[i * 4 + 3] = 1.f;
      truth[i] = (unsigned char)(cover ? 1 : loop ? 2 : shirt ? 3 : 0);
      mask[i] = x >= 42 && x < 118 && y >= 52 && y < 108; /* the rim missed */
    }
  long added = unmask_hole_grow_like(rgba, NULL, W, H, 80, mask);
  CHECK(added > 0, "grow_like added nothing (%ld)", added);
  long cover_left = 0, loop_taken = 0, loop = 0, shirt_taken = 0, skin_taken = 0;
  for (int i = 0; i < W * H; i++) {
    cover_left += truth[i] == 1 && !mask[i];
    loop += truth[i] == 2;
    loop_taken += truth[i] == 2 && mask[i];
    shirt_taken += truth[i] == 3 && mask[i];
    skin_taken += truth[i] == 0 && mask[i];
  }
  /* next to the shirt, only the rim within ring_from() of the edge is kept:
   * the outermost corner pixels (2.8 px away) may go with the shirt */
  CHECK(cover_left <= 4, "%ld pixels of the covering's rim left", cover_left);
  CHECK(loop_taken == loop, "loop: %ld of %ld taken", loop_taken, loop);
  /* the shirt is wide: at most a thin seam along the covering may go */
  CHECK(shirt_taken <= 2 * 80, "%ld shirt pixels taken", shirt_taken);
  CHECK(skin_taken == 0, "%ld skin pixels taken", skin_taken);
  /* a skin-coloured covering has nothing to tell it from its surroundings */
  for (int i = 0; i < W * H; i++) {
    mask[i] = truth[i] == 1;
    if (truth[i]) memcpy(rgba + (size_t)i * 4, skin, sizeof skin);
  }
  CHECK(unmask_hole_grow_like(rgba, NULL, W, H, 80, mask) == 0, "grew a skin-coloured covering");
}

/* A dark covering of 100 px on skin with long 3-px ear loops of its colour:
 * one runs up 80 px from its top corner, starting 2 px off its edge; one
 * runs down 60 px from its bottom (as a tie or a collar would).  Growth
 * takes the whole first loop, far past the 20% reach of the rim, no more
 * of the second than that reach, and nothing of the skin.  Without the loop's colour step to
 * the skin on both sides (a wide dark patch beside it) it is not a strap. */
static void test_grow_like_straps(void) {
  enum { W = 260, H = 300 };
  static float rgba[W * H * 4];
  static unsigned char truth[W * H], mask[W * H];
  const float skin[3] = {0.85f, 0.65f, 0.55f}, dark[3] = {0.12f, 0.12f, 0.16f};
  for (int pass = 0; pass < 3; pass++) {
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        size_t i = (size_t)y * W + x;
        int cover = x >= 80 && x < 180 && y >= 120 && y < 180;
        int up = x >= 84 && x < 87 && y >= 40 && y < 118; /* 2 px off the top edge */
        int down = x >= 170 && x < 173 && y >= 180 && y < 240;
        int patch = pass == 1 && x >= 87 && x < 120 && y >= 30 && y < 118; /* dark beside the loop */
        /* pass 2: lips of the covering's colour above the middle of a chin
         * mask, joined to its top edge at both corners of the mouth */
        int mouth = pass == 2 && ((y >= 100 && y < 103 && x >= 110 && x < 151) ||
                                  (y >= 100 && y < 120 && ((x >= 110 && x < 113) || (x >= 148 && x < 151))));
        const float *c = cover || up || down || patch || mouth ? dark : skin;
        float n = 0.02f * (float)(((x * 7 + y * 13) % 5) - 2);
        for (int k = 0; k < 3; k++) rgba[i * 4 + k] = c[k] + n;
        rgba[i * 4 + 3] = 1.f;
        truth[i] = (unsigned char)(cover ? 1 : up ? 2 : down ? 3 : patch ? 4 : mouth ? 5 : 0);
        mask[i] = cover;
      }
    long added = unmask_hole_grow_like(rgba, NULL, W, H, 100, mask);
    CHECK(added >= 0, "grow_like failed (%ld)", added);
    long up = 0, up_taken = 0, down_taken = 0, skin_taken = 0, mouth = 0, mouth_taken = 0;
    for (int i = 0; i < W * H; i++) {
      up += truth[i] == 2;
      up_taken += truth[i] == 2 && mask[i];
      down_taken += truth[i] == 3 && mask[i];
      skin_taken += truth[i] == 0 && mask[i];
      mouth += truth[i] == 5;
      mouth_taken += truth[i] == 5 && mask[i];
    }
    if (pass == 0) {
      CHECK(up_taken == up, "loop up: %ld of %ld taken", up_taken, up);
      /* below: no more than the rim's reach (20% of 100 px) */
      CHECK(down_taken <= 3 * 22, "%ld pixels of the strap below taken", down_taken);
      CHECK(skin_taken <= 6, "%ld skin pixels taken", skin_taken);
    } else if (pass == 1) {
      /* only the rim's reach (20% of 100 px) of the loop may go */
      CHECK(up_taken <= 3 * 22, "loop beside a dark patch: %ld of %ld taken", up_taken, up);
    } else {
      /* the mouth stays, but for the rim at the covering's edge (3 px) */
      CHECK(up_taken == up, "loop up beside a mouth: %ld of %ld taken", up_taken, up);
      CHECK(mouth_taken <= 2 * 3 * 3, "mouth above the middle: %ld of %ld pixels taken", mouth_taken, mouth);
    }
  }
}

/* An ear loop of a colour the covering does not have (orange on a navy
 * mask: a loop in other light), 3 px wide, running up from the covering's
 * corner along the edge between dark hair (left) and skin (right).  Its
 * colour does not make it a strap, but the detector's map over it (hint,
 * 0.6 within 6 px of it) does: the loop is taken, marked
 * UNMASK_HOLE_STRAP, and neither hair nor skin beside it goes with it (past
 * the 3 px next to the covering where a strap may start).  Without the
 * map, or with the map below HINT_MIN (0.3), no more than the rim's reach
 * of it is taken.  The same loop running down from the covering's bottom
 * corner (a respirator's lower strap) is taken too. */
static void test_grow_like_hint(void) {
  enum { W = 260, H = 300 };
  static float rgba[W * H * 4], hint[W * H];
  static unsigned char truth[W * H], mask[W * H];
  const float skin[3] = {0.85f, 0.65f, 0.55f}, hair[3] = {0.25f, 0.18f, 0.10f};
  const float navy[3] = {0.12f, 0.14f, 0.35f}, orange[3] = {0.75f, 0.38f, 0.12f};
  for (int pass = 0; pass < 4; pass++) {
    const int y0 = pass == 3 ? 181 : 30, y1 = pass == 3 ? 271 : 120; /* the loop's rows */
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        const size_t i = (size_t)y * W + x;
        const int cover = x >= 80 && x < 180 && y >= 120 && y < 180;
        const int loop = x >= 84 && x < 87 && y >= y0 && y < y1;
        const float *c = cover ? navy : loop ? orange : x < 84 ? hair : skin;
        const float n = 0.02f * (float)(((x * 7 + y * 13) % 5) - 2);
        for (int k = 0; k < 3; k++) rgba[i * 4 + k] = c[k] + n;
        rgba[i * 4 + 3] = 1.f;
        truth[i] = (unsigned char)(cover ? 1 : loop ? 2 : x < 84 ? 3 : 0);
        mask[i] = (unsigned char)cover;
        hint[i] = x >= 78 && x < 93 && y >= y0 && y < y1 ? (pass == 2 ? 0.3f : 0.6f) : 0.f;
      }
    const long added = unmask_hole_grow_like(rgba, pass == 1 ? NULL : hint, W, H, 100, mask);
    CHECK(added >= 0, "grow_like failed (%ld)", added);
    long loop = 0, taken = 0, marked = 0, hair_taken = 0, skin_taken = 0;
    for (int i = 0; i < W * H; i++) {
      loop += truth[i] == 2;
      taken += truth[i] == 2 && mask[i];
      marked += truth[i] == 2 && mask[i] == UNMASK_HOLE_STRAP;
      /* beside the loop, past the 3 px next to the covering where a strap may start */
      const int beside = (int)(i / W) < 116 || (int)(i / W) > 183;
      hair_taken += truth[i] == 3 && mask[i] && beside;
      skin_taken += truth[i] == 0 && mask[i] && beside;
    }
    if (pass == 0 || pass == 3) {
      CHECK(taken >= loop * 9 / 10, "loop the detector half sees: %ld of %ld taken", taken, loop);
      CHECK(marked >= loop * 7 / 10, "loop: %ld of %ld pixels marked as a strap", marked, loop);
      CHECK(hair_taken <= 6 && skin_taken <= 6, "%ld hair and %ld skin pixels taken", hair_taken, skin_taken);
    } else {
      CHECK(taken <= 3 * 22, "loop %s: %ld of %ld taken", pass == 1 ? "without the map" : "under 0.4", taken,
            loop);
    }
  }
}

/* A covering of 100 x 60 px, as the detector's map gives it: its body, a
 * 12-px band running up from its corner (an ear loop drawn by the coarse
 * map) and a 2-px line.  The body is the block with the first 5 px (3% of
 * 100 + 2) of the band and line, and no more than 10; the rest of them is
 * thin. */
static void test_body(void) {
  enum { W = 200, H = 220 };
  static unsigned char mask[W * H], body[W * H], truth[W * H];
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      const int block = x >= 50 && x < 150 && y >= 120 && y < 180;
      const int band = x >= 50 && x < 62 && y >= 30 && y < 120;
      const int line = x >= 140 && x < 142 && y >= 40 && y < 120;
      truth[y * W + x] = (unsigned char)(block ? 1 : band ? 2 : line ? 3 : 0);
      mask[y * W + x] = (unsigned char)(block || band || line);
    }
  CHECK(unmask_hole_body(mask, W, H, 100, body) == 0, "body failed");
  long block = 0, block_in = 0, near = 0, far = 0, outside = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      const int i = y * W + x;
      block += truth[i] == 1, block_in += truth[i] == 1 && body[i];
      near += (truth[i] == 2 || truth[i] == 3) && y >= 115 && body[i];
      far += (truth[i] == 2 || truth[i] == 3) && y < 110 && body[i];
      outside += !truth[i] && body[i];
    }
  CHECK(block_in == block, "block: %ld of %ld in the body", block_in, block);
  CHECK(near == (12 + 2) * 5, "the band's and line's first 5 px: %ld of %d in the body", near, (12 + 2) * 5);
  /* (the disc's corner where the band meets the block reaches a little higher) */
  CHECK(far == 0, "%ld pixels of the band and line more than 10 px up in the body", far);
  CHECK(outside == 0, "%ld pixels off the covering in the body", outside);
}

/* The body's box of a 100 x 60 covering with a 3-px loop running 80 px up
 * from its corner (the covering's box: 140 px tall) is the block's box; a
 * covering that is only a 2-px line has no body. */
static void test_body_box(void) {
  enum { W = 160, H = 180 };
  static unsigned char m[W * H];
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      m[y * W + x] = (x >= 30 && x < 130 && y >= 100 && y < 160) || (x >= 30 && x < 33 && y >= 20 && y < 100);
  int x0, y0, x1, y1;
  CHECK(unmask_hole_body_box(m, W, H, 140, &x0, &y0, &x1, &y1) == 1, "no body found");
  CHECK(x0 == 30 && y0 == 100 && x1 == 130 && y1 == 160, "body box %d,%d-%d,%d, not the block's 30,100-130,160", x0,
        y0, x1, y1);
  for (int i = 0; i < W * H; i++) m[i] = i % W >= 40 && i % W < 42 && i / W >= 10 && i / W < 150;
  CHECK(unmask_hole_body_box(m, W, H, 140, &x0, &y0, &x1, &y1) == 0, "a 2-px line has a body");
}

/* An opening by 1 px keeps a 5x5 square whole and removes a 1-px line. */
static void test_open(void) {
  enum { W = 20, H = 12 };
  unsigned char m[W * H] = {0};
  for (int y = 3; y < 8; y++)
    for (int x = 3; x < 8; x++) m[y * W + x] = 1;
  for (int x = 8; x < 18; x++) m[5 * W + x] = 1; /* a loop leaving the square */
  CHECK(unmask_hole_open(m, W, H, 1) == 0, "open failed");
  int square = 0, line = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      square += m[y * W + x] && x < 8;
      line += m[y * W + x] && x >= 8;
    }
  CHECK(square == 25 && line == 0, "opening kept %d square and %d line pixels", square, line);
}

/* A covering of 300 px with a 4-px loop found by colour: the detector's part
 * grows and feathers by a share of its size, the loop by at most 1.5 px.
 * Without the detector's part given, the loop grows as much as the
 * covering. */
static void test_job_loop_grow(void) {
  enum { W = 420, H = 420 };
  unsigned char *core = calloc((size_t)W * H, 1), *cov = calloc((size_t)W * H, 1);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      const int disc = hypot(x - 200.0, y - 260.0) < 150;
      const int loop = x >= 330 && x < 334 && y >= 30 && y < 200; /* runs up from the disc's edge */
      core[(size_t)y * W + x] = (unsigned char)disc;
      cov[(size_t)y * W + x] = (unsigned char)(disc || loop);
    }
  unmask_params p;
  unmask_params_default(&p);
  p.grow_px = 4, p.feather_px = 3;
  unmask_job a = {0}, b = {0};
  nets_error e = {0};
  CHECK(unmask_job_from_covering(cov, 0, 0, W, H, core, 0, 0, W, H, &p, W, H, 1.f, &a, &e) == 1 &&
            unmask_job_from_covering(cov, 0, 0, W, H, NULL, 0, 0, 0, 0, &p, W, H, 1.f, &b, &e) == 1,
        "jobs: %s", e.msg);
  if (!a.alpha || !b.alpha) return;
  /* alpha at image pixel (x, y) of a job */
#define ALPHA(j, px, py) ((px) >= (j).x && (py) >= (j).y && (px) < (j).x + (j).w && (py) < (j).y + (j).h \
                              ? (j).alpha[(size_t)((py) - (j).y) * (j).w + ((px) - (j).x)] : 0.f)
  const float beside_loop = ALPHA(a, 344, 80), beside_loop_old = ALPHA(b, 344, 80);
  const float on_loop = ALPHA(a, 331, 80), near_loop = ALPHA(a, 334, 80), off_loop = ALPHA(a, 337, 80);
  const float beside_disc = ALPHA(a, 200, 260 + 150 + 9); /* 9 px below the disc */
  CHECK(on_loop == 1.f && near_loop == 1.f, "the loop and 1 px beside it: alpha %g, %g", on_loop, near_loop);
  /* grown by at most 1.5 px (THIN_GROW) and feathered by 1.5, not by the user's 4 and 3 */
  CHECK(off_loop == 0.f, "4 px beside the loop: alpha %g (grown by the user's pixels)", off_loop);
  CHECK(beside_loop == 0.f, "10 px beside the loop: alpha %g (grown as the covering)", beside_loop);
  CHECK(beside_loop_old > 0.f, "without the detector's part the loop grows less than the covering (%g)",
        beside_loop_old);
  CHECK(beside_disc > 0.f, "9 px below the covering: alpha %g (its share of grow lost)", beside_disc);
#undef ALPHA
  printf("job alpha 10 px beside a loop: %.2f (%.2f grown as its covering), 9 px below the covering %.2f\n",
         beside_loop, beside_loop_old, beside_disc);
  free(a.alpha), free(b.alpha), free(core), free(cov);
}

/* The weight of the harmonic fill off the face: 1 outside the crop or the
 * body's widened box, 0 on the face, and a ramp over about a crop pixel at
 * the face's edge (4 full-scale pixels here), not a step. */
static void test_away_weight(void) {
  const int S = NETS_INPAINT_SIZE;
  unsigned char *face = malloc((size_t)S * S);
  for (int v = 0; v < S; v++)
    for (int u = 0; u < S; u++) face[v * S + u] = u < S / 2;
  unmask_job job;
  memset(&job, 0, sizeof job);
  job.bx = 0, job.by = 0, job.bw = 4 * S, job.bh = 4 * S;
  const double k = 0.25; /* 4 full-scale pixels per crop pixel, crop at (0, 0) */
  const int y = 2 * S;
  CHECK(unmask_fill_away_weight(&job, S, y, 0, 0, k, face) == 0.0f, "on the face: not 0");
  CHECK(unmask_fill_away_weight(&job, 3 * S, y, 0, 0, k, face) == 1.0f, "off the face: not 1");
  CHECK(unmask_fill_away_weight(&job, -3, y, 0, 0, k, face) == 1.0f, "outside the crop: not 1");
  CHECK(unmask_fill_away_weight(&job, S, y, 0, 0, k, NULL) == 0.0f, "without landmarks: not 0");
  job.bw = job.bh = S; /* the body's box widened by a tenth: up to 1.1 S */
  CHECK(unmask_fill_away_weight(&job, S + S / 5, S / 2, 0, 0, k, NULL) == 1.0f, "beyond the body's box: not 1");
  job.bw = job.bh = 4 * S;
  int between = 0, monotone = 1;
  float last = 0;
  for (int x = 2 * S - 8; x < 2 * S + 8; x++) {
    const float w = unmask_fill_away_weight(&job, x, y, 0, 0, k, face);
    between += w > 0.0f && w < 1.0f;
    monotone &= w >= last;
    last = w;
  }
  CHECK(between >= 3 && between <= 5 && monotone, "the face's edge: %d pixels between 0 and 1 (want about 4), %s",
        between, monotone ? "rising" : "not rising");
  free(face);
}

int main(void) {
  test_away_weight();
  test_distance();
  test_open();
  test_grow_like();
  test_grow_like_straps();
  test_grow_like_hint();
  test_body();
  test_body_box();
  test_grow_feather();
  test_dilate_components();
  test_job_loop_grow();
  return CHECK_DONE();
}
