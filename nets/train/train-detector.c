/* unmask-train detector: trains the per-pixel mask detector on synthetic
 * scenes (several faces, masked or not, distractors, real backgrounds) with
 * the focal loss.  Resumable from its run folder. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/adam.h"
#include "../core/blas.h"
#include "../core/loss.h"
#include "../core/parallel.h"
#include "../core/weights.h"
#include "../models/arch.h"
#include "../synth/synth.h"
#include "augment.h"
#include "checkpoint.h"
#include "../core/rng.h"
#include "look-crops.h"
#include "loop-targets.h"
#include "replay.h"
#include "train-common.h"
#include "train.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

typedef struct {
  train_opts t;
  int size;
  float lr, gamma, seam_weight, loop_weight, iou_weight;
  double photo_share, emblem_share, grey_share, replay_share, small_share, top_cut_share, low_scarf_share;
  int look_every; /* every look_every-th step is a batch of look crops; 0: none */
  double look_scenes; /* the share of look crops framed in scenes (train_scene_look_crop) */
  int seam_radius;
  long lr_decay_step;
  int version; /* of the detector network (2 to 5); 0: the run's, or --init's */
} det_opts;

/* --replay: how many hard scenes the pool keeps, and how often each is drawn
 * again at most */
#define REPLAY_POOL 256
#define REPLAY_MAX_USES 3

static void usage(void) {
  printf("usage: unmask-train detector [options]\n" TRAIN_OPTS_HELP
         "  --size S           scene size in pixels, a multiple of 32 (default 256)\n"
         "  --lr LR            Adam learning rate (default 1e-3)\n"
         "  --gamma G          focal-loss gamma (default 2)\n"
         "  --lr-decay-step N  from step N on, the learning rate is 10x lower (default: never)\n"
         "  --seam-weight W    loss weight of the seams between touching coverings, which\n"
         "                     the map must leave out to keep them apart (default 8)\n"
         "  --seam-radius R    how far (pixels) each of two touching coverings gives way\n"
         "                     to the other in the ground truth: a seam 2R wide (0-8,\n"
         "                     default 2; evaluation always uses 2)\n"
         "  --loop-weight W    thin parts of the coverings (ear loops, straps: what an\n"
         "                     opening by 1 px removes) count fully in the map's cells\n"
         "                     that hold them (target 1), with a loss weight of at\n"
         "                     least W (default 0: off, the cells' covered share)\n"
         "  --iou-weight W     adds W x a soft IoU loss over a window around each\n"
         "                     covering (its box and a quarter of its size around),\n"
         "                     every covering counting alike (default 0: off)\n"
         "  --photo-share P    the share of scenes drawn on a whole photo of people, whose\n"
         "                     own faces get masks (0-1, default 0.45; evaluation always\n"
         "                     uses 0.45); the others paste faces on parts of photos or\n"
         "                     on textures\n"
         "  --emblems P        the share of training scenes with one to three badges,\n"
         "                     patches or round signs drawn on, most on a person's\n"
         "                     chest: mask-sized, mask-coloured, no face (0-1,\n"
         "                     default 0; held-out scenes never get them)\n"
         "  --grey P           the share of training scenes turned grey (their luma in\n"
         "                     all three channels), as black-and-white photos are\n"
         "                     (0-1, default 0; the colour augmentation's own grey\n"
         "                     scenes keep a tint from its white balance)\n"
         "  --replay P         the share of each batch drawn again from a pool of the\n"
         "                     %d training scenes with the highest loss, each at most\n"
         "                     %d times (0-0.5, default 0: off; the pool starts empty\n"
         "                     when a run is resumed)\n"
         "  --small-faces P    the share of pasted faces drawn 24-48 px wide, the\n"
         "                     smallest the detector is asked to find (0-1, default 0:\n"
         "                     24 px to the scene's size; held-out scenes never change)\n"
         "  --top-cut P        the share of pasted faces placed with their eyes above\n"
         "                     the frame, the covering cut by its top edge, and adds\n"
         "                     with chance 2P a mask-coloured thing cut by that edge\n"
         "                     with no face under it (0-1, default 0; held-out\n"
         "                     scenes never change)\n"
         "  --low-scarves P    the share of scarves on the neck kept clear of the chin\n"
         "                     (their top 0.15-0.35 eye distances below it), so that\n"
         "                     fabric over the chin is a chin-only mask (0-1, default\n"
         "                     0; held-out scenes never change)\n"
         "  --look-every K     every K-th step trains on a batch of second-look crops\n"
         "                     instead of scenes: training faces framed as the\n"
         "                     inpainter's crop (%d px), half masked and half bare,\n"
         "                     most shrunk to a face of 24 px up and enlarged back\n"
         "                     (default 0: none)\n"
         "  --look-scenes P    the share of those crops framed in a training scene\n"
         "                     around one of its coverings, a look-alike (hand, scarf,\n"
         "                     shirt patch, fabric, sign) or a random patch, as the\n"
         "                     second look frames the map's boxes (0-1, default 0;\n"
         "                     needs --look-every)\n"
         "  --net-version N    the detector network's version: 2; 3,\n"
         "                     which adds two residual blocks at 1/32 resolution; or 4,\n"
         "                     which adds two bottleneck blocks at 1/8 and two at 1/16;\n"
         "                     or 5, which adds to version 4 a residual block in the\n"
         "                     decoder at 1/8, 1/4 and 1/2 resolution.\n"
         "                     Added blocks start at zero (so --init from version-2\n"
         "                     weights starts from what they compute).  Default: the\n"
         "                     run's own version, else the\n"
         "                     --init file's, else 2\n"
         "Defaults: --run runs/detector --steps 100000.\n",
         REPLAY_POOL, REPLAY_MAX_USES, TRAIN_LOOK_SIZE);
}

