/* A graph's parameters <-> safetensors files.  Names are "<layer>.<what>" as
 * given by the model description; shapes are [out][in][k][k] for weights and
 * [out] for biases. */
#ifndef NETS_WEIGHTS_H
#define NETS_WEIGHTS_H

#include "adam.h"
#include "graph.h"
#include "../io/safetensors.h"

/* meta: NULL-terminated list of key, value, key, value, ... (may be NULL). */
int nets_graph_save(const nets_graph *g, const char *path, const char *const *meta,
                    nets_error *err);
/* Load every parameter; the file must hold exactly the graph's tensors with
 * the same shapes, and its "arch" metadata must equal `arch` (if arch != NULL).
 * On failure the graph is left unchanged. */
int nets_graph_load(nets_graph *g, const char *path, const char *arch, nets_error *err);
/* The same from a file already read (callers that also want its metadata). */
int nets_graph_load_file(nets_graph *g, const nets_st_file *f, const char *path,
                         const char *arch, nets_error *err);

/* Load the tensors of `path` whose name and shape match the graph's and
 * leave the others as they are (to start a changed architecture from a
 * trained one).  *n_loaded receives how many were taken. */
int nets_graph_load_matching(nets_graph *g, const char *path, int *n_loaded, nets_error *err);

/* Optimiser state for resuming training (never shipped): Adam moments + step. */
int nets_adam_save(const nets_adam *opt, const nets_graph *g, const char *path, nets_error *err);
int nets_adam_load(nets_adam *opt, nets_graph *g, const char *path, nets_error *err);

#endif
