/* Growing a detected covering over the thin parts next to it that have its
 * colours: ear loops, straps, and the rim that the detector's coarse map
 * (one cell per 4 view pixels) leaves at the covering's edge.
 *
 * Two colour histograms (BINS^3, trilinear splats) are made: one of the
 * covering's inner pixels, one of a ring of pixels around it.  A pixel near
 * the covering "looks like it" when the covering's histogram is K times the
 * ring's there.  The covering grows over such pixels (8-connected, within
 * reach() of it), and the additions that are wide (that survive an opening)
 * are dropped again, except for a rim of ring_from() at the edge: a wall or a
 * shirt of the mask's colour is not taken, a loop is.
 *
 * Ear loops run on farther than that, to the ears.  trace_straps() follows
 * them up to strap_reach(): thin lines with a colour step to both their
 * sides that have the covering's colours (above the covering's centre
 * only) or that the detector half sees (its map at HINT_MIN or more: a loop
 * in another light than the covering, or of a colour the covering's
 * histogram shares with the skin; a respirator's lower strap). */
#include "hole.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/nets-error.h"

#define BINS 12
#define K 2.5f /* covering / ring density ratio for "looks like the covering" */
#define STRAP_REACH 0.9 /* straps: how far from the covering, per its size */
#define STRAP_CONTRAST 0.08f /* straps: colour step to both sides (0..1 RGB) */
#define STRAP_MIN_SIZE 48.0 /* straps: smallest covering (px) to look for them */
#define HINT_MIN 0.4f /* straps: detector probability that vouches for a line */
#define HINT_STEP 0.15f /* straps it vouches for: colour step along the line */

/* The lengths, from the covering's larger side. */
static double inner_margin(double size) { return fmax(1.5, 0.04 * size); }
static double ring_from(double size) { return fmax(2.0, 0.03 * size); }
static double ring_to(double size) { return ring_from(size) + fmax(6.0, 0.15 * size); }
static double reach(double size) { return fmax(3.0, 0.2 * size); }
static int thin_radius(double size) { return (int)fmax(2.0, ceil(0.03 * size)); }
/* how far a strap may run on from the covering (ear loops reach the ears) */
static double strap_reach(double size) { return fmax(3.0, STRAP_REACH * size); }
/* shortest strap kept: shorter runs of line pixels are texture */
static double strap_min(double size) { return fmax(4.0, 0.12 * size); }

double unmask_hole_grow_like_reach(double size) {
  double a = ring_to(size), b = reach(size), c = size < STRAP_MIN_SIZE ? 0.0 : strap_reach(size);
  a = a > b ? a : b;
  return ceil(a > c ? a : c) + 1.0;
}

/* Trilinear position of one channel value in [0,1]. */
static void bin_of(float v, int *i0, float *t) {
  float f = (v < 0 ? 0 : v > 1 ? 1 : v) * (BINS - 1);
  int i = (int)f;
  if (i > BINS - 2) i = BINS - 2;
  *i0 = i;
  *t = f - i;
}

/* Adds (add != 0) the pixel's trilinear weights to hist, or returns the
 * trilinear interpolation of hist at the pixel. */
static float trilinear(float *hist, const float *px, int add) {
  int i[3];
  float t[3], acc = 0;
  for (int c = 0; c < 3; c++) bin_of(px[c], &i[c], &t[c]);
  for (int k = 0; k < 8; k++) {
    int a = k & 1, b = (k >> 1) & 1, c = (k >> 2) & 1;
    float wgt = (a ? t[0] : 1 - t[0]) * (b ? t[1] : 1 - t[1]) * (c ? t[2] : 1 - t[2]);
    size_t idx = ((size_t)(i[0] + a) * BINS + (i[1] + b)) * BINS + (i[2] + c);
    if (add) hist[idx] += wgt;
    else acc += wgt * hist[idx];
  }
  return acc;
}

static float colour_dist(const float *a, const float *b) {
  float s = 0;
  for (int c = 0; c < 3; c++) s += (a[c] - b[c]) * (a[c] - b[c]);
  return sqrtf(s);
}

/* How far the colour p is from every blend of a and b: small for a pixel on
 * an edge between them, the step to the nearer of the two beside a line. */
static float blend_dist(const float *p, const float *a, const float *b) {
  float ab2 = 0, t = 0, q[3];
  for (int c = 0; c < 3; c++) ab2 += (b[c] - a[c]) * (b[c] - a[c]), t += (p[c] - a[c]) * (b[c] - a[c]);
  t = ab2 > 0 ? t / ab2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  for (int c = 0; c < 3; c++) q[c] = a[c] + t * (b[c] - a[c]);
  return colour_dist(p, q);
}

