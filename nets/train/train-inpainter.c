/* unmask-train inpainter: trains the gated-convolution generator with L1 and
 * (after a warm-up) the SN-PatchGAN hinge loss, on masked faces synthesised on
 * the fly.  Resumable: everything needed to continue lives in the run folder. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/adam.h"
#include "../core/blas.h"
#include "../core/loss.h"
#include "../core/parallel.h"
#include "../core/rng.h"
#include "../core/weights.h"
#include "../io/safetensors.h"
#include "../models/arch.h"
#include "../pipeline/hole.h"
#include "../synth/synth.h"
#include "augment.h"
#include "checkpoint.h"
#include "perceptual.h"
#include "train-common.h"
#include "train.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

typedef struct {
  train_opts t;
  long gan_start, critic_warmup;
  int critic_width;
  int version; /* of the inpainter network (2 to 7) */
  int freeze_coarse; /* train the refinement only */
  float lr_g, lr_d, gan_weight, hole_weight, valid_weight, fm_weight;
  float refined_l1; /* weight of L1 on the refined output (the coarse one has 1) */
  float perc_weight, perc_coarse; /* perceptual loss on the refined and the coarse output */
  const char *perc_net;
  const char *init_critic; /* with --init: the critic's weights too */
  int hole_grow; /* training holes grow by 0..hole_grow px */
  float sketch_drop, sketch_jitter; /* version 5: share of crops without a sketch; landmark noise */
  const char *pred_landmarks; /* version 5: landmark predictor whose points draw a share of sketches */
  float pred_share;           /* that share, of the crops that get a drawing */
  double grey_share;          /* share of training crops turned grey */
} inpaint_opts;

static void usage(void) {
  printf("usage: unmask-train inpainter [options]\n" TRAIN_OPTS_HELP
         "  --gan-start N      step at which the adversarial loss starts (default 3000)\n"
         "  --gan-weight W     weight of the hinge loss (default 0.05)\n"
         "  --fm-weight W      weight of feature matching: L1 between the critic's features\n"
         "                     of the completed and the real crop (default 0: off)\n"
         "  --critic-warmup N  the critic trains alone for N steps from --gan-start before the\n"
         "                     generator gets its gradient (default 0); for a new critic\n"
         "  --init-critic FILE with --init, start the critic from FILE too (matching tensors)\n"
         "  --critic-width N   channels of the critic's first layer (default 32; a run keeps\n"
         "                     the width it started with)\n"
         "  --lr-g, --lr-d     learning rates (default 2e-4, 2e-4)\n"
         "  --refined-l1 W     weight of L1 on the refined output, against 1 on the coarse\n"
         "                     one (default 1); lower lets the hinge loss draw detail\n"
         "  --perc-weight W    weight of a perceptual loss on the refined output: L1 between\n"
         "                     the mask detector's features (3 layers) of the completed and\n"
         "                     the real crop (default 0: off)\n"
         "  --perc-coarse W    the same perceptual loss on the coarse output (default 0: off)\n"
         "  --perc-net FILE    the detector weights it uses (default weights/detector.safetensors)\n"
         "  --net-version N    the inpainter network's version: 2; 3, which\n"
         "                     adds three gated layers to the coarse network, each added to\n"
         "                     its input and starting at zero (so --init from version 2 weights\n"
         "                     starts from what they compute); or 4, which adds a 32-px level\n"
         "                     to the refinement the same way; or 5, version 3 with a fifth\n"
         "                     input: a line drawing of the lower face from the crop's\n"
         "                     landmarks (its weights on it start at zero, so --init from\n"
         "                     version 3 starts from what that computes; the shipped one);\n"
         "                     or 6, version 5 with three more gated layers added to their\n"
         "                     input (two at 16 px, one at 32 px; --init from version 5\n"
         "                     starts from what it computes).  Default: the run's\n"
         "                     own version when it resumes, else the --init file's, else 3\n"
         "  --sketch-drop P    version 5: share of crops trained without the drawing, so the\n"
         "                     network also paints without one (default 0.25)\n"
         "  --sketch-jitter PX version 5: the drawing's landmarks move by a random shift of\n"
         "                     this size (per crop) and half of it (per point) (default 1)\n"
"  --pred-landmarks FILE version 5: draw a share of the drawings from the points this\n"
         "                     landmark predictor finds on the masked crop (as inference\n"
         "                     does) instead of the true ones (default: none)\n"
         "  --pred-share P     that share of the crops with a drawing (default 0.5)\n"
         "  --freeze-coarse    train only the refinement (and the critic): the coarse network\n"
         "                     keeps its --init weights, and backward stops at its output\n"
         "                     (a run must be resumed with the same choice)\n"
         "  --hole-grow N      grow each training hole by 0..N px, uniformly (default 3):\n"
         "                     the pipeline's holes reach past the drawn mask\n"
         "  --grey P           turn that share of training crops grey (their luma in all\n"
         "                     three channels), as black-and-white photos are (default 0)\n"
         "Defaults: --run runs/inpainter --steps 200000 --save-every 250 --sample-every 500.\n");
}

