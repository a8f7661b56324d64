/* Tests of nets/synth on a synthetic face drawn in code (no external data). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crop.h"
#include "homography.h"
#include "arch.h"
#include "models.h"
#include "synth.h"
#include "synth-private.h"
#include "texture.h"
#include "safetensors.h"
#include "train.h"
#include "train-common.h"
#include "look-crops.h"
#include "loop-targets.h"
#include "replay.h"
#include "augment.h"
#include "image.h"
#include "perceptual.h"
#include "rng.h"
#include "weights.h"
#include "adam.h"
#include "blas.h"
#include "parallel.h"
#include "unmask-config.h"

static int failures = 0;
#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (!(cond)) {                                           \
      failures++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
      fprintf(stderr, __VA_ARGS__);                          \
      fprintf(stderr, "\n");                                 \
    }                                                        \
  } while (0)

/* ---- a synthetic face: head ellipse, eyes, nose, mouth + 68 landmarks --- */
static void face_landmarks(float *lm, double ox, double oy, double sc) {
  double p[136];
  double cx = 100, cy = 85, rx = 70, ry = 100;
  for (int k = 0; k <= 16; k++) {
    double t = M_PI * k / 16;
    p[2 * k] = cx - rx * cos(t), p[2 * k + 1] = cy + ry * sin(t);
  }
  for (int k = 0; k < 5; k++) { /* brows */
    double x = 55 + 9 * k, y = 66 - 4 * sin(M_PI * k / 4);
    p[2 * (17 + k)] = x, p[2 * (17 + k) + 1] = y;
    p[2 * (26 - k)] = 200 - x, p[2 * (26 - k) + 1] = y;
  }
  for (int k = 0; k < 4; k++) p[2 * (27 + k)] = 100, p[2 * (27 + k) + 1] = 85 + 12 * k;
  static const double nb[5][2] = {{88, 128}, {94, 130}, {100, 132}, {106, 130}, {112, 128}};
  for (int k = 0; k < 5; k++) p[2 * (31 + k)] = nb[k][0], p[2 * (31 + k) + 1] = nb[k][1];
  static const double eye[6][2] = {{-12, 0}, {-6, -4}, {6, -4}, {12, 0}, {6, 4}, {-6, 4}};
  for (int k = 0; k < 6; k++) {
    p[2 * (36 + k)] = 70 + eye[k][0], p[2 * (36 + k) + 1] = 85 + eye[k][1];
    p[2 * (42 + k)] = 130 + eye[k][0], p[2 * (42 + k) + 1] = 85 + eye[k][1];
  }
  static const double mo[20][2] = {{78, 150}, {85, 145}, {93, 143}, {100, 144}, {107, 143},
                                   {115, 145}, {122, 150}, {115, 156}, {107, 159}, {100, 160},
                                   {93, 159},  {85, 156},  {82, 150},  {93, 148},  {100, 148},
                                   {107, 148}, {118, 150}, {107, 152}, {100, 153}, {93, 152}};
  for (int k = 0; k < 20; k++) p[2 * (48 + k)] = mo[k][0], p[2 * (48 + k) + 1] = mo[k][1];
  for (int i = 0; i < 68; i++) {
    lm[2 * i] = (float)(ox + (p[2 * i] - 100) * sc);
    lm[2 * i + 1] = (float)(oy + (p[2 * i + 1] - 100) * sc);
  }
}

static void fill_ellipse(nets_image *im, double cx, double cy, double rx, double ry,
                         const float *c) {
  for (int y = 0; y < im->height; y++)
    for (int x = 0; x < im->width; x++) {
      double u = (x - cx) / rx, v = (y - cy) / ry;
      double d = sqrt(u * u + v * v);
      double a = (1 - d) * fmin(rx, ry) + 0.5;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      float *p = im->data + ((size_t)y * im->width + x) * 3;
      for (int k = 0; k < 3; k++) p[k] += (float)((c[k] - p[k]) * a);
    }
}

/* draws the face whose landmarks face_landmarks(ox, oy, sc) gives */
static nets_image *face_image(int w, int h, double ox, double oy, double sc) {
  nets_image *im = nets_image_new(w, h, 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float *p = im->data + ((size_t)y * w + x) * 3;
      p[0] = 0.35f + 0.2f * y / h, p[1] = 0.45f, p[2] = 0.55f - 0.1f * x / w;
    }
  const float skin[3] = {0.86f, 0.66f, 0.55f}, white[3] = {0.95f, 0.95f, 0.95f},
              dark[3] = {0.15f, 0.1f, 0.08f}, lip[3] = {0.7f, 0.3f, 0.3f}, hair[3] = {0.2f, 0.12f, 0.08f};
#define T(v, o) ((o) + ((v) - 100) * sc)
  fill_ellipse(im, T(100, ox), T(70, oy), 78 * sc, 80 * sc, hair);
  fill_ellipse(im, T(100, ox), T(95, oy), 70 * sc, 92 * sc, skin);
  for (int e = 0; e < 2; e++) {
    fill_ellipse(im, T(70 + 60 * e, ox), T(85, oy), 12 * sc, 5 * sc, white);
    fill_ellipse(im, T(70 + 60 * e, ox), T(85, oy), 4 * sc, 4 * sc, dark);
    fill_ellipse(im, T(72 + 56 * e, ox), T(64, oy), 20 * sc, 3 * sc, hair);
  }
  const float nose[3] = {0.72f, 0.5f, 0.42f};
  fill_ellipse(im, T(100, ox), T(120, oy), 5 * sc, 14 * sc, nose);
  fill_ellipse(im, T(100, ox), T(130, oy), 12 * sc, 4 * sc, nose);
  fill_ellipse(im, T(100, ox), T(151, oy), 22 * sc, 8 * sc, lip);
#undef T
  return im;
}

static int covered(const float *cov, int w, int h, float x, float y) {
  int xi = (int)lroundf(x), yi = (int)lroundf(y);
  if (xi < 0 || yi < 0 || xi >= w || yi >= h) return 0;
  return cov[yi * w + xi] > 0.1f;
}

/* distance of (x, y) outside the polygon (0 inside) */
static double outside_dist(const double *poly, int n, double x, double y) {
  int inside = 0;
  double best = 1e30;
  for (int i = 0, j = n - 1; i < n; j = i++) {
    double xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
    if (((yi > y) != (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) inside = !inside;
    double dx = xj - xi, dy = yj - yi, l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((x - xi) * dx + (y - yi) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = xi + t * dx - x, ey = yi + t * dy - y;
    best = fmin(best, sqrt(ex * ex + ey * ey));
  }
  return inside ? 0 : best;
}

static int finite_range(const float *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]) || v[i] < -1e-6f || v[i] > 1 + 1e-6f) return 0;
  return 1;
}

static void test_kinds(void) {
  float lm[136];
  face_landmarks(lm, 100, 100, 1.0);
  double iod = 60;
  /* face outline: jaw 0..16 then up to the brows */
  double poly[2 * 19];
  for (int k = 0; k <= 16; k++) poly[2 * k] = lm[2 * k], poly[2 * k + 1] = lm[2 * k + 1];
  poly[34] = lm[2 * 26], poly[35] = lm[2 * 26 + 1];
  poly[36] = lm[2 * 17], poly[37] = lm[2 * 17 + 1];
  for (int kind = 0; kind < UNMASK_MASK_TEMPLATE; kind++)
    for (uint64_t seed = 1; seed <= 12; seed++) {
      nets_image *im = face_image(200, 240, 100, 100, 1.0);
      float *cov = calloc(200 * 240, sizeof(float)), *sh = calloc(200 * 240, sizeof(float));
      nets_error err = {0};
      int rc = unmask_synth_render_mask(lm, kind, seed, im, cov, sh, &err);
      CHECK(rc == 0, "kind %s seed %d: %s", unmask_mask_kind_name(kind), (int)seed, err.msg);
      CHECK(finite_range(im->data, (size_t)200 * 240 * 3), "kind %d: image values", kind);
      CHECK(finite_range(cov, 200 * 240), "kind %d: coverage values", kind);
      long n = 0;
      double worst = 0;
      for (int y = 0; y < 240; y++)
        for (int x = 0; x < 200; x++)
          if (cov[y * 200 + x] > 0.5f) {
            n++;
            worst = fmax(worst, outside_dist(poly, 19, x, y));
          }
      CHECK(n > 500, "kind %s: coverage too small (%ld)", unmask_mask_kind_name(kind), n);
      CHECK(worst <= 0.6 * iod, "kind %s seed %d: coverage %.1f px outside the face",
            unmask_mask_kind_name(kind), (int)seed, worst);
      if (kind <= UNMASK_MASK_DARK)
        for (int i = 30; i <= 35; i++)
          if (i != 30 || kind != UNMASK_MASK_DARK)
            CHECK(covered(cov, 200, 240, lm[2 * i], lm[2 * i + 1]), "kind %s seed %d: nose %d",
                  unmask_mask_kind_name(kind), (int)seed, i);
      if (kind != UNMASK_MASK_CHIN)
        for (int i = 48; i <= 67; i++)
          CHECK(covered(cov, 200, 240, lm[2 * i], lm[2 * i + 1]), "kind %s seed %d: mouth %d",
                unmask_mask_kind_name(kind), (int)seed, i);
      else
        for (int i = 7; i <= 9; i++)
          CHECK(covered(cov, 200, 240, lm[2 * i], lm[2 * i + 1] - 3), "kind chin seed %d: chin %d",
                (int)seed, i);
      /* same seed, same bytes */
      nets_image *im2 = face_image(200, 240, 100, 100, 1.0);
      float *cov2 = calloc(200 * 240, sizeof(float));
      unmask_synth_render_mask(lm, kind, seed, im2, cov2, NULL, NULL);
      CHECK(!memcmp(im->data, im2->data, sizeof(float) * 200 * 240 * 3) &&
                !memcmp(cov, cov2, sizeof(float) * 200 * 240),
            "kind %d: not deterministic", kind);
      nets_image_free(im), nets_image_free(im2);
      free(cov), free(cov2), free(sh);
    }
}

static char tmpdir[256];

static void write_template_cfg(void) {
  char p[512];
  snprintf(p, sizeof p, "%s/templates", tmpdir);
  mkdir(p, 0755);
  nets_image *t = nets_image_new(64, 48, 4);
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++) {
      float *q = t->data + ((size_t)y * 64 + x) * 4;
      double u = (x - 31.5) / 31, v = (y - 24) / 23;
      double d = pow(pow(fabs(u), 3) + pow(fabs(v), 3), 1 / 3.0);
      q[0] = 0.6f, q[1] = 0.78f, q[2] = 0.9f;
      q[3] = (float)fmin(1, fmax(0, (1 - d) * 20));
    }
  snprintf(p, sizeof p, "%s/templates/tiny.png", tmpdir);
  CHECK(nets_image_save(t, p, 8, 0, NULL) == 0, "save template");
  nets_image_free(t);
  /* upstream-style: integer anchors, mask_c first, root-relative path, [empty] */
  snprintf(p, sizeof p, "%s/masks.cfg", tmpdir);
  FILE *f = fopen(p, "w");
  fprintf(f, "; test cfg\n[empty]\n\n[tiny]\ntemplate: masks/templates/tiny.png\n"
             "mask_c: 60, 10\nmask_a: 4, 10\nmask_b: 32, 2\nmask_d: 6, 34\nmask_e: 32, 46\n"
             "mask_f: 58, 34\n\n[inpaint]\n# nothing\n");
  fclose(f);
}

static void test_template(void) {
  char p[512];
  snprintf(p, sizeof p, "%s/masks.cfg", tmpdir);
  nets_error err = {0};
  unmask_templates *T = unmask_templates_load(p, &err);
  CHECK(T != NULL, "templates: %s", err.msg);
  if (!T) return;
  CHECK(unmask_templates_count(T) == 1, "templates count %d", unmask_templates_count(T));
  float lm[136];
  face_landmarks(lm, 100, 100, 1.0);
  nets_image *im = face_image(200, 240, 100, 100, 1.0);
  float *cov = calloc(200 * 240, sizeof(float));
  int rc = unmask_synth_render_template(T, -1, lm, 3, im, cov, NULL, &err);
  CHECK(rc == 0, "render template: %s", err.msg);
  for (int i = 31; i <= 35; i++) CHECK(covered(cov, 200, 240, lm[2 * i], lm[2 * i + 1]), "tpl nose %d", i);
  for (int i = 48; i <= 67; i++) CHECK(covered(cov, 200, 240, lm[2 * i], lm[2 * i + 1]), "tpl mouth %d", i);
  CHECK(finite_range(im->data, (size_t)200 * 240 * 3), "template image values");
  nets_image_free(im);
  free(cov);
  unmask_templates_free(T);
}

static void test_crop_and_homography(void) {
  for (int i = 0; i < 1000; i++) {
    double bx = (i * 37) % 300 - 50, by = (i * 91) % 200 - 20;
    double bw = 10 + (i * 13) % 200, bh = 8 + (i * 29) % 190;
    double cx, cy, s;
    unmask_crop_from_hole_box(bx, by, bw, bh, &cx, &cy, &s);
    CHECK(cx - s / 2 <= bx + 1e-9 && cx + s / 2 >= bx + bw - 1e-9 && cy - s / 2 <= by + 1e-9 &&
              cy + s / 2 >= by + bh - 1e-9,
          "crop does not contain the box");
    CHECK(fabs((cy + s / 2) - (by + bh) - 0.1 * s) < 1e-6, "bottom margin");
  }
  /* the crop's pixels inside the image: every pixel whose centre is in it */
  for (int i = 0; i < 500; i++) {
    const int w = 40 + (i * 17) % 200, h = 30 + (i * 23) % 150, size = 16 + (i * 7) % 113;
    const double cx = (i * 31) % 300 - 40.25, cy = (i * 43) % 220 - 30.5, side = 5 + (i * 11) % 260;
    int x0, y0, x1, y1, bad = 0;
    unmask_crop_inside(w, h, cx, cy, side, size, &x0, &y0, &x1, &y1);
    const double step = side / size;
    for (int o = 0; o < size; o++) {
      const double px = cx - side / 2 + (o + 0.5) * step, py = cy - side / 2 + (o + 0.5) * step;
      bad += (px >= 0 && px < w) != (o >= x0 && o < x1);
      bad += (py >= 0 && py < h) != (o >= y0 && o < y1);
    }
    CHECK(!bad && x0 <= x1 && y0 <= y1, "crop inside: %d wrong columns or rows (case %d)", bad, i);
  }
  {
    int x0, y0, x1, y1; /* 128 px crop over a 100x80 image, 10 px off its left and top */
    unmask_crop_inside(100, 80, 54, 54, 128, 128, &x0, &y0, &x1, &y1);
    CHECK(x0 == 10 && y0 == 10 && x1 == 110 && y1 == 90, "crop inside: %d,%d-%d,%d", x0, y0, x1, y1);
    unmask_crop_inside(100, 80, 500, 54, 128, 64, &x0, &y0, &x1, &y1); /* off to the right */
    CHECK(x1 - x0 == 0, "crop inside: a crop beside the image has no pixel in it");
  }
  double H[9] = {1.2, 0.1, 5, -0.05, 0.9, 7, 0.0004, -0.0002, 1}, Hf[9];
  double src[12] = {0, 0, 100, 3, 200, 0, 5, 120, 100, 160, 195, 118}, dst[12];
  for (int i = 0; i < 6; i++) unmask_homography_apply(H, src[2 * i], src[2 * i + 1], &dst[2 * i], &dst[2 * i + 1]);
  CHECK(unmask_homography_fit(src, dst, 6, Hf) == 0, "homography fit");
  for (int i = 0; i < 6; i++) {
    double x, y;
    unmask_homography_apply(Hf, src[2 * i], src[2 * i + 1], &x, &y);
    CHECK(hypot(x - dst[2 * i], y - dst[2 * i + 1]) < 1e-6, "homography reprojection %d", i);
  }
}

