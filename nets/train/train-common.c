#include "train-common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/blas.h"
#include "../core/parallel.h"
#include "../core/tensor.h"
#include "../io/image.h"
#include "../io/safetensors.h"
#include "font.h"
#include "unmask-config.h"

double train_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int train_file_version(const char *path, int (*version_of)(const char *arch)) {
  nets_error err = {0};
  nets_st_file *f = path ? nets_st_load(path, &err) : NULL;
  const int v = f ? version_of(nets_st_meta(f, "arch")) : 0;
  nets_st_free(f);
  return v;
}

int train_mkdirs(const char *dir) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) && errno != EEXIST) return -1;
      *p = '/';
    }
  return (mkdir(buf, 0755) && errno != EEXIST) ? -1 : 0;
}

int train_file_exists(const char *path) { return access(path, R_OK) == 0; }

const char *train_default_data_dir(void) {
  const char *env = getenv("UNMASK_DATA");
  if (env && *env) return env;
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/../../shared/data", UNMASK_SOURCE_WEIGHTS_DIR);
  return buf;
}

void train_opts_default(train_opts *o, const char *run, long steps) {
  memset(o, 0, sizeof *o);
  const char *data = train_default_data_dir();
  snprintf(o->faces, sizeof o->faces, "%s/faces", data);
  snprintf(o->csv, sizeof o->csv, "%s/faces.csv", data);
  o->run = run;
  o->steps = steps;
  o->batch = 8;
  o->save_every = 250;
  o->sample_every = 500;
  o->log_every = 20;
  o->seed = 1;
}

int train_opts_parse(train_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
  if (!v) return 0;
  if (!strcmp(a, "--faces")) snprintf(o->faces, sizeof o->faces, "%s", v);
  else if (!strcmp(a, "--csv")) snprintf(o->csv, sizeof o->csv, "%s", v);
  else if (!strcmp(a, "--templates")) snprintf(o->templates, sizeof o->templates, "%s", v);
  else if (!strcmp(a, "--run")) o->run = v;
  else if (!strcmp(a, "--init")) o->init = v;
  else if (!strcmp(a, "--steps")) o->steps = atol(v);
  else if (!strcmp(a, "--hours")) o->hours = atof(v);
  else if (!strcmp(a, "--batch")) o->batch = atoi(v);
  else if (!strcmp(a, "--save-every")) o->save_every = atoi(v);
  else if (!strcmp(a, "--sample-every")) o->sample_every = atoi(v);
  else if (!strcmp(a, "--log-every")) o->log_every = atoi(v);
  else if (!strcmp(a, "--threads")) o->threads = atoi(v);
  else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
  else if (!strcmp(a, "--ema")) o->ema = (float)atof(v);
  else if (!strcmp(a, "--kind-weights")) snprintf(o->kind_weights, sizeof o->kind_weights, "%s", v);
  else return 0;
  (*i)++;
  return 1;
}

/* --kind-weights "K=W,..." into w (-1 = default).  Returns 0, or prints why
 * not and returns 2. */
static int parse_kind_weights(const char *list, double *w) {
  for (int k = 0; k < UNMASK_MASK_N_KINDS; k++) w[k] = -1;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    int kind = -1;
    if (eq) {
      *eq = 0;
      for (int k = 0; k < UNMASK_MASK_N_KINDS && kind < 0; k++)
        if (!strcmp(tok, unmask_mask_kind_name(k))) kind = k;
    }
    char *end = NULL;
    const double v = eq ? strtod(eq + 1, &end) : -1;
    if (kind < 0 || !end || *end || !(v >= 0 && v <= 1e6)) {
      fprintf(stderr, "unmask-train: --kind-weights wants KIND=W,... with W >= 0 and KIND one of");
      for (int k = 0; k < UNMASK_MASK_N_KINDS; k++) fprintf(stderr, " %s", unmask_mask_kind_name(k));
      fprintf(stderr, " (got \"%s\")\n", list);
      return 2;
    }
    w[kind] = v;
  }
  return 0;
}