static int parse(int argc, char **argv, inpaint_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&o->t, argc, argv, &i)) continue;
    if (!strcmp(a, "--freeze-coarse")) {
      o->freeze_coarse = 1;
      continue;
    }
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
    if (OPT("--gan-start")) o->gan_start = atol(v);
    else if (OPT("--gan-weight")) o->gan_weight = (float)atof(v);
    else if (OPT("--lr-g")) o->lr_g = (float)atof(v);
    else if (OPT("--lr-d")) o->lr_d = (float)atof(v);
    else if (OPT("--fm-weight")) o->fm_weight = (float)atof(v);
    else if (OPT("--refined-l1")) o->refined_l1 = (float)atof(v);
    else if (OPT("--perc-weight")) o->perc_weight = (float)atof(v);
    else if (OPT("--perc-coarse")) o->perc_coarse = (float)atof(v);
    else if (OPT("--perc-net")) o->perc_net = v;
    else if (OPT("--hole-grow")) o->hole_grow = atoi(v);
    else if (OPT("--sketch-drop")) o->sketch_drop = (float)atof(v);
    else if (OPT("--sketch-jitter")) o->sketch_jitter = (float)atof(v);
    else if (OPT("--pred-landmarks")) o->pred_landmarks = v;
    else if (OPT("--pred-share")) o->pred_share = (float)atof(v);
    else if (OPT("--grey")) o->grey_share = atof(v);
    else if (OPT("--critic-warmup")) o->critic_warmup = atol(v);
    else if (OPT("--critic-width")) o->critic_width = atoi(v);
    else if (OPT("--net-version")) o->version = atoi(v);
    else if (OPT("--init-critic")) o->init_critic = v;
    else {
      int help = !strcmp(a, "--help") || !strcmp(a, "-h");
      if (!help) fprintf(stderr, "unknown or incomplete option %s\n", a);
      usage();
      return help ? 1 : 2;
    }
#undef OPT
  }
  if (o->sketch_drop < 0 || o->sketch_drop > 1 || o->sketch_jitter < 0 || o->sketch_jitter > 8 ||
      o->pred_share < 0 || o->pred_share > 1 || !(o->grey_share >= 0 && o->grey_share <= 1)) {
    fprintf(stderr, "--sketch-drop, --pred-share and --grey take 0..1, --sketch-jitter 0..8 px\n");
    return 2;
  }
  return train_opts_finish(&o->t);
}

/* Horizontal flip of an HWC image (c channels) of s x s, in place. */
static void flip(float *p, int s, int c) {
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s / 2; x++)
      for (int k = 0; k < c; k++) {
        float *a = p + ((size_t)y * s + x) * c + k, *b = p + ((size_t)y * s + s - 1 - x) * c + k;
        float t = *a; *a = *b; *b = t;
      }
}

typedef struct {
  int batch, s;
  float *masked, *hole, *orig, *valid; /* per sample HWC */
  unsigned char *hole8;                /* scratch for growing a hole */
  int hole_grow;                       /* augmentation: grow holes by 0..hole_grow px */
  int inputs;                          /* the network's input channels (5: with a sketch) */
  float sketch_drop, sketch_jitter;    /* see inpaint_opts */
  float *sketch;                       /* per sample: the drawing (hw), zeros when dropped */
  nets_landmarker *lmnet;              /* borrowed, or NULL: draws a share pred_share of drawings */
  float pred_share;
  double grey_share;                   /* augmentation: share of crops turned grey */
  float *x, *t, *h;            /* NCHW batch: input, target [-1,1], hole */
} batch_buf;

enum { SKETCH_NONE, SKETCH_TRUE, SKETCH_PRED };

/* Which drawing a crop gets, from the draw that key fixes: none (all zeros
 * in dst) for a share `drop` of crops; of the rest, a share `pred` is drawn
 * later from predicted points (SKETCH_PRED, dst untouched); the others get
 * the drawing of their true landmarks lm, moved by a random shift of
 * standard deviation `jitter` px for the whole crop and jitter / 2 per
 * point. */
