/* Masked-face synthesis: the training data of both networks, generated on
 * the fly from face photos + 68-point landmarks (faces.csv format).
 *
 *  - inpainter samples: (masked crop, hole, original crop) at
 *    NETS_INPAINT_SIZE^2, the crop placed by unmask_crop_from_hole_box();
 *  - detector scenes: several faces (masked or not, plus look-alike
 *    distractors) on real backgrounds, with the per-pixel covering map and
 *    one box per covering.
 *
 * Every sample is a pure function of (faces, split, seed, index): the same
 * arguments give the same bytes whatever the thread count.  An unmask_synth
 * may be used from several threads at once. */
#ifndef UNMASK_SYNTH_H
#define UNMASK_SYNTH_H

#include <stdint.h>

#include "../core/nets-error.h"
#include "../io/image.h"

/* ---- Mask kinds -------------------------------------------------------- */
typedef enum {
  UNMASK_MASK_SURGICAL = 0, /* pleated, ear loops; blue/white/green/black/pink */
  UNMASK_MASK_KN95,         /* folded respirator, vertical seam, ear loops */
  UNMASK_MASK_N95,          /* cup respirator, head straps, optional valve */
  UNMASK_MASK_CLOTH,        /* plain or printed fabric, hem, ear loops */
  UNMASK_MASK_DARK,         /* black / navy / charcoal cloth or surgical */
  UNMASK_MASK_BELOW_NOSE,   /* worn wrongly: top edge under the nostrils */
  UNMASK_MASK_CHIN,         /* worn wrongly: on the chin only */
  UNMASK_MASK_TEMPLATE,     /* a MaskTheFace RGBA picture warped on the face */
  UNMASK_MASK_N_KINDS
} unmask_mask_kind;

const char *unmask_mask_kind_name(int kind);

/* ---- MaskTheFace templates (masks.cfg) -------------------------------- */
typedef struct unmask_templates unmask_templates;
/* Parses masks.cfg (this project's copy or an upstream MaskTheFace file:
 * integer or decimal anchors, any key order, sections without template,
 * paths relative to the file or "masks/templates/NAME.png") and loads the
 * pictures (and the textures/ folder next to templates/, if any). */
unmask_templates *unmask_templates_load(const char *cfg_path, nets_error *err);
void unmask_templates_free(unmask_templates *t);
int unmask_templates_count(const unmask_templates *t);
const char *unmask_templates_name(const unmask_templates *t, int i);

/* ---- Renderers (usable on any image, e.g. a synthetic test face) ------ */
/* Draws a mask of `kind` (not UNMASK_MASK_TEMPLATE) on img (RGB, 3 channels)
 * whose face has the landmarks lm[136] = x0,y0..x67,y67 in img pixels.
 * coverage (img w*h, may be NULL) is updated with max(old, alpha of the mask
 * incl. its straps/loops).  shadow (may be NULL) likewise receives the
 * darkening put on the skin around it (0..1).  Deterministic in seed. */
int unmask_synth_render_mask(const float *lm, int kind, uint64_t seed, nets_image *img,
                             float *coverage, float *shadow, nets_error *err);
/* Same with template `index` (or -1: chosen by seed, the _left/_right
 * variant picked by the head's yaw). */
int unmask_synth_render_template(const unmask_templates *t, int index, const float *lm,
                                 uint64_t seed, nets_image *img, float *coverage, float *shadow,
                                 nets_error *err);

/* Head pose from landmarks: roll in radians (eye line, + = clockwise in the
 * image), yaw in [-1, 1] (+ = nose tip towards image right). */
void unmask_landmarks_pose(const float *lm, double *roll, double *yaw);

/* ---- Generator -------------------------------------------------------- */
typedef struct unmask_synth unmask_synth;

typedef struct {
  float x, y, w, h; /* covering box in scene pixels */
  int kind;         /* the mask's unmask_mask_kind */
  int pasted;       /* 1: on a face pasted into the scene; 0: on a person of its photo */
  float visible;    /* share of it that shows: of its pixels in the frame, those that
                       nothing drawn later hides, times the share of its face's
                       lower points in the frame */
  float face_w;     /* the width of its face (jaw: landmark 0 to 16), scene pixels */
} unmask_box;

/* One line of a faces.csv cut in place into its UNMASK_CSV_FIELDS fields
 * (file, width, height, source, licence, x0, y0 .. x67, y67; the line end
 * dropped); 0 when it has fewer (a blank or malformed line). */
#define UNMASK_CSV_FIELDS 141
int unmask_csv_split(char *line, char **fields);
/* The 68 points of a row split so. */
void unmask_csv_points(char *const *fields, float *lm);

