/* The generator: face table, train/held-out split, image cache and the
 * inpainter samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/models.h"
#include "crop.h"
#include "synth-data.h"

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

int unmask_synth_split_of(const char *file, const char *source_path) {
  const char *key = file;
  size_t n = strlen(file);
  char buf[512];
  if (source_path && *source_path) {
    /* ytf: training/Name_NN.jpg -> Name (split by person) */
    const char *b = strrchr(source_path, '/');
    b = b ? b + 1 : source_path;
    snprintf(buf, sizeof buf, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot) *dot = 0;
    char *us = strrchr(buf, '_');
    if (us && us[1] >= '0' && us[1] <= '9') *us = 0;
    key = buf, n = strlen(buf);
  }
  uint64_t h = synth_mix64(fnv1a(key, n));
  return (h % 1000) < 100 ? 1 : 0; /* 10% held out */
}

int unmask_csv_split(char *line, char **fields) {
  int nf = 0;
  char *p = line;
  while (nf < UNMASK_CSV_FIELDS) {
    fields[nf++] = p;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = 0;
    p = c + 1;
  }
  if (nf < UNMASK_CSV_FIELDS) return 0;
  char *nl = strpbrk(fields[UNMASK_CSV_FIELDS - 1], "\r\n");
  if (nl) *nl = 0;
  return 1;
}

void unmask_csv_points(char *const *fields, float *lm) {
  for (int k = 0; k < 136; k++) lm[k] = (float)atof(fields[5 + k]);
}

static int src_of(const char *s) {
  if (!strcmp(s, "utk")) return SRC_UTK;
  if (!strcmp(s, "aaf")) return SRC_AAF;
  if (!strcmp(s, "ytf")) return SRC_YTF;
  if (!strcmp(s, "ibug")) return SRC_IBUG;
  return SRC_OTHER;
}

static void list_push(synth_list *l, int v, int *cap) {
  if (l->n == *cap) {
    *cap = *cap ? *cap * 2 : 256;
    int *nv = realloc(l->v, sizeof(int) * *cap);
    if (!nv) return;
    l->v = nv;
  }
  l->v[l->n++] = v;
}

/* provenance.csv (optional): file -> source_path for ytf person split */
static char **load_provenance(const char *csv_path, unmask_synth *s) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", csv_path);
  char *sl = strrchr(dir, '/');
  if (sl) *sl = 0;
  else snprintf(dir, sizeof dir, ".");
  char p[1100];
  snprintf(p, sizeof p, "%s/provenance.csv", dir);
  FILE *fp = fopen(p, "r");
  if (!fp) return NULL;
  char **out = calloc(s->n_files, sizeof(char *));
  char line[4096];
  int idx = 0;
  while (out && fgets(line, sizeof line, fp)) {
    char *c1 = strchr(line, ',');
    if (!c1) continue;
    *c1 = 0;
    char *c2 = strchr(c1 + 1, ',');
    if (!c2 || c2[1] == '"') continue;
    char *c3 = strchr(c2 + 1, ',');
    if (!c3) continue;
    *c3 = 0;
    /* files are sorted the same way in both CSVs mostly: search near idx */
    for (int k = 0; k < s->n_files; k++) {
      int j = (idx + k) % s->n_files;
      if (!strcmp(s->files[j].name, line)) {
        if (!out[j]) out[j] = strdup(c2 + 1);
        idx = j + 1;
        break;
      }
    }
  }
  fclose(fp);
  return out;
}

