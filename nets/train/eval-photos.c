/* unmask-train eval-photos: the whole product on real photos at their own
 * size.  Masks are drawn on the annotated faces of the held-out 300-W photos
 * (people in their own surroundings, faces of any size in up to 640-px
 * frames), and `unmask` runs on the result as a user runs it: detection,
 * crop, inpainting, paste.  The repaint is scored against the photo before
 * the masks, over the drawn coverings, at full resolution; the classical
 * harmonic fill in the same detected holes is scored beside it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"
#include "../pipeline/memio.h"
#include "../pipeline/pipeline.h"
#include "../synth/synth.h"
#include "augment.h"
#include "metrics.h"
#include "train-common.h"
#include "train.h"

#define MAX_FACES_PER_PHOTO 16

typedef struct {
  char file[256];
  int n;
  float lm[MAX_FACES_PER_PHOTO][136];
} photo;

/* The held-out 300-W photos of the landmark table, with their faces. */
static photo *read_photos(const char *csv, int *n_out, nets_error *err) {
  FILE *fp = fopen(csv, "r");
  if (!fp) {
    nets_error_set(err, NETS_ERR_IO, "cannot open %s", csv);
    return NULL;
  }
  photo *ph = NULL;
  int n = 0, cap = 0;
  static char line[65536];
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "ibug_", 5)) continue; /* the header and the face crops */
    char *comma = strchr(line, ',');
    if (!comma || comma - line >= (long)sizeof ph->file) continue;
    *comma = 0;
    if (unmask_synth_split_of(line, NULL) != 1) continue;
    if (n == 0 || strcmp(ph[n - 1].file, line)) {
      if (n == cap) {
        cap = cap ? 2 * cap : 64;
        photo *np = realloc(ph, sizeof *ph * cap);
        if (!np) break;
        ph = np;
      }
      memset(&ph[n], 0, sizeof *ph);
      memcpy(ph[n].file, line, (size_t)(comma - line) + 1); /* shorter than file[], checked above */
      n++;
    }
    photo *p = &ph[n - 1];
    if (p->n == MAX_FACES_PER_PHOTO) continue;
    char *f = comma + 1;
    for (int k = 0; k < 4 && f; k++) f = strchr(f, ','), f = f ? f + 1 : NULL; /* w, h, source, licence */
    int k = 0;
    for (; f && k < 136; k++) {
      p->lm[p->n][k] = strtof(f, &f);
      f = *f == ',' ? f + 1 : NULL;
    }
    if (k == 136) p->n++;
  }
  fclose(fp);
  *n_out = n;
  if (!n) nets_error_set(err, NETS_ERR_FORMAT, "%s: no held-out 300-W photos", csv);
  return ph;
}

typedef struct {
  double psnr, ssim, mae, psnr_all, left, outside, ms;
  double detail; /* fine detail over the coverings, as a share of the original's */
} scores;

static void add(scores *s, const scores *o) {
  s->psnr += o->psnr, s->ssim += o->ssim, s->mae += o->mae, s->psnr_all += o->psnr_all;
  s->left += o->left, s->outside += o->outside, s->ms += o->ms, s->detail += o->detail;
}

/* res against orig (RGB), over the coverings cov; hole: what was repainted. */
static scores score(const nets_image *res, const nets_image *orig, const float *cov, const float *hole) {
  const int w = orig->width, h = orig->height;
  scores s = {0};
  double mse, mae;
  metric_errors(res->data, orig->data, w, h, cov, &mse, &mae);
  s.psnr = metric_psnr_from_mse(mse), s.mae = mae;
  s.ssim = metric_ssim(res->data, orig->data, w, h, cov);
  metric_errors(res->data, orig->data, w, h, NULL, &mse, &mae);
  s.psnr_all = metric_psnr_from_mse(mse);
  const double d_orig = metric_detail(orig->data, w, h, cov);
  s.detail = d_orig > 0 ? metric_detail(res->data, w, h, cov) / d_orig : 0;
  long n_cov = 0, left = 0, out = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) {
    const int c = cov[i] > 0.5f, r = hole && hole[i] >= 0.5f;
    n_cov += c, left += c && !r, out += !c && r;
  }
  s.left = n_cov ? (double)left / n_cov : 0;
  s.outside = n_cov ? (double)out / n_cov : 0;
  return s;
}

/* The pipeline on masked (RGB): result (RGB) and the repainted hole (w*h).
 * selection: the user's hole (w*h, 1 channel), or NULL to detect. */