static int make_sketch(const float *lm, uint64_t key, float drop, float jitter, float pred, int s,
                       float *dst) {
  nets_rng r;
  nets_rng_seed(&r, key);
  if (nets_rng_uniform(&r) < drop) {
    memset(dst, 0, sizeof(float) * (size_t)s * s);
    return SKETCH_NONE;
  }
  if (pred > 0 && nets_rng_uniform(&r) < pred) return SKETCH_PRED;
  float moved[136];
  const float gx = jitter * nets_rng_normal(&r), gy = jitter * nets_rng_normal(&r);
  for (int k = 0; k < 68; k++) {
    moved[2 * k] = lm[2 * k] + gx + 0.5f * jitter * nets_rng_normal(&r);
    moved[2 * k + 1] = lm[2 * k + 1] + gy + 0.5f * jitter * nets_rng_normal(&r);
  }
  unmask_landmark_sketch(moved, s, dst);
  return SKETCH_TRUE;
}

static int make_batch(unmask_synth *syn, int split, uint64_t seed, uint64_t first, batch_buf *b,
                      int augment, nets_error *err) {
  const int s = b->s, hw = s * s;
  for (int i = 0; i < b->batch; i++) {
    float *m = b->masked + (size_t)i * hw * 3, *h = b->hole + (size_t)i * hw, *o = b->orig + (size_t)i * hw * 3;
    float *v = b->valid + (size_t)i * hw;
    float *sk = b->inputs > 4 ? b->sketch + (size_t)i * hw : NULL, lm[136];
    int rc = unmask_synth_inpaint_sample_ex(syn, split, seed, first + i, m, h, o, v, NULL, sk ? lm : NULL, err);
    if (rc) return rc;
    /* held-out samples (augment off) show the drawing inference makes */
    const float pred = !b->lmnet ? 0.f : augment ? b->pred_share : 1.f;
    const int kind = !sk ? SKETCH_NONE
                         : make_sketch(lm, (seed << 1 ^ (uint64_t)split) * 0x9E3779B97F4A7C15ULL + first + i,
                                       augment ? b->sketch_drop : 0.f, augment ? b->sketch_jitter : 0.f, pred,
                                       s, sk);
    if (augment && ((first + i) * 0x9E3779B97F4A7C15ULL >> 63)) {
      flip(m, s, 3); flip(h, s, 1); flip(o, s, 3); flip(v, s, 1);
      if (sk) flip(sk, s, 1);
    }
    if (augment) {
      /* inference grows detected holes over the mask's shadow and edge:
       * grow training holes by 0..hole_grow px too, so both see the same
       * kind of hole */
      const int r = (int)(((first + i) * 0xD1B54A32D192ED03ULL >> 40) % (unsigned)(b->hole_grow + 1));
      if (r > 0) {
        for (int p = 0; p < hw; p++) b->hole8[p] = h[p] > 0.5f;
        if (unmask_hole_dilate(b->hole8, s, s, r) == 0)
          for (int p = 0; p < hw; p++) h[p] = b->hole8[p];
      }
      /* a black-and-white photo: the crop and its truth alike */
      if (b->grey_share > 0 &&
          augment_grey(m, s, s, b->grey_share, (seed * 0x9E3779B97F4A7C15ULL ^ (first + i)) + 0x3C6EF372FE94F82BULL))
        augment_to_grey(o, (size_t)hw);
    }
    if (kind == SKETCH_PRED) { /* the points found on this crop, its flip and grown hole included */
      if ((rc = nets_landmarker_predict(b->lmnet, m, h, lm, err))) return rc;
      unmask_landmark_sketch(lm, s, sk);
    }
    inpainter_pack(m, h, sk, b->inputs, s, b->x + (size_t)i * b->inputs * hw);
    for (int p = 0; p < hw; p++) {
      for (int c = 0; c < 3; c++) b->t[((size_t)i * 3 + c) * hw + p] = 2.f * o[p * 3 + c] - 1.f;
      b->h[(size_t)i * hw + p] = h[p] > 0.5f ? 1.f : 0.f;
    }
  }
  return NETS_OK;
}

/* critic input of sample i: rgb (NCHW, 3 x hw) and hole */
static void critic_pack(const float *rgb, const float *hole, int hw, float *dst) {
  memcpy(dst, rgb, sizeof(float) * 3 * hw);
  memcpy(dst + 3 * hw, hole, sizeof(float) * hw);
}

