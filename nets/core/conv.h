/* 2-D convolution (NCHW, cross-correlation as in every DL framework) by
 * im2col + SGEMM.  Weights are [cout][cin][k][k], bias [cout].
 * The naive reference used by the tests lives in tests/core/reference.c. */
#ifndef NETS_CONV_H
#define NETS_CONV_H

#include <stddef.h>

typedef struct {
  int cin, cout, k, stride, pad, dil;
} nets_conv_shape;

static inline int nets_conv_out_size(int in, int k, int stride, int pad, int dil) {
  return (in + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

/* Floats of workspace for n images of h x w: forward only (training 0; the
 * forward pass unfolds a band of rows at a time, at most 16 MiB per image),
 * or forward and backward (training 1; the whole column matrix).  With
 * several threads (nets_parallel_set_threads and nets_blas_set_threads
 * both), room for one image per thread at once, each with single-threaded
 * products; the passes below do as many images at once as the workspace
 * they are given holds. */
size_t nets_conv_workspace(const nets_conv_shape *s, int n, int h, int w, int training);

/* y = conv(x) + b for n images; y is overwritten. b may be NULL.  ws holds
 * ws_floats floats. */
void nets_conv2d_forward(const nets_conv_shape *s, const float *x, int n, int h, int w,
                         const float *wt, const float *b, float *y, float *ws, size_t ws_floats);

/* Accumulates into dx (may be NULL), dw and db (may be NULL). */
void nets_conv2d_backward(const nets_conv_shape *s, const float *x, int n, int h, int w,
                          const float *wt, const float *dy, float *dx, float *dw, float *db,
                          float *ws, size_t ws_floats);

void nets_im2col(const float *x, int c, int h, int w, int k, int stride, int pad, int dil,
                 int oh, int ow, float *col);
void nets_col2im_add(const float *col, int c, int h, int w, int k, int stride, int pad, int dil,
                     int oh, int ow, float *x);

#endif
