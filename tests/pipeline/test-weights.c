/* The pipeline with the shipped weights (weights/detector.safetensors and
 * weights/inpainter.safetensors): the user hole is repainted by the network,
 * everything outside it is bit-identical; grey images get grey fills;
 * detection runs and agrees with unmask_detect(); a view detected tile by
 * tile gives the map of the whole view.  Skips (77) while the
 * weights are not committed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "coverings.h"
#include "image-util.h"
#include "memio.h"
#include "pipeline-private.h"
#include "pipeline.h"
#include "weights-util.h"

/* Returns the repainted image (the caller frees it). */
static nets_image *run_hole(unmask_models *m, int w, int h, int grey, double detail, const char *what) {
  nets_image *img = make_test_image(w, h, 5);
  if (grey)
    for (size_t i = 0; i < (size_t)w * h; i++) {
      float *p = img->data + i * 4;
      p[0] = p[1] = p[2] = (p[0] + p[1] + p[2]) / 3;
    }
  nets_image *hole = nets_image_new(w, h, 1);
  /* a "mask" over the lower half of the face ellipse, painted blue */
  draw_soft_ellipse(hole, w * 0.5f, h * 0.62f, w * 0.17f, h * 0.13f);
  for (size_t i = 0; i < (size_t)w * h; i++)
    if (hole->data[i] > 0) {
      float *p = img->data + i * 4;
      p[0] = 0.2f, p[1] = 0.4f, p[2] = 0.9f; /* blue on a grey photo too: the fill stays grey */
    }
  nets_image *orig = nets_image_copy(img);
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, hole);
  unmask_params p;
  unmask_params_default(&p);
  p.detail = detail;
  nets_error e = {0};
  int n = unmask_run(m, &io, &p, NULL, NULL, &e);
  CHECK(n == 1, "%s: one part expected, got %d (%s)", what, n, e.msg);
  size_t outside = 0, inside = 0, changed = 0, nongrey = 0, bad = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) {
    const float *a = orig->data + i * 4, *b = img->data + i * 4;
    for (int c = 0; c < 4; c++) bad += !(b[c] >= 0 && b[c] <= 1);
    if (hole->data[i] == 0.0f) {
      outside += memcmp(a, b, sizeof(float) * 4) != 0;
      continue;
    }
    if (a[3] != b[3]) outside++; /* alpha must be kept everywhere */
    if (hole->data[i] < 1.0f) continue; /* the soft edge keeps some of the covering */
    if (grey && (fabsf(b[0] - b[1]) > 1e-6f || fabsf(b[1] - b[2]) > 1e-6f)) nongrey++;
    inside++;
    changed += fabsf(a[0] - b[0]) + fabsf(a[1] - b[1]) + fabsf(a[2] - b[2]) > 0.02f;
  }
  CHECK(outside == 0, "%s: %zu pixels outside the hole (or alpha) changed", what, outside);
  CHECK(bad == 0, "%s: %zu values out of range", what, bad);
  CHECK(inside > 0 && changed > inside / 2, "%s: only %zu of %zu hole pixels changed", what,
        changed, inside);
  if (grey) CHECK(nongrey == 0, "%s: %zu non-grey fill pixels", what, nongrey);
  printf("%s: %zu of %zu hole pixels repainted\n", what, changed, inside);
  nets_image_free(orig), nets_image_free(hole);
  return img;
}

static void run_detection(unmask_models *m) {
  int w = 300, h = 240;
  nets_image *img = make_test_image(w, h, 9), *orig = nets_image_copy(img);
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, NULL);
  unmask_params p;
  unmask_params_default(&p);
  p.sensitivity = 0.9; /* find something if at all possible */
  unmask_face *f1 = NULL, *f2 = NULL;
  int n1 = 0, n2 = 0;
  nets_error e = {0};
  int r1 = unmask_detect(m, &io, &p, &f1, &n1, &e);
  CHECK(r1 >= 0, "detect: %s", e.msg);
  CHECK(!memcmp(img->data, orig->data, sizeof(float) * 4 * w * h), "detect wrote");
  int r2 = unmask_run(m, &io, &p, &f2, &n2, &e);
  CHECK(r2 >= 0, "run: %s", e.msg);
  CHECK(n1 == n2, "detect found %d faces, run %d", n1, n2);
  for (int i = 0; i < n1 && i < n2; i++)
    CHECK(!memcmp(&f1[i], &f2[i], sizeof f1[i]), "face %d differs between detect and run", i);
  printf("detection on a synthetic image: %d face(s)\n", n1);
  free(f1), free(f2);
  nets_image_free(img), nets_image_free(orig);
}