/* ---- generator on a folder of synthetic faces -------------------------- */
typedef struct {
  unmask_synth *s;
  int from, to;
  float *out;
} job;

static void *run_job(void *arg) {
  job *j = arg;
  const int N = NETS_INPAINT_SIZE;
  size_t per = (size_t)N * N * 7;
  for (int i = j->from; i < j->to; i++) {
    float *o = j->out + per * i;
    unmask_synth_inpaint_sample(j->s, 0, 42, (uint64_t)i, o, o + N * N * 3, o + N * N * 4, NULL, NULL);
  }
  return NULL;
}

/* faces.csv: the header, and one row per drawn face (the face is drawn at
 * (ox, oy) with scale sc and saved as dir/name). */
static void csv_header(FILE *csv) {
  fprintf(csv, "file,width,height,source,licence");
  for (int i = 0; i < 68; i++) fprintf(csv, ",x%d,y%d", i, i);
  fprintf(csv, "\n");
}
static void csv_face(FILE *csv, const char *dir, const char *name, const char *source, int w, int h,
                     double ox, double oy, double sc) {
  char fp[700];
  nets_image *im = face_image(w, h, ox, oy, sc);
  snprintf(fp, sizeof fp, "%s/%s", dir, name);
  CHECK(nets_image_save(im, fp, 8, 92, NULL) == 0, "save %s", fp);
  nets_image_free(im);
  float lm[136];
  face_landmarks(lm, ox, oy, sc);
  fprintf(csv, "%s,%d,%d,%s,none", name, w, h, source);
  for (int i = 0; i < 136; i++) fprintf(csv, ",%.1f", lm[i]);
  fprintf(csv, "\n");
}

/* eval-photos: only the held-out 300-W photos, each masked and repaired by
 * the whole pipeline with the committed weights; the table's "masked photo"
 * row leaves all of the coverings, and every held-out photo gets a strip. */
/* Runs a command's main on args (NULL-terminated) with its standard output
 * in the file out; returns what main returned. */
static int run_to_file(int (*main_fn)(int, char **), const char **args, const char *out) {
  int argc = 0;
  while (args[argc]) argc++;
  fflush(stdout);
  int saved = dup(1), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 1);
  const int rc = main_fn(argc, (char **)args);
  fflush(stdout);
  dup2(saved, 1), close(fd), close(saved);
  return rc;
}

/* The committed detector's path in w (700 bytes); 0 when it is missing,
 * and then says that `what` is not tested. */
static int committed_detector(char *w, const char *what) {
  snprintf(w, 700, "%s/detector.safetensors", UNMASK_SOURCE_WEIGHTS_DIR);
  if (!access(w, R_OK)) return 1;
  printf("%s: no committed weights, not tested\n", what);
  return 0;
}

static void test_eval_photos(void) {
  char dir[600], csv_path[600], grid[600], out[600], w[700];
  if (!committed_detector(w, "eval-photos")) return;
  snprintf(dir, sizeof dir, "%s/photos-eval", tmpdir);
  snprintf(grid, sizeof grid, "%s/photos-eval-grid", tmpdir);
  snprintf(csv_path, sizeof csv_path, "%s/photos-eval.csv", tmpdir);
  snprintf(out, sizeof out, "%s/photos-eval.txt", tmpdir);
  mkdir(dir, 0755), mkdir(grid, 0755);
  const char *names[3] = {"ibug_000001.jpg", "ibug_000002.jpg", "ibug_000004.jpg"};
  const int held[3] = {0, 1, 1};
  FILE *csv = fopen(csv_path, "w");
  csv_header(csv);
  for (int f = 0; f < 3; f++) {
    CHECK(unmask_synth_split_of(names[f], NULL) == held[f], "%s: split %d", names[f], !held[f]);
    csv_face(csv, dir, names[f], "ibug", 320, 240, 150, 110, 0.9);
  }
  fclose(csv);
  const char *args[] = {"eval-photos", "--faces", dir, "--csv", csv_path, "--weights", UNMASK_SOURCE_WEIGHTS_DIR,
                        "--grid", grid, "--threads", "1", NULL};
  int rc = run_to_file(eval_photos_main, args, out);
  CHECK(rc == 0, "eval-photos returned %d", rc);
  FILE *f = fopen(out, "r");
  char line[512];
  int photos = 0, masked_row = 0, unmask_row = 0;
  double detail = -1; /* the unmask row's fine detail over the coverings, % of the original's */
  while (f && fgets(line, sizeof line, f)) {
    fputs(line, stdout);
    sscanf(line, "held-out 300-W photos: %d", &photos);
    if (strstr(line, "| masked photo, no repair |") && strstr(line, "| 100.00% | 0.0% |")) masked_row = 1;
    if (!strncmp(line, "| unmask |", 10)) {
      double psnr, ssim, mae;
      unmask_row = sscanf(line, "| unmask | %lf | %lf | %lf | %lf%% |", &psnr, &ssim, &mae, &detail) == 4;
    }
  }
  if (f) fclose(f);
  CHECK(photos == 2 && masked_row && unmask_row, "eval-photos table: %d photos, rows %d %d", photos, masked_row,
        unmask_row);
  CHECK(detail > 0 && detail < 1000, "eval-photos: the repaired coverings' detail is %.0f%% of the original's", detail);
  for (int k = 0; k < 3; k++) {
    char png[800];
    snprintf(png, sizeof png, "%s/%.*s.png", grid, 11, names[k]);
    CHECK((access(png, R_OK) == 0) == held[k], "%s: strip %s", names[k], held[k] ? "missing" : "written");
  }
  /* the drawn coverings as the selection: all of them repainted, nothing else */
  const char *args2[] = {"eval-photos", "--faces", dir, "--csv", csv_path, "--weights", UNMASK_SOURCE_WEIGHTS_DIR,
                         "--exact-holes", "--threads", "1", NULL};
  rc = run_to_file(eval_photos_main, args2, out);
  CHECK(rc == 0, "eval-photos --exact-holes returned %d", rc);
  f = fopen(out, "r");
  int exact_row = 0;
  while (f && fgets(line, sizeof line, f)) {
    fputs(line, stdout);
    if (!strncmp(line, "| unmask |", 10) && strstr(line, "| 0.00% | 0.0% |")) exact_row = 1;
  }
  if (f) fclose(f);
  CHECK(exact_row, "eval-photos --exact-holes: the unmask row must leave no covering and repaint nothing else");
  /* no held-out photo at all: an error */
  csv = fopen(csv_path, "w");
  csv_header(csv);
  csv_face(csv, dir, names[0], "ibug", 320, 240, 150, 110, 0.9);
  fclose(csv);
  const char *args1[] = {"eval-photos", "--faces", dir, "--csv", csv_path, "--weights", UNMASK_SOURCE_WEIGHTS_DIR,
                         NULL};
  CHECK(eval_photos_main(7, (char **)args1) == 1, "eval-photos without held-out photos must fail");
}

/* eval-detector on scenes of the test faces with the committed weights:
 * the look-alike table counts what was drawn, and no more hits than that */
static void test_eval_detector(void) {
  char dir[600], csv_path[600], cfg[600], out[600], w[700];
  if (!committed_detector(w, "eval-detector")) return;
  snprintf(dir, sizeof dir, "%s/faces", tmpdir);
  snprintf(csv_path, sizeof csv_path, "%s/faces.csv", tmpdir);
  snprintf(cfg, sizeof cfg, "%s/masks.cfg", tmpdir);
  snprintf(out, sizeof out, "%s/eval-detector.txt", tmpdir);
  char looks_path[700];
  snprintf(looks_path, sizeof looks_path, "%s/looks.txt", tmpdir);
  const char *args[] = {"eval-detector", "--faces", dir, "--csv", csv_path, "--templates", cfg, "--weights", w,
                        "--n", "60", "--size", "128", "--faces-n", "8", "--threads", "1", "--looks", looks_path,
                        NULL};
  int rc = run_to_file(eval_detector_main, args, out);
  CHECK(rc == 0, "eval-detector returned %d", rc);
  FILE *f = fopen(out, "r");
  char line[512];
  int in_table = 0, rows = 0, drawn_all = 0, bad = 0, fp_on = -1, fp = -1;
  const char *fp_row = "| detections matching nothing that lie on one |";
  int flag_n = -1, flag_of = -1, smear_n = -1, smear_of = -1;
  while (f && fgets(line, sizeof line, f)) {
    fputs(line, stdout);
    const char *q;
    if (!strncmp(line, "| unmasked faces flagged |", 26) && (q = strchr(line + 26, '(')))
      sscanf(q, "(%d of %d)", &flag_n, &flag_of);
    if (strstr(line, "counted on the whole face crop, edge smear included") && (q = strrchr(line, '(')))
      sscanf(q, "(%d of %d)", &smear_n, &smear_of);
    if (strstr(line, "| look-alike drawn into the scenes")) in_table = 1;
    else if (in_table && !strncmp(line, fp_row, strlen(fp_row))) {
      sscanf(line + strlen(fp_row), " %d of %d", &fp_on, &fp);
      in_table = 0;
    } else if (in_table && line[0] == '|' && line[1] == ' ') {
      const char *c = strstr(line + 2, " | ");
      int drawn = -1, hit = -1;
      if (c && sscanf(c, " | %d | %d (", &drawn, &hit) == 2) rows++, drawn_all += drawn, bad += hit < 0 || hit > drawn;
      else bad++;
    }
  }
  if (f) fclose(f);
  CHECK(rows >= 2 && rows <= UNMASK_LOOKALIKE_KINDS && drawn_all > 0 && !bad,
        "eval-detector look-alike table: %d rows, %d drawn, %d bad rows", rows, drawn_all, bad);
  CHECK(fp >= 0 && fp_on >= 0 && fp_on <= fp, "eval-detector: %d of %d false detections on look-alikes", fp_on, fp);
  /* unmasked faces: scored on their part inside the photo, and on the whole crop */
  CHECK(flag_of > 0 && smear_of == flag_of && flag_n >= 0 && flag_n <= flag_of && smear_n >= 0 && smear_n <= flag_of,
        "eval-detector unmasked faces: %d of %d flagged, %d of %d on the whole crop", flag_n, flag_of, smear_n, smear_of);
  /* --looks: a line of 15 numbers per covering of the map, in range; some of them true coverings; plain is
   * -1 exactly when the IoU is under 0.1, which its 3 decimals cannot tell within half a thousandth of it */
  FILE *lf = fopen(looks_path, "r");
  int n_lines = 0, n_true = 0, bad_lines = 0;
  while (lf && fgets(line, sizeof line, lf)) {
    int scene, k, bx, by, bw, bh, plain, bars, close;
    long area;
    float score, iou, p, pc, z;
    const int got = sscanf(line, "%d %d %d %d %d %d %f %ld %f %d %d %f %f %d %f", &scene, &k, &bx, &by, &bw, &bh,
                           &score, &area, &iou, &plain, &bars, &p, &pc, &close, &z);
    n_lines++;
    if (got != 15 || scene < 0 || scene >= 60 || k < 0 || bw < 1 || bh < 1 || bx < 0 || by < 0 || bx + bw > 128 ||
        by + bh > 128 || !(score >= 0 && score <= 1) || area < 1 || !(iou >= 0 && iou <= 1) || plain < -1 ||
        plain > 1 || ((plain == -1) != (iou < 0.1f) && fabsf(iou - 0.1f) > 0.0006f) || (bars != 0 && bars != 1) ||
        (close != 0 && close != 1))
      bad_lines++;
    n_true += got == 15 && iou >= 0.5f;
  }
  if (lf) fclose(lf);
  CHECK(lf && n_lines > 0 && n_true > 0 && !bad_lines, "eval-detector --looks: %d lines, %d true, %d bad", n_lines,
        n_true, bad_lines);
  /* --first: another range of scenes, named in the header; below 0 refused */
  const char *later[] = {"eval-detector", "--faces", dir, "--csv", csv_path, "--templates", cfg, "--weights", w,
                         "--n", "3", "--first", "500", "--size", "64", "--faces-n", "1", "--threads", "1", NULL};
  rc = run_to_file(eval_detector_main, later, out);
  f = fopen(out, "r");
  int named = 0;
  while (f && fgets(line, sizeof line, f)) named |= strstr(line, "held-out scenes: 3 (numbers 500-502, 64x64") != NULL;
  if (f) fclose(f);
  CHECK(rc == 0 && named, "eval-detector --first 500 --n 3: returned %d, header %s", rc, named ? "right" : "wrong");
  later[12] = "-1";
  CHECK(run_to_file(eval_detector_main, later, out) == 2, "--first -1 taken");
}

