/* A static network graph: nodes are added once by a model's description (see
 * nets/models/), then the same graph runs inference or training.  Every node's
 * output and gradient buffers, and every parameter, are owned by the graph;
 * nets_graph_free() releases everything.
 *
 * Node kinds: input, conv (optional fused activation and spectral norm),
 * gated conv, nearest 2x upsampling, 2x average pooling, concat, add,
 * activation, contextual attention (attend.h).  Backward accumulates parameter gradients (zero them with
 * nets_graph_zero_grad) and, when asked, the gradient w.r.t. the input. */
#ifndef NETS_GRAPH_H
#define NETS_GRAPH_H

#include <stdint.h>

#include "act.h"
#include "conv.h"
#include "nets-error.h"
#include "tensor.h"

typedef enum {
  NETS_OP_INPUT,
  NETS_OP_CONV,
  NETS_OP_GCONV,
  NETS_OP_UP2,
  NETS_OP_POOL2,
  NETS_OP_CONCAT,
  NETS_OP_ADD,
  NETS_OP_ACT,
  NETS_OP_ATTEND,
} nets_op;

enum { NETS_CONV_NO_BIAS = 1, NETS_CONV_SPECTRAL = 2 };

typedef struct {
  char name[64];
  nets_tensor *value, *grad; /* grad allocated when training */
  nets_tensor *m, *v;        /* Adam moments, allocated on the first step */
  int trainable;             /* 0 for state such as spectral-norm vectors */
} nets_param;

typedef struct {
  nets_op op;
  int src[2];
  int c, h, w; /* output shape per sample, set by nets_graph_prepare */
  nets_conv_shape conv;
  nets_act act;
  unsigned flags;
  int p_weight, p_bias, p_u; /* parameter indices or -1 */
  nets_tensor *out, *grad, *saved; /* saved: gate state or pre-activation scratch */
  int keep;                        /* inference: out keeps its value after forward */
  float *w_eff, *sn_v;             /* spectral norm: normalised weight, v vector */
  float sigma;
  int mask_ch;                     /* attend: the channel of src[1] that holds the hole */
  float scale;                     /* attend: the softmax's scale */
} nets_node;

typedef struct {
  nets_node *nodes;
  int n_nodes, cap_nodes;
  nets_param *params;
  int n_params, cap_params;
  int in_c;                       /* channels of the input node */
  int n, h, w;                    /* prepared batch and input size */
  int training;                   /* allocate gradients, update SN vectors */
  int want_input_grad;            /* compute d loss / d input in backward */
  int frozen_upto;                /* nodes 1..frozen_upto are not trained (0: none) */
  float *ws;                      /* im2col workspace */
  size_t ws_size;
  float *scratch;                 /* activation-gradient scratch */
  size_t scratch_size;
  float **pool;                   /* inference: buffers the node outputs share */
  size_t *pool_size;
  int n_pool;
  int planned;                    /* the outputs are views into pool for n, h, w */
} nets_graph;

nets_graph *nets_graph_new(void);
void nets_graph_free(nets_graph *g);

/* Builders: return the new node's index, or -1 on error (bad source, no memory). */
int nets_graph_input(nets_graph *g, int channels);
int nets_graph_conv(nets_graph *g, const char *name, int src, int cout, int k, int stride,
                    int dil, nets_act act, unsigned flags);
int nets_graph_gconv(nets_graph *g, const char *name, int src, int cout, int k, int stride,
                     int dil, nets_act act);
int nets_graph_up2(nets_graph *g, int src);
int nets_graph_pool2(nets_graph *g, int src);
int nets_graph_concat(nets_graph *g, int a, int b);
int nets_graph_add(nets_graph *g, int a, int b);
int nets_graph_act(nets_graph *g, int src, nets_act act);
/* Contextual attention over src's map; the known positions are those whose
 * block of channel mask_ch of node mask (at the same or an integer multiple
 * of src's size) is all below 0.5.  No gradient flows to mask. */
int nets_graph_attend(nets_graph *g, int src, int mask, int mask_ch, float scale);

/* Resolve shapes and allocate buffers for a batch of n images of h x w.
 * Cheap when the size does not change.  For inference (training 0), node
 * outputs share a few buffers: a node's output lives only until its last
 * reader has run, except for the nodes marked with nets_graph_keep and those
 * that no node reads (the network's outputs).  Training keeps every output. */
int nets_graph_prepare(nets_graph *g, int n, int h, int w, int training, nets_error *err);
/* input: n x in_c x h x w, NCHW.  Runs every node. */
int nets_graph_forward(nets_graph *g, const float *input, nets_error *err);
/* Runs nodes 1..last only (each node's sources come before it, so `last`'s
 * result is complete; later nodes keep stale values). */
int nets_graph_forward_upto(nets_graph *g, const float *input, int last, nets_error *err);
/* Seeds the gradient of node `out` with dout (its full size) and runs back. */
int nets_graph_backward(nets_graph *g, int out, const float *dout, nets_error *err);
/* The same with several outputs seeded at once (e.g. coarse and refined). */
int nets_graph_backward_multi(nets_graph *g, int n_out, const int *outs, const float *const *douts,
                              nets_error *err);
void nets_graph_zero_grad(nets_graph *g);
/* Stops training nodes 1..node: their parameters become non-trainable (no
 * gradient, no optimiser step), and backward stops above them, so it costs
 * only what the later nodes cost (and gives no input gradient).  Call before
 * nets_graph_prepare.  Returns -1 for a node out of range. */
int nets_graph_freeze_upto(nets_graph *g, int node);

/* After an inference forward pass, `node`'s output is still valid when it is
 * kept (below), read by no node, or the `last` node of forward_upto. */
static inline nets_tensor *nets_graph_output(nets_graph *g, int node) { return g->nodes[node].out; }
/* Keep node's output through inference forward passes (e.g. a coarse stage
 * read after the refinement has run).  Call before nets_graph_prepare. */
int nets_graph_keep(nets_graph *g, int node);
/* d loss / d input after a backward with want_input_grad set. */
static inline nets_tensor *nets_graph_input_grad(nets_graph *g) { return g->nodes[0].grad; }

/* He-normal weights, zero biases, random unit SN vectors; repeatable by seed. */
void nets_graph_init_params(nets_graph *g, uint64_t seed);
long nets_graph_param_count(const nets_graph *g);
/* Multiply-accumulates of one forward pass for the prepared size (per image). */
double nets_graph_macs(const nets_graph *g);
/* The same for the nodes after `node` only (e.g. those a frozen prefix leaves to train). */
double nets_graph_macs_after(const nets_graph *g, int node);
nets_param *nets_graph_find_param(nets_graph *g, const char *name);

#endif