unmask_synth *train_opts_synth(const train_opts *o, nets_error *err) {
  unmask_synth *syn = unmask_synth_new(o->faces, o->csv, train_opts_templates(o), err);
  if (syn) unmask_synth_set_kind_weights(syn, o->kind_w);
  return syn;
}

int train_opts_fixed_scenes(const train_opts *o, const char *command) {
  if (!o->kind_weights[0]) return 0;
  fprintf(stderr, "%s: --kind-weights is for training; the evaluation's scenes are fixed\n", command);
  return 2;
}

int train_opts_finish(train_opts *o) {
  if (o->batch < 1 || o->steps < 0 || o->save_every < 1 || o->sample_every < 1 || o->log_every < 1) {
    fprintf(stderr, "unmask-train: --batch and the periods must be positive\n");
    return 2;
  }
  if (!(o->ema >= 0.f && o->ema < 1.f)) {
    fprintf(stderr, "unmask-train: --ema must be in [0, 1)\n");
    return 2;
  }
  if (parse_kind_weights(o->kind_weights, o->kind_w)) return 2;
  if (!o->templates[0]) {
    /* masks.cfg beside the CSV's folder, as in ../shared/data */
    const char *slash = strrchr(o->csv, '/');
    int dir_len = slash ? (int)(slash - o->csv) : 1;
    char cfg[sizeof o->csv + 32];
    snprintf(cfg, sizeof cfg, "%.*s/mask-templates/masks.cfg", dir_len, slash ? o->csv : ".");
    if (strlen(cfg) < sizeof o->templates && train_file_exists(cfg)) memcpy(o->templates, cfg, strlen(cfg) + 1);
  }
  if (o->threads > 0) {
    nets_blas_set_threads(o->threads);
    nets_parallel_set_threads(o->threads);
  }
  return 0;
}

/* Keep the header and the rows whose step (first column) is <= last_step. */
static int log_truncate(const char *path, long last_step) {
  FILE *in = fopen(path, "r");
  if (!in) return 0;
  char tmp[4200], line[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fclose(in);
    return -1;
  }
  int first = 1;
  while (fgets(line, sizeof line, in)) {
    if (first || atol(line) <= last_step) fputs(line, out);
    first = 0;
  }
  fclose(in);
  if (fclose(out) || rename(tmp, path)) return -1;
  return 0;
}

int train_log_open(train_log *log, const char *path, const char *header, long resume_step,
                   nets_error *err) {
  int exists = train_file_exists(path);
  if (exists && log_truncate(path, resume_step))
    return nets_error_set(err, NETS_ERR_IO, "cannot rewrite %s", path);
  log->f = fopen(path, "a");
  if (!log->f) return nets_error_set(err, NETS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  log->n_cols = 1;
  for (const char *p = header; *p; p++) log->n_cols += *p == ',';
  if (!exists) fprintf(log->f, "%s\n", header);
  fflush(log->f);
  return NETS_OK;
}

void train_log_row(train_log *log, const double *values) {
  for (int i = 0; i < log->n_cols; i++) fprintf(log->f, i ? ",%.6g" : "%.6g", values[i]);
  fputc('\n', log->f);
  fflush(log->f);
}

void train_log_close(train_log *log) {
  if (log->f) fclose(log->f);
  log->f = NULL;
}

static void fill_rect(nets_image *img, int x0, int y0, int x1, int y1, const float c[3]) {
  for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < img->width; x++)
      memcpy(img->data + ((size_t)y * img->width + x) * 3, c, 3 * sizeof(float));
}

static void line(nets_image *img, double x0, double y0, double x1, double y1, const float c[3]) {
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
  double len = fabs(x1 - x0) + fabs(y1 - y0);
  if (len > 4.0 * (img->width + img->height)) return; /* off the picture */
  int steps = (int)len + 1;
  for (int i = 0; i <= steps; i++) {
    double t = (double)i / steps;
    int x = (int)lround(x0 + t * (x1 - x0)), y = (int)lround(y0 + t * (y1 - y0));
    fill_rect(img, x, y, x + 2, y + 2, c);
  }
}

