/* Procedural face masks drawn from 68 landmarks.
 *
 * Geometry lives in the face frame (eye line horizontal, origin between the
 * eyes, pixels).  A mask is the region xL <= x <= xR, top(x) <= y <= bot(x):
 * the top edge runs from the cheeks (on the jaw contour) up over the nose
 * bridge, the bottom follows the jaw contour pushed out under the chin.  Each
 * pixel gets (u, v): u in [-1, 1] across (0 at the nose), v in [0, 1] from the
 * top edge to the bottom edge; texture and shading are functions of (u, v). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth-private.h"

enum { ST_SURGICAL, ST_KN95, ST_N95, ST_CLOTH };

const char *unmask_mask_kind_name(int kind) {
  static const char *names[] = {"surgical", "kn95", "n95", "cloth", "dark", "below-nose",
                                "chin", "template"};
  return kind >= 0 && kind < UNMASK_MASK_N_KINDS ? names[kind] : "?";
}

typedef struct {
  double x0, step;
  int n;
  double *top, *bot;
} edge_lut;

/* nose centre line x at height y (27..30, then 33) */
static double nose_x_at(const synth_frame *f, double y) {
  static const int idx[] = {27, 28, 29, 30, 33, 51, 57, 8};
  if (y <= f->y[27]) return f->x[27];
  for (int k = 0; k < 7; k++) {
    int i = idx[k], j = idx[k + 1];
    if (y >= f->y[i] && y <= f->y[j]) {
      double d = f->y[j] - f->y[i];
      double t = d > 1e-9 ? (y - f->y[i]) / d : 0;
      return f->x[i] + t * (f->x[j] - f->x[i]);
    }
  }
  return f->x[8];
}

static double lut_get(const edge_lut *l, const double *arr, double x, double *slope) {
  double t = (x - l->x0) / l->step;
  if (t <= 0) {
    if (slope) *slope = 0;
    return arr[0];
  }
  if (t >= l->n - 1) {
    if (slope) *slope = 0;
    return arr[l->n - 1];
  }
  int i = (int)t;
  double fr = t - i;
  if (slope) *slope = (arr[i + 1] - arr[i]) / l->step;
  return arr[i] + fr * (arr[i + 1] - arr[i]);
}

typedef struct {
  int style, placement, dark;
  float albedo[3], loop_col[3];
  synth_pattern pat;
  double xL, xR, xc;      /* frame */
  double yB;              /* top at the nose */
  double aa;              /* edge softness, px */
  double curv, pleat_amp, wrinkle;
  int n_pleats;
  double pleat_v[4];
  int valve, seam, hem, straps, loops;
  double valve_u, valve_v, valve_r; /* valve r in px */
  float valve_col[3];
  double sh_top, sh_side, sh_bot, sig_top, sig_side, sig_bot;
  uint32_t nseed;
} mask_params;

static void pick_color(synth_rng *r, int style, int dark, float *alb) {
  static const float surg[][3] = {{0.56f, 0.76f, 0.90f}, {0.93f, 0.94f, 0.95f},
                                  {0.58f, 0.80f, 0.72f}, {0.13f, 0.13f, 0.14f},
                                  {0.95f, 0.73f, 0.80f}, {0.45f, 0.62f, 0.86f}};
  static const float kn[][3] = {{0.93f, 0.93f, 0.92f}, {0.93f, 0.93f, 0.92f},
                                {0.70f, 0.71f, 0.72f}, {0.12f, 0.12f, 0.13f},
                                {0.93f, 0.76f, 0.82f}, {0.55f, 0.70f, 0.88f}};
  const float *c;
  if (dark) {
    static const float d[][3] = {{0.07f, 0.07f, 0.08f}, {0.10f, 0.11f, 0.17f},
                                 {0.17f, 0.17f, 0.18f}};
    c = d[synth_below(r, 3)];
  } else if (style == ST_SURGICAL) {
    double u = synth_unif(r);
    c = surg[u < 0.45 ? 0 : u < 0.7 ? 1 : u < 0.8 ? 2 : u < 0.9 ? 3 : u < 0.95 ? 4 : 5];
  } else {
    double u = synth_unif(r);
    c = kn[u < 0.55 ? 0 : u < 0.65 ? 1 : u < 0.8 ? 2 : u < 0.9 ? 3 : u < 0.95 ? 4 : 5];
  }
  float b = (float)synth_range(r, 0.93, 1.05);
  for (int k = 0; k < 3; k++)
    alb[k] = synth_clampf(c[k] * b + (float)synth_range(r, -0.02, 0.02), 0.02f, 0.98f);
}

