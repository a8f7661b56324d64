/* MaskTheFace templates: masks.cfg parser and homography warp onto a face. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "homography.h"
#include "synth-private.h"

#define TPL_MIPS 8

typedef struct {
  char name[96];
  double anchors[12]; /* a..f, template pixels of the loaded picture */
  nets_image *mip[TPL_MIPS]; /* RGBA, premultiplied; mip[0] full size */
  int n_mips;
  int cloth;
  int yaw_side; /* -1 _left, 0 frontal, +1 _right */
  int base;     /* index of the frontal template of this family, or -1 */
} tpl;

struct unmask_templates {
  int n;
  tpl *t;
  int n_tex;
  nets_image **tex; /* RGB */
};

int unmask_templates_count(const unmask_templates *t) { return t ? t->n : 0; }
const char *unmask_templates_name(const unmask_templates *t, int i) {
  return t && i >= 0 && i < t->n ? t->t[i].name : NULL;
}

void unmask_templates_free(unmask_templates *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++)
    for (int k = 0; k < t->t[i].n_mips; k++) nets_image_free(t->t[i].mip[k]);
  for (int i = 0; i < t->n_tex; i++) nets_image_free(t->tex[i]);
  free(t->t);
  free(t->tex);
  free(t);
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

static int pjoin(char *out, size_t n, const char *a, const char *sep, const char *b) {
  int k = snprintf(out, n, "%s%s%s", a, sep, b);
  return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* resolve a template path given relative to the cfg or to the MaskTheFace root */
static int resolve_path(const char *dir, const char *path, char *out, size_t n) {
  if (path[0] == '/' && pjoin(out, n, "", "", path) == 0 && file_exists(out)) return 0;
  if (pjoin(out, n, dir, "/", path) == 0 && file_exists(out)) return 0;
  if (strncmp(path, "masks/", 6) == 0 && pjoin(out, n, dir, "/", path + 6) == 0 &&
      file_exists(out))
    return 0;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (pjoin(out, n, dir, "/templates/", base) == 0 && file_exists(out)) return 0;
  if (pjoin(out, n, dir, "/../", path) == 0 && file_exists(out)) return 0;
  return -1;
}

typedef struct {
  char name[96];
  char path[1024];
  double anchors[12];
  int have; /* bit per anchor */
  double width, height;
} cfg_section;

static nets_image *downsample2(const nets_image *a) {
  int w = (a->width + 1) / 2, h = (a->height + 1) / 2;
  nets_image *b = nets_image_new(w, h, 4);
  if (!b) return NULL;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 4; c++) {
        float s = 0;
        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++) {
            int xx = 2 * x + dx, yy = 2 * y + dy;
            if (xx >= a->width) xx = a->width - 1;
            if (yy >= a->height) yy = a->height - 1;
            s += a->data[((size_t)yy * a->width + xx) * 4 + c];
          }
        b->data[((size_t)y * w + x) * 4 + c] = 0.25f * s;
      }
  return b;
}

static int add_template(unmask_templates *T, const cfg_section *s, int *cap, nets_error *err) {
  nets_image *im = nets_image_load(s->path, err);
  if (!im) return err ? err->code : NETS_ERR_IO;
  nets_image *rgba = nets_image_convert(im, 4);
  nets_image_free(im);
  if (!rgba) return nets_error_set(err, NETS_ERR_NOMEM, "template convert failed");
  for (size_t i = 0; i < (size_t)rgba->width * rgba->height; i++) {
    float *p = rgba->data + i * 4;
    p[0] *= p[3], p[1] *= p[3], p[2] *= p[3];
  }
  if (T->n == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    tpl *nt = realloc(T->t, sizeof(tpl) * *cap);
    if (!nt) {
      nets_image_free(rgba);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    }
    T->t = nt;
  }
  tpl *t = &T->t[T->n];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", s->name);
  /* anchors given for another picture size (width:/height: keys) are rescaled */
  double sx = s->width > 0 ? rgba->width / s->width : 1, sy = s->height > 0 ? rgba->height / s->height : 1;
  for (int k = 0; k < 6; k++) {
    t->anchors[2 * k] = (s->anchors[2 * k] + 0.5) * sx - 0.5;
    t->anchors[2 * k + 1] = (s->anchors[2 * k + 1] + 0.5) * sy - 0.5;
  }
  t->mip[0] = rgba;
  t->n_mips = 1;
  while (t->n_mips < TPL_MIPS && t->mip[t->n_mips - 1]->width > 24) {
    nets_image *d = downsample2(t->mip[t->n_mips - 1]);
    if (!d) break;
    t->mip[t->n_mips++] = d;
  }
  char lname[96];
  for (size_t i = 0; i <= strlen(t->name); i++) lname[i] = (char)tolower((unsigned char)t->name[i]);
  t->cloth = strncmp(lname, "cloth", 5) == 0;
  size_t L = strlen(lname);
  t->yaw_side = (L > 5 && strcmp(lname + L - 5, "_left") == 0) ? -1
              : (L > 6 && strcmp(lname + L - 6, "_right") == 0) ? 1 : 0;
  t->base = -1;
  T->n++;
  return 0;
}

