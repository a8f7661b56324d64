#include "tensor.h"

#include <stdlib.h>
#include <string.h>

float *nets_alloc_floats(size_t count) {
  if (count == 0) count = 1;
  size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
  float *p = aligned_alloc(64, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

void nets_free_floats(float *p) { free(p); }

nets_tensor *nets_tensor_new(int n, int c, int h, int w) {
  if (n < 0 || c < 0 || h < 0 || w < 0) return NULL;
  nets_tensor *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->n = n; t->c = c; t->h = h; t->w = w;
  t->data = nets_alloc_floats(nets_tensor_size(t));
  if (!t->data) { free(t); return NULL; }
  t->owns = 1;
  return t;
}

nets_tensor *nets_tensor_view(float *data, int n, int c, int h, int w) {
  nets_tensor *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->n = n; t->c = c; t->h = h; t->w = w;
  t->data = data;
  t->owns = 0;
  return t;
}

void nets_tensor_free(nets_tensor *t) {
  if (!t) return;
  if (t->owns) nets_free_floats(t->data);
  free(t);
}

void nets_tensor_zero(nets_tensor *t) {
  memset(t->data, 0, nets_tensor_size(t) * sizeof(float));
}

int nets_tensor_reshape(nets_tensor *t, int n, int c, int h, int w) {
  if (!t->owns) return -1;
  size_t old = nets_tensor_size(t);
  size_t want = (size_t)n * c * h * w;
  if (want > old) {
    float *p = nets_alloc_floats(want);
    if (!p) return -1;
    nets_free_floats(t->data);
    t->data = p;
  }
  t->n = n; t->c = c; t->h = h; t->w = w;
  return 0;
}
