/* unmask-train eval-detector: the detector on held-out synthetic scenes
 * (built from faces training never uses).  Prints COCO-style box AP@[.5:.95],
 * AP@0.5 and AR@10 of the boxes `unmask detect` reports (and of the map's
 * coverings before they grow by colour), the mean pixel IoU of the masks,
 * and the rate of false detections on unmasked held-out faces. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"
#include "../models/models.h"
#include "../pipeline/coverings.h"
#include "../pipeline/hole.h"
#include "../pipeline/memio.h"
#include "../pipeline/pipeline-private.h"
#include "../synth/synth.h"
#include "augment.h"
#include "metrics.h"
#include "train-common.h"
#include "train.h"
#include "unmask-config.h"

#define MAX_BOXES 64

/* The coverings of a size x size picture, found as unmask finds them. */
static int find_coverings(nets_detector *det, nets_detector *look, const float *rgb, int w, int h, float *prob,
                          const unmask_levels *lv, int *labels, nets_det_box *boxes, nets_error *err) {
  int rc = unmask_probability_map(det, rgb, w, h, prob, err);
  return rc ? rc : unmask_coverings(det, look, rgb, w, h, prob, lv, labels, boxes, MAX_BOXES, err);
}

/* The best IoU of box b with the boxes of set (n) in b's picture. */
static double best_iou(const metric_box *b, const metric_box *set, int n) {
  double best = 0;
  for (int k = 0; k < n; k++)
    if (set[k].image == b->image) {
      double iou = metric_box_iou(b, &set[k]);
      if (iou > best) best = iou;
    }
  return best;
}

/* --looks FILE: a line for every covering of the map prob (already made
 * for the scene) at lv's levels before its second look: scene, box, the
 * map's score and area, its best IoU with a true covering (gts, ng of them;
 * hard: left out of the plain row) and whether that one is of the plain row
 * (1, else 0; -1 when the IoU is under 0.1), whether the fixed bars keep
 * it, the logits of its second and closer looks, whether it has a closer
 * look, and the logit of the file's second-look model (0 without one).
 * look: the network that takes the second look (det when the detector has
 * no second-look network).  labels: size x size scratch. */
static int log_looks(nets_detector *det, nets_detector *look, const float *rgb, int size, const float *prob,
                     const unmask_levels *lv, const metric_box *gts, const unsigned char *hard, int ng, int scene,
                     int *labels, FILE *out, nets_error *err) {
  unmask_levels all = *lv;
  all.verify_size = 0;
  nets_det_box db[MAX_BOXES];
  const int nd = unmask_coverings(det, NULL, rgb, size, size, prob, &all, labels, db, MAX_BOXES, err);
  if (nd < 0) return nd;
  int n_look = 0;
  const float *model = unmask_look_model(look, &n_look);
  const int nf = model ? n_look : UNMASK_LOOK_FEATURES;
  float f[UNMASK_LOOK_POOLED];
  for (int k = 0; k < nd; k++) {
    int bars = 0, rc;
    if ((rc = unmask_look_features(look, rgb, size, size, labels, &db[k], lv, nf, f, &bars, err))) return rc;
    double z = model ? model[n_look] : 0;
    for (int j = 0; model && j < n_look; j++) z += (double)model[j] * f[j];
    const metric_box mb = {(float)db[k].x, (float)db[k].y, (float)db[k].w, (float)db[k].h, 1, 0};
    double best = 0;
    int plain = -1;
    for (int g = 0; g < ng; g++) {
      const double v = metric_box_iou(&mb, &gts[g]);
      if (v > best) best = v, plain = !hard[g];
    }
    if (best < 0.1) plain = -1;
    fprintf(out, "%d %d %d %d %d %d %.4f %ld %.3f %d %d %.3f %.3f %d %.3f\n", scene, k, db[k].x, db[k].y,
            db[k].w, db[k].h, db[k].score, db[k].area, best, plain, bars, f[0], f[1], (int)f[2], z);
  }
  return NETS_OK;
}

/* What the repaint would leave or take: the hole unmask_detect() makes on one
 * scene against the true covering. */
typedef struct {
  long cover, left, thin, thin_left, found, found_left, extra;
} repaint_tally;

/* Runs the pipeline's detection half (as `unmask` does, at sensitivity sens)
 * on the scene: its faces' boxes and scores (what `unmask detect` reports)
 * go to faces_out (*n_faces, at most MAX_BOXES) as boxes of picture `image`.
 * Then tallies, against the true covering cov: covering pixels left outside
 * the hole (alpha < 0.5), those of them on thin parts (ear loops and straps:
 * what a 2-px opening removes), those inside coverings that were found (a
 * face box at IoU >= 0.5), and hole pixels off the covering.  The hole's
 * alpha is left in hole_out (size*size).  looker: the second-look network
 * (NULL: det's own look). */
