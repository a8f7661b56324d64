/* unmask-train fit-look: fits the second-look model of a detector file
 * (pipeline/coverings.h, UNMASK_LOOK_FEATURES) on scenes of the faces
 * training uses, and writes the file again with it.
 *
 * The second look keeps or drops each covering the map gives.  Its fixed
 * bars weigh one number, the mean probability on the face crop; the model
 * weighs that with the closer look, the map's own score and where the box
 * lies, as the detector file's map makes them.  Fitted after training, as
 * a detector's calibration is. */
#include <stdlib.h>
#include <string.h>

#include "../io/safetensors.h"
#include "../models/models.h"
#include "../pipeline/coverings.h"
#include "../synth/synth.h"
#include "logistic.h"
#include "metrics.h"
#include "train-common.h"
#include "train.h"
#include "unmask-config.h"

#define MAX_BOXES 64
#define POS_IOU 0.3 /* a candidate whose box overlaps a covering's this much is a covering */
#define NEG_IOU 0.1 /* one that overlaps none this much is a false detection; between: left out */
#define L2 1e-2 /* the default penalty (--l2) */

static void usage(void) {
  printf("usage: unmask-train fit-look --weights IN -o OUT [--n SCENES] [--first K] [--seed S]\n"
         "       [--match recall|false] [--pooled] [--map-sensitivity S] [--l2 L]\n"
         "       [--look-weights LOOK] [--faces DIR --csv FILE --templates CFG]\n"
         "Fits the second look of the detector file IN (what decides whether each\n"
         "covering on the map is kept) and writes IN with it as OUT.  The scenes are\n"
         "built as eval-detector's, from the faces training uses (default 3000\n"
         "scenes of 256 px, from number 0, seed 1).  Each covering the map gives\n"
         "there is a true covering when its box has an IoU of at least %.1f with\n"
         "one, and a false one when it has under %.1f with all; a logistic\n"
         "regression weighs its features (pipeline/coverings.h), and its bias is\n"
         "set so that, at sensitivity 0.5, the model alone would keep as many true\n"
         "coverings of these scenes as the fixed bars do (--match recall, the\n"
         "default), or as many false ones (--match false).  --pooled adds what the\n"
         "network saw in the second look (%d pooled features of its maps) to the\n"
         "model's features; fit that on more coverings (e.g. --n 6000\n"
         "--map-sensitivity 0.75: the map's coverings at that sensitivity, more of\n"
         "them false).  unmask then keeps a covering when both the bars and the\n"
         "model keep it: the model drops coverings, it never adds one.  Prints\n"
         "what each rule keeps.  Run it again after training or averaging a file:\n"
         "`unmask-train average` drops the model, as the map it was fitted to has\n"
         "changed.  --l2 L: the penalty on the standardised weights (default %g).\n"
         "--look-weights LOOK: a second-look network (a detector file trained with\n"
         "--look-every) takes the second looks of IN's coverings; the model is\n"
         "fitted to what it sees and OUT is LOOK with it, for unmask to read as\n"
         "second-look.safetensors beside IN.\n",
         POS_IOU, NEG_IOU, NETS_DETECTOR_POOLED, L2);
}