/* Build the edge tables; returns 0 on success. */
static int build_geometry(const synth_frame *f, mask_params *m, synth_rng *r, edge_lut *lut) {
  double iod = f->iod;
  int st = m->style;
  /* --- top at the nose --- */
  double yB;
  if (m->placement == 1) {
    yB = f->y[33] + synth_range(r, 0.02, 0.15) * iod;
  } else if (m->placement == 2) {
    yB = f->y[57] + synth_range(r, 0.1, 0.45) * (f->y[8] - f->y[57]);
  } else {
    double t = st == ST_SURGICAL || st == ST_CLOTH ? synth_range(r, 0.15, 0.95)
                                                   : synth_range(r, -0.1, 0.6);
    yB = f->y[28] + t * (f->y[29] - f->y[28]);
  }
  m->yB = yB;
  m->xc = nose_x_at(f, fmax(yB, f->y[30]));
  double xB = nose_x_at(f, yB);
  /* --- sides: on the jaw contour a bit below the top --- */
  double ys;
  if (m->placement == 0) {
    double t = synth_range(r, 0.2, 1.1);
    double yl = f->y[1] + t * (f->y[2] - f->y[1]), yr = f->y[15] + t * (f->y[14] - f->y[15]);
    ys = fmax(0.5 * (yl + yr), yB + 0.18 * iod);
    if (st == ST_KN95) ys += 0.1 * iod;
  } else if (m->placement == 1) {
    ys = yB + synth_range(r, 0.1, 0.3) * iod;
  } else { /* on the chin: the sides hang higher, on the jaw at points 4..5 */
    double t = synth_range(r, 0.0, 1.0);
    ys = 0.5 * (f->y[4] + f->y[12]) + t * 0.5 * (f->y[5] + f->y[11] - f->y[4] - f->y[12]);
  }
  double puff = synth_range(r, 0.0, 0.08) * iod;
  double yaw = f->yaw;
  double puffL = puff * (1 - 0.8 * fmax(0, -yaw)), puffR = puff * (1 - 0.8 * fmax(0, yaw));
  double inset = st == ST_CLOTH || st == ST_N95 ? synth_range(r, 0.0, 0.12) * iod : 0;
  m->xL = synth_jaw_x_at(f, -1, ys) - puffL + inset;
  m->xR = synth_jaw_x_at(f, +1, ys) + puffR - inset;
  if (m->xR - m->xL < 0.6 * iod) return -1;
  if (xB <= m->xL + 0.1 * iod || xB >= m->xR - 0.1 * iod) xB = 0.5 * (m->xL + m->xR);
  double ytl = ys, ytr = ys;
  /* yaw: far side edge sits a little higher (perspective), near side lower */
  ytl += 0.05 * iod * yaw;
  ytr -= 0.05 * iod * yaw;
  double p = st == ST_SURGICAL ? synth_range(r, 0.55, 0.85)
           : st == ST_KN95     ? synth_range(r, 0.9, 1.05)
           : st == ST_N95      ? synth_range(r, 1.2, 1.6)
                               : synth_range(r, 0.8, 1.2);
  if (m->placement) p = synth_range(r, 1.0, 1.6);
  /* --- bottom: jaw 2..14 pushed out, more under the chin --- */
  double drop = (st == ST_N95 ? synth_range(r, 0.1, 0.3)
               : st == ST_KN95 ? synth_range(r, 0.2, 0.4)
                               : synth_range(r, 0.08, 0.35)) * iod;
  double dsig = st == ST_KN95 ? 1.6 : st == ST_N95 ? 3.5 : synth_range(r, 2.5, 4.5);
  double cx = f->x[30], cy = 0.5 * (f->y[30] + f->y[8]);
  double bx[20], by[20];
  int nb = 0;
  bx[nb] = m->xL, by[nb] = ytl + 0.25 * iod, nb++;
  for (int k = 2; k <= 14; k++) {
    double dx = f->x[k] - cx, dy = f->y[k] - cy, dl = hypot(dx, dy);
    if (dl < 1e-6) continue;
    double w = exp(-0.5 * ((k - 8) / dsig) * ((k - 8) / dsig));
    double off = puff * 0.6 + drop * w;
    double px = f->x[k] + dx / dl * off, py = f->y[k] + dy / dl * off;
    if (px <= bx[nb - 1] + 0.2) continue;
    if (px >= m->xR) continue;
    if (py < by[nb - 1] && k <= 8) py = by[nb - 1];
    bx[nb] = px, by[nb] = py, nb++;
  }
  bx[nb] = m->xR, by[nb] = ytr + 0.25 * iod, nb++;
  if (by[nb - 1] < by[nb - 2] - 0.0) by[nb - 1] = fmax(by[nb - 1], ytr + 0.25 * iod);
  /* --- tables --- */
  lut->step = 0.5;
  lut->x0 = m->xL;
  lut->n = (int)ceil((m->xR - m->xL) / lut->step) + 2;
  if (lut->n < 4 || lut->n > 200000) return -1;
  lut->top = malloc(sizeof(double) * 2 * lut->n);
  if (!lut->top) return -1;
  lut->bot = lut->top + lut->n;
  int seg = 0;
  double ymid_min = 1e9;
  for (int i = 0; i < lut->n; i++) {
    double x = lut->x0 + i * lut->step;
    double t, yt;
    if (x < xB) {
      t = (xB - x) / (xB - m->xL);
      yt = yB + (ytl - yB) * pow(synth_clampd(t, 0, 1), p);
    } else {
      t = (x - xB) / (m->xR - xB);
      yt = yB + (ytr - yB) * pow(synth_clampd(t, 0, 1), p);
    }
    lut->top[i] = yt;
    while (seg < nb - 2 && x > bx[seg + 1]) seg++;
    double a = bx[seg + 1] - bx[seg];
    double tt = a > 1e-9 ? synth_clampd((x - bx[seg]) / a, 0, 1) : 0;
    double yb = by[seg] + tt * (by[seg + 1] - by[seg]);
    if (yb < yt + 0.15 * iod) yb = yt + 0.15 * iod;
    lut->bot[i] = yb;
    if (yt < ymid_min) ymid_min = yt;
  }
  /* smooth the bottom a little (the jaw polyline has corners) */
  int rad = (int)fmax(1, 0.06 * iod / lut->step);
  double *tmp = malloc(sizeof(double) * lut->n);
  if (tmp) {
    for (int i = 0; i < lut->n; i++) {
      double s = 0;
      int c = 0;
      for (int k = -rad; k <= rad; k++) {
        int j = i + k;
        if (j < 0 || j >= lut->n) continue;
        s += lut->bot[j], c++;
      }
      tmp[i] = s / c;
    }
    memcpy(lut->bot, tmp, sizeof(double) * lut->n);
    free(tmp);
  }
  return 0;
}

