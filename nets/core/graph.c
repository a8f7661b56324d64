#include "graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attend.h"
#include "layers.h"
#include "rng.h"
#include "specnorm.h"

nets_graph *nets_graph_new(void) { return calloc(1, sizeof(nets_graph)); }

void nets_graph_free(nets_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->n_nodes; i++) {
    nets_node *nd = &g->nodes[i];
    nets_tensor_free(nd->out);
    nets_tensor_free(nd->grad);
    nets_tensor_free(nd->saved);
    nets_free_floats(nd->w_eff);
    nets_free_floats(nd->sn_v);
  }
  for (int i = 0; i < g->n_params; i++) {
    nets_param *p = &g->params[i];
    nets_tensor_free(p->value);
    nets_tensor_free(p->grad);
    nets_tensor_free(p->m);
    nets_tensor_free(p->v);
  }
  for (int k = 0; k < g->n_pool; k++) nets_free_floats(g->pool[k]);
  free(g->pool);
  free(g->pool_size);
  free(g->nodes);
  free(g->params);
  nets_free_floats(g->ws);
  nets_free_floats(g->scratch);
  free(g);
}

static int add_node(nets_graph *g, nets_op op, int a, int b) {
  if ((op != NETS_OP_INPUT && (a < 0 || a >= g->n_nodes)) || b >= g->n_nodes) return -1;
  if (g->n_nodes == g->cap_nodes) {
    int cap = g->cap_nodes ? 2 * g->cap_nodes : 32;
    nets_node *nn = realloc(g->nodes, sizeof *nn * cap);
    if (!nn) return -1;
    g->nodes = nn;
    g->cap_nodes = cap;
  }
  nets_node *nd = &g->nodes[g->n_nodes];
  memset(nd, 0, sizeof *nd);
  nd->op = op;
  nd->src[0] = a;
  nd->src[1] = b;
  nd->p_weight = nd->p_bias = nd->p_u = -1;
  return g->n_nodes++;
}

static int add_param(nets_graph *g, const char *layer, const char *what, int n, int c, int h, int w,
                     int trainable) {
  if (g->n_params == g->cap_params) {
    int cap = g->cap_params ? 2 * g->cap_params : 32;
    nets_param *np = realloc(g->params, sizeof *np * cap);
    if (!np) return -1;
    g->params = np;
    g->cap_params = cap;
  }
  nets_param *p = &g->params[g->n_params];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s.%s", layer, what);
  p->value = nets_tensor_new(n, c, h, w);
  if (!p->value) return -1;
  p->trainable = trainable;
  return g->n_params++;
}

int nets_graph_input(nets_graph *g, int channels) {
  if (g->n_nodes != 0 || channels <= 0) return -1; /* the input is always node 0 */
  int id = add_node(g, NETS_OP_INPUT, -1, -1);
  if (id >= 0) g->in_c = channels;
  return id;
}

static int conv_node(nets_graph *g, nets_op op, const char *name, int src, int cout, int k,
                     int stride, int dil, nets_act act, unsigned flags) {
  if (src < 0 || src >= g->n_nodes || cout <= 0 || k <= 0 || stride <= 0 || dil <= 0) return -1;
  int id = add_node(g, op, src, -1);
  if (id < 0) return -1;
  nets_node *nd = &g->nodes[id];
  const int rows = op == NETS_OP_GCONV ? 2 * cout : cout;
  nd->conv = (nets_conv_shape){.cin = 0, .cout = rows, .k = k, .stride = stride,
                               .pad = dil * (k - 1) / 2, .dil = dil};
  nd->act = act;
  nd->flags = flags;
  nd->c = cout;
  /* cin is known once shapes are resolved; parameters need it now, so resolve
   * the source's channel count by walking the graph. */
  int cin = g->nodes[src].c;
  if (src == 0) cin = g->in_c;
  if (cin <= 0) return -1;
  nd->conv.cin = cin;
  nd->p_weight = add_param(g, name, "weight", rows, cin, k, k, 1);
  if (nd->p_weight < 0) return -1;
  if (!(flags & NETS_CONV_NO_BIAS)) {
    nd->p_bias = add_param(g, name, "bias", rows, 1, 1, 1, 1);
    if (nd->p_bias < 0) return -1;
  }
  if (flags & NETS_CONV_SPECTRAL) {
    nd = &g->nodes[id];
    nd->p_u = add_param(g, name, "sn_u", rows, 1, 1, 1, 0);
    nd->w_eff = nets_alloc_floats((size_t)rows * cin * k * k);
    nd->sn_v = nets_alloc_floats((size_t)cin * k * k);
    if (nd->p_u < 0 || !nd->w_eff || !nd->sn_v) return -1;
  }
  return id;
}

