/* Hard-scene replay pool: see replay.h. */
#include "replay.h"

#include <stdlib.h>

#include "../core/nets-error.h"

int train_replay_init(train_replay *r, int cap, int max_uses, uint64_t seed) {
  r->e = cap > 0 ? malloc(sizeof(train_replay_entry) * (size_t)cap) : NULL;
  r->n = 0;
  r->cap = r->e ? cap : 0;
  r->max_uses = max_uses;
  r->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
  return cap > 0 && !r->e ? NETS_ERR_NOMEM : 0;
}

void train_replay_free(train_replay *r) {
  free(r->e);
  r->e = NULL;
  r->n = r->cap = 0;
}

static uint64_t next(train_replay *r) { /* xorshift64* */
  r->rng ^= r->rng >> 12, r->rng ^= r->rng << 25, r->rng ^= r->rng >> 27;
  return r->rng * 2685821657736338717ULL;
}

int train_replay_take(train_replay *r, train_replay_entry *e) {
  if (r->n == 0) return 0;
  const int k = (int)(next(r) % (uint64_t)r->n);
  *e = r->e[k];
  r->e[k] = r->e[--r->n];
  return 1;
}

void train_replay_offer(train_replay *r, uint64_t idx, float loss, int uses) {
  if (uses >= r->max_uses || r->cap == 0) return;
  const train_replay_entry in = {idx, loss, uses};
  if (r->n < r->cap) {
    r->e[r->n++] = in;
    return;
  }
  int easiest = 0;
  for (int k = 1; k < r->n; k++)
    if (r->e[k].loss < r->e[easiest].loss) easiest = k;
  if (loss > r->e[easiest].loss) r->e[easiest] = in;
}