/* faces_dir: folder with the photos; csv_path: landmarks (faces.csv
 * format); templates_cfg: masks.cfg or NULL (no template kind).  The
 * train / held-out split: ytf faces by person (provenance.csv next to the
 * CSV, when present), ibug by photo, others by file name; about 10% held out. */
unmask_synth *unmask_synth_new(const char *faces_dir, const char *csv_path,
                               const char *templates_cfg, nets_error *err);
void unmask_synth_free(unmask_synth *s);
/* How often each mask kind is drawn, relatively: w[UNMASK_MASK_N_KINDS]
 * (negative entries, or w NULL: the defaults, surgical 0.26, kn95 0.12, n95
 * 0.08, cloth 0.20, dark 0.10, below-nose 0.07, chin 0.04, template 0.13). */
void unmask_synth_set_kind_weights(unmask_synth *s, const double *w);
/* Number of annotated faces in a split (0 train, 1 held-out). */
int unmask_synth_count(const unmask_synth *s, int split);
/* Whole photos of several people (for unmask_synth_photo_scene) in a split. */
int unmask_synth_photo_count(const unmask_synth *s, int split);

/* One inpainter triple, NETS_INPAINT_SIZE^2 pixels each: masked and orig
 * RGB (HWC), hole 0/1.  Camera noise and JPEG are applied to both masked and
 * orig identically, so outside the hole they (nearly) agree.  valid (may be
 * NULL) receives 1 where the crop pixel comes from inside the photo and 0
 * where the crop reached past its edge (those pixels are edge smear, not
 * face: training and evaluation leave them out). */
int unmask_synth_inpaint_sample(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                                float *masked, float *hole, float *orig, float *valid,
                                nets_error *err);
/* The same triple, the kind of mask drawn on it and the face's 68
 * landmarks in crop pixels, x0,y0..x67,y67 (kind and lm may be NULL). */
int unmask_synth_inpaint_sample_ex(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                                   float *masked, float *hole, float *orig, float *valid,
                                   int *kind, float *lm, nets_error *err);

/* A line drawing of the lower face from 68 landmarks (in pixels of a
 * size x size image): the jaw, the nose and the outer and inner lips, about
 * 2 px wide, 1 on the lines and 0 elsewhere, written to dst (size^2). */
void unmask_landmark_sketch(const float *lm, int size, float *dst);

/* Whether the point (px, py) lies inside the polygon of n points xy (x0, y0,
 * x1, y1, ...; closed from the last point to the first), by the even-odd
 * rule. */
int unmask_polygon_contains(const float *xy, int n, float px, float py);

/* The face from 68 landmarks (pixels of a size x size image): 1 inside the
 * outline of the jaw and the brows, 0 outside, written to dst (size^2). */
void unmask_landmark_face(const float *lm, int size, unsigned char *dst);

/* Where two coverings touch, the pixels of each within this many pixels
 * (Chebyshev) of the other are left out of both: a seam that keeps them
 * apart, so that one connected part of the map is one covering.  This is the
 * default; unmask_synth_set_seam_radius sets 0..UNMASK_SEAM_RADIUS_MAX
 * (0: no seams), and returns -1 (unchanged) outside that range. */
#define UNMASK_SEAM_RADIUS 2
#define UNMASK_SEAM_RADIUS_MAX 8
int unmask_synth_set_seam_radius(unmask_synth *s, int radius);

/* The share of training scenes (unmask_synth_scene) whose background is a
 * whole photo of people, whose faces get masks too; the rest are pasted
 * faces on crops of photos or on textures.  This is the default (the
 * held-out scenes always use it); unmask_synth_set_photo_share sets 0..1,
 * and returns -1 (unchanged) outside that range. */
#define UNMASK_PHOTO_SHARE 0.45
int unmask_synth_set_photo_share(unmask_synth *s, double share);

/* The share of training scenes (split 0) with one to three badges, patches
 * or round signs drawn on, most of them on a person's chest: things of a
 * mask's size and colours with no face around them.  Held-out scenes never
 * get them (so their numbers stay comparable).  This is the default;
 * unmask_synth_set_emblem_share sets 0..1, and returns -1 (unchanged)
 * outside that range. */
#define UNMASK_EMBLEM_SHARE 0.0
int unmask_synth_set_emblem_share(unmask_synth *s, double share);

/* The share of the faces pasted into training scenes (split 0) whose width
 * is drawn from UNMASK_SMALL_FACE_MIN to 2 x that (log-uniform) instead of
 * up to the scene's size: the smallest faces the detector is asked to find.
 * Held-out scenes never change.  Default 0; unmask_synth_set_small_share
 * sets 0..1, and returns -1 (unchanged) outside that range. */
