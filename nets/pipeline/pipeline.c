/* unmask_run(): detect -> crop -> inpaint -> paste back.  See pipeline.h.
 *
 * Memory: the detector sees a view whose long side is at most
 * p->view_max (default 1024), in tiles of at most 1024 px (coverings.c);
 * everything else is per face (the face's rectangle at full scale and a
 * S x S crop).  No buffer ever spans the full-resolution image, except one
 * strip of STRIP rows when writing the MASK output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "unmask-config.h"
#include "hole.h"
#include "pipeline-private.h"
#include "coverings.h"
#include "../core/clamp.h"

#define VIEW_MAX 1024 /* long side of the view for user holes */
#define COARSE_MAX 320 /* long side of the second, coarse detection view */
#define MAX_FACES 64   /* detected faces per image */
#define MAX_PARTS 32   /* user-hole components repainted separately; more -> one box */
#define STRIP 64       /* rows per strip when scanning the whole image */
#define GROW_VIEW 384  /* larger side of a covering when it grows by colour */
/* most that a covering's thin parts (loops, straps) grow and feather by, in
 * pixels at the colour growth's scale: they are traced to a pixel there */
#define THIN_GROW 1.5


/* ---- Models ------------------------------------------------------------ */

void unmask_params_default(unmask_params *p) {
  memset(p, 0, sizeof *p);
  p->sensitivity = 0.5;
  p->grow_px = 4.0;
  p->feather_px = 3.0;
  p->output = UNMASK_OUTPUT_RESULT;
  p->detail = UNMASK_DETAIL_DEFAULT;
}

static int has_weights(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/detector.safetensors", dir);
  if (access(path, R_OK)) return 0;
  snprintf(path, sizeof path, "%s/inpainter.safetensors", dir);
  return access(path, R_OK) == 0;
}

