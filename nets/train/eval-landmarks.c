/* unmask-train eval-landmarks: the landmark predictor on held-out masked
 * crops (faces that training never sees), against the mean shape (the mean
 * position of each point over training crops) on the same crops.  Prints the
 * mean distance between predicted and true points, by group, in crop pixels
 * (128 px crops). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/arch.h"
#include "../models/models.h"
#include "../synth/synth.h"
#include "augment.h"
#include "landmark-crops.h"
#include "train-common.h"
#include "train.h"
#include "unmask-config.h"

static const char *const group_names[LANDMARK_GROUPS] = {"jaw (0-16)", "nose (27-35)", "lips (48-67)",
                                                         "eyes and brows"};

int eval_landmarks_main(int argc, char **argv) {
  static char def_w[4096];
  train_opts t;
  train_opts_default(&t, NULL, 0);
  snprintf(def_w, sizeof def_w, "%s/landmarks.safetensors", UNMASK_SOURCE_WEIGHTS_DIR);
  const char *weights = def_w, *grid = NULL;
  int n = 500, grow = 8, single = 0, grey = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--weights") && v) weights = argv[++i];
    else if (!strcmp(a, "--n") && v) n = atoi(argv[++i]);
    else if (!strcmp(a, "--grid") && v) grid = argv[++i];
    else if (!strcmp(a, "--hole-grow") && v) grow = atoi(argv[++i]);
    else if (!strcmp(a, "--single")) single = 1;
    else if (!strcmp(a, "--grey")) grey = 1;
    else {
      printf("usage: unmask-train eval-landmarks [--weights FILE] [--n N] [--grid PNG] [--hole-grow PX] [--single]\n"
             "       [--grey]\n"
             "       [--faces DIR --csv FILE --templates CFG]\n"
             "Held-out masked crops (split 1, fixed seed), holes grown by 0..PX px (default 8)\n"
             "as in training.  Prints the mean distance from each predicted point to the true\n"
             "one, by group, in pixels of the 128-px crop, and the same for the mean shape\n"
             "(each point's mean position over 500 training crops).  --grid writes 8 crops\n"
             "with the true drawing in red and the predicted one in green.  The network finds\n"
             "the points of the crop and of its mirror image and averages the two, as unmask\n"
             "does; --single scores one pass.  --grey turns every crop grey (its luma) first.\n");
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  if (train_opts_finish(&t) || train_opts_fixed_scenes(&t, "eval-landmarks")) return 2;
  if (n < 1 || grow < 0 || grow > 16) {
    fprintf(stderr, "eval-landmarks: --n must be positive and --hole-grow 0..16\n");
    return 2;
  }
  nets_error err = {0};
  nets_landmarker *net = nets_landmarker_load(weights, &err);
  unmask_synth *syn = net ? unmask_synth_new(t.faces, t.csv, train_opts_templates(&t), &err) : NULL;
  landmark_batch b = {0};
  if (!net || !syn || (single && nets_landmarker_set_mirror(net, 0, &err)) || landmark_batch_init(&b, 1, grow, &err)) {
    fprintf(stderr, "eval-landmarks: %s\n", err.msg);
    unmask_synth_free(syn);
    nets_landmarker_free(net);
    return 1;
  }
  const int S = NETS_INPAINT_SIZE, hw = S * S, grid_rows = 8;
  if (n > unmask_synth_count(syn, 1)) n = unmask_synth_count(syn, 1);
  /* the mean shape: training crops (split 0) of another seed */
  double mean[136] = {0};
  const int n_mean = 500;
  int rc = 0;
  for (int i = 0; i < n_mean && !rc; i++)
    if (!(rc = landmark_batch_make(syn, 0, 4242, (uint64_t)i, &b, &err)))
      for (int k = 0; k < 136; k++) mean[k] += b.lm[k] / n_mean;
  float mean_f[136];
  for (int k = 0; k < 136; k++) mean_f[k] = (float)mean[k];
  double d_net[LANDMARK_GROUPS] = {0}, d_mean[LANDMARK_GROUPS] = {0};
  int n_pts[LANDMARK_GROUPS] = {0};
  float *tiles = grid ? malloc(sizeof(float) * hw * 3 * grid_rows) : NULL, *sk = malloc(sizeof(float) * hw);
  const float *rows[grid_rows];
  double t_net = 0;
  for (int i = 0; i < n && !rc; i++) {
    float lm[136];
    if ((rc = landmark_batch_make(syn, 1, 20261128, (uint64_t)i, &b, &err))) break;
    if (grey) augment_to_grey(b.masked, (size_t)hw);
    const double t0 = train_now();
    if ((rc = nets_landmarker_predict(net, b.masked, b.hole, lm, &err))) break;
    t_net += train_now() - t0;
    for (int k = 0; k < 68; k++) {
      const int g = landmark_group(k);
      const float tx = b.lm[2 * k], ty = b.lm[2 * k + 1];
      d_net[g] += hypot(lm[2 * k] - tx, lm[2 * k + 1] - ty);
      d_mean[g] += hypot(mean_f[2 * k] - tx, mean_f[2 * k + 1] - ty);
      n_pts[g]++;
    }
    if (tiles && sk && i < grid_rows) {
      float *tile = tiles + (size_t)i * hw * 3;
      memcpy(tile, b.masked, sizeof(float) * hw * 3);
      unmask_landmark_sketch(b.lm, S, sk);
      train_overlay(tile, sk, hw, 0);
      unmask_landmark_sketch(lm, S, sk);
      train_overlay(tile, sk, hw, 1);
      rows[i] = tile;
    }
  }
  if (rc) {
    fprintf(stderr, "eval-landmarks: %s\n", err.msg);
  } else {
    printf("held-out masked crops: %d (%dx%d), holes grown by 0-%d px, weights %s, %s, %.1f ms per crop\n\n", n, S,
           S, grow, weights, single ? "one pass" : "mean with the mirrored crop", 1e3 * t_net / n);
    printf("| points | network: mean distance (px) | mean shape (px) |\n|---|---|---|\n");
    double all_net = 0, all_mean = 0, hid_net = 0, hid_mean = 0;
    int all_n = 0, hid_n = 0;
    for (int g = 0; g < LANDMARK_GROUPS; g++) {
      printf("| %s | %.2f | %.2f |\n", group_names[g], d_net[g] / n_pts[g], d_mean[g] / n_pts[g]);
      all_net += d_net[g], all_mean += d_mean[g], all_n += n_pts[g];
      if (g != LANDMARK_EYES) hid_net += d_net[g], hid_mean += d_mean[g], hid_n += n_pts[g];
    }
    printf("| hidden by a mask (jaw, nose, lips) | %.2f | %.2f |\n", hid_net / hid_n, hid_mean / hid_n);
    printf("| all 68 | %.2f | %.2f |\n", all_net / all_n, all_mean / all_n);
    if (tiles && sk && (rc = train_grid_png(grid, 2, grid_rows / 2, S, rows, &err)))
      fprintf(stderr, "eval-landmarks: %s\n", err.msg);
    else if (tiles)
      printf("\ngrid: %s (true points red, predicted green)\n", grid);
  }
  free(tiles), free(sk);
  landmark_batch_free(&b);
  unmask_synth_free(syn);
  nets_landmarker_free(net);
  return rc ? 1 : 0;
}
