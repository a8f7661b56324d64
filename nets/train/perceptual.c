#include "perceptual.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/weights.h"

float train_feature_l1(const float *real, const float *fake, size_t n, float k, float *gfake) {
  double sum = 0;
  for (size_t q = 0; q < n; q++) {
    const float diff = fake[q] - real[q];
    sum += fabsf(diff);
    gfake[q] = diff > 0 ? k : (diff < 0 ? -k : 0.f);
  }
  return (float)(sum / (double)n);
}

int train_perceptual_init(train_perceptual *p, const char *path, int batch, int size,
                          nets_error *err) {
  memset(p, 0, sizeof *p);
  p->batch = batch;
  p->size = size;
  if (detector_load(&p->net, path, err)) return -1;
  if (nets_graph_prepare(p->net.g, 2 * batch, size, size, 1, err)) {
    train_perceptual_free(p);
    return -1;
  }
  p->net.g->want_input_grad = 1;
  p->in = malloc(sizeof(float) * 2 * batch * 3 * size * size);
  int ok = p->in != NULL;
  for (int l = 0; l < 3; l++) {
    p->grad[l] = calloc(nets_tensor_size(nets_graph_output(p->net.g, p->net.feat[l])), sizeof(float));
    ok = ok && p->grad[l];
  }
  if (!ok) {
    train_perceptual_free(p);
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory for the perceptual loss");
    return -1;
  }
  return 0;
}

float train_perceptual_step(train_perceptual *p, const float *real, const float *fake,
                            const float *hole, float weight, float *grad, nets_error *err) {
  const int B = p->batch;
  const size_t hw = (size_t)p->size * p->size, one = (size_t)B * 3 * hw;
  memcpy(p->in, real, sizeof(float) * one);
  memcpy(p->in + one, fake, sizeof(float) * one);
  nets_graph *g = p->net.g;
  if (nets_graph_forward(g, p->in, err)) return NAN;
  float loss = 0;
  const float *douts[3];
  for (int l = 0; l < 3; l++) {
    const nets_tensor *ft = nets_graph_output(g, p->net.feat[l]);
    const size_t half = nets_tensor_size(ft) / 2;
    /* the real crops' half of grad stays zero (calloc): only the fakes get one */
    loss += train_feature_l1(ft->data, ft->data + half, half, weight / (3.f * (float)half),
                             p->grad[l] + half) / 3.f;
    douts[l] = p->grad[l];
  }
  nets_graph_zero_grad(g);
  if (nets_graph_backward_multi(g, 3, p->net.feat, douts, err)) return NAN;
  const float *dx = nets_graph_input_grad(g)->data + one;
  for (int i = 0; i < B; i++)
    for (int c = 0; c < 3; c++)
      for (size_t q = 0; q < hw; q++)
        grad[((size_t)i * 3 + c) * hw + q] += hole[(size_t)i * hw + q] * dx[((size_t)i * 3 + c) * hw + q];
  return loss;
}

void train_perceptual_free(train_perceptual *p) {
  nets_graph_free(p->net.g);
  free(p->in);
  for (int l = 0; l < 3; l++) free(p->grad[l]);
  memset(p, 0, sizeof *p);
}