static void choose_params(int kind, synth_rng *r, mask_params *m, double iod) {
  memset(m, 0, sizeof *m);
  switch (kind) {
    case UNMASK_MASK_SURGICAL: m->style = ST_SURGICAL; break;
    case UNMASK_MASK_KN95: m->style = ST_KN95; break;
    case UNMASK_MASK_N95: m->style = ST_N95; break;
    case UNMASK_MASK_CLOTH: m->style = ST_CLOTH; break;
    case UNMASK_MASK_DARK:
      m->style = synth_chance(r, 0.6) ? ST_CLOTH : synth_chance(r, 0.6) ? ST_SURGICAL : ST_KN95;
      m->dark = 1;
      break;
    default: {
      double u = synth_unif(r);
      m->style = u < 0.5 ? ST_SURGICAL : u < 0.85 ? ST_CLOTH : ST_KN95;
      m->placement = kind == UNMASK_MASK_BELOW_NOSE ? 1 : 2;
      m->dark = synth_chance(r, 0.15);
    }
  }
  pick_color(r, m->style, m->dark, m->albedo);
  if (m->style == ST_CLOTH) {
    synth_pattern_random(&m->pat, r, m->dark);
    memcpy(m->albedo, m->pat.c0, sizeof m->albedo);
  }
  memcpy(m->loop_col, m->albedo, sizeof m->loop_col);
  if (m->style == ST_SURGICAL && !m->dark && synth_chance(r, 0.7))
    m->loop_col[0] = m->loop_col[1] = m->loop_col[2] = (float)synth_range(r, 0.85, 0.95);
  m->aa = synth_range(r, 0.7, 1.4);
  m->curv = synth_range(r, 0.15, 0.4);
  m->wrinkle = synth_range(r, 0.03, 0.10);
  m->n_pleats = m->style == ST_SURGICAL ? 3 : 0;
  for (int i = 0; i < m->n_pleats; i++)
    m->pleat_v[i] = 0.2 + 0.23 * i + synth_range(r, -0.04, 0.04);
  m->pleat_amp = synth_range(r, 0.08, 0.18);
  m->seam = m->style == ST_KN95 || (m->style == ST_CLOTH && synth_chance(r, 0.4));
  m->hem = m->style == ST_CLOTH || m->style == ST_KN95;
  m->valve = m->style == ST_N95 ? synth_chance(r, 0.5) : m->style == ST_KN95 ? synth_chance(r, 0.12) : 0;
  m->valve_u = (synth_chance(r, 0.5) ? -1 : 1) * synth_range(r, 0.3, 0.45);
  if (m->style == ST_N95 && synth_chance(r, 0.4)) m->valve_u = synth_range(r, -0.05, 0.05);
  m->valve_v = synth_range(r, 0.45, 0.6);
  m->valve_r = synth_range(r, 0.16, 0.22) * iod;
  {
    static const float vc[][3] = {{0.92f, 0.92f, 0.9f}, {0.2f, 0.2f, 0.22f}, {0.85f, 0.5f, 0.2f},
                                  {0.5f, 0.6f, 0.75f}};
    memcpy(m->valve_col, vc[synth_below(r, 4)], sizeof m->valve_col);
  }
  m->straps = m->style == ST_N95;
  m->loops = m->style != ST_N95 ? (synth_chance(r, 0.9) ? 1 : 0) : 0;
  m->sh_top = synth_range(r, 0.15, 0.4);
  m->sh_side = synth_range(r, 0.15, 0.4);
  m->sh_bot = synth_range(r, 0.25, 0.6);
  m->sig_top = synth_range(r, 0.02, 0.05) * iod + 0.5;
  m->sig_side = synth_range(r, 0.03, 0.06) * iod + 0.5;
  m->sig_bot = synth_range(r, 0.08, 0.2) * iod + 0.5;
  m->nseed = (uint32_t)synth_next(r);
}

