/* unmask-train average: the mean of several weight files of one network
 * (runs fine-tuned from the same start, whose weights can be averaged), and
 * the detector's calibration (one tensor shifted by a constant).  The output
 * keeps the first file's metadata and records what was done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/safetensors.h"
#include "../models/models.h"
#include "train.h"

#define MAX_INPUTS 16

static void usage(void) {
  printf("usage: unmask-train average -o OUT [--shift NAME=DELTA] IN [IN...]\n"
         "Writes OUT with the mean of every tensor over the weight files IN (all of\n"
         "one network: the same tensor names and shapes), and the first file's\n"
         "metadata plus \"averaged\", naming the files and their steps.\n"
         "--shift NAME=DELTA then adds DELTA to every value of tensor NAME and\n"
         "records it as \"calibration\" (for the detector: --shift logit.bias=-0.05\n"
         "lowers every score, so that the default sensitivity flags fewer faces).\n"
         "A detector's second-look model (unmask-train fit-look) is left out of a\n"
         "mean or a shifted file, as it was fitted to the map that changed: fit it\n"
         "again on OUT.\n");
}

static int same_shape(const nets_st_tensor *a, const nets_st_tensor *b) {
  if (a->ndim != b->ndim) return 0;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d]) return 0;
  return 1;
}

static size_t numel(const nets_st_tensor *t) {
  size_t n = 1;
  for (int d = 0; d < t->ndim; d++) n *= (size_t)t->shape[d];
  return n;
}

/* Adds the other files' values into sum (a copy of the first file's). */
static int accumulate(nets_st_file *const *in, int n, nets_st_file *sum, nets_error *err) {
  for (int f = 1; f < n; f++) {
    if (in[f]->n_tensors != sum->n_tensors)
      return nets_error_set(err, NETS_ERR_SHAPE, "input %d has %d tensors, the first %d", f + 1,
                            in[f]->n_tensors, sum->n_tensors);
    for (int i = 0; i < sum->n_tensors; i++) {
      nets_st_tensor *t = &sum->tensors[i];
      const nets_st_tensor *u = nets_st_find(in[f], t->name);
      if (!u || !same_shape(t, u))
        return nets_error_set(err, NETS_ERR_SHAPE, "input %d: tensor %s is missing or of another shape",
                              f + 1, t->name);
      for (size_t k = 0, m = numel(t); k < m; k++) t->data[k] += u->data[k];
    }
  }
  for (int i = 0; i < sum->n_tensors; i++)
    for (size_t k = 0, m = numel(&sum->tensors[i]); k < m; k++) sum->tensors[i].data[k] /= (float)n;
  return NETS_OK;
}

/* note receives what was done, after the file's own calibration note if it
 * has one (a file calibrated twice keeps both). */
static int shift(nets_st_file *w, const char *spec, char *note, size_t note_size, nets_error *err) {
  const char *eq = strchr(spec, '=');
  char *end = NULL;
  double delta = eq ? strtod(eq + 1, &end) : 0;
  if (!eq || eq == spec || end == eq + 1 || *end)
    return nets_error_set(err, NETS_ERR_ARG, "--shift wants NAME=DELTA, not '%s'", spec);
  for (int i = 0; i < w->n_tensors; i++) {
    nets_st_tensor *t = &w->tensors[i];
    if (strncmp(t->name, spec, (size_t)(eq - spec)) || t->name[eq - spec]) continue;
    const char *before = nets_st_meta(w, "calibration");
    snprintf(note, note_size, "%s%s%s %s by %g after training (was %.5g%s)", before ? before : "",
             before ? "; then " : "", t->name,
             delta < 0 ? "lowered" : "raised", delta < 0 ? -delta : delta, t->data[0],
             numel(t) > 1 ? ", first value" : "");
    for (size_t k = 0, m = numel(t); k < m; k++) t->data[k] += (float)delta;
    return NETS_OK;
  }
  return nets_error_set(err, NETS_ERR_ARG, "--shift: no tensor named %.*s", (int)(eq - spec), spec);
}

static int write_out(const nets_st_file *w, const char *path, const char *averaged,
                     const char *calibration, nets_error *err) {
  /* a second-look model (fit-look) was fitted to the map that changes here */
  const char *const drop[] = {NETS_LOOK_META, NETS_LOOK_META "_fit", NULL};
  const char *add[5] = {NULL};
  int n = 0;
  if (averaged) add[n++] = "averaged", add[n++] = averaged;
  if (calibration) add[n++] = "calibration", add[n++] = calibration;
  return nets_st_save_copy(w, path, averaged || calibration ? drop : NULL, add, err);
}

int average_main(int argc, char **argv) {
  const char *out = NULL, *spec = NULL, *paths[MAX_INPUTS];
  int n = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      out = argv[++i];
    } else if (!strcmp(argv[i], "--shift") && i + 1 < argc) {
      spec = argv[++i];
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "average: unknown option %s\n", argv[i]);
      return 2;
    } else if (n == MAX_INPUTS) {
      fprintf(stderr, "average: at most %d input files\n", MAX_INPUTS);
      return 2;
    } else {
      paths[n++] = argv[i];
    }
  }
  if (!out || n == 0) {
    usage();
    return 2;
  }
  nets_error err = {0};
  nets_st_file *in[MAX_INPUTS] = {0};
  int rc = NETS_OK;
  char averaged[1024] = "", note[1024] = "";
  for (int f = 0; !rc && f < n; f++) {
    if (!(in[f] = nets_st_load(paths[f], &err))) rc = err.code ? err.code : NETS_ERR_IO;
    const char *step = in[f] ? nets_st_meta(in[f], "step") : NULL;
    size_t len = strlen(averaged);
    snprintf(averaged + len, sizeof averaged - len, "%s%s (step %s)", f ? ", " : "", paths[f],
             step ? step : "?");
  }
  if (!rc && n > 1) rc = accumulate(in, n, in[0], &err);
  if (!rc && spec) rc = shift(in[0], spec, note, sizeof note, &err);
  if (!rc) rc = write_out(in[0], out, n > 1 ? averaged : NULL, spec ? note : NULL, &err);
  for (int f = 0; f < n; f++) nets_st_free(in[f]);
  if (rc) {
    fprintf(stderr, "average: %s\n", err.msg[0] ? err.msg : "failed");
    return 1;
  }
  printf("wrote %s: %s%s%s\n", out, n > 1 ? "the mean of " : "", n > 1 ? averaged : paths[0],
         spec ? "; calibrated" : "");
  return 0;
}
