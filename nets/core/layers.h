/* Small layers without weights: nearest 2x upsampling, 2x average pooling,
 * channel concatenation, and the gate of a gated convolution. */
#ifndef NETS_LAYERS_H
#define NETS_LAYERS_H

#include "act.h"

/* x [n][c][h][w] -> y [n][c][2h][2w] */
void nets_up2_forward(const float *x, int n, int c, int h, int w, float *y);
/* dx += sum over each 2x2 block of dy */
void nets_up2_backward(const float *dy, int n, int c, int h, int w, float *dx);

/* x [n][c][h][w] (h, w even) -> y [n][c][h/2][w/2], mean of 2x2 blocks */
void nets_avgpool2_forward(const float *x, int n, int c, int h, int w, float *y);
void nets_avgpool2_backward(const float *dy, int n, int c, int h, int w, float *dx);

/* y [n][ca+cb][hw] = a [n][ca][hw] ++ b [n][cb][hw] */
void nets_concat_forward(const float *a, int ca, const float *b, int cb, int n, int hw, float *y);
/* da += dy[:, :ca], db += dy[:, ca:]; either may be NULL */
void nets_concat_backward(const float *dy, int ca, int cb, int n, int hw, float *da, float *db);

/* Gated convolution output (DeepFill v2): pre [n][2c][hw] holds features then
 * gates.  y = act(f) * sigmoid(g).  `saved` [n][2c][hw] keeps act(f) and
 * sigmoid(g) for the backward pass; NULL in inference. */
void nets_gate_forward(nets_act act, const float *pre, int n, int c, int hw, float *y,
                       float *saved);
/* dpre [n][2c][hw] <- gradient w.r.t. pre (overwritten). */
void nets_gate_backward(nets_act act, const float *saved, const float *dy, int n, int c, int hw,
                        float *dpre);

#endif