int nets_graph_conv(nets_graph *g, const char *name, int src, int cout, int k, int stride,
                    int dil, nets_act act, unsigned flags) {
  return conv_node(g, NETS_OP_CONV, name, src, cout, k, stride, dil, act, flags);
}

int nets_graph_gconv(nets_graph *g, const char *name, int src, int cout, int k, int stride,
                     int dil, nets_act act) {
  return conv_node(g, NETS_OP_GCONV, name, src, cout, k, stride, dil, act, 0);
}

static int src_channels(nets_graph *g, int src) { return src == 0 ? g->in_c : g->nodes[src].c; }

int nets_graph_up2(nets_graph *g, int src) {
  int id = add_node(g, NETS_OP_UP2, src, -1);
  if (id >= 0) g->nodes[id].c = src_channels(g, src);
  return id;
}

int nets_graph_pool2(nets_graph *g, int src) {
  int id = add_node(g, NETS_OP_POOL2, src, -1);
  if (id >= 0) g->nodes[id].c = src_channels(g, src);
  return id;
}

int nets_graph_concat(nets_graph *g, int a, int b) {
  if (b < 0) return -1;
  int id = add_node(g, NETS_OP_CONCAT, a, b);
  if (id >= 0) g->nodes[id].c = src_channels(g, a) + src_channels(g, b);
  return id;
}

int nets_graph_add(nets_graph *g, int a, int b) {
  if (b < 0 || a < 0 || a >= g->n_nodes || b >= g->n_nodes) return -1;
  if (src_channels(g, a) != src_channels(g, b)) return -1;
  int id = add_node(g, NETS_OP_ADD, a, b);
  if (id >= 0) g->nodes[id].c = src_channels(g, a);
  return id;
}

int nets_graph_act(nets_graph *g, int src, nets_act act) {
  int id = add_node(g, NETS_OP_ACT, src, -1);
  if (id >= 0) {
    g->nodes[id].c = src_channels(g, src);
    g->nodes[id].act = act;
  }
  return id;
}

int nets_graph_attend(nets_graph *g, int src, int mask, int mask_ch, float scale) {
  if (mask < 0 || mask >= g->n_nodes || mask_ch < 0 || mask_ch >= src_channels(g, mask)) return -1;
  int id = add_node(g, NETS_OP_ATTEND, src, mask);
  if (id >= 0) {
    g->nodes[id].c = src_channels(g, src);
    g->nodes[id].mask_ch = mask_ch;
    g->nodes[id].scale = scale;
  }
  return id;
}

static int ensure_tensor(nets_tensor **t, int n, int c, int h, int w) {
  if (*t && !(*t)->owns) { /* a view into the inference pool: training owns its outputs */
    nets_tensor_free(*t);
    *t = NULL;
  }
  if (!*t) {
    *t = nets_tensor_new(n, c, h, w);
    return *t ? 0 : -1;
  }
  return nets_tensor_reshape(*t, n, c, h, w);
}

static int ensure_floats(float **p, size_t *have, size_t want) {
  if (want <= *have) return 0;
  nets_free_floats(*p);
  *p = nets_alloc_floats(want);
  *have = *p ? want : 0;
  return *p ? 0 : -1;
}

int nets_graph_keep(nets_graph *g, int node) {
  if (node < 0 || node >= g->n_nodes) return -1;
  g->nodes[node].keep = 1;
  g->planned = 0;
  return 0;
}