static void test_generator(void) {
  char p[512];
  snprintf(p, sizeof p, "%s/faces", tmpdir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/faces.csv", tmpdir);
  FILE *csv = fopen(p, "w");
  char dir[600], cfg[600];
  snprintf(dir, sizeof dir, "%s/faces", tmpdir);
  csv_header(csv);
  for (int f = 0; f < 24; f++) {
    int w = 160 + 8 * (f % 5), h = 200;
    double sc = 0.7 + 0.03 * (f % 7), ox = w / 2.0 + (f % 3) - 1, oy = 95 + (f % 4);
    char name[64];
    snprintf(name, sizeof name, "test_%03d.%s", f, f % 2 ? "png" : "jpg");
    csv_face(csv, dir, name, "test", w, h, ox, oy, sc);
  }
  fclose(csv);
  snprintf(cfg, sizeof cfg, "%s/masks.cfg", tmpdir);
  nets_error err = {0};
  unmask_synth *s = unmask_synth_new(dir, p, cfg, &err);
  CHECK(s != NULL, "synth_new: %s", err.msg);
  if (!s) return;
  CHECK(unmask_synth_count(s, 0) + unmask_synth_count(s, 1) == 24, "split counts");
  const int N = NETS_INPAINT_SIZE, n = 16;
  size_t per = (size_t)N * N * 7;
  float *a = calloc(per * n, sizeof(float)), *b = calloc(per * n, sizeof(float));
  job j1 = {s, 0, n, a};
  run_job(&j1);
  for (int i = 0; i < n; i++) {
    float *o = a + per * i;
    CHECK(finite_range(o, per), "sample %d values", i);
    long holes = 0;
    for (int k = 0; k < N * N; k++) holes += o[N * N * 3 + k] > 0.5f;
    CHECK(holes > N * N / 20 && holes < N * N * 3 / 4, "sample %d hole area %ld", i, holes);
  }
  /* two threads, interleaved ranges: identical bytes */
  job t1 = {s, 0, n / 2, b}, t2 = {s, n / 2, n, b};
  pthread_t th1, th2;
  pthread_create(&th1, NULL, run_job, &t1);
  pthread_create(&th2, NULL, run_job, &t2);
  pthread_join(th1, NULL);
  pthread_join(th2, NULL);
  CHECK(!memcmp(a, b, sizeof(float) * per * n), "samples differ between thread layouts");
  /* validity map: 0/1, the crop centre is always inside the photo, and the
   * pixels are the same with or without asking for it */
  float *v = malloc(sizeof(float) * N * N), *c = malloc(sizeof(float) * per);
  for (int i = 0; i < n; i++) {
    unmask_synth_inpaint_sample(s, 0, 42, (uint64_t)i, c, c + N * N * 3, c + N * N * 4, v, NULL);
    long ones = 0, other = 0;
    for (int k = 0; k < N * N; k++) ones += v[k] == 1.f, other += v[k] != 0.f && v[k] != 1.f;
    CHECK(other == 0 && v[(N / 2) * N + N / 2] == 1.f && ones > N * N / 2, "sample %d validity", i);
    CHECK(!memcmp(c, a + per * i, sizeof(float) * per), "sample %d changed by the validity map", i);
  }
  /* the kind of each sample's mask: the same triple, and only chin masks
   * when only those are drawn */
  double chin_only[UNMASK_MASK_N_KINDS] = {0};
  chin_only[UNMASK_MASK_CHIN] = 1;
  for (int pass = 0; pass < 2; pass++) {
    if (pass) unmask_synth_set_kind_weights(s, chin_only);
    for (int i = 0; i < 4; i++) {
      int kind = -1;
      CHECK(unmask_synth_inpaint_sample_ex(s, 0, 42, (uint64_t)i, c, c + N * N * 3, c + N * N * 4, NULL,
                                           &kind, NULL, NULL) == 0 &&
                kind >= 0 && kind < UNMASK_MASK_N_KINDS && (!pass || kind == UNMASK_MASK_CHIN),
            "sample %d: kind %d", i, kind);
      if (!pass) CHECK(!memcmp(c, a + per * i, sizeof(float) * per), "sample %d changed by asking its kind", i);
    }
  }
  unmask_synth_set_kind_weights(s, NULL);
  free(v), free(c);
  /* scenes */
  float *rgb = malloc(sizeof(float) * 128 * 96 * 3), *cover = malloc(sizeof(float) * 128 * 96);
  float *rgb2 = malloc(sizeof(float) * 128 * 96 * 3);
  unmask_box boxes[16];
  int total_boxes = 0;
  for (int i = 0; i < 6; i++) {
    int nb = 0;
    int rc = unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb, cover, NULL, boxes, 16, &nb, &err);
    CHECK(rc == 0, "scene %d: %s", i, err.msg);
    CHECK(finite_range(rgb, 128 * 96 * 3) && finite_range(cover, 128 * 96), "scene values");
    for (int k = 0; k < nb; k++) {
      CHECK(boxes[k].x >= 0 && boxes[k].y >= 0 && boxes[k].x + boxes[k].w <= 128 &&
                boxes[k].y + boxes[k].h <= 96 && boxes[k].w > 0,
            "scene box %d", k);
      /* no whole photos of people here: every mask is on a pasted face */
      CHECK(boxes[k].pasted == 1, "scene %d box %d not on a pasted face", i, k);
      CHECK(boxes[k].visible > 0 && boxes[k].visible <= 1 && boxes[k].face_w > 0,
            "scene %d box %d: visible %g, face %g px", i, k, boxes[k].visible, boxes[k].face_w);
    }
    total_boxes += nb;
    unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb2, cover, NULL, NULL, 0, NULL, NULL);
    CHECK(!memcmp(rgb, rgb2, sizeof(float) * 128 * 96 * 3), "scene %d not deterministic", i);
  }
  CHECK(total_boxes > 0, "no covering in 6 scenes");
  /* each box names its mask's kind; the kind weights choose the kinds drawn,
   * and the defaults give back the same scenes */
  unmask_synth_scene(s, 0, 9, 0, 128, 96, rgb, cover, NULL, NULL, 0, NULL, NULL);
  double only_chin[UNMASK_MASK_N_KINDS] = {0};
  only_chin[UNMASK_MASK_CHIN] = 1;
  unmask_synth_set_kind_weights(s, only_chin);
  int chin_boxes = 0, other_boxes = 0;
  for (int i = 0; i < 6; i++) {
    int nb = 0;
    unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb2, cover, NULL, boxes, 16, &nb, &err);
    for (int k = 0; k < nb; k++) chin_boxes += boxes[k].kind == UNMASK_MASK_CHIN, other_boxes += boxes[k].kind != UNMASK_MASK_CHIN;
  }
  CHECK(chin_boxes > 0 && other_boxes == 0, "only chin masks asked: %d chin, %d other", chin_boxes, other_boxes);
  unmask_synth_set_kind_weights(s, NULL);
  int kinds_seen = 0;
  for (int i = 0; i < 24; i++) {
    int nb = 0;
    unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb2, cover, NULL, boxes, 16, &nb, &err);
    for (int k = 0; k < nb; k++) {
      CHECK(boxes[k].kind >= 0 && boxes[k].kind < UNMASK_MASK_N_KINDS, "box kind %d", boxes[k].kind);
      if (boxes[k].kind >= 0 && boxes[k].kind < 31) kinds_seen |= 1 << boxes[k].kind;
    }
    if (i == 0) CHECK(!memcmp(rgb, rgb2, sizeof(float) * 128 * 96 * 3), "default kind weights change scene 0");
  }
  /* small faces: every pasted face of a training scene 24-48 px wide; the
   * held-out scenes and, at 0, the training scenes as before */
  CHECK(unmask_synth_set_small_share(s, 1.5) == -1 && unmask_synth_set_small_share(s, NAN) == -1,
        "small-face share outside 0..1 taken");
  unmask_synth_scene(s, 1, 9, 2, 128, 96, rgb, cover, NULL, NULL, 0, NULL, NULL);
  CHECK(unmask_synth_set_small_share(s, 1) == 0, "small-face share 1 refused");
  int small_boxes = 0, large_boxes = 0;
  for (int i = 0; i < 24; i++) {
    int nb = 0;
    unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb2, cover, NULL, boxes, 16, &nb, &err);
    for (int k = 0; k < nb; k++)
      small_boxes += boxes[k].face_w >= 23.5f && boxes[k].face_w <= 48.5f, large_boxes += boxes[k].face_w > 48.5f;
  }
  CHECK(small_boxes > 0 && large_boxes == 0, "small faces asked: %d small, %d larger", small_boxes, large_boxes);
  unmask_synth_scene(s, 1, 9, 2, 128, 96, rgb2, cover, NULL, NULL, 0, NULL, NULL);
  CHECK(!memcmp(rgb, rgb2, sizeof(float) * 128 * 96 * 3), "small faces change a held-out scene");
  unmask_synth_scene(s, 0, 9, 0, 128, 96, rgb, cover, NULL, NULL, 0, NULL, NULL);
  CHECK(unmask_synth_set_small_share(s, 0) == 0, "small-face share 0 refused");
  unmask_synth_scene(s, 0, 9, 0, 128, 96, rgb2, cover, NULL, NULL, 0, NULL, NULL);
  CHECK(memcmp(rgb, rgb2, sizeof(float) * 128 * 96 * 3) != 0, "small faces change nothing in training scene 0");
  /* faces cut by the top edge: at share 1 most pasted coverings reach the
   * frame's top row (at 0 few do); held-out scenes and, at 0, training
   * scenes as before */
  CHECK(unmask_synth_set_top_cut_share(s, -0.5) == -1 && unmask_synth_set_top_cut_share(s, NAN) == -1,
        "top-cut share outside 0..1 taken");
  float *before = malloc(sizeof(float) * 128 * 96 * 3 * 2);
  CHECK(before != NULL, "out of memory");
  if (before) {
    float *held = before + 128 * 96 * 3;
    unmask_synth_scene(s, 0, 9, 3, 128, 96, before, cover, NULL, NULL, 0, NULL, NULL);
    unmask_synth_scene(s, 1, 9, 2, 128, 96, held, cover, NULL, NULL, 0, NULL, NULL);
    int top_on[2] = {0, 0}, pasted_n[2] = {0, 0};
    for (int share = 1; share >= 0; share--) {
      CHECK(unmask_synth_set_top_cut_share(s, share) == 0, "top-cut share %d refused", share);
      for (int i = 0; i < 24; i++) {
        int nb = 0;
        unmask_synth_scene(s, 0, 9, (uint64_t)i, 128, 96, rgb2, cover, NULL, boxes, 16, &nb, &err);
        for (int k = 0; k < nb; k++)
          if (boxes[k].pasted) pasted_n[share]++, top_on[share] += boxes[k].y < 1.5f;
      }
      unmask_synth_scene(s, 1, 9, 2, 128, 96, rgb2, cover, NULL, NULL, 0, NULL, NULL);
      CHECK(!memcmp(held, rgb2, sizeof(float) * 128 * 96 * 3), "top-cut share %d changes a held-out scene", share);
    }
    CHECK(pasted_n[1] > 0 && 2 * top_on[1] > pasted_n[1] && 4 * top_on[0] < pasted_n[0],
          "top cut: %d of %d pasted coverings at the top edge asked, %d of %d without", top_on[1], pasted_n[1],
          top_on[0], pasted_n[0]);
    unmask_synth_scene(s, 0, 9, 3, 128, 96, rgb2, cover, NULL, NULL, 0, NULL, NULL);
    CHECK(!memcmp(before, rgb2, sizeof(float) * 128 * 96 * 3), "top-cut share 0 changes training scene 3");
  }
  free(before);
  /* scarves kept clear of the chin: training scenes only, and at share 0
   * as before; counted over scenes that hold a scarf */
  CHECK(unmask_synth_set_low_scarf_share(s, 1.5) == -1 && unmask_synth_set_low_scarf_share(s, NAN) == -1,
        "low-scarf share outside 0..1 taken");
  float *scarf0 = malloc(sizeof(float) * 128 * 96 * 3 * 2);
  CHECK(scarf0 != NULL, "out of memory");
  if (scarf0) {
    float *moved = scarf0 + 128 * 96 * 3;
    int with_scarf[2] = {0, 0}, changed[2] = {0, 0}, same_after = 1;
    for (int sp = 0; sp < 2; sp++)
      for (int i = 0; i < 48; i++) {
        unmask_lookalike looks[16];
        unmask_scene_truth tr = {.looks = looks, .max_looks = 16};
        CHECK(unmask_synth_set_low_scarf_share(s, 0) == 0, "low-scarf share 0 refused");
        unmask_synth_scene_truth(s, sp, 0, 9, (uint64_t)i, 128, 96, scarf0, cover, NULL, &tr, NULL);
        int scarf = 0;
        for (int k = 0; k < tr.n_looks; k++) scarf |= looks[k].kind == UNMASK_LOOKALIKE_SCARF;
        if (!scarf) continue;
        with_scarf[sp]++;
        CHECK(unmask_synth_set_low_scarf_share(s, 1) == 0, "low-scarf share 1 refused");
        unmask_synth_scene(s, sp, 9, (uint64_t)i, 128, 96, moved, cover, NULL, NULL, 0, NULL, NULL);
        changed[sp] += memcmp(scarf0, moved, sizeof(float) * 128 * 96 * 3) != 0;
        CHECK(unmask_synth_set_low_scarf_share(s, 0) == 0, "low-scarf share 0 refused");
        unmask_synth_scene(s, sp, 9, (uint64_t)i, 128, 96, moved, cover, NULL, NULL, 0, NULL, NULL);
        same_after &= !memcmp(scarf0, moved, sizeof(float) * 128 * 96 * 3);
      }
    CHECK(with_scarf[0] >= 2 && with_scarf[1] >= 2, "scarves in only %d training and %d held-out scenes of 48",
          with_scarf[0], with_scarf[1]);
    CHECK(changed[0] == with_scarf[0], "low scarves change %d of %d training scenes with a scarf", changed[0],
          with_scarf[0]);
    CHECK(changed[1] == 0, "low scarves change %d held-out scenes", changed[1]);
    CHECK(same_after, "low-scarf share 0 does not give the scenes of before");
  }
  free(scarf0);
  CHECK(__builtin_popcount((unsigned)kinds_seen) >= 3, "only %d mask kinds in 24 scenes", __builtin_popcount((unsigned)kinds_seen));
  /* no whole photos of people in this data: photo scenes fail cleanly */
  CHECK(unmask_synth_photo_count(s, 0) + unmask_synth_photo_count(s, 1) == 0, "no photos");
  CHECK(unmask_synth_photo_scene(s, 0, 9, 0, 128, 96, rgb, cover, boxes, 16, NULL, &err) == NETS_ERR_ARG,
        "photo scene without photos");
  free(rgb), free(rgb2), free(cover), free(a), free(b);
  unmask_synth_free(s);
}

