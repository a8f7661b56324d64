/* SN-PatchGAN critic (Yu et al., DeepFill v2): spectral-normalised strided
 * 5x5 convolutions over image + hole; every output element is the hinge
 * logit of one overlapping patch. */
#include "arch.h"

#include <stdio.h>

int critic_build(critic_net *net, int width) {
  if (width < 8 || width > 256) return -1;
  nets_graph *g = nets_graph_new();
  if (!g) return -1;
  const unsigned SN = NETS_CONV_SPECTRAL;
  const int w = width;
  int x = nets_graph_input(g, 4);
  net->feat[0] = nets_graph_conv(g, "d1", x, w, 5, 2, 1, NETS_ACT_LRELU, SN);                  /* 64 */
  net->feat[1] = nets_graph_conv(g, "d2", net->feat[0], 2 * w, 5, 2, 1, NETS_ACT_LRELU, SN);   /* 32 */
  net->feat[2] = nets_graph_conv(g, "d3", net->feat[1], 4 * w, 5, 2, 1, NETS_ACT_LRELU, SN);   /* 16 */
  net->feat[3] = nets_graph_conv(g, "d4", net->feat[2], 4 * w, 5, 2, 1, NETS_ACT_LRELU, SN);   /* 8 */
  int out = nets_graph_conv(g, "d5", net->feat[3], 1, 3, 1, 1, NETS_ACT_NONE, SN);          /* 8x8 patches */
  if (out < 0) {
    nets_graph_free(g);
    return -1;
  }
  net->g = g;
  net->out = out;
  /* the first critic (width 32) keeps its original name, so old runs resume */
  if (w == 32) snprintf(net->arch, sizeof net->arch, "%s", CRITIC_ARCH);
  else snprintf(net->arch, sizeof net->arch, "%s-w%d", CRITIC_ARCH, w);
  return 0;
}
