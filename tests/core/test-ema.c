/* The weight average: its warm-up and decay against a direct computation,
 * swapping in and out, reset, and the spectral-norm vector that is copied
 * rather than averaged. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ema.h"
#include "graph.h"

/* Set every trainable value of g to v. */
static void fill(nets_graph *g, float v) {
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].trainable)
      for (size_t j = 0; j < nets_tensor_size(g->params[i].value); j++) g->params[i].value->data[j] = v;
}

int main(void) {
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, 2);
  int h = nets_graph_conv(g, "h", in, 4, 3, 1, 1, NETS_ACT_RELU, 0);
  nets_graph_conv(g, "d", h, 1, 3, 1, 1, NETS_ACT_NONE, NETS_CONV_SPECTRAL);
  nets_graph_init_params(g, 3);
  nets_error err = {0};
  nets_ema e;
  CHECK(nets_ema_init(&e, g, 1.f, &err) != 0, "decay 1 accepted");
  CHECK(nets_ema_init(&e, g, -0.1f, &err) != 0, "negative decay accepted");
  fill(g, 0.f);
  CHECK(nets_ema_init(&e, g, 0.9f, &err) == 0, "init: %s", err.msg);
  int sn = -1;
  for (int i = 0; i < g->n_params; i++)
    if (!g->params[i].trainable) sn = i;
  CHECK(sn >= 0, "the spectral-norm layer has a vector that is not trained");
  /* values 1, 2, ..., 40 in turn; the average, computed here step by step */
  double want = 0;
  for (int t = 1; t <= 40; t++) {
    fill(g, (float)t);
    if (sn >= 0) g->params[sn].value->data[0] = (float)(100 + t);
    nets_ema_update(&e, g);
    double d = (1.0 + t) / (10.0 + t);
    if (d > 0.9) d = 0.9;
    want = d * want + (1 - d) * t;
  }
  const nets_tensor *w0 = g->params[0].value;
  float *keep = malloc(nets_tensor_size(w0) * sizeof(float));
  memcpy(keep, w0->data, nets_tensor_size(w0) * sizeof(float));
  nets_ema_swap(&e, g);
  double worst = 0;
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].trainable)
      for (size_t j = 0; j < nets_tensor_size(g->params[i].value); j++)
        worst = fmax(worst, fabs(g->params[i].value->data[j] - want));
  printf("average after 40 updates %.4f (last value 40), largest error %.2g\n", want, worst);
  CHECK(worst < 1e-4 * want, "averaged weights differ from the direct computation by %g", worst);
  CHECK(want > 30 && want < 39, "the average %.2f does not lag the last value", want);
  CHECK(sn < 0 || g->params[sn].value->data[0] == 140.f, "spectral-norm vector averaged (%g), not copied",
        sn >= 0 ? g->params[sn].value->data[0] : 0);
  nets_ema_swap(&e, g);
  CHECK(!memcmp(keep, w0->data, nets_tensor_size(w0) * sizeof(float)), "two swaps do not restore the weights");
  /* reset: the average is the current weights again, and warms up anew */
  nets_ema_reset(&e, g);
  CHECK(e.updates == 0, "reset keeps %ld updates", e.updates);
  fill(g, 0.f);
  nets_ema_update(&e, g); /* d = 2/11: 40 * 2/11 */
  nets_ema_swap(&e, g);
  CHECK(fabsf(g->params[0].value->data[0] - 40.f * 2.f / 11.f) < 1e-4f, "after reset and one update: %g",
        g->params[0].value->data[0]);
  nets_ema_swap(&e, g);
  free(keep);
  nets_ema_free(&e);
  nets_graph_free(g);
  return check_report("test-ema");
}
