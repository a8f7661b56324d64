#include "look-crops.h"

#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../io/image.h"
#include "../synth/crop.h"

/* The smallest crop a look enlarges: that of a covering of about
 * UNMASK_VERIFY_SMALL px. */
#define LOOK_MIN_SIDE 24
/* The share of crops left at full detail, as a large face's look is. */
#define LOOK_SHARP_SHARE 0.25f

/* rgb (S*S*3) shrunk to side x side and enlarged back, as the look reads a
 * small face's crop. */
static int soften(float *rgb, int S, int side, nets_error *err) {
  nets_image *im = nets_image_new(S, S, 3);
  nets_image *small = NULL, *back = NULL;
  if (im) {
    memcpy(im->data, rgb, sizeof(float) * 3 * S * S);
    small = nets_image_resize(im, side, side);
  }
  if (small) back = nets_image_resize(small, S, S);
  if (back) memcpy(rgb, back->data, sizeof(float) * 3 * S * S);
  const int ok = back != NULL;
  nets_image_free(im), nets_image_free(small), nets_image_free(back);
  return ok ? NETS_OK : nets_error_set(err, NETS_ERR_NOMEM, "look crop: out of memory");
}

int train_look_crop(unmask_synth *syn, uint64_t seed, uint64_t idx, float *rgb, float *target, float *weight,
                    nets_error *err) {
  const int S = TRAIN_LOOK_SIZE;
  const size_t n = (size_t)S * S;
  float *masked = malloc(sizeof(float) * 3 * n);
  if (!masked) return nets_error_set(err, NETS_ERR_NOMEM, "look crop: out of memory");
  int rc = unmask_synth_inpaint_sample(syn, 0, seed, idx >> 1, masked, target, rgb, weight, err);
  if (!rc && (idx & 1)) memset(target, 0, sizeof(float) * n); /* the bare face */
  else if (!rc) memcpy(rgb, masked, sizeof(float) * 3 * n);
  free(masked);
  if (rc) return rc;
  nets_rng r;
  nets_rng_seed(&r, seed * 0x9E3779B97F4A7C15ULL ^ (idx >> 1) ^ 0x5851F42D4C957F2DULL);
  if (nets_rng_uniform(&r) < LOOK_SHARP_SHARE) return NETS_OK;
  return soften(rgb, S, LOOK_MIN_SIDE + nets_rng_int(&r, S - LOOK_MIN_SIDE), err);
}

/* The scene a scene look is framed in: the evaluation's scene size. */
#define LOOK_SCENE_SIDE 256
#define LOOK_SCENE_MAX 32
/* a look-alike with fewer pixels showing is not framed */
#define LOOK_ALIKE_MIN_PX 20

int train_scene_look_crop(unmask_synth *syn, uint64_t seed, uint64_t idx, float *rgb, float *target, float *weight,
                          nets_error *err) {
  const int W = LOOK_SCENE_SIDE, S = TRAIN_LOOK_SIZE;
  const size_t n = (size_t)W * W;
  float *srgb = malloc(sizeof(float) * 3 * n), *scov = malloc(sizeof(float) * n);
  unmask_box boxes[LOOK_SCENE_MAX];
  unmask_lookalike looks[LOOK_SCENE_MAX];
  unmask_scene_truth truth = {boxes, LOOK_SCENE_MAX, 0, looks, LOOK_SCENE_MAX, 0};
  int rc = !srgb || !scov ? nets_error_set(err, NETS_ERR_NOMEM, "look crop: out of memory")
                          : unmask_synth_scene_truth(syn, 0, 0, seed ^ 0x4C4F4F4BULL, idx, W, W, srgb, scov, NULL,
                                                     &truth, err);
  if (rc) {
    free(srgb), free(scov);
    return rc;
  }
  nets_rng r;
  nets_rng_seed(&r, seed * 0x2545F4914F6CDD1DULL ^ idx ^ 0x3C6EF372FE94F82BULL);
  int alike[LOOK_SCENE_MAX], n_alike = 0;
  for (int k = 0; k < truth.n_looks; k++)
    if (looks[k].shown >= LOOK_ALIKE_MIN_PX) alike[n_alike++] = k;
  double bx, by, bw, bh;
  const float u = nets_rng_uniform(&r);
  if (truth.n_boxes && (u < 0.4f || !n_alike)) { /* a covering, as the map finds it */
    const unmask_box *b = &boxes[nets_rng_int(&r, truth.n_boxes)];
    bx = b->x, by = b->y, bw = b->w, bh = b->h;
  } else if (n_alike && u < 0.8f) { /* a look-alike */
    const unmask_lookalike *a = &looks[alike[nets_rng_int(&r, n_alike)]];
    bx = a->x, by = a->y, bw = a->w, bh = a->h;
  } else { /* anywhere: a patch of texture, a sign, a badge */
    bw = 8 + nets_rng_uniform(&r) * 56, bh = bw * (0.5 + 0.7 * nets_rng_uniform(&r));
    bx = nets_rng_uniform(&r) * (W - bw), by = nets_rng_uniform(&r) * (W - bh);
  }
  /* the map's box is seldom the true one: up to a fifth of its size off */
  const double jw = bw * 0.2 * (2 * nets_rng_uniform(&r) - 1), jh = bh * 0.2 * (2 * nets_rng_uniform(&r) - 1);
  bx += 0.1 * bw * (2 * nets_rng_uniform(&r) - 1), by += 0.1 * bh * (2 * nets_rng_uniform(&r) - 1);
  bw += jw, bh += jh;
  if (bw < 2) bw = 2;
  if (bh < 2) bh = 2;
  double cx, cy, side;
  unmask_crop_from_hole_box(bx, by, bw, bh, &cx, &cy, &side);
  unmask_crop_read(srgb, W, W, 3, cx, cy, side, S, rgb);
  unmask_crop_read(scov, W, W, 1, cx, cy, side, S, target);
  int x0, y0, x1, y1;
  unmask_crop_inside(W, W, cx, cy, side, S, &x0, &y0, &x1, &y1);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++) weight[(size_t)y * S + x] = x >= x0 && x < x1 && y >= y0 && y < y1;
  free(srgb), free(scov);
  return NETS_OK;
}