unmask_synth *unmask_synth_new(const char *faces_dir, const char *csv_path,
                               const char *templates_cfg, nets_error *err) {
  FILE *fp = fopen(csv_path, "r");
  if (!fp) {
    nets_error_set(err, NETS_ERR_IO, "cannot open %s", csv_path);
    return NULL;
  }
  unmask_synth *s = calloc(1, sizeof *s);
  if (!s) {
    fclose(fp);
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&s->lock, NULL);
  unmask_synth_set_kind_weights(s, NULL);
  s->seam_radius = UNMASK_SEAM_RADIUS;
  s->photo_share = UNMASK_PHOTO_SHARE;
  s->emblem_share = UNMASK_EMBLEM_SHARE;
  s->small_share = 0;
  s->top_cut_share = 0;
  s->low_scarf_share = 0;
  s->dir = strdup(faces_dir);
  char line[8192];
  int cap_files = 0, cap_faces = 0, lineno = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    if (lineno == 1 && strncmp(line, "file,", 5) == 0) continue;
    char *fields[UNMASK_CSV_FIELDS];
    if (!unmask_csv_split(line, fields)) continue;
    int fi = s->n_files - 1;
    if (fi < 0 || strcmp(s->files[fi].name, fields[0]) != 0) {
      if (s->n_files == cap_files) {
        cap_files = cap_files ? cap_files * 2 : 1024;
        synth_file *nfp = realloc(s->files, sizeof(synth_file) * cap_files);
        if (!nfp) break;
        s->files = nfp;
      }
      fi = s->n_files++;
      synth_file *f = &s->files[fi];
      memset(f, 0, sizeof *f);
      f->name = strdup(fields[0]);
      f->w = atoi(fields[1]), f->h = atoi(fields[2]);
      f->src = src_of(fields[3]);
      f->first_face = s->n_faces;
    }
    if (s->n_faces == cap_faces) {
      cap_faces = cap_faces ? cap_faces * 2 : 1024;
      synth_face *nfc = realloc(s->faces, sizeof(synth_face) * cap_faces);
      if (!nfc) break;
      s->faces = nfc;
    }
    synth_face *fc = &s->faces[s->n_faces];
    fc->file = fi;
    unmask_csv_points(fields, fc->lm);
    synth_frame fr;
    synth_frame_init(&fr, fc->lm);
    fc->iod = fr.iod;
    s->files[fi].n_faces++;
    s->n_faces++;
  }
  fclose(fp);
  if (s->n_faces == 0) {
    nets_error_set(err, NETS_ERR_FORMAT, "%s: no faces", csv_path);
    unmask_synth_free(s);
    return NULL;
  }
  char **prov = load_provenance(csv_path, s);
  int have_ibug = 0;
  for (int i = 0; i < s->n_files; i++) {
    synth_file *f = &s->files[i];
    const char *sp = (prov && f->src == SRC_YTF) ? prov[i] : NULL;
    f->split = unmask_synth_split_of(f->name, sp);
    have_ibug |= f->src == SRC_IBUG;
  }
  if (prov) {
    for (int i = 0; i < s->n_files; i++) free(prov[i]);
    free(prov);
  }
  int cap[4][2] = {{0}};
  for (int i = 0; i < s->n_faces; i++) {
    const synth_face *fc = &s->faces[i];
    const synth_file *f = &s->files[fc->file];
    if (fc->iod >= 18) list_push(&s->inpaint[f->split], i, &cap[0][f->split]);
    if (f->src != SRC_IBUG && fc->iod >= 12) list_push(&s->paste[f->split], i, &cap[1][f->split]);
  }
  for (int i = 0; i < s->n_files; i++) {
    const synth_file *f = &s->files[i];
    if (f->src == SRC_IBUG) list_push(&s->scenes[f->split], i, &cap[2][f->split]);
    if (f->src == SRC_IBUG || (!have_ibug && f->w >= 160))
      list_push(&s->bgs[f->split], i, &cap[3][f->split]);
  }
  if (templates_cfg) {
    s->templates = unmask_templates_load(templates_cfg, err);
    if (!s->templates) {
      unmask_synth_free(s);
      return NULL;
    }
  }
  return s;
}

void unmask_synth_free(unmask_synth *s) {
  if (!s) return;
  for (int i = 0; i < s->n_files; i++) {
    free(s->files[i].name);
    free(s->files[i].pix);
  }
  for (int k = 0; k < 2; k++) {
    free(s->inpaint[k].v);
    free(s->paste[k].v);
    free(s->scenes[k].v);
    free(s->bgs[k].v);
  }
  unmask_templates_free(s->templates);
  pthread_mutex_destroy(&s->lock);
  free(s->files);
  free(s->faces);
  free(s->dir);
  free(s);
}

int unmask_synth_photo_count(const unmask_synth *s, int split) {
  return s && split >= 0 && split <= 1 ? s->scenes[split].n : 0;
}

int unmask_synth_count(const unmask_synth *s, int split) {
  if (!s || split < 0 || split > 1) return 0;
  int n = 0;
  for (int i = 0; i < s->n_faces; i++) n += s->files[s->faces[i].file].split == split;
  return n;
}

