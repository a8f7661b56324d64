/* unmask_run() through the user-hole path with the harmonic baseline (no
 * weights needed): exact write-back, alpha kept, several parts, MASK and
 * OVERLAY outputs, cancel, a hole bigger than the view, unmask_detect(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image-util.h"
#include "memio.h"
#include "pipeline.h"

typedef struct {
  int calls, cancel_at;
} prog;

static int on_progress(void *user, double f, const char *what) {
  prog *p = user;
  (void)what;
  CHECK(f >= 0 && f <= 1, "progress %g out of range", f);
  return ++p->calls == p->cancel_at;
}

/* Compare result and original: outside coverage bit-identical, inside changed. */
static void check_result(const nets_image *orig, const nets_image *res, const nets_image *hole,
                         const char *what) {
  size_t n = (size_t)orig->width * orig->height, changed = 0, inside = 0, outside_diff = 0;
  size_t alpha_diff = 0, bad = 0;
  for (size_t i = 0; i < n; i++) {
    const float *a = orig->data + i * 4, *b = res->data + i * 4;
    if (memcmp(&a[3], &b[3], sizeof(float))) alpha_diff++;
    for (int c = 0; c < 4; c++)
      if (!(b[c] >= 0 && b[c] <= 1)) bad++;
    if (hole->data[i] == 0.0f) {
      if (memcmp(a, b, sizeof(float) * 4)) outside_diff++;
    } else if (hole->data[i] >= 1.0f) {
      inside++;
      if (fabsf(a[0] - b[0]) + fabsf(a[1] - b[1]) + fabsf(a[2] - b[2]) > 1e-3f) changed++;
    }
  }
  CHECK(outside_diff == 0, "%s: %zu pixels outside the hole changed", what, outside_diff);
  CHECK(alpha_diff == 0, "%s: alpha changed at %zu pixels", what, alpha_diff);
  CHECK(bad == 0, "%s: %zu values outside [0,1] or NaN", what, bad);
  CHECK(inside > 0 && changed > inside / 2, "%s: only %zu of %zu hole pixels changed", what,
        changed, inside);
}

