/* nets-bench: GEMM and convolution throughput on this machine.
 * Prints GFLOP/s for plain SGEMM and for convolution forward and backward on
 * the shapes our models use, at 1 and 2 threads, and the OpenBLAS kernel.
 * Also times the models' forward passes.  Usage: nets-bench [--quick] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "blas.h"
#include "conv.h"
#include "models.h"
#include "parallel.h"
#include "rng.h"
#include "tensor.h"
#include "weights.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *rand_floats(size_t n, nets_rng *r) {
  float *p = nets_alloc_floats(n);
  for (size_t i = 0; i < n; i++) p[i] = nets_rng_range(r, -1.f, 1.f);
  return p;
}

/* Best of `reps` timings of fn, at least min_time seconds in total. */
#define TIME_BEST(best, reps, body)                        \
  do {                                                     \
    best = 1e9;                                            \
    for (int rep_ = 0; rep_ < (reps); rep_++) {            \
      double t0_ = now();                                  \
      body;                                                \
      double dt_ = now() - t0_;                            \
      if (dt_ < best) best = dt_;                          \
    }                                                      \
  } while (0)

static double bench_sgemm(int m, int n, int k, int reps, nets_rng *r) {
  float *a = rand_floats((size_t)m * k, r), *b = rand_floats((size_t)k * n, r);
  float *c = nets_alloc_floats((size_t)m * n);
  nets_sgemm(0, 0, m, n, k, 1.f, a, k, b, n, 0.f, c, n);
  double best;
  TIME_BEST(best, reps, nets_sgemm(0, 0, m, n, k, 1.f, a, k, b, n, 0.f, c, n));
  nets_free_floats(a); nets_free_floats(b); nets_free_floats(c);
  return 2.0 * m * n * k / best * 1e-9;
}

typedef struct {
  const char *name;
  int n, cin, cout, h, w, k, stride, dil;
} conv_case;

static void bench_conv(const conv_case *cc, int reps, nets_rng *r, double *fwd, double *bwd,
                       double *gemm) {
  nets_conv_shape s = {cc->cin, cc->cout, cc->k, cc->stride, cc->dil * (cc->k - 1) / 2, cc->dil};
  const int oh = nets_conv_out_size(cc->h, s.k, s.stride, s.pad, s.dil);
  const int ow = nets_conv_out_size(cc->w, s.k, s.stride, s.pad, s.dil);
  const size_t nx = (size_t)cc->n * cc->cin * cc->h * cc->w, ny = (size_t)cc->n * cc->cout * oh * ow;
  const size_t nw = (size_t)cc->cout * cc->cin * cc->k * cc->k;
  float *x = rand_floats(nx, r), *wt = rand_floats(nw, r), *b = rand_floats(cc->cout, r);
  float *y = nets_alloc_floats(ny), *dy = rand_floats(ny, r), *dx = nets_alloc_floats(nx);
  float *dw = nets_alloc_floats(nw), *db = nets_alloc_floats(cc->cout);
  const size_t ws_floats = nets_conv_workspace(&s, cc->n, cc->h, cc->w, 1);
  float *ws = nets_alloc_floats(ws_floats + 1);
  const double flops = 2.0 * cc->n * oh * ow * cc->cout * (double)cc->cin * cc->k * cc->k;
  double t;
  nets_conv2d_forward(&s, x, cc->n, cc->h, cc->w, wt, b, y, ws, ws_floats);
  TIME_BEST(t, reps, nets_conv2d_forward(&s, x, cc->n, cc->h, cc->w, wt, b, y, ws, ws_floats));
  *fwd = flops / t * 1e-9;
  TIME_BEST(t, reps, nets_conv2d_backward(&s, x, cc->n, cc->h, cc->w, wt, dy, dx, dw, db, ws, ws_floats));
  *bwd = 2 * flops / t * 1e-9; /* backward = data + weight gradients */
  /* plain SGEMM of the same shape, batched like the convolution */
  const int kk = cc->cin * cc->k * cc->k, hw = oh * ow;
  float *col = rand_floats((size_t)kk * hw, r);
  TIME_BEST(t, reps, for (int i = 0; i < cc->n; i++)
                         nets_sgemm(0, 0, cc->cout, hw, kk, 1.f, wt, kk, col, hw, 0.f,
                                    y + (size_t)i * cc->cout * hw, hw));
  *gemm = flops / t * 1e-9;
  nets_free_floats(x); nets_free_floats(wt); nets_free_floats(b); nets_free_floats(y);
  nets_free_floats(dy); nets_free_floats(dx); nets_free_floats(dw); nets_free_floats(db);
  nets_free_floats(ws); nets_free_floats(col);
}