const uint8_t *synth_file_pixels(unmask_synth *s, int file, int *w, int *h, nets_error *err) {
  synth_file *f = &s->files[file];
  pthread_mutex_lock(&s->lock);
  uint8_t *pix = f->pix;
  int fw = f->w, fh = f->h;
  pthread_mutex_unlock(&s->lock);
  if (!pix) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", s->dir, f->name);
    nets_image *im = nets_image_load(path, err);
    if (!im) return NULL;
    nets_image *rgb = im->channels == 3 ? im : nets_image_convert(im, 3);
    if (!rgb) {
      nets_image_free(im);
      nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
      return NULL;
    }
    size_t n = (size_t)rgb->width * rgb->height * 3;
    uint8_t *p = malloc(n);
    if (p)
      for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(synth_clampf(rgb->data[i], 0, 1) * 255.0f + 0.5f);
    fw = rgb->width, fh = rgb->height;
    if (rgb != im) nets_image_free(rgb);
    nets_image_free(im);
    if (!p) {
      nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
      return NULL;
    }
    pthread_mutex_lock(&s->lock);
    if (f->pix) {
      free(p);
    } else {
      f->pix = p;
      f->w = fw, f->h = fh;
    }
    pix = f->pix, fw = f->w, fh = f->h;
    pthread_mutex_unlock(&s->lock);
  }
  *w = fw, *h = fh;
  return pix;
}

void unmask_synth_set_kind_weights(unmask_synth *s, const double *w) {
  static const double dflt[UNMASK_MASK_N_KINDS] = {0.26, 0.12, 0.08, 0.20, 0.10, 0.07, 0.04, 0.13};
  for (int k = 0; k < UNMASK_MASK_N_KINDS; k++) s->kind_w[k] = w && w[k] >= 0 ? w[k] : dflt[k];
}

int unmask_synth_set_photo_share(unmask_synth *s, double share) {
  if (!(share >= 0 && share <= 1)) return -1;
  s->photo_share = share;
  return 0;
}

int unmask_synth_set_emblem_share(unmask_synth *s, double share) {
  if (!(share >= 0 && share <= 1)) return -1;
  s->emblem_share = share;
  return 0;
}

int unmask_synth_set_small_share(unmask_synth *s, double share) {
  if (!(share >= 0 && share <= 1)) return -1;
  s->small_share = share;
  return 0;
}

int unmask_synth_set_top_cut_share(unmask_synth *s, double share) {
  if (!(share >= 0 && share <= 1)) return -1;
  s->top_cut_share = share;
  return 0;
}

int unmask_synth_set_low_scarf_share(unmask_synth *s, double share) {
  if (!(share >= 0 && share <= 1)) return -1;
  s->low_scarf_share = share;
  return 0;
}

int unmask_synth_set_seam_radius(unmask_synth *s, int radius) {
  if (radius < 0 || radius > UNMASK_SEAM_RADIUS_MAX) return -1;
  s->seam_radius = radius;
  return 0;
}

int synth_random_kind(unmask_synth *s, synth_rng *r) {
  const double *wts = s->kind_w;
  double tot = 0;
  for (int k = 0; k < UNMASK_MASK_N_KINDS; k++)
    tot += (k == UNMASK_MASK_TEMPLATE && !s->templates) ? 0 : wts[k];
  double u = synth_unif(r) * tot;
  for (int k = 0; k < UNMASK_MASK_N_KINDS; k++) {
    double w = (k == UNMASK_MASK_TEMPLATE && !s->templates) ? 0 : wts[k];
    if (u < w) return k;
    u -= w;
  }
  return UNMASK_MASK_SURGICAL;
}

int synth_render_any(unmask_synth *s, int kind, const float *lm, uint64_t seed, nets_image *img,
                     float *coverage, float *shadow, nets_error *err) {
  if (kind == UNMASK_MASK_TEMPLATE)
    return unmask_synth_render_template(s->templates, -1, lm, seed, img, coverage, shadow, err);
  return unmask_synth_render_mask(lm, kind, seed, img, coverage, shadow, err);
}

/* 3x3 then cross dilation of (cov > 0.1): ~1.5 px growth */
static void make_hole(const float *cov, int n, float *hole) {
  unsigned char *a = malloc((size_t)n * n), *b = malloc((size_t)n * n);
  if (!a || !b) {
    for (int i = 0; i < n * n; i++) hole[i] = cov[i] > 0.1f;
    free(a), free(b);
    return;
  }
  for (int i = 0; i < n * n; i++) a[i] = cov[i] > 0.1f;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int v = 0;
      for (int dy = -1; dy <= 1 && !v; dy++)
        for (int dx = -1; dx <= 1 && !v; dx++) {
          int xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < n && yy < n) v = a[yy * n + xx];
        }
      b[y * n + x] = (unsigned char)v;
    }
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      int v = b[y * n + x];
      if (!v && x > 0) v = b[y * n + x - 1];
      if (!v && x < n - 1) v = b[y * n + x + 1];
      if (!v && y > 0) v = b[(y - 1) * n + x];
      if (!v && y < n - 1) v = b[(y + 1) * n + x];
      hole[y * n + x] = v ? 1.0f : 0.0f;
    }
  free(a), free(b);
}