/* Whether the pixel (x, y) is part of a thin line across some direction,
 * compared with the pixels r away on both sides.  With hc: its colour steps
 * by STRAP_CONTRAST or more to both, those two are alike (the step between
 * them is smaller), and the covering's histogram has the pixel's colour (at
 * density pc in hc) at least K times as often as either side's.  Without:
 * its colour is STRAP_CONTRAST or more from every blend of the two, so a
 * loop along the edge between hair and skin counts too. */
static int strap_pixel(const float *rgba, int w, int h, int x, int y, int r, float *hc, float pc) {
  static const int dir[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
  const float *p = rgba + ((size_t)y * w + x) * 4;
  for (int d = 0; d < 4; d++) {
    const int k = d < 2 ? r : (int)lround(r * 0.7071);
    const int ax = x + k * dir[d][0], ay = y + k * dir[d][1];
    const int bx = x - k * dir[d][0], by = y - k * dir[d][1];
    if (ax < 0 || ay < 0 || ax >= w || ay >= h || bx < 0 || by < 0 || bx >= w || by >= h) continue;
    const float *a = rgba + ((size_t)ay * w + ax) * 4, *b = rgba + ((size_t)by * w + bx) * 4;
    if (!hc) {
      if (blend_dist(p, a, b) >= STRAP_CONTRAST) return 1;
      continue;
    }
    const float da = colour_dist(p, a), db = colour_dist(p, b);
    if ((da < db ? da : db) - colour_dist(a, b) < STRAP_CONTRAST) continue;
    const float ca = trilinear(hc, a, 0), cb = trilinear(hc, b, 0);
    if (pc >= K * ca && pc >= K * cb) return 1;
  }
  return 0;
}

/* What a growth looks at: the pixels and the covering's colours. */
typedef struct {
  const float *rgba;
  int w, h;
  float *hc, *hr, floor_density;
  const float *hint; /* the detector's probability, or NULL */
  const unsigned char *marks; /* straps: the growth's marks so far */
  const float *dout; /* distance to the covering */
  int r;             /* straps: how far to each side a line is compared */
  double cy, gap;    /* straps of its colours: not below row cy; crossing within gap */
} grow_ctx;

/* The mark a growth gives pixel j (x, y), reached from pixel from: 0 leaves
 * it out. */
typedef unsigned char (*grow_take)(const grow_ctx *g, int x, int y, size_t j, size_t from);

/* Breadth-first growth from every pixel of mask over the 8-neighbours j
 * within R of the covering (dout) that take() marks: add[j] gets the mark.
 * queue: room for w*h indices. */
static void grow_from(const unsigned char *mask, const grow_ctx *g, double R, grow_take take,
                      unsigned char *add, size_t *queue) {
  const int w = g->w, h = g->h;
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < (size_t)w * h; i++)
    if (mask[i]) queue[tail++] = i;
  while (head < tail) {
    size_t i = queue[head++];
    int x = (int)(i % w), y = (int)(i / w);
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++) {
        int nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        size_t j = (size_t)ny * w + nx;
        if (mask[j] || add[j] || g->dout[j] > R) continue;
        if (!(add[j] = take(g, nx, ny, j, i))) continue;
        queue[tail++] = j;
      }
  }
}

/* The rim and near loops: pixels that look like the covering, not its ring. */
static unsigned char take_like(const grow_ctx *g, int x, int y, size_t j, size_t from) {
  (void)x, (void)y, (void)from;
  float pc = trilinear(g->hc, g->rgba + j * 4, 0), pr = trilinear(g->hr, g->rgba + j * 4, 0);
  return pc >= g->floor_density && pc >= K * pr;
}

/* Straps: 1 on a thin line of the covering's colours above row cy, or, at
 * any height, on a thin line where the detector's map reaches HINT_MIN and
 * that goes on in the colour of the strap pixel it comes from (within
 * HINT_STEP: not off its side into hair; the lower strap of a respirator
 * runs back below the covering's centre, and the detector does not mark a
 * collar or a tie); 2 (crossed, not taken) within gap of the covering, as
 * a strap may start a little off its edge. */