/* Boxes from a 1024x768 probability map (one thread): one covering that
 * fills most of the view, and two such coverings touching (split at the
 * valley between them), the costliest maps for nets_detector_boxes. */
static void bench_boxes(int reps) {
  enum { W = 1024, H = 768 };
  float *p = malloc(sizeof(float) * W * H);
  int *lab = malloc(sizeof(int) * W * H);
  if (!p || !lab) {
    free(p), free(lab);
    return;
  }
  for (int two = 0; two < 2; two++) {
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        const double a = hypot((x - (two ? 350 : 512)) / 300.0, (y - 384) / 300.0);
        const double b = two ? hypot((x - 700) / 300.0, (y - 384) / 300.0) : a;
        p[(size_t)y * W + x] = (float)(0.95 * exp(-(a < b ? a * a : b * b)));
      }
    nets_det_box boxes[8];
    int n = 0;
    double t;
    TIME_BEST(t, reps, n = nets_detector_boxes(p, W, H, 0.45f, 0.7f, 157, boxes, 8, lab));
    printf("  detector boxes, %-19s %dx%d: %7.1f ms  (%d box%s)\n",
           two ? "two large coverings" : "one large covering", W, H, 1e3 * t, n, n == 1 ? "" : "es");
  }
  free(p), free(lab);
}

static void bench_model(const char *name, nets_graph *g, int n, int h, int w, int train, int reps,
                        nets_rng *r) {
  nets_error err = {0};
  if (nets_graph_prepare(g, n, h, w, train, &err)) {
    printf("  %s: %s\n", name, err.msg);
    return;
  }
  nets_graph_init_params(g, 1);
  float *x = rand_floats((size_t)n * g->in_c * h * w, r);
  double t;
  nets_graph_forward(g, x, &err);
  TIME_BEST(t, reps, nets_graph_forward(g, x, &err));
  const double macs = nets_graph_macs(g);
  printf("  %-34s %4dx%-4d batch %d: forward %7.1f ms  (%.2f GMAC/image, %.1f GFLOP/s)\n", name, w,
         h, n, t * 1e3, macs * 1e-9, 2 * macs * n / t * 1e-9);
  nets_free_floats(x);
}

/* What unmask runs per face: both stages on the crop and its mirror image,
 * through nets_inpainter (with two threads, the two side by side), on the
 * graph's random weights saved to a temporary file. */
