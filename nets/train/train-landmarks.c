/* unmask-train landmarks: trains the landmark predictor (nets/models/
 * landmarker.c) on the inpainter's masked crops, whose 68 true landmarks the
 * synthesis knows: soft-argmax positions, L1 loss in crop pixels.
 * Resumable like the other trainers. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/adam.h"
#include "../core/blas.h"
#include "../core/loss.h"
#include "../core/parallel.h"
#include "../core/weights.h"
#include "../models/arch.h"
#include "../pipeline/hole.h"
#include "../synth/synth.h"
#include "checkpoint.h"
#include "landmark-crops.h"
#include "train-common.h"
#include "train.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static void usage(void) {
  printf("usage: unmask-train landmarks [options]\n" TRAIN_OPTS_HELP
         "  --lr R             Adam learning rate (default 1e-3)\n"
         "  --hole-grow N      grow each training hole by 0..N px (default 8), as the\n"
         "                     inpainter's training does\n"
         "Defaults: --run runs/landmarks --steps 100000 --batch 16 --sample-every 500.\n"
         "The log's columns are the mean error per point (|dx| + |dy|, crop pixels at\n"
         "128) over all 68 points and over the hidden ones (jaw, nose, lips).\n");
}

/* Held-out crops with the true (red) and predicted (green) drawings. */
static int write_samples(const char *run, long step, unmask_synth *syn, landmarker_net *net,
                         landmark_batch *b, nets_error *err) {
  const int s = NETS_INPAINT_SIZE, hw = s * s, rows = b->n < 8 ? b->n : 8;
  int rc = landmark_batch_make(syn, 1, 777, 0, b, err);
  if (rc || (rc = nets_graph_forward(net->g, b->x, err))) return rc;
  float *tiles = malloc(sizeof(float) * rows * hw * 3), *sk = malloc(sizeof(float) * hw);
  const float **grid = malloc(sizeof(float *) * rows);
  if (!tiles || !sk || !grid) {
    free(tiles), free(sk), free(grid);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  const float *maps = nets_graph_output(net->g, net->out)->data;
  const size_t per = nets_tensor_size(nets_graph_output(net->g, net->out)) / (size_t)b->n;
  for (int i = 0; i < rows; i++) {
    float *t = tiles + (size_t)i * hw * 3, lm[136];
    memcpy(t, b->masked + (size_t)i * hw * 3, sizeof(float) * hw * 3);
    unmask_landmark_sketch(b->lm + (size_t)i * 136, s, sk);
    train_overlay(t, sk, hw, 0);
    landmarker_points(maps + per * i, lm);
    unmask_landmark_sketch(lm, s, sk);
    train_overlay(t, sk, hw, 1);
    grid[i] = t;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/samples/step-%07ld.png", run, step);
  rc = train_grid_png(path, 2, rows / 2, s, grid, err);
  free(tiles), free(sk), free(grid);
  return rc;
}

int train_landmarks_main(int argc, char **argv) {
  train_opts t;
  train_opts_default(&t, "runs/landmarks", 100000);
  t.batch = 16;
  float lr = 1e-3f;
  int grow = 8;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--lr") && v) lr = (float)atof(argv[++i]);
    else if (!strcmp(a, "--hole-grow") && v) grow = atoi(argv[++i]);
    else {
      int help = !strcmp(a, "--help") || !strcmp(a, "-h");
      if (!help) fprintf(stderr, "unknown or incomplete option %s\n", a);
      usage();
      return help ? 0 : 2;
    }
  }
  if (train_opts_finish(&t)) return 2;
  if (!(lr > 0) || grow < 0 || grow > 16) {
    fprintf(stderr, "--lr must be positive and --hole-grow 0..16\n");
    return 2;
  }
  nets_error err = {0};
  char path[4096];
  snprintf(path, sizeof path, "%s/samples", t.run);
  if (nets_blas_init(&err) || train_mkdirs(path)) {
    fprintf(stderr, "unmask-train: %s\n", err.code ? err.msg : "cannot create the run folder");
    return 1;
  }
  unmask_synth *syn = train_opts_synth(&t, &err);
  landmarker_net net = {0};
  if (!syn || landmarker_build(&net)) {
    fprintf(stderr, "unmask-train: %s\n", syn ? "cannot build the network" : err.msg);
    unmask_synth_free(syn);
    return 1;
  }
  nets_graph_init_params(net.g, t.seed);
  const int S = NETS_INPAINT_SIZE, B = t.batch, M = S / LANDMARKER_CELL;
  nets_adam opt;
  nets_adam_default(&opt, lr);
  nets_ema ema_store, *ema = NULL;
  landmark_batch b = {0};
  int rc = landmark_batch_init(&b, B, grow, &err);
  if (!rc) rc = nets_graph_prepare(net.g, B, S, S, 1, &err);
  if (!rc && t.ema > 0 && !(rc = nets_ema_init(&ema_store, net.g, t.ema, &err))) ema = &ema_store;
  long step = 0;
  double wall_before = 0;
  char s_cfg[512], s_step[32], s_wall[32];
  const char *meta[] = {"arch", net.arch, "step", s_step, "wall_seconds", s_wall, "training", s_cfg,
                        "data", t.csv, NULL};
  const train_net nets[1] = {{"landmarks", net.arch, net.g, &opt, meta, ema}};
  int resumed = rc ? 0 : train_checkpoint_resume(t.run, nets, 1, &step, &wall_before, &err);
  if (resumed < 0) rc = err.code;
  if (resumed > 0) printf("resuming %s at step %ld\n", t.run, step);
  if (!resumed && !rc && t.init) {
    int taken = 0;
    if (!(rc = nets_graph_load_matching(net.g, t.init, &taken, &err)))
      printf("starting from %s: %d of %d tensors taken\n", t.init, taken, net.g->n_params);
    if (!rc && ema) nets_ema_reset(ema, net.g);
  }
  train_log log;
  snprintf(path, sizeof path, "%s/log.csv", t.run);
  if (!rc) rc = train_log_open(&log, path, "step,error_all,error_hidden,images_per_s,hours", step, &err);
  const size_t per = (size_t)LANDMARKER_POINTS * M * M;
  float *grad = malloc(sizeof(float) * per * B), *xy = malloc(sizeof(float) * 136 * B);
  if (!rc && (!grad || !xy)) rc = nets_error_set(&err, NETS_ERR_NOMEM, "out of memory");
  if (rc) {
    fprintf(stderr, "unmask-train: %s\n", err.msg);
    free(grad), free(xy);
    landmark_batch_free(&b);
    if (ema) nets_ema_free(ema);
    nets_graph_free(net.g);
    unmask_synth_free(syn);
    return 1;
  }
  snprintf(s_cfg, sizeof s_cfg, "batch %d, Adam lr %g, soft-argmax L1 on all 68 points, holes grown 0-%d px, seed %llu%s%s",
           B, lr, grow, t.seed, t.kind_weights[0] ? ", mask kind weights " : "", t.kind_weights);
  nets_graph_prepare(net.g, 1, S, S, 1, &err);
  printf("landmark network: %ld parameters, %.3f GMAC per crop; %d threads\n", nets_graph_param_count(net.g),
         nets_graph_macs(net.g) * 1e-9, nets_parallel_get_threads());
  nets_graph_prepare(net.g, B, S, S, 1, &err);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  const double t_start = train_now();
  double acc_all = 0, acc_hidden = 0, t_log = t_start;
  int acc_n = 0;
  while (step < t.steps && !stop_requested) {
    if (t.hours > 0 && train_now() - t_start > t.hours * 3600) break;
    if ((rc = landmark_batch_make(syn, 0, t.seed, (uint64_t)step * B, &b, &err))) break;
    if ((rc = nets_graph_forward(net.g, b.x, &err))) break;
    const float *maps = nets_graph_output(net.g, net.out)->data;
    for (int i = 0; i < B; i++) {
      float target[136];
      landmark_target(b.lm + (size_t)i * 136, target);
      acc_all += nets_loss_softargmax_l1(maps + per * i, LANDMARKER_POINTS, M, M, LANDMARKER_CELL,
                                         0.5f * (LANDMARKER_CELL - 1), target, 1.f / B, grad + per * i,
                                         xy + (size_t)136 * i) / B;
      acc_hidden += landmark_error_hidden(xy + (size_t)136 * i, target) / B;
    }
    nets_graph_zero_grad(net.g);
    if ((rc = nets_graph_backward(net.g, net.out, grad, &err))) break;
    nets_adam_step(&opt, net.g, &err);
    if (ema) nets_ema_update(ema, net.g);
    step++;
    acc_n++;
    if (step % t.log_every == 0) {
      const double now = train_now(), hours = (wall_before + now - t_start) / 3600;
      double row[5] = {(double)step, acc_all / acc_n, acc_hidden / acc_n, acc_n * B / (now - t_log), hours};
      train_log_row(&log, row);
      printf("step %7ld  error all %.2f px  hidden %.2f px  %.1f img/s  %.2f h\n", step, row[1], row[2], row[3],
             hours);
      fflush(stdout);
      acc_all = acc_hidden = 0, acc_n = 0, t_log = now;
    }
    if (step % t.sample_every == 0) {
      const int cols[] = {1, 2};
      char png[4096];
      snprintf(png, sizeof png, "%s/loss.png", t.run);
      if (train_plot_csv(path, cols, 2, png, &err)) fprintf(stderr, "plot: %s\n", err.msg);
      if (write_samples(t.run, step, syn, &net, &b, &err)) fprintf(stderr, "samples: %s\n", err.msg);
    }
    if (step % t.save_every == 0) {
      snprintf(s_step, sizeof s_step, "%ld", step);
      snprintf(s_wall, sizeof s_wall, "%.0f", wall_before + train_now() - t_start);
      if (train_checkpoint_save(t.run, nets, 1, step, wall_before + train_now() - t_start, &err))
        fprintf(stderr, "checkpoint: %s\n", err.msg);
    }
  }
  if (rc) fprintf(stderr, "unmask-train: %s\n", err.msg);
  snprintf(s_step, sizeof s_step, "%ld", step);
  snprintf(s_wall, sizeof s_wall, "%.0f", wall_before + train_now() - t_start);
  if (!train_checkpoint_save(t.run, nets, 1, step, wall_before + train_now() - t_start, &err))
    printf("saved %s at step %ld\n", t.run, step);
  train_log_close(&log);
  free(grad), free(xy);
  landmark_batch_free(&b);
  if (ema) nets_ema_free(ema);
  nets_graph_free(net.g);
  unmask_synth_free(syn);
  return rc ? 1 : 0;
}