/* Inference: each node's output goes into a pool buffer that no live output
 * holds.  An output lives until its last reader has run; kept nodes and
 * nodes without a reader live to the end.  A node never shares a buffer
 * with its sources, which are alive while it runs. */
static int plan_outputs(nets_graph *g, int n) {
  const int N = g->n_nodes;
  int *last = malloc(sizeof(int) * N), *slot = malloc(sizeof(int) * N), *busy = malloc(sizeof(int) * N);
  size_t *cap = calloc(N, sizeof(size_t));
  int rc = -1, n_slots = 0;
  if (!last || !slot || !busy || !cap) goto done;
  for (int i = 0; i < N; i++) last[i] = -1;
  for (int j = 1; j < N; j++)
    for (int k = 0; k < 2; k++)
      if (g->nodes[j].src[k] >= 0) last[g->nodes[j].src[k]] = j;
  for (int i = 0; i < N; i++)
    if (last[i] < 0 || g->nodes[i].keep) last[i] = N;
  for (int i = 0; i < N; i++) {
    const nets_node *nd = &g->nodes[i];
    const size_t size = (size_t)n * nd->c * nd->h * nd->w;
    int best = -1; /* the smallest free buffer that fits, else the largest free one */
    for (int k = 0; k < n_slots; k++) {
      if (busy[k] >= i) continue;
      const int fits = cap[k] >= size, best_fits = best >= 0 && cap[best] >= size;
      if (best < 0 || (fits != best_fits ? fits : fits ? cap[k] < cap[best] : cap[k] > cap[best]))
        best = k;
    }
    if (best < 0) best = n_slots++;
    if (cap[best] < size) cap[best] = size;
    slot[i] = best;
    busy[best] = last[i];
  }
  if (n_slots > g->n_pool) {
    float **np = realloc(g->pool, sizeof(float *) * n_slots);
    if (!np) goto done;
    g->pool = np;
    size_t *ns = realloc(g->pool_size, sizeof(size_t) * n_slots);
    if (!ns) goto done;
    g->pool_size = ns;
    for (int k = g->n_pool; k < n_slots; k++) g->pool[k] = NULL, g->pool_size[k] = 0;
    g->n_pool = n_slots;
  }
  for (int k = 0; k < n_slots; k++)
    if (ensure_floats(&g->pool[k], &g->pool_size[k], cap[k])) goto done;
  for (int i = 0; i < N; i++) {
    nets_node *nd = &g->nodes[i];
    nets_tensor_free(nd->out);
    nd->out = nets_tensor_view(g->pool[slot[i]], n, nd->c, nd->h, nd->w);
    if (!nd->out) goto done;
  }
  rc = 0;
done:
  free(last), free(slot), free(busy), free(cap);
  return rc;
}

