/* An exponential moving average of a graph's parameters (Polyak averaging).
 * After each optimiser step, avg = d * avg + (1 - d) * value, with
 * d = min(decay, (1 + t) / (10 + t)) at the t-th update so that a fresh
 * average does not lean on the first weights for long.  The averaged weights
 * are usually better than the last step's: they smooth out the noise of
 * small-batch training.  Parameters that are not trainable (spectral-norm
 * vectors) are copied, not averaged. */
#ifndef NETS_EMA_H
#define NETS_EMA_H

#include "graph.h"

typedef struct {
  float decay;
  long updates;
  int n;               /* g->n_params when made */
  nets_tensor **avg;   /* one per parameter, owned */
} nets_ema;

/* Starts the average at the graph's current values. */
int nets_ema_init(nets_ema *e, const nets_graph *g, float decay, nets_error *err);
/* Starts it again at the graph's current values (after loading weights). */
void nets_ema_reset(nets_ema *e, const nets_graph *g);
void nets_ema_update(nets_ema *e, const nets_graph *g);
/* Exchanges the graph's values with the averages (call again to undo):
 * save or evaluate the averaged weights between two swaps. */
void nets_ema_swap(nets_ema *e, nets_graph *g);
void nets_ema_free(nets_ema *e);

#endif
