/* The generator's face table and image cache (internal to nets/synth). */
#ifndef UNMASK_SYNTH_DATA_H
#define UNMASK_SYNTH_DATA_H

#include <pthread.h>
#include <stdint.h>

#include "synth-private.h"

enum { SRC_UTK, SRC_AAF, SRC_YTF, SRC_IBUG, SRC_OTHER };

typedef struct {
  char *name;
  int w, h;          /* from the CSV; replaced by the decoded size */
  int src, split;
  uint8_t *pix;      /* RGB8, decoded lazily, then kept */
  int first_face, n_faces; /* faces of this file: face indices [first, first+n) */
} synth_file;

typedef struct {
  int file;
  float lm[136];
  double iod;
} synth_face;

typedef struct {
  int *v;
  int n;
} synth_list;

struct unmask_synth {
  char *dir;
  synth_file *files;
  int n_files;
  synth_face *faces;
  int n_faces;
  unmask_templates *templates;
  double kind_w[UNMASK_MASK_N_KINDS]; /* how often each mask kind is drawn */
  int seam_radius;                    /* of the seams between touching coverings */
  double photo_share;                 /* of scenes on a whole photo of people */
  double emblem_share;                /* of training scenes with badges drawn on */
  double small_share;                 /* of faces pasted into training scenes, drawn small */
  double top_cut_share;               /* of them placed with their eyes above the frame */
  double low_scarf_share;             /* of training scarves kept clear of the chin */
  pthread_mutex_t lock;
  /* per split: */
  synth_list inpaint[2]; /* faces large enough for the inpainter */
  synth_list paste[2];   /* faces to paste into scenes (non-ibug) */
  synth_list scenes[2];  /* files usable as whole-scene backgrounds (ibug) */
  synth_list bgs[2];     /* files usable for background crops */
};

/* Decoded pixels of a file (cached).  NULL + err on failure. */
const uint8_t *synth_file_pixels(unmask_synth *s, int file, int *w, int *h, nets_error *err);
/* random mask kind (template only when templates are loaded) */
int synth_random_kind(unmask_synth *s, synth_rng *r);
/* render kind on img (template or procedural) */
int synth_render_any(unmask_synth *s, int kind, const float *lm, uint64_t seed, nets_image *img,
                     float *coverage, float *shadow, nets_error *err);

/* inpaint sample with a given kind (-1: random, as the public function);
 * kind_out and lm_out (may be NULL) receive the kind drawn and the
 * landmarks in crop pixels */
int synth_inpaint_sample_kind(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                              int force_kind, float *masked, float *hole, float *orig,
                              float *valid, int *kind_out, float *lm_out, nets_error *err);

#endif