static int tally_repaint(nets_detector *det, nets_detector *looker, const float *rgb, const float *cov, int size,
                         double sens, int view_max, int no_colour_grow,
                         const unmask_box *gb, int ng, int image, repaint_tally *t, float *hole_out,
                         metric_box *faces_out, int *n_faces, nets_error *err) {
  const int hw = size * size;
  nets_image *img = nets_image_new(size, size, 4), *hole = nets_image_new(size, size, 1);
  unsigned char *open = malloc((size_t)hw), *found = calloc((size_t)hw, 1);
  int rc = !img || !hole || !open || !found ? nets_error_set(err, NETS_ERR_NOMEM, "out of memory") : 0;
  *n_faces = 0;
  for (int p = 0; !rc && p < hw; p++) {
    for (int c = 0; c < 3; c++) img->data[p * 4 + c] = rgb[p * 3 + c];
    img->data[p * 4 + 3] = 1.f;
    open[p] = cov[p] >= 0.5f;
  }
  if (!rc) {
    unmask_memio mio;
    unmask_image_io io = unmask_memio_init(&mio, img, NULL);
    unmask_params p;
    unmask_params_default(&p);
    p.sensitivity = sens;
    p.hole_write = unmask_memio_hole_write;
    p.hole_user = hole;
    p.no_colour_grow = no_colour_grow;
    if (view_max > 0) p.view_max = view_max;
    unmask_models models = {.detector = det, .looker = looker};
    unmask_face *faces = NULL;
    int nf = unmask_detect(&models, &io, &p, &faces, n_faces, err);
    if (nf < 0) rc = nf;
    for (int k = 0; !rc && k < *n_faces && k < MAX_BOXES; k++)
      faces_out[k] = (metric_box){(float)faces[k].x, (float)faces[k].y, (float)faces[k].w,
                                  (float)faces[k].h, faces[k].score, image};
    if (*n_faces > MAX_BOXES) *n_faces = MAX_BOXES;
    free(faces);
  }
  /* the covering without its thin parts */
  if (!rc && (rc = unmask_hole_open(open, size, size, 2))) nets_error_set(err, rc, "out of memory");
  for (int k = 0; !rc && k < ng; k++) {
    metric_box b = {gb[k].x, gb[k].y, gb[k].w, gb[k].h, 1, image};
    if (best_iou(&b, faces_out, *n_faces) < 0.5) continue;
    for (int y = (int)b.y; y < (int)ceilf(b.y + b.h) && y < size; y++)
      for (int x = (int)b.x; x < (int)ceilf(b.x + b.w) && x < size; x++) found[y * size + x] = 1;
  }
  for (int p = 0; !rc && p < hw; p++) {
    const int c = cov[p] >= 0.5f, a = hole->data[p] >= 0.5f;
    t->cover += c;
    t->left += c && !a;
    t->thin += c && !open[p];
    t->thin_left += c && !open[p] && !a;
    t->found += c && found[p];
    t->found_left += c && found[p] && !a;
    t->extra += a && !c;
  }
  if (!rc) memcpy(hole_out, hole->data, sizeof(float) * hw);
  nets_image_free(img);
  nets_image_free(hole);
  free(open);
  free(found);
  return rc;
}

/* The coverings a person finds at a glance, as CityPersons' "reasonable"
 * people: at least PLAIN_VISIBLE of the covering shows (unmask_box.visible:
 * not hidden by what is drawn later, not cut by the frame) and its face is
 * at least PLAIN_FACE px wide (the smallest face the detector is asked to
 * find).  The others, and the detections on them, are left out of this row. */
#define PLAIN_VISIBLE 0.65f
#define PLAIN_FACE 24.f

static void plain_row(const metric_box *dets, int n_dets, const metric_box *gts, const unsigned char *hard,
                      int n_gts, int n_images) {
  metric_box *kd = malloc(sizeof *kd * ((size_t)n_dets + 1)), *kg = malloc(sizeof *kg * ((size_t)n_gts + 1));
  if (!kd || !kg) {
    free(kd), free(kg);
    return;
  }
  int nd = 0, ng = 0, missed = 0;
  metric_drop_ignored(dets, n_dets, gts, hard, n_gts, kd, &nd, kg, &ng);
  for (int g = 0; g < ng; g++) missed += best_iou(&kg[g], kd, nd) < 0.5;
  double ap, ap50, ar10;
  metric_box_ap(kd, nd, kg, ng, n_images, &ap, &ap50, &ar10);
  printf("| box AP / AP@0.5 / AR@10 and coverings missed, on the coverings at least %.0f%% visible on faces at least "
         "%.0f px wide (%d of %d; %d detections on the others left out) | %.3f / %.3f / %.3f, %d |\n",
         100.0 * PLAIN_VISIBLE, PLAIN_FACE, ng, n_gts, n_dets - nd, ap, ap50, ar10, missed);
  free(kd), free(kg);
}

/* Why each covering missed at IoU 0.5 was missed, and what each unmatched
 * detection is.  area[g]: the covering's visible pixels. */