/* shading + albedo of the mask body at (u, v); fx, fy frame coords; H mask
 * height in px at this column; dedge distance to the edge (px, inside) */
static void body_color(const mask_params *m, const synth_light *L, double u, double v,
                       double fx, double fy, double H, double W, double dedge, double iod,
                       double dseam, float *rgb) {
  float s = 1.0f;
  double au = fabs(u);
  s *= (float)(1.0 - m->curv * u * u);
  /* under the chin the surface turns down */
  s *= 1.0f - 0.35f * synth_smooth(0.78f, 1.0f, (float)v);
  float alb[3] = {m->albedo[0], m->albedo[1], m->albedo[2]};
  float noise_f = (synth_hash2((int)(fx * 2), (int)(fy * 2), m->nseed) - 0.5f);
  float low = synth_vnoise((float)(fx / iod * 3), (float)(fy / iod * 3), m->nseed + 5) - 0.5f;
  switch (m->style) {
    case ST_SURGICAL: {
      double pix_v = 1.0 / fmax(H, 1);
      for (int i = 0; i < m->n_pleats; i++) {
        double d = v - m->pleat_v[i];
        double a = m->pleat_amp * (0.5 + 0.7 * au);
        if (d < 0 && d > -0.13) s *= (float)(1 + a * 0.6 * (1 + d / 0.13));   /* fold face */
        double cw = 1.2 * pix_v + 0.01;
        if (d >= 0 && d < cw) s *= (float)(1 - a * 1.6 * (1 - d / cw));         /* crease */
        if (d >= cw && d < cw + 0.05) s *= (float)(1 - a * 0.5 * (1 - (d - cw) / 0.05));
      }
      /* bonded side strips and top/bottom hem */
      double band = 0.06 * iod + 1;
      if (dedge < band) {
        s *= 1.03f;
        float dots = synth_hash2((int)(fx * 0.8), (int)(fy * 0.8), m->nseed + 9);
        s *= 1.0f - 0.05f * (dots > 0.6f);
      }
      if (v < 0.07) s *= 1.04f; /* nose wire ridge */
      s *= 1.0f + 0.035f * noise_f + (float)m->wrinkle * 0.6f * low;
      break;
    }
    case ST_KN95: {
      /* two folded panels: each side tilted, seam in the middle */
      s *= (float)(1.0 + 0.06 * (u > 0 ? 1 : -1) * (m->nseed & 1 ? 1 : -1));
      if (dseam < 0.7) s *= 0.72f;
      else if (dseam < 2.2) s *= 1.06f;
      double band = 0.07 * iod + 1;
      if (dedge < band) {
        s *= 0.96f;
        float dots = synth_hash2((int)(fx * 0.6), (int)(fy * 0.6), m->nseed + 9);
        s *= 1.0f - 0.07f * (dots > 0.55f);
      }
      if (dedge > band && dedge < band + 0.8) s *= 0.9f;
      s *= 1.0f + 0.03f * noise_f + (float)m->wrinkle * 0.5f * low;
      break;
    }
    case ST_N95: {
      double dv = 2 * v - 1;
      s *= (float)(1.0 - 0.18 * dv * dv);
      if (v < 0.07 && au < 0.45) { /* foam nose strip, soft */
        float t = (1 - synth_smooth(0.35f, 0.45f, (float)au)) * (1 - synth_smooth(0.05f, 0.07f, (float)v));
        for (int c = 0; c < 3; c++) alb[c] += (0.8f * alb[c] + 0.12f - alb[c]) * t;
      }
      s *= 1.0f + 0.05f * noise_f + (float)m->wrinkle * 0.3f * low;
      break;
    }
    case ST_CLOTH: {
      double th = asin(synth_clampd(u, -0.98, 0.98)) / 1.5708;
      float ps = (float)(0.5 * th * W / iod), pt = (float)(v * H / iod);
      synth_pattern_eval(&m->pat, ps * 0.5f, pt * 0.5f, alb);
      if (m->seam && dseam < 1.0) s *= 0.7f;
      else if (m->seam && dseam < 2.5) s *= 1.05f;
      double hemw = 0.06 * iod + 1.0;
      if (m->hem && dedge < hemw) s *= 0.93f + 0.05f * (float)(dedge / hemw);
      if (m->hem && fabs(dedge - hemw) < 0.5) {
        /* stitching: dashes along the hem */
        float dash = sinf((float)((fx + fy) * 1.3));
        if (dash > 0.3f) s *= 0.85f;
      }
      s *= 1.0f + 0.04f * noise_f + (float)m->wrinkle * 1.3f * low;
      break;
    }
  }
  /* valve */
  if (m->valve) {
    /* valve centre in uv -> approximate px distances */
    double du = (u - m->valve_u) * W * 0.5, dv = (v - m->valve_v) * H;
    double d = sqrt(du * du + dv * dv);
    if (d < m->valve_r) {
      double rr = d / m->valve_r;
      memcpy(alb, m->valve_col, sizeof alb);
      float vs = (float)(1.1 - 0.35 * rr * rr);
      if (rr > 0.35 && rr < 0.8 && fmod(atan2(dv, du) + 7, 0.5236) < 0.17) vs *= 0.6f;
      if (rr > 0.88) vs *= 0.75f;
      s *= vs;
    } else if (d < m->valve_r + 1.5) {
      s *= 0.75f;
    }
  }
  float lf = synth_light_at(L, fx, fy) * L->level;
  /* a slight tint from the light colour (skin hue is mostly albedo) */
  float sm = (L->skin[0] + L->skin[1] + L->skin[2]) / 3 + 1e-3f;
  for (int c = 0; c < 3; c++) {
    float tint = 1.0f + 0.12f * (L->skin[c] / sm - 1.0f);
    rgb[c] = synth_clampf(alb[c] * s * lf * tint, 0, 1);
  }
}