int nets_graph_prepare(nets_graph *g, int n, int h, int w, int training, nets_error *err) {
  if (g->n_nodes == 0 || g->nodes[0].op != NETS_OP_INPUT)
    return nets_error_set(err, NETS_ERR_ARG, "graph has no input node");
  if (n <= 0 || h <= 0 || w <= 0)
    return nets_error_set(err, NETS_ERR_ARG, "bad input size %dx%dx%d", n, h, w);
  /* planned: the last prepare was for inference, and nothing was kept since */
  if (!training && g->planned && g->n == n && g->h == h && g->w == w) return NETS_OK;
  g->planned = 0;
  size_t ws = 0, scratch = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    nets_node *nd = &g->nodes[i];
    const nets_node *a = i ? &g->nodes[nd->src[0]] : NULL;
    const nets_node *b = nd->src[1] >= 0 ? &g->nodes[nd->src[1]] : NULL;
    switch (nd->op) {
    case NETS_OP_INPUT: nd->c = g->in_c; nd->h = h; nd->w = w; break;
    case NETS_OP_CONV:
    case NETS_OP_GCONV: {
      const nets_conv_shape *s = &nd->conv;
      nd->h = nets_conv_out_size(a->h, s->k, s->stride, s->pad, s->dil);
      nd->w = nets_conv_out_size(a->w, s->k, s->stride, s->pad, s->dil);
      if (nd->h <= 0 || nd->w <= 0)
        return nets_error_set(err, NETS_ERR_SHAPE, "node %d: input %dx%d too small", i, a->h, a->w);
      size_t wsz = nets_conv_workspace(s, n, a->h, a->w, training);
      if (wsz > ws) ws = wsz;
      size_t sc = (size_t)n * s->cout * nd->h * nd->w;
      if (sc > scratch) scratch = sc;
      break;
    }
    case NETS_OP_UP2: nd->h = 2 * a->h; nd->w = 2 * a->w; break;
    case NETS_OP_POOL2:
      if (a->h % 2 || a->w % 2)
        return nets_error_set(err, NETS_ERR_SHAPE, "node %d: pooling needs even size, got %dx%d",
                              i, a->h, a->w);
      nd->h = a->h / 2; nd->w = a->w / 2;
      break;
    case NETS_OP_CONCAT:
    case NETS_OP_ADD:
      if (a->h != b->h || a->w != b->w)
        return nets_error_set(err, NETS_ERR_SHAPE,
                              "node %d: inputs differ in size (%dx%d vs %dx%d); the input size "
                              "must be a multiple of the network's stride", i, a->h, a->w, b->h, b->w);
      nd->h = a->h; nd->w = a->w;
      break;
    case NETS_OP_ACT: nd->h = a->h; nd->w = a->w;
      if ((size_t)n * nd->c * nd->h * nd->w > scratch) scratch = (size_t)n * nd->c * nd->h * nd->w;
      break;
    case NETS_OP_ATTEND: {
      nd->h = a->h; nd->w = a->w;
      if (b->h % a->h || b->w % a->w)
        return nets_error_set(err, NETS_ERR_SHAPE, "node %d: mask %dx%d is not a multiple of %dx%d",
                              i, b->h, b->w, a->h, a->w);
      /* what forward keeps (in inference too), and backward's work */
      const int p = a->h * a->w;
      if (ensure_tensor(&nd->saved, n, 1, 1, (int)nets_attend_saved_size(nd->c, p)))
        return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for node %d", i);
      if (training && (size_t)p * p + (size_t)nd->c * p > scratch) scratch = (size_t)p * p + (size_t)nd->c * p;
      break;
    }
    }
    if (!training) continue; /* outputs: plan_outputs below; gates work in scratch */
    if (ensure_tensor(&nd->out, n, nd->c, nd->h, nd->w) || ensure_tensor(&nd->grad, n, nd->c, nd->h, nd->w))
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for node %d", i);
    if (nd->op == NETS_OP_GCONV &&
        ensure_tensor(&nd->saved, n, 2 * nd->c, nd->h, nd->w))
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for node %d", i);
    if (nd->op == NETS_OP_CONV && (nd->flags & NETS_CONV_SPECTRAL) &&
        ensure_tensor(&nd->saved, nd->conv.cout, nd->conv.cin, nd->conv.k, nd->conv.k))
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for node %d", i);
  }
  if (ensure_floats(&g->ws, &g->ws_size, ws) || ensure_floats(&g->scratch, &g->scratch_size, scratch))
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for workspace");
  if (!training && plan_outputs(g, n)) {
    g->n = 0; /* some outputs may be gone: forward refuses until a prepare succeeds */
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for the outputs");
  }
  if (training)
    for (int i = 0; i < g->n_params; i++) {
      nets_param *p = &g->params[i];
      if (p->trainable && !p->grad) {
        const nets_tensor *v = p->value;
        p->grad = nets_tensor_new(v->n, v->c, v->h, v->w);
        if (!p->grad) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for gradients");
      }
    }
  g->n = n; g->h = h; g->w = w;
  g->training = training;
  g->planned = !training;
  return NETS_OK;
}

