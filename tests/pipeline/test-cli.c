/* The unmask CLI, run as a program (argv[1] = path of the executable):
 * `unmask inpaint` round trip on generated PNGs (with --baseline when the
 * weights are not committed yet), exit codes, and with weights also
 * `remove` and `detect --json`. */
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
  }

  nets_image_free(rgba), nets_image_free(rgb), nets_image_free(hole), nets_image_free(tiny);
  remove(in), remove(holep), remove(out), remove(small);
  g_rmdir(dir);
  g_free(in), g_free(holep), g_free(out), g_free(small), g_free(dir);
  return CHECK_DONE();
}