static void blend_px(float *p, const float *col, float a) {
  for (int c = 0; c < 3; c++) p[c] += (col[c] - p[c]) * a;
}

/* one ear loop/strap strand: quadratic Bezier p0 -> ctrl -> p1, frame coords */
static void draw_strand(const synth_frame *f, nets_image *img, float *coverage, double p0x,
                        double p0y, double cx, double cy, double p1x, double p1y, double hw,
                        const float *col, const synth_light *L, float shade_end) {
  double pts[2 * 17];
  double minx = 1e9, maxx = -1e9, miny = 1e9, maxy = -1e9;
  for (int i = 0; i <= 16; i++) {
    double t = i / 16.0, a = (1 - t) * (1 - t), b = 2 * t * (1 - t), c = t * t;
    double fx = a * p0x + b * cx + c * p1x, fy = a * p0y + b * cy + c * p1y;
    double ix, iy;
    synth_frame_from(f, fx, fy, &ix, &iy);
    pts[2 * i] = ix, pts[2 * i + 1] = iy;
    minx = fmin(minx, ix), maxx = fmax(maxx, ix), miny = fmin(miny, iy), maxy = fmax(maxy, iy);
  }
  int x0 = (int)floor(minx - hw - 2), x1 = (int)ceil(maxx + hw + 2);
  int y0 = (int)floor(miny - hw - 2), y1 = (int)ceil(maxy + hw + 2);
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 >= img->width) x1 = img->width - 1;
  if (y1 >= img->height) y1 = img->height - 1;
  double ehw = hw < 0.5 ? 0.5 : hw;
  float alpha_scale = hw < 0.5 ? (float)(hw / 0.5) : 1.0f;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      double t;
      float a = synth_polyline_cov(pts, 17, x, y, ehw, &t) * alpha_scale;
      if (a <= 0) continue;
      float *p = img->data + ((size_t)y * img->width + x) * 3;
      double fx, fy;
      synth_frame_to(f, x, y, &fx, &fy);
      float lf = synth_light_at(L, fx, fy) * L->level * (1.0f - shade_end * (float)t);
      float c[3];
      for (int k = 0; k < 3; k++) c[k] = synth_clampf(col[k] * lf, 0, 1);
      blend_px(p, c, a * 0.95f);
      if (coverage) {
        float *cv = coverage + (size_t)y * img->width + x;
        if (a > *cv) *cv = a;
      }
    }
}

