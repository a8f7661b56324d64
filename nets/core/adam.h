/* The Adam optimiser (Kingma & Ba) over a graph's trainable parameters. */
#ifndef NETS_ADAM_H
#define NETS_ADAM_H

#include "graph.h"

typedef struct {
  float lr, beta1, beta2, eps;
  long step; /* steps taken so far (saved with checkpoints) */
} nets_adam;

void nets_adam_default(nets_adam *opt, float lr); /* beta1 0.9, beta2 0.999, eps 1e-8 */
/* One update with the gradients the graph holds; moments are allocated on first use. */
int nets_adam_step(nets_adam *opt, nets_graph *g, nets_error *err);

#endif
