#include "coverings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crop.h"

#define TILE 1024  /* views of more than TILE x TILE pixels are detected tile by tile */
#define MARGIN 128 /* context read around each tile's core, in view pixels */
#define ALIGN 32   /* the detector's stride (DETECTOR_STRIDE) */
#define MIN_LOOK 8 /* a second look narrower than this sees the whole crop */

/* Mean second-look probability of box b's pixels, and, when pooled is not
 * NULL, the detector's pooled features of that look (nets_detector_pooled,
 * weighed by b's pixels; wt: size x size scratch).  The crop is read whole
 * (size x size), but the detector sees only its part inside the picture: a
 * covering cut by the frame stays cut, as in training scenes, instead of
 * running on into the frame's edge pixels smeared outwards (the clamped
 * read), which the detector took for something else.  Mixed held-out scenes:
 * AP@0.5 0.838 -> 0.848 (weights/README.md, session 18). */
static int second_look(nets_detector *d, const float *rgb, int w, int h, const int *labels,
                       const nets_det_box *b, int size, float *crop, float *sub, float *prob,
                       float *mean, float *wt, float *pooled, nets_error *err) {
  double cx, cy, side;
  unmask_crop_from_hole_box(b->x, b->y, b->w, b->h, &cx, &cy, &side);
  unmask_crop_read(rgb, w, h, 3, cx, cy, side, size, crop);
  const double x0 = cx - side / 2, y0 = cy - side / 2, step = side / size;
  int ox0, oy0, ox1, oy1;
  unmask_crop_inside(w, h, cx, cy, side, size, &ox0, &oy0, &ox1, &oy1);
  if (ox1 - ox0 < MIN_LOOK || oy1 - oy0 < MIN_LOOK) ox0 = oy0 = 0, ox1 = oy1 = size;
  const int sw = ox1 - ox0, sh = oy1 - oy0;
  for (int y = 0; y < sh; y++)
    memcpy(sub + (size_t)y * sw * 3, crop + ((size_t)(oy0 + y) * size + ox0) * 3, sizeof(float) * 3 * sw);
  int rc = nets_detector_predict(d, sub, sw, sh, prob, err);
  if (rc) return rc;
  if (pooled) memset(wt, 0, sizeof(float) * sw * sh);
  double sum = 0;
  long count = 0;
  for (int y = oy0; y < oy1; y++) {
    const int iy = (int)(y0 + (y + 0.5) * step);
    if (iy < 0 || iy >= h) continue;
    for (int x = ox0; x < ox1; x++) {
      const int ix = (int)(x0 + (x + 0.5) * step);
      if (ix < 0 || ix >= w || labels[(size_t)iy * w + ix] != b->label) continue;
      sum += prob[(size_t)(y - oy0) * sw + (x - ox0)];
      count++;
      if (pooled) wt[(size_t)(y - oy0) * sw + (x - ox0)] = 1;
    }
  }
  if (pooled && (rc = nets_detector_pooled(d, wt, sw, sh, pooled, err))) return rc;
  /* a covering smaller than a crop pixel: the probability at its centre */
  if (count == 0) {
    int x = (int)((b->x + 0.5 * b->w - x0) / step) - ox0, y = (int)((b->y + 0.5 * b->h - y0) / step) - oy0;
    x = x < 0 ? 0 : x >= sw ? sw - 1 : x;
    y = y < 0 ? 0 : y >= sh ? sh - 1 : y;
    sum = prob[(size_t)y * sw + x];
    count = 1;
  }
  *mean = (float)(sum / count);
  return NETS_OK;
}

float unmask_verify_bar(const unmask_levels *lv, const nets_det_box *b) {
  const int side = b->w > b->h ? b->w : b->h;
  return side < UNMASK_VERIFY_SMALL ? 0.5f * lv->verify_min : lv->verify_min;
}