/* Photo scenes: whole photos (source ibug) with masks drawn on their faces. */
static void test_photo_scenes(void) {
  char p[600], dir[600], cfg[600];
  snprintf(dir, sizeof dir, "%s/photos", tmpdir);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/photos.csv", tmpdir);
  FILE *csv = fopen(p, "w");
  csv_header(csv);
  for (int f = 0; f < 6; f++) {
    char name[64];
    snprintf(name, sizeof name, "ibug_%03d.jpg", f);
    csv_face(csv, dir, name, "ibug", 320, 240, 100 + 20 * f, 110, 0.5);
  }
  fclose(csv);
  snprintf(cfg, sizeof cfg, "%s/masks.cfg", tmpdir);
  nets_error err = {0};
  unmask_synth *s = unmask_synth_new(dir, p, cfg, &err);
  CHECK(s != NULL, "synth_new (photos): %s", err.msg);
  if (!s) return;
  CHECK(unmask_synth_photo_count(s, 0) + unmask_synth_photo_count(s, 1) == 6, "photo counts");
  const int split = unmask_synth_photo_count(s, 0) > 0 ? 0 : 1;
  float *rgb = malloc(sizeof(float) * 160 * 120 * 3), *rgb2 = malloc(sizeof(float) * 160 * 120 * 3);
  float *cover = malloc(sizeof(float) * 160 * 120);
  unmask_box boxes[16];
  int total = 0;
  for (int i = 0; i < 8; i++) {
    int nb = 0;
    int rc = unmask_synth_photo_scene(s, split, 3, (uint64_t)i, 160, 120, rgb, cover, boxes, 16, &nb, &err);
    CHECK(rc == 0, "photo scene %d: %s", i, err.msg);
    CHECK(nb <= 1, "photo scene %d: %d coverings on a photo of one face", i, nb);
    for (int k = 0; k < nb; k++) {
      CHECK(boxes[k].pasted == 0, "photo scene %d: a mask on a pasted face", i);
      /* nothing is pasted over the one face, which the frame holds whole */
      CHECK(boxes[k].visible > 0.8f && boxes[k].visible <= 1, "photo scene %d: visible %g", i, boxes[k].visible);
    }
    long covered_px = 0;
    for (int k = 0; k < 160 * 120; k++) covered_px += cover[k] > 0.5f;
    CHECK((nb == 0) == (covered_px == 0), "photo scene %d: boxes and cover agree", i);
    total += nb;
    unmask_synth_photo_scene(s, split, 3, (uint64_t)i, 160, 120, rgb2, cover, NULL, 0, NULL, NULL);
    CHECK(!memcmp(rgb, rgb2, sizeof(float) * 160 * 120 * 3), "photo scene %d not deterministic", i);
  }
  CHECK(total >= 3, "masks on only %d of 8 photo scenes", total);
  /* training scenes: the photo share says how many are drawn on a whole
   * photo, whose people get masks; the default gives back the same scenes */
  CHECK(unmask_synth_set_photo_share(s, 1.5) == -1 && unmask_synth_set_photo_share(s, -0.1) == -1 &&
            unmask_synth_set_photo_share(s, NAN) == -1,
        "photo share outside 0..1 taken");
  int on_photo[2] = {0};
  for (int k = 0; k < 2; k++) {
    CHECK(unmask_synth_set_photo_share(s, k) == 0, "photo share %d refused", k);
    for (int i = 0; i < 24; i++) {
      int nb = 0;
      unmask_synth_scene(s, split, 5, (uint64_t)i, 160, 120, rgb, cover, NULL, boxes, 16, &nb, &err);
      for (int b = 0; b < nb; b++) on_photo[k] += !boxes[b].pasted;
    }
  }
  CHECK(on_photo[0] == 0, "photo share 0: %d masks on the photos' people", on_photo[0]);
  CHECK(on_photo[1] >= 6, "photo share 1: masks on the photos' people %d times in 24 scenes", on_photo[1]);
  unmask_synth_scene(s, split, 5, 3, 160, 120, rgb, cover, NULL, NULL, 0, NULL, NULL);
  CHECK(unmask_synth_set_photo_share(s, UNMASK_PHOTO_SHARE) == 0, "default photo share");
  unmask_synth_scene(s, split, 5, 3, 160, 120, rgb2, cover, NULL, NULL, 0, NULL, NULL);
  unmask_synth *fresh = unmask_synth_new(dir, p, cfg, &err);
  CHECK(fresh != NULL, "synth_new again: %s", err.msg);
  if (fresh) {
    unmask_synth_scene(fresh, split, 5, 3, 160, 120, rgb, cover, NULL, NULL, 0, NULL, NULL);
    CHECK(!memcmp(rgb, rgb2, sizeof(float) * 160 * 120 * 3), "the default photo share changes scenes");
    unmask_synth_free(fresh);
  }
  /* emblems: training scenes only; they draw over the picture, never over
   * a covering, so the ground truth stays what it was */
  CHECK(unmask_synth_set_emblem_share(s, 1.5) == -1 && unmask_synth_set_emblem_share(s, NAN) == -1,
        "emblem share outside 0..1 taken");
  float *cover2 = malloc(sizeof(float) * 160 * 120);
  int changed[2] = {0};
  for (int sp = 0; sp < 2; sp++)
    for (int i = 0; i < 12; i++) {
      unmask_box b0[16], b1[16];
      int n0 = 0, n1 = 0;
      CHECK(unmask_synth_set_emblem_share(s, 0) == 0, "emblem share 0 refused");
      unmask_synth_scene(s, sp, 7, (uint64_t)i, 160, 120, rgb, cover, NULL, b0, 16, &n0, NULL);
      CHECK(unmask_synth_set_emblem_share(s, 1) == 0, "emblem share 1 refused");
      unmask_synth_scene(s, sp, 7, (uint64_t)i, 160, 120, rgb2, cover2, NULL, b1, 16, &n1, NULL);
      changed[sp] += memcmp(rgb, rgb2, sizeof(float) * 160 * 120 * 3) != 0;
      CHECK(!memcmp(cover, cover2, sizeof(float) * 160 * 120) && n0 == n1 &&
                (n0 == 0 || !memcmp(b0, b1, sizeof(unmask_box) * (size_t)n0)),
            "split %d scene %d: emblems changed the coverings", sp, i);
    }
  CHECK(changed[0] >= 10, "emblem share 1: only %d of 12 training scenes got an emblem", changed[0]);
  CHECK(changed[1] == 0, "emblems drawn on %d held-out scenes", changed[1]);
  CHECK(unmask_synth_set_emblem_share(s, UNMASK_EMBLEM_SHARE) == 0, "default emblem share");
  /* look-alikes: the same scenes and coverings with them recorded; each
   * kind shows somewhere, inside the frame and off the coverings' pixels
   * (at most the blur of a mask's edge over them) */
  int kinds[UNMASK_LOOKALIKE_KINDS] = {0};
  for (int photo = 0; photo < 2; photo++)
    for (int i = 0; i < 150; i++) {
      unmask_box b0[16], b1[16];
      unmask_lookalike la[16];
      int n0 = 0;
      unmask_scene_truth tr = {b1, 16, -1, la, 16, -1};
      if (photo) unmask_synth_photo_scene(s, split, 11, (uint64_t)i, 160, 120, rgb, cover, b0, 16, &n0, NULL);
      else unmask_synth_scene(s, split, 11, (uint64_t)i, 160, 120, rgb, cover, NULL, b0, 16, &n0, NULL);
      CHECK(unmask_synth_scene_truth(s, split, photo, 11, (uint64_t)i, 160, 120, rgb2, cover2, NULL, &tr, &err) == 0,
            "scene truth: %s", err.msg);
      CHECK(!memcmp(rgb, rgb2, sizeof(float) * 160 * 120 * 3) && !memcmp(cover, cover2, sizeof(float) * 160 * 120) &&
                tr.n_boxes == n0 && (n0 == 0 || !memcmp(b0, b1, sizeof(unmask_box) * (size_t)n0)),
            "photo %d scene %d: recording look-alikes changed the scene", photo, i);
      CHECK(tr.n_looks >= 0 && tr.n_looks <= 16, "photo %d scene %d: %d look-alikes", photo, i, tr.n_looks);
      for (int k = 0; k < tr.n_looks; k++) {
        const unmask_lookalike *l = &la[k];
        CHECK(l->kind >= 0 && l->kind < UNMASK_LOOKALIKE_KINDS && l->shown > 0 && l->x >= 0 && l->y >= 0 &&
                  l->x + l->w <= 160 && l->y + l->h <= 120 && l->shown <= (long)(l->w * l->h),
              "photo %d scene %d: look-alike %d (kind %d, %ld px) out of its box or frame", photo, i, k, l->kind,
              l->shown);
        CHECK(!photo || l->kind != UNMASK_LOOKALIKE_FABRIC, "loose fabric in photo scene %d", i);
        long on_cover = 0;
        for (int y = (int)l->y; y < (int)(l->y + l->h); y++)
          for (int x = (int)l->x; x < (int)(l->x + l->w); x++) on_cover += cover[y * 160 + x] > 0;
        CHECK(on_cover < (long)(l->w * l->h), "photo %d scene %d: look-alike %d all covering", photo, i, k);
        kinds[l->kind]++;
      }
    }
  for (int k = 0; k < UNMASK_LOOKALIKE_KINDS; k++) CHECK(kinds[k] > 0, "look-alike kind %d never drawn (%d %d %d %d)", k, kinds[0], kinds[1], kinds[2], kinds[3]);
  free(cover2);
  free(rgb), free(rgb2), free(cover);
  unmask_synth_free(s);
}

/* ---- trainers: a few steps on the test faces, stopped and resumed ------- */
static long state_step(const char *run) {
  char p[700];
  snprintf(p, sizeof p, "%s/state.txt", run);
  FILE *f = fopen(p, "r");
  long step = -1;
  double wall;
  if (f && fscanf(f, "%ld %lf", &step, &wall) != 2) step = -1;
  if (f) fclose(f);
  return step;
}

/* data rows of run/log.csv, and whether their steps are 1, 2, ... in order */
static int log_rows(const char *run, int *in_order) {
  char p[700], line[1024];
  snprintf(p, sizeof p, "%s/log.csv", run);
  FILE *f = fopen(p, "r");
  int rows = 0;
  *in_order = 1;
  if (!f) return -1;
  if (fgets(line, sizeof line, f))
    while (fgets(line, sizeof line, f)) *in_order &= atol(line) == ++rows;
  fclose(f);
  return rows;
}

static int file_exists(const char *run, const char *name) {
  char p[700];
  snprintf(p, sizeof p, "%s/%s", run, name);
  return access(p, R_OK) == 0;
}

/* The "arch" that run/name was saved with, or "nothing" (in buf). */
static const char *saved_meta(const char *run, const char *name, const char *key, char *buf, size_t n) {
  char p[700];
  snprintf(p, sizeof p, "%s/%s", run, name);
  nets_st_file *f = nets_st_load(p, NULL);
  const char *v = f ? nets_st_meta(f, key) : NULL;
  snprintf(buf, n, "%s", v ? v : "nothing");
  nets_st_free(f);
  return buf;
}

static const char *saved_arch(const char *run, const char *name, char *buf, size_t n) {
  return saved_meta(run, name, "arch", buf, n);
}

/* Weight files pa and pb hold the same tensors, bit for bit. */
static int same_files(const char *pa, const char *pb) {
  nets_st_file *a = nets_st_load(pa, NULL), *b = nets_st_load(pb, NULL);
  int same = a && b && a->n_tensors == b->n_tensors;
  for (int i = 0; same && i < a->n_tensors; i++) {
    const nets_st_tensor *ta = &a->tensors[i], *tb = nets_st_find(b, ta->name);
    size_t n = 1;
    for (int d = 0; d < ta->ndim; d++) n *= (size_t)ta->shape[d];
    same = tb && tb->ndim == ta->ndim && !memcmp(tb->shape, ta->shape, sizeof ta->shape) &&
           !memcmp(ta->data, tb->data, n * sizeof(float));
  }
  nets_st_free(a);
  nets_st_free(b);
  return same;
}

/* run_a/name and run_b/name hold the same tensors, bit for bit */
static int same_tensors(const char *run_a, const char *run_b, const char *name) {
  char pa[700], pb[700];
  snprintf(pa, sizeof pa, "%s/%s", run_a, name);
  snprintf(pb, sizeof pb, "%s/%s", run_b, name);
  return same_files(pa, pb);
}

/* The test's own faces folder, faces.csv and masks.cfg (test_generator
 * writes them), each into 600 chars. */
static void tmp_data_paths(char *faces, char *csv, char *cfg) {
  snprintf(faces, 600, "%s/faces", tmpdir);
  snprintf(csv, 600, "%s/faces.csv", tmpdir);
  snprintf(cfg, 600, "%s/masks.cfg", tmpdir);
}

static int run_trainer(int (*fn)(int, char **), const char *cmd, const char *run, const char *steps,
                       const char *const *extra) {
  char faces[600], csv[600], cfg[600];
  tmp_data_paths(faces, csv, cfg);
  const char *args[40] = {cmd, "--faces", faces, "--csv", csv, "--templates", cfg, "--run", run,
                          "--steps", steps, "--save-every", "2", "--sample-every", "2",
                          "--log-every", "1", "--threads", "1"};
  int n = 19;
  for (int i = 0; extra[i]; i++) args[n++] = extra[i];
  args[n] = NULL;
  return fn(n, (char **)args);
}

/* A detector trainer option: the bad value stops before training (exit 2,
 * no run), the good one is recorded in the weights' "training" metadata. */
static void detector_option(const char *name, const char *opt, const char *bad, const char *good,
                            const char *recorded) {
  char dir[600], meta[1200];
  snprintf(dir, sizeof dir, "%s/run-detector-%s", tmpdir, name);
  const char *bad_args[] = {"--batch", "2", "--size", "64", opt, bad, NULL};
  CHECK(run_trainer(train_detector_main, "detector", dir, "1", bad_args) == 2 && !file_exists(dir, "state.txt"),
        "%s %s accepted", opt, bad);
  const char *good_args[] = {"--batch", "2", "--size", "64", opt, good, NULL};
  CHECK(run_trainer(train_detector_main, "detector", dir, "1", good_args) == 0 &&
            strstr(saved_meta(dir, "detector.safetensors", "training", meta, sizeof meta), recorded),
        "%s not recorded in the weights' metadata", opt);
}