static unsigned char take_strap(const grow_ctx *g, int x, int y, size_t j, size_t from) {
  const float *p = g->rgba + j * 4;
  if (y <= g->cy) {
    const float pc = trilinear(g->hc, p, 0);
    if (pc >= g->floor_density && strap_pixel(g->rgba, g->w, g->h, x, y, g->r, g->hc, pc)) return 1;
  }
  if (g->hint && g->hint[j] >= HINT_MIN && (g->marks[from] != 1 || colour_dist(p, g->rgba + from * 4) <= HINT_STEP) &&
      strap_pixel(g->rgba, g->w, g->h, x, y, g->r, NULL, 0))
    return 1;
  return g->dout[j] <= g->gap ? 2 : 0;
}

/* The covering's horizontal extent and mean row (its pixels: dout == 0). */
typedef struct {
  double x0, x1, cy;
} cover_span;

static void span_of(const float *dout, int w, int h, cover_span *sp) {
  double sy = 0;
  long n = 0;
  sp->x0 = w, sp->x1 = -1;
  for (size_t i = 0; i < (size_t)w * h; i++)
    if (dout[i] == 0.0f) {
      const int x = (int)(i % w);
      sy += (double)(i / w), n++;
      if (x < sp->x0) sp->x0 = x;
      if (x > sp->x1) sp->x1 = x;
    }
  sp->cy = n ? sy / n : 0;
}

/* Whether a part added at mean position (mx, my) lies above the covering's
 * centre and over the middle half of its width: a mouth or nostrils above
 * a chin mask, not an ear loop (loops leave from the covering's sides). */
static int over_middle(const cover_span *sp, double mx, double my) {
  const double q = 0.25 * (sp->x1 - sp->x0);
  return my < sp->cy && mx > sp->x0 + q && mx < sp->x1 - q;
}

enum { MAXC = 256 }; /* components described; those past it are left as they are */

/* over[id] <- whether component id (1..n, n <= MAXC; labels and comps from
 * unmask_hole_components) lies over_middle(). */
static void mark_over_middle(const int *labels, const unmask_hole_component *comps, int n, int w, size_t np,
                             const cover_span *sp, unsigned char *over) {
  double sx[MAXC + 1] = {0}, sy[MAXC + 1] = {0};
  for (size_t i = 0; i < np; i++)
    if (labels[i] > 0 && labels[i] <= n) sx[labels[i]] += (double)(i % w), sy[labels[i]] += (double)(i / w);
  for (int id = 1; id <= n; id++)
    over[id] = (unsigned char)over_middle(sp, sx[id] / comps[id - 1].area, sy[id] / comps[id - 1].area);
}

/* Clears the 8-connected parts of `part` that lie over_middle(); returns
 * 0 or NETS_ERR_NOMEM.  Parts past the MAXC-th are kept. */
static int drop_over_middle(unsigned char *part, int w, int h, const cover_span *sp) {
  const size_t n = (size_t)w * h;
  int *labels = malloc(sizeof(int) * n);
  unmask_hole_component comps[MAXC];
  unsigned char over[MAXC + 1] = {0};
  if (!labels) return NETS_ERR_NOMEM;
  const int nc = unmask_hole_components(part, w, h, labels, comps, MAXC);
  if (nc < 0) {
    free(labels);
    return nc;
  }
  mark_over_middle(labels, comps, nc < MAXC ? nc : MAXC, w, n, sp, over);
  for (size_t i = 0; i < n; i++)
    if (labels[i] > 0 && labels[i] <= MAXC && over[labels[i]]) part[i] = 0;
  free(labels);
  return 0;
}

/* Straps that run on past reach(): from the grown covering along thin lines
 * of its colours (take_strap), within strap_reach() of it.  Runs shorter
 * than strap_min() or wider than a line are dropped, and so are those over
 * the middle (over_middle(); sp: the covering's span).  Adds to mask;
 * returns the count added, or NETS_ERR_NOMEM. */