int unmask_close_look_size(const nets_det_box *b, int size) {
  double cx, cy, side;
  if ((b->w > b->h ? b->w : b->h) < UNMASK_VERIFY_SMALL) return 0;
  unmask_crop_from_hole_box(b->x, b->y, b->w, b->h, &cx, &cy, &side);
  const int close = (int)ceil(UNMASK_VERIFY_CLOSE * side);
  return close < size ? close : 0;
}

static float clamped_logit(float p) {
  const float q = p < 1e-4f ? 1e-4f : p > 1 - 1e-4f ? 1 - 1e-4f : p;
  return logf(q / (1 - q));
}

/* The first UNMASK_LOOK_FEATURES features (coverings.h) of covering b of a
 * w x h picture from its second look p and, when it has one (close), its
 * closer look pc. */
static void fill_features(float p, float pc, int close, const nets_det_box *b, int w, int h, float *feat) {
  feat[0] = clamped_logit(p);
  feat[1] = close ? clamped_logit(pc) : feat[0];
  feat[2] = close ? 1.f : 0.f;
  feat[3] = clamped_logit(b->score);
  feat[5] = b->y <= 0 ? 1.f : 0.f;
  feat[4] = feat[5] + (b->x <= 0) + (b->x + b->w >= w) + (b->y + b->h >= h);
}

/* The fixed bars: second look p reaches its bar, or covering b has a closer
 * look (close) whose pc reaches the closer bar (pc is read only then). */
static int bars_keep(const unmask_levels *lv, const nets_det_box *b, float p, float pc, int close) {
  return p >= unmask_verify_bar(lv, b) || (close && pc >= lv->verify_close);
}

int unmask_look_features(nets_detector *d, const float *rgb, int w, int h, const int *labels,
                         const nets_det_box *b, const unmask_levels *lv, int n_feat, float *feat, int *bars,
                         nets_error *err) {
  const int size = lv->verify_size;
  const size_t px = (size_t)size * size;
  if (size <= 0) return nets_error_set(err, NETS_ERR_ARG, "no second look");
  if (n_feat != UNMASK_LOOK_FEATURES && n_feat != UNMASK_LOOK_POOLED)
    return nets_error_set(err, NETS_ERR_ARG, "no second-look features of %d numbers", n_feat);
  float *crop = malloc(sizeof(float) * 3 * px), *sub = malloc(sizeof(float) * 3 * px);
  float *prob = malloc(sizeof(float) * px), *wt = malloc(sizeof(float) * px), p = 0, pc = 0;
  float *pooled = n_feat == UNMASK_LOOK_POOLED ? feat + UNMASK_LOOK_FEATURES : NULL;
  const int close = unmask_close_look_size(b, size);
  int rc = !crop || !sub || !prob || !wt
               ? nets_error_set(err, NETS_ERR_NOMEM, "out of memory")
               : second_look(d, rgb, w, h, labels, b, size, crop, sub, prob, &p, wt, pooled, err);
  if (!rc && close) rc = second_look(d, rgb, w, h, labels, b, close, crop, sub, prob, &pc, NULL, NULL, err);
  if (!rc) fill_features(p, pc, close, b, w, h, feat);
  if (!rc && bars) *bars = bars_keep(lv, b, p, pc, close);
  free(crop), free(sub), free(prob), free(wt);
  return rc;
}

const float *unmask_look_model(const nets_detector *d, int *n) {
  const float *model = nets_detector_look_model(d, n);
  /* a model of other features (a later version's): the bars alone */
  if (*n != UNMASK_LOOK_FEATURES && *n != UNMASK_LOOK_POOLED) model = NULL, *n = 0;
  return model;
}

/* 1 when box b passes its second look, 0 when not, or a negative error:
 * when the second look reaches its bar or, for a covering of
 * UNMASK_VERIFY_SMALL or more that fails it, its closer look reaches the
 * closer bar; and, when the detector file has a second-look model, when
 * the model's logit reaches lv->look_bar too.  crop, sub, prob and wt hold
 * size x size pixels. */
