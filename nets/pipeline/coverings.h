/* From a photo to its coverings, the detection steps shared by the pipeline
 * and eval-detector:
 *   1. the probability map: the detector on the view (tile by tile, with a
 *      margin of context, when it has over 1024 x 1024 pixels), and for
 *      views of up to NETS_DETECTOR_2X_MAX pixels also on the view enlarged 2x;
 *   2. coverings: components of the map >= threshold that reach the seed
 *      level, split where touching masks meet (nets_detector_boxes);
 *   3. a second look at each: the detector again on the crop the inpainter
 *      would get for it (crop.h), on its part inside the picture, so that a
 *      covering cut by the frame stays cut.  The first look sees the whole
 *      picture, where a cup's rim or a logo can pass for a mask; framed like
 *      a face, with no eyes above it, it no longer does.  A covering that
 *      fails it gets a closer look (UNMASK_VERIFY_CLOSE).  When the detector
 *      file has a second-look model (UNMASK_LOOK_FEATURES features, or
 *      UNMASK_LOOK_POOLED with what the network saw in the look), a
 *      covering that passes must pass the model too. */
#ifndef UNMASK_COVERINGS_H
#define UNMASK_COVERINGS_H

#include <stddef.h>

#include "models.h"

/* Side of the second look's crop, in pixels. */
#define UNMASK_VERIFY_SIZE 128
/* Coverings whose box is under this many view pixels on its longer side
 * are held to half the second look's bar: their face crop is enlarged 4x
 * or more to UNMASK_VERIFY_SIZE, and the detector is less sure of a face so
 * soft.  Mixed held-out scenes: AP@0.5 0.868 -> 0.878, with the same
 * detections matching nothing and unmasked faces flagged (weights/README.md,
 * session 29). */
#define UNMASK_VERIFY_SMALL 24
/* A covering of UNMASK_VERIFY_SMALL or more that fails its second look gets
 * a closer one: the same crop enlarged at most this many times rather than
 * to UNMASK_VERIFY_SIZE, kept when it reaches the closer bar (verify_close).
 * A mask on a face 25-40 px wide, enlarged 3-4x to 128 px, is too soft for
 * the detector to be sure of, and at twice its size it is not: mixed
 * held-out scenes AP@0.5 0.878 -> 0.888, with as many detections matching
 * nothing and 7 of 500 unmasked faces flagged instead of 5 (weights/README.md,
 * session 31).  Smaller coverings enlarged 2x pass on flat or textured
 * patches as often as on masks, so they keep their one look. */
#define UNMASK_VERIFY_CLOSE 2.0
/* The smallest covering kept is a share of the view's pixels, up to a view
 * of this many pixels (512 x 512: 52 pixels) and no more.  A larger view is
 * asked for to find smaller faces; had the smallest covering grown with it,
 * a 2048-px view would drop every covering under 839 pixels, about the mask
 * of a 45-px face (held-out 2048-px scenes at a 2048-px view: AP@0.5 0.841
 * -> 0.939; weights/README.md, session 30). */
#define UNMASK_MIN_AREA_VIEW (512 * 512)

/* A detector file can carry a second-look model (nets_detector_look_model,
 * fitted to its map by `unmask-train fit-look`): a logistic regression on
 * these features of a covering.  A covering the bars keep is then kept only
 * if the model keeps it too; the model never keeps one the bars drop (the
 * shipped model alone would keep the round mission patch on the astronaut's
 * suit, which the map is sure of).  The features:
 *   0  logit of the second look's mean probability (as verify_min's);
 *   1  logit of the closer look's (UNMASK_VERIFY_CLOSE), or feature 0 for a
 *      covering that has none;
 *   2  1 when it has a closer look, else 0;
 *   3  logit of the covering's score (its mean probability on the map);
 *   4  how many of the picture's four edges its box touches;
 *   5  1 when its box touches the top edge (a face whose eyes lie above
 *      the frame), else 0.
 * Logits are of probabilities clamped to [1e-4, 1 - 1e-4].  No feature is
 * counted in pixels, so a model fitted on 256-px scenes holds on any view. */
#define UNMASK_LOOK_FEATURES 6
/* A model can also weigh what the detector saw in the second look: the
 * features above, then its NETS_DETECTOR_POOLED pooled features
 * (nets_detector_pooled) for the 128-px look, weighed by the covering's
 * pixels.  Those are read off the network's own maps, so such a model holds
 * only for the weights it was fitted on. */
