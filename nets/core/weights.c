#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/safetensors.h"

static int add_tensor(nets_st_writer *w, const char *name, const nets_tensor *t, nets_error *err) {
  int64_t shape[4] = {t->n, t->c, t->h, t->w};
  int ndim = 4;
  if (t->c == 1 && t->h == 1 && t->w == 1) ndim = 1; /* vectors: bias, sn_u */
  return nets_st_writer_add(w, name, t->data, ndim, shape, err);
}

int nets_graph_save(const nets_graph *g, const char *path, const char *const *meta,
                    nets_error *err) {
  nets_st_writer *w = nets_st_writer_new();
  if (!w) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  int rc = NETS_OK;
  for (int i = 0; i < g->n_params && rc == NETS_OK; i++)
    rc = add_tensor(w, g->params[i].name, g->params[i].value, err);
  for (int i = 0; meta && meta[i] && meta[i + 1] && rc == NETS_OK; i += 2)
    rc = nets_st_writer_meta(w, meta[i], meta[i + 1], err);
  if (rc == NETS_OK) rc = nets_st_writer_save(w, path, err);
  nets_st_writer_free(w);
  return rc;
}

static int shape_matches(const nets_st_tensor *st, const nets_tensor *t) {
  int64_t want[4] = {t->n, t->c, t->h, t->w};
  if (st->ndim == 1) return st->shape[0] == t->n && t->c == 1 && t->h == 1 && t->w == 1;
  if (st->ndim != 4) return 0;
  for (int d = 0; d < 4; d++)
    if (st->shape[d] != want[d]) return 0;
  return 1;
}

/* Check that `f` holds exactly the graph's tensors with their shapes, then
 * copy them in (nothing is changed unless every check passes). */
static int copy_all(nets_graph *g, const nets_st_file *f, const char *path, nets_error *err) {
  for (int i = 0; i < g->n_params; i++) {
    const nets_param *p = &g->params[i];
    const nets_st_tensor *st = nets_st_find(f, p->name);
    if (!st) return nets_error_set(err, NETS_ERR_FORMAT, "%s: tensor '%s' is missing", path, p->name);
    if (!shape_matches(st, p->value))
      return nets_error_set(err, NETS_ERR_SHAPE,
                            "%s: tensor '%s' has the wrong shape for this model", path, p->name);
  }
  if (f->n_tensors != g->n_params)
    return nets_error_set(err, NETS_ERR_FORMAT, "%s: holds %d tensors, the model has %d", path,
                          f->n_tensors, g->n_params);
  for (int i = 0; i < g->n_params; i++) {
    nets_tensor *dst = g->params[i].value;
    memcpy(dst->data, nets_st_find(f, g->params[i].name)->data, nets_tensor_size(dst) * sizeof(float));
  }
  return NETS_OK;
}

int nets_graph_load_file(nets_graph *g, const nets_st_file *f, const char *path, const char *arch,
                         nets_error *err) {
  const char *file_arch = nets_st_meta(f, "arch");
  if (arch && (!file_arch || strcmp(file_arch, arch) != 0))
    return nets_error_set(err, NETS_ERR_FORMAT, "%s: made for model '%s', expected '%s'", path,
                          file_arch ? file_arch : "(none)", arch);
  return copy_all(g, f, path, err);
}

int nets_graph_load(nets_graph *g, const char *path, const char *arch, nets_error *err) {
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err ? err->code : NETS_ERR_FORMAT;
  int rc = nets_graph_load_file(g, f, path, arch, err);
  nets_st_free(f);
  return rc;
}

int nets_graph_load_matching(nets_graph *g, const char *path, int *n_loaded, nets_error *err) {
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err ? err->code : NETS_ERR_FORMAT;
  int n = 0;
  for (int i = 0; i < g->n_params; i++) {
    nets_tensor *dst = g->params[i].value;
    const nets_st_tensor *st = nets_st_find(f, g->params[i].name);
    if (!st || !shape_matches(st, dst)) continue;
    memcpy(dst->data, st->data, nets_tensor_size(dst) * sizeof(float));
    n++;
  }
  nets_st_free(f);
  if (n_loaded) *n_loaded = n;
  return NETS_OK;
}

int nets_adam_save(const nets_adam *opt, const nets_graph *g, const char *path, nets_error *err) {
  nets_st_writer *w = nets_st_writer_new();
  if (!w) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  int rc = NETS_OK;
  char name[96], step[32];
  for (int i = 0; i < g->n_params && rc == NETS_OK; i++) {
    const nets_param *p = &g->params[i];
    if (!p->trainable) continue;
    if (!p->m) {
      rc = nets_error_set(err, NETS_ERR_ARG, "no optimiser state yet");
      break;
    }
    snprintf(name, sizeof name, "%s.adam_m", p->name);
    rc = add_tensor(w, name, p->m, err);
    snprintf(name, sizeof name, "%s.adam_v", p->name);
    if (rc == NETS_OK) rc = add_tensor(w, name, p->v, err);
  }
  snprintf(step, sizeof step, "%ld", opt->step);
  if (rc == NETS_OK) rc = nets_st_writer_meta(w, "step", step, err);
  if (rc == NETS_OK) rc = nets_st_writer_save(w, path, err);
  nets_st_writer_free(w);
  return rc;
}

int nets_adam_load(nets_adam *opt, nets_graph *g, const char *path, nets_error *err) {
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err ? err->code : NETS_ERR_FORMAT;
  for (int i = 0; i < g->n_params; i++) {
    nets_param *p = &g->params[i];
    if (!p->trainable || p->m) continue;
    const nets_tensor *v = p->value;
    p->m = nets_tensor_new(v->n, v->c, v->h, v->w);
    p->v = nets_tensor_new(v->n, v->c, v->h, v->w);
    if (!p->m || !p->v) {
      nets_st_free(f);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    }
  }
  /* The file holds both moments: count check is done per suffix below. */
  int rc = NETS_OK;
  char name[96];
  int expected = 0;
  for (int i = 0; i < g->n_params && rc == NETS_OK; i++) {
    nets_param *p = &g->params[i];
    if (!p->trainable) continue;
    expected += 2;
    for (int k = 0; k < 2 && rc == NETS_OK; k++) {
      snprintf(name, sizeof name, "%s.%s", p->name, k ? "adam_v" : "adam_m");
      const nets_st_tensor *st = nets_st_find(f, name);
      nets_tensor *dst = k ? p->v : p->m;
      if (!st || !shape_matches(st, dst))
        rc = nets_error_set(err, NETS_ERR_FORMAT, "%s: '%s' missing or wrong shape", path, name);
      else
        memcpy(dst->data, st->data, nets_tensor_size(dst) * sizeof(float));
    }
  }
  if (rc == NETS_OK && f->n_tensors != expected)
    rc = nets_error_set(err, NETS_ERR_FORMAT, "%s: unexpected tensors", path);
  const char *step = nets_st_meta(f, "step");
  if (rc == NETS_OK) opt->step = step ? atol(step) : 0;
  nets_st_free(f);
  return rc;
}
