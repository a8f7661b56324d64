#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/weights.h"
#include "../io/safetensors.h"
#include "train-common.h"

/* RUN/NAME.ema.safetensors: the averaged weights, with meta and the decay. */
static int save_ema(const char *run, const train_net *t, const char *const *meta, nets_error *err) {
  enum { MAX_META = 32 };
  const char *m[MAX_META + 3];
  int k = 0;
  while (meta[k] && k < MAX_META) {
    m[k] = meta[k];
    m[k + 1] = meta[k + 1];
    k += 2;
  }
  char decay[32], path[4096];
  snprintf(decay, sizeof decay, "%g", t->ema->decay);
  m[k++] = "ema_decay";
  m[k++] = decay;
  m[k] = NULL;
  snprintf(path, sizeof path, "%s/%s.ema.safetensors", run, t->name);
  nets_ema_swap(t->ema, t->g);
  int rc = nets_graph_save(t->g, path, m, err);
  nets_ema_swap(t->ema, t->g);
  return rc;
}

int train_checkpoint_save(const char *run, const train_net *nets, int n, long step, double wall,
                          nets_error *err) {
  char path[4096], s_step[32];
  snprintf(s_step, sizeof s_step, "%ld", step);
  for (int i = 0; i < n; i++) {
    const char *plain[] = {"arch", nets[i].arch, "step", s_step, NULL};
    snprintf(path, sizeof path, "%s/%s.safetensors", run, nets[i].name);
    const char *const *meta = nets[i].meta ? nets[i].meta : plain;
    int rc = nets_graph_save(nets[i].g, path, meta, err);
    if (!rc && nets[i].ema) rc = save_ema(run, &nets[i], meta, err);
    snprintf(path, sizeof path, "%s/%s.optim.safetensors", run, nets[i].name);
    if (!rc && nets[i].opt && nets[i].opt->step) rc = nets_adam_save(nets[i].opt, nets[i].g, path, err);
    if (rc) return rc;
  }
  /* state.txt last: it names a step only once every file of that step is written */
  snprintf(path, sizeof path, "%s/state.txt", run);
  FILE *f = fopen(path, "w");
  if (!f) return nets_error_set(err, NETS_ERR_IO, "cannot write %s", path);
  fprintf(f, "%ld %.1f\n", step, wall);
  return fclose(f) ? nets_error_set(err, NETS_ERR_IO, "cannot write %s", path) : NETS_OK;
}

int train_checkpoint_resume(const char *run, const train_net *nets, int n, long *step, double *wall,
                            nets_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/state.txt", run);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int ok = fscanf(f, "%ld %lf", step, wall) == 2;
  fclose(f);
  if (!ok) {
    nets_error_set(err, NETS_ERR_FORMAT, "%s: expected \"step seconds\"", path);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s.safetensors", run, nets[i].name);
    if (nets_graph_load(nets[i].g, path, nets[i].arch, err)) return -1;
    snprintf(path, sizeof path, "%s/%s.optim.safetensors", run, nets[i].name);
    if (nets[i].opt && train_file_exists(path) && nets_adam_load(nets[i].opt, nets[i].g, path, err))
      return -1;
    nets_ema *e = nets[i].ema;
    if (!e) continue;
    nets_ema_reset(e, nets[i].g);
    snprintf(path, sizeof path, "%s/%s.ema.safetensors", run, nets[i].name);
    if (!train_file_exists(path)) continue;
    nets_st_file *f = nets_st_load(path, err);
    if (!f) return -1;
    /* an average of another step (the run went on without --ema) is stale:
     * the average starts again from the loaded weights */
    const char *at = nets_st_meta(f, "step");
    int rc = NETS_OK;
    if (at && atol(at) == *step) {
      /* load the average through the graph: swap it in, load, swap back */
      nets_ema_swap(e, nets[i].g);
      rc = nets_graph_load_file(nets[i].g, f, path, nets[i].arch, err);
      nets_ema_swap(e, nets[i].g);
      e->updates = *step; /* past the warm-up */
    } else {
      printf("%s is from step %s, not %ld: the weight average starts again\n", path, at ? at : "?", *step);
    }
    nets_st_free(f);
    if (rc) return -1;
  }
  return 1;
}