#define UNMASK_LOOK_POOLED (UNMASK_LOOK_FEATURES + NETS_DETECTOR_POOLED)
/* With a model, a covering is kept when w . features + b reaches 0 at
 * sensitivity 0.5; each 0.1 of sensitivity above 0.5 lowers that bar by
 * UNMASK_LOOK_STEP logits (and each 0.1 below raises it).  The fixed bars
 * move about as far: from 0.5 to 0.6, the second look's bar goes from 0.3
 * to 0.24, 0.3 lower in logits, which the shipped model's weights on its
 * two looks (0.5 and 0.7) turn into 0.37. */
#define UNMASK_LOOK_STEP 0.4f

typedef struct {
  float threshold, seed; /* the map's two levels (nets_detector_levels) */
  float verify_min;      /* the second look's bar: mean probability of the pixels */
  float verify_close;    /* the closer look's bar (UNMASK_VERIFY_CLOSE) */
  int verify_size;       /* the second look's crop side; 0: no second look */
  long min_area;         /* smallest covering, in view pixels */
  float look_bar;        /* with a second-look model: the logit to reach */
} unmask_levels;

/* The levels for a sensitivity in (0,1) (higher finds more) on a view of
 * view_pixels pixels: at 0.5, seed 0.7, threshold 0.45, second look >= 0.3,
 * closer look >= 0.4;
 * the smallest covering 1/5000 of the view (UNMASK_MIN_AREA_VIEW at most),
 * and 12 pixels at least. */
unmask_levels unmask_levels_for(double sensitivity, size_t view_pixels);

/* The mean probability that covering b's second look must reach: lv's
 * bar, or half of it for a covering under UNMASK_VERIFY_SMALL. */
float unmask_verify_bar(const unmask_levels *lv, const nets_det_box *b);

/* The side in pixels of box b's closer look when its second look is size
 * px: its face crop enlarged UNMASK_VERIFY_CLOSE times; 0 when b has none
 * (under UNMASK_VERIFY_SMALL, or a crop that large enlarged no more). */
int unmask_close_look_size(const nets_det_box *b, int size);

/* The detector file's second-look model (nets_detector_look_model) when
 * it is of a form the second look uses (UNMASK_LOOK_FEATURES or
 * UNMASK_LOOK_POOLED features; *n receives that count), else NULL (*n =
 * 0): the bars alone. */
const float *unmask_look_model(const nets_detector *d, int *n);

/* The first n_feat features of covering b (a box of labels, as
 * nets_detector_boxes gives) for lv's second look, into feat:
 * UNMASK_LOOK_FEATURES or UNMASK_LOOK_POOLED of them; and, if bars is not
 * NULL, 1 there when the fixed bars alone keep b, else 0. */
int unmask_look_features(nets_detector *d, const float *rgb, int w, int h, const int *labels,
                         const nets_det_box *b, const unmask_levels *lv, int n_feat, float *feat, int *bars,
                         nets_error *err);

/* The file of a second-look network (a detector trained on second-look
 * crops, `unmask-train detector --look-every`), with a second-look model
 * fitted to what it sees of the detector's coverings, read from beside the
 * detector's file. */
#define UNMASK_LOOK_FILE "second-look.safetensors"

/* The second-look network for the detector at detector_path into *look:
 * look_path's, or when look_path is NULL the UNMASK_LOOK_FILE beside
 * detector_path if there is one; *look = NULL (the detector takes its own
 * second look) when there is none or look_path is "none".  Returns 0 or a
 * negative nets error code (a file there that does not load). */
int unmask_look_network_load(const char *detector_path, const char *look_path, nets_detector **look,
                             nets_error *err);

/* Step 1.  rgb: w x h x 3 (HWC, [0,1]); prob: w x h. */
int unmask_probability_map(nets_detector *d, const float *rgb, int w, int h, float *prob,
                           nets_error *err);

/* Steps 2 and 3.  labels (w*h) receives the component map; boxes, at most
 * max_boxes, the coverings kept, best first.  look: the network that takes
 * the second look, with its own second-look model (a detector file trained
 * for it, second-look.safetensors); NULL: d.  Returns their number or a
 * negative nets error code. */
int unmask_coverings(nets_detector *d, nets_detector *look, const float *rgb, int w, int h, const float *prob,
                     const unmask_levels *lv, int *labels, nets_det_box *boxes, int max_boxes,
                     nets_error *err);

#endif
