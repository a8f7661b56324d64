/* The face inpainter: a gated-convolution U-Net (DeepFill v2 style gated
 * convs, dilated middle) whose skip connections carry the visible part of the
 * face, followed by a small residual refinement U-Net. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/weights.h"
#include "arch.h"
#include "models.h"

/* The layers version 3 adds: x + gconv(x), same channels; the last layer of
 * the refinement's 32-px level that version 4 adds; the three more that
 * version 6 adds in the same way (two at 16 px, one at 32 px); and the layer
 * that adds version 7's contextual attention to the 32-px features. */
static const char *const residuals[] = {"mid5", "dec1r", "dec2r", "ref4d", "mid6", "mid7", "dec1s", "dec1att"};
enum { N_RESIDUALS = sizeof residuals / sizeof residuals[0] };

/* x + gconv(x) when `on`, else x. */
static int residual(nets_graph *g, int on, int k, int x, int dil) {
  if (!on || x < 0) return x;
  return nets_graph_add(g, x, nets_graph_gconv(g, residuals[k], x, g->nodes[x].c, 3, 1, dil, NETS_ACT_ELU));
}

int inpainter_version(const char *arch) {
  const size_t n = strlen(INPAINTER_ARCH_PREFIX);
  if (!arch || strncmp(arch, INPAINTER_ARCH_PREFIX, n)) return 0;
  for (int v = 2; v <= 7; v++)
    if (arch[n] == '0' + v && !arch[n + 1]) return v;
  return 0;
}

void inpainter_zero_residuals(inpainter_net *net) {
  for (int k = 0; k < N_RESIDUALS; k++) { /* those the version has */
    char name[64];
    snprintf(name, sizeof name, "%s.weight", residuals[k]);
    nets_param *w = nets_graph_find_param(net->g, name);
    if (w) memset(w->value->data, 0, nets_tensor_size(w->value) / 2 * sizeof(float));
  }
}

int inpainter_build_from(inpainter_net *net, const nets_st_file *f, const char *path,
                         nets_error *err) {
  const char *arch = nets_st_meta(f, "arch");
  const int version = inpainter_version(arch);
  if (!version)
    return nets_error_set(err, NETS_ERR_FORMAT, "%s: not inpainter weights (arch \"%s\")", path,
                          arch ? arch : "none");
  if (inpainter_build(net, version))
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the inpainter");
  int rc = nets_graph_load_file(net->g, f, path, net->arch, err);
  if (rc) {
    nets_graph_free(net->g);
    net->g = NULL;
  }
  return rc;
}

int inpainter_build(inpainter_net *net, int version) {
  if (version < 2 || version > 7) return -1;
  nets_graph *g = nets_graph_new();
  if (!g) return -1;
  const nets_act A = NETS_ACT_ELU;
  int x = nets_graph_input(g, inpainter_inputs(version));
  int e1 = nets_graph_gconv(g, "enc1", x, 16, 5, 1, 1, A);     /* 128 */
  int e2 = nets_graph_gconv(g, "enc2", e1, 32, 3, 2, 1, A);    /* 64 */
  int e3 = nets_graph_gconv(g, "enc3", e2, 48, 3, 1, 1, A);
  int e4 = nets_graph_gconv(g, "enc4", e3, 96, 3, 2, 1, A);    /* 32 */
  int e5 = nets_graph_gconv(g, "enc5", e4, 96, 3, 1, 1, A);
  int e6 = nets_graph_gconv(g, "enc6", e5, 128, 3, 2, 1, A);   /* 16 */
  int m = nets_graph_gconv(g, "mid1", e6, 128, 3, 1, 2, A);
  m = nets_graph_gconv(g, "mid2", m, 128, 3, 1, 4, A);
  m = nets_graph_gconv(g, "mid3", m, 128, 3, 1, 8, A);
  m = nets_graph_gconv(g, "mid4", m, 128, 3, 1, 1, A);
  m = residual(g, version >= 3, 0, m, 2);
  m = residual(g, version == 6, 4, m, 4);
  m = residual(g, version == 6, 5, m, 8);
  int d = nets_graph_up2(g, m);                                 /* 32 */
  d = nets_graph_gconv(g, "dec1", nets_graph_concat(g, d, e5), 64, 3, 1, 1, A);
  d = residual(g, version >= 3, 1, d, 1);
  d = residual(g, version == 6, 6, d, 2);
  if (version == 7) { /* d + gconv(d ++ attention over d): the hole copies from the visible face */
    const int att = nets_graph_attend(g, d, x, 3, 10.0f);
    d = nets_graph_add(g, d, nets_graph_gconv(g, residuals[7], nets_graph_concat(g, d, att), 64, 3, 1, 1, A));
  }
  d = nets_graph_up2(g, d);                                     /* 64 */
  d = nets_graph_gconv(g, "dec2", nets_graph_concat(g, d, e3), 32, 3, 1, 1, A);
  d = residual(g, version >= 3, 2, d, 1);
  d = nets_graph_up2(g, d);                                     /* 128 */
  d = nets_graph_gconv(g, "dec3", nets_graph_concat(g, d, e1), 16, 3, 1, 1, A);
  int coarse = nets_graph_conv(g, "coarse", d, 3, 3, 1, 1, NETS_ACT_TANH, 0);
  /* refinement: a small second U-Net that sees the coarse result, the input
   * and the decoder features, and adds a correction to the coarse result
   * (so it starts from, and can only be trained away from, the coarse face) */
  int r = nets_graph_concat(g, nets_graph_concat(g, coarse, x), d);
  int r1 = nets_graph_gconv(g, "ref1", r, 16, 3, 1, 1, A);          /* 128 */
  r = nets_graph_gconv(g, "ref2", r1, 32, 3, 2, 1, A);              /* 64 */
  r = nets_graph_gconv(g, "ref3", r, 32, 3, 1, 2, A);
  r = nets_graph_gconv(g, "ref4", r, 32, 3, 1, 4, A);
  if (version == 4) { /* a 32-px level, added to the 64-px features */
    int q = nets_graph_gconv(g, "ref4a", r, 64, 3, 2, 1, A);         /* 32 */
    q = nets_graph_gconv(g, "ref4b", q, 64, 3, 1, 2, A);
    q = nets_graph_gconv(g, "ref4c", q, 64, 3, 1, 4, A);
    q = nets_graph_up2(g, q);                                        /* 64 */
    r = nets_graph_add(g, r, nets_graph_gconv(g, "ref4d", q, 32, 3, 1, 1, A));
  }
  r = nets_graph_up2(g, r);                                          /* 128 */
  r = nets_graph_gconv(g, "ref5", nets_graph_concat(g, r, r1), 16, 3, 1, 1, A);
  int delta = nets_graph_conv(g, "refine_delta", r, 3, 3, 1, 1, NETS_ACT_NONE, 0);
  int out = nets_graph_add(g, coarse, delta);
  if (out < 0) {
    nets_graph_free(g);
    return -1;
  }
  net->g = g;
  net->coarse = coarse;
  net->out = out;
  net->version = version;
  snprintf(net->arch, sizeof net->arch, "%s%d", INPAINTER_ARCH_PREFIX, version);
  return 0;
}