/* A view of more than a tile's pixels (1024 x 1024) is detected tile by
 * tile, each tile with a margin of context: the map must match the detector
 * on the whole view. */
static void run_tiles(unmask_models *m) {
  const int w = 1400, h = 800;
  nets_image *img = make_test_image(w, h, 11);
  float *rgb = malloc(sizeof(float) * 3 * w * h), *a = malloc(sizeof(float) * w * h),
        *b = malloc(sizeof(float) * w * h);
  CHECK(img && rgb && a && b, "out of memory");
  if (!img || !rgb || !a || !b) return;
  for (int i = 0; i < w * h; i++)
    for (int c = 0; c < 3; c++) rgb[i * 3 + c] = img->data[i * 4 + c];
  nets_error e = {0};
  CHECK(unmask_probability_map(m->detector, rgb, w, h, a, &e) == 0, "tiled map: %s", e.msg);
  CHECK(nets_detector_predict(m->detector, rgb, w, h, b, &e) == 0, "whole map: %s", e.msg);
  double worst = 0, sum = 0;
  for (int i = 0; i < w * h; i++) {
    double d = fabs((double)a[i] - b[i]);
    sum += d;
    if (d > worst) worst = d;
  }
  printf("tiled against whole map: mean |difference| %.2g, largest %.2g\n", sum / (w * h), worst);
  CHECK(sum / (w * h) < 1e-3 && worst < 0.05, "tiled map differs: mean %g, largest %g", sum / (w * h), worst);
  nets_image_free(img);
  free(rgb), free(a), free(b);
}

/* Repaints job (its alpha set) on a copy of img with the default
 * parameters; frees the job's alpha.  Returns the job's fill (the caller
 * frees it), or NULL. */
static float *fill_job(unmask_models *m, const nets_image *img, unmask_job *job) {
  nets_image *copy = nets_image_copy(img);
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, copy, NULL);
  unmask_params p;
  unmask_params_default(&p);
  nets_error e = {0};
  const int rc = unmask_fill_job(m, &io, &p, job, 0, &e);
  CHECK(rc == 0, "fill job: %s", e.msg);
  free(job->alpha), free(job->orig);
  nets_image_free(copy);
  if (rc) free(job->fill);
  return rc ? NULL : job->fill;
}

/* Repaints an elliptic hole at (cx, cy) of img as one job: a covering the
 * detector found (covering 1) or a part of the user's hole (0).  Returns
 * the job's fill (the caller frees it), or NULL. */
static float *fill_ellipse(unmask_models *m, const nets_image *img, float cx, float cy, float r, int covering) {
  unmask_job job = {0};
  job.x = (int)(cx - r) - 2, job.y = (int)(cy - r) - 2, job.w = job.h = (int)(2 * r) + 4;
  job.face = (unmask_face){job.x, job.y, job.w, job.h, 1.0f, 1};
  job.bx = job.x, job.by = job.y, job.bw = job.w, job.bh = job.h;
  job.covering = covering;
  job.alpha = calloc((size_t)job.w * job.h, sizeof(float));
  for (int y = 0; y < job.h; y++)
    for (int x = 0; x < job.w; x++)
      job.alpha[y * job.w + x] = hypotf(job.x + x + 0.5f - cx, job.y + y + 0.5f - cy) < r;
  return fill_job(m, img, &job);
}

