#include "ema.h"

#include <stdlib.h>
#include <string.h>

int nets_ema_init(nets_ema *e, const nets_graph *g, float decay, nets_error *err) {
  memset(e, 0, sizeof *e);
  if (!(decay >= 0.f && decay < 1.f))
    return nets_error_set(err, NETS_ERR_ARG, "EMA decay %g is not in [0, 1)", decay);
  e->decay = decay;
  e->avg = calloc((size_t)(g->n_params ? g->n_params : 1), sizeof *e->avg);
  if (!e->avg) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for the weight average");
  e->n = g->n_params;
  for (int i = 0; i < g->n_params; i++) {
    const nets_tensor *v = g->params[i].value;
    e->avg[i] = nets_tensor_new(v->n, v->c, v->h, v->w);
    if (!e->avg[i]) {
      nets_ema_free(e);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for the weight average");
    }
  }
  nets_ema_reset(e, g);
  return NETS_OK;
}

void nets_ema_reset(nets_ema *e, const nets_graph *g) {
  e->updates = 0;
  for (int i = 0; i < e->n; i++)
    memcpy(e->avg[i]->data, g->params[i].value->data, nets_tensor_size(e->avg[i]) * sizeof(float));
}

void nets_ema_update(nets_ema *e, const nets_graph *g) {
  e->updates++;
  const float warm = (1.f + (float)e->updates) / (10.f + (float)e->updates);
  const float d = e->decay < warm ? e->decay : warm;
  for (int i = 0; i < e->n; i++) {
    const nets_param *p = &g->params[i];
    const float *w = p->value->data;
    float *a = e->avg[i]->data;
    const size_t n = nets_tensor_size(p->value);
    if (!p->trainable) {
      memcpy(a, w, n * sizeof(float));
      continue;
    }
    for (size_t j = 0; j < n; j++) a[j] = d * a[j] + (1.f - d) * w[j];
  }
}

void nets_ema_swap(nets_ema *e, nets_graph *g) {
  for (int i = 0; i < e->n; i++) {
    float *t = g->params[i].value->data;
    g->params[i].value->data = e->avg[i]->data;
    e->avg[i]->data = t;
  }
}

void nets_ema_free(nets_ema *e) {
  for (int i = 0; e->avg && i < e->n; i++) nets_tensor_free(e->avg[i]);
  free(e->avg);
  memset(e, 0, sizeof *e);
}
