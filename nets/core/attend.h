/* Contextual attention (DeepFill v1/v2), with 1x1 patches: every position of
 * a feature map x [c][p] (p = h*w positions) takes the mean of the features at
 * the map's known positions, weighted by a softmax of `scale` times the cosine
 * similarity of the two positions' features:
 *   q_i = x_i / |x_i|,  a_ij = softmax over known j of scale * q_i . q_j,
 *   y_i = sum_j a_ij x_j.
 * So a hole can copy what the visible part of the face holds (the skin of
 * the cheeks, the texture of a beard) from wherever it is most alike.  A map
 * with no known position gives y = 0.  Two GEMMs of p x p x c each way. */
#ifndef NETS_ATTEND_H
#define NETS_ATTEND_H

#include <stddef.h>

/* Floats per sample that forward keeps for backward: the attention a (p*p),
 * q (c*p), 1/|x| (p) and the known flags (p). */
size_t nets_attend_saved_size(int c, int p);

/* known [h*w] <- 1 where the mask's block over position (y, x) holds no
 * value >= 0.5 (mask [mh][mw], mh = k*h, mw = k*w for an integer k), else 0. */
void nets_attend_known(const float *mask, int mh, int mw, int h, int w, float *known);

/* One sample: x [c][p] -> y [c][p]; saved [nets_attend_saved_size] must hold
 * the known flags (its last p floats) on entry. */
void nets_attend_forward(const float *x, int c, int p, float scale, float *saved, float *y);

/* One sample: dx [c][p] += d loss / d x, from dy [c][p] and what forward
 * saved; work holds p*p + c*p floats. */
void nets_attend_backward(const float *x, int c, int p, float scale, const float *saved,
                          const float *dy, float *dx, float *work);

#endif