static int passes(nets_detector *d, const float *rgb, int w, int h, const int *labels, const nets_det_box *b,
                  const unmask_levels *lv, float *crop, float *sub, float *prob, float *wt, nets_error *err) {
  const int size = lv->verify_size;
  int n_look = 0;
  const float *model = unmask_look_model(d, &n_look);
  float p = 0, pc = 0, f[UNMASK_LOOK_POOLED];
  float *pooled = model && n_look == UNMASK_LOOK_POOLED ? f + UNMASK_LOOK_FEATURES : NULL;
  int rc = second_look(d, rgb, w, h, labels, b, size, crop, sub, prob, &p, wt, pooled, err);
  if (rc) return rc;
  const int close = unmask_close_look_size(b, size);
  /* the closer look: for the bars when the second look fails them, and for the model */
  if (close && (p < unmask_verify_bar(lv, b) || model) &&
      (rc = second_look(d, rgb, w, h, labels, b, close, crop, sub, prob, &pc, NULL, NULL, err)))
    return rc;
  const int keep = bars_keep(lv, b, p, pc, close);
  if (!keep || !model) return keep;
  fill_features(p, pc, close, b, w, h, f);
  double z = model[n_look];
  for (int i = 0; i < n_look; i++) z += (double)model[i] * f[i];
  return z >= lv->look_bar;
}

/* Keeps the boxes that pass their second look (in order) and clears the
 * labels of the others; returns how many. */