static int save_all(const char *run, inpainter_net *G, critic_net *D, nets_adam *og, nets_adam *od,
                    nets_ema *ema, long step, double wall, const inpaint_opts *o, nets_error *err) {
  char s_step[32], s_imgs[32], s_wall[32], s_cfg[1400], s_sketch[600] = "", s_pred[520] = "";
  if (o->pred_landmarks)
    snprintf(s_pred, sizeof s_pred, "; %g of the rest drawn from the points %s finds", o->pred_share,
             o->pred_landmarks);
  if (inpainter_inputs(o->version) > 4)
    snprintf(s_sketch, sizeof s_sketch, ", landmark sketch (dropped for %g of crops, jitter %g px%s)", o->sketch_drop,
             o->sketch_jitter, s_pred);
  snprintf(s_step, sizeof s_step, "%ld", step);
  snprintf(s_imgs, sizeof s_imgs, "%ld", step * o->t.batch);
  snprintf(s_wall, sizeof s_wall, "%.0f", wall);
  snprintf(s_cfg, sizeof s_cfg,
           "batch %d, Adam lr_g %g lr_d %g betas 0.5/0.999, L1 hole %g valid %g on coarse, x%g on refined, "
           "hinge GAN weight %g from step %ld (critic width %d, alone for %ld steps), feature matching %g, "
           "perceptual %g (coarse %g), holes grown 0-%d px, grey %g, seed %llu%s%s%s%s",
           o->t.batch, o->lr_g, o->lr_d, o->hole_weight, o->valid_weight, o->refined_l1, o->gan_weight, o->gan_start,
           o->critic_width, o->critic_warmup, o->fm_weight, o->perc_weight, o->perc_coarse, o->hole_grow, o->grey_share,
           o->t.seed,
           o->t.kind_weights[0] ? ", mask kind weights " : "", o->t.kind_weights,
           o->freeze_coarse ? ", coarse network frozen" : "", s_sketch);
  const char *meta[] = {"arch", G->arch, "step", s_step, "images_seen", s_imgs,
                        "wall_seconds", s_wall, "training", s_cfg, "data", o->t.csv, NULL};
  const train_net nets[2] = {{"inpainter", G->arch, G->g, og, meta, ema},
                             {"critic", D->arch, D->g, od, NULL, NULL}};
  return train_checkpoint_save(run, nets, 2, step, wall, err);
}

