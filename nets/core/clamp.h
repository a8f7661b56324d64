/* Clamping of an int to a range, for the files that index pictures. */
#ifndef NETS_CLAMP_H
#define NETS_CLAMP_H

static inline int nets_clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

#endif
