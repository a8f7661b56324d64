/* Batches of masked crops with their true landmarks, for the landmark
 * predictor's trainer and its evaluation. */
#ifndef TRAIN_LANDMARK_CROPS_H
#define TRAIN_LANDMARK_CROPS_H

#include <stdint.h>

#include "../core/nets-error.h"
#include "../synth/synth.h"

typedef struct {
  int n, grow;                  /* crops; holes grow by 0..grow px */
  float *masked, *hole, *orig;  /* per crop HWC / S*S, as the synthesis gives them */
  float *lm;                    /* per crop 68 points (136 floats), crop pixels */
  float *x;                     /* the network's input, NCHW */
  unsigned char *hole8;         /* scratch */
} landmark_batch;

int landmark_batch_init(landmark_batch *b, int n, int grow, nets_error *err);
void landmark_batch_free(landmark_batch *b);
/* Crops first..first+n-1 of split (0 training faces, 1 held-out), each hole
 * grown by a number of pixels that its index fixes. */
int landmark_batch_make(unmask_synth *syn, int split, uint64_t seed, uint64_t first, landmark_batch *b,
                        nets_error *err);
/* True points -> the loss's targets: clamped to where a soft-argmax over
 * the network's maps can reach. */
void landmark_target(const float *lm, float *target);
/* The point groups of the 68-point scheme that the evaluation reports:
 * jaw, nose and lips (hidden by a mask), eyes and brows. */
enum { LANDMARK_JAW, LANDMARK_NOSE, LANDMARK_LIPS, LANDMARK_EYES, LANDMARK_GROUPS };
int landmark_group(int point);
/* Mean |dx| + |dy| over the points a mask hides (jaw, nose, lips). */
float landmark_error_hidden(const float *xy, const float *target);

#endif
