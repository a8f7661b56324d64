/* The second look's fitted model (coverings.h, nets_detector_look_model):
 * its text form, a detector file that carries one, and the coverings kept
 * by it, on the astronaut photo (python3-skimage) with a surgical mask
 * drawn on as `unmask demo` draws it.  The image part skips (77) without
 * the shipped weights or the photo. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "coverings.h"
#include "memio.h"
#include "models.h"
#include "pipeline.h"
#include "safetensors.h"
#include "synth.h"
#include "weights-util.h"

#define ASTRONAUT "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
#define MAX_BOXES 16

/* The detector file src again as dst, with look (NULL: no model) as its
 * NETS_LOOK_META. */
static int copy_with_look(const char *src, const char *dst, const char *look) {
  nets_error err = {0};
  nets_st_file *f = nets_st_load(src, &err);
  const char *const drop[] = {NETS_LOOK_META, NULL}, *const add[] = {NETS_LOOK_META, look, NULL};
  const int rc = f ? nets_st_save_copy(f, dst, drop, look ? add : NULL, &err) : 1;
  nets_st_free(f);
  if (rc) printf("copy_with_look: %s\n", err.msg);
  return rc;
}

/* The coverings the detector file at path keeps on rgb (w x h); -1 when it
 * does not load. */
static int coverings_with(const char *path, const float *rgb, int w, int h, nets_det_box *boxes) {
  nets_error err = {0};
  nets_detector *d = nets_detector_load(path, &err);
  if (!d) return -1;
  const unmask_levels lv = unmask_levels_for(0.5, (size_t)w * h);
  float *prob = malloc(sizeof(float) * w * h);
  int *labels = malloc(sizeof(int) * w * h);
  int n = unmask_probability_map(d, rgb, w, h, prob, &err);
  if (!n) n = unmask_coverings(d, NULL, rgb, w, h, prob, &lv, labels, boxes, MAX_BOXES, &err);
  free(prob), free(labels);
  nets_detector_free(d);
  return n;
}

static int read_landmarks(const char *path, float *lm) {
  FILE *f = fopen(path, "r");
  int n = 0;
  char line[256];
  while (f && fgets(line, sizeof line, f) && n < 68)
    if (line[0] != '#' && sscanf(line, "%f %f", &lm[2 * n], &lm[2 * n + 1]) == 2) n++;
  if (f) fclose(f);
  return n == 68 ? 0 : -1;
}

