/* Internals shared by the pipeline's files (not installed, not API). */
#ifndef UNMASK_PIPELINE_PRIVATE_H
#define UNMASK_PIPELINE_PRIVATE_H

#include "../models/models.h"
#include "pipeline.h"

struct unmask_models {
  nets_detector *detector;
  nets_detector *looker;       /* NULL unless a second-look network lies beside the detector's file */
  nets_inpainter *inpainter;
  nets_landmarker *landmarker; /* NULL unless the inpainter takes a sketch and the file exists */
};

/* One face (or user-hole component) being repainted. */
typedef struct {
  unmask_face face;   /* covering box, score, area (full scale) */
  double bx, by, bw, bh; /* hole box for unmask_crop_from_hole_box() */
  int x, y, w, h;     /* rectangle holding every pixel with alpha > 0 */
  float *alpha;       /* w*h blend alpha */
  float *orig;        /* w*h*4 original pixels of the rectangle (RESULT/OVERLAY) */
  float *fill;        /* w*h*3 repainted RGB (RESULT only; valid where alpha > 0) */
  int covering;       /* 1: a covering the detector found; 0: a part of the user's hole */
  int loop_piece;     /* a covering that is nearly all thin parts: a piece of ear loop, repainted
                       * but not reported as a face when a face is reported beside it */
} unmask_job;

/* Turn a full-scale covering cov (rw*rh at rx, ry; nonzero = covering) into
 * a job: the covering's box, then alpha = grow/feather(covering) on that box
 * widened by the reach of grow + feather.  The face's box (job->face, what
 * `unmask detect` reports) leaves out the straps traced past the covering
 * (marked UNMASK_HOLE_STRAP, hole.h), as a mask's box is its body's; its
 * mask_area counts them.  core, when not NULL (crw*crh at crx, cry),
 * is the detector's part of cov without its thin parts: it grows and
 * feathers by a share of its size on top of the user's pixels, and so does
 * the rim that the growth by colour adds at its edge (within 0.03 of its
 * size + 2 px); the rest of cov (ear loops and straps) only by the user's
 * pixels, and by at most 1.5 px at the scale they were traced at (coverings
 * up to 384 px: full scale), so that a 2-px loop beside a 200-px mask is
 * repainted about 7 px wide, not 30, and the hair beside it stays.
 * Returns 1 (made), 0 (empty covering) or a negative error code. */
int unmask_job_from_covering(const unsigned char *cov, int rx, int ry, int rw, int rh,
                             const unsigned char *core, int crx, int cry, int crw, int crh,
                             const unmask_params *p, int W, int H, float score, unmask_job *job,
                             nets_error *err);

/* Composite the jobs (in order) over buf, the full-scale rectangle (x, y,
 * w, h) of the picture (RGBA): their fills (RESULT) or a red tint (OVERLAY)
 * where their alpha is above 0; other pixels stay bit-identical. */
void unmask_paste(const unmask_job *jobs, int n, unmask_output mode, int x, int y, int w, int h,
                  float *buf);

/* A reader of the picture as repainted so far: base's pixels with the fills
 * of jobs[0..n) pasted over them (reads at a scale below 1 average the
 * repainted pixels over each one's footprint).  The next face's crop then
 * shows the faces repainted before it, not their masks.  r->io reads only
 * (its write, read_hole and hole_bounds are NULL); r must outlive its use. */
typedef struct {
  unmask_image_io io;
  const unmask_image_io *base;
  const unmask_job *jobs;
  int n;
} unmask_repainted;
void unmask_repainted_init(unmask_repainted *r, const unmask_image_io *base, const unmask_job *jobs,
                           int n);

/* How far the full-scale pixel (px, py) is away from the covering's body
 * or the face, 0 (not at all) to 1: 1 outside the body's box (job->bx..)
 * widened by a tenth of its size, or outside the network's crop (side
 * NETS_INPAINT_SIZE/k at ox, oy); else, with landmarks, one less the crop's
 * map face sampled bilinearly, so that the face's edge is a ramp over about
 * a crop pixel rather than the crop's pixel grid (face NULL: 0).  Hole
 * pixels away get the harmonic fill, mixed with the network's by this
 * weight. */
float unmask_fill_away_weight(const unmask_job *job, int px, int py, double ox, double oy, double k,
                              const unsigned char *face);

/* Repaint one job: reads its crop through io, runs the inpainter (or the
 * baseline when models is NULL / baseline is set), and fills job->fill and,
 * unless it is set already, job->orig (from io).  index seeds the choice of skin texture (or grain).
 * Returns 0 or a negative code. */
int unmask_fill_job(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                    unmask_job *job, int index, nets_error *err);

#endif
