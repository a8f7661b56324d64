/* unmask-train eval-inpainter: the inpainter on held-out masked crops (faces
 * that training never sees), against a classical diffusion fill on the same
 * crops.  Pixels of a crop that reach past the photo's edge are left out.  Prints PSNR and SSIM over the whole crop and over the hole, and the
 * mean absolute error in the hole (0-255). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/weights.h"
#include "../io/image.h"
#include "../io/safetensors.h"
#include "../models/arch.h"
#include "../models/models.h"
#include "../pipeline/diffuse.h"
#include "../pipeline/hole.h"
#include "../pipeline/pipeline.h"
#include "../synth/synth.h"
#include "augment.h"
#include "metrics.h"
#include "train-common.h"
#include "train.h"
#include "unmask-config.h"

typedef struct {
  double psnr_all, ssim_all, psnr_hole, ssim_hole, mae_hole, ms;
  double detail; /* fine detail in the hole (metric_detail) */
} scores;

/* One crop's scores (ms left 0).  valid: the crop inside the photo;
 * hole_valid: the hole inside the photo. */
static scores score(const float *out, const float *orig, const float *valid, const float *hole_valid) {
  const int S = NETS_INPAINT_SIZE;
  double mse, mae;
  scores s = {0};
  metric_errors(out, orig, S, S, valid, &mse, &mae);
  s.psnr_all = metric_psnr_from_mse(mse);
  s.ssim_all = metric_ssim(out, orig, S, S, valid);
  metric_errors(out, orig, S, S, hole_valid, &mse, &mae);
  s.psnr_hole = metric_psnr_from_mse(mse);
  s.mae_hole = mae;
  s.ssim_hole = metric_ssim(out, orig, S, S, hole_valid);
  s.detail = metric_detail(out, S, S, hole_valid);
  return s;
}

/* Adds one crop's scores to a sum (its ms apart: timed by the caller). */
static void add(scores *sum, const scores *one) {
  sum->psnr_all += one->psnr_all, sum->ssim_all += one->ssim_all;
  sum->psnr_hole += one->psnr_hole, sum->ssim_hole += one->ssim_hole;
  sum->mae_hole += one->mae_hole, sum->detail += one->detail;
}

/* detail_orig: the originals' summed detail, the scale of the detail column */
static void print_row(const char *name, const scores *s, int n, double detail_orig) {
  char ms[32] = "-"; /* not timed for results made by other tools */
  if (s->ms > 0) snprintf(ms, sizeof ms, "%.1f", s->ms / n);
  printf("| %-26s | %8.2f | %6.4f | %8.2f | %6.4f | %8.2f | %5.0f%% | %8s |\n", name, s->psnr_all / n,
         s->ssim_all / n, s->psnr_hole / n, s->ssim_hole / n, s->mae_hole / n,
         detail_orig > 0 ? 100 * s->detail / detail_orig : 0, ms);
}

/* A copy of the weights at path, with their metadata and "inference_output"
 * set to stage. */
static int ship_weights(const char *path, const char *out, const char *stage, nets_error *err) {
  inpainter_net g = {0};
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err->code;
  const char **meta = calloc((size_t)2 * f->n_meta + 5, sizeof *meta);
  int rc = meta ? inpainter_build_from(&g, f, path, err) : nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  if (!rc) {
    int m = 0;
    meta[m++] = "arch", meta[m++] = g.arch;
    for (int k = 0; k < f->n_meta; k++)
      if (strcmp(f->meta_keys[k], "arch") && strcmp(f->meta_keys[k], "inference_output"))
        meta[m++] = f->meta_keys[k], meta[m++] = f->meta_values[k];
    meta[m++] = "inference_output", meta[m++] = stage;
    rc = nets_graph_save(g.g, out, meta, err);
  }
  free(meta);
  nets_graph_free(g.g);
  nets_st_free(f);
  return rc;
}

