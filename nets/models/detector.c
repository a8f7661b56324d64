/* The mask detector: a small fully convolutional encoder-decoder that labels
 * every pixel (at 1/2 resolution) as covered by a face mask or not.  Boxes
 * and scores come from the connected components of that map
 * (nets_detector_boxes), so boxes and pixel masks always agree. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../core/weights.h"
#include "arch.h"

/* The blocks version 3 adds at 1/32: x + conv(relu(conv(x))). */
static const char *const blocks[][2] = {{"r1a", "r1b"}, {"r2a", "r2b"}};

static int block(nets_graph *g, int version, int k, int x, int dil) {
  if (version != 3 || x < 0) return x;
  const int c = g->nodes[x].c;
  int r = nets_graph_conv(g, blocks[k][0], x, c, 3, 1, dil, NETS_ACT_RELU, 0);
  return nets_graph_add(g, x, nets_graph_conv(g, blocks[k][1], r, c, 3, 1, dil, NETS_ACT_NONE, 0));
}

/* The bottleneck blocks version 4 adds at 1/8 (b1, b2) and 1/16 (b3, b4),
 * where faces of 24-60 px are a few cells wide:
 * x + 1x1(relu(3x3(relu(1x1(x))))) with half of x's channels inside. */
static const char *const necks[][3] = {
    {"b1a", "b1b", "b1c"}, {"b2a", "b2b", "b2c"}, {"b3a", "b3b", "b3c"}, {"b4a", "b4b", "b4c"}};

static int neck(nets_graph *g, int version, int k, int x, int dil) {
  if (version < 4 || x < 0) return x;
  const int c = g->nodes[x].c, m = c / 2;
  int r = nets_graph_conv(g, necks[k][0], x, m, 1, 1, 1, NETS_ACT_RELU, 0);
  r = nets_graph_conv(g, necks[k][1], r, m, 3, 1, dil, NETS_ACT_RELU, 0);
  return nets_graph_add(g, x, nets_graph_conv(g, necks[k][2], r, c, 1, 1, 1, NETS_ACT_NONE, 0));
}

/* The residual blocks version 5 adds to the decoder, after u2 (1/8), u3
 * (1/4) and u4 (1/2), where the map's edges are drawn and touching
 * coverings kept apart: x + 3x3(relu(3x3(x))) with mid channels inside. */
static const char *const refines[][2] = {{"r8a", "r8b"}, {"r4a", "r4b"}, {"r2a", "r2b"}};

static int refine(nets_graph *g, int version, int k, int x, int mid) {
  if (version < 5 || x < 0) return x;
  const int c = g->nodes[x].c;
  int r = nets_graph_conv(g, refines[k][0], x, mid, 3, 1, 1, NETS_ACT_RELU, 0);
  return nets_graph_add(g, x, nets_graph_conv(g, refines[k][1], r, c, 3, 1, 1, NETS_ACT_NONE, 0));
}

int detector_version(const char *arch) {
  const size_t n = strlen(DETECTOR_ARCH_PREFIX);
  if (!arch || strncmp(arch, DETECTOR_ARCH_PREFIX, n)) return 0;
  const char *v = arch + n;
  return !strcmp(v, "2") ? 2 : !strcmp(v, "3") ? 3 : !strcmp(v, "4") ? 4 : !strcmp(v, "5") ? 5 : 0;
}

static void zero_param(nets_graph *g, const char *layer) {
  for (int b = 0; b < 2; b++) {
    char name[64];
    snprintf(name, sizeof name, "%s.%s", layer, b ? "bias" : "weight");
    nets_param *p = nets_graph_find_param(g, name);
    if (p) nets_tensor_zero(p->value);
  }
}

void detector_zero_residuals(detector_net *net) {
  for (int k = 0; net->version == 3 && k < 2; k++) zero_param(net->g, blocks[k][1]);
  for (int k = 0; net->version >= 4 && k < 4; k++) zero_param(net->g, necks[k][2]);
  for (int k = 0; net->version >= 5 && k < 3; k++) zero_param(net->g, refines[k][1]);
}

int detector_load(detector_net *net, const char *path, nets_error *err) {
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return err ? err->code : NETS_ERR_IO;
  const char *arch = nets_st_meta(f, "arch");
  const int version = detector_version(arch);
  int rc;
  if (!version)
    rc = nets_error_set(err, NETS_ERR_FORMAT, "%s: not detector weights (arch \"%s\")", path,
                        arch ? arch : "none");
  else if (detector_build(net, version))
    rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the detector");
  else if ((rc = nets_graph_load_file(net->g, f, path, net->arch, err))) {
    nets_graph_free(net->g);
    net->g = NULL;
  }
  const char *look = rc ? NULL : nets_st_meta(f, NETS_LOOK_META);
  net->n_look = look ? nets_look_parse(look, net->look) : 0;
  if (net->n_look < 0) {
    rc = nets_error_set(err, NETS_ERR_FORMAT, "%s: its %s metadata is not a second-look model", path,
                        NETS_LOOK_META);
    nets_graph_free(net->g);
    net->g = NULL;
  }
  nets_st_free(f);
  return rc;
}

