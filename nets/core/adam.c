#include "adam.h"

#include <math.h>

void nets_adam_default(nets_adam *opt, float lr) {
  opt->lr = lr;
  opt->beta1 = 0.9f;
  opt->beta2 = 0.999f;
  opt->eps = 1e-8f;
  opt->step = 0;
}

int nets_adam_step(nets_adam *opt, nets_graph *g, nets_error *err) {
  opt->step++;
  const float b1 = opt->beta1, b2 = opt->beta2;
  const float c1 = 1.f - powf(b1, (float)opt->step), c2 = 1.f - powf(b2, (float)opt->step);
  const float lr = opt->lr * sqrtf(c2) / c1;
  for (int i = 0; i < g->n_params; i++) {
    nets_param *p = &g->params[i];
    if (!p->trainable || !p->grad) continue;
    const nets_tensor *v = p->value;
    if (!p->m) {
      p->m = nets_tensor_new(v->n, v->c, v->h, v->w);
      p->v = nets_tensor_new(v->n, v->c, v->h, v->w);
      if (!p->m || !p->v) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for Adam state");
    }
    float *w = p->value->data, *gr = p->grad->data, *m = p->m->data, *s = p->v->data;
    const size_t n = nets_tensor_size(v);
    for (size_t j = 0; j < n; j++) {
      const float gj = gr[j];
      m[j] = b1 * m[j] + (1.f - b1) * gj;
      s[j] = b2 * s[j] + (1.f - b2) * gj * gj;
      w[j] -= lr * m[j] / (sqrtf(s[j]) + opt->eps);
    }
  }
  return NETS_OK;
}