static int by_value_down(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

static int write_with_model(const char *in, const char *out, const float *w, int d, const char *note,
                            nets_error *err) {
  nets_st_file *f = nets_st_load(in, err);
  if (!f) return err->code ? err->code : NETS_ERR_IO;
  char text[64 + 24 * (NETS_LOOK_MAX + 1)];
  int len = snprintf(text, sizeof text, "look-v1 %d", d);
  for (int j = 0; j <= d; j++) len += snprintf(text + len, sizeof text - len, " %.6g", w[j]);
  const char *const add[] = {NETS_LOOK_META, text, NETS_LOOK_META "_fit", note, NULL};
  const int rc = nets_st_save_copy(f, out, NULL, add, err);
  nets_st_free(f);
  return rc;
}

int fit_look_main(int argc, char **argv) {
  train_opts t;
  train_opts_default(&t, NULL, 0);
  const char *in = NULL, *out = NULL, *look_in = NULL;
  int n = 3000, first = 0, size = 256, match_false = 0, d = UNMASK_LOOK_FEATURES;
  double map_s = 0.5, l2 = L2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--weights") && v) in = argv[++i];
    else if (!strcmp(a, "-o") && v) out = argv[++i];
    else if (!strcmp(a, "--look-weights") && v) look_in = argv[++i];
    else if (!strcmp(a, "--n") && v) n = atoi(argv[++i]);
    else if (!strcmp(a, "--first") && v) first = atoi(argv[++i]);
    else if (!strcmp(a, "--pooled")) d = UNMASK_LOOK_POOLED;
    else if (!strcmp(a, "--map-sensitivity") && v) map_s = atof(argv[++i]);
    else if (!strcmp(a, "--l2") && v) l2 = atof(argv[++i]);
    else if (!strcmp(a, "--match") && v && (!strcmp(v, "recall") || !strcmp(v, "false")))
      match_false = !strcmp(argv[++i], "false");
    else {
      const int help = !strcmp(a, "--help") || !strcmp(a, "-h");
      if (!help) fprintf(stderr, "fit-look: unknown or incomplete option %s\n", a);
      usage();
      return help ? 0 : 2;
    }
  }
  if (!in || !out || n < 1 || first < 0 || !(map_s > 0 && map_s < 1) || !(l2 >= 0)) {
    usage();
    return 2;
  }
  if (train_opts_finish(&t) || train_opts_fixed_scenes(&t, "fit-look")) return 2;
  nets_error err = {0};
  nets_detector *det = nets_detector_load(in, &err), *looker = NULL;
  if (det && look_in && !(looker = nets_detector_load(look_in, &err))) nets_detector_free(det), det = NULL;
  nets_detector *look = looker ? looker : det;
  unmask_synth *syn = det ? unmask_synth_new(t.faces, t.csv, train_opts_templates(&t), &err) : NULL;
  if (!det || !syn) {
    fprintf(stderr, "fit-look: %s\n", err.msg);
    nets_detector_free(det);
    nets_detector_free(looker);
    return 1;
  }

  const unmask_levels lv = unmask_levels_for(0.5, (size_t)size * size);
  /* every covering of the map at map_s: no second look */
  unmask_levels all = unmask_levels_for(map_s, (size_t)size * size);
  all.verify_size = 0;
  const int hw = size * size;
  float *rgb = malloc(sizeof(float) * hw * 3), *cov = malloc(sizeof(float) * hw);
  float *prob = malloc(sizeof(float) * hw);
  int *labels = malloc(sizeof(int) * hw);
  /* at most MAX_BOXES coverings a scene */
  const size_t cap = (size_t)n * MAX_BOXES;
  int m = 0;
  float *x = malloc(sizeof(float) * d * cap);
  unsigned char *y = malloc(cap), *bars = malloc(cap);
  int rc = !rgb || !cov || !prob || !labels || !x || !y || !bars
               ? nets_error_set(&err, NETS_ERR_NOMEM, "out of memory")
               : NETS_OK;
  const double t0 = train_now();
  for (int i = 0; i < n && !rc; i++) {
    unmask_box gb[MAX_BOXES];
    unmask_scene_truth truth = {gb, MAX_BOXES, 0, NULL, 0, 0};
    if ((rc = unmask_synth_scene_truth(syn, 0, 0, t.seed, (uint64_t)(first + i), size, size, rgb, cov, NULL,
                                       &truth, &err)))
      break;
    nets_det_box db[MAX_BOXES];
    if ((rc = unmask_probability_map(det, rgb, size, size, prob, &err))) break;
    const int nd = unmask_coverings(det, NULL, rgb, size, size, prob, &all, labels, db, MAX_BOXES, &err);
    if (nd < 0) {
      rc = nd;
      break;
    }
    for (int k = 0; k < nd && !rc; k++) {
      const metric_box mb = {(float)db[k].x, (float)db[k].y, (float)db[k].w, (float)db[k].h, 1, 0};
      double best = 0;
      for (int g = 0; g < truth.n_boxes; g++) {
        const metric_box tb = {gb[g].x, gb[g].y, gb[g].w, gb[g].h, 1, 0};
        const double v = metric_box_iou(&mb, &tb);
        if (v > best) best = v;
      }
      if (best >= NEG_IOU && best < POS_IOU) continue;
      float *f = x + (size_t)m * d;
      int kept = 0;
      if ((rc = unmask_look_features(look, rgb, size, size, labels, &db[k], &lv, d, f, &kept, &err))) break;
      y[m] = best >= POS_IOU;
      bars[m] = (unsigned char)kept;
      m++;
    }
    if ((i + 1) % 500 == 0) fprintf(stderr, "fit-look: %d of %d scenes, %d coverings (%.0f s)\n", i + 1, n, m,
                                    train_now() - t0);
  }
  float w[UNMASK_LOOK_POOLED + 1];
  if (!rc) rc = logistic_fit(x, y, m, d, l2, w, &err);
  int pos = 0, neg = 0, bar_pos = 0, bar_neg = 0, mod_pos = 0, mod_neg = 0, both_pos = 0, both_neg = 0;
  if (!rc) {
    /* the bias: the model keeps as many true (or false) coverings as the bars */
    for (int k = 0; k < m; k++) {
      pos += y[k], neg += !y[k];
      bar_pos += y[k] && bars[k], bar_neg += !y[k] && bars[k];
    }
    const int want = match_false ? bar_neg : bar_pos;
    double *z = malloc(sizeof(double) * ((size_t)(match_false ? neg : pos) + 1));
    int nz = 0;
    if (!z) rc = nets_error_set(&err, NETS_ERR_NOMEM, "out of memory");
    for (int k = 0; !rc && k < m; k++)
      if (y[k] == !match_false) z[nz++] = logistic_logit(w, x + (size_t)k * d, d);
    if (!rc && want > 0) {
      /* the want-th highest logit of that class and the next one: their mean becomes 0
       * (lv.look_bar at sensitivity 0.5) */
      qsort(z, (size_t)nz, sizeof *z, by_value_down);
      const double cut = want < nz ? 0.5 * (z[want - 1] + z[want]) : z[want - 1] - 1e-3;
      w[d] -= (float)cut;
    }
    free(z);
    for (int k = 0; !rc && k < m; k++) {
      const int keep = logistic_logit(w, x + (size_t)k * d, d) >= lv.look_bar;
      mod_pos += y[k] && keep, mod_neg += !y[k] && keep;
      both_pos += y[k] && keep && bars[k], both_neg += !y[k] && keep && bars[k];
    }
  }
  char note[1024];
  if (!rc) {
    const int len = snprintf(note, sizeof note,
             "%d training-face scenes of %d px from number %d (seed %llu): %d true and %d false coverings "
             "on the map at sensitivity %.2f; %d features%s, L2 penalty %g; the fixed bars keep %d and %d, this model alone "
             "%d and %d (--match %s), both together (as unmask uses them) %d and %d",
             n, size, first, t.seed, pos, neg, map_s, d, d == UNMASK_LOOK_POOLED ? " (with the pooled ones)" : "", l2,
             bar_pos, bar_neg, mod_pos, mod_neg, match_false ? "false" : "recall", both_pos, both_neg);
    if (look_in && len > 0 && len < (int)sizeof note) /* the map it was fitted to */
      snprintf(note + len, sizeof note - len, "; second looks of the coverings of %s", in);
    rc = write_with_model(look_in ? look_in : in, out, w, d, note, &err);
  }
  free(rgb), free(cov), free(prob), free(labels), free(x), free(y), free(bars);
  unmask_synth_free(syn);
  nets_detector_free(det);
  nets_detector_free(looker);
  if (rc) {
    fprintf(stderr, "fit-look: %s\n", err.msg[0] ? err.msg : "failed");
    return 1;
  }
  printf("wrote %s: %s\n", out, note);
  printf("model: logit =");
  for (int j = 0; j < UNMASK_LOOK_FEATURES; j++) printf(" %+.4f f%d", w[j], j);
  if (d > UNMASK_LOOK_FEATURES) printf(" + %d pooled", d - UNMASK_LOOK_FEATURES);
  printf(" %+.4f\n", w[d]);
  return 0;
}