void unmask_process_setup(void) {
#ifdef __GLIBC__
  /* fixed thresholds (the default ones move with each free): blocks up to
   * 32 MiB (the most glibc takes) come from the heap and are reused, and
   * the heap is not trimmed; bigger ones (whole big photos) stay mmaps */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

/* The bundled weights: the installed ones, else the source tree's (for
 * uninstalled builds); NULL when neither is there. */
static const char *bundled_dir(void) {
  if (has_weights(UNMASK_WEIGHTS_DIR)) return UNMASK_WEIGHTS_DIR;
  if (has_weights(UNMASK_SOURCE_WEIGHTS_DIR)) return UNMASK_SOURCE_WEIGHTS_DIR;
  return NULL;
}

/* path = dir/name when that file is there, else the bundled one's. */
static void weights_path(const char *dir, const char *bundled, const char *name, char *path, size_t n) {
  snprintf(path, n, "%s/%s", dir, name);
  if (access(path, R_OK) && bundled) snprintf(path, n, "%s/%s", bundled, name);
}

unmask_models *unmask_models_load(const char *dir, nets_error *err) {
  static const char *const names[] = {"detector.safetensors", "inpainter.safetensors", "landmarks.safetensors"};
  const char *bundled = bundled_dir();
  char path[4096];
  if (!dir && !bundled) {
    nets_error_set(err, NETS_ERR_IO,
                   "no Unmasked weights found: detector.safetensors and inpainter.safetensors "
                   "are in neither %s nor %s",
                   UNMASK_WEIGHTS_DIR, UNMASK_SOURCE_WEIGHTS_DIR);
    return NULL;
  }
  if (!dir) dir = bundled;
  int own = 0; /* a folder of the user's must hold at least one of the networks */
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    own |= access(path, R_OK) == 0;
  }
  if (!own) {
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
      nets_error_set(err, NETS_ERR_IO, "the weights folder %s does not exist", dir);
    else
      nets_error_set(err, NETS_ERR_IO, "no Unmasked weights in %s: it holds none of %s, %s and %s", dir,
                     names[0], names[1], names[2]);
    return NULL;
  }
  unmask_models *m = calloc(1, sizeof *m);
  if (!m) {
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  nets_error e = {0};
  weights_path(dir, bundled, names[0], path, sizeof path);
  m->detector = nets_detector_load(path, &e);
  if (!m->detector) goto fail;
  /* the second-look network that goes with this detector file, if any */
  if (unmask_look_network_load(path, NULL, &m->looker, &e)) {
    nets_error_set(err, e.code, "%s", e.msg);
    unmask_models_free(m);
    return NULL;
  }
  weights_path(dir, bundled, names[1], path, sizeof path);
  m->inpainter = nets_inpainter_load(path, &e);
  if (!m->inpainter) goto fail;
  /* an inpainter that takes a drawing of the lower face gets one from the
   * landmark predictor's points, when its weights are there too */
  weights_path(dir, bundled, names[2], path, sizeof path);
  if (nets_inpainter_takes_sketch(m->inpainter) && access(path, R_OK) == 0 &&
      !(m->landmarker = nets_landmarker_load(path, &e)))
    goto fail;
  return m;
fail:
  nets_error_set(err, e.code ? e.code : NETS_ERR_IO, "cannot load %s: %s", path,
                 e.msg[0] ? e.msg : "unknown error");
  unmask_models_free(m);
  return NULL;
}

void unmask_models_free(unmask_models *m) {
  if (!m) return;
  if (m->detector) nets_detector_free(m->detector);
  if (m->looker) nets_detector_free(m->looker);
  if (m->inpainter) nets_inpainter_free(m->inpainter);
  nets_landmarker_free(m->landmarker);
  free(m);
}

/* ---- Helpers ----------------------------------------------------------- */

static int progress(const unmask_params *p, double f, const char *what) {
  return p->progress ? p->progress(p->progress_user, f, what) : 0;
}

static void jobs_free(unmask_job *jobs, int n) {
  for (int i = 0; i < n; i++) {
    free(jobs[i].alpha);
    free(jobs[i].orig);
    free(jobs[i].fill);
  }
  free(jobs);
}

/* The crop's hole box: the box of the covering's body (unmask_hole_body_box,
 * already within the covering's box, job->face), or the covering's box when
 * nothing survives the erosion. */
static int body_box(const unsigned char *cov, int rx, int ry, int rw, int rh, unmask_job *job,
                    nets_error *err) {
  const unmask_face *f = &job->face;
  job->bx = f->x, job->by = f->y, job->bw = f->w, job->bh = f->h;
  int x0, y0, x1, y1;
  const int got = unmask_hole_body_box(cov, rw, rh, f->h, &x0, &y0, &x1, &y1);
  if (got < 0) return nets_error_set(err, got, "unmask: out of memory");
  if (got) job->bx = rx + x0, job->by = ry + y0, job->bw = x1 - x0, job->bh = y1 - y0;
  return NETS_OK;
}

/* job->alpha for a covering grown by colour (mask, on the job's rectangle)
 * whose detector's part is core (crw*crh at crx, cry): the core and the rim
 * at its edge grow and feather by grow and feather, the rest (loops, straps)
 * by the user's pixels, at most THIN_GROW pixels at the colour growth's
 * scale.  mask is overwritten.  Returns 0 or NETS_ERR_NOMEM. */
static int alpha_with_additions(unsigned char *mask, const unsigned char *core, int crx, int cry, int crw,
                                int crh, int size, double grow, double feather, double user_grow,
                                double user_feather, unmask_job *job) {
  const size_t n = (size_t)job->w * job->h;
  float *thin = malloc(sizeof(float) * n);
  unsigned char *in_core = malloc(n);
  int rc = thin && in_core ? NETS_OK : NETS_ERR_NOMEM;
  for (int y = 0; !rc && y < job->h; y++)
    for (int x = 0; x < job->w; x++) {
      int cx = job->x + x - crx, cy = job->y + y - cry;
      in_core[(size_t)y * job->w + x] = cx >= 0 && cy >= 0 && cx < crw && cy < crh && core[(size_t)cy * crw + cx];
    }
  /* the rim that the growth adds at the core's edge (as wide as
   * unmask_hole_grow_like's) is the mask's own edge: it grows with it */
  if (!rc) rc = unmask_hole_distance(in_core, job->w, job->h, thin);
  const double rim = 0.03 * size + 2;
  for (size_t i = 0; !rc && i < n; i++) {
    if (mask[i] && thin[i] <= rim) in_core[i] = 1;
    mask[i] = mask[i] && !in_core[i];
  }
  /* the thin parts were found to a pixel at the colour growth's scale */
  const double t = THIN_GROW * (size > GROW_VIEW ? (double)size / GROW_VIEW : 1.0);
  if (!rc)
    rc = unmask_hole_grow_feather(mask, job->w, job->h, fmin(user_grow, t), fmin(user_feather, t), thin);
  if (!rc) rc = unmask_hole_grow_feather(in_core, job->w, job->h, grow, feather, job->alpha);
  for (size_t i = 0; !rc && i < n; i++)
    if (thin[i] > job->alpha[i]) job->alpha[i] = thin[i];
  free(thin), free(in_core);
  return rc;
}

/* See pipeline-private.h. */
int unmask_job_from_covering(const unsigned char *cov, int rx, int ry, int rw, int rh,
                              const unsigned char *core, int crx, int cry, int crw, int crh,
                              const unmask_params *p, int W, int H, float score, unmask_job *job,
                              nets_error *err) {
  int x0, y0, x1, y1, cx0, cy0, cx1, cy1, fx0, fy0, fx1, fy1;
  const long area = unmask_hole_box(cov, rw, rh, &x0, &y0, &x1, &y1);
  memset(job, 0, sizeof *job);
  if (!area) return 0;
  if (!unmask_hole_box_but(cov, rw, rh, UNMASK_HOLE_STRAP, &fx0, &fy0, &fx1, &fy1))
    fx0 = x0, fy0 = y0, fx1 = x1, fy1 = y1; /* the face's box: without the straps */
  if (!core || !unmask_hole_box(core, crw, crh, &cx0, &cy0, &cx1, &cy1))
    core = NULL, cx0 = x0, cy0 = y0, cx1 = x1, cy1 = y1;
  /* The detector's map is coarse (4 view pixels per cell) and a mask's
   * shadow and edge scale with the face: grow and feather by a share of the
   * covering's size on top of the user's pixels. */
  const int size = cx1 - cx0 + 1 > cy1 - cy0 + 1 ? cx1 - cx0 + 1 : cy1 - cy0 + 1;
  const double user_grow = p->grow_px > 0 ? p->grow_px : 0;
  const double user_feather = p->feather_px > 0 ? p->feather_px : 0;
  double grow = user_grow + UNMASK_GROW_SHARE * size;
  double feather = user_feather + UNMASK_FEATHER_SHARE * size;
  int reach = (int)ceil(grow + feather) + 1;
  job->face.x = rx + fx0;
  job->face.y = ry + fy0;
  job->face.w = fx1 - fx0 + 1;
  job->face.h = fy1 - fy0 + 1;
  job->face.score = score;
  job->face.mask_area = area;
  job->covering = 1;
  job->x = nets_clampi(rx + x0 - reach, 0, W);
  job->y = nets_clampi(ry + y0 - reach, 0, H);
  job->w = nets_clampi(rx + x1 + 1 + reach, 0, W) - job->x;
  job->h = nets_clampi(ry + y1 + 1 + reach, 0, H) - job->y;
  size_t n = (size_t)job->w * job->h;
  unsigned char *mask = calloc(n, 1);
  job->alpha = malloc(sizeof(float) * n);
  if (!mask || !job->alpha) {
    free(mask);
    free(job->alpha);
    job->alpha = NULL;
    return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  }
  for (int y = 0; y < job->h; y++)
    for (int x = 0; x < job->w; x++) {
      int cx = job->x + x - rx, cy = job->y + y - ry;
      if (cx >= 0 && cy >= 0 && cx < rw && cy < rh) mask[(size_t)y * job->w + x] = cov[(size_t)cy * rw + cx];
    }
  int rc = core ? alpha_with_additions(mask, core, crx, cry, crw, crh, size, grow, feather, user_grow,
                                       user_feather, job)
                : unmask_hole_grow_feather(mask, job->w, job->h, grow, feather, job->alpha);
  free(mask);
  if (!rc) rc = body_box(cov, rx, ry, rw, rh, job, err);
  else nets_error_set(err, rc, "unmask: out of memory");
  if (rc) {
    free(job->alpha);
    job->alpha = NULL;
    return rc;
  }
  return 1;
}

/* The four pixels of a vw x vh view map (the image at scale s) around the
 * full-scale position (x, y), and the bilinear weights between them. */
typedef struct {
  size_t i00, i01, i10, i11;
  float tx, ty;
} view_cell;

static view_cell view_cell_at(int vw, int vh, double s, double x, double y) {
  view_cell c;
  double fy = y * s - 0.5, fx = x * s - 0.5;
  if (fy < 0) fy = 0;
  if (fx < 0) fx = 0;
  int y0 = (int)fy, x0 = (int)fx;
  if (y0 > vh - 1) y0 = vh - 1;
  if (x0 > vw - 1) x0 = vw - 1;
  const int y1 = y0 + 1 < vh ? y0 + 1 : y0, x1 = x0 + 1 < vw ? x0 + 1 : x0;
  c.ty = (float)(fy - y0), c.tx = (float)(fx - x0);
  if (c.ty > 1) c.ty = 1;
  if (c.tx > 1) c.tx = 1;
  c.i00 = (size_t)y0 * vw + x0, c.i01 = (size_t)y0 * vw + x1;
  c.i10 = (size_t)y1 * vw + x0, c.i11 = (size_t)y1 * vw + x1;
  return c;
}

/* The map's bilinear value over the cell. */
static float view_cell_value(const float *map, const view_cell *c) {
  const float a = map[c->i00] + (map[c->i01] - map[c->i00]) * c->tx;
  const float b = map[c->i10] + (map[c->i11] - map[c->i10]) * c->tx;
  return a + (b - a) * c->ty;
}

/* A map over the image at scale s (w x h): the detector's probability, and
 * the coverings kept (labels: the component of each view pixel, 0 none). */
typedef struct {
  const float *p;
  const int *labels;
  int w, h;
  double s;
} view_map;

/* 1 when the view pixel at the full-scale position (x, y) belongs to a
 * covering other than `label`. */
static int other_covering(const view_map *m, int label, double x, double y) {
  const view_cell c = view_cell_at(m->w, m->h, m->s, x, y);
  const int l = m->labels[c.tx < 0.5f ? (c.ty < 0.5f ? c.i00 : c.i10) : (c.ty < 0.5f ? c.i01 : c.i11)];
  return l > 0 && l != label;
}

/* share of a covering's pixels in its thin parts above which it is a loop
 * piece, not grown by colour */
#define LOOP_PIECE_THIN 0.75

/* The covering cov (rw*rh at rx, ry, full scale) split into its body and
 * its thin parts (unmask_hole_body) and grown over the loops and rim of its
 * colours (unmask_hole_grow_like, hole.h), worked out with the covering at
 * most GROW_VIEW px.  When it has thin parts or grew, *big becomes the new
 * mask (gw*gh at gx, gy) and *core the detector's part that grows by a share
 * of its size: cov without its thin parts (rw*rh at rx, ry); else both stay
 * NULL.  *loop_piece: 1 when more than LOOP_PIECE_THIN of it is thin parts.
 * Returns 0 or a negative code. */
static int grow_by_colour(const unmask_image_io *io, const view_map *prob, int label, const unsigned char *cov, int rx,
                          int ry, int rw, int rh, unsigned char **big, unsigned char **core, int *gx, int *gy,
                          int *gw, int *gh, int *loop_piece, nets_error *err) {
  int x0, y0, x1, y1;
  *big = *core = NULL;
  *loop_piece = 0;
  if (!unmask_hole_box(cov, rw, rh, &x0, &y0, &x1, &y1)) return NETS_OK;
  const double size = x1 - x0 > y1 - y0 ? x1 - x0 + 1 : y1 - y0 + 1;
  const double sc = size > GROW_VIEW ? GROW_VIEW / size : 1.0;
  const int pad = (int)ceil(unmask_hole_grow_like_reach(size * sc) / sc);
  const int X0 = nets_clampi(rx + x0 - pad, 0, io->width), Y0 = nets_clampi(ry + y0 - pad, 0, io->height);
  const int X1 = nets_clampi(rx + x1 + 1 + pad, 0, io->width), Y1 = nets_clampi(ry + y1 + 1 + pad, 0, io->height);
  const int sx0 = (int)floor(X0 * sc), sy0 = (int)floor(Y0 * sc);
  const int sw = (int)ceil(X1 * sc) - sx0, sh = (int)ceil(Y1 * sc) - sy0;
  if (sw <= 0 || sh <= 0) return NETS_OK;
  const size_t sn = (size_t)sw * sh;
  float *rgba = malloc(sizeof(float) * 4 * sn);
  /* at this scale: ms the covering, body its body, grown it grown by colour */
  unsigned char *ms = calloc(sn, 1), *body = malloc(sn), *grown = malloc(sn);
  float *hint = malloc(sizeof(float) * sn); /* the detector's map at this scale */
  int rc = NETS_OK;
  if (!rgba || !ms || !body || !grown || !hint) rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  else if (io->read(io->user, sx0, sy0, sw, sh, sc, rgba))
    rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
  for (int j = 0; !rc && j < sh; j++)
    for (int i = 0; i < sw; i++) { /* the full-scale pixel at the cell's centre */
      int cx = (int)floor((sx0 + i + 0.5) / sc) - rx, cy = (int)floor((sy0 + j + 0.5) / sc) - ry;
      ms[(size_t)j * sw + i] = cx >= 0 && cy >= 0 && cx < rw && cy < rh && cov[(size_t)cy * rw + cx];
      const view_cell c = view_cell_at(prob->w, prob->h, prob->s, (sx0 + i + 0.5) / sc, (sy0 + j + 0.5) / sc);
      hint[(size_t)j * sw + i] = view_cell_value(prob->p, &c);
    }
  long thin = 0, added = 0;
  if (!rc && unmask_hole_body(ms, sw, sh, size * sc, body))
    rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  if (!rc) {
    long all = 0;
    for (size_t k = 0; k < sn; k++) thin += ms[k] && !body[k], all += ms[k];
    memcpy(grown, ms, sn);
    /* a covering that is nearly all thin parts is a piece of ear loop that
     * the detector took for a covering of its own: its colours are the
     * loop's, which the background beside it may share (ibug_000172: a grey
     * loop over a light grey sheet grew a blob onto the sheet) */
    *loop_piece = thin > LOOP_PIECE_THIN * all;
    if (!*loop_piece) added = unmask_hole_grow_like(rgba, hint, sw, sh, size * sc, grown);
    if (added < 0) rc = nets_error_set(err, (int)added, "unmask: out of memory");
  }
  if (!rc && (added > 0 || thin > 0)) {
    *gx = X0, *gy = Y0, *gw = X1 - X0, *gh = Y1 - Y0;
    *big = malloc((size_t)*gw * *gh);
    *core = malloc((size_t)rw * rh);
    if (!*big || !*core) rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    else memcpy(*core, cov, (size_t)rw * rh);
    for (int y = 0; !rc && y < *gh; y++)
      for (int x = 0; x < *gw; x++) {
        int cx = X0 + x - rx, cy = Y0 + y - ry;
        int i = nets_clampi((int)floor((X0 + x + 0.5) * sc) - sx0, 0, sw - 1);
        int j = nets_clampi((int)floor((Y0 + y + 0.5) * sc) - sy0, 0, sh - 1);
        size_t k = (size_t)j * sw + i;
        const int in_cov = cx >= 0 && cy >= 0 && cx < rw && cy < rh && cov[(size_t)cy * rw + cx];
        /* straps stay marked; what grew onto another covering goes */
        (*big)[(size_t)y * *gw + x] =
            in_cov ? 1 : ms[k] || other_covering(prob, label, X0 + x + 0.5, Y0 + y + 0.5) ? 0 : grown[k];
        if (in_cov && ms[k] && !body[k]) (*core)[(size_t)cy * rw + cx] = 0; /* a thin part */
      }
  }
  if (rc) {
    free(*big), free(*core);
    *big = *core = NULL;
  }
  free(rgba), free(ms), free(body), free(grown), free(hint);
  return rc;
}

/* ---- Finding the holes: detector --------------------------------------- */

/* Reads the image at `scale` as a w x h RGB view (clamped to [0,1]). */
static int read_rgb_view(const unmask_image_io *io, int w, int h, double scale, float *view) {
  if (io->read(io->user, 0, 0, w, h, scale, view)) return -1;
  for (size_t i = 0; i < (size_t)w * h; i++) /* RGBA -> RGB in place */
    for (int c = 0; c < 3; c++) {
      float v = view[i * 4 + c];
      view[i * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  return 0;
}

/* The detector was trained on scenes of 256 px with faces up to the full
 * frame; a face that fills a 1024-px view is bigger than any it has seen.  A
 * second pass on a view of COARSE_MAX px finds such faces; its map is
 * upsampled to the main view and merged by maximum. */
static int coarse_pass(unmask_models *m, const unmask_image_io *io, int vw, int vh, float *prob,
                       nets_error *err) {
  const int L = io->width > io->height ? io->width : io->height;
  const double s2 = (double)COARSE_MAX / L;
  const int cw = nets_clampi((int)lround(io->width * s2), 1, COARSE_MAX);
  const int ch = nets_clampi((int)lround(io->height * s2), 1, COARSE_MAX);
  float *view = malloc(sizeof(float) * 4 * cw * ch), *p2 = malloc(sizeof(float) * cw * ch);
  int rc = NETS_OK;
  if (!view || !p2) rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  else if (read_rgb_view(io, cw, ch, s2, view))
    rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
  else
    rc = nets_detector_predict(m->detector, view, cw, ch, p2, err);
  for (int y = 0; !rc && y < vh; y++) {
    float fy = (y + 0.5f) * ch / vh - 0.5f;
    fy = fy < 0 ? 0 : fy;
    int y0 = (int)fy < ch - 1 ? (int)fy : ch - 1, y1 = y0 + 1 < ch ? y0 + 1 : y0;
    float ty = fy - y0 > 1 ? 1 : fy - y0;
    for (int x = 0; x < vw; x++) {
      float fx = (x + 0.5f) * cw / vw - 0.5f;
      fx = fx < 0 ? 0 : fx;
      int x0 = (int)fx < cw - 1 ? (int)fx : cw - 1, x1 = x0 + 1 < cw ? x0 + 1 : x0;
      float tx = fx - x0 > 1 ? 1 : fx - x0;
      const float *r0 = p2 + (size_t)y0 * cw, *r1 = p2 + (size_t)y1 * cw;
      float v = (1 - ty) * (r0[x0] + (r0[x1] - r0[x0]) * tx) + ty * (r1[x0] + (r1[x1] - r1[x0]) * tx);
      float *d = prob + (size_t)y * vw + x;
      if (v > *d) *d = v;
    }
  }
  free(view);
  free(p2);
  return rc;
}

static int detect_holes(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                        unmask_job **out, int *n_out, nets_error *err) {
  int W = io->width, H = io->height, L = W > H ? W : H;
  const int vmax = p->view_max > 0 ? nets_clampi(p->view_max, 256, 8192) : UNMASK_VIEW_DEFAULT;
  double s = L > vmax ? (double)vmax / L : 1.0;
  int vw = s < 1 ? nets_clampi((int)lround(W * s), 1, vmax) : W;
  int vh = s < 1 ? nets_clampi((int)lround(H * s), 1, vmax) : H;
  size_t vn = (size_t)vw * vh;
  int rc = NETS_OK, n = 0;
  float *view = malloc(sizeof(float) * 4 * vn);
  float *prob = malloc(sizeof(float) * vn);
  int *labels = malloc(sizeof(int) * vn);
  nets_det_box *boxes = malloc(sizeof(nets_det_box) * MAX_FACES);
  unmask_job *jobs = calloc(MAX_FACES, sizeof(unmask_job));
  if (!view || !prob || !labels || !boxes || !jobs) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    goto done;
  }
  if (progress(p, 0.02, "Detecting face masks")) {
    rc = nets_error_set(err, NETS_ERR_CANCEL, "cancelled");
    goto done;
  }
  if (read_rgb_view(io, vw, vh, s, view)) {
    rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
    goto done;
  }
  if ((rc = unmask_probability_map(m->detector, view, vw, vh, prob, err))) goto done;
  if ((vw > 2 * COARSE_MAX || vh > 2 * COARSE_MAX) && (rc = coarse_pass(m, io, vw, vh, prob, err)))
    goto done;
  if (progress(p, 0.3, "Detecting face masks")) {
    rc = nets_error_set(err, NETS_ERR_CANCEL, "cancelled");
    goto done;
  }
  const unmask_levels lv = unmask_levels_for(p->sensitivity, vn);
  int nb = unmask_coverings(m->detector, m->looker, view, vw, vh, prob, &lv, labels, boxes, MAX_FACES, err);
  const view_map pm = {prob, labels, vw, vh, s};
  if (nb < 0) {
    rc = nb;
    goto done;
  }

  for (int b = 0; b < nb; b++) {
    const nets_det_box *bx = &boxes[b];
    /* full-scale region of the component (one view pixel of slack) */
    int rx = nets_clampi((int)floor((bx->x - 1) / s), 0, W);
    int ry = nets_clampi((int)floor((bx->y - 1) / s), 0, H);
    int rw = nets_clampi((int)ceil((bx->x + bx->w + 1) / s), 0, W) - rx;
    int rh = nets_clampi((int)ceil((bx->y + bx->h + 1) / s), 0, H) - ry;
    if (rw <= 0 || rh <= 0) continue;
    unsigned char *cov = calloc((size_t)rw * rh, 1);
    if (!cov) {
      rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
      goto done;
    }
    /* bilinear upsampling of prob, thresholded, kept where one of the four
     * source pixels belongs to this component */
    for (int y = 0; y < rh; y++)
      for (int x = 0; x < rw; x++) {
        const view_cell c = view_cell_at(vw, vh, s, rx + x + 0.5, ry + y + 0.5);
        int lab = bx->label;
        if (labels[c.i00] != lab && labels[c.i01] != lab && labels[c.i10] != lab && labels[c.i11] != lab)
          continue;
        cov[(size_t)y * rw + x] = view_cell_value(prob, &c) >= lv.threshold;
      }
    unsigned char *big = NULL, *core = NULL; /* the covering split and grown by colour, if it changed */
    int gx = 0, gy = 0, gw = 0, gh = 0, piece = 0;
    int made = p->no_colour_grow ? NETS_OK
                                 : grow_by_colour(io, &pm, bx->label, cov, rx, ry, rw, rh, &big, &core, &gx, &gy, &gw, &gh,
                                                  &piece, err);
    if (made == NETS_OK) /* then 1 (a job) or 0 (empty), or an error */
      made = big ? unmask_job_from_covering(big, gx, gy, gw, gh, core, rx, ry, rw, rh, p, W, H, bx->score,
                                            &jobs[n], err)
                 : unmask_job_from_covering(cov, rx, ry, rw, rh, NULL, 0, 0, 0, 0, p, W, H, bx->score, &jobs[n],
                                            err);
    free(cov);
    free(big);
    free(core);
    if (made < 0) {
      rc = made;
      goto done;
    }
    if (made) jobs[n].loop_piece = piece;
    n += made;
  }
done:
  free(view), free(prob), free(labels), free(boxes);
  if (rc) {
    jobs_free(jobs, n);
    return rc;
  }
  *out = jobs;
  *n_out = n;
  return NETS_OK;
}

/* ---- Finding the holes: user hole -------------------------------------- */

/* The user's coverage, split into connected parts found on a view of at most
 * VIEW_MAX (any coverage in a view pixel marks it), each part then read at
 * full scale.  alpha = the coverage itself. */
static int user_holes(const unmask_image_io *io, int hx, int hy, int hw, int hh,
                      const unmask_params *p, unmask_job **out, int *n_out, nets_error *err) {
  int L = hw > hh ? hw : hh;
  double s = L > VIEW_MAX ? (double)VIEW_MAX / L : 1.0;
  int vw = nets_clampi((int)ceil(hw * s), 1, hw), vh = nets_clampi((int)ceil(hh * s), 1, hh);
  size_t vn = (size_t)vw * vh;
  int rc = NETS_OK, n = 0, parts = 0;
  unsigned char *occ = calloc(vn, 1);
  int *labels = malloc(sizeof(int) * vn);
  float *strip = malloc(sizeof(float) * (size_t)hw * STRIP);
  unmask_hole_component comps[MAX_PARTS];
  unmask_job *jobs = calloc(MAX_PARTS, sizeof(unmask_job));
  float *cov = NULL;
  if (!occ || !labels || !strip || !jobs) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    goto done;
  }
  for (int y = 0; y < hh; y += STRIP) {
    int rows = hh - y < STRIP ? hh - y : STRIP;
    if (io->read_hole(io->user, hx, hy + y, hw, rows, strip)) {
      rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the hole failed");
      goto done;
    }
    for (int r = 0; r < rows; r++) {
      int vy = nets_clampi((int)((y + r) * s), 0, vh - 1);
      for (int x = 0; x < hw; x++)
        if (strip[(size_t)r * hw + x] > 0.0f) occ[(size_t)vy * vw + nets_clampi((int)(x * s), 0, vw - 1)] = 1;
    }
  }
  free(strip);
  strip = NULL;
  parts = unmask_hole_components(occ, vw, vh, labels, comps, MAX_PARTS);
  if (parts < 0) {
    rc = nets_error_set(err, parts, "unmask: out of memory");
    goto done;
  }
  int merged = parts > MAX_PARTS;
  if (merged) { /* too many pieces: repaint the whole box as one */
    comps[0] = (unmask_hole_component){0, 0, vw - 1, vh - 1, 0};
    parts = 1;
  }
  for (int c = 0; c < parts; c++) {
    if (progress(p, 0.02 + 0.28 * c / parts, "Reading the selection")) {
      rc = nets_error_set(err, NETS_ERR_CANCEL, "cancelled");
      goto done;
    }
    int rx = hx + nets_clampi((int)floor(comps[c].x0 / s), 0, hw);
    int ry = hy + nets_clampi((int)floor(comps[c].y0 / s), 0, hh);
    int rw = hx + nets_clampi((int)ceil((comps[c].x1 + 1) / s), 0, hw) - rx;
    int rh = hy + nets_clampi((int)ceil((comps[c].y1 + 1) / s), 0, hh) - ry;
    if (rw <= 0 || rh <= 0) continue;
    cov = malloc(sizeof(float) * (size_t)rw * rh);
    if (!cov) {
      rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
      goto done;
    }
    if (io->read_hole(io->user, rx, ry, rw, rh, cov)) {
      rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the hole failed");
      goto done;
    }
    /* keep this part only; find its tight box */
    int x0 = rw, y0 = rh, x1 = -1, y1 = -1;
    long area = 0;
    for (int y = 0; y < rh; y++) {
      int vy = nets_clampi((int)((ry - hy + y) * s), 0, vh - 1);
      for (int x = 0; x < rw; x++) {
        float *a = cov + (size_t)y * rw + x;
        int vx = nets_clampi((int)((rx - hx + x) * s), 0, vw - 1);
        if (*a > 1.0f) *a = 1.0f;
        if (!(*a > 0.0f) || (!merged && labels[(size_t)vy * vw + vx] != c + 1)) {
          *a = 0.0f;
          continue;
        }
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        area++;
      }
    }
    if (area) {
      unmask_job *j = &jobs[n++];
      j->face = (unmask_face){rx + x0, ry + y0, x1 - x0 + 1, y1 - y0 + 1, 1.0f, area};
      j->x = j->face.x;
      j->y = j->face.y;
      j->w = j->face.w;
      j->h = j->face.h;
      j->bx = j->x, j->by = j->y, j->bw = j->w, j->bh = j->h;
      j->alpha = malloc(sizeof(float) * (size_t)j->w * j->h);
      if (!j->alpha) {
        rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
        goto done;
      }
      for (int y = 0; y < j->h; y++)
        memcpy(j->alpha + (size_t)y * j->w, cov + (size_t)(y + y0) * rw + x0, sizeof(float) * j->w);
    }
    free(cov);
    cov = NULL;
  }
done:
  free(occ), free(labels), free(strip), free(cov);
  if (rc) {
    jobs_free(jobs, n);
    return rc;
  }
  *out = jobs;
  *n_out = n;
  return NETS_OK;
}

/* Both paths; also hands each hole to p->hole_write. */
static int find_holes(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                      unmask_job **jobs, int *n, nets_error *err) {
  int hx, hy, hw, hh, rc;
  if (!io || !io->read || io->width <= 0 || io->height <= 0)
    return nets_error_set(err, NETS_ERR_ARG, "unmask: no image");
  if (io->read_hole && io->hole_bounds && io->hole_bounds(io->user, &hx, &hy, &hw, &hh) == 0) {
    int x1 = nets_clampi(hx + hw, 0, io->width), y1 = nets_clampi(hy + hh, 0, io->height);
    hx = nets_clampi(hx, 0, io->width);
    hy = nets_clampi(hy, 0, io->height);
    hw = x1 - hx;
    hh = y1 - hy;
    if (hw <= 0 || hh <= 0) {
      *jobs = NULL;
      *n = 0;
      return NETS_OK;
    }
    rc = user_holes(io, hx, hy, hw, hh, p, jobs, n, err);
  } else {
    if (!m || !m->detector)
      return nets_error_set(err, NETS_ERR_ARG, "unmask: no detector loaded");
    rc = detect_holes(m, io, p, jobs, n, err);
  }
  if (rc) return rc;
  return NETS_OK;
}

static int give_holes(const unmask_params *p, unmask_job *jobs, int n, nets_error *err) {
  if (!p->hole_write) return NETS_OK;
  for (int i = 0; i < n; i++)
    if (p->hole_write(p->hole_user, jobs[i].x, jobs[i].y, jobs[i].w, jobs[i].h, jobs[i].alpha))
      return nets_error_set(err, NETS_ERR_IO, "unmask: writing the hole failed");
  return NETS_OK;
}

/* Whether job k is reported as a face: all are but loop pieces beside a
 * face that is. */
static int reported(const unmask_job *jobs, int n, int k) {
  if (!jobs[k].loop_piece) return 1;
  for (int i = 0; i < n; i++)
    if (!jobs[i].loop_piece) return 0;
  return 1;
}

/* The faces reported (*faces, *n_faces); returns their number or a negative
 * code. */
static int give_faces(unmask_job *jobs, int n, unmask_face **faces, int *n_faces, nets_error *err) {
  int count = 0;
  for (int i = 0; i < n; i++) count += reported(jobs, n, i);
  if (n_faces) *n_faces = count;
  if (!faces) return count;
  *faces = malloc(sizeof(unmask_face) * (count ? count : 1));
  if (!*faces) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  for (int i = 0, j = 0; i < n; i++)
    if (reported(jobs, n, i)) (*faces)[j++] = jobs[i].face;
  return count;
}

/* ---- Output ------------------------------------------------------------ */

static int write_rect(const unmask_image_io *io, int x, int y, int w, int h, const float *buf,
                      nets_error *err) {
  if (w <= 0 || h <= 0) return NETS_OK;
  if (io->write(io->user, x, y, w, h, buf))
    return nets_error_set(err, NETS_ERR_IO, "unmask: writing the image failed");
  return NETS_OK;
}

/* Box outlines (opaque, alpha preserved). */
static int draw_boxes(const unmask_image_io *io, const unmask_job *jobs, int n, nets_error *err) {
  int W = io->width, H = io->height, L = W > H ? W : H;
  int t = L / 400 > 2 ? L / 400 : 2;
  static const float col[3] = {1.0f, 0.85f, 0.0f};
  for (int k = 0; k < n; k++) {
    if (!reported(jobs, n, k)) continue;
    const unmask_face *f = &jobs[k].face;
    int bx0 = nets_clampi(f->x - t, 0, W), by0 = nets_clampi(f->y - t, 0, H);
    int bx1 = nets_clampi(f->x + f->w + t, 0, W), by1 = nets_clampi(f->y + f->h + t, 0, H);
    int r[4][4] = {{bx0, by0, bx1 - bx0, nets_clampi(t, 0, by1 - by0)},
                   {bx0, nets_clampi(by1 - t, by0, by1), bx1 - bx0, nets_clampi(t, 0, by1 - by0)},
                   {bx0, by0, nets_clampi(t, 0, bx1 - bx0), by1 - by0},
                   {nets_clampi(bx1 - t, bx0, bx1), by0, nets_clampi(t, 0, bx1 - bx0), by1 - by0}};
    for (int e = 0; e < 4; e++) {
      int w = r[e][2], h = r[e][3];
      if (w <= 0 || h <= 0) continue;
      float *buf = malloc(sizeof(float) * 4 * (size_t)w * h);
      if (!buf) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
      int rc = NETS_OK;
      if (io->read(io->user, r[e][0], r[e][1], w, h, 1.0, buf))
        rc = nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
      else {
        for (size_t i = 0; i < (size_t)w * h; i++) memcpy(buf + i * 4, col, sizeof col);
        rc = write_rect(io, r[e][0], r[e][1], w, h, buf, err);
      }
      free(buf);
      if (rc) return rc;
    }
  }
  return NETS_OK;
}

/* MASK: the whole image, coverage (max over faces) as white on black. */
static int write_mask(const unmask_image_io *io, const unmask_job *jobs, int n, nets_error *err) {
  int W = io->width, H = io->height;
  float *buf = malloc(sizeof(float) * 4 * (size_t)W * STRIP);
  if (!buf) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
  int rc = NETS_OK;
  for (int y0 = 0; y0 < H && !rc; y0 += STRIP) {
    int rows = H - y0 < STRIP ? H - y0 : STRIP;
    size_t np = (size_t)W * rows;
    for (size_t i = 0; i < np; i++) buf[i * 4] = 0.0f;
    for (int k = 0; k < n; k++) {
      const unmask_job *j = &jobs[k];
      int ya = j->y > y0 ? j->y : y0, yb = j->y + j->h < y0 + rows ? j->y + j->h : y0 + rows;
      for (int y = ya; y < yb; y++)
        for (int x = 0; x < j->w; x++) {
          float a = j->alpha[(size_t)(y - j->y) * j->w + x];
          float *o = buf + ((size_t)(y - y0) * W + j->x + x) * 4;
          if (a > o[0]) o[0] = a > 1.0f ? 1.0f : a;
        }
    }
    for (size_t i = 0; i < np; i++) {
      buf[i * 4 + 1] = buf[i * 4 + 2] = buf[i * 4];
      buf[i * 4 + 3] = 1.0f;
    }
    rc = write_rect(io, 0, y0, W, rows, buf, err);
  }
  free(buf);
  return rc;
}

static int read_originals(const unmask_image_io *io, unmask_job *jobs, int n, nets_error *err) {
  for (int k = 0; k < n; k++) {
    unmask_job *j = &jobs[k];
    if (j->orig) continue;
    j->orig = malloc(sizeof(float) * 4 * (size_t)j->w * j->h);
    if (!j->orig) return nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    if (io->read(io->user, j->x, j->y, j->w, j->h, 1.0, j->orig))
      return nets_error_set(err, NETS_ERR_IO, "unmask: reading the image failed");
  }
  return NETS_OK;
}

/* ---- Entry points ------------------------------------------------------ */

int unmask_detect(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                  unmask_face **faces, int *n_faces, nets_error *err) {
  unmask_params def;
  if (!p) {
    unmask_params_default(&def);
    p = &def;
  }
  if (faces) *faces = NULL;
  if (n_faces) *n_faces = 0;
  unmask_job *jobs = NULL;
  int n = 0, rc = find_holes(m, io, p, &jobs, &n, err);
  if (rc) return rc;
  if (!(rc = give_holes(p, jobs, n, err))) rc = give_faces(jobs, n, faces, n_faces, err);
  if (rc >= 0) progress(p, 1.0, "Done");
  jobs_free(jobs, n);
  return rc;
}

int unmask_run(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
               unmask_face **faces, int *n_faces, nets_error *err) {
  unmask_params def;
  if (!p) {
    unmask_params_default(&def);
    p = &def;
  }
  if (faces) *faces = NULL;
  if (n_faces) *n_faces = 0;
  if (!io || !io->write) return nets_error_set(err, NETS_ERR_ARG, "unmask: no image to write");
  if (p->output == UNMASK_OUTPUT_RESULT && !p->baseline && (!m || !m->inpainter))
    return nets_error_set(err, NETS_ERR_ARG, "unmask: no inpainter loaded");
  unmask_job *jobs = NULL;
  int n = 0, rc = find_holes(m, io, p, &jobs, &n, err);
  if (rc) return rc;

  /* 1. everything that can fail or be cancelled, image untouched */
  if (p->output == UNMASK_OUTPUT_RESULT) {
    /* each face is repainted next to the faces repainted before it (their
     * results, not their masks, are its context); the originals are read
     * first, for the paste */
    rc = read_originals(io, jobs, n, err);
    for (int k = 0; k < n && !rc; k++) {
      if (progress(p, 0.3 + 0.65 * k / n, "Repainting faces")) {
        rc = nets_error_set(err, NETS_ERR_CANCEL, "cancelled");
        break;
      }
      unmask_repainted sofar;
      unmask_repainted_init(&sofar, io, jobs, k);
      rc = unmask_fill_job(p->baseline ? NULL : m, &sofar.io, p, &jobs[k], k, err);
    }
  } else if (p->output == UNMASK_OUTPUT_OVERLAY) {
    rc = read_originals(io, jobs, n, err);
  } else if (p->output != UNMASK_OUTPUT_MASK) {
    rc = nets_error_set(err, NETS_ERR_ARG, "unmask: unknown output mode %d", (int)p->output);
  }
  if (!rc && progress(p, 0.95, "Writing")) rc = nets_error_set(err, NETS_ERR_CANCEL, "cancelled");
  if (!rc) rc = give_holes(p, jobs, n, err);

  /* 2. write back (not interrupted) */
  if (!rc && p->output == UNMASK_OUTPUT_MASK) {
    rc = write_mask(io, jobs, n, err);
  } else if (!rc) {
    size_t most = 0;
    for (int k = 0; k < n; k++)
      if ((size_t)jobs[k].w * jobs[k].h > most) most = (size_t)jobs[k].w * jobs[k].h;
    float *buf = malloc(sizeof(float) * 4 * (most ? most : 1));
    if (!buf) rc = nets_error_set(err, NETS_ERR_NOMEM, "unmask: out of memory");
    for (int k = 0; k < n && !rc; k++) {
      /* from job k's original pixels, so that overlapping rectangles agree */
      memcpy(buf, jobs[k].orig, sizeof(float) * 4 * (size_t)jobs[k].w * jobs[k].h);
      unmask_paste(jobs, n, p->output, jobs[k].x, jobs[k].y, jobs[k].w, jobs[k].h, buf);
      rc = write_rect(io, jobs[k].x, jobs[k].y, jobs[k].w, jobs[k].h, buf, err);
    }
    free(buf);
    if (!rc && p->output == UNMASK_OUTPUT_OVERLAY) rc = draw_boxes(io, jobs, n, err);
  }
  if (!rc) rc = give_faces(jobs, n, faces, n_faces, err);
  if (rc >= 0) progress(p, 1.0, "Done");
  jobs_free(jobs, n);
  return rc;
}