int main(void) {
  /* the text form: "look-v1 N w1 .. wN b" */
  float w[NETS_LOOK_MAX + 1];
  CHECK(nets_look_parse("look-v1 2 0.5 -1.25 3", w) == 2 && w[0] == 0.5f && w[1] == -1.25f && w[2] == 3.f,
        "a model of 2 weights");
  CHECK(nets_look_parse("look-v1 2 0.5 -1.25", w) < 0, "a missing bias taken");
  CHECK(nets_look_parse("look-v1 2 0.5 -1.25 3 4", w) < 0, "a value too many taken");
  CHECK(nets_look_parse("look-v1 2 0.5 x 3", w) < 0, "a word taken for a number");
  CHECK(nets_look_parse("look-v2 2 0.5 -1.25 3", w) < 0, "another version taken");
  CHECK(nets_look_parse("look-v1 999 1", w) < 0, "more weights than NETS_LOOK_MAX taken");
  /* the bar moves with the sensitivity */
  CHECK(unmask_levels_for(0.5, 65536).look_bar == 0.f && unmask_levels_for(0.7, 65536).look_bar < 0.f &&
            unmask_levels_for(0.3, 65536).look_bar > 0.f,
        "look_bar at 0.3 / 0.5 / 0.7: %g / %g / %g", unmask_levels_for(0.3, 65536).look_bar,
        unmask_levels_for(0.5, 65536).look_bar, unmask_levels_for(0.7, 65536).look_bar);

  SKIP_WITHOUT_WEIGHTS();
  if (access(ASTRONAUT, R_OK)) {
    printf("SKIP: no %s (python3-skimage)\n", ASTRONAUT);
    return check_failures ? 1 : 77;
  }
  nets_error err = {0};
  float lm[136];
  char shipped[4200], tmpl[] = "/tmp/test-look-XXXXXX", path[4200];
  snprintf(shipped, sizeof shipped, "%s/detector.safetensors", weights_dir());
  CHECK(read_landmarks(UNMASK_SOURCE_WEIGHTS_DIR "/../tests/data/astronaut-landmarks.txt", lm) == 0, "landmarks");
  nets_image *src = nets_image_load(ASTRONAUT, &err), *rgb = src ? nets_image_convert(src, 3) : NULL;
  CHECK(rgb && unmask_synth_render_mask(lm, UNMASK_MASK_SURGICAL, 7, rgb, NULL, NULL, &err) == 0, "mask: %s", err.msg);
  CHECK(mkdtemp(tmpl) != NULL, "temporary folder");
  if (check_failures) return 1;
  const int W = rgb->width, H = rgb->height;
  nets_det_box boxes[MAX_BOXES];

  /* without a model: the fixed bars, which keep the drawn mask */
  snprintf(path, sizeof path, "%s/bars.safetensors", tmpl);
  CHECK(copy_with_look(shipped, path, NULL) == 0, "no model");
  const int n_bars = coverings_with(path, rgb->data, W, H, boxes);
  CHECK(n_bars >= 1, "the bars keep %d coverings", n_bars);
  /* the shipped file: its own model keeps it too, and only it (not the
   * round mission patch on the suit, which the map is sure of) */
  const int n_shipped = coverings_with(shipped, rgb->data, W, H, boxes);
  /* on the mouth (landmark 62, the inner upper lip) */
  const float mx = lm[2 * 62], my = lm[2 * 62 + 1];
  CHECK(n_shipped == 1 && boxes[0].x < mx && mx < boxes[0].x + boxes[0].w && boxes[0].y < my && my < boxes[0].y + boxes[0].h,
        "the shipped file keeps %d, first at %d,%d %dx%d, the mouth at %.0f,%.0f", n_shipped, boxes[0].x, boxes[0].y,
        boxes[0].w, boxes[0].h, mx, my);
  /* a model whose bias no covering can reach keeps none; one whose bias
   * all reach keeps what the bars keep: it never adds a covering */
  snprintf(path, sizeof path, "%s/none.safetensors", tmpl);
  CHECK(copy_with_look(shipped, path, "look-v1 6 0 0 0 0 0 0 -100") == 0, "a model");
  CHECK(coverings_with(path, rgb->data, W, H, boxes) == 0, "a model of bias -100 keeps %d",
        coverings_with(path, rgb->data, W, H, boxes));
  snprintf(path, sizeof path, "%s/all.safetensors", tmpl);
  CHECK(copy_with_look(shipped, path, "look-v1 6 0 0 0 0 0 0 100") == 0, "a model");
  const int n_all = coverings_with(path, rgb->data, W, H, boxes);
  CHECK(n_all == n_bars, "a model of bias 100 keeps %d, the bars %d", n_all, n_bars);
  /* the same with models of the pooled form (UNMASK_LOOK_POOLED features) */
  {
    char text[64 + 4 * UNMASK_LOOK_POOLED];
    for (int k = 0; k < 2; k++) {
      int len = snprintf(text, sizeof text, "look-v1 %d", UNMASK_LOOK_POOLED);
      for (int i = 0; i < UNMASK_LOOK_POOLED; i++) len += snprintf(text + len, sizeof text - len, " 0");
      snprintf(text + len, sizeof text - len, " %s", k ? "100" : "-100");
      snprintf(path, sizeof path, "%s/%s.safetensors", tmpl, k ? "all" : "none");
      CHECK(copy_with_look(shipped, path, text) == 0, "a pooled model");
      const int kept = coverings_with(path, rgb->data, W, H, boxes);
      CHECK(kept == (k ? n_bars : 0), "a pooled model of bias %s keeps %d, the bars %d", k ? "100" : "-100", kept,
            n_bars);
    }
  }
  /* the model's weights count: a large weight on the map's score (feature
   * 3, a logit) keeps the mask (score over 0.5) with a bias of 0 */
  snprintf(path, sizeof path, "%s/score.safetensors", tmpl);
  CHECK(copy_with_look(shipped, path, "look-v1 6 0 0 0 100 0 0 0") == 0, "a model");
  CHECK(coverings_with(path, rgb->data, W, H, boxes) >= 1, "a model of the score alone keeps nothing");
  /* the features of the drawn mask: clear of the frame's edges, with a
   * second look that is sure of it */
  if (n_bars >= 1) {
    nets_detector *d = nets_detector_load(shipped, &err);
    const unmask_levels lv = unmask_levels_for(0.5, (size_t)W * H);
    float *prob = malloc(sizeof(float) * W * H), f[UNMASK_LOOK_FEATURES];
    int *labels = malloc(sizeof(int) * W * H), kept = -1;
    unmask_levels all = lv;
    all.verify_size = 0;
    CHECK(d && unmask_probability_map(d, rgb->data, W, H, prob, &err) == 0 &&
              unmask_coverings(d, NULL, rgb->data, W, H, prob, &all, labels, boxes, MAX_BOXES, &err) >= 1 &&
              unmask_look_features(d, rgb->data, W, H, labels, &boxes[0], &lv, UNMASK_LOOK_FEATURES, f, &kept, &err) == 0,
          "features: %s", err.msg);
    CHECK(kept == 1, "the bars drop the drawn mask");
    CHECK(f[0] > 0 && f[3] > 0 && f[4] == 0 && f[5] == 0, "features %g %g %g %g %g %g", f[0], f[1], f[2], f[3], f[4], f[5]);
    /* with the pooled ones: the same six first, then what the network saw */
    float fp[UNMASK_LOOK_POOLED];
    CHECK(d && unmask_look_features(d, rgb->data, W, H, labels, &boxes[0], &lv, UNMASK_LOOK_POOLED, fp, &kept, &err) == 0,
          "pooled features: %s", err.msg);
    CHECK(!memcmp(fp, f, sizeof f), "the six features change with the pooled ones");
    int deep_on = 0, mid_on = 0;
    for (int i = 0; i < NETS_DETECTOR_POOLED; i++) {
      const float v = fp[UNMASK_LOOK_FEATURES + i];
      CHECK(isfinite(v) && fabsf(v) < 1e4f, "pooled feature %d: %g", i, v);
      if (i < 128) deep_on += v > 0;
      else mid_on += v != 0;
    }
    CHECK(deep_on > 0 && mid_on > 0, "pooled features all 0: %d deep, %d mid", deep_on, mid_on);
    CHECK(d && unmask_look_features(d, rgb->data, W, H, labels, &boxes[0], &lv, 7, fp, &kept, &err) != 0,
          "a feature count of 7 taken");
    free(prob), free(labels);
    nets_detector_free(d);
  }
  /* nets_detector_pooled itself: an error before any prediction; the deep
   * part ignores the weights, the mid part is a weighted mean (the same for
   * weights twice as large, all 0 for weights all 0) */
  {
    nets_detector *d = nets_detector_load(shipped, &err);
    const int S = 64;
    float *pic = malloc(sizeof(float) * 3 * S * S), *prob = malloc(sizeof(float) * S * S);
    float *wt = calloc((size_t)S * S, sizeof(float)), a[NETS_DETECTOR_POOLED], b[NETS_DETECTOR_POOLED];
    float c[NETS_DETECTOR_POOLED];
    CHECK(d && nets_detector_pooled(d, wt, S, S, a, &err) != 0, "pooled features before a prediction");
    for (int i = 0; i < 3 * S * S; i++) pic[i] = rgb->data[(size_t)(200 + i / (3 * S)) * W * 3 + 600 + i % (3 * S)];
    for (int y = 20; y < 40; y++)
      for (int x = 10; x < 50; x++) wt[y * S + x] = 1.f;
    CHECK(d && nets_detector_predict(d, pic, S, S, prob, &err) == 0 && nets_detector_pooled(d, wt, S, S, a, &err) == 0,
          "pooled: %s", err.msg);
    for (int i = 0; i < S * S; i++) wt[i] *= 2.f;
    CHECK(nets_detector_pooled(d, wt, S, S, b, &err) == 0, "pooled: %s", err.msg);
    memset(wt, 0, sizeof(float) * S * S);
    CHECK(nets_detector_pooled(d, wt, S, S, c, &err) == 0, "pooled: %s", err.msg);
    int same = 1, deep = 1, zero = 1;
    for (int i = 0; i < NETS_DETECTOR_POOLED; i++) {
      same &= fabsf(a[i] - b[i]) <= 1e-5f * (1 + fabsf(a[i]));
      if (i < 128) deep &= a[i] == c[i];
      else zero &= c[i] == 0.f;
    }
    CHECK(same && deep && zero, "weighted mean: scale-free %d, deep part kept %d, zero weights %d", same, deep, zero);
    CHECK(nets_detector_pooled(d, wt, S + 40, S, a, &err) != 0, "pooled features of another size");
    free(pic), free(prob), free(wt);
    nets_detector_free(d);
  }
  /* a value that is not a model: the file does not load */
  snprintf(path, sizeof path, "%s/bad.safetensors", tmpl);
  CHECK(copy_with_look(shipped, path, "look-v1 6 1 2") == 0, "a bad model");
  CHECK(nets_detector_load(path, &err) == NULL && strstr(err.msg, NETS_LOOK_META), "a bad model loaded: %s", err.msg);
  /* a second-look network (coverings.h, UNMASK_LOOK_FILE) beside the
   * detector's file takes the second looks with its own model: beside a copy
   * of the shipped detector, the shipped network with a model no covering
   * passes, so that the detector's own model would keep the mask and the
   * look's keeps nothing */
  {
    char dir[4300], det_path[4400], look_path[4400];
    snprintf(dir, sizeof dir, "%s/w", tmpl);
    snprintf(det_path, sizeof det_path, "%s/detector.safetensors", dir);
    snprintf(look_path, sizeof look_path, "%s/" UNMASK_LOOK_FILE, dir);
    CHECK(mkdir(dir, 0700) == 0 && copy_with_look(shipped, det_path, NULL) == 0, "a weights folder");
    nets_detector *look = (nets_detector *)1;
    CHECK(unmask_look_network_load(det_path, NULL, &look, &err) == 0 && look == NULL, "a look network from nowhere");
    CHECK(copy_with_look(shipped, look_path, "look-v1 6 0 0 0 0 0 0 -100") == 0, "a look network");
    CHECK(unmask_look_network_load(det_path, "none", &look, &err) == 0 && look == NULL, "none loads a look network");
    CHECK(unmask_look_network_load(det_path, NULL, &look, &err) == 0 && look, "the look network beside: %s", err.msg);
    nets_detector *d = nets_detector_load(shipped, &err);
    const unmask_levels lv = unmask_levels_for(0.5, (size_t)W * H);
    float *prob = malloc(sizeof(float) * W * H);
    int *labels = malloc(sizeof(int) * W * H);
    CHECK(d && look && unmask_probability_map(d, rgb->data, W, H, prob, &err) == 0, "map: %s", err.msg);
    if (d && look) {
      const int own = unmask_coverings(d, NULL, rgb->data, W, H, prob, &lv, labels, boxes, MAX_BOXES, &err);
      const int same = unmask_coverings(d, d, rgb->data, W, H, prob, &lv, labels, boxes, MAX_BOXES, &err);
      const int other = unmask_coverings(d, look, rgb->data, W, H, prob, &lv, labels, boxes, MAX_BOXES, &err);
      CHECK(own == n_shipped && same == own && other == 0, "coverings kept: own look %d, d's %d, the look network's %d",
            own, same, other);
    }
    free(prob), free(labels);
    nets_detector_free(d);
    if (look) nets_detector_free(look);
    /* and so does the pipeline, from a weights folder (the inpainter then
     * comes from the bundled weights) */
    unmask_models *m = unmask_models_load(dir, &err);
    CHECK(m != NULL, "weights folder with a look network: %s", err.msg);
    nets_image *rgba = nets_image_convert(rgb, 4);
    if (m && rgba) {
      unmask_memio mio;
      unmask_image_io io = unmask_memio_init(&mio, rgba, NULL);
      unmask_params p;
      unmask_params_default(&p);
      int n_faces = -1;
      const int n = unmask_detect(m, &io, &p, NULL, &n_faces, &err);
      CHECK(n == 0, "unmask_detect with the look network: %d (%s)", n, err.msg);
    }
    unmask_models_free(m);
    nets_image_free(rgba);
    /* a file there that does not load is an error, not the detector's own look */
    CHECK(copy_with_look(shipped, look_path, "look-v1 6 1 2") == 0, "a bad look network");
    CHECK(unmask_look_network_load(det_path, NULL, &look, &err) != 0 && look == NULL, "a bad look network loaded");
    CHECK((m = unmask_models_load(dir, &err)) == NULL, "a weights folder with a bad look network loaded");
    unmask_models_free(m);
    unlink(look_path), unlink(det_path), rmdir(dir);
  }
  const char *names[] = {"bars", "none", "all", "score", "bad"};
  for (int i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s/%s.safetensors", tmpl, names[i]);
    unlink(path);
  }
  rmdir(tmpl);
  nets_image_free(src), nets_image_free(rgb);
  return check_failures ? 1 : 0;
}
