/* Seeded random numbers (xoshiro256**), repeatable across machines. */
#ifndef NETS_RNG_H
#define NETS_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
  int has_spare;
  float spare;
} nets_rng;

uint64_t nets_splitmix64(uint64_t *state);
void nets_rng_seed(nets_rng *r, uint64_t seed);
uint64_t nets_rng_next(nets_rng *r);
float nets_rng_uniform(nets_rng *r);             /* [0, 1) */
float nets_rng_range(nets_rng *r, float lo, float hi);
int nets_rng_int(nets_rng *r, int n);            /* [0, n) */
float nets_rng_normal(nets_rng *r);              /* N(0, 1) */

#endif
