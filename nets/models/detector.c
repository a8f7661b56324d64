/* The mask detector: a small fully convolutional encoder-decoder that labels
 * every pixel (at 1/2 resolution) as covered by a face mask or not.  Boxes
 * and scores come from the connected components of that map
 * (nets_detector_boxes), so boxes and pixel masks always agree. */
#include <stddef.h>

#include "arch.h"

int detector_build(detector_net *net) {
  nets_graph *g = nets_graph_new();
  if (!g) return -1;
  const nets_act A = NETS_ACT_RELU;
  int x = nets_graph_input(g, 3);
  int c1 = nets_graph_conv(g, "c1", x, 16, 3, 2, 1, A, 0);    /* 1/2 */
  int c2 = nets_graph_conv(g, "c2", c1, 32, 3, 2, 1, A, 0);   /* 1/4 */
  int c3 = nets_graph_conv(g, "c3", c2, 32, 3, 1, 1, A, 0);
  int c4 = nets_graph_conv(g, "c4", c3, 64, 3, 2, 1, A, 0);   /* 1/8 */
  int c5 = nets_graph_conv(g, "c5", c4, 64, 3, 1, 1, A, 0);
  int c6 = nets_graph_conv(g, "c6", c5, 96, 3, 2, 1, A, 0);   /* 1/16 */
  int c7 = nets_graph_conv(g, "c7", c6, 96, 3, 1, 2, A, 0);
  int c8 = nets_graph_conv(g, "c8", c7, 96, 3, 1, 4, A, 0);
  int c9 = nets_graph_conv(g, "c9", c8, 128, 3, 2, 1, A, 0);  /* 1/32 */
  int c10 = nets_graph_conv(g, "c10", c9, 128, 3, 1, 2, A, 0);
  int u = nets_graph_up2(g, c10);                              /* 1/16 */
  u = nets_graph_conv(g, "u1", nets_graph_concat(g, u, c8), 64, 3, 1, 1, A, 0);
  u = nets_graph_up2(g, u);                                    /* 1/8 */
  u = nets_graph_conv(g, "u2", nets_graph_concat(g, u, c5), 48, 3, 1, 1, A, 0);
  u = nets_graph_up2(g, u);                                    /* 1/4 */
  u = nets_graph_conv(g, "u3", nets_graph_concat(g, u, c3), 16, 3, 1, 1, A, 0);
  u = nets_graph_up2(g, u);                                    /* 1/2 */
  u = nets_graph_conv(g, "u4", nets_graph_concat(g, u, c1), 16, 3, 1, 1, A, 0);
  int out = nets_graph_conv(g, "logit", u, 1, 1, 1, 1, NETS_ACT_NONE, 0);
  if (out < 0) {
    nets_graph_free(g);
    return -1;
  }
  net->g = g;
  net->feat[0] = c1;
  net->feat[1] = c3;
  net->feat[2] = c5;
  net->out = out;
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