static int run_pipeline(unmask_models *m, const unmask_params *p0, const nets_image *masked,
                        const nets_image *selection, nets_image **res, float *hole, double *ms, nets_error *err) {
  nets_image *rgba = nets_image_convert(masked, 4);
  nets_image *hm = nets_image_new(masked->width, masked->height, 1);
  int rc = NETS_ERR_NOMEM;
  *res = NULL;
  if (rgba && hm) {
    unmask_params p = *p0;
    p.hole_write = unmask_memio_hole_write, p.hole_user = hm;
    unmask_memio mio;
    unmask_image_io io = unmask_memio_init(&mio, rgba, selection);
    const double t0 = train_now();
    rc = unmask_run(m, &io, &p, NULL, NULL, err) < 0 ? NETS_ERR_IO : NETS_OK;
    *ms = 1e3 * (train_now() - t0);
    if (!rc) {
      memcpy(hole, hm->data, sizeof(float) * masked->width * masked->height);
      if (!(*res = nets_image_convert(rgba, 3))) rc = NETS_ERR_NOMEM;
    }
  }
  if (rc == NETS_ERR_NOMEM && !err->msg[0]) nets_error_set(err, rc, "out of memory");
  nets_image_free(rgba), nets_image_free(hm);
  return rc;
}

/* DIR/<photo file without its extension>.png */
static void png_path(char *path, size_t size, const char *dir, const char *file) {
  const char *dot = strrchr(file, '.');
  snprintf(path, size, "%s/%.*s.png", dir, (int)(dot ? dot - file : (long)strlen(file)), file);
}

/* masked | harmonic fill | unmask | original, cropped around the coverings. */
static int save_strip(const char *dir, const char *file, const nets_image *const im[4], const float *cov,
                      nets_error *err) {
  const int w = im[0]->width, h = im[0]->height;
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (cov[(size_t)y * w + x] > 0.5f) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return 0;
  const int mx = (x1 - x0) / 3 + 8, my = (y1 - y0) / 2 + 8;
  x0 = x0 - mx < 0 ? 0 : x0 - mx, x1 = x1 + mx >= w ? w - 1 : x1 + mx;
  y0 = y0 - my < 0 ? 0 : y0 - my, y1 = y1 + my >= h ? h - 1 : y1 + my;
  const int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  nets_image *strip = nets_image_new(4 * cw + 3 * 4, ch, 3);
  if (!strip) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < (size_t)strip->width * ch * 3; i++) strip->data[i] = 1.0f;
  for (int k = 0; k < 4; k++)
    for (int y = 0; y < ch; y++)
      memcpy(strip->data + ((size_t)y * strip->width + k * (cw + 4)) * 3,
             im[k]->data + ((size_t)(y + y0) * w + x0) * 3, sizeof(float) * 3 * cw);
  char path[4600];
  png_path(path, sizeof path, dir, file);
  int rc = nets_image_save(strip, path, 8, 0, err);
  nets_image_free(strip);
  return rc;
}

/* DIR/<photo>.png: the masked photo (RGB) as the pipeline gets it. */
static int save_input(const char *dir, const char *file, const nets_image *masked, nets_error *err) {
  char path[4600];
  png_path(path, sizeof path, dir, file);
  return nets_image_save(masked, path, 8, 0, err);
}

