/* The one Unmasked pipeline: detect -> crop -> inpaint -> paste back.
 * The GEGL operation, the GIMP plug-in (through the operation) and the
 * `unmask` CLI all call unmask_run(); none has a copy of this logic.
 *
 * The image is reached through callbacks so that huge images never have to be
 * held in memory at full size as float: the detector reads a downscaled view,
 * and each face is read and written back as a crop. */
#ifndef UNMASK_PIPELINE_H
#define UNMASK_PIPELINE_H

#include "../core/nets-error.h"

/* Pixels exchanged with the callbacks: float R'G'B'A (sRGB-encoded, not
 * premultiplied), 4 floats per pixel, rows packed (stride = width * 4). */
typedef struct {
  int width, height;
  void *user;
  /* Read the rectangle (x, y, w, h) of the image, scaled by `scale` (<= 1):
   * out receives w*h pixels covering image area (x/scale, y/scale, w/scale, h/scale).
   * For scale == 1 this is a plain read.  Pixels outside the image are clamped
   * to the edge.  Return 0 on success. */
  int (*read)(void *user, int x, int y, int w, int h, double scale, float *out);
  /* Write back the rectangle (x, y, w, h) at full scale; (only pixels in the image). */
  int (*write)(void *user, int x, int y, int w, int h, const float *in);
  /* Optional user hole (e.g. a GIMP selection): coverage in [0,1], 1 float per
   * pixel, for the rectangle at full scale.  NULL when there is no hole. */
  int (*read_hole)(void *user, int x, int y, int w, int h, float *out);
  /* Optional: bounding box of the user hole (for a selection), or return -1 if empty. */
  int (*hole_bounds)(void *user, int *x, int *y, int *w, int *h);
} unmask_image_io;

typedef enum {
  UNMASK_OUTPUT_RESULT = 0,  /* the repainted image */
  UNMASK_OUTPUT_MASK = 1,    /* the hole that would be repainted, white on black */
  UNMASK_OUTPUT_OVERLAY = 2, /* the image with the hole tinted red and boxes drawn */
} unmask_output;

/* Detected holes grow and feather by these shares of the covering's larger
 * side on top of grow_px and feather_px. */
#define UNMASK_GROW_SHARE 0.02
#define UNMASK_FEATHER_SHARE 0.01

typedef struct {
  double sensitivity; /* in (0,1): higher finds more; default 0.5 (unmask_levels_for) */
  double grow_px;     /* grow the hole by this many pixels (full-scale) ; default 4 */
  double feather_px;  /* feather the seam; default 3 */
  unmask_output output;
  /* Progress in [0,1]; return nonzero to cancel.  May be NULL.  Cancelling
   * is honoured until the first write to the image; the final write-back
   * phase (reported from 0.95 on) is not interrupted, so a cancelled run
   * leaves the image untouched. */
  int (*progress)(void *user, double fraction, const char *what);
  void *progress_user;
  /* ---- Extensions (zeroed by unmask_params_default, but for detail) ---- */
  /* 1: fill holes with the classical harmonic baseline (unmask_diffuse_fill,
   * diffuse.h) instead of the inpainter network, for comparisons; the
   * inpainter weights are then not used. */
  int baseline;
  /* Optional: receives, once per face, the blend alpha of that face's hole
   * (w*h floats in [0,1], the full-scale rectangle x, y, w, h) before the
   * image is written.  Faces may overlap: take the max.  Lets the CLI write
   * --mask-out without a second detection pass.  Return nonzero to fail. */
  int (*hole_write)(void *user, int x, int y, int w, int h, const float *alpha);
  void *hole_user;
  /* 1: the detected covering does not grow over the thin parts next to it
   * that have its colours (ear loops, straps, its rim; hole.h), and its own
   * thin parts grow and feather as its body does, for comparisons. */
  int no_colour_grow;
  /* Long side (px) of the view the detector sees; 0 = UNMASK_VIEW_DEFAULT.
   * Larger finds smaller faces in big photos (group photos), at more time
   * and more false detections on textures; views over 1024 px are detected
   * tile by tile, so memory stays near that of a 1024-px view.  Clamped to
   * 256..8192. */
  int view_max;
  /* How much of the inpainter's refinement to paint, 0..1: the coarse
   * result plus that share of the refinement's correction, smoothed
   * (nets_inpainter_predict_detail).  0 is the smooth coarse stage (and the
   * coarse network only); 1 draws sharper lips and nose but can leave stray
   * strokes.  Default UNMASK_DETAIL_DEFAULT. */
  double detail;
  /* 1: no drawing of the lower face for an inpainter that takes one (the
   * landmark predictor's, fill.c), for comparisons. */
  int no_sketch;
} unmask_params;