static int parse(int argc, char **argv, det_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&o->t, argc, argv, &i)) continue;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
    if (OPT("--size")) o->size = atoi(v);
    else if (OPT("--lr")) o->lr = (float)atof(v);
    else if (OPT("--gamma")) o->gamma = (float)atof(v);
    else if (OPT("--lr-decay-step")) o->lr_decay_step = atol(v);
    else if (OPT("--seam-weight")) o->seam_weight = (float)atof(v);
    else if (OPT("--seam-radius")) o->seam_radius = atoi(v);
    else if (OPT("--loop-weight")) o->loop_weight = (float)atof(v);
    else if (OPT("--iou-weight")) o->iou_weight = (float)atof(v);
    else if (OPT("--look-every")) o->look_every = atoi(v);
    else if (OPT("--look-scenes")) o->look_scenes = atof(v);
    else if (OPT("--photo-share")) o->photo_share = atof(v);
    else if (OPT("--emblems")) o->emblem_share = atof(v);
    else if (OPT("--grey")) o->grey_share = atof(v);
    else if (OPT("--replay")) o->replay_share = atof(v);
    else if (OPT("--small-faces")) o->small_share = atof(v);
    else if (OPT("--top-cut")) o->top_cut_share = atof(v);
    else if (OPT("--low-scarves")) o->low_scarf_share = atof(v);
    else if (OPT("--net-version")) o->version = atoi(v);
    else {
      int help = !strcmp(a, "--help") || !strcmp(a, "-h");
      if (!help) fprintf(stderr, "unknown or incomplete option %s\n", a);
      usage();
      return help ? 1 : 2;
    }
