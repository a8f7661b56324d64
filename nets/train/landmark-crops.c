#include "landmark-crops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/arch.h"
#include "../pipeline/hole.h"

int landmark_batch_init(landmark_batch *b, int n, int grow, nets_error *err) {
  const size_t hw = (size_t)NETS_INPAINT_SIZE * NETS_INPAINT_SIZE;
  memset(b, 0, sizeof *b);
  b->n = n, b->grow = grow;
  b->masked = malloc(sizeof(float) * n * hw * 3);
  b->orig = malloc(sizeof(float) * n * hw * 3);
  b->hole = malloc(sizeof(float) * n * hw);
  b->lm = malloc(sizeof(float) * n * 136);
  b->x = malloc(sizeof(float) * n * hw * 4);
  b->hole8 = malloc(hw);
  if (b->masked && b->orig && b->hole && b->lm && b->x && b->hole8) return NETS_OK;
  landmark_batch_free(b);
  return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
}

void landmark_batch_free(landmark_batch *b) {
  free(b->masked), free(b->orig), free(b->hole), free(b->lm), free(b->x), free(b->hole8);
  memset(b, 0, sizeof *b);
}

int landmark_batch_make(unmask_synth *syn, int split, uint64_t seed, uint64_t first, landmark_batch *b,
                        nets_error *err) {
  const int s = NETS_INPAINT_SIZE, hw = s * s;
  for (int i = 0; i < b->n; i++) {
    float *m = b->masked + (size_t)i * hw * 3, *h = b->hole + (size_t)i * hw;
    int rc = unmask_synth_inpaint_sample_ex(syn, split, seed, first + i, m, h, b->orig + (size_t)i * hw * 3, NULL,
                                            NULL, b->lm + (size_t)i * 136, err);
    if (rc) return rc;
    const int r = (int)(((first + i) * 0xD1B54A32D192ED03ULL >> 40) % (unsigned)(b->grow + 1));
    if (r > 0) {
      for (int p = 0; p < hw; p++) b->hole8[p] = h[p] > 0.5f;
      if (unmask_hole_dilate(b->hole8, s, s, r)) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
      for (int p = 0; p < hw; p++) h[p] = b->hole8[p];
    }
    inpainter_pack(m, h, NULL, 4, s, b->x + (size_t)i * 4 * hw);
  }
  return NETS_OK;
}

void landmark_target(const float *lm, float *target) {
  const float lo = 0.5f * (LANDMARKER_CELL - 1), hi = NETS_INPAINT_SIZE - 1 - lo;
  for (int k = 0; k < 136; k++) target[k] = lm[k] < lo ? lo : (lm[k] > hi ? hi : lm[k]);
}

int landmark_group(int point) {
  return point <= 16 ? LANDMARK_JAW
         : point >= 27 && point <= 35 ? LANDMARK_NOSE
         : point >= 48 ? LANDMARK_LIPS
                       : LANDMARK_EYES;
}

float landmark_error_hidden(const float *xy, const float *target) {
  double sum = 0;
  int n = 0;
  for (int k = 0; k < 68; k++)
    if (landmark_group(k) != LANDMARK_EYES) {
      sum += fabs(xy[2 * k] - target[2 * k]) + fabs(xy[2 * k + 1] - target[2 * k + 1]);
      n++;
    }
  return (float)(sum / n);
}
