/* The detector's training targets on ear loops and straps (--loop-weight). */
#ifndef TRAIN_LOOP_TARGETS_H
#define TRAIN_LOOP_TARGETS_H

/* The thin parts of the covering cov (w x h, >= 0.5 is covered) are what an
 * opening by 1 px removes.  Each cell of the f x f cells of the map that
 * holds one of their pixels gets target 1 in t and a loss weight of at
 * least weight in wmap (both (w/f) x (h/f), already the downsampled
 * covering and weights).  Returns 0 or NETS_ERR_NOMEM. */
int train_loop_targets(const float *cov, int w, int h, int f, float weight, float *t, float *wmap);

#endif
