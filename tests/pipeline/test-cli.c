/* The unmask CLI, run as a program (argv[1] = path of the executable):
 * `unmask inpaint` round trip on generated PNGs (with --baseline when the
 * weights are not committed yet), exit codes, and with weights also
 * `remove`, `detect --json`, and `demo`: the public-domain astronaut photo
 * of python3-skimage wearing a drawn mask, which `detect` must find (a real
 * face: the detector learned real faces).  Without the photo that check
 * fails (it does not skip): install python3-skimage.
 * UNMASK_TEST_WEIGHTS=DIR: weights to use (weights-util.h);
 * UNMASK_ASTRONAUT=PNG: another copy of the photo. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "image-util.h"
#include "weights-util.h"

static const char *exe;

#define ASTRONAUT "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"

/* Run exe with args (NULL-terminated); returns the exit status, -1 if not run. */
static int run(gchar **out, const char *a1, ...) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)exe);
  va_list ap;
  va_start(ap, a1);
  for (const char *a = a1; a; a = va_arg(ap, const char *)) g_ptr_array_add(argv, (gpointer)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  gchar *sout = NULL, *serr = NULL;
  gint status = 0;
  GError *err = NULL;
  int rc = -1;
  if (g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr,
                   &status, &err)) {
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (serr && *serr) fprintf(stderr, "[unmask %s] %s", a1, serr);
  } else {
    fprintf(stderr, "cannot run %s: %s\n", exe, err->message);
    g_error_free(err);
  }
  if (out) *out = sout;
  else g_free(sout);
  g_free(serr);
  g_ptr_array_free(argv, TRUE);
  return rc;
}

/* The bounding box of the pixels where b differs from a (the drawn mask). */
static int changed_box(const nets_image *a, const nets_image *b, int box[4]) {
  int x0 = a->width, y0 = a->height, x1 = -1, y1 = -1;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++) {
      const float *p = a->data + ((size_t)y * a->width + x) * 3, *q = b->data + ((size_t)y * a->width + x) * 3;
      if (fabsf(p[0] - q[0]) + fabsf(p[1] - q[1]) + fabsf(p[2] - q[2]) > 0.05f) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  box[0] = x0, box[1] = y0, box[2] = x1 - x0 + 1, box[3] = y1 - y0 + 1;
  return x1 >= 0;
}

/* A group photo's small masks: six copies of the masked astronaut, 140 px
 * (masks about 36 x 25 px), on a 2400 x 1600 canvas.  At the default view
 * (2048 px) and at the photo's own size (--max-view 2400) each one is found:
 * the smallest covering kept must not grow with the view (coverings.h,
 * UNMASK_MIN_AREA_VIEW), which had dropped all six.  A 1024-px view sees
 * them at 15 px: its count is printed, not checked. */