int nets_look_parse(const char *text, float *w) {
  int n = 0, used = 0;
  if (sscanf(text, "look-v1 %d%n", &n, &used) != 1 || n < 1 || n > NETS_LOOK_MAX) return -1;
  const char *s = text + used;
  for (int i = 0; i <= n; i++) {
    char *end = NULL;
    const double v = strtod(s, &end);
    if (end == s || !isfinite(v)) return -1;
    w[i] = (float)v;
    s = end;
  }
  while (*s == ' ') s++;
  return *s ? -1 : n;
}

int detector_build(detector_net *net, int version) {
  if (version < 2 || version > 5) return -1;
  nets_graph *g = nets_graph_new();
  if (!g) return -1;
  const nets_act A = NETS_ACT_RELU;
  int x = nets_graph_input(g, 3);
  int c1 = nets_graph_conv(g, "c1", x, 16, 3, 2, 1, A, 0);    /* 1/2 */
  int c2 = nets_graph_conv(g, "c2", c1, 32, 3, 2, 1, A, 0);   /* 1/4 */
  int c3 = nets_graph_conv(g, "c3", c2, 32, 3, 1, 1, A, 0);
  int c4 = nets_graph_conv(g, "c4", c3, 64, 3, 2, 1, A, 0);   /* 1/8 */
  int c5 = nets_graph_conv(g, "c5", c4, 64, 3, 1, 1, A, 0);
  const int f5 = c5;
  c5 = neck(g, version, 1, neck(g, version, 0, c5, 1), 2);
  int c6 = nets_graph_conv(g, "c6", c5, 96, 3, 2, 1, A, 0);   /* 1/16 */
  int c7 = nets_graph_conv(g, "c7", c6, 96, 3, 1, 2, A, 0);
  int c8 = nets_graph_conv(g, "c8", c7, 96, 3, 1, 4, A, 0);
  c8 = neck(g, version, 3, neck(g, version, 2, c8, 1), 2);
  int c9 = nets_graph_conv(g, "c9", c8, 128, 3, 2, 1, A, 0);  /* 1/32 */
  int c10 = nets_graph_conv(g, "c10", c9, 128, 3, 1, 2, A, 0);
  c10 = block(g, version, 0, c10, 1);
  c10 = block(g, version, 1, c10, 2);
  net->deep = c10;
  int u = nets_graph_up2(g, c10);                              /* 1/16 */
  u = nets_graph_conv(g, "u1", nets_graph_concat(g, u, c8), 64, 3, 1, 1, A, 0);
  u = nets_graph_up2(g, u);                                    /* 1/8 */
  u = nets_graph_conv(g, "u2", nets_graph_concat(g, u, c5), 48, 3, 1, 1, A, 0);
  u = refine(g, version, 0, u, 48);
  net->mid = u;
  u = nets_graph_up2(g, u);                                    /* 1/4 */
  u = nets_graph_conv(g, "u3", nets_graph_concat(g, u, c3), 16, 3, 1, 1, A, 0);
  u = refine(g, version, 1, u, 32);
  u = nets_graph_up2(g, u);                                    /* 1/2 */
  u = nets_graph_conv(g, "u4", nets_graph_concat(g, u, c1), 16, 3, 1, 1, A, 0);
  u = refine(g, version, 2, u, 16);
  int out = nets_graph_conv(g, "logit", u, 1, 1, 1, 1, NETS_ACT_NONE, 0);
  if (out < 0) {
    nets_graph_free(g);
    return -1;
  }
  net->g = g;
  net->feat[0] = c1;
  net->feat[1] = c3;
  net->feat[2] = f5;
  net->out = out;
  net->version = version;
  net->n_look = 0;
  snprintf(net->arch, sizeof net->arch, "%s%d", DETECTOR_ARCH_PREFIX, version);
  return 0;
}

void detector_pack(const float *rgb, int w, int h, int pw, int ph, float *dst) {
  const size_t plane = (size_t)pw * ph;
  for (int y = 0; y < ph; y++) {
    const int sy = y < h ? y : h - 1;
    for (int x = 0; x < pw; x++) {
      const int sx = x < w ? x : w - 1;
      const float *p = rgb + ((size_t)sy * w + sx) * 3;
      for (int c = 0; c < 3; c++) dst[c * plane + (size_t)y * pw + x] = 2.f * p[c] - 1.f;
    }
  }
}