static void test_trainers(void) {
  char run[600];
  int in_order;
  /* detector: 3 steps, then resumed to 5; the same weights (and the same
   * weight average) as 5 steps in one go */
  const char *det[] = {"--batch", "2", "--size", "64", "--ema", "0.9", NULL};
  char once[600];
  snprintf(run, sizeof run, "%s/run-detector", tmpdir);
  snprintf(once, sizeof once, "%s/run-detector-once", tmpdir);
  /* --kind-weights: a bad list stops before training; a good one is recorded */
  char kw[600], meta_kw[1200];
  snprintf(kw, sizeof kw, "%s/run-detector-kinds", tmpdir);
  const char *bad_kinds[][8] = {{"--batch", "2", "--size", "64", "--kind-weights", "chin=x", NULL},
                                {"--batch", "2", "--size", "64", "--kind-weights", "scarf=1", NULL},
                                {"--batch", "2", "--size", "64", "--kind-weights", "chin=-1", NULL}};
  for (int k = 0; k < 3; k++)
    CHECK(run_trainer(train_detector_main, "detector", kw, "1", bad_kinds[k]) == 2 && !file_exists(kw, "state.txt"),
          "--kind-weights %s accepted", bad_kinds[k][5]);
  /* the evaluations keep their fixed scenes; the help names every kind */
  const char *eval_kinds[] = {"--kind-weights", "chin=1", NULL};
  CHECK(run_trainer(eval_detector_main, "eval-detector", kw, "1", eval_kinds) == 2 &&
            run_trainer(eval_inpainter_main, "eval-inpainter", kw, "1", eval_kinds) == 2,
        "an evaluation accepted --kind-weights");
  for (int k = 0; k < UNMASK_MASK_N_KINDS; k++)
    CHECK(strstr(TRAIN_OPTS_HELP, unmask_mask_kind_name(k)), "--help does not name kind %s",
          unmask_mask_kind_name(k));
  const char *good_kinds[] = {"--batch", "2", "--size", "64", "--kind-weights", "chin=1,template=0.5", NULL};
  CHECK(run_trainer(train_detector_main, "detector", kw, "1", good_kinds) == 0 &&
            strstr(saved_meta(kw, "detector.safetensors", "training", meta_kw, sizeof meta_kw),
                   "mask kind weights chin=1,template=0.5"),
        "--kind-weights not recorded in the weights' metadata");
  /* --seam-radius, --photo-share: out of range stops before training; in
   * range is recorded */
  detector_option("seams", "--seam-radius", "9", "4", "seam radius 4");
  detector_option("photos", "--photo-share", "1.2", "0.8", "photo share 0.8");
  detector_option("emblems", "--emblems", "-0.5", "0.3", "emblems 0.3");
  detector_option("loops", "--loop-weight", "-1", "4", "loop weight 4");
  detector_option("iou", "--iou-weight", "-1", "0.1", "soft IoU weight 0.1");
  detector_option("replay", "--replay", "0.7", "0.5", "replay 0.5");
  /* --look-every: scenes of 64 px and look crops of 128 in one run */
  detector_option("looks", "--look-every", "-1", "1", "look crops every 1 steps");
  {
    char dir[600], meta_ls[1200];
    snprintf(dir, sizeof dir, "%s/run-detector-look-scenes", tmpdir);
    const char *bad_ls[] = {"--batch", "2", "--size", "64", "--look-every", "1", "--look-scenes", "1.5", NULL};
    CHECK(run_trainer(train_detector_main, "detector", dir, "1", bad_ls) == 2 && !file_exists(dir, "state.txt"),
          "--look-scenes 1.5 accepted");
    const char *lone_ls[] = {"--batch", "2", "--size", "64", "--look-scenes", "0.5", NULL};
    CHECK(run_trainer(train_detector_main, "detector", dir, "1", lone_ls) == 2 && !file_exists(dir, "state.txt"),
          "--look-scenes without --look-every accepted (it would be ignored)");
    const char *good_ls[] = {"--batch", "2", "--size", "64", "--look-every", "1", "--look-scenes", "1", NULL};
    CHECK(run_trainer(train_detector_main, "detector", dir, "1", good_ls) == 0 &&
              strstr(saved_meta(dir, "detector.safetensors", "training", meta_ls, sizeof meta_ls),
                     "look crops every 1 steps (100% framed in scenes)"),
          "--look-scenes not recorded in the weights' metadata");
  }
  CHECK(run_trainer(train_detector_main, "detector", run, "3", det) == 0, "detector training");
  CHECK(state_step(run) == 3, "detector checkpoint at step %ld, not 3", state_step(run));
  CHECK(file_exists(run, "detector.safetensors") && file_exists(run, "detector.optim.safetensors") &&
            file_exists(run, "loss.png") && file_exists(run, "samples/step-0000002.png"),
        "detector run folder incomplete");
  CHECK(run_trainer(train_detector_main, "detector", run, "5", det) == 0, "detector resumed");
  CHECK(state_step(run) == 5, "resumed detector at step %ld, not 5", state_step(run));
  CHECK(log_rows(run, &in_order) == 5 && in_order, "detector log: %d rows", log_rows(run, &in_order));
  CHECK(run_trainer(train_detector_main, "detector", once, "5", det) == 0, "detector in one go");
  CHECK(same_tensors(run, once, "detector.safetensors"), "resumed detector differs from one run");
  CHECK(same_tensors(run, once, "detector.ema.safetensors"), "resumed weight average differs from one run");
  char pa[700], pb[700], meta[64];
  snprintf(pa, sizeof pa, "%s/detector.safetensors", run);
  snprintf(pb, sizeof pb, "%s/detector.ema.safetensors", run);
  CHECK(!same_files(pa, pb), "the weight average is the last weights");
  CHECK(!strcmp(saved_meta(run, "detector.ema.safetensors", "ema_decay", meta, sizeof meta), "0.9"),
        "weight average saved with decay %s", meta);
  nets_error derr = {0};
  nets_detector *avg = nets_detector_load(pb, &derr);
  CHECK(avg != NULL, "the weight average does not load as a detector: %s", derr.msg);
  nets_detector_free(avg);
  /* a step without --ema leaves the average at step 5; resumed with it at
   * step 6, the average starts again: after one update it is 2/11 of the
   * step-6 weights and 9/11 of the step-7 ones */
  const char *no_ema[] = {"--batch", "2", "--size", "64", NULL};
  CHECK(run_trainer(train_detector_main, "detector", run, "6", no_ema) == 0, "detector resumed without --ema");
  nets_st_file *w6 = nets_st_load(pa, NULL);
  CHECK(run_trainer(train_detector_main, "detector", run, "7", det) == 0, "detector resumed with --ema again");
  nets_st_file *w7 = nets_st_load(pa, NULL), *a7 = nets_st_load(pb, NULL);
  double worst = w6 && w7 && a7 ? 0 : 1;
  for (int i = 0; w6 && w7 && a7 && i < a7->n_tensors; i++) {
    const nets_st_tensor *ta = &a7->tensors[i], *t6 = nets_st_find(w6, ta->name), *t7 = nets_st_find(w7, ta->name);
    size_t n = 1;
    for (int d = 0; d < ta->ndim; d++) n *= (size_t)ta->shape[d];
    for (size_t j = 0; t6 && t7 && j < n; j++)
      worst = fmax(worst, fabs(ta->data[j] - (2.0 / 11 * t6->data[j] + 9.0 / 11 * t7->data[j])));
    if (!t6 || !t7) worst = 1;
  }
  CHECK(worst < 1e-5, "a stale weight average was taken up again (off by %g)", worst);
  nets_st_free(w6);
  nets_st_free(w7);
  nets_st_free(a7);
  /* inpainter with a narrow critic from step 1 (alone at step 1, the
   * generator's adversarial gradient from step 2): 2 steps, then resumed to 3 */
  char det_w[700];
  snprintf(det_w, sizeof det_w, "%s/run-detector/detector.safetensors", tmpdir);
  const char *inp[] = {"--batch", "1", "--net-version", "2", "--gan-start", "1", "--fm-weight", "0.5",
                       "--critic-width", "16", "--critic-warmup", "1", "--refined-l1", "0.5",
                       "--perc-weight", "1", "--perc-coarse", "0.5", "--perc-net", det_w, NULL};
  snprintf(run, sizeof run, "%s/run-inpainter", tmpdir);
  snprintf(once, sizeof once, "%s/run-inpainter-once", tmpdir);
  CHECK(run_trainer(train_inpainter_main, "inpainter", run, "2", inp) == 0, "inpainter training");
  CHECK(state_step(run) == 2, "inpainter checkpoint at step %ld, not 2", state_step(run));
  CHECK(file_exists(run, "inpainter.safetensors") && file_exists(run, "critic.safetensors") &&
            file_exists(run, "inpainter.optim.safetensors") &&
            file_exists(run, "critic.optim.safetensors") && file_exists(run, "samples/step-0000002.png"),
        "inpainter run folder incomplete");
  /* a run keeps its critic: resuming with another width is refused */
  const char *wide[] = {"--batch", "1", "--gan-start", "1", NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", run, "3", wide) != 0,
        "inpainter resumed with a critic of another width");
  CHECK(state_step(run) == 2, "refused resume moved the run to step %ld", state_step(run));
  CHECK(run_trainer(train_inpainter_main, "inpainter", run, "3", inp) == 0, "inpainter resumed");
  CHECK(state_step(run) == 3, "resumed inpainter at step %ld, not 3", state_step(run));
  CHECK(log_rows(run, &in_order) == 3 && in_order, "inpainter log: %d rows", log_rows(run, &in_order));
  CHECK(run_trainer(train_inpainter_main, "inpainter", once, "3", inp) == 0, "inpainter in one go");
  CHECK(same_tensors(run, once, "inpainter.safetensors") && same_tensors(run, once, "critic.safetensors"),
        "resumed inpainter or critic differs from one run");
  /* the saved weights load for inference */
  char w[700];
  snprintf(w, sizeof w, "%s/inpainter.safetensors", run);
  nets_error err = {0};
  nets_inpainter *net = nets_inpainter_load(w, &err);
  CHECK(net != NULL, "trained inpainter does not load: %s", err.msg);
  nets_inpainter_free(net);
  /* version 3, started from that run's version-2 weights and critic */
  char init[700], init_critic[700], v3[600];
  snprintf(init, sizeof init, "%s/inpainter.safetensors", run);
  snprintf(init_critic, sizeof init_critic, "%s/critic.safetensors", run);
  snprintf(v3, sizeof v3, "%s/run-inpainter-v3", tmpdir);
  const char *grow[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", "--net-version", "3",
                        "--init", init, "--init-critic", init_critic, NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", v3, "1", grow) == 0, "version 3 training");
  snprintf(w, sizeof w, "%s/inpainter.safetensors", v3);
  net = nets_inpainter_load(w, &err);
  CHECK(net != NULL, "trained version 3 does not load: %s", err.msg);
  nets_inpainter_free(net);
  char arch[64];
  CHECK(!strcmp(saved_arch(v3, "inpainter.safetensors", arch, sizeof arch), "unmask-inpainter-v3"),
        "version 3 run saved as %s", arch);
  /* a run keeps --freeze-coarse: resuming it the other way is refused, the same way goes on */
  const char *grow_frozen[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", "--net-version", "3",
                               "--init", init, "--init-critic", init_critic, "--freeze-coarse", NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", v3, "2", grow_frozen) != 0 && state_step(v3) == 1,
        "a run trained whole resumed with --freeze-coarse");
  char v3f[600];
  snprintf(v3f, sizeof v3f, "%s/run-inpainter-v3-frozen", tmpdir);
  CHECK(run_trainer(train_inpainter_main, "inpainter", v3f, "1", grow_frozen) == 0 &&
            run_trainer(train_inpainter_main, "inpainter", v3f, "2", grow) != 0 && state_step(v3f) == 1 &&
            run_trainer(train_inpainter_main, "inpainter", v3f, "2", grow_frozen) == 0 && state_step(v3f) == 2,
        "frozen run: resumed without --freeze-coarse, or not resumed with it");
  /* without --net-version a run resumes as its own version, and a new run
   * takes the version of its --init file (here 3, not the v2 subset of it) */
  const char *plain[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", v3, "2", plain) == 0 && state_step(v3) == 2,
        "version 3 run resumed without --net-version");
  const char *from_v3[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", "--init", w, NULL};
  snprintf(init, sizeof init, "%s/run-inpainter-from-v3", tmpdir);
  CHECK(run_trainer(train_inpainter_main, "inpainter", init, "1", from_v3) == 0, "run from version 3 weights");
  CHECK(!strcmp(saved_arch(init, "inpainter.safetensors", arch, sizeof arch), "unmask-inpainter-v3"),
        "run from version 3 weights saved as %s", arch);
  /* ... and from version-2 weights, version 2 */
  snprintf(init_critic, sizeof init_critic, "%s/inpainter.safetensors", run);
  const char *from_v2[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", "--init", init_critic, NULL};
  snprintf(init, sizeof init, "%s/run-inpainter-from-v2", tmpdir);
  CHECK(run_trainer(train_inpainter_main, "inpainter", init, "1", from_v2) == 0, "run from version 2 weights");
  CHECK(!strcmp(saved_arch(init, "inpainter.safetensors", arch, sizeof arch), "unmask-inpainter-v2"),
        "run from version 2 weights saved as %s", arch);
}

/* The drawing of the lower face; the landmarks of the inpainter's crops; the
 * landmark predictor's trainer and evaluation; version 5 of the inpainter,
 * which takes the drawing, trained from version-3 weights and scored with
 * predicted drawings. */
static void mirror_hwc(const float *src, int size, int c, float *dst);
/* The synthesis of the test's own faces and templates (test_generator's). */
static unmask_synth *tmp_synth(nets_error *err) {
  char faces[600], csv[600], cfg[600];
  tmp_data_paths(faces, csv, cfg);
  unmask_synth *syn = unmask_synth_new(faces, csv, cfg, err);
  CHECK(syn != NULL, "synth_new: %s", err->msg);
  return syn;
}

static void test_landmarks(void) {
  const int N = NETS_INPAINT_SIZE, hw = N * N;
  float lm[136], *sk = malloc(sizeof(float) * hw);
  face_landmarks(lm, 64, 60, 0.5); /* the drawn face at half size, centred */
  unmask_landmark_sketch(lm, N, sk);
  CHECK(finite_range(sk, (size_t)hw), "drawing values outside 0..1");
#define AT(px, py) sk[(int)lroundf(py) * N + (int)lroundf(px)]
  CHECK(AT(lm[96], lm[97]) == 1.f && AT(0.5f * (lm[96] + lm[98]), 0.5f * (lm[97] + lm[99])) > 0.99f,
        "the lips' outline is not drawn");
  CHECK(AT(lm[16], lm[17]) == 1.f && AT(lm[60], lm[61]) == 1.f, "the chin or the nose tip is not drawn");
  CHECK(AT(lm[72], lm[73] - 3) == 0.f && AT(5, 5) == 0.f && AT(lm[96], lm[97] - 4) == 0.f,
        "the drawing reaches the eyes, a corner or 4 px above a mouth corner");
#undef AT
  /* the face: inside the jaw line and the brows */
  unsigned char *face = malloc((size_t)hw);
  unmask_landmark_face(lm, N, face);
#define IN(px, py) face[(int)(py) * N + (int)(px)]
  CHECK(IN(lm[60], lm[61]) && IN(lm[16], lm[17] - 2) && IN(lm[0] + 2, lm[1]) && IN(lm[38], lm[39] + 1),
        "the nose tip, the chin, the jaw's end or a brow is off the face");
  CHECK(!IN(lm[16], lm[17] + 2) && !IN(lm[0] - 2, lm[1]) && !IN(lm[38], lm[39] - 2) && !IN(5, 5),
        "below the chin, beside the jaw, above a brow or a corner is on the face");
#undef IN
  /* the skin that texture is copied from: the face without its eyes and
   * brows, and a strip of forehead above the brows */
  unsigned char *skin = malloc((size_t)hw);
  CHECK(unmask_texture_skin(face, lm, N, skin) == 0, "skin map failed");
#define AT_SKIN(px, py) skin[(int)(py) * N + (int)(px)]
  const float fx = 0.5f * (lm[2 * 19] + lm[2 * 24]), fy = 0.5f * (lm[2 * 19 + 1] + lm[2 * 24 + 1]);
  const float up = (lm[2 * 8 + 1] - lm[2 * 27 + 1]) / 6; /* half the strip's height */
  CHECK(AT_SKIN(lm[60], lm[61]) == 1 && AT_SKIN(lm[2 * 2] + 6, lm[2 * 2 + 1]) == 1,
        "the nose tip or a cheek is not skin (%d, %d)", AT_SKIN(lm[60], lm[61]),
        AT_SKIN(lm[2 * 2] + 6, lm[2 * 2 + 1]));
  CHECK(AT_SKIN(fx, fy - up) == 2, "above the brows is not forehead (%d)", AT_SKIN(fx, fy - up));
  CHECK(!AT_SKIN(lm[72], lm[73]) && !AT_SKIN(lm[2 * 45], lm[2 * 45 + 1]) && !AT_SKIN(lm[38], lm[39]) &&
            !AT_SKIN(lm[16], lm[17] + 2) && !AT_SKIN(5, 5) && !AT_SKIN(fx, fy - 3 * up),
        "an eye, a brow, below the chin, a corner or high above the brows counts as skin");
#undef AT_SKIN
  free(skin);
  free(face);
  int soft = 0, full = 0;
  for (int p = 0; p < hw; p++) soft += sk[p] > 0.05f && sk[p] < 0.95f, full += sk[p] == 1.f;
  CHECK(soft > full / 4 && full > 100, "the lines: %d pixels at 1, %d at their soft edge", full, soft);
  /* the crops' landmarks: the same crops as without them, and the hole
   * covers the mouth (except for chin-only masks), not the eyes */
  nets_error err = {0};
  unmask_synth *syn = tmp_synth(&err);
  const size_t per = (size_t)hw * 7;
  float *a = malloc(sizeof(float) * per), *b = malloc(sizeof(float) * per);
  int mouths = 0, mouths_in = 0, eyes_out = 0;
  for (int i = 0; syn && i < 12; i++) {
    int kind = -1;
    CHECK(unmask_synth_inpaint_sample(syn, 0, 9, (uint64_t)i, a, a + hw * 3, a + hw * 4, NULL, &err) == 0 &&
              unmask_synth_inpaint_sample_ex(syn, 0, 9, (uint64_t)i, b, b + hw * 3, b + hw * 4, NULL, &kind, lm,
                                             &err) == 0 &&
              !memcmp(a, b, sizeof(float) * per),
          "crop %d differs when its landmarks are asked for: %s", i, err.msg);
    double mx = 0, my = 0, ex = 0, ey = 0;
    for (int k = 60; k < 68; k++) mx += lm[2 * k] / 8, my += lm[2 * k + 1] / 8;
    for (int k = 36; k < 42; k++) ex += lm[2 * k] / 6, ey += lm[2 * k + 1] / 6;
    const float *hole = b + hw * 3;
    if (kind != UNMASK_MASK_CHIN) {
      mouths++;
      mouths_in += hole[(int)lround(my) * N + (int)lround(mx)] > 0.5f;
    }
    eyes_out += ex >= 0 && ey >= 0 && ex < N && ey < N && hole[(int)lround(ey) * N + (int)lround(ex)] < 0.5f;
  }
  CHECK(mouths > 0 && mouths_in == mouths && eyes_out == 12,
        "crop landmarks: %d of %d mouths in the hole, %d of 12 eyes outside it", mouths_in, mouths, eyes_out);
  unmask_synth_free(syn);
  free(a), free(b), free(sk);
  /* the trainer: 3 steps, then resumed to 5, as 5 in one go */
  char run[600], once[600], w[700], w3[700], meta[1200];
  snprintf(run, sizeof run, "%s/run-landmarks", tmpdir);
  snprintf(once, sizeof once, "%s/run-landmarks-once", tmpdir);
  const char *lmo[] = {"--batch", "2", "--ema", "0.9", "--sample-every", "2", NULL};
  CHECK(run_trainer(train_landmarks_main, "landmarks", run, "3", lmo) == 0 && state_step(run) == 3 &&
            file_exists(run, "landmarks.safetensors") && file_exists(run, "landmarks.ema.safetensors") &&
            file_exists(run, "loss.png") && file_exists(run, "samples/step-0000002.png"),
        "landmark training, or its run folder");
  CHECK(run_trainer(train_landmarks_main, "landmarks", run, "5", lmo) == 0 && state_step(run) == 5 &&
            run_trainer(train_landmarks_main, "landmarks", once, "5", lmo) == 0 &&
            same_tensors(run, once, "landmarks.safetensors") && same_tensors(run, once, "landmarks.ema.safetensors"),
        "resumed landmark run differs from one run");
  const char *bad_lr[] = {"--lr", "0", NULL};
  CHECK(run_trainer(train_landmarks_main, "landmarks", once, "6", bad_lr) == 2 && state_step(once) == 5,
        "--lr 0 accepted");
  /* it learns: the drawn faces' landmarks, within 60 steps */
  char learn[600];
  snprintf(learn, sizeof learn, "%s/run-landmarks-learn", tmpdir);
  const char *fast[] = {"--batch", "8", "--log-every", "10", "--sample-every", "1000", NULL};
  CHECK(run_trainer(train_landmarks_main, "landmarks", learn, "60", fast) == 0, "landmark training, 60 steps");
  snprintf(w, sizeof w, "%s/log.csv", learn);
  FILE *f = fopen(w, "r");
  double first = 0, last = 0, e, h;
  long step;
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "%ld,%lf,%lf", &step, &e, &h) == 3) {
      if (step == 10) first = e;
      last = e;
    }
  if (f) fclose(f);
  CHECK(first > 0 && last < 0.6 * first, "landmark error %.2f px at step 10, %.2f at step 60", first, last);
  /* the evaluation and the weights' loading */
  snprintf(w, sizeof w, "%s/landmarks.safetensors", learn);
  const char *ev[] = {"--weights", w, "--n", "4", NULL};
  CHECK(run_trainer(eval_landmarks_main, "eval-landmarks", learn, "0", ev) == 0, "eval-landmarks");
  nets_landmarker *lmnet = nets_landmarker_load(w, &err);
  CHECK(lmnet != NULL, "trained landmark weights do not load: %s", err.msg);
  if (lmnet) { /* with mirror (the default) the points of a mirrored crop are the mirrored points */
    float *c = malloc(sizeof(float) * hw * 7), *cm = malloc(sizeof(float) * hw * 4), p1[136], p2[136], p3[136];
    unmask_synth *s2 = tmp_synth(&err);
    CHECK(s2 && unmask_synth_inpaint_sample(s2, 1, 3, 0, c, c + hw * 3, c + hw * 4, NULL, &err) == 0, "crop: %s",
          err.msg);
    mirror_hwc(c, N, 3, cm);
    mirror_hwc(c + hw * 3, N, 1, cm + hw * 3);
    float worst = 0, moved = 0;
    CHECK(nets_landmarker_predict(lmnet, c, c + hw * 3, p1, &err) == 0 &&
              nets_landmarker_predict(lmnet, cm, cm + hw * 3, p2, &err) == 0 &&
              nets_landmarker_set_mirror(lmnet, 0, &err) == 0 &&
              nets_landmarker_predict(lmnet, c, c + hw * 3, p3, &err) == 0,
          "landmark predictions: %s", err.msg);
    for (int i = 0; i < 68; i++) {
      const int j = nets_landmark_mirror[i];
      worst = fmaxf(worst, fmaxf(fabsf(p1[2 * i] - (N - 1 - p2[2 * j])), fabsf(p1[2 * i + 1] - p2[2 * j + 1])));
      moved = fmaxf(moved, fabsf(p1[2 * i] - p3[2 * i]));
    }
    CHECK(worst < 1e-3f && moved > 1e-3f, "mirrored crop: points off by %g; one pass differs by %g", worst, moved);
    unmask_synth_free(s2);
    free(c), free(cm);
  }
  nets_landmarker_free(lmnet);
  snprintf(w3, sizeof w3, "%s/run-inpainter-v3/inpainter.safetensors", tmpdir);
  CHECK(nets_landmarker_load(w3, &err) == NULL && strstr(err.msg, "unmask-landmarks-v1"),
        "inpainter weights load as landmark weights: %s", err.msg);
  /* version 5 of the inpainter from version-3 weights; a bad --sketch-drop stops it */
  char v5[600];
  snprintf(v5, sizeof v5, "%s/run-inpainter-v5", tmpdir);
  const char *bad5[] = {"--batch", "1", "--net-version", "5", "--init", w3, "--sketch-drop", "1.5", NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", v5, "1", bad5) == 2 && !file_exists(v5, "state.txt"),
        "--sketch-drop 1.5 accepted");
  const char *to5[] = {"--batch", "1", "--gan-start", "1", "--critic-width", "16", "--net-version", "5",
                       "--init", w3, "--sketch-drop", "0.5", NULL};
  char arch[64];
  CHECK(run_trainer(train_inpainter_main, "inpainter", v5, "2", to5) == 0 &&
            !strcmp(saved_arch(v5, "inpainter.safetensors", arch, sizeof arch), "unmask-inpainter-v5") &&
            strstr(saved_meta(v5, "inpainter.safetensors", "training", meta, sizeof meta),
                   "landmark sketch (dropped for 0.5 of crops"),
        "version 5 training from version-3 weights (arch %s)", arch);
  char w5[700];
  snprintf(w5, sizeof w5, "%s/inpainter.safetensors", v5);
  const char *ev5[] = {"--weights", w5, "--landmarks", w, "--n", "2", NULL};
  CHECK(run_trainer(eval_inpainter_main, "eval-inpainter", v5, "0", ev5) == 0, "eval-inpainter --landmarks");
  /* drawings from predicted points (--pred-landmarks): a share of 0 trains
   * exactly as without them, a share of 1 differently; version 3 refuses */
  char np[600], p0[600], p1[600];
  snprintf(np, sizeof np, "%s/run-inpainter-v5-true", tmpdir);
  snprintf(p0, sizeof p0, "%s/run-inpainter-v5-pred0", tmpdir);
  snprintf(p1, sizeof p1, "%s/run-inpainter-v5-pred1", tmpdir);
  const char *t5[] = {"--batch", "1", "--gan-start", "9", "--net-version", "5", "--init", w3,
                      "--sketch-drop", "0", "--seed", "4", NULL};
  const char *pr0[] = {"--batch", "1", "--gan-start", "9", "--net-version", "5", "--init", w3, "--sketch-drop", "0",
                       "--seed", "4", "--pred-landmarks", w, "--pred-share", "0", NULL};
  const char *pr1[] = {"--batch", "1", "--gan-start", "9", "--net-version", "5", "--init", w3, "--sketch-drop", "0",
                       "--seed", "4", "--pred-landmarks", w, "--pred-share", "1", NULL};
  CHECK(run_trainer(train_inpainter_main, "inpainter", np, "2", t5) == 0 &&
            run_trainer(train_inpainter_main, "inpainter", p0, "2", pr0) == 0 &&
            run_trainer(train_inpainter_main, "inpainter", p1, "2", pr1) == 0,
        "version 5 training with --pred-landmarks");
  CHECK(same_tensors(np, p0, "inpainter.safetensors") && !same_tensors(np, p1, "inpainter.safetensors") &&
            strstr(saved_meta(p1, "inpainter.safetensors", "training", meta, sizeof meta), "drawn from the points"),
        "--pred-share 0 should train as the true drawings do and --pred-share 1 not (training: %s)", meta);
  const char *pr3[] = {"--batch", "1", "--net-version", "3", "--init", w3, "--pred-landmarks", w, NULL};
  const char *pr_bad[] = {"--batch", "1", "--pred-landmarks", w, "--pred-share", "1.5", NULL};
  snprintf(p0, sizeof p0, "%s/run-inpainter-v3-pred", tmpdir);
  CHECK(run_trainer(train_inpainter_main, "inpainter", p0, "1", pr3) == 1 &&
            run_trainer(train_inpainter_main, "inpainter", p0, "1", pr_bad) == 2 && !file_exists(p0, "state.txt"),
        "--pred-landmarks with version 3, or --pred-share 1.5, accepted");
}

/* Mirrors a size x size image of c channels (HWC) left to right. */
static void mirror_hwc(const float *src, int size, int c, float *dst) {
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int k = 0; k < c; k++)
        dst[((size_t)y * size + x) * c + k] = src[((size_t)y * size + size - 1 - x) * c + k];
}

