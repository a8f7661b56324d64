/* unmask-train average: the mean of weight files, the calibration shift, and
 * the files it refuses (another network, a bad --shift). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../nets/io/safetensors.h"
#include "../../nets/train/train.h"
#include "check.h"

/* A two-tensor file: "w" (2x3) = base + i, "logit.bias" (1) = bias. */
static void write_file(const char *path, float base, float bias, const char *step, int extra) {
  nets_error err = {0};
  float w[6];
  for (int i = 0; i < 6; i++) w[i] = base + (float)i;
  const int64_t s23[2] = {2, 3}, s1[1] = {1};
  nets_st_writer *wr = nets_st_writer_new();
  CHECK(wr != NULL, "writer");
  CHECK(nets_st_writer_add(wr, "w", w, 2, s23, &err) == 0, "%s", err.msg);
  CHECK(nets_st_writer_add(wr, "logit.bias", &bias, 1, s1, &err) == 0, "%s", err.msg);
  if (extra) CHECK(nets_st_writer_add(wr, "extra", &bias, 1, s1, &err) == 0, "%s", err.msg);
  CHECK(nets_st_writer_meta(wr, "arch", "toy", &err) == 0, "%s", err.msg);
  CHECK(nets_st_writer_meta(wr, "step", step, &err) == 0, "%s", err.msg);
  /* a second-look model, fitted to this file's map (fit-look) */
  CHECK(nets_st_writer_meta(wr, "second_look", "look-v1 1 1 0", &err) == 0, "%s", err.msg);
  CHECK(nets_st_writer_save(wr, path, &err) == 0, "%s", err.msg);
  nets_st_writer_free(wr);
}

static int run(char *a0, char *a1, char *a2, char *a3, char *a4, char *a5, char *a6) {
  char *argv[] = {"average", a0, a1, a2, a3, a4, a5, a6, NULL};
  int argc = 1;
  while (argv[argc]) argc++;
  return average_main(argc, argv);
}

int main(void) {
  char dir[] = "/tmp/nets-test-average-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char a[256], b[256], c[256], out[256], bad[256];
  snprintf(a, sizeof a, "%s/a.safetensors", dir);
  snprintf(b, sizeof b, "%s/b.safetensors", dir);
  snprintf(c, sizeof c, "%s/c.safetensors", dir);
  snprintf(out, sizeof out, "%s/out.safetensors", dir);
  snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
  write_file(a, 1.0f, -0.4f, "100", 0);
  write_file(b, 3.0f, -0.2f, "200", 0);
  write_file(c, 0.0f, 0.0f, "300", 1);

  /* the mean of two files, then shifted */
  CHECK(run("-o", out, "--shift", "logit.bias=-0.05", a, b, NULL) == 0, "average a b");
  nets_error err = {0};
  nets_st_file *f = nets_st_load(out, &err);
  CHECK(f != NULL, "load: %s", err.msg);
  if (f) {
    const nets_st_tensor *w = nets_st_find(f, "w"), *lb = nets_st_find(f, "logit.bias");
    CHECK(w && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3, "w's shape kept");
    for (int i = 0; w && i < 6; i++) CHECK(fabsf(w->data[i] - (2.0f + i)) < 1e-6f, "w[%d] = %g", i, w->data[i]);
    CHECK(lb && fabsf(lb->data[0] - (-0.35f)) < 1e-6f, "bias: mean -0.3, shifted by -0.05: %g",
          lb ? lb->data[0] : 0);
    const char *avg = nets_st_meta(f, "averaged"), *cal = nets_st_meta(f, "calibration");
    CHECK(avg && strstr(avg, "a.safetensors (step 100)") && strstr(avg, "b.safetensors (step 200)"),
          "averaged names both files: %s", avg ? avg : "(none)");
    CHECK(cal && strstr(cal, "logit.bias lowered by 0.05") && strstr(cal, "-0.3"), "calibration: %s",
          cal ? cal : "(none)");
    CHECK(nets_st_meta(f, "arch") && !strcmp(nets_st_meta(f, "arch"), "toy"), "first file's metadata kept");
    CHECK(!nets_st_meta(f, "second_look"), "the second-look model, fitted to another map, kept");
    nets_st_free(f);
  }
  /* a second calibration keeps the first one's note */
  CHECK(run("-o", bad, "--shift", "logit.bias=0.1", out, NULL, NULL) == 0, "calibrate again");
  f = nets_st_load(bad, &err);
  if (f) {
    const char *cal = nets_st_meta(f, "calibration");
    CHECK(cal && strstr(cal, "lowered by 0.05") && strstr(cal, "; then logit.bias raised by 0.1"),
          "both calibrations noted: %s", cal ? cal : "(none)");
    CHECK(!nets_st_meta(f, "averaged") || strstr(nets_st_meta(f, "averaged"), "a.safetensors"),
          "one file: the earlier mean's note stays");
    nets_st_free(f);
  }
  unlink(bad);
  /* one file, no shift: the same map, and its model stays */
  CHECK(run("-o", bad, a, NULL, NULL, NULL, NULL) == 0, "copy");
  f = nets_st_load(bad, &err);
  CHECK(f && nets_st_meta(f, "second_look"), "a copy dropped the second-look model");
  nets_st_free(f);
  unlink(bad);

  /* refused: another network, an unknown tensor, a malformed shift, no output */
  CHECK(run("-o", bad, a, c, NULL, NULL, NULL) == 1, "files of different networks refused");
  CHECK(access(bad, F_OK) != 0, "nothing written after a refusal");
  CHECK(run("-o", bad, "--shift", "nope=1", a, NULL, NULL) == 1, "unknown tensor refused");
  CHECK(run("-o", bad, "--shift", "logit.bias=x", a, NULL, NULL) == 1, "bad delta refused");
  CHECK(run("-o", bad, "--shift", "logit.bias", a, NULL, NULL) == 1, "shift without = refused");
  CHECK(access(bad, F_OK) != 0, "nothing written after a refusal");
  CHECK(run(a, b, NULL, NULL, NULL, NULL, NULL) == 2, "no -o: usage");

  unlink(a), unlink(b), unlink(c), unlink(out), rmdir(dir);
  return check_report("test-average");
}