#define UNMASK_SMALL_FACE_MIN 24.0
int unmask_synth_set_small_share(unmask_synth *s, double share);

/* The share of the faces pasted into training scenes (split 0) placed with
 * the head's centre (between brows and chin) from 0.3 of its distance to
 * the chin above the frame's top edge to 0.75 of it below: the eyes lie at
 * or above the frame and the covering reaches or nears its top edge, as on
 * people whose head the photo cuts off.  Otherwise a fifth of the pasted
 * faces are placed partly outside the frame on any side, but rarely that
 * far up.  Non-photo training scenes then also get, with a chance of
 * 2 x share, a mask-coloured thing cut by the top edge with no face under
 * it.  Held-out scenes never change.  Default 0;
 * unmask_synth_set_top_cut_share sets 0..1, and returns -1 (unchanged)
 * outside that range. */
int unmask_synth_set_top_cut_share(unmask_synth *s, double share);

/* The share of the "scarf low on the neck" look-alikes in training scenes
 * (split 0) whose top edge is kept 0.15-0.35 eye distances below the chin
 * point (landmark 8).  Otherwise a scarf's top may reach the chin point,
 * where a chin-only mask sits, and the detector learns to pass such masks
 * by.  Held-out scenes never change.  Default 0;
 * unmask_synth_set_low_scarf_share sets 0..1, and returns -1 (unchanged)
 * outside that range. */
int unmask_synth_set_low_scarf_share(unmask_synth *s, double share);

/* One detector scene of w x h: rgb (w*h*3), cover (w*h, 0/1, with seams
 * between touching coverings), seam (w*h, 1 on those seams; may be NULL),
 * boxes of the coverings (n_boxes written, at most max_boxes; boxes may be
 * NULL). */
int unmask_synth_scene(unmask_synth *s, int split, uint64_t seed, uint64_t index, int w, int h,
                       float *rgb, float *cover, float *seam, unmask_box *boxes, int max_boxes,
                       int *n_boxes, nets_error *err);

/* The same, but only whole photos of several people (the 300-W photos) with
 * masks drawn on their own faces: no pasted faces, no loose fabric.  Fails
 * when the data has no such photos. */
int unmask_synth_photo_scene(unmask_synth *s, int split, uint64_t seed, uint64_t index, int w, int h,
                             float *rgb, float *cover, unmask_box *boxes, int max_boxes,
                             int *n_boxes, nets_error *err);

/* Things drawn into scenes to look like coverings that are not: what the
 * detector must not find. */
typedef enum {
  UNMASK_LOOKALIKE_HAND,   /* a hand over a bare mouth and chin */
  UNMASK_LOOKALIKE_SCARF,  /* a scarf low on a neck, in mask colours 40% of the time */
  UNMASK_LOOKALIKE_PATCH,  /* a shirt patch in mask colours (blues, white, green) on a chest */
  UNMASK_LOOKALIKE_FABRIC, /* loose fabric, a bag or a sign anywhere (not in photo scenes) */
  UNMASK_LOOKALIKE_KINDS
} unmask_lookalike_kind;

typedef struct {
  float x, y, w, h; /* box of its pixels that show */
  int kind;         /* its unmask_lookalike_kind */
  long shown;       /* its pixels that show: drawn at alpha >= 0.5, and nothing drawn later hides them */
} unmask_lookalike;

/* What a scene holds: its coverings' boxes (as unmask_synth_scene gives
 * them; boxes may be NULL) and its look-alikes that show (looks may be
 * NULL).  n_boxes and n_looks are written. */
typedef struct {
  unmask_box *boxes;
  int max_boxes, n_boxes;
  unmask_lookalike *looks;
  int max_looks, n_looks;
} unmask_scene_truth;

/* unmask_synth_scene (photo 0) or unmask_synth_photo_scene (photo 1, seam
 * unused), with the scene's look-alikes too: the same pictures and boxes. */
int unmask_synth_scene_truth(unmask_synth *s, int split, int photo, uint64_t seed, uint64_t index, int w,
                             int h, float *rgb, float *cover, float *seam, unmask_scene_truth *truth,
                             nets_error *err);

/* Split of a face file name given its provenance source_path (may be NULL):
 * 0 train, 1 held-out. */
int unmask_synth_split_of(const char *file, const char *source_path);

/* CLI: unmask-train synth --faces DIR --csv FILE [--templates CFG]
 *      [--preview N] [--out DIR] [--seed S] [--bench] */
int unmask_train_synth_main(int argc, char **argv);

#endif