/* With mirror on (the default), the inpainter's result is the mean of one
 * pass on the crop and one on its mirror image mirrored back: so it is
 * mirror-symmetric (painting the mirrored crop gives the mirrored result),
 * which one pass of an untrained network is not. */
static void test_inpainter_mirror(const char *weights) {
  enum { S = NETS_INPAINT_SIZE, HW = S * S };
  static float rgb[HW * 3], hole[HW], rgb_m[HW * 3], hole_m[HW];
  static float both[HW * 3], both_m[HW * 3], one[HW * 3], one_m[HW * 3], back[HW * 3];
  nets_rng rng;
  nets_rng_seed(&rng, 8);
  for (int i = 0; i < HW * 3; i++) rgb[i] = nets_rng_uniform(&rng);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++) hole[y * S + x] = y > 60 && y < 110 && x > 20 && x < 90; /* off-centre */
  mirror_hwc(rgb, S, 3, rgb_m);
  mirror_hwc(hole, S, 1, hole_m);
  nets_error err = {0};
  nets_inpainter *net = nets_inpainter_load(weights, &err);
  CHECK(net != NULL, "inpainter loads: %s", err.msg);
  if (!net) return;
  CHECK(nets_inpainter_predict_stage(net, rgb, hole, NETS_STAGE_COARSE, both, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb_m, hole_m, NETS_STAGE_COARSE, both_m, &err) == 0 &&
            nets_inpainter_set_mirror(net, 0, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb, hole, NETS_STAGE_COARSE, one, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb_m, hole_m, NETS_STAGE_COARSE, one_m, &err) == 0,
        "predictions: %s", err.msg);
  mirror_hwc(both_m, S, 3, back);
  float asym = 0, asym_one = 0, off_mean = 0;
  int open = 0;
  for (int i = 0; i < HW * 3; i++) asym = fmaxf(asym, fabsf(back[i] - both[i]));
  mirror_hwc(one_m, S, 3, back);
  for (int i = 0; i < HW * 3; i++) {
    asym_one = fmaxf(asym_one, fabsf(back[i] - one[i]));
    /* unpack clamps to [0,1], so the mean holds where neither pass was clamped */
    if (one[i] > 0.f && one[i] < 1.f && back[i] > 0.f && back[i] < 1.f) {
      off_mean = fmaxf(off_mean, fabsf(both[i] - 0.5f * (one[i] + back[i])));
      open++;
    }
  }
  CHECK(asym < 1e-5f, "mirrored crop painted %g off the mirrored result", asym);
  CHECK(asym_one > 1e-3f, "one pass is already mirror-symmetric (%g): the test shows nothing", asym_one);
  CHECK(open > HW / 10 && off_mean < 1e-5f, "result %g off the mean of the two passes (%d values)", off_mean, open);
  /* the coarse stage alone runs only the coarse network: each stage still
   * gives what both stages at once give, whatever ran before */
  static float st_c[HW * 3], st_r[HW * 3], ref[HW * 3];
  CHECK(nets_inpainter_predict_stages(net, rgb_m, hole_m, st_c, st_r, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb, hole, NETS_STAGE_COARSE, one, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb_m, hole_m, NETS_STAGE_REFINED, ref, &err) == 0 &&
            nets_inpainter_predict_stage(net, rgb_m, hole_m, NETS_STAGE_COARSE, back, &err) == 0,
        "stages: %s", err.msg);
  CHECK(!memcmp(st_c, back, sizeof st_c) && !memcmp(st_r, ref, sizeof st_r) && memcmp(st_c, st_r, sizeof st_c),
        "a stage alone differs from both stages at once (or the refinement changes nothing)");
  nets_inpainter_free(net);
}

/* With two threads, the crop and its mirror image are painted side by side
 * by two copies of the network, one thread each; with one thread, as one
 * batch of two.  Both give the same coarse and refined results, again after
 * the count changes back, and the thread counts are given back. */
static void test_inpainter_side_by_side(const char *weights) {
  enum { S = NETS_INPAINT_SIZE, HW = S * S };
  static float rgb[HW * 3], hole[HW], c1[HW * 3], r1[HW * 3], c2[HW * 3], r2[HW * 3], c3[HW * 3], r3[HW * 3];
  nets_rng rng;
  nets_rng_seed(&rng, 9);
  for (int i = 0; i < HW * 3; i++) rgb[i] = nets_rng_uniform(&rng);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++) hole[y * S + x] = y > 50 && y < 115 && x > 30 && x < 100;
  const int blas0 = nets_blas_get_threads(), par0 = nets_parallel_get_threads();
  nets_blas_set_threads(2);
  nets_parallel_set_threads(2);
  if (nets_parallel_get_threads() < 2) {
    printf("inpainter side by side: one CPU here, nothing to compare\n");
    nets_blas_set_threads(blas0);
    nets_parallel_set_threads(par0);
    return;
  }
  nets_error err = {0};
  nets_inpainter *net = nets_inpainter_load(weights, &err);
  CHECK(net != NULL, "inpainter loads: %s", err.msg);
  if (!net) return;
  int ok = nets_inpainter_predict_stages(net, rgb, hole, c2, r2, &err) == 0;
  const int kept = nets_blas_get_threads() == 2 && nets_parallel_get_threads() == 2;
  nets_blas_set_threads(1);
  nets_parallel_set_threads(1);
  ok = ok && nets_inpainter_predict_stages(net, rgb, hole, c1, r1, &err) == 0;
  nets_blas_set_threads(2);
  nets_parallel_set_threads(2);
  ok = ok && nets_inpainter_predict_stages(net, rgb, hole, c3, r3, &err) == 0;
  CHECK(ok, "predictions: %s", err.msg);
  CHECK(kept, "thread counts not given back after painting side by side");
  float worst = 0;
  for (int i = 0; i < HW * 3; i++) worst = fmaxf(worst, fmaxf(fabsf(c1[i] - c2[i]), fabsf(r1[i] - r2[i])));
  CHECK(worst < 1e-5f, "side by side differs from one batch of two by %g", worst);
  CHECK(!memcmp(c2, c3, sizeof c2) && !memcmp(r2, r3, sizeof r2), "side by side differs from itself");
  printf("inpainter side by side: max difference to one batch of two %.2g\n", worst);
  nets_inpainter_free(net);
  nets_blas_set_threads(blas0);
  nets_parallel_set_threads(par0);
}

/* Version 3 of the inpainter, started from version-2 weights, computes
 * exactly what they compute; both versions load by the file's "arch". */
/* Freezing the coarse network: backward gives the refinement the same
 * gradients as without freezing, and an optimiser step leaves the coarse
 * weights as they were. */
static void test_inpainter_freeze(const char *weights, const float *x) {
  const int S = NETS_INPAINT_SIZE;
  inpainter_net a = {0}, b = {0};
  nets_error err = {0};
  int taken = 0;
  if (inpainter_build(&a, 3) || inpainter_build(&b, 3)) {
    CHECK(0, "freeze: build");
    return;
  }
  CHECK(nets_graph_load_matching(a.g, weights, &taken, &err) == 0 &&
            nets_graph_load_matching(b.g, weights, &taken, &err) == 0,
        "freeze: load %s", err.msg);
  /* the refinement's correction is not zero here, so every layer gets a gradient */
  nets_param *dw = nets_graph_find_param(b.g, "refine_delta.weight");
  for (size_t i = 0; dw && i < nets_tensor_size(dw->value); i++) dw->value->data[i] = 0.01f * (float)((i % 7) - 3);
  memcpy(nets_graph_find_param(a.g, "refine_delta.weight")->value->data, dw->value->data,
         sizeof(float) * nets_tensor_size(dw->value));
  CHECK(nets_graph_freeze_upto(b.g, b.coarse) == 0 && nets_graph_freeze_upto(b.g, b.g->n_nodes) == -1,
        "freeze_upto range");
  CHECK(nets_graph_prepare(a.g, 1, S, S, 1, &err) == 0 && nets_graph_prepare(b.g, 1, S, S, 1, &err) == 0,
        "freeze: prepare %s", err.msg);
  const size_t n = (size_t)3 * S * S;
  float *dout = malloc(sizeof(float) * n);
  for (size_t i = 0; i < n; i++) dout[i] = (float)((i * 2654435761u) % 1000) / 1000.f - 0.5f;
  nets_graph_zero_grad(a.g);
  nets_graph_zero_grad(b.g);
  CHECK(nets_graph_forward(a.g, x, &err) == 0 && nets_graph_backward(a.g, a.out, dout, &err) == 0 &&
            nets_graph_forward(b.g, x, &err) == 0 && nets_graph_backward(b.g, b.out, dout, &err) == 0,
        "freeze: backward %s", err.msg);
  int frozen = 0, trained = 0, mismatched = 0;
  for (int i = 0; i < b.g->n_params; i++) {
    const nets_param *pb = &b.g->params[i], *pa = nets_graph_find_param(a.g, pb->name);
    if (!pb->trainable) {
      frozen++;
      continue;
    }
    trained++;
    double num = 0, den = 0;
    for (size_t k = 0; k < nets_tensor_size(pb->grad); k++) {
      num += fabs(pb->grad->data[k] - pa->grad->data[k]);
      den += fabs(pa->grad->data[k]);
    }
    if (!(num <= 1e-5 * den + 1e-12) || den == 0) mismatched++;
  }
  CHECK(frozen > 0 && trained > 0 && mismatched == 0,
        "freeze: %d frozen, %d trained, %d with other gradients than unfrozen", frozen, trained, mismatched);
  nets_param *c = nets_graph_find_param(b.g, "enc1.weight"), *r = nets_graph_find_param(b.g, "ref1.weight");
  float c0 = c->value->data[3], r0 = r->value->data[3];
  nets_adam opt;
  nets_adam_default(&opt, 1e-2f);
  CHECK(nets_adam_step(&opt, b.g, &err) == 0, "freeze: adam %s", err.msg);
  CHECK(c->value->data[3] == c0 && r->value->data[3] != r0, "freeze: the step moved the coarse network or not the refinement");
  free(dout);
  nets_graph_free(a.g);
  nets_graph_free(b.g);
}