#undef OPT
  }
  if (o->version && (o->version < 2 || o->version > 5)) {
    fprintf(stderr, "unmask-train: --net-version must be 2, 3, 4 or 5\n");
    return 2;
  }
  if (!(o->photo_share >= 0 && o->photo_share <= 1)) {
    fprintf(stderr, "unmask-train: --photo-share must be 0 to 1\n");
    return 2;
  }
  if (!(o->loop_weight >= 0 && o->loop_weight <= 100)) {
    fprintf(stderr, "unmask-train: --loop-weight must be 0 to 100\n");
    return 2;
  }
  if (!(o->iou_weight >= 0 && o->iou_weight <= 100)) {
    fprintf(stderr, "unmask-train: --iou-weight must be 0 to 100\n");
    return 2;
  }
  if (!(o->grey_share >= 0 && o->grey_share <= 1)) {
    fprintf(stderr, "unmask-train: --grey must be 0 to 1\n");
    return 2;
  }
  if (!(o->replay_share >= 0 && o->replay_share <= 0.5)) {
    fprintf(stderr, "unmask-train: --replay must be 0 to 0.5\n");
    return 2;
  }
  if (!(o->small_share >= 0 && o->small_share <= 1)) {
    fprintf(stderr, "unmask-train: --small-faces must be 0 to 1\n");
    return 2;
  }
  if (!(o->top_cut_share >= 0 && o->top_cut_share <= 1)) {
    fprintf(stderr, "unmask-train: --top-cut must be 0 to 1\n");
    return 2;
  }
  if (!(o->low_scarf_share >= 0 && o->low_scarf_share <= 1)) {
    fprintf(stderr, "unmask-train: --low-scarves must be 0 to 1\n");
    return 2;
  }
  if (!(o->emblem_share >= 0 && o->emblem_share <= 1)) {
    fprintf(stderr, "unmask-train: --emblems must be 0 to 1\n");
    return 2;
  }
  if (o->seam_radius < 0 || o->seam_radius > UNMASK_SEAM_RADIUS_MAX) {
    fprintf(stderr, "unmask-train: --seam-radius must be 0 to %d\n", UNMASK_SEAM_RADIUS_MAX);
    return 2;
  }
  if (!(o->look_scenes >= 0 && o->look_scenes <= 1)) {
    fprintf(stderr, "unmask-train: --look-scenes must be 0 to 1\n");
    return 2;
  }
  if (o->look_every < 0) {
    fprintf(stderr, "unmask-train: --look-every must be 0 or more\n");
    return 2;
  }
  if (o->look_scenes > 0 && o->look_every == 0) {
    fprintf(stderr, "unmask-train: --look-scenes needs --look-every (it shares out the look crops)\n");
    return 2;
  }
  if (o->size < 32 || o->size % DETECTOR_STRIDE) {
    fprintf(stderr, "unmask-train: --size must be a multiple of %d\n", DETECTOR_STRIDE);
    return 2;
  }
  return train_opts_finish(&o->t);
}

#define MAX_SCENE_BOXES 32

/* Box b grown by a quarter of its larger side (at least min_margin) on every
 * side, as edges e: x0 y0 x1 y1; returns its larger side. */
static float around(const unmask_box *b, float min_margin, float *e) {
  const float side = b->w > b->h ? b->w : b->h, m = 0.25f * side > min_margin ? 0.25f * side : min_margin;
  e[0] = b->x - m, e[1] = b->y - m, e[2] = b->x + b->w + m, e[3] = b->y + b->h + m;
  return side;
}

/* Loss weights: small coverings have few pixels, so the pixels in and around
 * the box of a covering smaller than 64 px count (64 / size) times, at most 4. */
static void small_mask_weights(const unmask_box *boxes, int nb, int w, int h, float *wmap) {
  for (size_t i = 0; i < (size_t)w * h; i++) wmap[i] = 1.f;
  for (int b = 0; b < nb; b++) {
    float e[4];
    const float side = around(&boxes[b], 0.f, e);
    if (side >= 64.f || side <= 0.f) continue;
    const float k = 64.f / side > 4.f ? 4.f : 64.f / side;
    const int x0 = (int)e[0], y0 = (int)e[1], x1 = (int)e[2], y1 = (int)e[3];
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++)
      for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++)
        if (wmap[(size_t)y * w + x] < k) wmap[(size_t)y * w + x] = k;
  }
}

/* The soft IoU's windows: each covering's box (w x h scene pixels, mirrored
 * left to right with mirror) and a quarter of its size around it, at least
 * 2 cells, in the map's cells (scene / f), as quadruples x0 y0 x1 y1.
 * Returns how many. */