int unmask_synth_render_mask(const float *lm, int kind, uint64_t seed, nets_image *img,
                             float *coverage, float *shadow, nets_error *err) {
  if (!lm || !img || img->channels != 3 || kind < 0 || kind >= UNMASK_MASK_TEMPLATE)
    return nets_error_set(err, NETS_ERR_ARG, "render_mask: bad arguments (kind %d)", kind);
  synth_frame f;
  synth_frame_init(&f, lm);
  synth_light L;
  synth_light_estimate(&f, img, &L);
  synth_rng r = synth_rng_make(seed, 0x6d61736bull + (uint64_t)kind);
  mask_params m;
  choose_params(kind, &r, &m, f.iod);
  edge_lut lut = {0};
  if (build_geometry(&f, &m, &r, &lut))
    return nets_error_set(err, NETS_ERR_ARG, "render_mask: degenerate face geometry");
  double iod = f.iod;
  /* frame bounding box incl. shadows */
  double ymin = 1e9, ymax = -1e9;
  for (int i = 0; i < lut.n; i++) {
    ymin = fmin(ymin, lut.top[i]);
    ymax = fmax(ymax, lut.bot[i]);
  }
  double fx0 = m.xL - 3 * m.sig_side - 2, fx1 = m.xR + 3 * m.sig_side + 2;
  double fy0 = ymin - 3 * m.sig_top - 2, fy1 = ymax + 3 * m.sig_bot + 2;
  double bx0 = 1e9, bx1 = -1e9, by0 = 1e9, by1 = -1e9;
  for (int c = 0; c < 4; c++) {
    double ix, iy;
    synth_frame_from(&f, c & 1 ? fx1 : fx0, c & 2 ? fy1 : fy0, &ix, &iy);
    bx0 = fmin(bx0, ix), bx1 = fmax(bx1, ix), by0 = fmin(by0, iy), by1 = fmax(by1, iy);
  }
  int X0 = (int)fmax(0, floor(bx0)), X1 = (int)fmin(img->width - 1, ceil(bx1));
  int Y0 = (int)fmax(0, floor(by0)), Y1 = (int)fmin(img->height - 1, ceil(by1));
  double W = m.xR - m.xL;
  for (int y = Y0; y <= Y1; y++) {
    for (int x = X0; x <= X1; x++) {
      double fx, fy;
      synth_frame_to(&f, x, y, &fx, &fy);
      double st, sb;
      double yt = lut_get(&lut, lut.top, fx, &st), yb = lut_get(&lut, lut.bot, fx, &sb);
      double dl = fx - m.xL, dr = m.xR - fx;
      double dt = (fy - yt) / sqrt(1 + st * st), db = (yb - fy) / sqrt(1 + sb * sb);
      double d = fmin(fmin(dl, dr), fmin(dt, db));
      float *p = img->data + ((size_t)y * img->width + x) * 3;
      float cov = (float)synth_clampd(d / m.aa + 0.5, 0, 1);
      /* shadow on the skin outside */
      if (cov < 1) {
        double out = fmax(0, -d);
        double s, sig;
        if (d == dt) s = m.sh_top, sig = m.sig_top;
        else if (d == db) s = m.sh_bot, sig = m.sig_bot;
        else s = m.sh_side, sig = m.sig_side;
        float sh = (float)(s * exp(-out / sig));
        if (sh > 0.003f) {
          for (int c = 0; c < 3; c++) p[c] *= 1 - sh;
          if (shadow) {
            float *sp = shadow + (size_t)y * img->width + x;
            if (sh > *sp) *sp = sh;
          }
        }
      }
      if (cov <= 0) continue;
      double H = yb - yt;
      double v = synth_clampd((fy - yt) / fmax(H, 1e-3), 0, 1);
      double u = fx < m.xc ? (fx - m.xc) / fmax(m.xc - m.xL, 1e-3)
                           : (fx - m.xc) / fmax(m.xR - m.xc, 1e-3);
      u = synth_clampd(u, -1, 1);
      /* the seam follows the nose line */
      double dseam = fabs(fx - m.xc);
      float col[3];
      body_color(&m, &L, u, v, fx, fy, H, W, fmax(d, 0), iod, dseam, col);
      /* the very edge is a little darker (thickness of the material) */
      if (d < 1.5) for (int c = 0; c < 3; c++) col[c] *= 0.92f + 0.053f * (float)fmax(d, 0);
      blend_px(p, col, cov);
      if (coverage) {
        float *cv = coverage + (size_t)y * img->width + x;
        if (cov > *cv) *cv = cov;
      }
    }
  }
  /* ear loops / head straps */
  if (m.loops || m.straps) {
    double hw = (m.style == ST_CLOTH ? 0.035 : m.straps ? 0.03 : 0.016) * iod;
    for (int side = -1; side <= 1; side += 2) {
      if (side * f.yaw > 0.3) continue; /* far ear hidden */
      double xe = side < 0 ? m.xL : m.xR;
      double yt = lut_get(&lut, lut.top, xe, NULL), yb = lut_get(&lut, lut.bot, xe, NULL);
      int j0 = side < 0 ? 0 : 16, j1 = side < 0 ? 1 : 15, j2 = side < 0 ? 2 : 14;
      double near = 1 + 0.8 * fmax(0, -side * f.yaw);
      double earx = f.x[j0] + side * 0.06 * iod * near;
      double ear_top = f.y[j0] + 0.12 * iod, ear_bot = f.y[j2] - 0.05 * iod;
      const float *col = m.loop_col;
      if (m.straps) {
        /* upper strap towards the back of the head above the ear, lower below */
        draw_strand(&f, img, coverage, xe, yt + 0.25 * (yb - yt), xe + side * 0.2 * iod,
                    ear_top - 0.2 * iod, earx + side * 0.2 * iod, ear_top - 0.45 * iod, hw, col,
                    &L, 0.3f);
        draw_strand(&f, img, coverage, xe, yt + 0.75 * (yb - yt), xe + side * 0.25 * iod,
                    yb + 0.1 * iod, earx + side * 0.25 * iod, ear_bot + 0.35 * iod, hw, col, &L,
                    0.3f);
      } else {
        (void)j1;
        double ux = xe - side * 0.01 * iod, uy = yt + 0.04 * iod;
        double lx = xe - side * 0.01 * iod, ly = yb - 0.06 * iod;
        draw_strand(&f, img, coverage, ux, uy, 0.5 * (ux + earx) + side * 0.04 * iod,
                    0.5 * (uy + ear_top), earx, ear_top, hw, col, &L, 0.25f);
        draw_strand(&f, img, coverage, lx, ly, 0.5 * (lx + earx) + side * 0.06 * iod,
                    0.5 * (ly + ear_bot) + 0.1 * iod, earx, ear_bot, hw, col, &L, 0.25f);
      }
    }
  }
  free(lut.top);
  return 0;
}
