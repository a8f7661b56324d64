/* Logistic regression by Newton's method, for small models fitted after
 * training (the detector's second look: fit-look.c). */
#ifndef TRAIN_LOGISTIC_H
#define TRAIN_LOGISTIC_H

#include "../core/nets-error.h"

/* Fits P(y = 1 | x) = sigmoid(w . x + b) to n samples of d features (x:
 * n x d, row by row; y: 0 or 1 each), with an L2 penalty of l2 on the
 * weights of the standardised features (each feature scaled to mean 0 and
 * variance 1 while fitting; w is given back for the features as they are).
 * w receives d weights, then b.  Errors: no samples of one of the two
 * classes, out of memory. */
int logistic_fit(const float *x, const unsigned char *y, int n, int d, double l2, float *w,
                 nets_error *err);

/* w . x + b for one sample (w as logistic_fit writes it). */
double logistic_logit(const float *w, const float *x, int d);

#endif
