/* Boxes from a probability map: 4-connected components by two-pass labelling
 * with union-find, kept by hysteresis (their peak must reach the seed level). */
#include <stdlib.h>
#include <string.h>

#include "models.h"

static int find(int *parent, int a) {
  while (parent[a] != a) a = parent[a] = parent[parent[a]];
  return a;
}

static int cmp_score(const void *a, const void *b) {
  float sa = ((const nets_det_box *)a)->score, sb = ((const nets_det_box *)b)->score;
  return (sa < sb) - (sa > sb);
}

int nets_detector_boxes(const float *prob, int w, int h, float threshold, float seed,
                        long min_area, nets_det_box *boxes, int max_boxes, int *labels) {
  const size_t n = (size_t)w * h;
  int *lab = labels ? labels : malloc(n * sizeof *lab);
  int *parent = malloc((n / 2 + 2) * sizeof *parent);
  if (!lab || !parent) {
    if (!labels) free(lab);
    free(parent);
    return 0;
  }
  int next = 1;
  parent[0] = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const size_t i = (size_t)y * w + x;
      if (prob[i] < threshold) { lab[i] = 0; continue; }
      int l = x ? lab[i - 1] : 0, u = y ? lab[i - w] : 0;
      if (!l && !u) {
        if ((size_t)next >= n / 2 + 1) { lab[i] = 0; continue; } /* cannot happen for 4-conn */
        parent[next] = next;
        lab[i] = next++;
      } else if (l && u) {
        int a = find(parent, l), b = find(parent, u);
        if (a != b) parent[a > b ? a : b] = a < b ? a : b;
        lab[i] = a < b ? a : b;
      } else {
        lab[i] = l ? l : u;
      }
    }
  /* resolve roots and gather statistics per root */
  typedef struct { int x0, y0, x1, y1; double sum; float peak; long area; } stat;
  stat *st = calloc((size_t)next, sizeof *st);
  int *remap = calloc((size_t)next, sizeof *remap);
  int count = 0;
  if (st && remap) {
    for (int k = 1; k < next; k++) {
      st[k].x0 = w; st[k].y0 = h; st[k].x1 = -1; st[k].y1 = -1;
    }
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        const size_t i = (size_t)y * w + x;
        if (!lab[i]) continue;
        int r = find(parent, lab[i]);
        lab[i] = r;
        stat *s = &st[r];
        if (x < s->x0) s->x0 = x;
        if (x > s->x1) s->x1 = x;
        if (y < s->y0) s->y0 = y;
        if (y > s->y1) s->y1 = y;
        s->sum += prob[i];
        if (prob[i] > s->peak) s->peak = prob[i];
        s->area++;
      }
    nets_det_box *all = malloc((size_t)next * sizeof *all);
    int m = 0;
    for (int k = 1; all && k < next; k++) {
      if (st[k].area == 0 || st[k].area < min_area || st[k].peak < seed) continue;
      all[m] = (nets_det_box){st[k].x0, st[k].y0, st[k].x1 - st[k].x0 + 1, st[k].y1 - st[k].y0 + 1,
                              (float)(st[k].sum / st[k].area), st[k].area, k};
      m++;
    }
    if (all) {
      qsort(all, (size_t)m, sizeof *all, cmp_score);
      count = m < max_boxes ? m : max_boxes;
      /* relabel: kept components 1..count, the rest 0 */
      for (int i = 0; i < count; i++) {
        remap[all[i].label] = i + 1;
        all[i].label = i + 1;
        if (boxes) boxes[i] = all[i];
      }
      for (size_t i = 0; i < n; i++) lab[i] = lab[i] ? remap[lab[i]] : 0;
      free(all);
    }
  }
  free(st);
  free(remap);
  free(parent);
  if (!labels) free(lab);
  return count;
}

void nets_detector_levels(double sensitivity, float *threshold, float *seed) {
  const double s = sensitivity > 0 && sensitivity < 1 ? sensitivity : 0.5;
  double hi = 1.0 - 0.6 * s, lo = hi - 0.25;
  *seed = (float)(hi > 0.98 ? 0.98 : hi);
  *threshold = (float)(lo < 0.02 ? 0.02 : lo);
}