static void print_misses(const metric_box *dets, int n_dets, const metric_box *gts, const long *area,
                         int n_gts) {
  int tiny = 0, none = 0, merged = 0, partial = 0, missed = 0;
  for (int g = 0; g < n_gts; g++) {
    const double best = best_iou(&gts[g], dets, n_dets);
    if (best >= 0.5) continue;
    /* a box that holds most of this covering and most of another */
    int merge = 0;
    for (int d = 0; d < n_dets && !merge; d++)
      if (dets[d].image == gts[g].image && metric_box_inside(&dets[d], &gts[g]) > 0.5)
        for (int o = 0; o < n_gts && !merge; o++)
          merge = o != g && gts[o].image == gts[g].image && metric_box_inside(&dets[d], &gts[o]) > 0.5;
    missed++;
    if (area[g] < 64) tiny++;
    else if (merge) merged++;
    else if (best < 0.1) none++;
    else partial++;
  }
  int fp = 0, fp_part = 0;
  for (int d = 0; d < n_dets; d++) {
    const double best = best_iou(&dets[d], gts, n_gts);
    if (best >= 0.5) continue;
    fp++;
    fp_part += best >= 0.1;
  }
  printf("\n| coverings missed at IoU 0.5 | %d of %d |\n|---|---|\n", missed, n_gts);
  printf("| under 64 visible pixels | %d |\n| in one box with another covering | %d |\n", tiny, merged);
  printf("| found only in part, or too large (IoU 0.1-0.5) | %d |\n| not found (IoU < 0.1) | %d |\n", partial, none);
  printf("| detections matching nothing at IoU 0.5 | %d of %d (%d overlap a covering) |\n", fp, n_dets, fp_part);
}

/* Look-alikes of LOOK_MIN_PX shown pixels or more are scored. */
#define LOOK_MIN_PX 64

/* Whether detection d lies on look-alike l: in its picture, at least half
 * inside its box, or holding at least half of it. */
static int lies_on(const metric_box *d, const metric_box *l) {
  return d->image == l->image && (metric_box_inside(l, d) >= 0.5 || metric_box_inside(d, l) >= 0.5);
}

/* How many of the scenes' look-alikes (looks, kind[k] each) have a false
 * detection on them: one that matches no covering at IoU 0.5 and lies on it. */
static void print_lookalikes(const metric_box *dets, int n_dets, const metric_box *gts, int n_gts,
                             const metric_box *looks, const int *kind, int n_looks) {
  static const char *names[UNMASK_LOOKALIKE_KINDS] = {
      "a hand over a bare mouth and chin", "a scarf low on the neck (mask colours 40%)",
      "a shirt patch in mask colours on the chest", "loose fabric, a bag or a sign (mask colours 50%)"};
  int n[UNMASK_LOOKALIKE_KINDS] = {0}, hit[UNMASK_LOOKALIKE_KINDS] = {0}, fp = 0, fp_on = 0;
  for (int k = 0; k < n_looks; k++) {
    int on = 0;
    for (int d = 0; d < n_dets && !on; d++) on = lies_on(&dets[d], &looks[k]) && best_iou(&dets[d], gts, n_gts) < 0.5;
    n[kind[k]]++, hit[kind[k]] += on;
  }
  for (int d = 0; d < n_dets; d++) {
    if (best_iou(&dets[d], gts, n_gts) >= 0.5) continue;
    fp++;
    int on = 0;
    for (int k = 0; k < n_looks && !on; k++) on = lies_on(&dets[d], &looks[k]);
    fp_on += on;
  }
  printf("\n| look-alike drawn into the scenes (not a covering; %d px or more show) | drawn | with a false "
         "detection on it |\n|---|---|---|\n", LOOK_MIN_PX);
  for (int k = 0; k < UNMASK_LOOKALIKE_KINDS; k++)
    if (n[k]) printf("| %s | %d | %d (%.1f%%) |\n", names[k], n[k], hit[k], 100.0 * hit[k] / n[k]);
  printf("| detections matching nothing that lie on one | %d of %d |\n", fp_on, fp);
}

/* Draws a box outline into an RGB picture. */
static void draw_box(float *rgb, int w, int h, const metric_box *b, float r, float g, float bl) {
  int x0 = (int)b->x, y0 = (int)b->y, x1 = (int)(b->x + b->w) - 1, y1 = (int)(b->y + b->h) - 1;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      if (x < 0 || y < 0 || x >= w || y >= h || (x != x0 && x != x1 && y != y0 && y != y1)) continue;
      float *p = rgb + 3 * ((size_t)y * w + x);
      p[0] = r, p[1] = g, p[2] = bl;
    }
}

/* draw_box for the n boxes b, moved dx to the right. */
static void draw_boxes(float *rgb, int w, int h, const metric_box *b, int n, int dx, float r, float g, float bl) {
  for (int k = 0; k < n; k++) {
    metric_box m = b[k];
    m.x += dx;
    draw_box(rgb, w, h, &m, r, g, bl);
  }
}