static void check_group(const char *dir, const char *wd, const nets_image *masked, const int drawn[4]) {
  enum { W = 2400, H = 1600, S = 140, N = 6 };
  nets_image *small = nets_image_resize(masked, S, S), *canvas = nets_image_new(W, H, 3);
  CHECK(small && canvas, "group photo: out of memory");
  if (!small || !canvas) {
    nets_image_free(small), nets_image_free(canvas);
    return;
  }
  for (size_t i = 0; i < (size_t)W * H * 3; i++) canvas->data[i] = 0.45f;
  /* each copy's drawn mask: centre and half size, in the canvas */
  const double f = (double)S / masked->width, hw = 0.5 * drawn[2] * f, hh = 0.5 * drawn[3] * f;
  double mid[N][2];
  for (int k = 0; k < N; k++) {
    const int x0 = (k % 3) * 800 + 230 + 60 * (k / 3), y0 = (k / 3) * 800 + 300 - 40 * (k % 3);
    for (int y = 0; y < S; y++)
      memcpy(canvas->data + ((size_t)(y0 + y) * W + x0) * 3, small->data + (size_t)y * S * 3,
             sizeof(float) * 3 * S);
    mid[k][0] = x0 + drawn[0] * f + hw, mid[k][1] = y0 + drawn[1] * f + hh;
  }
  nets_error e = {0};
  gchar *path = g_build_filename(dir, "group.png", NULL);
  CHECK(nets_image_save(canvas, path, 8, 95, &e) == 0, "group photo: %s", e.msg);
  const char *views[3] = {"1024", NULL, "2400"}; /* NULL: the default */
  for (int v = 0; v < 3; v++) {
    gchar *json = NULL;
    CHECK(run(&json, "detect", path, "--json", "--weights", wd, views[v] ? "--max-view" : NULL, views[v], NULL) == 0,
          "detect on the group photo failed");
    JsonParser *jp = json_parser_new();
    JsonArray *faces = NULL;
    if (json && json_parser_load_from_data(jp, json, -1, NULL)) {
      JsonObject *o = json_node_get_object(json_parser_get_root(jp));
      faces = o && json_object_has_member(o, "faces") ? json_object_get_array_member(o, "faces") : NULL;
    }
    CHECK(faces != NULL, "detect --json on the group photo: %s", json ? json : "(nothing)");
    int hit[N] = {0}, found = 0, stray = 0;
    for (guint i = 0; faces && i < json_array_get_length(faces); i++) {
      JsonObject *o = json_array_get_object_element(faces, i);
      const double cx = json_object_get_int_member(o, "x") + 0.5 * json_object_get_int_member(o, "w");
      const double cy = json_object_get_int_member(o, "y") + 0.5 * json_object_get_int_member(o, "h");
      int k = 0; /* the copy whose drawn mask holds the box's centre */
      while (k < N && !(fabs(cx - mid[k][0]) < hw && fabs(cy - mid[k][1]) < hh)) k++;
      if (k < N && !hit[k]) hit[k] = 1, found++;
      else stray++;
    }
    printf("group photo of %d small masks, view %s: %d found, %d detections elsewhere\n", N,
           views[v] ? views[v] : "default", found, stray);
    if (v > 0)
      CHECK(found >= N - 1 && stray == 0, "group photo, view %s: %d of %d small masks found, %d detections elsewhere",
            views[v] ? views[v] : "default", found, N, stray);
    g_object_unref(jp);
    g_free(json);
  }
  remove(path);
  g_free(path);
  nets_image_free(small), nets_image_free(canvas);
}

/* `unmask demo` masks the astronaut; `unmask detect` must find that mask:
 * its best face is the drawn mask (box IoU >= 0.5), and it is the only one. */