static int iou_windows(const unmask_box *boxes, int nb, int w, int h, int f, int mirror, int *rects) {
  const int mw = w / f, mh = h / f;
  int n = 0;
  for (int b = 0; b < nb; b++) {
    if (boxes[b].w <= 0.f || boxes[b].h <= 0.f) continue;
    float e[4];
    around(&boxes[b], 2.f * f, e);
    if (mirror) {
      const float x0 = e[0];
      e[0] = w - e[2], e[2] = w - x0;
    }
    int *r = rects + 4 * n;
    r[0] = (int)floorf(e[0] / f), r[1] = (int)floorf(e[1] / f);
    r[2] = (int)ceilf(e[2] / f), r[3] = (int)ceilf(e[3] / f);
    r[0] = r[0] < 0 ? 0 : r[0], r[1] = r[1] < 0 ? 0 : r[1];
    r[2] = r[2] > mw ? mw : r[2], r[3] = r[3] > mh ? mh : r[3];
    n += r[2] > r[0] && r[3] > r[1];
  }
  return n;
}

/* Area-average a w x h map by f into (w/f) x (h/f). */
static void downsample(const float *src, int w, int h, int f, float *dst) {
  const int ow = w / f, oh = h / f;
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++) {
      float s = 0;
      for (int dy = 0; dy < f; dy++)
        for (int dx = 0; dx < f; dx++) s += src[(size_t)(y * f + dy) * w + x * f + dx];
      dst[(size_t)y * ow + x] = s / (f * f);
    }
}

static int save_all(const det_opts *o, detector_net *net, nets_adam *opt, nets_ema *ema, long step,
                    double wall, nets_error *err) {
  char s_step[32], s_imgs[32], s_wall[32], s_cfg[512], s_extra[256] = "";
  int ns = 0;
  if (o->photo_share != UNMASK_PHOTO_SHARE) ns = snprintf(s_extra, sizeof s_extra, ", photo share %g", o->photo_share);
  if (o->emblem_share != UNMASK_EMBLEM_SHARE)
    ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", emblems %g", o->emblem_share);
  if (o->grey_share > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", grey %g", o->grey_share);
  if (o->loop_weight > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", loop weight %g", o->loop_weight);
  if (o->iou_weight > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", soft IoU weight %g", o->iou_weight);
  if (o->replay_share > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", replay %g", o->replay_share);
  if (o->small_share > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", small faces %g", o->small_share);
  if (o->top_cut_share > 0) ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", top cut %g", o->top_cut_share);
  if (o->low_scarf_share > 0)
    ns += snprintf(s_extra + ns, sizeof s_extra - ns, ", low scarves %g", o->low_scarf_share);
  if (o->look_every > 0)
    snprintf(s_extra + ns, sizeof s_extra - ns, ", look crops every %d steps (%.0f%% framed in scenes)", o->look_every,
             100 * o->look_scenes);
  snprintf(s_step, sizeof s_step, "%ld", step);
  snprintf(s_imgs, sizeof s_imgs, "%ld", step * o->t.batch);
  snprintf(s_wall, sizeof s_wall, "%.0f", wall);
  snprintf(s_cfg, sizeof s_cfg,
           "scenes %dx%d, batch %d, Adam lr %g, focal gamma %g, seam weight %g, seam radius %d, seed %llu%s%s%s",
           o->size, o->size, o->t.batch, o->lr, o->gamma, o->seam_weight, o->seam_radius, o->t.seed,
           o->t.kind_weights[0] ? ", mask kind weights " : "", o->t.kind_weights, s_extra);
  const char *meta[] = {"arch", net->arch, "step", s_step, "scenes_seen", s_imgs,
                        "wall_seconds", s_wall, "training", s_cfg, "data", o->t.csv, NULL};
  const train_net one = {"detector", net->arch, net->g, opt, meta, ema};
  return train_checkpoint_save(o->t.run, &one, 1, step, wall, err);
}

