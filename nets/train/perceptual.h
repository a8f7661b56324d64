/* Feature losses for the inpainter's trainer: L1 between a network's
 * features of the completed crops and of the real ones.  The perceptual
 * loss takes the features of the (frozen) mask detector, which has learnt
 * what the lower half of a face looks like. */
#ifndef UNMASK_PERCEPTUAL_H
#define UNMASK_PERCEPTUAL_H

#include <stddef.h>

#include "../core/nets-error.h"
#include "../models/arch.h"

/* Mean |fake - real| over n values; writes k * sign(fake - real) to gfake. */
float train_feature_l1(const float *real, const float *fake, size_t n, float k, float *gfake);

typedef struct {
  detector_net net;
  int batch, size;
  float *in;      /* 2 * batch crops: real, then fake */
  float *grad[3]; /* d loss / d feature, for all 2 * batch crops */
} train_perceptual;

/* Loads the detector weights at `path`, for `batch` crops of size x size. */
int train_perceptual_init(train_perceptual *p, const char *path, int batch, int size,
                          nets_error *err);
/* real, fake: batch crops, NCHW RGB in [-1,1].  Returns the loss (the mean
 * of the three layers' L1) and adds weight * d loss / d fake, times hole
 * (batch x size x size, 1 = painted), to grad (NCHW). */
float train_perceptual_step(train_perceptual *p, const float *real, const float *fake,
                            const float *hole, float weight, float *grad, nets_error *err);
void train_perceptual_free(train_perceptual *p);

#endif