static int second_looks(nets_detector *d, const float *rgb, int w, int h, int *labels,
                        nets_det_box *boxes, int n, const unmask_levels *lv, nets_error *err) {
  const int size = lv->verify_size;
  if (size <= 0 || n <= 0) return n;
  float *crop = malloc(sizeof(float) * 3 * size * size), *prob = malloc(sizeof(float) * size * size);
  float *sub = malloc(sizeof(float) * 3 * size * size), *wt = malloc(sizeof(float) * size * size);
  int *drop = calloc((size_t)n + 1, sizeof *drop);
  if (!crop || !prob || !sub || !wt || !drop) {
    free(crop), free(prob), free(sub), free(wt), free(drop);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  int kept = 0, rc = NETS_OK;
  for (int i = 0; i < n; i++) {
    const int ok = passes(d, rgb, w, h, labels, &boxes[i], lv, crop, sub, prob, wt, err);
    if (ok < 0) {
      rc = ok;
      break;
    }
    if (!ok) {
      drop[boxes[i].label] = 1;
      continue;
    }
    boxes[kept++] = boxes[i];
  }
  if (!rc)
    for (size_t i = 0; i < (size_t)w * h; i++)
      if (labels[i] > 0 && labels[i] <= n && drop[labels[i]]) labels[i] = 0;
  free(crop), free(prob), free(sub), free(wt), free(drop);
  return rc ? rc : kept;
}

unmask_levels unmask_levels_for(double sensitivity, size_t view_pixels) {
  const double s = sensitivity > 0 && sensitivity < 1 ? sensitivity : 0.5;
  unmask_levels lv;
  nets_detector_levels(s, &lv.threshold, &lv.seed);
  lv.verify_min = (float)(0.6 * (1.0 - s));
  lv.verify_close = (float)(0.8 * (1.0 - s));
  lv.verify_size = UNMASK_VERIFY_SIZE;
  lv.look_bar = (float)(10.0 * UNMASK_LOOK_STEP * (0.5 - s)) + 0.f; /* + 0: no -0 */
  if (view_pixels > UNMASK_MIN_AREA_VIEW) view_pixels = UNMASK_MIN_AREA_VIEW;
  lv.min_area = (long)(view_pixels / 5000);
  if (lv.min_area < 12) lv.min_area = 12;
  return lv;
}

/* The detector on a view of more than TILE x TILE pixels, tile by tile,
 * each at most TILE px on a side (a 1152 x 864 view, 1 MP, is seen whole
 * rather than as two tiles of 832 x 864 with their margins): each tile is
 * read with a margin of context on every side, and only its core is kept,
 * so the memory needed is that of one tile. */
static int predict_tiled(nets_detector *d, const float *rgb, int w, int h, float *prob,
                         nets_error *err) {
  const int nx = (w + TILE - 1) / TILE, ny = (h + TILE - 1) / TILE;
  /* cores of equal size, starting on the network's stride (as do the
   * margins), so that every tile sees the pixel grid the whole view would */
  const int cw = ((w + nx - 1) / nx + ALIGN - 1) / ALIGN * ALIGN;
  const int ch = ((h + ny - 1) / ny + ALIGN - 1) / ALIGN * ALIGN;
  float *sub = malloc(sizeof(float) * 3 * (size_t)(cw + 2 * MARGIN) * (ch + 2 * MARGIN));
  float *sp = malloc(sizeof(float) * (size_t)(cw + 2 * MARGIN) * (ch + 2 * MARGIN));
  int rc = !sub || !sp ? nets_error_set(err, NETS_ERR_NOMEM, "detector: out of memory") : NETS_OK;
  for (int ty = 0; !rc && ty < ny; ty++)
    for (int tx = 0; !rc && tx < nx; tx++) {
      const int x0 = tx * cw, y0 = ty * ch;
      if (x0 >= w || y0 >= h) continue;
      const int x1 = x0 + cw < w ? x0 + cw : w, y1 = y0 + ch < h ? y0 + ch : h;
      const int sx0 = x0 - MARGIN > 0 ? x0 - MARGIN : 0, sy0 = y0 - MARGIN > 0 ? y0 - MARGIN : 0;
      const int sx1 = x1 + MARGIN < w ? x1 + MARGIN : w, sy1 = y1 + MARGIN < h ? y1 + MARGIN : h;
      const int sw = sx1 - sx0, sh = sy1 - sy0;
      for (int y = 0; y < sh; y++)
        memcpy(sub + (size_t)y * sw * 3, rgb + ((size_t)(sy0 + y) * w + sx0) * 3, sizeof(float) * 3 * sw);
      rc = nets_detector_predict(d, sub, sw, sh, sp, err);
      for (int y = y0; !rc && y < y1; y++)
        memcpy(prob + (size_t)y * w + x0, sp + (size_t)(y - sy0) * sw + (x0 - sx0), sizeof(float) * (x1 - x0));
    }
  free(sub), free(sp);
  return rc;
}

int unmask_probability_map(nets_detector *d, const float *rgb, int w, int h, float *prob,
                           nets_error *err) {
  int rc = (size_t)w * h > (size_t)TILE * TILE ? predict_tiled(d, rgb, w, h, prob, err)
                                : nets_detector_predict(d, rgb, w, h, prob, err);
  if (!rc && (size_t)w * h <= NETS_DETECTOR_2X_MAX) rc = nets_detector_predict_2x(d, rgb, w, h, prob, err);
  return rc;
}

int unmask_coverings(nets_detector *d, nets_detector *look, const float *rgb, int w, int h, const float *prob,
                     const unmask_levels *lv, int *labels, nets_det_box *boxes, int max_boxes,
                     nets_error *err) {
  int n = nets_detector_boxes(prob, w, h, lv->threshold, lv->seed, lv->min_area, boxes, max_boxes,
                              labels);
  return second_looks(look ? look : d, rgb, w, h, labels, boxes, n, lv, err);
}

int unmask_look_network_load(const char *detector_path, const char *look_path, nets_detector **look,
                             nets_error *err) {
  *look = NULL;
  if (look_path && !strcmp(look_path, "none")) return NETS_OK;
  char path[4096];
  if (!look_path) { /* beside the detector's file */
    const char *slash = strrchr(detector_path, '/');
    const int dir_len = slash ? (int)(slash - detector_path) + 1 : 0;
    if (snprintf(path, sizeof path, "%.*s%s", dir_len, detector_path, UNMASK_LOOK_FILE) >= (int)sizeof path ||
        access(path, R_OK))
      return NETS_OK;
    look_path = path;
  }
  nets_error e = {0};
  if (!(*look = nets_detector_load(look_path, &e)))
    return nets_error_set(err, e.code ? e.code : NETS_ERR_IO, "cannot load %s: %s", look_path, e.msg);
  return NETS_OK;
}