/* With a version-5 inpainter and the landmark predictor: a covering gets a
 * drawing of the lower face (its fill differs from the one without), a part
 * of the user's hole where the detector sees no mask gets none (the same
 * fill as without the predictor). */
static void run_sketch(unmask_models *m) {
  char path[4096];
  snprintf(path, sizeof path, "%s/landmarks.safetensors", weights_dir());
  const int want = nets_inpainter_takes_sketch(m->inpainter) && access(path, R_OK) == 0;
  CHECK((m->landmarker != NULL) == want, "landmark predictor %s", m->landmarker ? "loaded, unwanted" : "missing");
  if (!m->landmarker) {
    printf("the inpainter takes no drawing, or no landmarks.safetensors: drawing not tested\n");
    return;
  }
  nets_image *img = make_test_image(400, 400, 7);
  const float r = 40;
  float *fills[2][2] = {{NULL}};
  nets_landmarker *lmk = m->landmarker;
  for (int with = 0; with < 2; with++) {
    m->landmarker = with ? lmk : NULL;
    for (int covering = 0; covering < 2; covering++) /* the face's lower half; a corner of the picture */
      fills[with][covering] = fill_ellipse(m, img, covering ? 200 : 60, covering ? 250 : 60, r, covering);
  }
  m->landmarker = lmk;
  const size_t n = (size_t)(2 * r + 4) * (2 * r + 4) * 3;
  size_t differ[2] = {0, 0};
  for (int c = 0; c < 2; c++)
    for (size_t i = 0; fills[0][c] && fills[1][c] && i < n; i++)
      differ[c] += fabsf(fills[0][c][i] - fills[1][c][i]) > 1.0f / 255;
  CHECK(fills[0][0] && fills[1][1] && differ[1] > n / 20, "a covering's fill changed in %zu of %zu values with the drawing",
        differ[1], n);
  CHECK(fills[0][1] && fills[1][0] && differ[0] == 0, "a user's hole without a mask changed in %zu values", differ[0]);
  printf("the drawing changes %zu of %zu values of a covering's fill, and none of a user's hole in a corner\n",
         differ[1], n);
  for (int k = 0; k < 4; k++) free(fills[k / 2][k % 2]);
  nets_image_free(img);
}

/* A covering's job with an ear loop running up from it, past the crop the
 * network sees, on a smooth gradient: the loop's pixels away from the body
 * get the gradient back (harmonic fill), not a face and not the crop's
 * clamped edge. */
static void run_strap(unmask_models *m) {
  enum { W = 400, H = 400 };
  nets_image *img = nets_image_new(W, H, 4);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float *q = img->data + ((size_t)y * W + x) * 4;
      q[0] = 0.2f + 0.6f * y / H, q[1] = 0.5f, q[2] = 0.7f - 0.3f * x / W, q[3] = 1.0f;
    }
  const float cx = 200, cy = 250, r = 40;
  unmask_job job = {0};
  job.x = 150, job.y = 100, job.w = 100, job.h = 195;
  job.face = (unmask_face){job.x, job.y, job.w, job.h, 1.0f, 1};
  job.bx = cx - r, job.by = cy - r, job.bw = job.bh = 2 * r; /* the body: the ellipse */
  job.covering = 1;
  job.alpha = calloc((size_t)job.w * job.h, sizeof(float));
  for (int y = 0; y < job.h; y++)
    for (int x = 0; x < job.w; x++) {
      const int px = job.x + x, py = job.y + y;
      const int loop = px >= 165 && px < 168 && py >= 120 && py < 230;
      job.alpha[y * job.w + x] = hypotf(px + 0.5f - cx, py + 0.5f - cy) < r || loop;
      if (loop) /* a dark loop on the photo */
        for (int c = 0; c < 3; c++) img->data[((size_t)py * W + px) * 4 + c] = 0.1f;
    }
  float *fill = fill_job(m, img, &job), worst = 0;
  for (int py = 120; fill && py < 195; py++) /* the loop above the body's box and its tenth */
    for (int px = 165; px < 168; px++) {
      const float *f = fill + ((size_t)(py - job.y) * job.w + (px - job.x)) * 3;
      const float want[3] = {0.2f + 0.6f * py / H, 0.5f, 0.7f - 0.3f * px / W};
      for (int c = 0; c < 3; c++) worst = fmaxf(worst, fabsf(f[c] - want[c]));
    }
  CHECK(fill && worst <= 3.0f / 255, "the loop above the body is %.1f/255 off the gradient", worst * 255);
  printf("an ear loop above the body comes back within %.2f/255 of the gradient\n", worst * 255);
  free(fill);
  nets_image_free(img);
}