int train_plot_csv(const char *csv_path, const int *cols, int n_cols, const char *png_path,
                   nets_error *err) {
  FILE *f = fopen(csv_path, "r");
  if (!f) return nets_error_set(err, NETS_ERR_IO, "cannot read %s", csv_path);
  char line_buf[4096], header[4096];
  if (!fgets(header, sizeof header, f)) {
    fclose(f);
    return nets_error_set(err, NETS_ERR_FORMAT, "%s is empty", csv_path);
  }
  header[strcspn(header, "\r\n")] = 0;
  char *names[64];
  int n_names = 0;
  for (char *tok = strtok(header, ","); tok && n_names < 64; tok = strtok(NULL, ",")) names[n_names++] = tok;
  size_t cap = 1024, n = 0;
  double *data = malloc(cap * 64 * sizeof *data);
  while (data && fgets(line_buf, sizeof line_buf, f)) {
    if (n == cap) {
      double *nd = realloc(data, cap * 2 * 64 * sizeof *data);
      if (!nd) break;
      data = nd;
      cap *= 2;
    }
    char *p = line_buf;
    for (int c = 0; c < n_names; c++) {
      data[n * 64 + c] = strtod(p, &p);
      if (*p == ',') p++;
    }
    n++;
  }
  fclose(f);
  if (!data || n < 2) {
    free(data);
    return nets_error_set(err, NETS_ERR_FORMAT, "%s: not enough rows to plot", csv_path);
  }
  const int pw = 640, ph = 220, W = pw, H = ph * n_cols;
  nets_image *img = nets_image_new(W, H, 3);
  const float white[3] = {1, 1, 1}, grey[3] = {0.8f, 0.8f, 0.8f}, black[3] = {0, 0, 0};
  const float raw[3] = {0.7f, 0.8f, 1.f}, smooth[3] = {0.1f, 0.3f, 0.8f};
  fill_rect(img, 0, 0, W, H, white);
  for (int k = 0; k < n_cols; k++) {
    const int c = cols[k], oy = k * ph, left = 70, right = W - 10, top = oy + 24, bottom = oy + ph - 24;
    if (c <= 0 || c >= n_names) continue;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
      double v = data[i * 64 + c];
      if (v > 0 && isfinite(v)) { lo = fmin(lo, v); hi = fmax(hi, v); }
    }
    int any_negative = 0;
    for (size_t i = 0; i < n; i++) any_negative |= data[i * 64 + c] <= 0;
    int logy = !any_negative && lo > 0 && hi / lo > 20;
    if (!logy) { /* linear scale over all finite values */
      lo = INFINITY; hi = -INFINITY;
      for (size_t i = 0; i < n; i++)
        if (isfinite(data[i * 64 + c])) { lo = fmin(lo, data[i * 64 + c]); hi = fmax(hi, data[i * 64 + c]); }
    }
    if (!isfinite(lo)) { lo = 0; hi = 1; } /* nothing to draw yet */
    if (!(hi > lo)) hi = lo + 1e-9;
    const double x0 = data[0], x1 = data[(n - 1) * 64] > x0 ? data[(n - 1) * 64] : x0 + 1;
#define MAPY(v) (logy ? bottom - (log(fmax(v, lo)) - log(lo)) / (log(hi) - log(lo)) * (bottom - top) \
                      : bottom - ((v) - lo) / (hi - lo) * (bottom - top))
