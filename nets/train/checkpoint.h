/* Run-folder checkpoints shared by the trainers: each network of a run is
 * RUN/NAME.safetensors (weights) plus RUN/NAME.optim.safetensors (Adam state,
 * never shipped), and RUN/state.txt holds "step wall_seconds".  A network
 * trained with a weight average (--ema) also has RUN/NAME.ema.safetensors:
 * the averaged weights, with the same metadata plus "ema_decay". */
#ifndef TRAIN_CHECKPOINT_H
#define TRAIN_CHECKPOINT_H

#include "../core/adam.h"
#include "../core/ema.h"
#include "../core/graph.h"

typedef struct {
  const char *name, *arch;
  nets_graph *g;
  nets_adam *opt;
  const char *const *meta; /* the weight file's metadata; NULL: arch and step */
  nets_ema *ema;           /* NULL, or the average (made before resuming) */
} train_net;

int train_checkpoint_save(const char *run, const train_net *nets, int n, long step, double wall,
                          nets_error *err);
/* Loads the run's checkpoint into nets (graphs prepared for training).  An
 * average is taken from its own file if the run has one of the same step,
 * and otherwise starts again from the loaded weights.
 * Returns 1 if resumed, 0 if the run has no checkpoint yet, or -1 (err set). */
int train_checkpoint_resume(const char *run, const train_net *nets, int n, long *step, double *wall,
                            nets_error *err);

#endif