static const float *conv_weights(nets_graph *g, nets_node *nd) {
  const float *wt = g->params[nd->p_weight].value->data;
  if (!(nd->flags & NETS_CONV_SPECTRAL)) return wt;
  const nets_conv_shape *s = &nd->conv;
  nd->sigma = nets_specnorm_forward(wt, s->cout, s->cin * s->k * s->k,
                                    g->params[nd->p_u].value->data, nd->sn_v, g->training,
                                    nd->w_eff);
  return nd->w_eff;
}

int nets_graph_forward(nets_graph *g, const float *input, nets_error *err) {
  return nets_graph_forward_upto(g, input, g->n_nodes - 1, err);
}

int nets_graph_forward_upto(nets_graph *g, const float *input, int last, nets_error *err) {
  if (!g->n) return nets_error_set(err, NETS_ERR_ARG, "graph not prepared");
  if (last < 0 || last >= g->n_nodes) return nets_error_set(err, NETS_ERR_ARG, "bad last node %d", last);
  const int n = g->n;
  nets_node *in = &g->nodes[0];
  memcpy(in->out->data, input, nets_tensor_size(in->out) * sizeof(float));
  for (int i = 1; i <= last; i++) {
    nets_node *nd = &g->nodes[i];
    const nets_node *a = &g->nodes[nd->src[0]];
    const nets_node *b = nd->src[1] >= 0 ? &g->nodes[nd->src[1]] : NULL;
    const size_t size = nets_tensor_size(nd->out);
    switch (nd->op) {
    case NETS_OP_CONV: {
      const float *wt = conv_weights(g, nd);
      const float *bias = nd->p_bias >= 0 ? g->params[nd->p_bias].value->data : NULL;
      nets_conv2d_forward(&nd->conv, a->out->data, n, a->h, a->w, wt, bias, nd->out->data, g->ws,
                          g->ws_size);
      nets_act_forward(nd->act, nd->out->data, size);
      break;
    }
    case NETS_OP_GCONV: {
      const float *bias = nd->p_bias >= 0 ? g->params[nd->p_bias].value->data : NULL;
      nets_conv2d_forward(&nd->conv, a->out->data, n, a->h, a->w,
                          g->params[nd->p_weight].value->data, bias, g->scratch, g->ws, g->ws_size);
      /* inference keeps no gate state for backward */
      nets_gate_forward(nd->act, g->scratch, n, nd->c, nd->h * nd->w, nd->out->data,
                        g->training ? nd->saved->data : NULL);
      break;
    }
    case NETS_OP_UP2: nets_up2_forward(a->out->data, n, a->c, a->h, a->w, nd->out->data); break;
    case NETS_OP_POOL2: nets_avgpool2_forward(a->out->data, n, a->c, a->h, a->w, nd->out->data); break;
    case NETS_OP_CONCAT:
      nets_concat_forward(a->out->data, a->c, b->out->data, b->c, n, nd->h * nd->w, nd->out->data);
      break;
    case NETS_OP_ADD:
      for (size_t j = 0; j < size; j++) nd->out->data[j] = a->out->data[j] + b->out->data[j];
      break;
    case NETS_OP_ACT:
      memcpy(nd->out->data, a->out->data, size * sizeof(float));
      nets_act_forward(nd->act, nd->out->data, size);
      break;
    case NETS_OP_ATTEND: {
      const int p = nd->h * nd->w;
      const size_t per = nets_attend_saved_size(nd->c, p);
      for (int s = 0; s < n; s++) {
        float *sv = nd->saved->data + s * per;
        nets_attend_known(b->out->data + ((size_t)s * b->c + nd->mask_ch) * b->h * b->w, b->h, b->w,
                          nd->h, nd->w, sv + per - p);
        nets_attend_forward(a->out->data + (size_t)s * nd->c * p, nd->c, p, nd->scale, sv,
                            nd->out->data + (size_t)s * nd->c * p);
      }
      break;
    }
    case NETS_OP_INPUT: break;
    }
  }
  return NETS_OK;
}