/* 2048: on held-out scenes of 2048 px, AP@0.5 0.837 at a 1024-px view and
 * 0.908 at 2048, where masks of 16-31 px are found (0% at 1024); photos of
 * up to 2048 px are seen whole.  A 10-MP photo takes about 0.3 s more to
 * detect than at 1024 (weights/README.md, session 30). */
#define UNMASK_VIEW_DEFAULT 2048
#define UNMASK_DETAIL_DEFAULT 0.5

void unmask_params_default(unmask_params *p);

typedef struct unmask_models unmask_models; /* loaded detector + inpainter */

/* Load models from a directory holding detector.safetensors,
 * inpainter.safetensors and (for an inpainter that paints along a drawing of
 * the landmarks) landmarks.safetensors.  dir == NULL means the bundled
 * weights: the installed ones, then the source tree's weights/ for
 * uninstalled builds.  A file missing from dir is taken from the bundled
 * weights (a user who trained only an inpainter); dir must hold at least
 * one of the three. */
unmask_models *unmask_models_load(const char *dir, nets_error *err);
void unmask_models_free(unmask_models *m);

/* For a process of its own that runs the pipeline (the unmask CLI, the GIMP
 * plug-in, the benchmark): freed buffers stay with the process for the next
 * photo or preview, instead of going back to the system and being faulted
 * in again, page by page (that cost a 1-megapixel detection about a third
 * of its time, weights/README.md).  It sets the C library's allocator for
 * the whole process, so the GEGL ops, which run inside gegl's or GIMP's
 * process, do not call it.  A no-op where the C library is not glibc. */
void unmask_process_setup(void);

typedef struct {
  int x, y, w, h;  /* full-scale box of the covering */
  float score;
  long mask_area;  /* pixels of the covering at full scale (before grow/feather) */
} unmask_face;

/* Holes (with a detected covering):
 *   covering = detector probability upsampled bilinearly to full scale,
 *              >= threshold, restricted to the face's connected component
 *              of the map >= threshold, which must reach the seed level
 *              somewhere and pass a second look on its face crop
 *              (coverings.h; sensitivity sets all three levels), then
 *              grown over the thin parts next to it that have its colours
 *              (ear loops, straps, its rim: unmask_hole_grow_like, hole.h)
 *              unless p->no_colour_grow;
 *   alpha    = 1 within grow of the covering, smooth ramp to 0 at
 *              grow + feather (hole.h), where grow = grow_px + 2% and
 *              feather = feather_px + 1% of the covering's larger side;
 *              its thin parts past the body's rim (unmask_hole_body: the
 *              loops and straps the detector drew or the growth added)
 *              grow by grow_px and feather by feather_px alone, at most
 *              1.5 px each at the colour growth's scale (pipeline-private.h).
 * With a user hole, alpha is the user's coverage itself (grow/feather are
 * not applied: a selection is repainted exactly as given).
 * unmask_face.x/y/w/h is the bounding box of the covering (the user hole's
 * pixels with coverage > 0) and mask_area the number of its pixels.
 * Each face's inpainter crop comes from unmask_crop_from_hole_box() (synth/
 * crop.h) on the box of the covering's body: thin loops/straps are eroded
 * away first, as synth does when it makes the training crops.
 *
 * The io must leave pixels that are never written as the input (in-place,
 * or output pre-copied from input).  Each written rectangle is computed from
 * the original pixels read before any write, so it does not matter whether
 * io->read sees earlier writes. */

/* Run the pipeline.  On success returns the number of faces repainted (>= 0)
 * and, if faces/n_faces are given, a malloc'ed array the caller frees.  A
 * piece of ear loop that the detector took for a covering of its own is
 * repainted but not counted or listed when a face is listed beside it.
 * With a user hole (io->read_hole != NULL and hole_bounds succeeds) detection
 * is skipped and exactly that region is repainted.  m may be NULL only with
 * p->baseline and a user hole.  Pixels whose blend alpha is 0 are never
 * changed; only the rectangles holding alpha > 0 are written (the whole image
 * for UNMASK_OUTPUT_MASK, plus the box outlines for OVERLAY). */
int unmask_run(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
               unmask_face **faces, int *n_faces, nets_error *err);

/* The detection half of unmask_run(), shared with it (the `unmask detect`
 * CLI uses this): finds the faces' holes exactly as unmask_run() would,
 * calls p->hole_write for each, and writes nothing to the image.  The
 * inpainter is not run.  With a user hole in io, that hole is described.
 * Returns the number of faces or a negative error code. */
int unmask_detect(unmask_models *m, const unmask_image_io *io, const unmask_params *p,
                  unmask_face **faces, int *n_faces, nets_error *err);

#endif
