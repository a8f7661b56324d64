#include "rng.h"

#include <math.h>

uint64_t nets_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void nets_rng_seed(nets_rng *r, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) r->s[i] = nets_splitmix64(&st);
  r->has_spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nets_rng_next(nets_rng *r) {
  uint64_t *s = r->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t; s[3] = rotl(s[3], 45);
  return result;
}

float nets_rng_uniform(nets_rng *r) { return (float)(nets_rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float nets_rng_range(nets_rng *r, float lo, float hi) { return lo + (hi - lo) * nets_rng_uniform(r); }

int nets_rng_int(nets_rng *r, int n) { return n <= 0 ? 0 : (int)(nets_rng_next(r) % (uint64_t)n); }

float nets_rng_normal(nets_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  float u1, u2;
  do u1 = nets_rng_uniform(r); while (u1 <= 1e-7f);
  u2 = nets_rng_uniform(r);
  const float m = sqrtf(-2.f * logf(u1));
  r->spare = m * sinf(6.2831853f * u2);
  r->has_spare = 1;
  return m * cosf(6.2831853f * u2);
}
