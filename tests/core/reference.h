/* Naive reference implementations the fast layers are compared against. */
#ifndef TESTS_REFERENCE_H
#define TESTS_REFERENCE_H

#include "conv.h"

void ref_conv2d(const nets_conv_shape *s, const float *x, int n, int h, int w, const float *wt,
                const float *b, float *y);
/* One image, stride 1: dx += the input gradient that dy (cout x oh x ow)
 * gives, by its definition: each output's gradient flows back to the inputs
 * it read. */
void ref_conv2d_backward_data(const nets_conv_shape *s, const float *dy, int h, int w,
                              const float *wt, float *dx);

#endif