int inpainter_inputs(int version) { return version >= 5 ? 5 : 4; }

/* Copies src (shape n x cs x k x k) into dst (n x cd x k x k, cd > cs)
 * with cd - cs zero input channels inserted at channel `at`. */
static void widen(const nets_st_tensor *src, nets_tensor *dst, int at) {
  const int cs = (int)src->shape[1], cd = dst->c, kk = dst->h * dst->w, extra = cd - cs;
  for (int o = 0; o < dst->n; o++) {
    float *d = dst->data + (size_t)o * cd * kk;
    const float *s = src->data + (size_t)o * cs * kk;
    memcpy(d, s, sizeof(float) * (size_t)at * kk);
    memset(d + (size_t)at * kk, 0, sizeof(float) * (size_t)extra * kk);
    memcpy(d + (size_t)(at + extra) * kk, s + (size_t)at * kk, sizeof(float) * (size_t)(cs - at) * kk);
  }
}

int inpainter_widen_from(inpainter_net *net, const char *path, int *n_taken, nets_error *err) {
  if (net->version < 5) return NETS_OK;
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err ? err->code : NETS_ERR_FORMAT;
  /* enc1 sees the input (the sketch is its last channel); ref1 sees the
   * coarse result (3), then the input, then the decoder's features */
  static const struct { const char *name; int at; } layers[] = {{"enc1.weight", 4}, {"ref1.weight", 3 + 4}};
  for (int k = 0; k < 2; k++) {
    nets_param *p = nets_graph_find_param(net->g, layers[k].name);
    const nets_st_tensor *st = nets_st_find(f, layers[k].name);
    if (!p || !st || st->ndim != 4) continue;
    const nets_tensor *t = p->value;
    if (st->shape[0] != t->n || st->shape[1] != t->c - 1 || st->shape[2] != t->h || st->shape[3] != t->w)
      continue;
    widen(st, p->value, layers[k].at);
    if (n_taken) (*n_taken)++;
  }
  nets_st_free(f);
  return NETS_OK;
}

void inpainter_pack(const float *rgb, const float *hole, const float *sketch, int inputs, int size,
                    float *dst) {
  const int hw = size * size;
  for (int p = 0; p < hw; p++) {
    const float keep = hole[p] > 0.5f ? 0.f : 1.f;
    for (int c = 0; c < 3; c++) dst[c * hw + p] = keep * (2.f * rgb[p * 3 + c] - 1.f);
    dst[3 * hw + p] = 1.f - keep;
    if (inputs > 4) dst[4 * hw + p] = sketch ? sketch[p] : 0.f;
  }
}

void inpainter_unpack(const float *src, int size, float *rgb) {
  const int hw = size * size;
  for (int p = 0; p < hw; p++)
    for (int c = 0; c < 3; c++) {
      float v = 0.5f * (src[c * hw + p] + 1.f);
      rgb[p * 3 + c] = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
    }
}
