/* unmask-bench: speed and memory of the whole pipeline (pipeline.h), as the
 * GEGL op, the plug-in and the CLI run it.
 *
 *   unmask-bench --face MASKED.png [--weights DIR] [--reps N]
 *
 * MASKED.png is a photo of one masked face (e.g. astronaut-masked.png written
 * by `unmask demo`).  The benchmark pastes it at 256 px into a 1-megapixel
 * (1152x864) canvas once and four times, and at 1024 px four times into a
 * 24-megapixel (6000x4000) canvas, runs the pipeline on each, and prints the
 * time (best of N, and of the first run) and the peak memory the pipeline
 * added on top of the image itself (VmHWM, reset before the run).
 *
 * It first prints the time to load the networks.  That, and the first run
 * of the first case (one face: every network's buffers are made then), is
 * what each new `unmask` or `gegl` process pays on top of the best time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "memio.h"
#include "pipeline.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long vm_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, key, strlen(key))) v = atol(line + strlen(key));
  if (f) fclose(f);
  return v;
}

static void reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f) {
    fputs("5", f);
    fclose(f);
  }
}

/* canvas w x h, grey-green gradient, with n copies of face (RGBA) at side px */
static nets_image *make_canvas(const nets_image *face, int w, int h, int n, int side) {
  nets_image *c = nets_image_new(w, h, 4);
  nets_image *f = nets_image_resize(face, side, side);
  if (!c || !f) {
    nets_image_free(c);
    nets_image_free(f);
    return NULL;
  }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float *p = c->data + ((size_t)y * w + x) * 4;
      p[0] = 0.35f + 0.2f * x / w; p[1] = 0.4f + 0.1f * y / h; p[2] = 0.35f; p[3] = 1.f;
    }
  const int cols = n > 1 ? 2 : 1;
  for (int k = 0; k < n; k++) {
    int ox = (w / (cols * 2)) * (2 * (k % cols) + 1) - side / 2;
    int oy = (h / ((n + cols - 1) / cols * 2)) * (2 * (k / cols) + 1) - side / 2;
    for (int y = 0; y < side; y++)
      for (int x = 0; x < side; x++) {
        int X = ox + x, Y = oy + y;
        if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
        memcpy(c->data + ((size_t)Y * w + X) * 4, f->data + ((size_t)y * side + x) * 4, 4 * sizeof(float));
      }
  }
  nets_image_free(f);
  return c;
}

static int run_case(unmask_models *m, const nets_image *face, int w, int h, int n, int side, int reps) {
  nets_image *canvas = make_canvas(face, w, h, n, side);
  if (!canvas) {
    fprintf(stderr, "unmask-bench: out of memory\n");
    return 1;
  }
  unmask_params p;
  unmask_params_default(&p);
  double best = 1e9, first = -1;
  int found = -1;
  long peak_extra = 0;
  for (int r = 0; r < reps; r++) {
    nets_image *img = nets_image_copy(canvas);
    if (!img) break;
    unmask_memio mio;
    unmask_image_io io = unmask_memio_init(&mio, img, NULL);
    nets_error e = {0};
    long before = vm_kb("VmRSS:");
    reset_peak();
    double t0 = now();
    found = unmask_run(m, &io, &p, NULL, NULL, &e);
    double dt = now() - t0;
    long extra = vm_kb("VmHWM:") - before;
    if (extra > peak_extra) peak_extra = extra;
    nets_image_free(img);
    if (found < 0) {
      fprintf(stderr, "unmask-bench: %s\n", e.msg);
      break;
    }
    if (dt < best) best = dt;
    if (first < 0) first = dt;
  }
  printf("%5dx%-5d (%5.1f MP) %d face%s at %4d px: %8.1f ms (first run %6.1f), %d repainted, pipeline "
         "peak memory +%.0f MB (image itself %.0f MB as float RGBA)\n",
         w, h, w * (double)h / 1e6, n, n > 1 ? "s" : " ", side, best * 1e3, first * 1e3, found,
         peak_extra / 1024.0, w * (double)h * 16 / 1048576);
  nets_image_free(canvas);
  return found < 0;
}

int main(int argc, char **argv) {
  unmask_process_setup(); /* as the CLI and the plug-in do */
  const char *face_path = NULL, *weights = NULL;
  int reps = 3;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--face") && i + 1 < argc) face_path = argv[++i];
    else if (!strcmp(argv[i], "--weights") && i + 1 < argc) weights = argv[++i];
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: unmask-bench --face MASKED.png [--weights DIR] [--reps N]\n");
      return 2;
    }
  }
  if (!face_path) {
    fprintf(stderr, "usage: unmask-bench --face MASKED.png (e.g. from `unmask demo`)\n");
    return 2;
  }
  nets_error e = {0};
  nets_image *src = nets_image_load(face_path, &e), *face = src ? nets_image_convert(src, 4) : NULL;
  const double t0 = now();
  unmask_models *m = face ? unmask_models_load(weights, &e) : NULL;
  if (m) printf("loading the networks: %.1f ms\n", (now() - t0) * 1e3);
  if (!m) {
    fprintf(stderr, "unmask-bench: %s\n", e.msg);
    nets_image_free(src);
    nets_image_free(face);
    return 1;
  }
  int rc = run_case(m, face, 1152, 864, 1, 256, reps);
  rc |= run_case(m, face, 1152, 864, 0, 256, reps);
  rc |= run_case(m, face, 1152, 864, 4, 256, reps);
  rc |= run_case(m, face, 6000, 4000, 4, 1024, 1);
  unmask_models_free(m);
  nets_image_free(src);
  nets_image_free(face);
  return rc;
}