/* Version 5 started from version-3 weights (w3, computed by v3 on input x)
 * computes what they compute whatever the drawing says, until its weights
 * on the drawing move. */
/* An inpainter version that adds layers to version 5: from the version-5
 * weights in file w5 it computes what v5 does (input x5), it holds
 * `extra` more tensors, and a weight of its layer `layer` on input channels
 * from `first_in` on changes its result (the layer is wired in). */
static void check_grown_from_v5(const inpainter_net *v5, const char *w5, const float *x5, int version,
                                const char *layer, int extra, int first_in) {
  const int S = NETS_INPAINT_SIZE;
  nets_error err = {0};
  int taken = 0;
  inpainter_net v = {0};
  CHECK(inpainter_build(&v, version) == 0 && inpainter_version(v.arch) == version && inpainter_inputs(version) == 5,
        "version %d built", version);
  if (!v.g) return;
  nets_graph_init_params(v.g, 25);
  inpainter_zero_residuals(&v);
  CHECK(nets_graph_load_matching(v.g, w5, &taken, &err) == 0 && taken == v5->g->n_params &&
            v.g->n_params == v5->g->n_params + extra,
        "version %d takes every version-5 tensor (%d of %d)", version, taken, v5->g->n_params);
  CHECK(nets_graph_prepare(v.g, 1, S, S, 0, &err) == 0 && nets_graph_forward(v.g, x5, &err) == 0,
        "version %d forward", version);
  float d = 0;
  for (int k = 0; k < 2; k++) {
    const nets_tensor *p5 = nets_graph_output(v5->g, k ? v5->out : v5->coarse);
    const nets_tensor *p = nets_graph_output(v.g, k ? v.out : v.coarse);
    for (size_t i = 0; i < nets_tensor_size(p5); i++) d = fmaxf(d, fabsf(p5->data[i] - p->data[i]));
  }
  CHECK(d < 1e-5f, "version %d from version-5 weights differs by %g", version, d);
  char name[80];
  snprintf(name, sizeof name, "%s.weight", layer);
  nets_param *w = nets_graph_find_param(v.g, name);
  CHECK(w != NULL, "version %d has %s", version, layer);
  if (w) {
    const size_t kk = (size_t)w->value->h * w->value->w;
    for (size_t i = (size_t)first_in * kk; i < (size_t)w->value->c * kk; i++)
      w->value->data[i] = 0.05f; /* the first feature channel */
    CHECK(nets_graph_forward(v.g, x5, &err) == 0, "version %d forward", version);
    const nets_tensor *p5 = nets_graph_output(v5->g, v5->coarse), *p = nets_graph_output(v.g, v.coarse);
    d = 0;
    for (size_t i = 0; i < nets_tensor_size(p5); i++) d = fmaxf(d, fabsf(p5->data[i] - p->data[i]));
    CHECK(d > 1e-4f, "a weight of %s changed nothing (%g)", layer, d);
  }
  nets_graph_free(v.g);
}

static void test_inpainter_sketch(const char *w3, inpainter_net *v3, const float *x) {
  const int S = NETS_INPAINT_SIZE, hw = S * S;
  inpainter_net v5 = {0};
  CHECK(inpainter_build(&v5, 5) == 0 && inpainter_version(v5.arch) == 5 && inpainter_inputs(5) == 5 &&
            inpainter_inputs(3) == 4,
        "version 5 built");
  if (!v5.g) return;
  nets_graph_init_params(v5.g, 24);
  nets_error err = {0};
  int taken = 0;
  CHECK(nets_graph_load_matching(v5.g, w3, &taken, &err) == 0 && taken == v3->g->n_params - 2 &&
            inpainter_widen_from(&v5, w3, &taken, &err) == 0 && taken == v3->g->n_params &&
            v5.g->n_params == v3->g->n_params,
        "version 5 takes every version-3 tensor, two of them widened (%d of %d)", taken, v3->g->n_params);
  float *x5 = malloc(sizeof(float) * 5 * hw);
  memcpy(x5, x, sizeof(float) * 4 * hw);
  for (int p = 0; p < hw; p++) x5[4 * hw + p] = (p / S + p % S) % 7 < 2; /* any drawing */
  float worst = 0, moved = 0;
  CHECK(nets_graph_prepare(v5.g, 1, S, S, 0, &err) == 0 && nets_graph_forward(v5.g, x5, &err) == 0, "v5 forward");
  for (int k = 0; k < 2; k++) {
    const nets_tensor *a = nets_graph_output(v3->g, k ? v3->out : v3->coarse);
    const nets_tensor *b = nets_graph_output(v5.g, k ? v5.out : v5.coarse);
    for (size_t i = 0; i < nets_tensor_size(a); i++) worst = fmaxf(worst, fabsf(a->data[i] - b->data[i]));
  }
  CHECK(worst < 1e-5f, "version 5 from version-3 weights differs by %g", worst);
  /* the drawing is wired in: a weight on it changes the result */
  nets_param *e1 = nets_graph_find_param(v5.g, "enc1.weight");
  const int kk = e1->value->h * e1->value->w;
  for (int o = 0; o < e1->value->n; o++) e1->value->data[((size_t)o * 5 + 4) * kk + kk / 2] = 0.5f;
  CHECK(nets_graph_forward(v5.g, x5, &err) == 0, "v5 forward");
  const nets_tensor *a = nets_graph_output(v3->g, v3->coarse), *b = nets_graph_output(v5.g, v5.coarse);
  for (size_t i = 0; i < nets_tensor_size(a); i++) moved = fmaxf(moved, fabsf(a->data[i] - b->data[i]));
  CHECK(moved > 1e-3f, "a weight on the drawing changed nothing (%g)", moved);
  char w5[700];
  snprintf(w5, sizeof w5, "%s/inpainter-v5.safetensors", tmpdir);
  CHECK(nets_graph_save(v5.g, w5, (const char *const[]){"arch", v5.arch, NULL}, &err) == 0, "v5 saved");
  /* version 6 from version-5 weights: its three added layers add nothing
   * yet; nor does version 7's attention (the layer it goes through sees the
   * 64 features, then the 64 attended ones) */
  check_grown_from_v5(&v5, w5, x5, 6, "mid6", 6, 0);
  check_grown_from_v5(&v5, w5, x5, 7, "dec1att", 2, 64);
  nets_inpainter *n5 = nets_inpainter_load(w5, &err), *n3 = nets_inpainter_load(w3, &err);
  CHECK(n5 && n3 && nets_inpainter_takes_sketch(n5) && !nets_inpainter_takes_sketch(n3),
        "only version 5 takes a drawing: %s", err.msg);
  nets_inpainter_free(n5);
  nets_inpainter_free(n3);
  free(x5);
  nets_graph_free(v5.g);
}

static void test_inpainter_versions(void) {
  CHECK(inpainter_version("unmask-inpainter-v2") == 2 && inpainter_version("unmask-inpainter-v3") == 3,
        "inpainter versions named");
  CHECK(!inpainter_version("unmask-inpainter-v") && !inpainter_version("unmask-inpainter-v23") &&
            !inpainter_version("unmask-detector-v2") && !inpainter_version(NULL),
        "not inpainter versions");
  const int S = NETS_INPAINT_SIZE, hw = S * S;
  inpainter_net v2 = {0}, v3 = {0};
  CHECK(inpainter_build(&v2, 2) == 0 && inpainter_build(&v3, 3) == 0, "both versions built");
  CHECK(inpainter_build(&(inpainter_net){0}, 8) != 0, "version 8 refused");
  if (!v2.g || !v3.g) return;
  nets_graph_init_params(v2.g, 21);
  nets_graph_init_params(v3.g, 22);
  inpainter_zero_residuals(&v3);
  char w2[700], w3[700];
  snprintf(w2, sizeof w2, "%s/inpainter-v2.safetensors", tmpdir);
  snprintf(w3, sizeof w3, "%s/inpainter-v3.safetensors", tmpdir);
  nets_error err = {0};
  int taken = 0;
  CHECK(nets_graph_save(v2.g, w2, (const char *const[]){"arch", v2.arch, NULL}, &err) == 0 &&
            nets_graph_load_matching(v3.g, w2, &taken, &err) == 0 && taken == v2.g->n_params &&
            v3.g->n_params == v2.g->n_params + 6,
        "version 3 takes every version-2 tensor (%d of %d): %s", taken, v2.g->n_params, err.msg);
  float *x = malloc(sizeof(float) * 4 * hw);
  nets_rng rng;
  nets_rng_seed(&rng, 5);
  for (int i = 0; i < 4 * hw; i++) x[i] = i < 3 * hw ? 2 * nets_rng_uniform(&rng) - 1 : (i % S > 40 && i % S < 90);
  CHECK(nets_graph_prepare(v2.g, 1, S, S, 0, &err) == 0 && nets_graph_prepare(v3.g, 1, S, S, 0, &err) == 0 &&
            nets_graph_forward(v2.g, x, &err) == 0 && nets_graph_forward(v3.g, x, &err) == 0,
        "forward: %s", err.msg);
  float worst = 0;
  for (int k = 0; k < 2; k++) {
    const nets_tensor *a = nets_graph_output(v2.g, k ? v2.out : v2.coarse);
    const nets_tensor *b = nets_graph_output(v3.g, k ? v3.out : v3.coarse);
    for (size_t i = 0; i < nets_tensor_size(a); i++) worst = fmaxf(worst, fabsf(a->data[i] - b->data[i]));
  }
  CHECK(worst < 1e-5f, "version 3 from version-2 weights differs by %g", worst);
  CHECK(nets_graph_save(v3.g, w3, (const char *const[]){"arch", v3.arch, NULL}, &err) == 0, "v3 saved");
  /* version 4 from version-3 weights: its refinement's 32-px level adds nothing yet */
  inpainter_net v4 = {0};
  CHECK(inpainter_build(&v4, 4) == 0 && inpainter_version(v4.arch) == 4, "version 4 built");
  if (v4.g) {
    nets_graph_init_params(v4.g, 23);
    inpainter_zero_residuals(&v4);
    CHECK(nets_graph_load_matching(v4.g, w3, &taken, &err) == 0 && taken == v3.g->n_params &&
              v4.g->n_params == v3.g->n_params + 8,
          "version 4 takes every version-3 tensor (%d of %d)", taken, v3.g->n_params);
    CHECK(nets_graph_prepare(v4.g, 1, S, S, 0, &err) == 0 && nets_graph_forward(v4.g, x, &err) == 0, "v4 forward");
    worst = 0;
    for (int k = 0; k < 2; k++) {
      const nets_tensor *a = nets_graph_output(v3.g, k ? v3.out : v3.coarse);
      const nets_tensor *b = nets_graph_output(v4.g, k ? v4.out : v4.coarse);
      for (size_t i = 0; i < nets_tensor_size(a); i++) worst = fmaxf(worst, fabsf(a->data[i] - b->data[i]));
    }
    CHECK(worst < 1e-5f, "version 4 from version-3 weights differs by %g", worst);
    nets_graph_free(v4.g);
  }
  test_inpainter_sketch(w3, &v3, x);
  test_inpainter_freeze(w3, x);
  for (int k = 0; k < 2; k++) {
    nets_inpainter *net = nets_inpainter_load(k ? w3 : w2, &err);
    CHECK(net != NULL, "version %d weights load: %s", k + 2, err.msg);
    nets_inpainter_free(net);
  }
  test_inpainter_mirror(w2);
  test_inpainter_side_by_side(w2);
  snprintf(w3, sizeof w3, "%s/run-detector/detector.safetensors", tmpdir);
  CHECK(nets_inpainter_load(w3, &err) == NULL && strstr(err.msg, "not inpainter weights"),
        "detector weights refused as an inpainter: %s", err.msg);
  free(x);
  nets_graph_free(v2.g);
  nets_graph_free(v3.g);
}

/* Versions 3, 4 and 5 of the detector, started from version-2 weights,
 * compute exactly what they compute; every version loads by the file's
 * "arch", and the trainer keeps a run's version. */
static void test_detector_versions(void) {
  CHECK(detector_version("unmask-detector-v2") == 2 && detector_version("unmask-detector-v3") == 3 &&
            detector_version("unmask-detector-v4") == 4 && detector_version("unmask-detector-v5") == 5,
        "detector versions named");
  CHECK(!detector_version("unmask-detector-v") && !detector_version("unmask-detector-v32") &&
            !detector_version("unmask-detector-v6") && !detector_version("unmask-inpainter-v3") &&
            !detector_version(NULL),
        "not detector versions");
  enum { W = 96, H = 64 };
  detector_net v2 = {0};
  CHECK(detector_build(&v2, 2) == 0, "version 2 built");
  CHECK(detector_build(&(detector_net){0}, 6) != 0 && detector_build(&(detector_net){0}, 1) != 0,
        "versions 1 and 6 refused");
  if (!v2.g) return;
  nets_graph_init_params(v2.g, 31);
  char w2[700], wv[700];
  snprintf(w2, sizeof w2, "%s/detector-v2.safetensors", tmpdir);
  nets_error err = {0};
  CHECK(nets_graph_save(v2.g, w2, (const char *const[]){"arch", v2.arch, NULL}, &err) == 0, "v2 saved");
  float *x = malloc(sizeof(float) * 3 * W * H);
  nets_rng rng;
  nets_rng_seed(&rng, 6);
  for (int i = 0; i < 3 * W * H; i++) x[i] = 2 * nets_rng_uniform(&rng) - 1;
  /* the tensors each version adds: two blocks of two convs; four of three;
   * version 4's and three of two */
  const int added[] = {0, 0, 0, 8, 24, 36};
  for (int v = 3; v <= 5; v++) {
    detector_net vn = {0};
    CHECK(detector_build(&vn, v) == 0, "version %d built", v);
    if (!vn.g) continue;
    nets_graph_init_params(vn.g, 30 + v);
    int taken = 0;
    CHECK(nets_graph_load_matching(vn.g, w2, &taken, &err) == 0 && taken == v2.g->n_params &&
              vn.g->n_params == v2.g->n_params + added[v],
          "version %d takes every version-2 tensor (%d of %d): %s", v, taken, v2.g->n_params, err.msg);
    float worst[2];
    for (int k = 0; k < 2; k++) {
      if (k) detector_zero_residuals(&vn);
      CHECK(nets_graph_prepare(v2.g, 1, H, W, 0, &err) == 0 && nets_graph_prepare(vn.g, 1, H, W, 0, &err) == 0 &&
                nets_graph_forward(v2.g, x, &err) == 0 && nets_graph_forward(vn.g, x, &err) == 0,
            "forward: %s", err.msg);
      const nets_tensor *a = nets_graph_output(v2.g, v2.out), *b = nets_graph_output(vn.g, vn.out);
      worst[k] = 0;
      for (size_t i = 0; i < nets_tensor_size(a); i++) worst[k] = fmaxf(worst[k], fabsf(a->data[i] - b->data[i]));
    }
    /* the blocks change the map until they are zeroed, and then not at all */
    CHECK(worst[0] > 1e-3f, "version %d's random blocks change nothing (%g)", v, worst[0]);
    CHECK(worst[1] < 1e-5f, "version %d from version-2 weights differs by %g", v, worst[1]);
    snprintf(wv, sizeof wv, "%s/detector-v%d.safetensors", tmpdir, v);
    CHECK(nets_graph_save(vn.g, wv, (const char *const[]){"arch", vn.arch, NULL}, &err) == 0, "v%d saved", v);
    nets_graph_free(vn.g);
    nets_detector *d = nets_detector_load(wv, &err);
    CHECK(d != NULL, "version %d weights load: %s", v, err.msg);
    nets_detector_free(d);
  }
  nets_detector *d = nets_detector_load(w2, &err);
  CHECK(d != NULL, "version 2 weights load: %s", err.msg);
  nets_detector_free(d);
  snprintf(wv, sizeof wv, "%s/inpainter-v3.safetensors", tmpdir);
  CHECK(nets_detector_load(wv, &err) == NULL && strstr(err.msg, "not detector weights"),
        "inpainter weights refused as a detector: %s", err.msg);
  /* the trainer: a run from version-2 weights is version 2 unless told;
   * told 3, 4 or 5, it is that, and resumes as it without being told */
  const char *det[] = {"--batch", "2", "--size", "64", "--init", w2, NULL};
  char run[600], arch[64];
  for (int v = 2; v <= 5; v++) {
    char vs[8];
    snprintf(vs, sizeof vs, "%d", v);
    const char *told[] = {"--batch", "2", "--size", "64", "--init", w2, "--net-version", vs, NULL};
    snprintf(run, sizeof run, "%s/run-detector-v%d", tmpdir, v);
    for (int k = 0; k < (v > 2 ? 2 : 1); k++) {
      char want[32];
      snprintf(want, sizeof want, "unmask-detector-v%d", v);
      CHECK(run_trainer(train_detector_main, "detector", run, k ? "2" : "1", v > 2 && !k ? told : det) == 0,
            "detector run, version %d, %s", v, k ? "resumed" : "new");
      CHECK(!strcmp(saved_arch(run, "detector.safetensors", arch, sizeof arch), want),
            "detector run saved as %s, not %s", arch, want);
    }
    if (v > 2) CHECK(state_step(run) == 2, "version %d run resumed to step %ld, not 2", v, state_step(run));
  }
  free(x);
  nets_graph_free(v2.g);
}