/* Grid of held-out scenes: image | ground truth overlay | prediction overlay. */
static int write_samples(const det_opts *o, long step, unmask_synth *syn, detector_net *net,
                         nets_error *err) {
  const int S = o->size, rows = 4, hw = S * S;
  float *buf = malloc(sizeof(float) * rows * hw * (3 * 3 + 1) + sizeof(float) * 3 * hw);
  float *prob = malloc(sizeof(float) * hw);
  const float **grid = malloc(sizeof(float *) * rows * 3);
  if (!buf || !prob || !grid) {
    free(buf); free(prob); free(grid);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  int rc = NETS_OK;
  float *x = buf + (size_t)rows * hw * 10;
  for (int i = 0; i < rows && !rc; i++) {
    float *rgb = buf + (size_t)i * hw * 10, *gt = rgb + hw * 3, *pr = gt + hw * 3, *cov = pr + hw * 3;
    rc = unmask_synth_scene(syn, 1, 4242, (uint64_t)i, S, S, rgb, cov, NULL, NULL, 0, NULL, err);
    if (rc) break;
    detector_pack(rgb, S, S, S, S, x);
    nets_graph_prepare(net->g, 1, S, S, 0, err);
    if ((rc = nets_graph_forward(net->g, x, err))) break;
    const nets_tensor *lo = nets_graph_output(net->g, net->out);
    for (int y = 0; y < S; y++)
      for (int xx = 0; xx < S; xx++) {
        float v = lo->data[(size_t)(y / DETECTOR_OUT_SCALE) * lo->w + xx / DETECTOR_OUT_SCALE];
        prob[(size_t)y * S + xx] = 1.f / (1.f + expf(-v));
      }
    for (int p = 0; p < hw; p++)
      for (int c = 0; c < 3; c++) {
        float red = c == 0 ? 1.f : 0.f;
        gt[p * 3 + c] = rgb[p * 3 + c] * (1 - 0.6f * cov[p]) + 0.6f * cov[p] * red;
        pr[p * 3 + c] = rgb[p * 3 + c] * (1 - 0.6f * prob[p]) + 0.6f * prob[p] * red;
      }
    grid[i * 3] = rgb;
    grid[i * 3 + 1] = gt;
    grid[i * 3 + 2] = pr;
  }
  if (!rc) {
    char path[4096];
    snprintf(path, sizeof path, "%s/samples/step-%07ld.png", o->t.run, step);
    rc = train_grid_png(path, rows, 3, S, grid, err);
  }
  free(buf); free(prob); free(grid);
  return rc;
}

/* Batch `step` of look crops (TRAIN_LOOK_SIZE px) into x, t and wmap, as
 * the scenes' batches are, each crop's weight its pixels inside the photo;
 * rgb, cov and weight hold one crop. */
static int look_batch(const det_opts *o, unmask_synth *syn, long step, float *rgb, float *cov, float *weight,
                      float *x, float *t, float *wmap, nets_error *err) {
  const int L = TRAIN_LOOK_SIZE, lls = L / DETECTOR_OUT_SCALE;
  int rc = NETS_OK;
  for (int i = 0; i < o->t.batch && !rc; i++) {
    const uint64_t idx = (uint64_t)step * o->t.batch + i;
    nets_rng r;
    nets_rng_seed(&r, o->t.seed * 0x9E3779B97F4A7C15ULL ^ idx ^ 0x6C6F6F6B73636EULL);
    rc = o->look_scenes > 0 && nets_rng_uniform(&r) < o->look_scenes
             ? train_scene_look_crop(syn, o->t.seed, idx, rgb, cov, weight, err)
             : train_look_crop(syn, o->t.seed, idx, rgb, cov, weight, err);
    if (!rc && augment_scene(rgb, cov, L, L, o->t.seed * 0x9E3779B97F4A7C15ULL ^ idx)) augment_mirror(weight, L, L);
    detector_pack(rgb, L, L, L, L, x + (size_t)i * 3 * L * L);
    downsample(cov, L, L, DETECTOR_OUT_SCALE, t + (size_t)i * lls * lls);
    downsample(weight, L, L, DETECTOR_OUT_SCALE, wmap + (size_t)i * lls * lls);
  }
  return rc;
}

int train_detector_main(int argc, char **argv) {
  det_opts o = {.size = 256, .lr = 1e-3f, .gamma = 2.f, .seam_weight = 8.f, .seam_radius = UNMASK_SEAM_RADIUS,
                .photo_share = UNMASK_PHOTO_SHARE, .emblem_share = UNMASK_EMBLEM_SHARE};
  train_opts_default(&o.t, "runs/detector", 100000);
  int prc = parse(argc, argv, &o);
  if (prc) return prc == 1 ? 0 : 2;
  nets_error err = {0};
  char path[4096];
  if (!o.version) { /* a run keeps its version; a new one takes its --init file's */
    snprintf(path, sizeof path, "%s/detector.safetensors", o.t.run);
    o.version = train_file_version(path, detector_version);
    if (!o.version) o.version = train_file_version(o.t.init, detector_version);
    if (!o.version) o.version = 2;
  }
  snprintf(path, sizeof path, "%s/samples", o.t.run);
  if (nets_blas_init(&err) || train_mkdirs(path)) {
    fprintf(stderr, "unmask-train: %s\n", err.msg[0] ? err.msg : "cannot create the run folder");
    return 1;
  }
  unmask_synth *syn = train_opts_synth(&o.t, &err);
  if (!syn) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    return 1;
  }
  unmask_synth_set_seam_radius(syn, o.seam_radius); /* checked by parse */
  unmask_synth_set_photo_share(syn, o.photo_share);
  unmask_synth_set_emblem_share(syn, o.emblem_share);
  unmask_synth_set_small_share(syn, o.small_share);
  unmask_synth_set_top_cut_share(syn, o.top_cut_share);
  unmask_synth_set_low_scarf_share(syn, o.low_scarf_share);
  detector_net net;
  if (detector_build(&net, o.version)) {
    unmask_synth_free(syn);
    fprintf(stderr, "unmask-train: cannot build the detector\n");
    return 1;
  }
  nets_graph_init_params(net.g, o.t.seed);
  detector_zero_residuals(&net); /* added blocks start at zero */
  nets_adam opt;
  nets_adam_default(&opt, o.lr);
  const int S = o.size, B = o.t.batch, hw = S * S, ls = S / DETECTOR_OUT_SCALE;
  long step = 0;
  double wall_before = 0;
  nets_ema ema_store, *ema = NULL;
  int rc = nets_graph_prepare(net.g, B, S, S, 1, &err);
  if (!rc && o.t.ema > 0 && !(rc = nets_ema_init(&ema_store, net.g, o.t.ema, &err))) ema = &ema_store;
  const train_net one = {"detector", net.arch, net.g, &opt, NULL, ema};
  int resumed = rc ? 0 : train_checkpoint_resume(o.t.run, &one, 1, &step, &wall_before, &err);
  if (resumed < 0) rc = err.code;
  if (resumed > 0) printf("resuming %s at step %ld (%.2f h so far)\n", o.t.run, step, wall_before / 3600);
  if (!resumed && !rc && o.t.init) {
    int taken = 0;
    rc = nets_graph_load_matching(net.g, o.t.init, &taken, &err);
    if (!rc) printf("starting from %s: %d of %d tensors taken\n", o.t.init, taken, net.g->n_params);
    if (!rc && ema) nets_ema_reset(ema, net.g);
  }
  if (rc) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    unmask_synth_free(syn);
    if (ema) nets_ema_free(ema);
    nets_graph_free(net.g);
    return 1;
  }
  /* the buffers hold a scene or a look crop, whichever is larger */
  const int Lb = o.look_every > 0 && TRAIN_LOOK_SIZE > S ? TRAIN_LOOK_SIZE : S;
  const size_t hb = (size_t)Lb * Lb, lb = hb / (DETECTOR_OUT_SCALE * DETECTOR_OUT_SCALE);
  float *rgb = malloc(sizeof(float) * hb * 3), *cov = malloc(sizeof(float) * hb);
  float *seam = malloc(sizeof(float) * hb);
  float *wfull = malloc(sizeof(float) * hw), *wmap = malloc(sizeof(float) * B * lb);
  float *x = malloc(sizeof(float) * B * 3 * hb), *t = malloc(sizeof(float) * B * lb);
  float *grad = malloc(sizeof(float) * B * lb);
  uint64_t *scene_idx = malloc(sizeof(uint64_t) * B);
  int *rects = malloc(sizeof(int) * 4 * MAX_SCENE_BOXES * B), *n_rects = calloc((size_t)B, sizeof(int));
  int *scene_uses = malloc(sizeof(int) * B);
  train_replay pool;
  const int pool_rc = train_replay_init(&pool, o.replay_share > 0 ? REPLAY_POOL : 0, REPLAY_MAX_USES, o.t.seed);
  train_log log;
  snprintf(path, sizeof path, "%s/log.csv", o.t.run);
  if (!rgb || !cov || !seam || !x || !t || !grad || !wfull || !wmap || !scene_idx || !scene_uses || !rects || !n_rects || pool_rc ||
      train_log_open(&log, path, "step,focal,pixel_iou,scenes_per_s,hours", step, &err)) {
    fprintf(stderr, "unmask-train: %s\n", err.msg[0] ? err.msg : "out of memory");
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  nets_graph_prepare(net.g, 1, S, S, 1, &err);
  printf("detector version %d: %ld parameters, %.2f GMAC per %dx%d scene; %d threads, OpenBLAS %s\n",
         o.version, nets_graph_param_count(net.g), nets_graph_macs(net.g) * 1e-9, S, S,
         nets_parallel_get_threads(), nets_blas_corename());
  const double t_start = train_now();
  double acc_loss = 0, acc_inter = 0, acc_union = 0, acc_replay = 0, acc_look = 0, acc_iou = 0;
  double t_log = train_now();
  int acc_n = 0, acc_replay_n = 0, acc_look_n = 0;
  while (step < o.t.steps && !stop_requested) {
    if (o.t.hours > 0 && train_now() - t_start > o.t.hours * 3600) break;
    const int look = o.look_every > 0 && step % o.look_every == o.look_every - 1;
    const int n_replay = look ? 0 : (int)lround(o.replay_share * B);
    if (look) rc = look_batch(&o, syn, step, rgb, cov, seam, x, t, wmap, &err);
    for (int i = 0; !look && i < B && !rc; i++) {
      train_replay_entry hard;
      const int again = i < n_replay && train_replay_take(&pool, &hard);
      const uint64_t idx = again ? hard.idx : (uint64_t)step * B + i;
      scene_idx[i] = idx, scene_uses[i] = again ? hard.uses + 1 : 0;
      unmask_box boxes[MAX_SCENE_BOXES];
      int nb = 0;
      rc = unmask_synth_scene(syn, 0, o.t.seed, idx, S, S, rgb, cov, seam, boxes, MAX_SCENE_BOXES, &nb, &err);
      small_mask_weights(boxes, nb, S, S, wfull);
      for (int p = 0; p < hw; p++)
        if (seam[p] > 0 && wfull[p] < o.seam_weight) wfull[p] = o.seam_weight;
      const int mirrored = augment_scene(rgb, cov, S, S, o.t.seed * 0x9E3779B97F4A7C15ULL ^ idx);
      if (mirrored) augment_mirror(wfull, S, S);
      n_rects[i] = iou_windows(boxes, nb, S, S, DETECTOR_OUT_SCALE, mirrored, rects + 4 * MAX_SCENE_BOXES * i);
      if (o.grey_share > 0)
        augment_grey(rgb, S, S, o.grey_share, (o.t.seed * 0x9E3779B97F4A7C15ULL ^ idx) + 0x6A09E667F3BCC909ULL);
      detector_pack(rgb, S, S, S, S, x + (size_t)i * 3 * hw);
      downsample(cov, S, S, DETECTOR_OUT_SCALE, t + (size_t)i * ls * ls);
      downsample(wfull, S, S, DETECTOR_OUT_SCALE, wmap + (size_t)i * ls * ls);
      if (o.loop_weight > 0 && train_loop_targets(cov, S, S, DETECTOR_OUT_SCALE, o.loop_weight,
                                                  t + (size_t)i * ls * ls, wmap + (size_t)i * ls * ls))
        rc = nets_error_set(&err, NETS_ERR_NOMEM, "out of memory");
    }
    if (rc) break;
    const int side = look ? TRAIN_LOOK_SIZE : S, side_out = side / DETECTOR_OUT_SCALE;
    if ((rc = nets_graph_prepare(net.g, B, side, side, 1, &err)) || (rc = nets_graph_forward(net.g, x, &err)))
      break;
    const float *lo = nets_graph_output(net.g, net.out)->data;
    const size_t n = (size_t)B * side_out * side_out;
    float l = nets_loss_focal(lo, t, wmap, n, o.gamma, -1.f, 1.f, grad);
    int windows = 0;
    for (int i = 0; i < B && o.iou_weight > 0 && !look; i++) windows += n_rects[i];
    for (int i = 0; i < B && windows; i++) { /* the mean over the batch's coverings */
      const size_t off = (size_t)i * ls * ls;
      acc_iou += n_rects[i] * nets_loss_soft_iou(lo + off, t + off, ls, rects + 4 * MAX_SCENE_BOXES * i, n_rects[i],
                                                 o.iou_weight * n_rects[i] / windows, grad + off) / windows;
    }
    for (int i = 0; i < B && o.replay_share > 0 && !look; i++) {
      const size_t off = (size_t)i * ls * ls;
      const float li = nets_loss_focal(lo + off, t + off, wmap + off, (size_t)ls * ls, o.gamma, -1.f, 1.f, NULL);
      train_replay_offer(&pool, scene_idx[i], li, scene_uses[i]);
      if (scene_uses[i]) acc_replay += li, acc_replay_n++;
    }
    for (size_t i = 0; i < n && !look; i++) {
      int p = lo[i] > 0.f, g = t[i] >= 0.5f;
      acc_inter += p && g;
      acc_union += p || g;
    }
    nets_graph_zero_grad(net.g);
    if ((rc = nets_graph_backward(net.g, net.out, grad, &err))) break;
    opt.lr = o.lr_decay_step > 0 && step >= o.lr_decay_step ? 0.1f * o.lr : o.lr;
    nets_adam_step(&opt, net.g, &err);
    if (ema) nets_ema_update(ema, net.g);
    step++;
    if (look) acc_look += l, acc_look_n++;
    else acc_loss += l, acc_n++;
    if (step % o.t.log_every == 0) {
      double now = train_now();
      double row[5] = {(double)step, acc_n ? acc_loss / acc_n : 0, acc_union > 0 ? acc_inter / acc_union : 0,
                       (acc_n + acc_look_n) * B / (now - t_log), (wall_before + now - t_start) / 3600};
      train_log_row(&log, row);
      printf("step %7ld  focal %.5f  pixel IoU %.3f  %.1f scenes/s  %.2f h", step, row[1], row[2], row[3],
             row[4]);
      if (o.iou_weight > 0 && acc_n) printf("  soft IoU %.4f", acc_iou / acc_n);
      if (acc_replay_n) printf("  (scenes drawn again: focal %.5f)", acc_replay / acc_replay_n);
      if (acc_look_n) printf("  (look crops: focal %.5f)", acc_look / acc_look_n);
      printf("\n");
      fflush(stdout);
      acc_loss = acc_inter = acc_union = acc_replay = acc_look = acc_iou = 0;
      acc_n = acc_replay_n = acc_look_n = 0;
      t_log = now;
    }
    if (step % o.t.sample_every == 0) {
      const int cols[] = {1, 2};
      char png[4096];
      snprintf(png, sizeof png, "%s/loss.png", o.t.run);
      if (train_plot_csv(path, cols, 2, png, &err)) fprintf(stderr, "plot: %s\n", err.msg);
      if (write_samples(&o, step, syn, &net, &err)) fprintf(stderr, "samples: %s\n", err.msg);
    }
    if (step % o.t.save_every == 0 &&
        save_all(&o, &net, &opt, ema, step, wall_before + train_now() - t_start, &err))
      fprintf(stderr, "checkpoint: %s\n", err.msg);
  }
  if (rc) fprintf(stderr, "unmask-train: %s\n", err.msg);
  if (save_all(&o, &net, &opt, ema, step, wall_before + train_now() - t_start, &err))
    fprintf(stderr, "checkpoint: %s\n", err.msg);
  else
    printf("saved %s at step %ld\n", o.t.run, step);
  train_log_close(&log);
  free(rgb); free(cov); free(seam); free(x); free(t); free(grad); free(wfull); free(wmap);
  free(scene_idx), free(scene_uses), free(rects), free(n_rects);
  train_replay_free(&pool);
  if (ema) nets_ema_free(ema);
  nets_graph_free(net.g);
  unmask_synth_free(syn);
  return rc ? 1 : 0;
}
