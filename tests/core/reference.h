/* Naive reference implementations the fast layers are compared against. */
#ifndef TESTS_REFERENCE_H
#define TESTS_REFERENCE_H

#include "conv.h"

void ref_conv2d(const nets_conv_shape *s, const float *x, int n, int h, int w, const float *wt,
                const float *b, float *y);

#endif