int unmask_synth_inpaint_sample(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                                float *masked, float *hole, float *orig, float *valid,
                                nets_error *err) {
  return synth_inpaint_sample_kind(s, split, seed, index, -1, masked, hole, orig, valid, NULL, NULL, err);
}

int unmask_synth_inpaint_sample_ex(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                                   float *masked, float *hole, float *orig, float *valid,
                                   int *kind, float *lm, nets_error *err) {
  return synth_inpaint_sample_kind(s, split, seed, index, -1, masked, hole, orig, valid, kind, lm, err);
}

/* 1 where crop pixel (x, y) samples the photo (A maps crop -> source), 0 past its edge. */
static void crop_validity(const double A[6], int fw, int fh, int n, float *valid) {
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      double sx = A[0] * x + A[1] * y + A[2], sy = A[3] * x + A[4] * y + A[5];
      valid[y * n + x] = sx >= -1.0 && sy >= -1.0 && sx <= fw && sy <= fh;
    }
}

int synth_inpaint_sample_kind(unmask_synth *s, int split, uint64_t seed, uint64_t index,
                              int force_kind, float *masked, float *hole, float *orig,
                              float *valid, int *kind_out, float *lm_out, nets_error *err) {
  if (!s || split < 0 || split > 1 || !masked || !hole || !orig)
    return nets_error_set(err, NETS_ERR_ARG, "inpaint_sample: bad arguments");
  const synth_list *L = &s->inpaint[split];
  if (L->n == 0) return nets_error_set(err, NETS_ERR_ARG, "inpaint_sample: no faces in split %d", split);
  synth_rng r = synth_rng_make(seed ^ (split ? 0x68656c64ull << 20 : 0), index);
  const int N = NETS_INPAINT_SIZE;
  for (int attempt = 0; attempt < 8; attempt++) {
    const synth_face *fc = &s->faces[L->v[synth_below(&r, L->n)]];
    int fw, fh;
    const uint8_t *pix = synth_file_pixels(s, fc->file, &fw, &fh, err);
    if (!pix) return err ? err->code : NETS_ERR_IO;
    /* augmentation: flip, rotation about the face centre */
    int flip = synth_chance(&r, 0.5);
    double ang = synth_chance(&r, 0.5) ? synth_normal(&r) * 0.12 : 0;
    double ex = 0, ey = 0;
    for (int i = 36; i < 48; i++) ex += fc->lm[2 * i], ey += fc->lm[2 * i + 1];
    ex /= 12, ey /= 12;
    double ccx = 0.5 * (ex + fc->lm[16]), ccy = 0.5 * (ey + fc->lm[17]); /* eyes..chin */
    double ca = cos(ang), sa = sin(ang), fs = flip ? -1 : 1;
    /* g = M (p - c) + c, M = R * diag(fs, 1) */
    double M[4] = {ca * fs, -sa, sa * fs, ca};
    float lmg[136];
    for (int i = 0; i < 68; i++) {
      int j = flip ? nets_landmark_mirror[i] : i;
      double dx = fc->lm[2 * j] - ccx, dy = fc->lm[2 * j + 1] - ccy;
      lmg[2 * i] = (float)(M[0] * dx + M[1] * dy + ccx);
      lmg[2 * i + 1] = (float)(M[2] * dx + M[3] * dy + ccy);
    }
    int kind = synth_random_kind(s, &r);
    if (force_kind >= 0 && (force_kind != UNMASK_MASK_TEMPLATE || s->templates)) kind = force_kind;
    uint64_t mseed = synth_next(&r);
    /* pass 1: the hole box on a small blank canvas (iod -> 24 px) */
    const int P = 160;
    double k = 24.0 / fc->iod;
    float lmq[136];
    for (int i = 0; i < 68; i++) {
      lmq[2 * i] = (float)((lmg[2 * i] - ccx) * k + 79.5);
      lmq[2 * i + 1] = (float)((lmg[2 * i + 1] - ccy) * k + 79.5);
    }
    nets_image *canvas = nets_image_new(P, P, 3);
    float *cov1 = calloc((size_t)P * P, sizeof(float));
    if (!canvas || !cov1) {
      nets_image_free(canvas);
      free(cov1);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    }
    int rc = synth_render_any(s, kind, lmq, mseed, canvas, cov1, NULL, NULL);
    /* box of the mask body: 3x3 erosion drops the thin loops/straps, the
     * box is grown back by 1 px */
    int x0 = P, x1 = -1, y0 = P, y1 = -1;
    for (int y = 1; y < P - 1; y++)
      for (int x = 1; x < P - 1; x++)
        if (cov1[y * P + x] > 0.1f && cov1[y * P + x - 1] > 0.1f && cov1[y * P + x + 1] > 0.1f &&
            cov1[(y - 1) * P + x] > 0.1f && cov1[(y + 1) * P + x] > 0.1f &&
            cov1[(y - 1) * P + x - 1] > 0.1f && cov1[(y + 1) * P + x + 1] > 0.1f &&
            cov1[(y - 1) * P + x + 1] > 0.1f && cov1[(y + 1) * P + x - 1] > 0.1f) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    nets_image_free(canvas);
    free(cov1);
    if (rc || x1 < x0) continue;
    x0--, y0--, x1++, y1++;
    /* box in g (continuous coordinates), jittered like a detector's box */
    double bw = (x1 + 1 - x0) / k, bh = (y1 + 1 - y0) / k;
    double bx = (x0 - 80) / k + ccx + 0.5, by = (y0 - 80) / k + ccy + 0.5;
    double j = synth_range(&r, 0, 0.05);
    bx += synth_normal(&r) * j * bw, by += synth_normal(&r) * j * bh;
    bw *= 1 + synth_normal(&r) * j, bh *= 1 + synth_normal(&r) * j;
    double cx, cy, side;
    unmask_crop_from_hole_box(bx, by, bw, bh, &cx, &cy, &side);
    double step = side / N, gx0 = cx - 0.5 * side, gy0 = cy - 0.5 * side;
    /* crop pixel o -> g_ci = g0 + (o + 0.5) step - 0.5 -> source */
    double ox = gx0 + 0.5 * step - 0.5 - ccx, oy = gy0 + 0.5 * step - 0.5 - ccy;
    /* M^-1 = M^T for rotation with flip on x: M = [ca fs, -sa; sa fs, ca] */
    double Mi[4] = {ca * fs, sa * fs, -sa, ca};
    double A[6] = {Mi[0] * step, Mi[1] * step, Mi[0] * ox + Mi[1] * oy + ccx,
                   Mi[2] * step, Mi[3] * step, Mi[2] * ox + Mi[3] * oy + ccy};
    int ss = (int)ceil(step - 1e-6);
    if (ss < 1) ss = 1;
    if (ss > 4) ss = 4;
    nets_image *im_o = nets_image_new(N, N, 3), *im_m = nets_image_new(N, N, 3);
    float *cov = calloc((size_t)N * N, sizeof(float));
    if (!im_o || !im_m || !cov) {
      nets_image_free(im_o), nets_image_free(im_m), free(cov);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    }
    synth_affine_u8(pix, fw, fh, A, ss, N, N, im_o->data);
    memcpy(im_m->data, im_o->data, sizeof(float) * N * N * 3);
    float lmc[136];
    for (int i = 0; i < 68; i++) {
      lmc[2 * i] = (float)((lmg[2 * i] + 0.5 - gx0) / step - 0.5);
      lmc[2 * i + 1] = (float)((lmg[2 * i + 1] + 0.5 - gy0) / step - 0.5);
    }
    rc = synth_render_any(s, kind, lmc, mseed, im_m, cov, NULL, err);
    if (rc == 0) {
      make_hole(cov, N, hole);
      /* the photo is blurrier than our drawing when it was enlarged */
      double sig = synth_clampd(0.25 + 0.45 / step, 0.3, 1.8) * synth_range(&r, 0.7, 1.3);
      synth_blur_where(im_m, hole, 0.5f, sig);
      nets_image *both[2] = {im_m, im_o};
      double sigma = synth_chance(&r, 0.6) ? synth_range(&r, 0.002, 0.03) : 0;
      int q = synth_chance(&r, 0.7) ? (int)synth_range(&r, 30, 96) : 0;
      rc = synth_degrade(both, 2, &r, sigma, q, err);
      if (rc == 0) {
        memcpy(masked, im_m->data, sizeof(float) * N * N * 3);
        memcpy(orig, im_o->data, sizeof(float) * N * N * 3);
        if (valid) crop_validity(A, fw, fh, N, valid);
        if (kind_out) *kind_out = kind;
        if (lm_out) memcpy(lm_out, lmc, sizeof lmc);
      }
    }
    nets_image_free(im_o), nets_image_free(im_m), free(cov);
    if (rc == NETS_ERR_ARG) continue; /* degenerate geometry: try another face */
    return rc;
  }
  return nets_error_set(err, NETS_ERR_ARG, "inpaint_sample: no renderable face found");
}