static void add_into(float *dst, const float *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

int nets_graph_backward(nets_graph *g, int out, const float *dout, nets_error *err) {
  return nets_graph_backward_multi(g, 1, &out, &dout, err);
}

/* Whether backward needs d loss / d node src: not for frozen nodes (nor
 * for the input then: it would miss the frozen nodes' part), and for the
 * input only when asked. */
static int grad_wanted(const nets_graph *g, int src) {
  if (g->frozen_upto > 0 && src <= g->frozen_upto) return 0;
  return src > 0 || g->want_input_grad;
}

int nets_graph_backward_multi(nets_graph *g, int n_out, const int *outs, const float *const *douts,
                              nets_error *err) {
  if (!g->training) return nets_error_set(err, NETS_ERR_ARG, "graph not prepared for training");
  int last = 0;
  for (int k = 0; k < n_out; k++) {
    if (outs[k] <= 0 || outs[k] >= g->n_nodes)
      return nets_error_set(err, NETS_ERR_ARG, "bad output node %d", outs[k]);
    if (outs[k] > last) last = outs[k];
  }
  const int n = g->n;
  for (int i = 0; i <= last; i++) nets_tensor_zero(g->nodes[i].grad);
  for (int k = 0; k < n_out; k++) {
    nets_tensor *gt = g->nodes[outs[k]].grad;
    add_into(gt->data, douts[k], nets_tensor_size(gt));
  }
  for (int i = last; i > g->frozen_upto; i--) {
    nets_node *nd = &g->nodes[i];
    nets_node *a = &g->nodes[nd->src[0]];
    nets_node *b = nd->src[1] >= 0 ? &g->nodes[nd->src[1]] : NULL;
    const size_t size = nets_tensor_size(nd->out);
    float *da = grad_wanted(g, nd->src[0]) ? a->grad->data : NULL;
    switch (nd->op) {
    case NETS_OP_CONV:
    case NETS_OP_GCONV: {
      const float *dpre;
      if (nd->op == NETS_OP_GCONV) {
        nets_gate_backward(nd->act, nd->saved->data, nd->grad->data, n, nd->c, nd->h * nd->w,
                           g->scratch);
        dpre = g->scratch;
      } else if (nd->act != NETS_ACT_NONE) {
        nets_act_backward(nd->act, nd->out->data, nd->grad->data, g->scratch, size);
        dpre = g->scratch;
      } else {
        dpre = nd->grad->data;
      }
      const int sn = (nd->flags & NETS_CONV_SPECTRAL) != 0;
      nets_param *pw = &g->params[nd->p_weight];
      float *db = nd->p_bias >= 0 ? g->params[nd->p_bias].grad->data : NULL;
      const float *wt = sn ? nd->w_eff : pw->value->data;
      float *dw = pw->grad->data;
      if (sn) {
        nets_tensor_zero(nd->saved);
        dw = nd->saved->data;
      }
      nets_conv2d_backward(&nd->conv, a->out->data, n, a->h, a->w, wt, dpre, da, dw, db, g->ws,
                           g->ws_size);
      if (sn) {
        const nets_conv_shape *s = &nd->conv;
        nets_specnorm_backward(nd->w_eff, nd->saved->data, s->cout, s->cin * s->k * s->k,
                               g->params[nd->p_u].value->data, nd->sn_v, nd->sigma,
                               pw->grad->data);
      }
      break;
    }
    case NETS_OP_UP2:
      if (da) nets_up2_backward(nd->grad->data, n, a->c, a->h, a->w, da);
      break;
    case NETS_OP_POOL2:
      if (da) nets_avgpool2_backward(nd->grad->data, n, a->c, a->h, a->w, da);
      break;
    case NETS_OP_CONCAT: {
      float *db = grad_wanted(g, nd->src[1]) ? b->grad->data : NULL;
      nets_concat_backward(nd->grad->data, a->c, b->c, n, nd->h * nd->w, da, db);
      break;
    }
    case NETS_OP_ADD:
      if (da) add_into(da, nd->grad->data, size);
      if (grad_wanted(g, nd->src[1])) add_into(b->grad->data, nd->grad->data, size);
      break;
    case NETS_OP_ACT:
      if (da) {
        nets_act_backward(nd->act, nd->out->data, nd->grad->data, g->scratch, size);
        add_into(da, g->scratch, size);
      }
      break;
    case NETS_OP_ATTEND:
      if (da) {
        const int p = nd->h * nd->w;
        const size_t per = nets_attend_saved_size(nd->c, p), cp = (size_t)nd->c * p;
        for (int s = 0; s < n; s++)
          nets_attend_backward(a->out->data + s * cp, nd->c, p, nd->scale, nd->saved->data + s * per,
                               nd->grad->data + s * cp, da + s * cp, g->scratch);
      }
      break;
    case NETS_OP_INPUT: break;
    }
  }
  return NETS_OK;
}

int nets_graph_freeze_upto(nets_graph *g, int node) {
  if (node < 0 || node >= g->n_nodes) return -1;
  g->frozen_upto = node;
  for (int i = 1; i <= node; i++) {
    const nets_node *nd = &g->nodes[i];
    const int ps[3] = {nd->p_weight, nd->p_bias, nd->p_u};
    for (int k = 0; k < 3; k++)
      if (ps[k] >= 0) g->params[ps[k]].trainable = 0;
  }
  return 0;
}

void nets_graph_zero_grad(nets_graph *g) {
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].grad) nets_tensor_zero(g->params[i].grad);
}

