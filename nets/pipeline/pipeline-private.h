/* Internals shared by the pipeline's files (not installed, not API). */
#ifndef UNMASK_PIPELINE_PRIVATE_H
#define UNMASK_PIPELINE_PRIVATE_H

#include "../models/models.h"
#include "pipeline.h"

struct unmask_models {
  nets_detector *detector;
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
} unmask_job;

/* Repaint one job: reads its crop through io, runs the inpainter (or the
 * baseline when models is NULL / baseline is set), and fills job->fill and
 * job->orig.  index seeds the grain.  Returns 0 or a negative code. */
int unmask_fill_job(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                    unmask_job *job, int index, nets_error *err);

#endif
