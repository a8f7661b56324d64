/* Training crops for the detector's second look (README, "How a covering
 * is found", step 3): the face crop that the pipeline reads around a
 * covering, at UNMASK_VERIFY_SIZE px.  A face 25-40 px wide gets a crop of
 * about 40 px, enlarged 3x or more: the detector, trained on whole scenes,
 * sees such soft faces rarely and scores their masks low and bare chins
 * high.  These crops are the inpainter's training crops (the same framing),
 * half with their mask (target: the mask) and half the same face bare
 * (target: nothing), shrunk to a face of that size and enlarged back. */
#ifndef TRAIN_LOOK_CROPS_H
#define TRAIN_LOOK_CROPS_H

#include <stdint.h>

#include "../core/nets-error.h"
#include "../models/models.h"
#include "../synth/synth.h"

/* The side of a look crop: the inpainter's crop, which the second look
 * frames as it does (UNMASK_VERIFY_SIZE). */
#define TRAIN_LOOK_SIZE NETS_INPAINT_SIZE

/* Crop number idx of the training faces' stream `seed`: rgb (S*S*3),
 * target (S*S, the covering's share of each pixel), weight (S*S: 1 inside
 * the photo, 0 where the crop reached past its edge), S = TRAIN_LOOK_SIZE.
 * Even idx shows the mask, odd idx the same face bare.  Returns 0 or a
 * negative nets error code. */
int train_look_crop(unmask_synth *syn, uint64_t seed, uint64_t idx, float *rgb, float *target, float *weight,
                    nets_error *err);

/* Crop number idx of a stream of training scenes (256 px, as evaluated),
 * framed as the second look frames a covering's box: the box of one of the
 * scene's coverings (40%), of a look-alike (hand, scarf, shirt patch, loose
 * fabric or sign; 40%, or more when the scene has no covering), or one
 * anywhere (8-64 px), each moved and resized by up to a fifth as the map's
 * boxes are.  target: the scene's coverings in the crop; weight: 1 inside
 * the scene.  The same arrays and return as train_look_crop. */
int train_scene_look_crop(unmask_synth *syn, uint64_t seed, uint64_t idx, float *rgb, float *target, float *weight,
                          nets_error *err);

#endif