static void test_two_parts(void) {
  int w = 160, h = 120;
  nets_image *img = make_test_image(w, h, 1), *orig = nets_image_copy(img);
  nets_image *hole = nets_image_new(w, h, 1), *cover = nets_image_new(w, h, 1);
  draw_soft_ellipse(hole, 65, 75, 14, 10);
  draw_soft_ellipse(hole, 120, 40, 10, 15);
  /* paint the holes with something foreign, like a mask */
  for (size_t i = 0; i < (size_t)w * h; i++)
    if (hole->data[i] >= 1.0f) img->data[i * 4] = 0.0f, img->data[i * 4 + 1] = 0.3f, img->data[i * 4 + 2] = 1.0f;
  nets_image_free(orig);
  orig = nets_image_copy(img);

  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, hole);
  unmask_params p;
  unmask_params_default(&p);
  p.baseline = 1;
  prog pr = {0, 0};
  p.progress = on_progress;
  p.progress_user = &pr;
  p.hole_write = unmask_memio_hole_write;
  p.hole_user = cover;
  unmask_face *faces = NULL;
  int n_faces = -1;
  nets_error e = {0};
  int n = unmask_run(NULL, &io, &p, &faces, &n_faces, &e);
  CHECK(n == 2 && n_faces == 2, "two parts expected, got %d (%s)", n, e.msg);
  CHECK(pr.calls > 2, "progress called %d times", pr.calls);
  check_result(orig, img, hole, "two parts");
  long area = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) {
    area += hole->data[i] > 0;
    CHECK(cover->data[i] == hole->data[i], "hole_write differs at %zu", i);
  }
  if (n == 2) {
    CHECK(faces[0].mask_area + faces[1].mask_area == area, "areas %ld + %ld != %ld",
          faces[0].mask_area, faces[1].mask_area, area);
    for (int k = 0; k < 2; k++)
      CHECK(faces[k].w > 10 && faces[k].h > 10 && faces[k].score == 1.0f, "face %d box", k);
  }
  free(faces);

  /* the fill is smooth: harmonic fill of a flat-ish face is near skin colour */
  size_t c = (size_t)75 * w + 65;
  CHECK(fabsf(img->data[c * 4] - 0.85f) < 0.08f, "centre R %g not skin", img->data[c * 4]);

  /* cancel: nothing written */
  nets_image *img2 = nets_image_copy(orig);
  io = unmask_memio_init(&mio, img2, hole);
  pr = (prog){0, 2};
  p.hole_write = NULL;
  n = unmask_run(NULL, &io, &p, NULL, NULL, &e);
  CHECK(n == NETS_ERR_CANCEL, "cancel returned %d", n);
  CHECK(!memcmp(img2->data, orig->data, sizeof(float) * 4 * w * h), "cancelled run wrote");

  /* MASK output: white on black, alpha 1 */
  p.progress = NULL;
  p.output = UNMASK_OUTPUT_MASK;
  n = unmask_run(NULL, &io, &p, NULL, NULL, &e);
  CHECK(n == 2, "mask output: %d %s", n, e.msg);
  for (size_t i = 0; i < (size_t)w * h; i++) {
    const float *q = img2->data + i * 4;
    if (q[0] != hole->data[i] || q[1] != q[0] || q[2] != q[0] || q[3] != 1.0f) {
      CHECK(0, "mask pixel %zu = %g %g %g %g, hole %g", i, q[0], q[1], q[2], q[3], hole->data[i]);
      break;
    }
  }

  /* OVERLAY: hole reddened, far pixels untouched */
  nets_image_free(img2);
  img2 = nets_image_copy(orig);
  io = unmask_memio_init(&mio, img2, hole);
  p.output = UNMASK_OUTPUT_OVERLAY;
  n = unmask_run(NULL, &io, &p, NULL, NULL, &e);
  CHECK(n == 2, "overlay output: %d %s", n, e.msg);
  c = (size_t)75 * w + 65;
  CHECK(img2->data[c * 4] > orig->data[c * 4] + 0.3f, "overlay not red: %g", img2->data[c * 4]);
  CHECK(!memcmp(img2->data, orig->data, sizeof(float) * 4 * 3), "overlay touched a far corner");

  /* unmask_detect() describes the user hole and writes nothing */
  nets_image_free(img2);
  img2 = nets_image_copy(orig);
  io = unmask_memio_init(&mio, img2, hole);
  n = unmask_detect(NULL, &io, &p, NULL, &n_faces, &e);
  CHECK(n == 2 && n_faces == 2, "detect on a user hole: %d", n);
  CHECK(!memcmp(img2->data, orig->data, sizeof(float) * 4 * w * h), "detect wrote");

  /* without a hole and without models: a clear error, image untouched */
  io = unmask_memio_init(&mio, img2, NULL);
  p.output = UNMASK_OUTPUT_RESULT;
  e.msg[0] = 0;
  n = unmask_run(NULL, &io, &p, NULL, NULL, &e);
  CHECK(n < 0 && e.msg[0], "no detector must fail with a message");

  nets_image_free(img2);
  nets_image_free(img), nets_image_free(orig), nets_image_free(hole), nets_image_free(cover);
}

/* A hole wider than the 1024 px view: the parts are found on a downscaled
 * map but repainted exactly at full scale. */
static void test_wide(void) {
  int w = 2300, h = 90;
  nets_image *img = make_test_image(w, h, 2), *orig = nets_image_copy(img);
  nets_image *hole = nets_image_new(w, h, 1);
  draw_soft_ellipse(hole, 40, 45, 20, 20);
  draw_soft_ellipse(hole, 1200, 45, 6, 30);
  draw_soft_ellipse(hole, 2260, 45, 25, 10);
  hole->data[(size_t)5 * w + 700] = 1.0f; /* a single pixel */
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, hole);
  unmask_params p;
  unmask_params_default(&p);
  p.baseline = 1;
  nets_error e = {0};
  int n = unmask_run(NULL, &io, &p, NULL, NULL, &e);
  CHECK(n == 4, "wide: 4 parts expected, got %d (%s)", n, e.msg);
  check_result(orig, img, hole, "wide");
  nets_image_free(img), nets_image_free(orig), nets_image_free(hole);
}

/* The memory io's scaled read averages areas. */
static void test_memio(void) {
  nets_image *img = nets_image_new(4, 2, 4);
  for (int i = 0; i < 8; i++)
    for (int c = 0; c < 4; c++) img->data[i * 4 + c] = (float)i;
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, NULL);
  float out[2 * 4];
  CHECK(io.read(io.user, 0, 0, 2, 1, 0.5, out) == 0, "scaled read");
  CHECK(fabsf(out[0] - 2.5f) < 1e-6f && fabsf(out[4] - 4.5f) < 1e-6f, "area average %g %g",
        out[0], out[4]);
  float edge[4];
  CHECK(io.read(io.user, -3, 5, 1, 1, 1.0, edge) == 0 && edge[0] == 4.0f, "edge clamp %g", edge[0]);
  nets_image_free(img);
}

int main(void) {
  test_memio();
  test_two_parts();
  test_wide();
  return CHECK_DONE();
}