/* The perceptual loss's gradient against central differences of its loss,
 * along random directions, on a detector with random weights; and nothing
 * flows outside the hole. */
static void test_perceptual(void) {
  enum { B = 2, S = 32, N = B * 3 * S * S };
  detector_net d;
  CHECK(detector_build(&d, 2) == 0, "detector built");
  nets_graph_init_params(d.g, 11);
  char w[700];
  snprintf(w, sizeof w, "%s/perc-detector.safetensors", tmpdir);
  nets_error err = {0};
  CHECK(nets_graph_save(d.g, w, (const char *const[]){"arch", d.arch, NULL}, &err) == 0,
        "random detector saved: %s", err.msg);
  nets_graph_free(d.g);
  train_perceptual p;
  CHECK(train_perceptual_init(&p, w, B, S, &err) == 0, "perceptual loss set up: %s", err.msg);
  if (err.code) return;
  static float real[N], fake[N], scratch[N], grad[N], probe[N], hole[B * S * S];
  nets_rng rng;
  nets_rng_seed(&rng, 3);
  for (int i = 0; i < N; i++) real[i] = 2 * nets_rng_uniform(&rng) - 1, fake[i] = 2 * nets_rng_uniform(&rng) - 1;
  for (int i = 0; i < B * S * S; i++) hole[i] = (i % S) >= 8 && (i % S) < 24;
  memset(grad, 0, sizeof grad);
  train_perceptual_step(&p, real, fake, hole, 2.f, grad, &err);
  int outside = 0;
  for (int i = 0; i < N; i++) outside += grad[i] != 0 && !hole[i % (S * S) + i / (3 * S * S) * S * S];
  CHECK(outside == 0, "%d gradient values outside the hole", outside);
  /* along the gradient itself, a step that moves the loss by about 1e-4
   * (far above float rounding, small against the kinks of ReLU and L1) */
  double dot = 0;
  for (int i = 0; i < N; i++) dot += (double)grad[i] * grad[i];
  const float eps = (float)(1e-4 / dot);
  float l[2];
  for (int sgn = 0; sgn < 2; sgn++) {
    for (int i = 0; i < N; i++) probe[i] = fake[i] + (sgn ? -eps : eps) * grad[i];
    l[sgn] = train_perceptual_step(&p, real, probe, hole, 0.f, scratch, &err);
  }
  const double fd = 2.0 * (l[0] - l[1]) / (2 * eps); /* the loss had weight 2 */
  const float off = (float)(fabs(fd - dot) / dot);
  CHECK(off < 0.05f, "perceptual gradient off by %.1f%% of the finite difference", 100 * off);
  train_perceptual_free(&p);
}

/* Two coverings side by side (touching along x = 20), one apart: the seam
 * takes R columns from each touching side, no more, and leaves the lone
 * covering whole; for the default radius, a wider one and none. */
static void test_seams(void) {
  enum { W = 48, H = 16 };
  const int radii[] = {UNMASK_SEAM_RADIUS, 4, 0};
  for (int r = 0; r < 3; r++) {
    const int R = radii[r];
    float cover[W * H], seam[W * H];
    int id[W * H];
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        int a = x >= 4 && x < 20 && y >= 2 && y < 14, b = x >= 20 && x < 32 && y >= 4 && y < 12;
        int c = x >= 40 && x < 46 && y >= 2 && y < 14;
        cover[y * W + x] = a || b || c;
        id[y * W + x] = a ? 0 : b ? 1 : c ? 2 : -1;
      }
    CHECK(synth_carve_seams(cover, id, W, H, R, seam) == 0, "seams carved");
    int wrong = 0, n_seam = 0;
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        const int i = y * W + x;
        /* covering 0 within R of covering 1: columns 20-R..19, rows 4-R..11+R */
        int cut0 = id[i] == 0 && x >= 20 - R && y >= 4 - R && y < 12 + R;
        int cut1 = id[i] == 1 && x < 20 + R;
        int want = (id[i] >= 0) && !cut0 && !cut1;
        wrong += (cover[i] > 0.5f) != want || (seam[i] > 0.5f) != (cut0 || cut1);
        n_seam += seam[i] > 0.5f;
      }
    CHECK(wrong == 0, "seam where coverings touch, and only there");
    const int rows0 = (12 + R < 14 ? 12 + R : 14) - (4 - R > 2 ? 4 - R : 2); /* covering 0 spans rows 2-13 */
    CHECK(n_seam == R * rows0 + R * 8, "seam size for radius %d", R);
  }
}

/* A 12 x 8 covering with a 1-px loop running up from it, its map cells of
 * 2 x 2 holding half the loop: --loop-weight's targets make every cell the
 * loop passes through covered (1) and weigh at least W there; the block's
 * cells keep their covered share and weight. */
static void test_loop_targets(void) {
  enum { W = 32, H = 24, F = 2 };
  float cov[W * H], t[(W / F) * (H / F)], wmap[(W / F) * (H / F)];
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      cov[y * W + x] = (x >= 8 && x < 20 && y >= 12 && y < 20) || (x == 9 && y >= 2 && y < 12);
  for (int c = 0; c < (W / F) * (H / F); c++) t[c] = 0.f, wmap[c] = 1.f;
  for (int y = 0; y < H; y++) /* the covered share, as the trainer's downsample gives it */
    for (int x = 0; x < W; x++) t[(y / F) * (W / F) + x / F] += cov[y * W + x] / (F * F);
  CHECK(train_loop_targets(cov, W, H, F, 4.f, t, wmap) == 0, "loop targets");
  int loop_ok = 0, block_ok = 0, others = 0;
  for (int cy = 0; cy < H / F; cy++)
    for (int cx = 0; cx < W / F; cx++) {
      const int c = cy * (W / F) + cx;
      if (cx == 4 && cy >= 1 && cy < 6) loop_ok += t[c] == 1.f && wmap[c] == 4.f;
      else if (cx >= 4 && cx < 10 && cy >= 6 && cy < 10) block_ok += t[c] == 1.f && wmap[c] == 1.f;
      else others += t[c] != 0.f || wmap[c] != 1.f;
    }
  CHECK(loop_ok == 5, "%d of the loop's 5 cells covered and weighted", loop_ok);
  CHECK(block_ok == 24, "%d of the block's 24 cells as they were", block_ok);
  CHECK(others == 0, "%d other cells changed", others);
}

/* The replay pool keeps the hardest scenes offered, gives each back at most
 * max_uses times, and is empty once all are taken. */
static void test_replay(void) {
  train_replay r;
  CHECK(train_replay_init(&r, 4, 2, 3) == 0, "replay init");
  train_replay_entry e;
  CHECK(!train_replay_take(&r, &e), "an empty pool gives nothing");
  for (uint64_t i = 0; i < 10; i++) train_replay_offer(&r, 100 + i, (float)((i * 7) % 10), 0);
  /* losses 0 7 4 1 8 5 2 9 6 3: the four hardest are 9 8 7 6 (scenes 107 104 101 108) */
  int seen = 0;
  for (int k = 0; k < 4; k++) {
    CHECK(train_replay_take(&r, &e), "take %d", k);
    seen |= e.idx == 107 ? 1 : e.idx == 104 ? 2 : e.idx == 101 ? 4 : e.idx == 108 ? 8 : 16;
    CHECK(e.uses == 0, "a fresh scene has not been drawn again");
  }
  CHECK(seen == 15, "the four hardest scenes were kept (%d)", seen);
  CHECK(!train_replay_take(&r, &e), "the pool is empty again");
  train_replay_offer(&r, 1, 5.f, 1);
  train_replay_offer(&r, 2, 50.f, 2); /* drawn again twice: stays out */
  CHECK(train_replay_take(&r, &e) && e.idx == 1 && e.uses == 1 && !train_replay_take(&r, &e),
        "a scene drawn max_uses times again is not kept");
  train_replay_free(&r);
}

/* augment_grey: a scene drawn grey is its luma in all three channels; at
 * share 0 nothing changes; at 0.3 about 30% of seeds turn grey. */
static void test_augment_grey(void) {
  enum { W = 5, H = 4 };
  float rgb[W * H * 3], orig[W * H * 3];
  for (int i = 0; i < W * H * 3; i++) orig[i] = (float)((i * 37) % 101) / 100.f;
  memcpy(rgb, orig, sizeof rgb);
  CHECK(augment_grey(rgb, W, H, 0.0, 7) == 0 && !memcmp(rgb, orig, sizeof rgb), "share 0 leaves the scene");
  CHECK(augment_grey(rgb, W, H, 1.0, 7) == 1, "share 1 turns it grey");
  int grey = 1;
  for (int p = 0; p < W * H; p++) {
    const float y = nets_luma(orig + p * 3);
    for (int c = 0; c < 3; c++) grey = grey && fabsf(rgb[p * 3 + c] - y) < 1e-6f;
  }
  CHECK(grey, "every pixel is its luma in R, G and B");
  int turned = 0;
  for (uint64_t seed = 0; seed < 1000; seed++) {
    memcpy(rgb, orig, sizeof rgb);
    turned += augment_grey(rgb, W, H, 0.3, seed);
  }
  CHECK(turned > 250 && turned < 350, "%d of 1000 seeds turned grey at share 0.3", turned);
}

/* fit-look --look-weights: the model is fitted to what the look network
 * sees of the detector's coverings, and written into a copy of the look
 * network's file, whose metadata names the detector. */
static void test_fit_look_network(void) {
  char faces[600], csv[600], cfg[600], det[800], look[800], out[800], dir[700], det_dir[700], look_dir[700];
  char meta[2048];
  tmp_data_paths(faces, csv, cfg);
  snprintf(det_dir, sizeof det_dir, "%s/run-detector", tmpdir);
  snprintf(look_dir, sizeof look_dir, "%s/run-detector-looks", tmpdir);
  snprintf(dir, sizeof dir, "%s/fit-look", tmpdir);
  snprintf(det, sizeof det, "%s/detector.safetensors", det_dir);
  snprintf(look, sizeof look, "%s/detector.safetensors", look_dir);
  snprintf(out, sizeof out, "%s/detector.safetensors", dir);
  CHECK(mkdir(dir, 0700) == 0, "fit-look folder");
  const char *args[] = {"fit-look", "--faces", faces, "--csv", csv, "--templates", cfg, "--weights", det,
                        "--look-weights", look, "-o", out, "--n", "24", "--map-sensitivity", "0.99",
                        "--threads", "1", NULL};
  const int rc = fit_look_main(19, (char **)args);
  CHECK(rc == 0, "fit-look --look-weights: exit %d", rc);
  if (rc) return;
  CHECK(strstr(saved_meta(dir, "detector.safetensors", "second_look_fit", meta, sizeof meta),
               "second looks of the coverings of"),
        "fit-look --look-weights: the note does not name the detector: %s", meta);
  CHECK(same_tensors(look_dir, dir, "detector.safetensors") && !same_tensors(det_dir, dir, "detector.safetensors"),
        "fit-look --look-weights did not write the look network's weights");
}

/* train_scene_look_crop: the crops of one seed are the same every time;
 * weights are 0 or 1, targets shares; some crops hold a covering (framed
 * round a scene's covering) and some none (framed round a look-alike or a
 * random patch). */
static void test_scene_look_crops(void) {
  nets_error err = {0};
  unmask_synth *syn = tmp_synth(&err);
  const int S = TRAIN_LOOK_SIZE;
  const size_t n = (size_t)S * S;
  float *a = malloc(sizeof(float) * 5 * n), *b = malloc(sizeof(float) * 5 * n);
  int with = 0, without = 0, bad = 0, differ = 0, cut = 0;
  for (int i = 0; syn && a && b && i < 24; i++) {
    CHECK(train_scene_look_crop(syn, 5, (uint64_t)i, a, a + 3 * n, a + 4 * n, &err) == 0 &&
              train_scene_look_crop(syn, 5, (uint64_t)i, b, b + 3 * n, b + 4 * n, &err) == 0,
          "scene look crop %d: %s", i, err.msg);
    differ += memcmp(a, b, sizeof(float) * 5 * n) != 0;
    double cover = 0;
    long outside = 0;
    for (size_t p = 0; p < n; p++) {
      const float t = a[3 * n + p], w = a[4 * n + p];
      bad += !(t >= 0 && t <= 1) || (w != 0 && w != 1);
      cover += t * w, outside += w == 0;
    }
    for (size_t p = 0; p < 3 * n; p++) bad += !(a[p] >= 0 && a[p] <= 1);
    with += cover >= 50, without += cover == 0, cut += outside > 0;
  }
  CHECK(!bad && !differ, "scene look crops: %d values out of range, %d not repeatable", bad, differ);
  CHECK(with >= 4 && without >= 4, "scene look crops: %d of 24 hold a covering, %d none", with, without);
  CHECK(cut >= 1, "no scene look crop reaches past its scene");
  free(a), free(b);
  unmask_synth_free(syn);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/unmask-synth-test-XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_crop_and_homography();
  test_seams();
  test_loop_targets();
  test_replay();
  test_augment_grey();
  test_kinds();
  write_template_cfg();
  test_template();
  test_generator();
  test_photo_scenes();
  test_eval_detector();
  test_eval_photos();
  test_trainers();
  test_scene_look_crops();
  test_fit_look_network();
  test_landmarks();
  test_perceptual();
  test_inpainter_versions();
  test_detector_versions();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("synth tests passed\n");
  return failures ? 1 : 0;
}
