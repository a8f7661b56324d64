/* nets tensors: float32, NCHW, contiguous.  A tensor owns its data unless it
 * was made with nets_tensor_view(), in which case the caller keeps ownership of
 * the memory and nets_tensor_free() releases only the struct. */
#ifndef NETS_TENSOR_H
#define NETS_TENSOR_H

#include <stddef.h>

typedef struct {
  int n, c, h, w;
  float *data;
  int owns;
} nets_tensor;

/* Zero-filled tensor, or NULL on allocation failure. */
nets_tensor *nets_tensor_new(int n, int c, int h, int w);
/* Wrap memory the caller owns. */
nets_tensor *nets_tensor_view(float *data, int n, int c, int h, int w);
void nets_tensor_free(nets_tensor *t);

static inline size_t nets_tensor_size(const nets_tensor *t) {
  return (size_t)t->n * t->c * t->h * t->w;
}
static inline float *nets_tensor_at(const nets_tensor *t, int n, int c, int y, int x) {
  return t->data + (((size_t)n * t->c + c) * t->h + y) * t->w + x;
}
void nets_tensor_zero(nets_tensor *t);
/* Resize in place (data reallocated only when it grows); owned tensors only. */
int nets_tensor_reshape(nets_tensor *t, int n, int c, int h, int w);

/* Aligned allocation used for all tensor data: 64-byte aligned and zeroed.
 * Free only with nets_free_floats. */
float *nets_alloc_floats(size_t count);
void nets_free_floats(float *p);

#endif
