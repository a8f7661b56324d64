/* Splitting touching coverings: two masks that touch (faces side by side, one
 * head in front of another) form one connected component with a neck.  The
 * cores of the component -- pixels at least half the largest distance from
 * its edge -- are then separate; every pixel goes to the core it reaches
 * first through the component (a geodesic Voronoi split). */
#include <stdlib.h>

#include "split.h"

/* Chamfer (1, sqrt 2) distance to the nearest pixel outside m; the frame of
 * the w x h box counts as outside. */
static void distance(const unsigned char *m, int w, int h, float *d) {
  const float big = 1e9f, diag = 1.41421356f;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const size_t i = (size_t)y * w + x;
      if (!m[i]) { d[i] = 0; continue; }
      float v = big;
      float up = y ? d[i - w] : 0, left = x ? d[i - 1] : 0;
      float ul = x && y ? d[i - w - 1] : 0, ur = y && x + 1 < w ? d[i - w + 1] : 0;
      if (up + 1 < v) v = up + 1;
      if (left + 1 < v) v = left + 1;
      if (ul + diag < v) v = ul + diag;
      if (ur + diag < v) v = ur + diag;
      d[i] = v;
    }
  for (int y = h - 1; y >= 0; y--)
    for (int x = w - 1; x >= 0; x--) {
      const size_t i = (size_t)y * w + x;
      if (!m[i]) continue;
      float v = d[i];
      float dn = y + 1 < h ? d[i + w] : 0, rt = x + 1 < w ? d[i + 1] : 0;
      float dr = x + 1 < w && y + 1 < h ? d[i + w + 1] : 0, dl = x && y + 1 < h ? d[i + w - 1] : 0;
      if (dn + 1 < v) v = dn + 1;
      if (rt + 1 < v) v = rt + 1;
      if (dr + diag < v) v = dr + diag;
      if (dl + diag < v) v = dl + diag;
      d[i] = v;
    }
}

int nets_split_component(const unsigned char *m, int w, int h, int max_parts, int *part) {
  const size_t n = (size_t)w * h;
  float *d = malloc(n * sizeof *d);
  int *queue = malloc(n * sizeof *queue);
  if (!d || !queue || max_parts < 1) {
    free(d), free(queue);
    return -1;
  }
  distance(m, w, h, d);
  float dmax = 0;
  for (size_t i = 0; i < n; i++)
    if (d[i] > dmax) dmax = d[i];
  for (size_t i = 0; i < n; i++) part[i] = m[i] ? 0 : -1;
  int parts = 0;
  if (dmax >= NETS_SPLIT_MIN_DEPTH) {
    /* cores: 4-connected parts of d >= half the depth; only those reaching
     * 0.7 of it count (a shallow bump of the outline is not a second mask) */
    const float core = 0.5f * dmax, deep = 0.7f * dmax;
    for (size_t s = 0; s < n && parts < max_parts; s++) {
      if (d[s] < core || part[s] != 0) continue;
      int head = 0, tail = 0, label = parts + 1;
      float peak = 0;
      queue[tail++] = (int)s;
      part[s] = label;
      while (head < tail) {
        const int i = queue[head++], x = i % w, y = i / w;
        if (d[i] > peak) peak = d[i];
        const int nb[4] = {x ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y ? i - w : -1, y + 1 < h ? i + w : -1};
        for (int k = 0; k < 4; k++)
          if (nb[k] >= 0 && part[nb[k]] == 0 && d[nb[k]] >= core) part[nb[k]] = label, queue[tail++] = nb[k];
      }
      if (peak >= deep) {
        parts++;
      } else { /* too shallow: not a core; -2 marks it seen until the end */
        for (int q = 0; q < tail; q++) part[queue[q]] = -2;
      }
    }
    for (size_t i = 0; i < n; i++)
      if (part[i] == -2) part[i] = 0;
  }
  if (parts < 2) {
    for (size_t i = 0; i < n; i++) part[i] = m[i] ? 1 : 0;
    free(d), free(queue);
    return 1;
  }
  /* geodesic Voronoi: breadth-first from all cores at once */
  int head = 0, tail = 0;
  for (size_t i = 0; i < n; i++)
    if (part[i] > 0) queue[tail++] = (int)i;
  while (head < tail) {
    const int i = queue[head++], x = i % w, y = i / w;
    const int nb[4] = {x ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y ? i - w : -1, y + 1 < h ? i + w : -1};
    for (int k = 0; k < 4; k++)
      if (nb[k] >= 0 && part[nb[k]] == 0) part[nb[k]] = part[i], queue[tail++] = nb[k];
  }
  for (size_t i = 0; i < n; i++)
    if (part[i] < 0) part[i] = 0;
  free(d), free(queue);
  return parts;
}