int eval_detector_main(int argc, char **argv) {
  static char def_w[4096];
  train_opts t;
  train_opts_default(&t, NULL, 0);
  snprintf(def_w, sizeof def_w, "%s/detector.safetensors", UNMASK_SOURCE_WEIGHTS_DIR);
  const char *weights = def_w;
  int n = 300, size = 256, n_faces = 500, first = 0;
  float thr = -1, grow = -1, sens = 0.5f, verify_min = -1;
  int view_max = 0; /* unmask's default */
  int verify = -1;
  const char *dump = NULL, *looks_path = NULL, *look_weights = NULL;
  int photos = 0, no_colour_grow = 0, dump_all = 0, split = 1, grey = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--weights") && v) weights = argv[++i];
    else if (!strcmp(a, "--n") && v) n = atoi(argv[++i]);
    else if (!strcmp(a, "--first") && v) first = atoi(argv[++i]);
    else if (!strcmp(a, "--size") && v) size = atoi(argv[++i]);
    else if (!strcmp(a, "--faces-n") && v) n_faces = atoi(argv[++i]);
    else if (!strcmp(a, "--threshold") && v) thr = (float)atof(argv[++i]);
    else if (!strcmp(a, "--grow") && v) grow = (float)atof(argv[++i]);
    else if (!strcmp(a, "--sensitivity") && v) sens = (float)atof(argv[++i]);
    else if (!strcmp(a, "--verify") && v) verify = atoi(argv[++i]);
    else if (!strcmp(a, "--verify-min") && v) verify_min = (float)atof(argv[++i]);
    else if (!strcmp(a, "--dump") && v) dump = argv[++i];
    else if (!strcmp(a, "--dump-all") && v) dump = argv[++i], dump_all = 1;
    else if (!strcmp(a, "--looks") && v) looks_path = argv[++i];
    else if (!strcmp(a, "--look-weights") && v) look_weights = argv[++i];
    else if (!strcmp(a, "--photos")) photos = 1;
    else if (!strcmp(a, "--no-colour-grow")) no_colour_grow = 1;
    else if (!strcmp(a, "--grey")) grey = 1;
    else if (!strcmp(a, "--max-view") && v) view_max = atoi(argv[++i]);
    else if (!strcmp(a, "--train-faces")) split = 0;
    else {
      printf("usage: unmask-train eval-detector [--weights FILE] [--n SCENES] [--first K] [--size S]\n"
             "       [--faces-n N] [--sensitivity S] [--threshold T] [--grow G]\n"
             "       [--verify SIZE] [--verify-min P] [--dump DIR | --dump-all DIR] [--photos]\n"
             "       [--no-colour-grow] [--train-faces] [--grey] [--max-view PX] [--looks FILE]\n"
             "       [--look-weights FILE|none] [--faces DIR --csv FILE --templates CFG]\n"
             "Boxes and scores are those `unmask detect` reports: the pipeline's detection\n"
             "at --sensitivity, each covering grown over its loops by colour (one more row\n"
             "scores the map's coverings before that growth, with the levels below).\n"
             "A second row scores only the coverings a person finds at a glance, as\n"
             "CityPersons' \"reasonable\" set does: at least 65%% of the covering shows\n"
             "(nothing pasted over it, and its face's lower points in the frame) on a\n"
             "face at least 24 px wide; the others, and the detections on them, are left\n"
             "out there.\n"
             "A table counts the look-alikes drawn into the scenes (hands over bare\n"
             "chins, scarves, shirt patches in mask colours, loose fabric and signs)\n"
             "with a false detection on them.\n"
             "Unmasked faces are the held-out faces' crops without a mask; where a crop\n"
             "runs past its photo the synthesis smears the photo's edge outwards, so the\n"
             "detector sees the largest upright rectangle of the crop inside the photo\n"
             "(one more row counts the whole crop, smear included).\n"
             "A covering is a connected part of the map >= G that reaches T.  Without them,\n"
             "T and G come from the sensitivity (default 0.5) as in unmask; --threshold\n"
             "alone sets one level (G = T).  Each covering then gets a second look on its\n"
             "face crop at SIZE px (default as in unmask; 0: none) and is kept if the mean\n"
             "probability of its pixels there is at least P (default from the sensitivity),\n"
             "or, failing that, in a closer look as unmask's; and, when the weights file\n"
             "has a second-look model (unmask-train fit-look), if the model keeps it too.\n"
             "--dump DIR writes each scene with a missed covering or a false detection as\n"
             "DIR/scene-N.png: true coverings in green, detections in red, the hole\n"
             "unmask would repaint tinted blue, and beside it the detector's map (white\n"
             "is 1), and each flagged unmasked face as DIR/face-N.png (its flagged pixels\n"
             "tinted red); --dump-all DIR writes every scene.\n"
             "DIR/misses.txt lists each missed covering: scene, mask kind, face width,\n"
             "box, size, share visible, and its best IoU with the boxes unmask reports\n"
             "and with the map's coverings before growing by colour.\n"
             "--photos: scenes are only the held-out 300-W photos with masks drawn on the\n"
             "people in them (no pasted faces), instead of the training kind of scene.\n"
             "The last table scores the hole `unmask` would repaint; --no-colour-grow\n"
             "scores it without growing coverings over their loops and rim by colour\n"
             "(and with their thin parts grown as their body is).\n"
             "--train-faces builds every scene and unmasked face from the faces training\n"
             "uses instead (new scenes of them): the gap to the held-out score is what the\n"
             "detector has learnt of its training faces rather than of faces.\n"
             "--max-view PX: the long side of the view unmask looks for masks in (default\n"
             "as unmask's, 2048), for scenes larger than that (the map's row always sees\n"
             "the whole scene).\n"
             "--looks FILE writes a line for each covering of the map before its second\n"
             "look: scene, k, box x y w h, the map's score and area, its best IoU with a\n"
             "true covering, 1 when that is of the plain row (0 not, -1 IoU under 0.1),\n"
             "1 when the fixed bars keep it, the logits of its second and closer looks,\n"
             "1 when it has a closer look, and the second-look model's logit.\n"
             "--look-weights FILE: the network that takes the second look, with its own\n"
             "second-look model (default: second-look.safetensors beside --weights, as\n"
             "unmask takes it from its weights folder, else the detector itself; none:\n"
             "the detector itself).\n"
             "--grey turns every scene and unmasked face grey (its luma) first, as a\n"
             "black-and-white photo is.\n"
             "--first K scores the scenes from the K-th on (default 0).  The first 300\n"
             "(the default) are those the detector's rules and weights were chosen on;\n"
             "a later range, such as --first 1000 --n 1000, is a test they never saw.\n");
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  if (train_opts_finish(&t) || train_opts_fixed_scenes(&t, "eval-detector")) return 2;
  if (first < 0 || n < 1) {
    fprintf(stderr, "eval-detector: --first must be 0 or more and --n 1 or more\n");
    return 2;
  }
  if (dump && train_mkdirs(dump)) {
    fprintf(stderr, "eval-detector: cannot create %s\n", dump);
    return 1;
  }
  /* the levels unmask uses, unless overridden */
  unmask_levels lv = unmask_levels_for(sens, (size_t)size * size);
  if (thr >= 0) lv.seed = thr, lv.threshold = grow >= 0 ? grow : thr; /* --threshold alone: one level */
  else if (grow >= 0) lv.threshold = grow;
  if (lv.threshold > lv.seed) lv.threshold = lv.seed;
  if (verify_min >= 0) lv.verify_min = verify_min;
  if (verify >= 0) lv.verify_size = verify;
  /* the unmasked faces are smaller pictures: only their smallest covering differs */
  unmask_levels flv = lv;
  flv.min_area = unmask_levels_for(sens, (size_t)NETS_INPAINT_SIZE * NETS_INPAINT_SIZE).min_area;
  nets_error err = {0};
  nets_detector *det = nets_detector_load(weights, &err), *looker = NULL;
  if (det && unmask_look_network_load(weights, look_weights, &looker, &err)) nets_detector_free(det), det = NULL;
  nets_detector *look_net = looker ? looker : det; /* the second look's network and model */
  unmask_synth *syn = det ? unmask_synth_new(t.faces, t.csv, train_opts_templates(&t), &err) : NULL;
  if (!det || !syn) {
    fprintf(stderr, "eval-detector: %s\n", err.msg);
    nets_detector_free(det);
    nets_detector_free(looker);
    return 1;
  }
  if (looker)
    printf("second look by %s\n", look_weights ? look_weights : UNMASK_LOOK_FILE " beside the detector");
  FILE *looks_out = NULL; /* --looks FILE */
  if (looks_path && !(looks_out = fopen(looks_path, "w"))) {
    fprintf(stderr, "eval-detector: cannot write %s\n", looks_path);
    nets_detector_free(det);
    nets_detector_free(looker);
    unmask_synth_free(syn);
    return 1;
  }
  FILE *misses = NULL; /* DIR/misses.txt */
  if (dump) {
    char path[4200];
    snprintf(path, sizeof path, "%s/misses.txt", dump);
    if (!(misses = fopen(path, "w"))) fprintf(stderr, "eval-detector: cannot write %s\n", path);
  }
  const int hw = size * size;
  float *rgb = malloc(sizeof(float) * hw * 3), *cov = malloc(sizeof(float) * hw);
  float *prob = malloc(sizeof(float) * hw), *hole_a = malloc(sizeof(float) * hw);
  int *labels = malloc(sizeof(int) * hw);
  /* dets: the boxes `unmask detect` reports (coverings grown by colour over
   * their loops); mdets: the map's coverings before that growth */
  metric_box *dets = malloc(sizeof *dets * (size_t)n * MAX_BOXES);
  metric_box *mdets = malloc(sizeof *mdets * (size_t)n * MAX_BOXES);
  int n_mdets = 0;
  metric_box *gts = malloc(sizeof *gts * (size_t)n * MAX_BOXES);
  long *gt_area = malloc(sizeof *gt_area * (size_t)n * MAX_BOXES);
  unmask_box *gt_info = malloc(sizeof *gt_info * (size_t)n * MAX_BOXES); /* kind, face, share visible */
  unsigned char *gt_hard = malloc((size_t)n * MAX_BOXES); /* left out of the plain row */
  metric_box *looks = malloc(sizeof *looks * (size_t)n * MAX_BOXES); /* look-alikes, look_kind each */
  int *look_kind = malloc(sizeof *look_kind * (size_t)n * MAX_BOXES);
  int n_dets = 0, n_gts = 0, rc = 0, iou_n = 0, n_looks = 0;
  if (!rgb || !cov || !prob || !hole_a || !labels || !dets || !mdets || !gts || !gt_area || !gt_info || !gt_hard ||
      !looks || !look_kind)
    rc = nets_error_set(&err, NETS_ERR_NOMEM, "out of memory");
  double iou_sum = 0, ms = 0;
  repaint_tally rt = {0};
  for (int i = 0; i < n && !rc; i++) {
    unmask_box gb[MAX_BOXES];
    unmask_lookalike la[MAX_BOXES];
    unmask_scene_truth truth = {gb, MAX_BOXES, 0, la, MAX_BOXES, 0};
    rc = unmask_synth_scene_truth(syn, split, photos, 99, (uint64_t)(first + i), size, size, rgb, cov, NULL, &truth, &err);
    if (rc) break;
    const int ng = truth.n_boxes;
    for (int k = 0; k < truth.n_looks; k++)
      if (la[k].shown >= LOOK_MIN_PX) {
        look_kind[n_looks] = la[k].kind;
        looks[n_looks++] = (metric_box){la[k].x, la[k].y, la[k].w, la[k].h, 1, i};
      }
    if (grey) augment_to_grey(rgb, (size_t)hw);
    double t0 = train_now();
    nets_det_box db[MAX_BOXES];
    int nd = find_coverings(det, looker, rgb, size, size, prob, &lv, labels, db, &err);
    if (nd < 0) {
      rc = nd;
      break;
    }
    ms += 1e3 * (train_now() - t0);
    const int first_mdet = n_mdets;
    for (int k = 0; k < nd; k++)
      mdets[n_mdets++] = (metric_box){(float)db[k].x, (float)db[k].y, (float)db[k].w, (float)db[k].h,
                                      db[k].score, i};
    const int first_gt = n_gts;
    for (int k = 0; k < ng; k++) {
      long a = 0;
      for (int y = (int)gb[k].y; y < (int)(gb[k].y + gb[k].h); y++)
        for (int x = (int)gb[k].x; x < (int)(gb[k].x + gb[k].w); x++) a += cov[y * size + x] >= 0.5f;
      gt_area[n_gts] = a;
      gt_info[n_gts] = gb[k];
      gt_hard[n_gts] = gb[k].visible < PLAIN_VISIBLE || gb[k].face_w < PLAIN_FACE;
      gts[n_gts++] = (metric_box){gb[k].x, gb[k].y, gb[k].w, gb[k].h, 1, i};
    }
    const int first_det = n_dets;
    if ((rc = tally_repaint(det, looker, rgb, cov, size, sens, view_max, no_colour_grow, gb, ng, i, &rt, hole_a,
                            dets + first_det, &nd, &err)))
      break;
    n_dets += nd;
    /* a scene is dumped when a covering or a detection has no partner at IoU 0.5 */
    int bad = dump_all;
    for (int g = first_gt; dump && g < n_gts && !bad; g++) bad = best_iou(&gts[g], dets + first_det, nd) < 0.5;
    for (int d = first_det; dump && d < n_dets && !bad; d++) bad = best_iou(&dets[d], gts + first_gt, ng) < 0.5;
    if (bad) {
      nets_image *im = nets_image_new(2 * size, size, 3); /* the scene, and the detector's map beside it */
      char path[4200];
      if (im) {
        for (int q = 0; q < hw; q++) { /* the hole unmask would repaint, tinted blue */
          float *o = im->data + 3 * ((size_t)(q / size) * 2 * size + q % size);
          for (int c = 0; c < 3; c++) {
            o[c] = rgb[q * 3 + c] * (1 - 0.45f * hole_a[q]) + (c == 2 ? 0.45f * hole_a[q] : 0);
            o[3 * size + c] = prob[q];
          }
        }
        for (int side = 0; side < 2; side++) {
          draw_boxes(im->data, 2 * size, size, gts + first_gt, n_gts - first_gt, side * size, 0, 1, 0);
          draw_boxes(im->data, 2 * size, size, dets + first_det, n_dets - first_det, side * size, 1, 0, 0);
        }
        snprintf(path, sizeof path, "%s/scene-%03d.png", dump, first + i);
        if (nets_image_save(im, path, 8, 0, &err)) fprintf(stderr, "eval-detector: %s\n", err.msg);
        nets_image_free(im);
      }
      /* and a line per missed covering in DIR/misses.txt */
      for (int g = first_gt; misses && g < n_gts; g++) {
        const double best = best_iou(&gts[g], dets + first_det, nd);
        if (best < 0.5)
          fprintf(misses, "scene-%03d.png %s on a %s face %.0f px wide, box %.0f,%.0f %.0fx%.0f, %ld px (%.0f%%) visible, best IoU %.2f (the map's coverings: %.2f)\n", first + i,
                  unmask_mask_kind_name(gt_info[g].kind), gt_info[g].pasted ? "pasted" : "photo's", gt_info[g].face_w,
                  gts[g].x, gts[g].y, gts[g].w, gts[g].h, gt_area[g], 100.0 * gt_info[g].visible, best,
                  best_iou(&gts[g], mdets + first_mdet, n_mdets - first_mdet));
      }
    }
    if (ng > 0) {
      long inter = 0, uni = 0;
      for (int p = 0; p < hw; p++) {
        int a = labels[p] > 0, b = cov[p] >= 0.5f;
        inter += a && b;
        uni += a || b;
      }
      iou_sum += uni ? (double)inter / uni : 1.0;
      iou_n++;
    }
    /* last, as it overwrites labels; prob still holds this scene's map */
    if (looks_out && (rc = log_looks(det, look_net, rgb, size, prob, &lv, gts + first_gt, gt_hard + first_gt, ng,
                                     first + i, labels, looks_out, &err)))
      break;
  }
  /* false detections on unmasked held-out faces (the original crops).  Where
   * a crop reaches past its photo's edge, the synthesis fills it with the
   * edge pixels smeared outwards, which no photo has; the detector sees the
   * largest upright rectangle of the crop inside the photo, as the second
   * look sees a face crop (coverings.c).  The whole crop, smear included, is
   * scored too (it was the only score before session 36). */
  int flagged = 0, checked = 0, flagged_smear = 0;
  long smear_left = 0, photo_px = 0;
  const int S = NETS_INPAINT_SIZE;
  float *m = malloc(sizeof(float) * S * S * 3), *h = malloc(sizeof(float) * S * S);
  float *o = malloc(sizeof(float) * S * S * 3), *pf = malloc(sizeof(float) * S * S);
  float *valid = malloc(sizeof(float) * S * S), *sub = malloc(sizeof(float) * S * S * 3);
  int *flabels = malloc(sizeof(int) * S * S);
  if (!m || !h || !o || !pf || !valid || !sub || !flabels) rc = nets_error_set(&err, NETS_ERR_NOMEM, "out of memory");
  if (n_faces > unmask_synth_count(syn, split)) n_faces = unmask_synth_count(syn, split);
  for (int i = 0; i < n_faces && !rc; i++) {
    if ((rc = unmask_synth_inpaint_sample(syn, split, 555, (uint64_t)i, m, h, o, valid, &err))) break;
    if (grey) augment_to_grey(o, (size_t)S * S);
    nets_det_box fb[MAX_BOXES];
    int nf = find_coverings(det, looker, o, S, S, pf, &flv, flabels, fb, &err);
    if (nf < 0) {
      rc = nf;
      break;
    }
    flagged_smear += nf > 0;
    int x0, y0, x1, y1;
    smear_left += metric_inside_rect(valid, S, &x0, &y0, &x1, &y1);
    for (int q = 0; q < S * S; q++) photo_px += valid[q] >= 0.5f;
    const int sw = x1 - x0, sh = y1 - y0;
    for (int y = 0; y < sh; y++)
      memcpy(sub + (size_t)y * sw * 3, o + ((size_t)(y0 + y) * S + x0) * 3, sizeof(float) * 3 * sw);
    if ((nf = find_coverings(det, looker, sub, sw, sh, pf, &flv, flabels, fb, &err)) < 0) {
      rc = nf;
      break;
    }
    flagged += nf > 0;
    checked++;
    if (dump && nf > 0) { /* a flagged face (its part inside the photo), flagged pixels tinted red */
      nets_image *im = nets_image_new(sw, sh, 3);
      char path[4200];
      if (im) {
        for (int q = 0; q < sw * sh; q++)
          for (int c = 0; c < 3; c++)
            im->data[q * 3 + c] = flabels[q] > 0 ? 0.55f * sub[q * 3 + c] + (c == 0 ? 0.45f : 0) : sub[q * 3 + c];
        snprintf(path, sizeof path, "%s/face-%03d.png", dump, i);
        if (nets_image_save(im, path, 8, 0, &err)) fprintf(stderr, "eval-detector: %s\n", err.msg);
        nets_image_free(im);
      }
    }
  }
  if (rc) {
    fprintf(stderr, "eval-detector: %s\n", err.msg);
  } else {
    double ap, ap50, ar10;
    metric_box_ap(dets, n_dets, gts, n_gts, n, &ap, &ap50, &ar10);
    const char *which = split ? "held-out" : "training-face";
    if (photos) printf("%s 300-W photos: %d\n", which, unmask_synth_photo_count(syn, split));
    int n_look = 0;
    char look[96] = "";
    if (unmask_look_model(look_net, &n_look))
      snprintf(look, sizeof look, ", then the %s fitted model (%d features) >= %.2f",
               looker ? "look network's" : "file's", n_look, lv.look_bar);
    printf("%s %s: %d (numbers %d-%d, %dx%d, %d masked faces), threshold %.2f grown to %.2f, "
           "second look %d px >= %.2f (closer >= %.2f)%s, weights %s\n\n", which, photos ? "photos" : "scenes", n,
           first, first + n - 1, size, size, n_gts, lv.seed, lv.threshold, lv.verify_size, lv.verify_min,
           lv.verify_close, look, weights);
    printf("| metric | value |\n|---|---|\n");
    printf("| box AP@[.5:.95] | %.3f |\n| box AP@0.5 | %.3f |\n| box AR@10 | %.3f |\n", ap, ap50, ar10);
    plain_row(dets, n_dets, gts, gt_hard, n_gts, n);
    metric_box_ap(mdets, n_mdets, gts, n_gts, n, &ap, &ap50, &ar10);
    printf("| the map's coverings before growing by colour: AP / AP@0.5 / AR@10 | %.3f / %.3f / %.3f |\n",
           ap, ap50, ar10);
    printf("| mean pixel IoU (scenes with masks) | %.3f |\n", iou_n ? iou_sum / iou_n : 0);
    printf("| unmasked faces flagged | %.1f%% (%d of %d) |\n", 100.0 * flagged / (checked ? checked : 1),
           flagged, checked);
    printf("| … counted on the whole face crop, edge smear included (as before session 36; the rectangles above leave out %.1f%% of the crops' photo pixels) | %.1f%% (%d of %d) |\n",
           100.0 * smear_left / (photo_px ? (double)photo_px : 1.0), 100.0 * flagged_smear / (checked ? checked : 1),
           flagged_smear, checked);
    printf("| detector time per %dx%d scene | %.1f ms |\n", size, size, ms / n);
    /* where the misses are: recall at IoU 0.5 by the covering's size */
    /* (and by its mask kind) */
    static const int edges[] = {0, 16, 32, 64, 128, 1 << 30};
    int size_n[5] = {0}, size_found[5] = {0}, kind_n[UNMASK_MASK_N_KINDS] = {0}, kind_found[UNMASK_MASK_N_KINDS] = {0};
    int src_n[2][2] = {{0}}, src_found[2][2] = {{0}}; /* [pasted][under 64 px] */
    static const double vis_edges[] = {0, 0.1, 0.25, 0.65, 2}; /* share of the covering that shows */
    int vis_n[4] = {0}, vis_found[4] = {0};
    for (int g = 0; g < n_gts; g++) {
      const int found = best_iou(&gts[g], dets, n_dets) >= 0.5;
      const float side = gts[g].w > gts[g].h ? gts[g].w : gts[g].h;
      int b = 0;
      while (b < 4 && side >= edges[b + 1]) b++;
      size_n[b]++, size_found[b] += found;
      const int ps = gt_info[g].pasted != 0, small = side < 64, kind = gt_info[g].kind;
      src_n[ps][small]++, src_found[ps][small] += found;
      if (kind >= 0 && kind < UNMASK_MASK_N_KINDS) kind_n[kind]++, kind_found[kind] += found;
      int v = 0;
      while (v < 3 && gt_info[g].visible >= vis_edges[v + 1]) v++;
      vis_n[v]++, vis_found[v] += found;
    }
    printf("\n| covering size (larger side) | masks | found (IoU >= 0.5) |\n|---|---|---|\n");
    for (int b = 0; b < 5; b++) {
      const double share = size_n[b] ? 100.0 * size_found[b] / size_n[b] : 0;
      if (b < 4) printf("| %d-%d px | %d | %.0f%% |\n", edges[b], edges[b + 1] - 1, size_n[b], share);
      else printf("| %d px and more | %d | %.0f%% |\n", edges[b], size_n[b], share);
    }
    printf("\n| share of the covering that shows | masks | found (IoU >= 0.5) |\n|---|---|---|\n");
    for (int v = 0; v < 4; v++) {
      const double share = vis_n[v] ? 100.0 * vis_found[v] / vis_n[v] : 0;
      if (v < 3) printf("| %.0f-%.0f%% | %d | %.0f%% |\n", 100 * vis_edges[v], 100 * vis_edges[v + 1], vis_n[v], share);
      else printf("| %.0f%% and more | %d | %.0f%% |\n", 100 * vis_edges[v], vis_n[v], share);
    }
    printf("\n| mask kind | masks | found (IoU >= 0.5) |\n|---|---|---|\n");
    for (int k = 0; k < UNMASK_MASK_N_KINDS; k++)
      if (kind_n[k]) printf("| %s | %d | %.0f%% |\n", unmask_mask_kind_name(k), kind_n[k], 100.0 * kind_found[k] / kind_n[k]);
    printf("\n| masked face | masks | found (IoU >= 0.5) | of them under 64 px | found |\n|---|---|---|---|---|\n");
    for (int ps = 0; ps < 2; ps++) {
      const int all = src_n[ps][0] + src_n[ps][1], hit = src_found[ps][0] + src_found[ps][1];
      if (all)
        printf("| %s | %d | %.0f%% | %d | %.0f%% |\n", ps ? "pasted into the scene" : "a person of the photo", all,
               100.0 * hit / all, src_n[ps][1], src_n[ps][1] ? 100.0 * src_found[ps][1] / src_n[ps][1] : 0);
    }
    print_misses(dets, n_dets, gts, gt_area, n_gts);
    print_lookalikes(dets, n_dets, gts, n_gts, looks, look_kind, n_looks);
    const double cv = rt.cover ? (double)rt.cover : 1.0;
    printf("\nWhat `unmask` would repaint (its whole detection path, grow and feather included):\n\n"
           "| covering pixels | left visible |\n|---|---|\n");
    printf("| all | %.2f%% of %ld |\n", 100.0 * rt.left / cv, rt.cover);
    printf("| in coverings that were found | %.2f%% of %ld |\n", 100.0 * rt.found_left / (rt.found ? rt.found : 1), rt.found);
    printf("| on thin parts (ear loops, straps) | %.2f%% of %ld |\n", 100.0 * rt.thin_left / (rt.thin ? rt.thin : 1), rt.thin);
    printf("| repainted outside the coverings | %.1f%% of the covering's area |\n", 100.0 * rt.extra / cv);
  }
  free(rgb); free(cov); free(prob); free(hole_a); free(labels); free(dets); free(mdets); free(gts); free(gt_area); free(gt_info); free(gt_hard); free(looks); free(look_kind); free(m); free(h); free(o); free(pf); free(valid); free(sub); free(flabels);
  if (misses) fclose(misses);
  if (looks_out) fclose(looks_out);
  nets_detector_free(det);
  nets_detector_free(looker);
  unmask_synth_free(syn);
  return rc ? 1 : 0;
}