unmask_templates *unmask_templates_load(const char *cfg_path, nets_error *err) {
  FILE *fp = fopen(cfg_path, "r");
  if (!fp) {
    nets_error_set(err, NETS_ERR_IO, "cannot open %s", cfg_path);
    return NULL;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", cfg_path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  else snprintf(dir, sizeof dir, ".");
  unmask_templates *T = calloc(1, sizeof *T);
  if (!T) {
    fclose(fp);
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  int cap = 0, in_section = 0, rc = 0;
  cfg_section cur;
  memset(&cur, 0, sizeof cur);
  char line[2048];
  for (;;) {
    char *got = fgets(line, sizeof line, fp);
    char *s = got ? trim(line) : NULL;
    if (!got || s[0] == '[') {
      /* close the previous section */
      if (in_section && cur.path[0] && cur.have == 0x3f) {
        char full[sizeof cur.path];
        if (resolve_path(dir, cur.path, full, sizeof full) == 0) {
          memcpy(cur.path, full, sizeof full);
          rc = add_template(T, &cur, &cap, err);
          if (rc) break;
        }
      }
      if (!got) break;
      memset(&cur, 0, sizeof cur);
      in_section = 1;
      char *e = strchr(s, ']');
      if (e) *e = 0;
      snprintf(cur.name, sizeof cur.name, "%s", trim(s + 1));
      continue;
    }
    if (!s[0] || s[0] == '#' || s[0] == ';') continue;
    char *sep = strpbrk(s, ":=");
    if (!sep || !in_section) continue;
    *sep = 0;
    char *key = trim(s), *val = trim(sep + 1);
    for (char *k = key; *k; k++) *k = (char)tolower((unsigned char)*k);
    if (strcmp(key, "template") == 0) {
      snprintf(cur.path, sizeof cur.path, "%s", val);
    } else if (strcmp(key, "width") == 0) {
      cur.width = atof(val);
    } else if (strcmp(key, "height") == 0) {
      cur.height = atof(val);
    } else if (strncmp(key, "mask_", 5) == 0 && key[5] >= 'a' && key[5] <= 'f' && !key[6]) {
      int k = key[5] - 'a';
      char *end;
      for (char *q = val; *q; q++)
        if (*q == '(' || *q == ')' || *q == '[' || *q == ']') *q = ' ';
      double x = strtod(val, &end);
      if (end == val) continue;
      while (*end == ' ' || *end == ',' || *end == '\t') end++;
      char *end2;
      double y = strtod(end, &end2);
      if (end2 == end) continue;
      cur.anchors[2 * k] = x, cur.anchors[2 * k + 1] = y;
      cur.have |= 1 << k;
    }
  }
  fclose(fp);
  if (rc) {
    unmask_templates_free(T);
    return NULL;
  }
  if (T->n == 0) {
    unmask_templates_free(T);
    nets_error_set(err, NETS_ERR_FORMAT, "%s: no usable template sections", cfg_path);
    return NULL;
  }
  /* link the _left/_right variants to their frontal template */
  for (int i = 0; i < T->n; i++) {
    if (T->t[i].yaw_side == 0) continue;
    char b[96];
    snprintf(b, sizeof b, "%s", T->t[i].name);
    char *u = strrchr(b, '_');
    if (u) *u = 0;
    for (int j = 0; j < T->n; j++)
      if (T->t[j].yaw_side == 0 && strcmp(T->t[j].name, b) == 0) T->t[i].base = j;
  }
  /* textures next to the templates */
  char tdir[1100];
  snprintf(tdir, sizeof tdir, "%s/textures", dir);
  int all = 0;
  char **names = nets_image_list(tdir, &all, NULL);
  if (names) {
    const int nn = all < 64 ? all : 64; /* the first 64, in name order */
    T->tex = calloc(nn > 0 ? nn : 1, sizeof *T->tex);
    for (int i = 0; i < nn; i++) {
      char p[1400];
      snprintf(p, sizeof p, "%s/%s", tdir, names[i]);
      if (!T->tex) continue;
      nets_image *im = nets_image_load(p, NULL);
      if (!im) continue;
      nets_image *rgb = nets_image_convert(im, 3);
      nets_image_free(im);
      if (rgb) T->tex[T->n_tex++] = rgb;
    }
    nets_image_list_free(names, all);
  }
  return T;
}

static void sample_rgba(const nets_image *im, double x, double y, float *out) {
  int w = im->width, h = im->height;
  int ix = (int)floor(x), iy = (int)floor(y);
  float tx = (float)(x - ix), ty = (float)(y - iy);
  for (int c = 0; c < 4; c++) out[c] = 0;
  for (int k = 0; k < 4; k++) {
    int xx = ix + (k & 1), yy = iy + (k >> 1);
    if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue; /* transparent outside */
    float wgt = ((k & 1) ? tx : 1 - tx) * ((k >> 1) ? ty : 1 - ty);
    const float *p = im->data + ((size_t)yy * w + xx) * 4;
    for (int c = 0; c < 4; c++) out[c] += wgt * p[c];
  }
}

int unmask_synth_render_template(const unmask_templates *T, int index, const float *lm,
                                 uint64_t seed, nets_image *img, float *coverage, float *shadow,
                                 nets_error *err) {
  if (!T || T->n == 0 || !lm || !img || img->channels != 3)
    return nets_error_set(err, NETS_ERR_ARG, "render_template: bad arguments");
  synth_frame f;
  synth_frame_init(&f, lm);
  synth_light L;
  synth_light_estimate(&f, img, &L);
  synth_rng r = synth_rng_make(seed, 0x74706cull);
  if (index < 0 || index >= T->n) {
    /* pick a frontal family, then its variant by yaw */
    int nf = 0;
    for (int i = 0; i < T->n; i++) nf += T->t[i].yaw_side == 0;
    int pick = nf ? synth_below(&r, nf) : synth_below(&r, T->n);
    index = 0;
    for (int i = 0, k = 0; i < T->n; i++) {
      if (nf && T->t[i].yaw_side != 0) continue;
      if (k++ == pick) {
        index = i;
        break;
      }
    }
    int want = f.yaw < -0.22 ? -1 : f.yaw > 0.22 ? 1 : 0;
    if (want != 0)
      for (int i = 0; i < T->n; i++)
        if (T->t[i].base == index && T->t[i].yaw_side == want) {
          index = i;
          break;
        }
  } else {
    synth_next(&r);
  }
  const tpl *t = &T->t[index];
  /* target points in the frame, then image */
  double fa[12];
  double yn = f.y[30], yl = f.y[57];
  fa[2] = 0.5 * (f.x[28] + f.x[29]), fa[3] = 0.5 * (f.y[28] + f.y[29]); /* b */
  fa[8] = f.x[8], fa[9] = f.y[8];                                        /* e */
  fa[0] = synth_jaw_x_at(&f, -1, yn), fa[1] = yn;                        /* a */
  fa[4] = synth_jaw_x_at(&f, +1, yn), fa[5] = yn;                        /* c */
  fa[6] = synth_jaw_x_at(&f, -1, yl), fa[7] = yl;                        /* d */
  fa[10] = synth_jaw_x_at(&f, +1, yl), fa[11] = yl;                      /* f */
  double dst[12];
  for (int k = 0; k < 6; k++) {
    /* a little random jitter of the placement */
    double jx = synth_normal(&r) * 0.02 * f.iod, jy = synth_normal(&r) * 0.02 * f.iod;
    synth_frame_from(&f, fa[2 * k] + jx, fa[2 * k + 1] + jy, &dst[2 * k], &dst[2 * k + 1]);
  }
  double H[9], Hi[9];
  if (unmask_homography_fit(t->anchors, dst, 6, H) || unmask_mat3_inverse(H, Hi))
    return nets_error_set(err, NETS_ERR_ARG, "render_template: degenerate anchors");
  const nets_image *full = t->mip[0];
  /* bbox of the warped picture */
  double bx0 = 1e9, bx1 = -1e9, by0 = 1e9, by1 = -1e9;
  for (int c = 0; c < 4; c++) {
    double x, y;
    if (unmask_homography_apply(H, c & 1 ? full->width : -1, c & 2 ? full->height : -1, &x, &y))
      continue;
    bx0 = fmin(bx0, x), bx1 = fmax(bx1, x), by0 = fmin(by0, y), by1 = fmax(by1, y);
  }
  double pad = 0.15 * f.iod + 2;
  int X0 = (int)fmax(0, floor(bx0 - pad)), X1 = (int)fmin(img->width - 1, ceil(bx1 + pad));
  int Y0 = (int)fmax(0, floor(by0 - pad)), Y1 = (int)fmin(img->height - 1, ceil(by1 + pad));
  if (X1 < X0 || Y1 < Y0) return 0;
  /* mip level from the scale at the mask centre */
  double cxm, cym, ex, ey;
  unmask_homography_apply(Hi, dst[2], 0.5 * (dst[3] + dst[9]), &cxm, &cym);
  unmask_homography_apply(Hi, dst[2] + 1, 0.5 * (dst[3] + dst[9]), &ex, &ey);
  double scale = hypot(ex - cxm, ey - cym); /* template px per image px */
  int level = 0;
  while (level + 1 < t->n_mips && scale >= 2.0) scale *= 0.5, level++;
  const nets_image *mip = t->mip[level];
  double ms = (double)mip->width / full->width;
  int bw = X1 - X0 + 1, bh = Y1 - Y0 + 1;
  float *alpha = calloc((size_t)bw * bh * 4, sizeof(float));
  if (!alpha) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  float *rgbp = alpha + (size_t)bw * bh;
  const nets_image *tex = (t->cloth && T->n_tex) ? T->tex[synth_below(&r, T->n_tex)] : NULL;
  double tex_scale = synth_range(&r, 0.5, 1.2), tox = synth_unif(&r), toy = synth_unif(&r);
  float tex_mix = (float)synth_range(&r, 0.4, 0.6);
  float hue[3] = {1, 1, 1};
  if (!t->cloth && synth_chance(&r, 0.3)) /* slight colour variation */
    for (int c = 0; c < 3; c++) hue[c] = (float)synth_range(&r, 0.9, 1.1);
  for (int y = Y0; y <= Y1; y++)
    for (int x = X0; x <= X1; x++) {
      double tx, ty;
      if (unmask_homography_apply(Hi, x, y, &tx, &ty)) continue;
      float s[4];
      sample_rgba(mip, (tx + 0.5) * ms - 0.5, (ty + 0.5) * ms - 0.5, s);
      size_t o = (size_t)(y - Y0) * bw + (x - X0);
      alpha[o] = s[3];
      if (s[3] <= 1e-4f) continue;
      float c[3] = {s[0] / s[3], s[1] / s[3], s[2] / s[3]};
      if (tex) {
        double u = tx / full->width / tex_scale + tox, v = ty / full->width / tex_scale + toy;
        u -= floor(u), v -= floor(v);
        int px = (int)(u * tex->width) % tex->width, py = (int)(v * tex->height) % tex->height;
        const float *tp = tex->data + ((size_t)py * tex->width + px) * 3;
        for (int k = 0; k < 3; k++) c[k] = (1 - tex_mix) * c[k] + tex_mix * tp[k];
      }
      double fx, fy;
      synth_frame_to(&f, x, y, &fx, &fy);
      float lf = synth_light_at(&L, fx, fy) * L.level;
      for (int k = 0; k < 3; k++) rgbp[o * 3 + k] = synth_clampf(c[k] * lf * hue[k], 0, 1);
    }
  /* soft shadow: blurred alpha outside the mask */
  int rad = (int)fmax(1, 0.05 * f.iod);
  float shs = (float)synth_range(&r, 0.2, 0.45);
  float *blur = malloc(sizeof(float) * bw * bh * 2);
  if (blur) {
    float *tmp = blur + (size_t)bw * bh;
    for (int y = 0; y < bh; y++) {
      float acc = 0;
      for (int x = -rad; x < bw + rad; x++) {
        if (x + rad < bw) acc += alpha[(size_t)y * bw + x + rad];
        if (x - rad - 1 >= 0) acc -= alpha[(size_t)y * bw + x - rad - 1];
        if (x >= 0 && x < bw) tmp[(size_t)y * bw + x] = acc / (2 * rad + 1);
      }
    }
    for (int x = 0; x < bw; x++) {
      float acc = 0;
      for (int y = -rad; y < bh + rad; y++) {
        if (y + rad < bh) acc += tmp[(size_t)(y + rad) * bw + x];
        if (y - rad - 1 >= 0) acc -= tmp[(size_t)(y - rad - 1) * bw + x];
        if (y >= 0 && y < bh) blur[(size_t)y * bw + x] = acc / (2 * rad + 1);
      }
    }
  }
  for (int y = Y0; y <= Y1; y++)
    for (int x = X0; x <= X1; x++) {
      size_t o = (size_t)(y - Y0) * bw + (x - X0);
      float *p = img->data + ((size_t)y * img->width + x) * 3;
      float a = alpha[o];
      if (blur) {
        float sh = shs * blur[o] * (1 - a);
        if (sh > 0.003f) {
          for (int c = 0; c < 3; c++) p[c] *= 1 - sh;
          if (shadow && sh > shadow[(size_t)y * img->width + x]) shadow[(size_t)y * img->width + x] = sh;
        }
      }
      if (a <= 0) continue;
      for (int c = 0; c < 3; c++) p[c] += (rgbp[o * 3 + c] - p[c]) * a;
      if (coverage) {
        float *cv = coverage + (size_t)y * img->width + x;
        if (a > *cv) *cv = a;
      }
    }
  free(blur);
  free(alpha);
  return 0;
}
