/* Losses.  Each returns the loss value and writes its gradient w.r.t. the
 * prediction into grad (overwritten), already divided by the normaliser, and
 * multiplied by `scale` so callers can weight terms without another pass. */
#ifndef NETS_LOSS_H
#define NETS_LOSS_H

#include <stddef.h>

/* mean over i of weight[i] * |pred[i] - target[i]|  (weight NULL = 1).
 * The mean divides by n (not by the weight sum). */
float nets_loss_l1(const float *pred, const float *target, const float *weight, size_t n,
                   float scale, float *grad);

/* Hinge loss for the critic: mean relu(1 - real) + mean relu(1 + fake). */
float nets_loss_hinge_d(const float *real, size_t n_real, const float *fake, size_t n_fake,
                        float scale, float *grad_real, float *grad_fake);
/* Hinge loss for the generator: -mean(fake). */
float nets_loss_hinge_g(const float *fake, size_t n, float scale, float *grad);

/* Focal loss on logits (gamma = 0 gives binary cross-entropy); alpha weights
 * positives (alpha < 0: no class weighting).  weight may be NULL. */
float nets_loss_focal(const float *logits, const float *target, const float *weight, size_t n,
                      float gamma, float alpha, float scale, float *grad);

/* Soft IoU (Jaccard) on logits, per window: for each of the n windows of a
 * w-wide map (rects: n quadruples x0, y0, x1, y1, ends exclusive),
 * 1 - (I + 1) / (U + 1) with p = sigmoid(logit), I = sum p t, U = sum p +
 * sum t - I over its cells.  Returns the mean over windows (0 when n = 0).
 * Unlike the others, the gradient is ADDED to grad (windows may overlap),
 * for the mean, times scale; grad may be NULL. */
float nets_loss_soft_iou(const float *logits, const float *target, int w, const int *rects, int n,
                         float scale, float *grad);

/* Soft-argmax keypoints: each of the n maps (h x w logits, one per keypoint)
 * is a softmax over its cells, whose expected position is the keypoint.
 * Cell (i, j) sits at x = cell * j + offset, y = cell * i + offset.
 * Returns the mean over maps of |x - tx| + |y - ty| (target_xy: n pairs),
 * or 0 with target_xy NULL (then grad must be NULL too: positions only);
 * xy (may be NULL) receives the n expected positions. */
float nets_loss_softargmax_l1(const float *logits, int n, int h, int w, float cell, float offset,
                              const float *target_xy, float scale, float *grad, float *xy);

#endif
