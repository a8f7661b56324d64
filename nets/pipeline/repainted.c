/* The picture as repainted so far: fills pasted over the original pixels,
 * for the final write and for reading the context of the next face. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline-private.h"

#define STRIP_ROWS 8 /* output rows of a scaled read per full-scale read */

void unmask_paste(const unmask_job *jobs, int n, unmask_output mode, int x, int y, int w, int h,
                  float *buf) {
  for (int k = 0; k < n; k++) {
    const unmask_job *j = &jobs[k];
    const int x0 = j->x > x ? j->x : x, y0 = j->y > y ? j->y : y;
    const int x1 = j->x + j->w < x + w ? j->x + j->w : x + w;
    const int y1 = j->y + j->h < y + h ? j->y + j->h : y + h;
    for (int py = y0; py < y1; py++)
      for (int px = x0; px < x1; px++) {
        const size_t ji = (size_t)(py - j->y) * j->w + (px - j->x);
        const float a = j->alpha[ji];
        if (!(a > 0.0f)) continue; /* a == 0: untouched, bit-identical */
        float *o = buf + ((size_t)(py - y) * w + (px - x)) * 4;
        if (mode == UNMASK_OUTPUT_RESULT) {
          const float *f = j->fill + ji * 3;
          if (a >= 1.0f)
            for (int c = 0; c < 3; c++) o[c] = f[c];
          else
            for (int c = 0; c < 3; c++) o[c] = o[c] * (1.0f - a) + f[c] * a;
        } else { /* overlay: red tint */
          static const float red[3] = {1.0f, 0.0f, 0.0f};
          const float t = 0.6f * a;
          for (int c = 0; c < 3; c++) o[c] = o[c] * (1.0f - t) + red[c] * t;
        }
      }
  }
}

/* Whether the full-scale rectangle meets the rectangle of a job. */
static int meets_a_job(const unmask_repainted *r, int x0, int y0, int x1, int y1) {
  for (int k = 0; k < r->n; k++) {
    const unmask_job *j = &r->jobs[k];
    if (j->x < x1 && j->x + j->w > x0 && j->y < y1 && j->y + j->h > y0) return 1;
  }
  return 0;
}

/* Output rows [oa, ob) of a scaled read (w wide at x, y; scale) whose
 * footprints, within the picture, are the full-scale pixels [cx0, cx1) x
 * [cy0, cy1): each pixel whose footprint a fill reaches becomes its
 * footprint's mean, as repainted.  Returns 0, or 1 on a read error or lack
 * of memory. */
static int scaled_strip(const unmask_repainted *r, int x, int y, int w, double scale, int oa, int ob, int cx0,
                        int cy0, int cx1, int cy1, float *out) {
  const unmask_image_io *b = r->base;
  const int fw = cx1 - cx0, fh = cy1 - cy0;
  float *full = malloc(sizeof(float) * 4 * (size_t)fw * fh);
  unsigned char *changed = calloc((size_t)fw * fh, 1);
  int rc = !full || !changed || b->read(b->user, cx0, cy0, fw, fh, 1.0, full);
  if (!rc) {
    for (int k = 0; k < r->n; k++) { /* which pixels the fills reach */
      const unmask_job *j = &r->jobs[k];
      for (int py = j->y > cy0 ? j->y : cy0; py < j->y + j->h && py < cy1; py++)
        for (int px = j->x > cx0 ? j->x : cx0; px < j->x + j->w && px < cx1; px++)
          if (j->alpha[(size_t)(py - j->y) * j->w + (px - j->x)] > 0.0f)
            changed[(size_t)(py - cy0) * fw + (px - cx0)] = 1;
    }
    unmask_paste(r->jobs, r->n, UNMASK_OUTPUT_RESULT, cx0, cy0, fw, fh, full);
    for (int oy = oa; oy < ob; oy++)
      for (int ox = 0; ox < w; ox++) {
        int sx0 = (int)floor((x + ox) / scale), sy0 = (int)floor((y + oy) / scale);
        int sx1 = (int)ceil((x + ox + 1) / scale), sy1 = (int)ceil((y + oy + 1) / scale);
        sx0 = sx0 < cx0 ? cx0 : sx0, sy0 = sy0 < cy0 ? cy0 : sy0;
        sx1 = sx1 > cx1 ? cx1 : sx1, sy1 = sy1 > cy1 ? cy1 : sy1;
        int any = 0;
        for (int sy = sy0; sy < sy1 && !any; sy++)
          for (int sx = sx0; sx < sx1 && !any; sx++) any = changed[(size_t)(sy - cy0) * fw + (sx - cx0)];
        if (!any) continue;
        double acc[4] = {0, 0, 0, 0};
        for (int sy = sy0; sy < sy1; sy++)
          for (int sx = sx0; sx < sx1; sx++)
            for (int c = 0; c < 4; c++) acc[c] += full[((size_t)(sy - cy0) * fw + (sx - cx0)) * 4 + c];
        const double cnt = (double)(sx1 - sx0) * (sy1 - sy0);
        for (int c = 0; c < 4; c++) out[((size_t)oy * w + ox) * 4 + c] = (float)(acc[c] / cnt);
      }
  }
  free(full), free(changed);
  return rc;
}

static int repainted_read(void *user, int x, int y, int w, int h, double scale, float *out) {
  const unmask_repainted *r = user;
  const unmask_image_io *b = r->base;
  if (b->read(b->user, x, y, w, h, scale, out)) return 1;
  if (scale == 1.0) {
    unmask_paste(r->jobs, r->n, UNMASK_OUTPUT_RESULT, x, y, w, h, out);
    return 0;
  }
  /* scaled: where a pixel's footprint holds repainted pixels, it becomes
   * the mean of its footprint's pixels inside the picture, as repainted;
   * read at full scale a strip of STRIP_ROWS rows at a time, so that a large
   * face's crop beside another face needs a few MB, not its whole square */
  const int fx0 = (int)floor(x / scale), fx1 = (int)ceil((x + w) / scale);
  const int cx0 = fx0 < 0 ? 0 : fx0, cx1 = fx1 > b->width ? b->width : fx1;
  const int fw = cx1 - cx0;
  if (fw <= 0) return 0;
  for (int oa = 0; oa < h; oa += STRIP_ROWS) {
    const int ob = oa + STRIP_ROWS < h ? oa + STRIP_ROWS : h;
    const int fy0 = (int)floor((y + oa) / scale), fy1 = (int)ceil((y + ob) / scale);
    const int cy0 = fy0 < 0 ? 0 : fy0, cy1 = fy1 > b->height ? b->height : fy1;
    if (cy1 <= cy0 || !meets_a_job(r, cx0, cy0, cx1, cy1)) continue;
    if (scaled_strip(r, x, y, w, scale, oa, ob, cx0, cy0, cx1, cy1, out)) return 1;
  }
  return 0;
}

void unmask_repainted_init(unmask_repainted *r, const unmask_image_io *base, const unmask_job *jobs,
                           int n) {
  r->io = *base;
  r->io.user = r;
  r->io.read = repainted_read;
  r->io.write = NULL; /* and no user hole: base's callbacks take base's user */
  r->io.read_hole = NULL;
  r->io.hole_bounds = NULL;
  r->base = base;
  r->jobs = jobs;
  r->n = n;
}