#define MAPX(x) (left + ((x) - x0) / (x1 - x0) * (right - left))
    line(img, left, top, left, bottom, grey);
    line(img, left, bottom, right, bottom, grey);
    /* columns may start with empty (NaN) rows, e.g. the GAN losses before
     * the adversarial phase: every curve starts at its first finite value */
    /* the smoothed curve averages over about 2% of the steps shown, however
     * densely the rows were logged (a resumed run may log more often) */
    const double tau = (x1 - x0) / 50;
    double ema = NAN, ema_step = NAN, prev_x = NAN, prev_y = NAN, prev_rx = NAN, prev_ry = NAN;
    for (size_t i = 0; i < n; i++) {
      double v = data[i * 64 + c], x = MAPX(data[i * 64]);
      if (!isfinite(v)) continue;
      double ry = MAPY(v);
      line(img, prev_rx, prev_ry, x, ry, raw);
      prev_rx = x; prev_ry = ry;
    }
    for (size_t i = 0; i < n; i++) {
      double v = data[i * 64 + c], x = MAPX(data[i * 64]);
      if (!isfinite(v)) continue;
      const double step = data[i * 64];
      ema = isfinite(ema) ? ema + (1 - exp(-fmax(step - ema_step, 0) / tau)) * (v - ema) : v;
      ema_step = step;
      double y = MAPY(ema);
      line(img, prev_x, prev_y, x, y, smooth);
      prev_x = x; prev_y = y;
    }
    char label[128];
    snprintf(label, sizeof label, "%s (last %.4g, smoothed %.4g)%s", names[c], data[(n - 1) * 64 + c],
             ema, logy ? " log scale" : "");
    font_draw(img, left, oy + 6, 2, black, label);
    snprintf(label, sizeof label, "%.3g", hi);
    font_draw(img, 4, top, 1, black, label);
    snprintf(label, sizeof label, "%.3g", lo);
    font_draw(img, 4, bottom - 7, 1, black, label);
    snprintf(label, sizeof label, "%s %.0f", names[0], x0);
    font_draw(img, left, bottom + 6, 1, black, label);
    snprintf(label, sizeof label, "%.0f", x1);
    font_draw(img, right - font_width(label, 1), bottom + 6, 1, black, label);
#undef MAPY
#undef MAPX
  }
  free(data);
  int rc = nets_image_save(img, png_path, 8, 90, err);
  nets_image_free(img);
  return rc;
}

int train_grid_png(const char *path, int rows, int cols, int s, const float *const *tiles,
                   nets_error *err) {
  const int gap = 2, W = cols * (s + gap) + gap, H = rows * (s + gap) + gap;
  nets_image *img = nets_image_new(W, H, 3);
  if (!img) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < (size_t)W * H * 3; i++) img->data[i] = 1.f;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) {
      const float *t = tiles[r * cols + c];
      if (!t) continue;
      for (int y = 0; y < s; y++)
        memcpy(img->data + (((size_t)(gap + r * (s + gap) + y)) * W + gap + c * (s + gap)) * 3,
               t + (size_t)y * s * 3, (size_t)s * 3 * sizeof(float));
    }
  int rc = nets_image_save(img, path, 8, 90, err);
  nets_image_free(img);
  return rc;
}

double train_gemm_rate(void) {
  const int m = 64, n = 16384, k = 576;
  float *a = nets_alloc_floats((size_t)m * k), *b = nets_alloc_floats((size_t)k * n);
  float *c = nets_alloc_floats((size_t)m * n);
  if (!a || !b || !c) return 0;
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = 0.001f * (float)(i % 97);
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = 0.001f * (float)(i % 89);
  nets_sgemm(0, 0, m, n, k, 1.f, a, k, b, n, 0.f, c, n);
  double best = 1e9;
  for (int r = 0; r < 5; r++) {
    double t0 = train_now();
    nets_sgemm(0, 0, m, n, k, 1.f, a, k, b, n, 0.f, c, n);
    double dt = train_now() - t0;
    if (dt < best) best = dt;
  }
  nets_free_floats(a); nets_free_floats(b); nets_free_floats(c);
  return 2.0 * m * n * k / best * 1e-9;
}

void train_overlay(float *rgb, const float *drawing, int hw, int channel) {
  for (int p = 0; p < hw; p++)
    for (int k = 0; k < 3; k++) rgb[p * 3 + k] = rgb[p * 3 + k] * (1 - drawing[p]) + (k == channel) * drawing[p];
}
