/* Direct convolution for layers with few output channels: the forward
 * pass, and the input gradient of stride-1 layers.  With 16 or 32 output
 * channels, SGEMM spends as long packing the column matrix as multiplying
 * it; a direct kernel reads each input row once per block of output
 * channels and keeps that block's sums in vector registers.  Kernels exist
 * for AVX-512 and AVX2+FMA, chosen at run time from cpuid; on other CPUs
 * conv.c uses im2col + SGEMM. */
#ifndef NETS_DIRECT_H
#define NETS_DIRECT_H

#include <stddef.h>

#include "conv.h"

typedef enum { NETS_DIRECT_NONE, NETS_DIRECT_AVX2, NETS_DIRECT_AVX512 } nets_direct_isa;

/* The best kernel the running CPU can execute. */
nets_direct_isa nets_direct_best(void);

/* Floats of workspace either pass below needs (the weights, reordered). */
size_t nets_direct_workspace(const nets_conv_shape *s);

/* One image: y = conv(x) + b (b may be NULL), with the given kernel, which
 * must not be NETS_DIRECT_NONE and must run on this CPU.  Stride 1 or 2.
 * Rows are shared among nets_parallel_for's threads. */
void nets_direct_forward(nets_direct_isa isa, const nets_conv_shape *s, const float *x, int h,
                         int w, const float *wt, const float *b, float *y, float *ws);

/* One image's gradient with respect to the input of a stride-1 convolution
 * (dil (k - 1) >= pad): dx += the gradient that dy (cout x oh x ow) gives,
 * for the input of h x w. */
void nets_direct_backward_data(nets_direct_isa isa, const nets_conv_shape *s, const float *dy,
                               int h, int w, const float *wt, float *dx, float *ws);

#endif