static int write_samples(const char *run, long step, unmask_synth *syn, inpainter_net *G,
                         batch_buf *b, nets_error *err) {
  /* held-out faces, fixed indices: masked | coarse | refined | original */
  const int s = b->s, hw = s * s, rows = b->batch;
  int rc = make_batch(syn, 1, 777, 0, b, 0, err);
  if (rc) return rc;
  if ((rc = nets_graph_forward(G->g, b->x, err))) return rc;
  float *tiles = malloc(sizeof(float) * 2 * rows * hw * 3);
  const float **grid = malloc(sizeof(float *) * rows * 4);
  if (!tiles || !grid) {
    free(tiles); free(grid);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < rows; i++) {
    float *c = tiles + (size_t)(2 * i) * hw * 3, *r = c + (size_t)hw * 3;
    inpainter_unpack(nets_graph_output(G->g, G->coarse)->data + (size_t)i * 3 * hw, s, c);
    inpainter_unpack(nets_graph_output(G->g, G->out)->data + (size_t)i * 3 * hw, s, r);
    const float *h = b->hole + (size_t)i * hw, *o = b->orig + (size_t)i * hw * 3;
    for (int p = 0; p < hw; p++)
      for (int k = 0; k < 3; k++) {
        c[p * 3 + k] = h[p] > 0.5f ? c[p * 3 + k] : o[p * 3 + k];
        r[p * 3 + k] = h[p] > 0.5f ? r[p * 3 + k] : o[p * 3 + k];
      }
    if (b->inputs > 4) /* the drawing, in green over the masked crop */
      train_overlay(b->masked + (size_t)i * hw * 3, b->sketch + (size_t)i * hw, hw, 1);
    grid[i * 4 + 0] = b->masked + (size_t)i * hw * 3;
    grid[i * 4 + 1] = c;
    grid[i * 4 + 2] = r;
    grid[i * 4 + 3] = o;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/samples/step-%07ld.png", run, step);
  rc = train_grid_png(path, rows, 4, s, grid, err);
  free(tiles);
  free(grid);
  return rc;
}

int train_inpainter_main(int argc, char **argv) {
  inpaint_opts o = {.gan_start = 3000, .lr_g = 2e-4f, .lr_d = 2e-4f, .gan_weight = 0.05f,
                    .hole_weight = 1.f, .valid_weight = 0.25f, .hole_grow = 3, .critic_width = 32,
                    .refined_l1 = 1.f, .perc_net = "weights/detector.safetensors", .sketch_drop = 0.25f,
                    .sketch_jitter = 1.f, .pred_share = 0.5f};
  train_opts_default(&o.t, "runs/inpainter", 200000);
  int prc = parse(argc, argv, &o);
  if (prc) return prc == 1 ? 0 : 2;
  nets_error err = {0};
  if (nets_blas_init(&err)) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    return 1;
  }
  char path[4096];
  if (!o.version) { /* a run keeps its version; a new one takes its --init file's */
    snprintf(path, sizeof path, "%s/inpainter.safetensors", o.t.run);
    o.version = train_file_version(path, inpainter_version);
    if (!o.version) o.version = train_file_version(o.t.init, inpainter_version);
    if (!o.version) o.version = 3;
  }
  snprintf(path, sizeof path, "%s/samples", o.t.run);
  if (train_mkdirs(path)) {
    fprintf(stderr, "unmask-train: cannot create %s\n", path);
    return 1;
  }
  unmask_synth *syn = train_opts_synth(&o.t, &err);
  if (!syn) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    return 1;
  }
  inpainter_net G;
  critic_net D;
  if (inpainter_build(&G, o.version) || critic_build(&D, o.critic_width)) {
    fprintf(stderr, "unmask-train: cannot build the networks\n");
    unmask_synth_free(syn);
    return 1;
  }
  nets_graph_init_params(G.g, o.t.seed);
  nets_graph_init_params(D.g, o.t.seed + 1);
  /* the refinement's correction starts at zero: refined == coarse */
  nets_param *delta_w = nets_graph_find_param(G.g, "refine_delta.weight");
  if (delta_w) nets_tensor_zero(delta_w->value);
  inpainter_zero_residuals(&G); /* the layers versions 3, 4, 6 and 7 add start at zero */
  if (o.freeze_coarse) nets_graph_freeze_upto(G.g, G.coarse);
  nets_adam og, od;
  nets_adam_default(&og, o.lr_g);
  nets_adam_default(&od, o.lr_d);
  og.beta1 = od.beta1 = 0.5f;
  const int S = NETS_INPAINT_SIZE, B = o.t.batch, hw = S * S;
  int rc = nets_graph_prepare(G.g, B, S, S, 1, &err);
  if (!rc) rc = nets_graph_prepare(D.g, 2 * B, S, S, 1, &err);
  nets_ema ema_store, *ema = NULL; /* of the generator only */
  if (!rc && o.t.ema > 0 && !(rc = nets_ema_init(&ema_store, G.g, o.t.ema, &err))) ema = &ema_store;

  /* resume */
  long step = 0;
  double wall_before = 0;
  const train_net nets[2] = {{"inpainter", G.arch, G.g, &og, NULL, ema},
                             {"critic", D.arch, D.g, &od, NULL, NULL}};
  int resumed = rc ? 0 : train_checkpoint_resume(o.t.run, nets, 2, &step, &wall_before, &err);
  if (resumed < 0) {
    /* a run keeps --freeze-coarse: its optimiser state holds the coarse
     * network's moments only when that was trained; say so if that is why */
    char optim_path[4200];
    snprintf(optim_path, sizeof optim_path, "%s/inpainter.optim.safetensors", o.t.run);
    nets_st_file *optim_f = nets_st_load(optim_path, NULL);
    if (optim_f && (nets_st_find(optim_f, "enc1.weight.adam_m") != NULL) == o.freeze_coarse)
      nets_error_set(&err, NETS_ERR_ARG, "%s was trained %s --freeze-coarse: resume it %s it", o.t.run,
                     o.freeze_coarse ? "without" : "with", o.freeze_coarse ? "without" : "with");
    nets_st_free(optim_f);
    rc = err.code;
  }
  if (resumed > 0)
    printf("resuming %s at step %ld (%.1f h trained so far)\n", o.t.run, step, wall_before / 3600);
  if (!resumed && !rc && o.t.init) {
    int taken = 0;
    rc = nets_graph_load_matching(G.g, o.t.init, &taken, &err);
    if (!rc) rc = inpainter_widen_from(&G, o.t.init, &taken, &err);
    if (!rc) printf("starting from %s: %d of %d tensors taken\n", o.t.init, taken, G.g->n_params);
    if (!rc && ema) nets_ema_reset(ema, G.g);
    if (!rc && o.init_critic && !(rc = nets_graph_load_matching(D.g, o.init_critic, &taken, &err)))
      printf("critic from %s: %d of %d tensors taken\n", o.init_critic, taken, D.g->n_params);
  }
  train_perceptual perc = {0};
  const int use_perc = o.perc_weight > 0 || o.perc_coarse > 0;
  if (!rc && use_perc) rc = train_perceptual_init(&perc, o.perc_net, B, S, &err);
  nets_landmarker *lmnet = NULL; /* --pred-landmarks */
  if (!rc && o.pred_landmarks) {
    if (inpainter_inputs(o.version) < 5)
      rc = nets_error_set(&err, NETS_ERR_ARG, "--pred-landmarks needs an inpainter that takes a drawing (version 5)");
    else if (!(lmnet = nets_landmarker_load(o.pred_landmarks, &err)))
      rc = err.code;
  }
  if (rc) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    nets_landmarker_free(lmnet);
    unmask_synth_free(syn);
    if (ema) nets_ema_free(ema);
    nets_graph_free(G.g);
    nets_graph_free(D.g);
    return 1;
  }

  batch_buf b = {B, S};
  b.masked = malloc(sizeof(float) * B * hw * 3);
  b.orig = malloc(sizeof(float) * B * hw * 3);
  b.hole = malloc(sizeof(float) * B * hw);
  b.valid = malloc(sizeof(float) * B * hw);
  b.hole8 = malloc((size_t)hw);
  b.hole_grow = o.hole_grow < 0 ? 0 : o.hole_grow;
  b.inputs = inpainter_inputs(o.version);
  b.sketch_drop = o.sketch_drop, b.sketch_jitter = o.sketch_jitter;
  b.lmnet = lmnet, b.pred_share = o.pred_share, b.grey_share = o.grey_share;
  b.sketch = calloc((size_t)B * hw, sizeof(float));
  b.x = malloc(sizeof(float) * B * hw * b.inputs);
  b.t = malloc(sizeof(float) * B * hw * 3);
  b.h = malloc(sizeof(float) * B * hw);
  float *wmap = malloc(sizeof(float) * B * hw * 3), *gc = malloc(sizeof(float) * B * hw * 3);
  float *gr = malloc(sizeof(float) * B * hw * 3), *rc_img = malloc(sizeof(float) * B * hw * 3);
  float *din = malloc(sizeof(float) * 2 * B * hw * 4), *dlog = malloc(sizeof(float) * 2 * B * 64 * 4);
  float *fm_grad[4] = {NULL};
  if (o.fm_weight > 0) { /* gradients for the critic's features of 2B crops */
    nets_graph_prepare(D.g, 2 * B, S, S, 1, &err);
    for (int l = 0; l < 4; l++)
      fm_grad[l] = malloc(sizeof(float) * nets_tensor_size(nets_graph_output(D.g, D.feat[l])));
  }

  float *cc_img = o.perc_coarse > 0 ? malloc(sizeof(float) * B * hw * 3) : NULL;
  train_log log;
  snprintf(path, sizeof path, "%s/log.csv", o.t.run);
  if (train_log_open(&log, path,
                     "step,total,l1_coarse,l1_refined,hinge_g,hinge_d,images_per_s,gemm_fraction,hours",
                     step, &err)) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  const double gemm = train_gemm_rate();
  nets_graph_prepare(G.g, 1, S, S, 1, &err);
  const double g_macs = nets_graph_macs(G.g);
  const double g_macs_trained = nets_graph_macs_after(G.g, G.g->frozen_upto); /* backward's share */
  const double p_macs = use_perc ? nets_graph_macs(perc.net.g) : 0; /* per crop */
  nets_graph_prepare(D.g, 1, S, S, 1, &err);
  const double d_macs = nets_graph_macs(D.g);
  nets_graph_prepare(G.g, B, S, S, 1, &err);
  printf("inpainter version %d: %ld trainable parameters, %.2f GMAC per crop (%.2f of them trained); "
         "critic %ld parameters, %.2f GMAC\n",
         o.version, nets_graph_param_count(G.g), g_macs * 1e-9, g_macs_trained * 1e-9, nets_graph_param_count(D.g),
         d_macs * 1e-9);
  printf("SGEMM rate on this machine: %.0f GFLOP/s (OpenBLAS kernel %s); %d threads\n", gemm,
         nets_blas_corename(), nets_parallel_get_threads());

  const double t_start = train_now();
  double acc[8] = {0}, t_log = train_now(), flops_log = 0;
  int acc_n = 0;
  const int out_ids[2] = {G.coarse, G.out};
  while (step < o.t.steps && !stop_requested) {
    if (o.t.hours > 0 && train_now() - t_start > o.t.hours * 3600) break;
    const int gan = step >= o.gan_start && o.gan_weight > 0;
    const int adv = gan && step >= o.gan_start + o.critic_warmup; /* the generator's share */
    if ((rc = make_batch(syn, 0, o.t.seed, (uint64_t)step * B, &b, 1, &err))) break;
    if ((rc = nets_graph_forward(G.g, b.x, &err))) break;
    const float *C = nets_graph_output(G.g, G.coarse)->data, *R = nets_graph_output(G.g, G.out)->data;
    for (int i = 0; i < B; i++)
      for (int c = 0; c < 3; c++)
        for (int p = 0; p < hw; p++) {
          size_t k = ((size_t)i * 3 + c) * hw + p;
          /* crop pixels past the photo's edge are smear: no loss there */
          float h = b.h[(size_t)i * hw + p], v = b.valid[(size_t)i * hw + p];
          wmap[k] = v * (h * o.hole_weight + (1.f - h) * o.valid_weight);
          rc_img[k] = h * R[k] + (1.f - h) * b.t[k];
          if (cc_img) cc_img[k] = h * C[k] + (1.f - h) * b.t[k];
        }
    float l_hd = 0, l_hg = 0, l_fm = 0;
    double step_flops = 2.0 * g_macs * B + 2.0 * 2 * g_macs_trained * B;
    if (gan) {
      /* critic step: real and completed fakes in one batch of 2B */
      nets_graph_prepare(D.g, 2 * B, S, S, 1, &err);
      D.g->want_input_grad = 0;
      for (int i = 0; i < B; i++) {
        critic_pack(b.t + (size_t)i * 3 * hw, b.h + (size_t)i * hw, hw, din + (size_t)i * 4 * hw);
        critic_pack(rc_img + (size_t)i * 3 * hw, b.h + (size_t)i * hw, hw, din + (size_t)(B + i) * 4 * hw);
      }
      nets_graph_forward(D.g, din, &err);
      const nets_tensor *lo = nets_graph_output(D.g, D.out);
      const size_t half = nets_tensor_size(lo) / 2;
      l_hd = nets_loss_hinge_d(lo->data, half, lo->data + half, half, 1.f, dlog, dlog + half);
      if (!adv) l_hg = nets_loss_hinge_g(lo->data + half, half, 0.f, NULL); /* only logged */
      nets_graph_zero_grad(D.g);
      nets_graph_backward(D.g, D.out, dlog, &err);
      nets_adam_step(&od, D.g, &err);
      step_flops += 3.0 * 2 * d_macs * 2 * B;
    }
    if (adv) {
      /* generator's adversarial gradient through the critic: the hinge loss
       * on the fakes and, with feature matching, L1 between the critic's
       * features of each fake and of its real crop (one batch of 2B) */
      const int fm = o.fm_weight > 0;
      const int nb = fm ? 2 * B : B;
      const float *dpack = fm ? din : din + (size_t)B * 4 * hw;
      nets_graph_prepare(D.g, nb, S, S, 1, &err);
      D.g->want_input_grad = 1;
      nets_graph_forward(D.g, dpack, &err);
      const nets_tensor *lf = nets_graph_output(D.g, D.out);
      const size_t lo_half = nets_tensor_size(lf) / nb * B;
      memset(dlog, 0, sizeof(float) * nets_tensor_size(lf));
      float *dfake = dlog + (fm ? lo_half : 0);
      l_hg = nets_loss_hinge_g(lf->data + (fm ? lo_half : 0), lo_half, o.gan_weight, dfake);
      int outs[5];
      const float *douts[5];
      int n_outs = 0;
      if (fm) {
        for (int l = 0; l < 4; l++) {
          const nets_tensor *ft = nets_graph_output(D.g, D.feat[l]);
          const size_t half = nets_tensor_size(ft) / 2;
          const float *real = ft->data, *fake = ft->data + half;
          float *g = fm_grad[l];
          memset(g, 0, sizeof(float) * half);
          l_fm += train_feature_l1(real, fake, half, o.fm_weight / (4.f * (float)half), g + half) / 4;
          outs[n_outs] = D.feat[l];
          douts[n_outs++] = g;
        }
      }
      outs[n_outs] = D.out;
      douts[n_outs++] = dlog;
      nets_graph_backward_multi(D.g, n_outs, outs, douts, &err);
      step_flops += 3.0 * 2 * d_macs * nb;
    }
    float l1c = nets_loss_l1(C, b.t, wmap, (size_t)B * 3 * hw, 1.f, gc);
    float l1r = nets_loss_l1(R, b.t, wmap, (size_t)B * 3 * hw, o.refined_l1, gr);
    if (adv) {
      const float *dx = nets_graph_input_grad(D.g)->data + (o.fm_weight > 0 ? (size_t)B * 4 * hw : 0);
      for (int i = 0; i < B; i++)
        for (int c = 0; c < 3; c++)
          for (int p = 0; p < hw; p++)
            gr[((size_t)i * 3 + c) * hw + p] += b.h[(size_t)i * hw + p] * dx[((size_t)i * 4 + c) * hw + p];
    }
    /* perceptual losses: [0] on the refined output, [1] on the coarse one */
    const float perc_w[2] = {o.perc_weight, o.perc_coarse};
    const float *perc_img[2] = {rc_img, cc_img};
    float *perc_grad[2] = {gr, gc}, l_pc[2] = {0, 0};
    for (int k = 0; k < 2 && !rc; k++)
      if (perc_w[k] > 0 &&
          isnan(l_pc[k] = train_perceptual_step(&perc, b.t, perc_img[k], b.h, perc_w[k], perc_grad[k], &err)))
        rc = err.code;
    if (rc) break;
    step_flops += ((perc_w[0] > 0) + (perc_w[1] > 0)) * 3.0 * 2 * p_macs * 2 * B;
    const float *douts[2] = {gc, gr};
    nets_graph_zero_grad(G.g);
    if ((rc = nets_graph_backward_multi(G.g, 2, out_ids, douts, &err))) break;
    nets_adam_step(&og, G.g, &err);
    if (ema) nets_ema_update(ema, G.g);
    step++;
    flops_log += step_flops;
    float total = l1c + o.refined_l1 * l1r + (adv ? o.gan_weight * l_hg + o.fm_weight * l_fm : 0.f) +
                  perc_w[0] * l_pc[0] + perc_w[1] * l_pc[1];
    acc[5] += l_fm;
    acc[6] += l_pc[0];
    acc[7] += l_pc[1];
    acc[0] += total; acc[1] += l1c; acc[2] += l1r; acc[3] += l_hg; acc[4] += l_hd;
    acc_n++;
    if (step % o.t.log_every == 0) {
      double now = train_now(), dt = now - t_log;
      double ips = acc_n * B / dt, frac = flops_log / dt * 1e-9 / gemm;
      double hours = (wall_before + now - t_start) / 3600;
      double row[9] = {(double)step, acc[0] / acc_n, acc[1] / acc_n, acc[2] / acc_n,
                       gan ? acc[3] / acc_n : NAN, gan ? acc[4] / acc_n : NAN, ips, frac, hours};
      train_log_row(&log, row);
      char fm_txt[64] = "";
      if (o.fm_weight > 0 && gan) snprintf(fm_txt, sizeof fm_txt, "  fm %.4f", acc[5] / acc_n);
      if (use_perc)
        snprintf(fm_txt + strlen(fm_txt), sizeof fm_txt - strlen(fm_txt), "  perc %.4f/%.4f",
                 acc[7] / acc_n, acc[6] / acc_n);
      printf("step %7ld  loss %.4f  l1 coarse %.4f refined %.4f  hinge g %.3f d %.3f%s  %.1f img/s  "
             "%.0f%% of GEMM  %.2f h\n", step, row[1], row[2], row[3], row[4], row[5], fm_txt, ips,
             100 * frac, hours);
      fflush(stdout);
      memset(acc, 0, sizeof acc);
      acc_n = 0;
      t_log = now;
      flops_log = 0;
    }
    if (step % o.t.sample_every == 0) {
      const int cols[] = {1, 2, 3, 4, 5, 6};
      char png[4096];
      snprintf(png, sizeof png, "%s/loss.png", o.t.run);
      if (train_plot_csv(path, cols, 6, png, &err)) fprintf(stderr, "plot: %s\n", err.msg);
      if (write_samples(o.t.run, step, syn, &G, &b, &err)) fprintf(stderr, "samples: %s\n", err.msg);
    }
    if (step % o.t.save_every == 0 &&
        save_all(o.t.run, &G, &D, &og, &od, ema, step, wall_before + train_now() - t_start, &o, &err))
      fprintf(stderr, "checkpoint: %s\n", err.msg);
  }
  if (rc) fprintf(stderr, "unmask-train: %s\n", err.msg);
  if (save_all(o.t.run, &G, &D, &og, &od, ema, step, wall_before + train_now() - t_start, &o, &err))
    fprintf(stderr, "checkpoint: %s\n", err.msg);
  else
    printf("saved %s at step %ld\n", o.t.run, step);
  train_log_close(&log);
  free(b.masked); free(b.orig); free(b.hole); free(b.valid); free(b.hole8); free(b.sketch); free(b.x); free(b.t); free(b.h);
  free(wmap); free(gc); free(cc_img); free(gr); free(rc_img); free(din); free(dlog);
  for (int l = 0; l < 4; l++) free(fm_grad[l]);
  if (ema) nets_ema_free(ema);
  nets_graph_free(G.g);
  nets_graph_free(D.g);
  train_perceptual_free(&perc);
  nets_landmarker_free(lmnet);
  unmask_synth_free(syn);
  return rc ? 1 : 0;
}
