/* Hard-scene replay for the detector's training (--replay): a pool of the
 * training scenes with the highest loss, by index.  A scene is drawn again
 * from its index alone (the synthesis and the augmentation are seeded by
 * it), so the pool holds no pixels. */
#ifndef TRAIN_REPLAY_H
#define TRAIN_REPLAY_H

#include <stdint.h>

typedef struct {
  uint64_t idx; /* the scene's index in the run's data stream */
  float loss;   /* its loss when last drawn */
  int uses;     /* how often it has been drawn again */
} train_replay_entry;

typedef struct {
  train_replay_entry *e;
  int n, cap, max_uses;
  uint64_t rng;
} train_replay;

/* A pool of at most cap scenes, each drawn again at most max_uses times (a
 * scene it cannot learn, such as a covering hidden behind another face,
 * would otherwise stay in the pool for good).  Returns 0 or NETS_ERR_NOMEM. */
int train_replay_init(train_replay *r, int cap, int max_uses, uint64_t seed);
void train_replay_free(train_replay *r);

/* Takes a scene out of the pool at random: 1 and *e, or 0 if it is empty. */
int train_replay_take(train_replay *r, train_replay_entry *e);

/* Offers a scene just trained on, with its loss and how often it has been
 * drawn again: it goes in if there is room, or in place of the pool's easiest
 * scene if it is harder; a scene drawn max_uses times again stays out. */
void train_replay_offer(train_replay *r, uint64_t idx, float loss, int uses);

#endif