int eval_inpainter_main(int argc, char **argv) {
  static char def_w[4096];
  train_opts t;
  train_opts_default(&t, NULL, 0);
  snprintf(def_w, sizeof def_w, "%s/inpainter.safetensors", UNMASK_SOURCE_WEIGHTS_DIR);
  const char *weights = def_w, *grid = NULL;
  const char *export_dir = NULL, *compare = NULL, *ship = NULL, *stage = NULL, *lm_weights = NULL;
  int n = 500, grow = 0, single = 0, use_sketch = 0, grey = 0;
  double detail = -1; /* unset */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--weights") && v) weights = argv[++i];
    else if (!strcmp(a, "--n") && v) n = atoi(argv[++i]);
    else if (!strcmp(a, "--grid") && v) grid = argv[++i];
    else if (!strcmp(a, "--export") && v) export_dir = argv[++i];
    else if (!strcmp(a, "--compare") && v) compare = argv[++i];
    else if (!strcmp(a, "--ship") && v) ship = argv[++i];
    else if (!strcmp(a, "--hole-grow") && v) grow = atoi(argv[++i]);
    else if (!strcmp(a, "--single")) single = 1;
    else if (!strcmp(a, "--grey")) grey = 1;
    else if (!strcmp(a, "--sketch")) use_sketch = 1;
    else if (!strcmp(a, "--landmarks") && v) lm_weights = argv[++i];
    else if (!strcmp(a, "--stage") && v && (!strcmp(v, "coarse") || !strcmp(v, "refined"))) stage = argv[++i];
    else if (!strcmp(a, "--detail") && v && atof(v) >= 0 && atof(v) <= 1) detail = atof(argv[++i]);
    else {
      printf("usage: unmask-train eval-inpainter [--weights FILE] [--n N] [--grid PNG]\n"
             "       [--faces DIR --csv FILE --templates CFG]\n"
             "       [--export DIR] [--compare DIR[:NAME]] [--ship OUT] [--stage coarse|refined]\n"
             "       [--hole-grow PX] [--single] [--sketch | --landmarks FILE] [--detail D] [--grey]\n"
             "Held-out crops (split 1, fixed seed); the baseline is a diffusion fill.\n"
             "Both stages of the network (coarse and refined) are scored, and the coarse\n"
             "result plus the share D of the refinement's correction, as unmask --detail D\n"
             "paints (default: unmask's, 0.5); the grid and the table by mask kind show that\n"
             "one.  --ship writes the weights to OUT with \"inference_output\" (the stage\n"
             "the library's plain predict uses) set to the stage with the higher PSNR, or\n"
             "to --stage (then the grid shows that stage unless --detail is given).\n"
             "--export writes each crop as DIR/NNNN-masked.png, its hole as DIR/NNNN-hole.png\n"
             "(white = repaint) and the unmasked crop as DIR/NNNN-original.png, so that other\n"
             "tools can fill them; --compare scores their results,\n"
             "read from DIR/NNNN-out.png (pasted into the hole only), as one more row.\n"
             "--hole-grow PX grows every hole by PX pixels first: holes as the pipeline makes\n"
             "them (the detected covering, grown) are wider than the drawn mask.\n"
             "The network paints each crop and its mirror image and averages the two, as\n"
             "unmask does; --single scores one pass instead.\n"
             "detail: the mean luminance gradient in the hole, as a share of the original's;\n"
             "under 100%% is blur (it rewards any texture, right or wrong: look at the grid).\n"
             "A second table scores the stage in use by the kind of mask drawn.\n"
             "--sketch: weights that take a line drawing of the lower face (version 5) get\n"
             "the one drawn from the crop's true landmarks, which tells them where the\n"
             "jaw, nose and lips are; --landmarks FILE draws it from the points that the\n"
             "landmark predictor FILE finds on the masked crop, as unmask does.  Without\n"
             "either they get none.  --grey turns every crop and its original grey (their\n"
             "luma), as in a black-and-white photo.\n");
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  if (train_opts_finish(&t) || train_opts_fixed_scenes(&t, "eval-inpainter")) return 2;
  if (detail < 0) detail = !stage ? UNMASK_DETAIL_DEFAULT : !strcmp(stage, "coarse") ? 0 : 1;
  if (export_dir && train_mkdirs(export_dir)) {
    fprintf(stderr, "eval-inpainter: cannot create %s\n", export_dir);
    return 1;
  }
  nets_error err = {0};
  nets_inpainter *net = nets_inpainter_load(weights, &err);
  unmask_synth *syn = net ? unmask_synth_new(t.faces, t.csv, train_opts_templates(&t), &err) : NULL;
  nets_landmarker *lmnet = syn && lm_weights ? nets_landmarker_load(lm_weights, &err) : NULL;
  if (!net || !syn || (lm_weights && !lmnet) || (single && nets_inpainter_set_mirror(net, 0, &err))) {
    fprintf(stderr, "eval-inpainter: %s\n", err.msg);
    nets_landmarker_free(lmnet);
    unmask_synth_free(syn);
    nets_inpainter_free(net);
    return 1;
  }
  if (lm_weights) use_sketch = 1;
  const int S = NETS_INPAINT_SIZE, hw = S * S;
  if (n > unmask_synth_count(syn, 1)) n = unmask_synth_count(syn, 1);
  float *masked = malloc(sizeof(float) * hw * 3), *orig = malloc(sizeof(float) * hw * 3);
  float *hole = malloc(sizeof(float) * hw), *out = malloc(sizeof(float) * hw * 3);
  float *base = malloc(sizeof(float) * hw * 3), *coarse = malloc(sizeof(float) * hw * 3);
  float *used = malloc(sizeof(float) * hw * 3);
  float *valid = malloc(sizeof(float) * hw), *hole_valid = malloc(sizeof(float) * hw);
  float *sketch = malloc(sizeof(float) * hw), lm[136];
  if (use_sketch && !nets_inpainter_takes_sketch(net)) {
    fprintf(stderr, "eval-inpainter: %s takes no sketch: --sketch and --landmarks do nothing\n", weights);
    use_sketch = 0;
  }
  const int grid_rows = 8;
  float *tiles = grid ? malloc(sizeof(float) * hw * 3 * 4 * grid_rows) : NULL;
  scores net_s = {0}, coarse_s = {0}, used_s = {0}, base_s = {0}, none_s = {0}, ext_s = {0};
  double detail_orig = 0;
  /* the used stage by mask kind, with the baseline's hole PSNR and the originals' detail */
  scores kind_s[UNMASK_MASK_N_KINDS] = {{0}};
  double kind_base_hole[UNMASK_MASK_N_KINDS] = {0}, kind_detail[UNMASK_MASK_N_KINDS] = {0};
  int kind_n[UNMASK_MASK_N_KINDS] = {0};
  unsigned char *hole8 = malloc((size_t)hw);
  const int blend = detail > 0 && detail < 1; /* else the used result is one stage's */
  char ext_dir[4096] = "", ext_name[256] = "external";
  if (compare) {
    snprintf(ext_dir, sizeof ext_dir, "%s", compare);
    char *colon = strrchr(ext_dir, ':');
    if (colon) {
      snprintf(ext_name, sizeof ext_name, "%s", colon + 1);
      *colon = 0;
    }
  }
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    int kind = 0;
    if ((rc = unmask_synth_inpaint_sample_ex(syn, 1, 20261128, (uint64_t)i, masked, hole, orig, valid, &kind,
                                             lm, &err)))
      break;
    if (grey) augment_to_grey(masked, (size_t)hw), augment_to_grey(orig, (size_t)hw);
    if (grow > 0) {
      for (int p = 0; p < hw; p++) hole8[p] = hole[p] > 0.5f;
      if ((rc = unmask_hole_dilate(hole8, S, S, grow))) {
        nets_error_set(&err, rc, "out of memory");
        break;
      }
      for (int p = 0; p < hw; p++) hole[p] = hole8[p];
    }
    for (int p = 0; p < hw; p++) hole_valid[p] = hole[p] > 0.5f && valid[p] > 0.5f;
    if (use_sketch) { /* the drawing of the predicted (--landmarks) or the true landmarks */
      if (lmnet && (rc = nets_landmarker_predict(lmnet, masked, hole, lm, &err))) break;
      unmask_landmark_sketch(lm, S, sketch);
    }
    nets_inpainter_set_sketch(net, use_sketch ? sketch : NULL);
    const double detail_here = metric_detail(orig, S, S, hole_valid);
    detail_orig += detail_here;
    double t0 = train_now();
    if ((rc = nets_inpainter_predict_stages(net, masked, hole, coarse, out, &err))) break;
    for (int p = 0; p < hw; p++)
      if (hole[p] <= 0.5f) {
        memcpy(coarse + p * 3, masked + p * 3, 3 * sizeof(float));
        memcpy(out + p * 3, masked + p * 3, 3 * sizeof(float));
      }
    /* one forward pass gives both stages: each row shows its time */
    coarse_s.ms += 1e3 * (train_now() - t0);
    net_s.ms = coarse_s.ms;
    const scores one_coarse = score(coarse, orig, valid, hole_valid);
    add(&coarse_s, &one_coarse);
    memcpy(base, masked, sizeof(float) * hw * 3);
    t0 = train_now();
    unmask_diffuse_fill(base, S, S, 3, hole);
    base_s.ms += 1e3 * (train_now() - t0);
    char path[4200];
    if (export_dir) {
      nets_image im = {S, S, 3, masked}, hm = {S, S, 1, hole}, om = {S, S, 3, orig};
      snprintf(path, sizeof path, "%s/%04d-masked.png", export_dir, i);
      rc = nets_image_save(&im, path, 8, 0, &err);
      snprintf(path, sizeof path, "%s/%04d-hole.png", export_dir, i);
      if (!rc) rc = nets_image_save(&hm, path, 8, 0, &err);
      snprintf(path, sizeof path, "%s/%04d-original.png", export_dir, i);
      if (!rc) rc = nets_image_save(&om, path, 8, 0, &err);
      if (rc) break;
    }
    if (compare) {
      snprintf(path, sizeof path, "%s/%04d-out.png", ext_dir, i);
      nets_image *ext = nets_image_load(path, &err), *rgb = ext ? nets_image_convert(ext, 3) : NULL;
      if (!rgb || rgb->width != S || rgb->height != S) {
        if (rgb) nets_error_set(&err, NETS_ERR_SHAPE, "%s is not %dx%d", path, S, S);
        nets_image_free(ext);
        nets_image_free(rgb);
        rc = NETS_ERR_IO;
        break;
      }
      for (int p = 0; p < hw; p++)
        if (hole[p] <= 0.5f) memcpy(rgb->data + p * 3, masked + p * 3, 3 * sizeof(float));
      const scores one_ext = score(rgb->data, orig, valid, hole_valid);
      add(&ext_s, &one_ext);
      nets_image_free(ext);
      nets_image_free(rgb);
    }
    const scores one_net = score(out, orig, valid, hole_valid), one_base = score(base, orig, valid, hole_valid);
    const scores one_none = score(masked, orig, valid, hole_valid);
    add(&net_s, &one_net), add(&base_s, &one_base), add(&none_s, &one_none);
    nets_inpainter_mix(coarse, out, (float)detail, used); /* what unmask --detail paints */
    /* at Detail 0 or 1 that is one stage's result, scored above */
    const scores one_used = !blend ? (detail >= 1 ? one_net : one_coarse) : score(used, orig, valid, hole_valid);
    add(&used_s, &one_used);
    if (kind >= 0 && kind < UNMASK_MASK_N_KINDS) {
      add(&kind_s[kind], &one_used);
      kind_base_hole[kind] += one_base.psnr_hole;
      kind_detail[kind] += detail_here;
      kind_n[kind]++;
    }
    if (tiles && i < grid_rows) {
      float *m = tiles + (size_t)(i * 4 + 0) * hw * 3;
      memcpy(m, masked, sizeof(float) * hw * 3);
      if (use_sketch) train_overlay(m, sketch, hw, 1); /* the drawing given */
      memcpy(tiles + (size_t)(i * 4 + 1) * hw * 3, base, sizeof(float) * hw * 3);
      memcpy(tiles + (size_t)(i * 4 + 2) * hw * 3, used, sizeof(float) * hw * 3);
      memcpy(tiles + (size_t)(i * 4 + 3) * hw * 3, orig, sizeof(float) * hw * 3);
    }
  }
  if (rc) {
    fprintf(stderr, "eval-inpainter: %s\n", err.msg);
  } else {
    printf("held-out masked crops: %d (%dx%d), holes grown by %d px, %s, weights %s%s\n\n", n, S, S, grow,
           single ? "one pass" : "mean with the mirrored crop", weights,
           !use_sketch ? ""
           : lmnet ? ", given the sketch of the predicted landmarks"
                   : ", given the sketch of the true landmarks");
    printf("| method                     | PSNR all | SSIM all | PSNR hole | SSIM hole | MAE hole | detail | ms/crop |\n");
    printf("|----------------------------|----------|--------|----------|--------|----------|-------|----------|\n");
    char row_c[64], row_r[64], row_u[64];
    snprintf(row_c, sizeof row_c, "inpainter, coarse%s", detail == 0 ? " (used)" : "");
    snprintf(row_r, sizeof row_r, "inpainter, refined%s", detail == 1 ? " (used)" : "");
    snprintf(row_u, sizeof row_u, "inpainter, detail %.2f (used)", detail);
    print_row(row_c, &coarse_s, n, detail_orig);
    print_row(row_r, &net_s, n, detail_orig);
    if (blend) print_row(row_u, &used_s, n, detail_orig);
    print_row("diffusion fill (baseline)", &base_s, n, detail_orig);
    if (compare) print_row(ext_name, &ext_s, n, detail_orig);
    print_row("masked input, no repair", &none_s, n, detail_orig);
    printf("\nBy mask kind, detail %.2f (the diffusion fill's hole PSNR beside it):\n\n", detail);
    printf("| mask kind   | crops | PSNR all | SSIM all | PSNR hole | SSIM hole | MAE hole | detail | diffusion hole PSNR |\n");
    printf("|-------------|-------|----------|----------|-----------|-----------|----------|--------|---------------------|\n");
    for (int k = 0; k < UNMASK_MASK_N_KINDS; k++) {
      const int m = kind_n[k];
      if (!m) continue;
      const scores *q = &kind_s[k];
      printf("| %-11s | %5d | %8.2f | %8.4f | %9.2f | %9.4f | %8.2f | %5.0f%% | %19.2f |\n",
             unmask_mask_kind_name(k), m, q->psnr_all / m, q->ssim_all / m, q->psnr_hole / m,
             q->ssim_hole / m, q->mae_hole / m, kind_detail[k] > 0 ? 100 * q->detail / kind_detail[k] : 0,
             kind_base_hole[k] / m);
    }
    if (tiles) {
      const float *ptr[4 * 8];
      for (int k = 0; k < 4 * grid_rows; k++) ptr[k] = tiles + (size_t)k * hw * 3;
      if (train_grid_png(grid, grid_rows < n ? grid_rows : n, 4, S, ptr, &err))
        fprintf(stderr, "grid: %s\n", err.msg);
      else
        printf("\ngrid (masked | diffusion | network, detail %.2f | original): %s\n", detail, grid);
    }
    if (ship) {
      const char *best = stage ? stage : coarse_s.psnr_all > net_s.psnr_all ? "coarse" : "refined";
      rc = ship_weights(weights, ship, best, &err);
      if (rc) fprintf(stderr, "eval-inpainter: %s\n", err.msg);
      else printf("\nwrote %s (inference_output: %s)\n", ship, best);
    }
  }
  free(masked); free(orig); free(hole); free(out); free(base); free(coarse); free(used); free(tiles); free(valid);
  free(hole_valid); free(sketch);
  nets_landmarker_free(lmnet);
  free(hole8);
  nets_inpainter_free(net);
  unmask_synth_free(syn);
  return rc ? 1 : 0;
}