int eval_photos_main(int argc, char **argv) {
  train_opts t;
  train_opts_default(&t, NULL, 0);
  const char *weights = NULL, *grid = NULL, *inputs = NULL;
  unmask_params p;
  unmask_params_default(&p);
  int n_max = 1000, list = 0, exact = 0, grey = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (train_opts_parse(&t, argc, argv, &i)) continue;
    if (!strcmp(a, "--weights") && v) weights = argv[++i];
    else if (!strcmp(a, "--n") && v) n_max = atoi(argv[++i]);
    else if (!strcmp(a, "--grid") && v) grid = argv[++i];
    else if (!strcmp(a, "--inputs") && v) inputs = argv[++i];
    else if (!strcmp(a, "--detail") && v && atof(v) >= 0 && atof(v) <= 1) p.detail = atof(argv[++i]);
    else if (!strcmp(a, "--no-sketch")) p.no_sketch = 1;
    else if (!strcmp(a, "--list")) list = 1;
    else if (!strcmp(a, "--exact-holes")) exact = 1;
    else if (!strcmp(a, "--grey")) grey = 1;
    else if (!strcmp(a, "--grow") && v && atof(v) >= 0) p.grow_px = atof(argv[++i]);
    else if (!strcmp(a, "--feather") && v && atof(v) >= 0) p.feather_px = atof(argv[++i]);
    else {
      printf("usage: unmask-train eval-photos [--weights DIR] [--n N] [--detail D] [--no-sketch]\n"
             "       [--grow PX] [--feather PX] [--grid DIR] [--inputs DIR] [--list] [--exact-holes]\n"
             "       [--grey] [--faces DIR --csv FILE]\n"
             "The held-out 300-W photos (split 1) at their own size, a mask drawn on each\n"
             "annotated face (the kinds in turn), repaired by the whole unmask pipeline\n"
             "(detection included; weights from DIR, default as unmask) and by the harmonic\n"
             "fill in the same detected holes (--grow, --feather: as unmask's).  Scores\n"
             "against the photo before the masks: PSNR, SSIM and MAE over the drawn\n"
             "coverings, their fine detail (mean luminance gradient, as a share of the\n"
             "original's: a blurred fill scores well under 100%%, and any texture, right\n"
             "or wrong, raises it), PSNR over the whole photo, the share of covering pixels left\n"
             "unrepainted, and the repainted area outside the coverings (as a share of\n"
             "theirs).  --grid writes DIR/<photo>.png (DIR is made if missing):\n"
             "masked | harmonic fill | unmask | original, around the faces; --list prints\n"
             "a line per photo (to stderr).  --inputs writes DIR/<photo>.png: the masked\n"
             "photo at its own size, as the pipeline gets it.  --exact-holes gives both methods the drawn\n"
             "coverings as the user's selection instead of detecting them: what the\n"
             "detector's holes cost.  --grey turns each photo, masked and original, grey\n"
             "(its luma), as a black-and-white photo is.\n");
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  if (train_opts_finish(&t) || train_opts_fixed_scenes(&t, "eval-photos")) return 2;
  const char *dirs[2] = {grid, inputs};
  for (int d = 0; d < 2; d++)
    if (dirs[d] && train_mkdirs(dirs[d])) {
      fprintf(stderr, "eval-photos: cannot create %s\n", dirs[d]);
      return 1;
    }
  nets_error err = {0};
  int n = 0;
  photo *ph = read_photos(t.csv, &n, &err);
  unmask_models *m = ph ? unmask_models_load(weights, &err) : NULL;
  if (!m) {
    fprintf(stderr, "eval-photos: %s\n", err.msg);
    free(ph);
    return 1;
  }
  if (n > n_max) n = n_max;
  unmask_params pb = p;
  pb.baseline = 1;
  enum { NET, BASE, NONE, N_ROWS };
  scores sum[N_ROWS] = {{0}}, by_size[3] = {{0}};
  int n_size[3] = {0}, n_done = 0, n_faces = 0, rc = 0;
  double w_min = 1e9, w_max = 0; /* jaw widths of the masked faces */
  for (int i = 0; i < n && !rc; i++) {
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", t.faces, ph[i].file);
    nets_image *src = nets_image_load(path, &err), *orig = src ? nets_image_convert(src, 3) : NULL;
    nets_image *masked = orig ? nets_image_copy(orig) : NULL, *res = NULL, *base = NULL;
    const size_t np = orig ? (size_t)orig->width * orig->height : 0;
    float *cov = calloc(np ? np : 1, sizeof(float)), *hole = malloc(sizeof(float) * (np ? np : 1));
    float *hole_b = malloc(sizeof(float) * (np ? np : 1));
    double face_w = 0, ms = 0, ms_b = 0;
    if (!masked || !cov || !hole || !hole_b) {
      fprintf(stderr, "eval-photos: %s: %s\n", ph[i].file, err.msg[0] ? err.msg : "out of memory");
      rc = 1;
    }
    for (int f = 0; f < ph[i].n && !rc; f++) {
      const float *lm = ph[i].lm[f];
      const double jaw = hypot(lm[32] - lm[0], lm[33] - lm[1]); /* jaw ends, points 0 and 16 */
      face_w = fmax(face_w, jaw), w_min = fmin(w_min, jaw), w_max = fmax(w_max, jaw);
      if (unmask_synth_render_mask(lm, (i + f) % UNMASK_MASK_TEMPLATE, 7919u * i + f, masked, cov, NULL, &err)) {
        fprintf(stderr, "eval-photos: %s: %s\n", ph[i].file, err.msg);
        rc = 1;
      }
    }
    if (!rc && grey)
      augment_to_grey(orig->data, np), augment_to_grey(masked->data, np);
    nets_image *sel = !rc && exact ? nets_image_new(orig->width, orig->height, 1) : NULL;
    for (size_t k = 0; sel && k < np; k++) sel->data[k] = cov[k] > 0.5f ? 1.0f : 0.0f;
    if (exact && !rc && !sel) {
      fprintf(stderr, "eval-photos: out of memory\n");
      rc = 1;
    }
    if (!rc && inputs && save_input(inputs, ph[i].file, masked, &err)) {
      fprintf(stderr, "eval-photos: %s\n", err.msg);
      rc = 1;
    }
    if (!rc && (run_pipeline(m, &p, masked, sel, &res, hole, &ms, &err) ||
                run_pipeline(m, &pb, masked, sel, &base, hole_b, &ms_b, &err))) {
      fprintf(stderr, "eval-photos: %s: %s\n", ph[i].file, err.msg);
      rc = 1;
    }
    if (!rc) {
      scores s[N_ROWS] = {score(res, orig, cov, hole), score(base, orig, cov, hole_b), score(masked, orig, cov, NULL)};
      s[NET].ms = ms, s[BASE].ms = ms_b;
      for (int r = 0; r < N_ROWS; r++) add(&sum[r], &s[r]);
      const int b = face_w < 100 ? 0 : face_w < 200 ? 1 : 2;
      add(&by_size[b], &s[NET]), n_size[b]++;
      n_done++, n_faces += ph[i].n;
      if (list)
        fprintf(stderr, "%s: %d face%s, widest jaw %.0f px: unmask %.2f dB over the coverings, %.2f%% left, "
                "%.0f%% outside; harmonic fill %.2f dB\n", ph[i].file, ph[i].n, ph[i].n > 1 ? "s" : "", face_w,
                s[NET].psnr, 100 * s[NET].left, 100 * s[NET].outside, s[BASE].psnr);
      if (grid) {
        const nets_image *im[4] = {masked, base, res, orig};
        if (save_strip(grid, ph[i].file, im, cov, &err)) {
          fprintf(stderr, "eval-photos: %s\n", err.msg);
          rc = 1;
        }
      }
    }
    nets_image_free(src), nets_image_free(orig), nets_image_free(masked), nets_image_free(res),
        nets_image_free(base), nets_image_free(sel);
    free(cov), free(hole), free(hole_b);
  }
  if (!rc && n_done) {
    printf("held-out 300-W photos: %d, masked faces: %d (jaw %.0f-%.0f px wide), Detail %.2f, grow %g, "
           "feather %g%s%s\n\n", n_done, n_faces, w_min, w_max, p.detail, p.grow_px, p.feather_px,
           p.no_sketch ? ", no drawing" : "", exact ? ", the drawn coverings as the selection" : "");
    printf("| method | PSNR coverings | SSIM coverings | MAE coverings | detail coverings | PSNR photo | covering left | repainted outside | ms/photo |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    const char *names[N_ROWS] = {"unmask", "harmonic fill, same holes", "masked photo, no repair"};
    for (int r = 0; r < N_ROWS; r++) {
      const scores *s = &sum[r];
      printf("| %s | %.2f | %.4f | %.2f | %.0f%% | %.2f | %.2f%% | %.1f%% | %.0f |\n", names[r], s->psnr / n_done,
             s->ssim / n_done, s->mae / n_done, 100 * s->detail / n_done, s->psnr_all / n_done,
             100 * s->left / n_done, 100 * s->outside / n_done, s->ms / n_done);
    }
    printf("\nunmask by the widest masked face's jaw width:\n\n| face | photos | PSNR coverings | SSIM coverings | MAE coverings | detail coverings |\n|---|---|---|---|---|---|\n");
    const char *bn[3] = {"under 100 px", "100-199 px", "200 px and more"};
    for (int b = 0; b < 3; b++)
      if (n_size[b])
        printf("| %s | %d | %.2f | %.4f | %.2f | %.0f%% |\n", bn[b], n_size[b], by_size[b].psnr / n_size[b],
               by_size[b].ssim / n_size[b], by_size[b].mae / n_size[b], 100 * by_size[b].detail / n_size[b]);
  }
  unmask_models_free(m);
  free(ph);
  return rc;
}
