#include "look-crops.h"

#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../io/image.h"

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
