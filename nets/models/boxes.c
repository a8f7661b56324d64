/* Boxes from a probability map: 4-connected components by two-pass labelling
 * with union-find, kept by hysteresis (their peak must reach the seed level). */
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "split.h"

/* a covering splits into at most this many touching masks */
#define MAX_PARTS 6

static int find(int *parent, int a) {
  while (parent[a] != a) a = parent[a] = parent[parent[a]];
  return a;
}

static int cmp_score(const void *a, const void *b) {
  float sa = ((const nets_det_box *)a)->score, sb = ((const nets_det_box *)b)->score;
  return (sa < sb) - (sa > sb);
}

typedef struct {
  int x0, y0, x1, y1;
  double sum;
  float peak;
  long area;
} stat;

/* Statistics per label (0..n_labels-1).  With parent, labels are first
 * resolved to their union-find roots. */
static void gather(const float *prob, int *lab, int w, int h, int *parent, stat *st, int n_labels) {
  for (int k = 0; k < n_labels; k++) st[k] = (stat){w, h, -1, -1, 0, 0, 0};
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const size_t i = (size_t)y * w + x;
      if (!lab[i]) continue;
      if (parent) lab[i] = find(parent, lab[i]);
      stat *s = &st[lab[i]];
      if (x < s->x0) s->x0 = x;
      if (x > s->x1) s->x1 = x;
      if (y < s->y0) s->y0 = y;
      if (y > s->y1) s->y1 = y;
      s->sum += prob[i];
      if (prob[i] > s->peak) s->peak = prob[i];
      s->area++;
    }
}

/* A component that becomes a covering: big enough, and reaching the seed. */
static int kept(const stat *s, long min_area, float seed) {
  return s->area > 0 && s->area >= min_area && s->peak >= seed;
}

/* Valleys are broad: a component larger than this on its long side looks for
 * them on a coarser grid of about this size (cells of f x f pixels). */
#define VALLEY_GRID 256

/* Component m (bw x bh, probabilities pc) split at its valleys into part;
 * returns the number of parts (< 2: not split, and part means nothing), or -1. */
static int split_valleys(const float *pc, const unsigned char *m, int bw, int bh, float seed,
                         long min_seed, int *part) {
  const int f = 1 + ((bw > bh ? bw : bh) - 1) / VALLEY_GRID;
  if (f == 1) return nets_split_valleys(pc, m, bw, bh, seed, NETS_VALLEY_DEPTH, (int)min_seed, MAX_PARTS, part);
  const int cw = (bw + f - 1) / f, ch = (bh + f - 1) / f;
  float *cp = calloc((size_t)cw * ch, sizeof *cp);
  unsigned char *cm = calloc((size_t)cw * ch, 1);
  int *cnt = calloc((size_t)cw * ch, sizeof *cnt), *cpart = malloc(sizeof(int) * cw * ch);
  int parts = -1;
  if (cp && cm && cnt && cpart) {
    for (int y = 0; y < bh; y++) /* a cell: the mean probability of its pixels in m */
      for (int x = 0; x < bw; x++) {
        const size_t i = (size_t)y * bw + x, c = (size_t)(y / f) * cw + x / f;
        if (m[i]) cp[c] += pc[i], cnt[c]++, cm[c] = 1;
      }
    for (size_t c = 0; c < (size_t)cw * ch; c++)
      if (cnt[c]) cp[c] /= cnt[c];
    const long cs = min_seed / ((long)f * f);
    parts = nets_split_valleys(cp, cm, cw, ch, seed, NETS_VALLEY_DEPTH, cs > 1 ? (int)cs : 1, MAX_PARTS, cpart);
    for (int y = 0; parts > 1 && y < bh; y++)
      for (int x = 0; x < bw; x++) {
        const size_t i = (size_t)y * bw + x;
        part[i] = m[i] ? cpart[(size_t)(y / f) * cw + x / f] : 0;
      }
  }
  free(cp), free(cm), free(cnt), free(cpart);
  return parts;
}

/* Splits component k (statistics s) of lab into touching masks, where its
 * probability has a valley between two peaks, else where its shape has a
 * neck: its first part keeps label k, the others get labels next, next+1, ...
 * Returns the next free label. */
static int split(const float *prob, int *lab, int w, const stat *s, int k, int next, float seed,
                 long min_area) {
  const int bw = s->x1 - s->x0 + 1, bh = s->y1 - s->y0 + 1;
  unsigned char *m = malloc((size_t)bw * bh);
  int *part = malloc(sizeof(int) * bw * bh);
  float *pc = malloc(sizeof(float) * bw * bh);
  if (m && part && pc) {
    for (int y = 0; y < bh; y++)
      for (int x = 0; x < bw; x++) {
        m[(size_t)y * bw + x] = lab[(size_t)(s->y0 + y) * w + s->x0 + x] == k;
        pc[(size_t)y * bw + x] = prob[(size_t)(s->y0 + y) * w + s->x0 + x];
      }
    int parts = split_valleys(pc, m, bw, bh, seed, min_area > NETS_VALLEY_MIN_SEED ? min_area : NETS_VALLEY_MIN_SEED, part);
    if (parts < 2) parts = nets_split_component(m, bw, bh, MAX_PARTS, part);
    for (int y = 0; parts > 1 && y < bh; y++)
      for (int x = 0; x < bw; x++) {
        const int p = part[(size_t)y * bw + x];
        if (p > 1) lab[(size_t)(s->y0 + y) * w + s->x0 + x] = next + p - 2;
      }
    if (parts > 1) next += parts - 1;
  }
  free(m);
  free(part);
  free(pc);
  return next;
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
  /* resolve roots; statistics per label */
  stat *st = calloc((size_t)next, sizeof *st);
  int total = next, count = 0;
  int *remap = NULL;
  if (st) {
    gather(prob, lab, w, h, parent, st, next);
    /* split kept components made of touching masks; new labels follow `next` */
    int keep = 0;
    for (int k = 1; k < next; k++) keep += kept(&st[k], min_area, seed);
    stat *grown = realloc(st, sizeof *st * ((size_t)next + (size_t)keep * (MAX_PARTS - 1)));
    if (grown) {
      st = grown;
      for (int k = 1; k < next; k++)
        if (kept(&st[k], min_area, seed)) total = split(prob, lab, w, &st[k], k, total, seed, min_area);
      gather(prob, lab, w, h, NULL, st, total);
    }
    remap = calloc((size_t)total, sizeof *remap);
  }
  if (st && remap) {
    nets_det_box *all = malloc((size_t)total * sizeof *all);
    int m = 0;
    for (int k = 1; all && k < total; k++) {
      if (!kept(&st[k], min_area, seed)) continue;
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
