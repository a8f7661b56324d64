/* Graph parameters survive a safetensors round trip; files for another model
 * are rejected; optimiser state round-trips too. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "weights.h"

static nets_graph *build(int width) {
  nets_graph *g = nets_graph_new();
  int in = nets_graph_input(g, 3);
  int a = nets_graph_gconv(g, "enc", in, width, 3, 2, 1, NETS_ACT_ELU);
  nets_graph_conv(g, "head", a, 2, 3, 1, 1, NETS_ACT_NONE, NETS_CONV_SPECTRAL);
  return g;
}

int main(void) {
  char dir[] = "/tmp/nets-test-weights-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[256], other[256], opt_path[256];
  snprintf(path, sizeof path, "%s/a.safetensors", dir);
  snprintf(other, sizeof other, "%s/b.safetensors", dir);
  snprintf(opt_path, sizeof opt_path, "%s/a.optim.safetensors", dir);
  nets_error err = {0};

  nets_graph *g = build(4);
  nets_graph_init_params(g, 11);
  const char *meta[] = {"arch", "toy-v1", "trained", "no", NULL};
  CHECK(nets_graph_save(g, path, meta, &err) == 0, "save: %s", err.msg);

  nets_graph *h = build(4);
  nets_graph_init_params(h, 12);
  CHECK(nets_graph_load(h, path, "toy-v1", &err) == 0, "load: %s", err.msg);
  int same = 1;
  for (int i = 0; i < g->n_params; i++)
    same &= memcmp(g->params[i].value->data, h->params[i].value->data,
                   nets_tensor_size(g->params[i].value) * 4) == 0;
  CHECK(same, "parameters differ after the round trip");
  printf("round trip of %d tensors: %s\n", g->n_params, same ? "exact" : "DIFFERENT");

  err.msg[0] = 0;
  CHECK(nets_graph_load(h, path, "other-v1", &err) != 0 && err.msg[0], "wrong arch accepted");
  printf("wrong architecture name rejected: %s\n", err.msg);

  nets_graph *wide = build(6);
  nets_graph_init_params(wide, 1);
  CHECK(nets_graph_save(wide, other, meta, &err) == 0, "save: %s", err.msg);
  err.msg[0] = 0;
  CHECK(nets_graph_load(h, other, "toy-v1", &err) != 0 && err.msg[0], "wrong shapes accepted");
  printf("wrong shapes rejected: %s\n", err.msg);

  /* partial load: only head.bias and head.sn_u have the same name and shape */
  int taken = -1;
  float keep = h->params[0].value->data[0];
  CHECK(nets_graph_load_matching(h, other, &taken, &err) == 0, "load_matching: %s", err.msg);
  CHECK(taken == 2, "load_matching took %d tensors, expected 2", taken);
  CHECK(h->params[0].value->data[0] == keep, "a mismatched tensor was overwritten");
  nets_param *hb = nets_graph_find_param(h, "head.bias"), *wb = nets_graph_find_param(wide, "head.bias");
  CHECK(memcmp(hb->value->data, wb->value->data, 2 * sizeof(float)) == 0, "head.bias not taken");
  printf("partial load: %d matching tensors taken\n", taken);

  /* optimiser state */
  nets_adam opt;
  nets_adam_default(&opt, 1e-3f);
  CHECK(nets_graph_prepare(g, 1, 8, 8, 1, &err) == 0, "prepare: %s", err.msg);
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].grad)
      for (size_t j = 0; j < nets_tensor_size(g->params[i].grad); j++) g->params[i].grad->data[j] = 0.01f * (float)j;
  nets_adam_step(&opt, g, &err);
  nets_adam_step(&opt, g, &err);
  CHECK(nets_adam_save(&opt, g, opt_path, &err) == 0, "adam save: %s", err.msg);
  nets_adam opt2;
  nets_adam_default(&opt2, 1e-3f);
  CHECK(nets_adam_load(&opt2, h, opt_path, &err) == 0, "adam load: %s", err.msg);
  CHECK(opt2.step == 2, "adam step %ld", opt2.step);
  int msame = 1;
  for (int i = 0; i < g->n_params; i++)
    if (g->params[i].m)
      msame &= memcmp(g->params[i].m->data, h->params[i].m->data, nets_tensor_size(g->params[i].m) * 4) == 0;
  CHECK(msame, "Adam moments differ after the round trip");
  printf("optimiser state round trip: %s, step %ld\n", msame ? "exact" : "DIFFERENT", opt2.step);

  unlink(path); unlink(other); unlink(opt_path); rmdir(dir);
  nets_graph_free(g); nets_graph_free(h); nets_graph_free(wide);
  return check_report("test-weights");
}
