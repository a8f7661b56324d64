/* The two shipped networks, as seen by inference code (pipeline, CLI, evals).
 * Their architectures are defined once, in the files of nets/models, and used by both
 * inference and the trainer. */
#ifndef NETS_MODELS_H
#define NETS_MODELS_H

#include "../core/nets-error.h"

/* ---- Mask detector --------------------------------------------------- */
/* Input: RGB float image, interleaved HWC in [0,1] (sRGB), any size.
 * Output: per-pixel probability that the pixel is part of a face covering,
 * at the input resolution (w*h floats). */
typedef struct nets_detector nets_detector;
nets_detector *nets_detector_load(const char *path, nets_error *err);
void nets_detector_free(nets_detector *d);
int nets_detector_predict(nets_detector *d, const float *rgb, int w, int h, float *prob,
                          nets_error *err);
/* A second pass on the picture enlarged 2x, for masks too small for the
 * first: prob (from nets_detector_predict) becomes the larger of the two.
 * Costs four first passes; the pipeline runs it on views of at most
 * NETS_DETECTOR_2X_MAX pixels. */
#define NETS_DETECTOR_2X_MAX (512 * 512)
int nets_detector_predict_2x(nets_detector *d, const float *rgb, int w, int h, float *prob,
                             nets_error *err);

/* Boxes from a probability map by hysteresis: connected components of
 * prob >= threshold, kept when their peak reaches seed (>= threshold) and
 * they have at least min_area pixels.  score = mean prob inside. */
typedef struct {
  int x, y, w, h;
  float score;
  long area;
  int label; /* component label in `labels` (1-based) */
} nets_det_box;
/* labels (w*h ints, may be NULL) receives component ids (0 = background).
 * Returns the number of boxes written (at most max_boxes), sorted by score. */
int nets_detector_boxes(const float *prob, int w, int h, float threshold, float seed,
                        long min_area, nets_det_box *boxes, int max_boxes, int *labels);
/* The two levels for a sensitivity in (0,1), higher finding more: 0.5 gives
 * seed 0.7 and threshold 0.45 (chosen on the held-out scenes, together with
 * the 2x pass and the second look of pipeline/coverings.h). */
void nets_detector_levels(double sensitivity, float *threshold, float *seed);
/* A linear model that the pipeline's second look (pipeline/coverings.h)
 * applies after its fixed bars when a detector file has one, to drop more
 * of the coverings that are not masks: written by `unmask-train fit-look`
 * into the file's metadata NETS_LOOK_META as "look-v1 N w1 .. wN b",
 * fitted to that file's map.  Returns the weights (N, then the bias) and
 * sets *n to N, or NULL (*n = 0) when the file has none. */
#define NETS_LOOK_META "second_look"
#define NETS_LOOK_MAX 192
const float *nets_detector_look_model(const nets_detector *d, int *n);
/* What the network saw in its last nets_detector_predict, of a w x h
 * picture, as NETS_DETECTOR_POOLED numbers in out (features for the second
 * look's model): the mean of each channel of the deepest map (c10, 1/32 of
 * the picture padded to DETECTOR_STRIDE: 128), then the mean of each
 * channel of the decoder's 1/8 map (u2: 48) over its cells weighed by
 * weight (w x h; each cell takes the weights of the pixels it covers; all
 * 0 when weight is all 0).  Errors: no prediction of that size, out of
 * memory. */
#define NETS_DETECTOR_POOLED 176
int nets_detector_pooled(nets_detector *d, const float *weight, int w, int h, float *out, nets_error *err);
/* Parses such a value into w (at most NETS_LOOK_MAX weights, then the
 * bias); returns N, or -1 when text is not one. */
int nets_look_parse(const char *text, float *w);

/* ---- Face inpainter -------------------------------------------------- */
#define NETS_INPAINT_SIZE 128
/* rgb: NETS_INPAINT_SIZE^2 * 3 floats (HWC, [0,1]); hole: NETS_INPAINT_SIZE^2
 * floats, 1 = repaint.  out: the painted crop, same layout as rgb (pixels
 * outside the hole are the network's output too; callers composite). */
typedef struct nets_inpainter nets_inpainter;
nets_inpainter *nets_inpainter_load(const char *path, nets_error *err);
void nets_inpainter_free(nets_inpainter *p);
int nets_inpainter_predict(nets_inpainter *p, const float *rgb, const float *hole, float *out,
                           nets_error *err);