static void check_astronaut(const char *dir, const char *wd) {
  const char *photo = getenv("UNMASK_ASTRONAUT");
  if (!photo || !*photo) photo = ASTRONAUT;
  if (access(photo, R_OK)) {
    CHECK(0, "%s is missing: install python3-skimage (apt-get install python3-skimage; .ci/run does)",
          photo);
    return;
  }
  gchar *demo = g_build_filename(dir, "demo", NULL);
  gchar *masked = g_build_filename(demo, "astronaut-masked.png", NULL);
  gchar *unmasked = g_build_filename(demo, "astronaut-unmasked.png", NULL);
  gchar *hole = g_build_filename(demo, "astronaut-detected-mask.png", NULL);
  CHECK(run(NULL, "demo", "--out", demo, "--image", photo, "--weights", wd, NULL) == 0, "demo failed");
  nets_error e = {0};
  nets_image *a0 = nets_image_load(photo, &e), *b0 = nets_image_load(masked, &e);
  nets_image *a = a0 ? nets_image_convert(a0, 3) : NULL, *b = b0 ? nets_image_convert(b0, 3) : NULL;
  int drawn[4] = {0};
  CHECK(a && b && a->width == b->width && a->height == b->height, "demo's masked photo: %s", e.msg);
  if (a && b && a->width == b->width && a->height == b->height) {
    CHECK(changed_box(a, b, drawn), "demo drew no mask");
    check_group(dir, wd, b, drawn);
    gchar *json = NULL;
    CHECK(run(&json, "detect", masked, "--json", "--weights", wd, NULL) == 0, "detect failed");
    JsonParser *jp = json_parser_new();
    if (json && json_parser_load_from_data(jp, json, -1, NULL)) {
      JsonObject *o = json_node_get_object(json_parser_get_root(jp));
      JsonArray *faces = o && json_object_has_member(o, "faces") ? json_object_get_array_member(o, "faces") : NULL;
      CHECK(faces && json_array_get_length(faces) > 0, "no face mask found on the astronaut: %s", json);
      if (faces && json_array_get_length(faces) > 0) {
        JsonObject *f = json_array_get_object_element(faces, 0);
        int x = json_object_get_int_member(f, "x"), y = json_object_get_int_member(f, "y");
        int w = json_object_get_int_member(f, "w"), h = json_object_get_int_member(f, "h");
        double score = json_object_get_double_member(f, "score");
        int ix = MAX(0, MIN(x + w, drawn[0] + drawn[2]) - MAX(x, drawn[0]));
        int iy = MAX(0, MIN(y + h, drawn[1] + drawn[3]) - MAX(y, drawn[1]));
        double inter = (double)ix * iy, uni = (double)w * h + (double)drawn[2] * drawn[3] - inter;
        double iou = uni > 0 ? inter / uni : 0;
        printf("astronaut: drawn mask %d,%d %dx%d; detected %d,%d %dx%d score %.3f IoU %.2f; %u face(s)\n",
               drawn[0], drawn[1], drawn[2], drawn[3], x, y, w, h, score, iou,
               json_array_get_length(faces));
        CHECK(iou >= 0.5, "best detection %d,%d %dx%d is not the drawn mask %d,%d %dx%d (IoU %.2f)", x, y,
              w, h, drawn[0], drawn[1], drawn[2], drawn[3], iou);
        /* and nothing else: not the suit's round patches, nor the flag */
        CHECK(json_array_get_length(faces) == 1, "%u masked faces on the astronaut, not 1: %s",
              json_array_get_length(faces), json);
      }
    } else {
      CHECK(0, "detect --json is not JSON: %s", json ? json : "(nothing)");
    }
    g_object_unref(jp);
    g_free(json);
    nets_image *u = nets_image_load(unmasked, &e), *m = nets_image_load(hole, &e);
    CHECK(u && m && u->width == a->width && m->width == a->width, "demo outputs: %s", e.msg);
    nets_image_free(u), nets_image_free(m);
    /* the detected mask as the user's own hole: the detector sees a mask in
     * it, so a version-5 inpainter gets the drawing of the predicted
     * landmarks (--no-sketch paints without it) */
    gchar *lmw = g_build_filename(wd, "landmarks.safetensors", NULL);
    if (g_file_test(lmw, G_FILE_TEST_EXISTS)) {
      gchar *p1 = g_build_filename(dir, "sketch.png", NULL), *p2 = g_build_filename(dir, "no-sketch.png", NULL);
      CHECK(run(NULL, "inpaint", masked, hole, "-o", p1, "--weights", wd, NULL) == 0 &&
                run(NULL, "inpaint", masked, hole, "-o", p2, "--weights", wd, "--no-sketch", NULL) == 0,
            "inpaint with and without the drawing failed");
      nets_image *s1 = nets_image_load(p1, &e), *s2 = nets_image_load(p2, &e);
      long differ = 0;
      for (size_t i = 0; s1 && s2 && i < (size_t)s1->width * s1->height * s1->channels; i++)
        differ += fabsf(s1->data[i] - s2->data[i]) > 2.0f / 255;
      CHECK(differ > 500, "the user's hole over the drawn mask: %ld values differ with the drawing", differ);
      printf("astronaut, detected mask as the user's hole: %ld values differ with the drawing\n", differ);
      nets_image_free(s1), nets_image_free(s2);
      remove(p1), remove(p2);
      g_free(p1), g_free(p2);
    }
    g_free(lmw);
    /* several photos in one command (a folder out, which the command
     * makes): each gets what one command gives it, the second one too,
     * after the networks have run */
    gchar *bdir = g_build_filename(dir, "astro-batch", NULL), *copy = g_build_filename(dir, "copy.png", NULL);
    gchar *single = g_build_filename(dir, "single.png", NULL);
    gchar *o1 = g_build_filename(bdir, "astronaut-masked.png", NULL), *o2 = g_build_filename(bdir, "copy.png", NULL);
    CHECK(nets_image_save(b0, copy, 8, 95, &e) == 0, "batch setup");
    CHECK(run(NULL, "remove", masked, "-o", single, "--weights", wd, NULL) == 0 &&
              run(NULL, "remove", masked, copy, "-o", bdir, "--weights", wd, NULL) == 0,
          "remove, one photo and two, failed");
    nets_image *s0 = nets_image_load(single, &e);
    long repainted = 0;
    for (size_t i = 0; s0 && s0->channels == b0->channels && i < (size_t)s0->width * s0->height * s0->channels; i++)
      repainted += s0->data[i] != b0->data[i];
    CHECK(repainted > 1000, "remove changed only %ld values of the masked astronaut", repainted);
    for (int k = 0; k < 2; k++) {
      nets_image *bk = nets_image_load(k ? o2 : o1, &e);
      CHECK(bk && s0 && bk->width == s0->width && bk->height == s0->height && bk->channels == s0->channels &&
                !memcmp(bk->data, s0->data, sizeof(float) * s0->width * s0->height * s0->channels),
            "photo %d of the folder run differs from the one-photo command's result", k + 1);
      nets_image_free(bk);
    }
    printf("astronaut: remove repainted %ld values; a folder run of two gives the same twice\n", repainted);
    nets_image_free(s0);
    remove(o1), remove(o2), remove(copy), remove(single);
    g_rmdir(bdir);
    g_free(bdir), g_free(copy), g_free(single), g_free(o1), g_free(o2);
  }
  nets_image_free(a0), nets_image_free(b0), nets_image_free(a), nets_image_free(b);
  remove(masked), remove(unmasked), remove(hole);
  g_rmdir(demo);
  g_free(demo), g_free(masked), g_free(unmasked), g_free(hole);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test-cli PATH-TO-UNMASK\n");
    return 1;
  }
  exe = argv[1];
  int weights = have_weights();
  gchar *dir = g_dir_make_tmp("unmask-cli-XXXXXX", NULL);
  CHECK(dir != NULL, "tmp dir");
  if (!dir) return CHECK_DONE();
  gchar *in = g_build_filename(dir, "in.png", NULL), *holep = g_build_filename(dir, "hole.png", NULL);
  gchar *out = g_build_filename(dir, "out.png", NULL), *small = g_build_filename(dir, "small.png", NULL);
  int w = 181, h = 203;
  nets_image *rgba = make_test_image(w, h, 4), *rgb = nets_image_convert(rgba, 3);
  nets_image *hole = nets_image_new(w, h, 1), *tiny = nets_image_new(10, 10, 1);
  draw_soft_ellipse(hole, 90, 125, 30, 22);
  nets_error e = {0};
  CHECK(nets_image_save(rgb, in, 8, 95, &e) == 0, "save %s", e.msg);
  CHECK(nets_image_save(hole, holep, 8, 95, &e) == 0, "save %s", e.msg);
  CHECK(nets_image_save(tiny, small, 8, 95, &e) == 0, "save %s", e.msg);

  /* the round trip */
  const char *wd = weights_dir();
  const char *extra = weights ? "--weights" : "--baseline", *extra2 = weights ? wd : NULL;
  if (!weights) printf("no weights committed: round trip with --baseline\n");
  CHECK(run(NULL, "inpaint", in, holep, "-o", out, extra, extra2, NULL) == 0, "inpaint failed");
  /* a 16-bit PNG gives a 16-bit PNG (an 8-bit one would round the whole photo) */
  gchar *in16 = g_build_filename(dir, "in16.png", NULL), *out16 = g_build_filename(dir, "out16.png", NULL);
  CHECK(nets_image_save(rgb, in16, 16, 95, &e) == 0, "save %s", e.msg);
  CHECK(run(NULL, "inpaint", in16, holep, "-o", out16, "--baseline", NULL) == 0, "inpaint of a 16-bit PNG failed");
  nets_image *b16 = nets_image_load(out16, &e);
  CHECK(b16 && b16->depth == 16, "a 16-bit PNG came out with %d bits", b16 ? b16->depth : 0);
  nets_image_free(b16);
  remove(in16), remove(out16);
  g_free(in16), g_free(out16);
  nets_image *a = nets_image_load(in, &e), *b = nets_image_load(out, &e);
  nets_image *hl = nets_image_load(holep, &e);
  CHECK(a && b && hl, "reload: %s", e.msg);
  if (a && b && hl) {
    CHECK(b->width == w && b->height == h && b->channels == 3, "output is %dx%dx%d", b->width,
          b->height, b->channels);
    if (b->width == w && b->height == h && b->channels == 3) {
      size_t same_out = 0, n_out = 0, changed = 0, n_in = 0;
      for (size_t i = 0; i < (size_t)w * h; i++) {
        int diff = memcmp(a->data + i * 3, b->data + i * 3, sizeof(float) * 3) != 0;
        if (hl->data[i] == 0.0f) n_out++, same_out += !diff;
        else if (hl->data[i] >= 1.0f) n_in++, changed += diff;
      }
      CHECK(same_out == n_out, "%zu of %zu outside pixels changed", n_out - same_out, n_out);
      CHECK(changed > n_in / 2, "only %zu of %zu hole pixels changed", changed, n_in);
    }
  }
  nets_image_free(a), nets_image_free(b), nets_image_free(hl);
  if (weights) { /* the refinement stage: the pipeline tests compare its fill */
    CHECK(run(NULL, "inpaint", in, holep, "-o", out, "--sharp", extra, extra2, NULL) == 0,
          "inpaint --sharp failed");
    CHECK(run(NULL, "inpaint", in, holep, "-o", out, "--detail", "0", extra, extra2, NULL) == 0,
          "inpaint --detail 0 failed");
    CHECK(run(NULL, "inpaint", in, holep, "-o", out, "--detail", "1.5", extra, extra2, NULL) == 1,
          "inpaint --detail 1.5 accepted");
  }

  /* exit codes */
  CHECK(run(NULL, "--help", NULL) == 0, "--help");
  gchar *ver = NULL;
  CHECK(run(&ver, "--version", NULL) == 0 && ver && strstr(ver, UNMASK_VERSION), "--version");
  g_free(ver);
  CHECK(run(NULL, "frobnicate", NULL) == 1, "unknown command must exit 1");
  CHECK(run(NULL, "inpaint", "/nonexistent.png", holep, "-o", out, "--baseline", NULL) == 1,
        "missing input must exit 1");
  CHECK(run(NULL, "inpaint", in, small, "-o", out, "--baseline", NULL) == 1,
        "hole of another size must exit 1");
  CHECK(run(NULL, "remove", in, "-o", out, "--sensitivity", "7", NULL) == 1,
        "bad --sensitivity must exit 1");
  CHECK(run(NULL, "remove", in, "-o", out, "--weights", "/nonexistent", NULL) == 1,
        "missing weights must exit 1");
  /* several photos go to a folder */
  gchar *bdir = g_build_filename(dir, "batch", NULL), *in2 = g_build_filename(dir, "in2.png", NULL);
  CHECK(g_mkdir(bdir, 0700) == 0, "mkdir %s", bdir);
  CHECK(nets_image_save(rgb, in2, 8, 95, &e) == 0, "save %s", e.msg);
  CHECK(run(NULL, "remove", in, in2, "-o", out, NULL) == 1, "several images to a file must exit 1");
  gchar *deep = g_build_filename(dir, "no", "such", NULL);
  CHECK(run(NULL, "remove", in, in2, "-o", deep, NULL) == 1, "a folder whose parent is missing must exit 1");
  g_free(deep);
  CHECK(run(NULL, "remove", in, in2, "-o", bdir, "--mask-out", holep, NULL) == 1,
        "--mask-out with several images must exit 1");
  CHECK(run(NULL, "remove", in, in2, "-o", dir, "--weights", wd, NULL) == 1,
        "writing over the inputs must exit 1");

  if (weights) {
    CHECK(run(NULL, "remove", in, "-o", out, "--weights", wd, NULL) == 0, "remove failed");
    b = nets_image_load(out, &e);
    CHECK(b && b->width == w && b->height == h, "remove output size");
    nets_image_free(b);
    gchar *json = NULL;
    CHECK(run(&json, "detect", in, "--json", "--weights", wd, NULL) == 0, "detect failed");
    JsonParser *jp = json_parser_new();
    GError *jerr = NULL;
    if (json && json_parser_load_from_data(jp, json, -1, &jerr)) {
      JsonObject *o = json_node_get_object(json_parser_get_root(jp));
      CHECK(o && json_object_get_int_member(o, "width") == w &&
                json_object_get_int_member(o, "height") == h &&
                json_object_has_member(o, "faces") && json_object_has_member(o, "image"),
            "JSON fields: %s", json);
    } else {
      CHECK(0, "detect --json is not JSON: %s", json ? json : "(nothing)");
      if (jerr) g_error_free(jerr);
    }
    g_object_unref(jp);
    g_free(json);
    check_astronaut(dir, wd);
  }

  nets_image_free(rgba), nets_image_free(rgb), nets_image_free(hole), nets_image_free(tiny);
  remove(in), remove(holep), remove(out), remove(small), remove(in2);
  g_rmdir(bdir);
  g_free(bdir), g_free(in2);
  g_rmdir(dir);
  g_free(in), g_free(holep), g_free(out), g_free(small), g_free(dir);
  return CHECK_DONE();
}
