/* Splitting touching coverings: two masks that touch (faces side by side, one
 * head in front of another) form one connected component with a neck.  The
 * cores of the component -- pixels at least half the largest distance from
 * its edge -- are then separate; every pixel goes to the core it reaches
 * first through the component (a geodesic Voronoi split).  Where the
 * probability map itself dips between two masks, that valley parts them
 * first (nets_split_valleys): it also splits masks that meet without a neck. */
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

/* Gives `label` to the 4-connected region of pixels with v >= level and
 * part 0 that holds pixel s; queue receives its pixels.  Returns their
 * number, and the highest v among them in *peak. */
static int region(const float *v, float level, int w, int h, int s, int label, int *part, int *queue,
                  float *peak) {
  int head = 0, tail = 0;
  *peak = v[s];
  queue[tail++] = s;
  part[s] = label;
  while (head < tail) {
    const int i = queue[head++], x = i % w, y = i / w;
    if (v[i] > *peak) *peak = v[i];
    const int nb[4] = {x ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y ? i - w : -1, y + 1 < h ? i + w : -1};
    for (int k = 0; k < 4; k++)
      if (nb[k] >= 0 && part[nb[k]] == 0 && v[nb[k]] >= level) part[nb[k]] = label, queue[tail++] = nb[k];
  }
  return tail;
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
      float peak;
      const int tail = region(d, core, w, h, (int)s, parts + 1, part, queue, &peak);
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

/* ---- Splitting at valleys of the probability map ---------------------- */

/* A queue of pixels by probability, highest first, in 256 levels (FIFO
 * within a level): each pixel is pushed at most once. */
#define LEVELS 256
typedef struct {
  int *next; /* per pixel: the next in its level */
  int first[LEVELS], last[LEVELS], top, n;
} levels;

static int level_of(float p) {
  const int l = (int)(p * (LEVELS - 1) + 0.5f);
  return l < 0 ? 0 : l >= LEVELS ? LEVELS - 1 : l;
}

static void levels_push(levels *q, int i, float p) {
  const int l = level_of(p);
  q->next[i] = -1;
  if (q->last[l] >= 0) q->next[q->last[l]] = i;
  else q->first[l] = i;
  q->last[l] = i;
  if (l > q->top) q->top = l;
  q->n++;
}

static int levels_pop(levels *q) {
  while (q->first[q->top] < 0) q->top--;
  const int i = q->first[q->top];
  q->first[q->top] = q->next[i];
  if (q->first[q->top] < 0) q->last[q->top] = -1;
  q->n--;
  return i;
}

static int root(int *u, int a) {
  while (u[a] != a) a = u[a] = u[u[a]];
  return a;
}

int nets_split_valleys(const float *prob, const unsigned char *m, int w, int h, float seed,
                       float depth, int min_seed, int max_parts, int *part) {
  const size_t n = (size_t)w * h;
  enum { MAXS = 64 };
  int *queue = malloc(n * sizeof *queue);
  if (!queue || max_parts < 1) {
    free(queue);
    return -1;
  }
  float peak[MAXS + 1] = {0};
  int uf[MAXS + 1], seeds = 0;
  for (size_t i = 0; i < n; i++) part[i] = m[i] ? 0 : -1;
  /* seeds: 4-connected parts of prob >= seed of at least min_seed pixels */
  for (size_t s = 0; s < n && seeds < MAXS; s++) {
    if (part[s] != 0 || prob[s] < seed) continue;
    const int label = seeds + 1;
    const int tail = region(prob, seed, w, h, (int)s, label, part, queue, &peak[label]);
    if (tail >= min_seed) {
      seeds++;
    } else {
      for (int q = 0; q < tail; q++) part[queue[q]] = -2;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (part[i] == -2) part[i] = 0;
  if (seeds < 2) {
    for (size_t i = 0; i < n; i++) part[i] = m[i] && seeds ? 1 : 0;
    free(queue);
    return seeds;
  }
  /* flood from the seeds, highest probability first; where two floods meet
   * at level p, the pass between them is p: the first meeting is the highest */
  float pass[MAXS + 1][MAXS + 1];
  for (int a = 0; a <= MAXS; a++)
    for (int b = 0; b <= MAXS; b++) pass[a][b] = -1;
  levels q = {.next = queue, .top = 0, .n = 0}; /* the seed search is done with queue */
  for (int l = 0; l < LEVELS; l++) q.first[l] = q.last[l] = -1;
  for (size_t i = 0; i < n; i++)
    if (part[i] > 0) levels_push(&q, (int)i, prob[i]);
  while (q.n) {
    const int i = levels_pop(&q), x = i % w, y = i / w, a = part[i];
    const int nb[4] = {x ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y ? i - w : -1, y + 1 < h ? i + w : -1};
    for (int k = 0; k < 4; k++) {
      if (nb[k] < 0 || part[nb[k]] < 0) continue;
      const int b = part[nb[k]];
      if (b == 0) {
        part[nb[k]] = a;
        levels_push(&q, nb[k], prob[nb[k]]);
      } else if (b != a) {
        const float p = prob[i] < prob[nb[k]] ? prob[i] : prob[nb[k]];
        if (p > pass[a][b]) pass[a][b] = pass[b][a] = p;
      }
    }
  }
  /* merge floods whose pass is less than `depth` below the lower peak */
  for (int a = 1; a <= seeds; a++) uf[a] = a;
  for (int a = 1; a <= seeds; a++)
    for (int b = a + 1; b <= seeds; b++) {
      if (pass[a][b] < 0) continue;
      const float low = peak[a] < peak[b] ? peak[a] : peak[b];
      if (low - pass[a][b] < depth) {
        int ra = root(uf, a), rb = root(uf, b);
        if (ra != rb) uf[ra > rb ? ra : rb] = ra < rb ? ra : rb;
      }
    }
  int map[MAXS + 1] = {0}, parts = 0;
  for (int a = 1; a <= seeds; a++)
    if (root(uf, a) == a) map[a] = parts < max_parts ? ++parts : 1;
  for (size_t i = 0; i < n; i++) part[i] = part[i] > 0 ? map[root(uf, part[i])] : 0;
  free(queue);
  return parts;
}