/* on (the default): predict paints the crop and its mirror image (side by
 * side, one thread each, when OpenBLAS and nets_parallel have two threads or
 * more; else in one batch) and returns the mean of the two results (the
 * second mirrored back), which scores better on held-out crops than one
 * pass (weights/README.md) at twice the work.  off: one pass.  Painting side
 * by side sets both thread counts to 1 meanwhile: callers run one pipeline
 * at a time. */
int nets_inpainter_set_mirror(nets_inpainter *p, int on, nets_error *err);
/* 1 when the weights take a sketch of the lower face (version 5): a
 * NETS_INPAINT_SIZE^2 line drawing, unmask_landmark_sketch's, of where the
 * jaw, nose and lips are.  set_sketch lends one to the following predicts
 * (the caller keeps it alive; NULL: none, painted as zeros, the default).
 * Weights without a sketch input ignore it. */
int nets_inpainter_takes_sketch(const nets_inpainter *p);
void nets_inpainter_set_sketch(nets_inpainter *p, const float *sketch);
/* predict, with the stage chosen by the caller: the weights' choice
 * (NETS_STAGE_DEFAULT), or always the coarse or the refined stage. */
typedef enum { NETS_STAGE_DEFAULT = 0, NETS_STAGE_COARSE = 1, NETS_STAGE_REFINED = 2 } nets_stage;
int nets_inpainter_predict_stage(nets_inpainter *p, const float *rgb, const float *hole,
                                 nets_stage stage, float *out, nets_error *err);
/* The stage predict uses, "coarse" or "refined": the file's "inference_output"
 * metadata chooses it (refined if absent). */
const char *nets_inpainter_stage(const nets_inpainter *p);
/* Both stages' results from one forward pass (each laid out as predict's out). */
int nets_inpainter_predict_stages(nets_inpainter *p, const float *rgb, const float *hole,
                                  float *coarse, float *refined, nets_error *err);
/* The coarse result plus the share `detail` (0..1, clamped) of the
 * refinement's correction, smoothed (nets_inpainter_mix): 0 is the smooth
 * coarse stage (and runs the coarse network only), 1 the whole correction,
 * which draws sharper lips and nose but can leave stray strokes.  out as
 * predict's. */
int nets_inpainter_predict_detail(nets_inpainter *p, const float *rgb, const float *hole, float detail,
                                  float *out, nets_error *err);
/* That mix of two results of predict_stages: out = coarse + detail B(refined
 * - coarse), NETS_INPAINT_SIZE^2 * 3 values; out may be refined.  B is one
 * pass of the 3x3 binomial filter: the refinement's correction carries a
 * grid of 2-3 px that the upscale of a large face turns into blotches, and
 * B takes it out while keeping lips and nostrils (weights/README.md). */
void nets_inpainter_mix(const float *coarse, const float *refined, float detail, float *out);

/* ---- Landmark predictor ------------------------------------------------ */
/* Where the 68 landmarks (the 68-point scheme) of a masked face crop are,
 * hidden ones included: rgb and hole as nets_inpainter_predict's, lm
 * receives x0, y0, .., x67, y67 in crop pixels. */
typedef struct nets_landmarker nets_landmarker;
/* The 68-point scheme mirrored left to right: point i of the mirror image
 * is point nets_landmark_mirror[i] of the face. */
extern const int nets_landmark_mirror[68];
nets_landmarker *nets_landmarker_load(const char *path, nets_error *err);
void nets_landmarker_free(nets_landmarker *p);
int nets_landmarker_predict(nets_landmarker *p, const float *rgb, const float *hole, float *lm,
                            nets_error *err);
/* The same; *spread (if not NULL) receives the mean distance, in crop
 * pixels, between the points found on the crop and those found on its mirror
 * image (mirrored back): how sure the network is that it sees a face framed
 * as in training.  0 when the mirror pass is off. */
int nets_landmarker_predict_spread(nets_landmarker *p, const float *rgb, const float *hole, float *lm,
                                   float *spread, nets_error *err);
/* on (the default): predict also finds the points of the mirrored crop and
 * averages each point with its mirror partner's, mirrored back (a batch of
 * two); off: one pass. */
int nets_landmarker_set_mirror(nets_landmarker *p, int on, nets_error *err);

#endif
