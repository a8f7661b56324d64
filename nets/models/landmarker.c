/* The landmark predictor: where the 68 face landmarks of a masked crop are,
 * the hidden ones (jaw, nose, lips) included.  A small fully convolutional
 * network gives one map of logits per landmark at a quarter of the crop's
 * resolution; each landmark is the soft-argmax of its map (the expected
 * position under the map's softmax), which the trainer fits with an L1 loss
 * on the positions (nets_loss_softargmax_l1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/loss.h"
#include "../core/weights.h"
#include "arch.h"

int landmarker_build(landmarker_net *net) {
  nets_graph *g = nets_graph_new();
  if (!g) return -1;
  const nets_act A = NETS_ACT_RELU;
  int x = nets_graph_input(g, 4);                                   /* the inpainter's input */
  int c1 = nets_graph_conv(g, "lm1", x, 24, 3, 2, 1, A, 0);         /* 64 */
  int c2 = nets_graph_conv(g, "lm2", c1, 32, 3, 1, 1, A, 0);
  int c3 = nets_graph_conv(g, "lm3", c2, 64, 3, 2, 1, A, 0);        /* 32 */
  int c4 = nets_graph_conv(g, "lm4", c3, 64, 3, 1, 1, A, 0);
  int c5 = nets_graph_conv(g, "lm5", c4, 96, 3, 2, 1, A, 0);        /* 16 */
  int c6 = nets_graph_conv(g, "lm6", c5, 96, 3, 1, 2, A, 0);
  int c7 = nets_graph_conv(g, "lm7", c6, 96, 3, 1, 4, A, 0);        /* sees the whole crop */
  int u = nets_graph_concat(g, nets_graph_up2(g, c7), c4);          /* 32 */
  int c8 = nets_graph_conv(g, "lm8", u, 64, 3, 1, 1, A, 0);
  int out = nets_graph_conv(g, "lm_out", c8, LANDMARKER_POINTS, 1, 1, 1, NETS_ACT_NONE, 0);
  if (out < 0) {
    nets_graph_free(g);
    return -1;
  }
  net->g = g;
  net->out = out;
  snprintf(net->arch, sizeof net->arch, "%s", LANDMARKER_ARCH);
  return 0;
}

int landmarker_load(landmarker_net *net, const char *path, nets_error *err) {
  if (landmarker_build(net)) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the landmark network");
  int rc = nets_graph_load(net->g, path, net->arch, err);
  if (rc) {
    nets_graph_free(net->g);
    net->g = NULL;
  }
  return rc;
}

void landmarker_points(const float *logits, float *lm) {
  const int m = NETS_INPAINT_SIZE / LANDMARKER_CELL;
  nets_loss_softargmax_l1(logits, LANDMARKER_POINTS, m, m, LANDMARKER_CELL, 0.5f * (LANDMARKER_CELL - 1),
                          NULL, 0.f, NULL, lm);
}