int main(void) {
  SKIP_WITHOUT_WEIGHTS();
  nets_error e = {0};
  unmask_models *m = unmask_models_load(weights_dir(), &e);
  CHECK(m != NULL, "loading the weights: %s", e.msg);
  if (!m) return CHECK_DONE();
  nets_image_free(run_hole(m, 200, 220, 0, UNMASK_DETAIL_DEFAULT, "small colour")); /* crop side < 128: upsampled */
  nets_image_free(run_hole(m, 500, 520, 1, UNMASK_DETAIL_DEFAULT, "large grey"));
  nets_image *smooth = run_hole(m, 700, 640, 0, 0, "large colour"); /* scaled read + grain */
  nets_image *sharp = run_hole(m, 700, 640, 0, 1, "large colour, detail 1");
  nets_image *half = run_hole(m, 700, 640, 0, 0.5, "large colour, detail 0.5");
  /* the refinement stage paints a different face (same pixels outside the
   * hole: run_hole checked that); detail 0.5 paints halfway between */
  size_t differ = 0, off_half = 0;
  for (size_t i = 0; i < (size_t)700 * 640; i++)
    for (int c = 0; c < 3; c++) {
      const float a = smooth->data[i * 4 + c], b = sharp->data[i * 4 + c];
      differ += c == 0 && fabsf(a - b) > 1.0f / 255;
      off_half += fabsf(half->data[i * 4 + c] - 0.5f * (a + b)) > 1.5f / 255;
    }
  CHECK(differ > 2000, "detail 1 and 0 fill differ in %zu pixels only", differ);
  CHECK(off_half < differ / 50, "detail 0.5: %zu channel values are not halfway between detail 0 and 1", off_half);
  printf("detail 1 and 0 fills differ in %zu pixels; %zu values of detail 0.5's are off halfway\n", differ, off_half);
  nets_image_free(half);
  nets_image_free(smooth), nets_image_free(sharp);
  run_detection(m);
  run_tiles(m);
  run_sketch(m);
  run_strap(m);
  unmask_models_free(m);

  /* a folder with only an inpainter of the user's: the detector and the
   * landmark predictor come from the bundled weights */
  char own[] = "/tmp/test-weights-XXXXXX", link[512], target[4096];
  if (mkdtemp(own)) {
    snprintf(link, sizeof link, "%s/inpainter.safetensors", own);
    snprintf(target, sizeof target, "%s/inpainter.safetensors", weights_dir());
    CHECK(symlink(target, link) == 0, "symlink %s", link);
    unmask_models *mine = unmask_models_load(own, &e);
    CHECK(mine != NULL, "a folder with an inpainter alone: %s", e.msg);
    CHECK(!mine || (mine->detector && mine->landmarker), "the bundled detector and landmark predictor were not taken");
    unmask_models_free(mine);
    unlink(link);
    /* an empty folder is an error */
    e.msg[0] = 0;
    CHECK(unmask_models_load(own, &e) == NULL && strstr(e.msg, "holds none of"),
          "an empty weights folder: %s", e.msg);
    rmdir(own);
  }

  /* a missing weights folder is an error that says so */
  e.msg[0] = 0;
  CHECK(unmask_models_load("/nonexistent-weights", &e) == NULL, "load of a missing folder");
  CHECK(strstr(e.msg, "/nonexistent-weights does not exist") != NULL, "message should say so: %s", e.msg);
  return CHECK_DONE();
}