static long trace_straps(grow_ctx g, const cover_span *sp, double size, unsigned char *mask, size_t *queue) {
  const int w = g.w, h = g.h;
  const size_t n = (size_t)w * h;
  const double R = strap_reach(size), shortest = strap_min(size);
  if (size < STRAP_MIN_SIZE) return 0;
  /* ear loops run up from a covering towards the ears, never down: no
   * strap of its colours alone below the covering's centre (a collar, a
   * tie, a shirt's stripes) */
  g.cy = sp->cy, g.r = thin_radius(size) + 1, g.gap = thin_radius(size);
  unsigned char *add = calloc(n, 1);
  int *labels = malloc(sizeof(int) * n);
  long added = 0;
  if (!add || !labels) {
    free(add), free(labels);
    return NETS_ERR_NOMEM;
  }
  g.marks = add;
  grow_from(mask, &g, R, take_strap, add, queue);
  for (size_t i = 0; i < n; i++) add[i] = add[i] == 1;
  unmask_hole_component comps[MAXC];
  unsigned char over[MAXC + 1] = {0};
  int nc = unmask_hole_components(add, w, h, labels, comps, MAXC);
  if (nc < 0) {
    added = nc;
  } else {
    mark_over_middle(labels, comps, nc < MAXC ? nc : MAXC, w, n, sp, over);
    for (size_t i = 0; i < n; i++) {
      const int id = labels[i];
      if (!id) continue;
      if (id > MAXC) { /* undescribed parts: left out */
        add[i] = 0;
        continue;
      }
      const unmask_hole_component *c = &comps[id - 1];
      const int ext = c->x1 - c->x0 > c->y1 - c->y0 ? c->x1 - c->x0 + 1 : c->y1 - c->y0 + 1;
      /* a strap is long and thin: a net of lines (a mosaic, a face's
       * features) is not one */
      if (ext < shortest || c->area > 3.0 * (2 * g.gap + 1) * ext || over[id]) add[i] = 0;
    }
    for (size_t i = 0; i < n; i++)
      if (add[i]) mask[i] = UNMASK_HOLE_STRAP, added++;
  }
  free(add), free(labels);
  return added;
}

long unmask_hole_grow_like(const float *rgba, const float *hint, int w, int h, double size, unsigned char *mask) {
  const size_t n = (size_t)w * h, nb = (size_t)BINS * BINS * BINS;
  float *dout = malloc(sizeof(float) * n), *din = malloc(sizeof(float) * n);
  float *hc = calloc(nb, sizeof(float)), *hr = calloc(nb, sizeof(float));
  unsigned char *tmp = malloc(n), *add = calloc(n, 1);
  size_t *queue = malloc(sizeof(size_t) * n);
  long added = 0;
  if (!dout || !din || !hc || !hr || !tmp || !add || !queue) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) tmp[i] = !mask[i];
  if (unmask_hole_distance(mask, w, h, dout) || unmask_hole_distance(tmp, w, h, din)) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  /* the covering's colours: its inner pixels (all of it when it is thin) */
  const double e = inner_margin(size), r0 = ring_from(size), r1 = ring_to(size), R = reach(size);
  long nc = 0, nr = 0;
  for (size_t i = 0; i < n; i++) nc += mask[i] && din[i] > e;
  const int all = nc < 30;
  for (size_t i = 0; i < n; i++)
    if (mask[i] && (all || din[i] > e)) trilinear(hc, rgba + i * 4, 1);
  double sc = 0, sr = 0;
  for (size_t i = 0; i < nb; i++) sc += hc[i];
  /* the surroundings' colours: a ring around it */
  for (size_t i = 0; i < n; i++)
    if (!mask[i] && dout[i] > r0 && dout[i] <= r1) trilinear(hr, rgba + i * 4, 1), nr++;
  for (size_t i = 0; i < nb; i++) sr += hr[i];
  if (sc < 30 || nr < 30) goto done; /* nothing to compare: leave the covering as it is */
  for (size_t i = 0; i < nb; i++) hc[i] = (float)(hc[i] / sc), hr[i] = (float)(hr[i] / sr);
  const float floor_density = 2.0f / (float)nb;

  /* grow from the covering over pixels that look like it */
  const grow_ctx g = {rgba, w, h, hc, hr, floor_density, hint, NULL, dout, 0, 0, 0};
  grow_from(mask, &g, R, take_like, add, queue);
  /* drop the wide additions: what an opening of the additions keeps */
  memcpy(tmp, add, n);
  if (unmask_hole_open(tmp, w, h, thin_radius(size))) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  /* the thin additions past the rim: loops, unless over the middle (a mouth) */
  for (size_t i = 0; i < n; i++) tmp[i] = add[i] && !tmp[i] && dout[i] > r0;
  cover_span sp;
  span_of(dout, w, h, &sp);
  if (drop_over_middle(tmp, w, h, &sp)) {
    added = NETS_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) /* the rim right at the edge stays in any case */
    if (add[i] && (tmp[i] || dout[i] <= r0)) mask[i] = 1, added++;
  {
    long straps = trace_straps(g, &sp, size, mask, queue);
    added = straps < 0 ? straps : added + straps;
  }
done:
  free(dout), free(din), free(hc), free(hr), free(tmp), free(add), free(queue);
  return added;
}
