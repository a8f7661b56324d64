/* The detector's training targets on ear loops and straps: a loop of 1-2
 * px fills a quarter to a half of the map's 2x2 cells, so the map's target
 * there (the covered share) sits at or under the threshold, and the loop
 * is drawn faintly or not at all.  With --loop-weight the cells a loop
 * passes through count as covered, and weigh more. */
#include "loop-targets.h"

#include <stdlib.h>

#include "../core/nets-error.h"
#include "../pipeline/hole.h"

int train_loop_targets(const float *cov, int w, int h, int f, float weight, float *t, float *wmap) {
  const size_t n = (size_t)w * h;
  unsigned char *open = malloc(n); /* the covering, then its opening */
  if (!open) return NETS_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) open[i] = cov[i] >= 0.5f;
  const int rc = unmask_hole_open(open, w, h, 1);
  const int ow = w / f, oh = h / f;
  for (int y = 0; !rc && y < oh * f; y++)
    for (int x = 0; x < ow * f; x++) {
      const size_t i = (size_t)y * w + x;
      if (cov[i] < 0.5f || open[i]) continue; /* not a thin part */
      const size_t c = (size_t)(y / f) * ow + x / f;
      t[c] = 1.f;
      if (wmap[c] < weight) wmap[c] = weight;
    }
  free(open);
  return rc;
}