void nets_graph_init_params(nets_graph *g, uint64_t seed) {
  nets_rng rng;
  nets_rng_seed(&rng, seed);
  for (int i = 1; i < g->n_nodes; i++) {
    nets_node *nd = &g->nodes[i];
    if (nd->op != NETS_OP_CONV && nd->op != NETS_OP_GCONV) continue;
    const nets_conv_shape *s = &nd->conv;
    const int fan_in = s->cin * s->k * s->k;
    /* He-normal for rectifiers; Xavier-like for linear/sigmoid/tanh outputs. */
    float gain = (nd->act == NETS_ACT_RELU || nd->act == NETS_ACT_LRELU || nd->act == NETS_ACT_ELU)
                     ? sqrtf(2.f) : 1.f;
    const float std = gain / sqrtf((float)fan_in);
    nets_tensor *w = g->params[nd->p_weight].value;
    for (size_t j = 0; j < nets_tensor_size(w); j++) w->data[j] = std * nets_rng_normal(&rng);
    if (nd->p_bias >= 0) nets_tensor_zero(g->params[nd->p_bias].value);
    if (nd->p_u >= 0) {
      nets_tensor *u = g->params[nd->p_u].value;
      double s2 = 0;
      for (size_t j = 0; j < nets_tensor_size(u); j++) {
        u->data[j] = nets_rng_normal(&rng);
        s2 += (double)u->data[j] * u->data[j];
      }
      for (size_t j = 0; j < nets_tensor_size(u); j++) u->data[j] /= (float)sqrt(s2);
    }
  }
}

long nets_graph_param_count(const nets_graph *g) {
  long n = 0;
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].trainable) n += (long)nets_tensor_size(g->params[i].value);
  return n;
}

double nets_graph_macs(const nets_graph *g) { return nets_graph_macs_after(g, 0); }

double nets_graph_macs_after(const nets_graph *g, int node) {
  double m = 0;
  for (int i = node + 1; i < g->n_nodes; i++) {
    const nets_node *nd = &g->nodes[i];
    if (nd->op == NETS_OP_CONV || nd->op == NETS_OP_GCONV)
      m += (double)nd->h * nd->w * nd->conv.cout * nd->conv.cin * nd->conv.k * nd->conv.k;
    if (nd->op == NETS_OP_ATTEND) /* the similarities, then the weighted sums */
      m += 2.0 * nd->h * nd->w * nd->h * nd->w * nd->c;
  }
  return m;
}

nets_param *nets_graph_find_param(nets_graph *g, const char *name) {
  for (int i = 0; i < g->n_params; i++)
    if (strcmp(g->params[i].name, name) == 0) return &g->params[i];
  return NULL;
}
