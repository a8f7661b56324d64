#include "tensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Buffers come from calloc, one cache line and a pointer larger than asked,
 * and the aligned start keeps the block's own start just before it.  glibc
 * hands large blocks straight from mmap, already zero, and its calloc does
 * not clear them again: the memset this replaces (aligned_alloc has no
 * zeroing variant) was most of the time it took to load the networks.  The
 * kernel clears such pages on first touch; big buffers ask for transparent
 * huge pages, so that it takes one fault per 2 MiB instead of per 4 KiB. */
#define FLOAT_ALIGN 64
#define HUGE_MIN ((size_t)4 << 20)

float *nets_alloc_floats(size_t count) {
  if (count == 0) count = 1;
  if (count > (SIZE_MAX - FLOAT_ALIGN - sizeof(void *)) / sizeof(float)) return NULL;
  const size_t bytes = count * sizeof(float);
  char *raw = calloc(1, bytes + FLOAT_ALIGN + sizeof(void *));
  if (!raw) return NULL;
  uintptr_t a = ((uintptr_t)raw + sizeof(void *) + FLOAT_ALIGN - 1) & ~(uintptr_t)(FLOAT_ALIGN - 1);
  ((void **)a)[-1] = raw;
#ifdef MADV_HUGEPAGE
  if (bytes >= HUGE_MIN) { /* the whole 2 MiB pages inside the buffer; advice only */
    const uintptr_t hp = (uintptr_t)2 << 20;
    uintptr_t lo = (a + hp - 1) & ~(hp - 1), hi = (a + bytes) & ~(hp - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
  }
#endif
  return (float *)a;
}

void nets_free_floats(float *p) {
  if (p) free(((void **)p)[-1]);
}

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