static void bench_inpainter_api(const char *name, nets_graph *g, const char *arch, int reps) {
  const char *tmp = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/nets-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  const int fd = mkstemp(path);
  nets_error err = {0};
  const char *meta[] = {"arch", arch, NULL};
  if (fd < 0) return;
  close(fd);
  nets_inpainter *p = NULL;
  if (nets_graph_save(g, path, meta, &err) == 0) p = nets_inpainter_load(path, &err);
  unlink(path);
  if (!p) {
    printf("  %s: %s\n", name, err.msg);
    return;
  }
  const int s = NETS_INPAINT_SIZE;
  float *rgb = nets_alloc_floats((size_t)3 * s * s), *hole = nets_alloc_floats((size_t)s * s);
  float *c = nets_alloc_floats((size_t)3 * s * s), *r = nets_alloc_floats((size_t)3 * s * s);
  for (int i = 0; i < 3 * s * s; i++) rgb[i] = (float)(i % 251) / 251.f;
  for (int i = 0; i < s * s; i++) hole[i] = (i / s) > s / 3;
  double t;
  nets_inpainter_predict_stages(p, rgb, hole, c, r, &err);
  TIME_BEST(t, reps, nets_inpainter_predict_stages(p, rgb, hole, c, r, &err));
  printf("  %-34s %4dx%-4d as unmask runs it: %7.1f ms\n", name, s, s, t * 1e3);
  nets_free_floats(rgb), nets_free_floats(hole), nets_free_floats(c), nets_free_floats(r);
  nets_inpainter_free(p);
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  if (argc > 2 || (argc == 2 && !quick)) {
    const int help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
    fprintf(help ? stdout : stderr,
            "usage: nets-bench [--quick]\nTimes SGEMM, each convolution kind forward and backward, and the "
            "models' forward passes, on 1 and 2 threads (--quick: fewer repetitions).\n");
    return help ? 0 : 2;
  }
  const int reps = quick ? 2 : 5;
  nets_error err = {0};
  if (nets_blas_init(&err)) {
    fprintf(stderr, "nets-bench: %s\n", err.msg);
    return 1;
  }
  printf("OpenBLAS kernel in use: %s (requested by nets: %s)\n", nets_blas_corename(),
         *nets_blas_requested() ? nets_blas_requested() : "none, OpenBLAS default");
  nets_rng r;
  nets_rng_seed(&r, 1);
  const conv_case cases[] = {
      {"inpainter enc3 gated 48->2x48 64x64", 8, 48, 96, 64, 64, 3, 1, 1},
      {"inpainter mid dil4 128->2x128 16x16", 8, 128, 256, 16, 16, 3, 1, 4},
      {"inpainter dec2 96+48->2x48 64x64", 8, 144, 96, 64, 64, 3, 1, 1},
      {"inpainter enc1 5x5 4->2x24 128x128", 8, 4, 48, 128, 128, 5, 1, 1},
      {"detector c3 32->32 256x256", 1, 32, 32, 256, 256, 3, 1, 1},
      {"detector u3 80->16 288x216 (1 MP)", 1, 80, 16, 216, 288, 3, 1, 1},
      {"detector u4 32->16 576x432 (1 MP)", 1, 32, 16, 432, 576, 3, 1, 1},
      {"critic d2 5x5 s2 32->64 64x64", 16, 32, 64, 64, 64, 5, 2, 1},
  };
  for (int threads = 1; threads <= 2; threads++) {
    nets_blas_set_threads(threads);
    nets_parallel_set_threads(threads);
    printf("\n== %d thread%s ==\n", threads, threads > 1 ? "s" : "");
    printf("  SGEMM 1024^3:               %7.1f GFLOP/s\n", bench_sgemm(1024, 1024, 1024, reps, &r));
    printf("  SGEMM M64 N16384 K576:      %7.1f GFLOP/s\n", bench_sgemm(64, 16384, 576, reps, &r));
    printf("  SGEMM M32 N65536 K288:      %7.1f GFLOP/s\n", bench_sgemm(32, 65536, 288, reps, &r));
    printf("  %-38s %9s %9s %9s %8s\n", "convolution (GFLOP/s)", "forward", "backward", "SGEMM", "fwd/gemm");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
      double f, b, gm;
      bench_conv(&cases[i], reps, &r, &f, &b, &gm);
      printf("  %-38s %9.1f %9.1f %9.1f %7.0f%%\n", cases[i].name, f, b, gm, 100 * f / gm);
    }
    inpainter_net inp;
    critic_net cr;
    detector_net det;
    for (int v = 2; v <= 7; v += v == 3 ? 2 : 1) /* 2, 3, 5 (3 with the drawing as input), 6 and 7 */
      if (inpainter_build(&inp, v) == 0) {
        char name[64];
        snprintf(name, sizeof name, "inpainter v%d (one pass)", v);
        bench_model(name, inp.g, 1, NETS_INPAINT_SIZE, NETS_INPAINT_SIZE, 0, reps, &r);
        /* the crop and its mirror image as one batch of two */
        snprintf(name, sizeof name, "inpainter v%d (with mirror)", v);
        bench_model(name, inp.g, 2, NETS_INPAINT_SIZE, NETS_INPAINT_SIZE, 0, reps, &r);
        snprintf(name, sizeof name, "inpainter v%d (with mirror)", v);
        bench_inpainter_api(name, inp.g, inp.arch, reps);
        printf("  inpainter v%d parameters: %ld\n", v, nets_graph_param_count(inp.g));
        nets_graph_free(inp.g);
      }
    landmarker_net lmk;
    if (landmarker_build(&lmk) == 0) {
      bench_model("landmark predictor", lmk.g, 1, NETS_INPAINT_SIZE, NETS_INPAINT_SIZE, 0, reps, &r);
      printf("  landmark predictor parameters: %ld\n", nets_graph_param_count(lmk.g));
      nets_graph_free(lmk.g);
    }
    if (critic_build(&cr, 32) == 0) {
      bench_model("critic", cr.g, 8, NETS_INPAINT_SIZE, NETS_INPAINT_SIZE, 0, reps, &r);
      nets_graph_free(cr.g);
    }
    for (int v = 2; v <= 5; v++)
      if (detector_build(&det, v) == 0) {
        char name[64];
        snprintf(name, sizeof name, "detector v%d 1 MP (1152x864)", v);
        bench_model(name, det.g, 1, 864, 1152, 0, reps, &r);
        snprintf(name, sizeof name, "detector v%d 1024x768", v);
        bench_model(name, det.g, 1, 768, 1024, 0, reps, &r);
        printf("  detector v%d parameters: %ld\n", v, nets_graph_param_count(det.g));
        nets_graph_free(det.g);
      }
  }
  printf("\n== post-processing ==\n");
  bench_boxes(reps);
  return 0;
}
