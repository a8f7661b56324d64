/* Face frame, head pose and skin lighting from 68 landmarks. */
#include <math.h>
#include <string.h>

#include "synth-private.h"

void synth_frame_init(synth_frame *f, const float *lm) {
  double lx = 0, ly = 0, rx = 0, ry = 0;
  for (int i = 36; i < 42; i++) lx += lm[2 * i], ly += lm[2 * i + 1];
  for (int i = 42; i < 48; i++) rx += lm[2 * i], ry += lm[2 * i + 1];
  lx /= 6, ly /= 6, rx /= 6, ry /= 6;
  f->ox = 0.5 * (lx + rx);
  f->oy = 0.5 * (ly + ry);
  f->roll = atan2(ry - ly, rx - lx);
  f->ca = cos(f->roll);
  f->sa = sin(f->roll);
  f->iod = hypot(rx - lx, ry - ly);
  if (f->iod < 1e-3) f->iod = 1e-3;
  for (int i = 0; i < 68; i++) synth_frame_to(f, lm[2 * i], lm[2 * i + 1], &f->x[i], &f->y[i]);
  /* yaw: where the nose tip sits between the jaw ends, and between the eyes */
  double w = f->x[16] - f->x[0];
  double r1 = w > 1e-3 ? (f->x[30] - f->x[0]) / w : 0.5;
  double we = f->x[45] - f->x[36];
  double r2 = we > 1e-3 ? (f->x[30] - f->x[36]) / we : 0.5;
  double y = 0.6 * (r1 - 0.5) * 2.4 + 0.4 * (r2 - 0.5) * 2.4;
  f->yaw = synth_clampd(y, -1.0, 1.0);
}

void unmask_landmarks_pose(const float *lm, double *roll, double *yaw) {
  synth_frame f;
  synth_frame_init(&f, lm);
  if (roll) *roll = f.roll;
  if (yaw) *yaw = f.yaw;
}

static int disc_mean(const nets_image *img, double cx, double cy, double rad, float *rgb) {
  int x0 = (int)floor(cx - rad), x1 = (int)ceil(cx + rad);
  int y0 = (int)floor(cy - rad), y1 = (int)ceil(cy + rad);
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > img->width - 1) x1 = img->width - 1;
  if (y1 > img->height - 1) y1 = img->height - 1;
  int step = rad > 8 ? (int)(rad / 6) : 1;
  double acc[3] = {0, 0, 0};
  int n = 0;
  for (int y = y0; y <= y1; y += step)
    for (int x = x0; x <= x1; x += step) {
      double dx = x - cx, dy = y - cy;
      if (dx * dx + dy * dy > rad * rad) continue;
      const float *p = img->data + ((size_t)y * img->width + x) * img->channels;
      for (int c = 0; c < 3; c++) acc[c] += p[img->channels >= 3 ? c : 0];
      n++;
    }
  if (n < 3) return 0;
  for (int c = 0; c < 3; c++) rgb[c] = (float)(acc[c] / n);
  return 1;
}

void synth_light_estimate(const synth_frame *f, const nets_image *img, synth_light *l) {
  /* skin probes in frame coordinates: cheeks, forehead, nose bridge, chin */
  double px[6], py[6];
  px[0] = (f->x[36] + f->x[48] + f->x[2]) / 3, py[0] = (f->y[36] + f->y[48] + f->y[2]) / 3;
  px[1] = (f->x[45] + f->x[54] + f->x[14]) / 3, py[1] = (f->y[45] + f->y[54] + f->y[14]) / 3;
  px[2] = 0.5 * (f->x[19] + f->x[24]), py[2] = 0.5 * (f->y[19] + f->y[24]) - 0.25 * f->iod;
  px[3] = f->x[28], py[3] = f->y[28];
  px[4] = f->x[8] + 0.4 * (f->x[57] - f->x[8]), py[4] = f->y[8] + 0.4 * (f->y[57] - f->y[8]);
  px[5] = 0.5 * (px[0] + f->x[29]), py[5] = 0.5 * (py[0] + f->y[29]);
  double wts[6] = {1, 1, 0.6, 0.5, 0.5, 0.5};
  double rad = 0.12 * f->iod;
  /* weighted least squares plane */
  double S[3][4] = {{0}};
  float skin[3] = {0, 0, 0};
  double sw = 0;
  for (int i = 0; i < 6; i++) {
    double ix, iy;
    synth_frame_from(f, px[i], py[i], &ix, &iy);
    float rgb[3];
    if (!disc_mean(img, ix, iy, rad, rgb)) continue;
    double L = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    double v[3] = {1, px[i] / f->iod, py[i] / f->iod};
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) S[a][b] += wts[i] * v[a] * v[b];
      S[a][3] += wts[i] * v[a] * L;
    }
    for (int c = 0; c < 3; c++) skin[c] += (float)(wts[i] * rgb[c]);
    sw += wts[i];
  }
  if (sw <= 0) {
    l->a = 0.5, l->bx = 0, l->by = 0;
    l->skin[0] = 0.7f, l->skin[1] = 0.55f, l->skin[2] = 0.45f;
    l->level = 0.9f;
    return;
  }
  for (int c = 0; c < 3; c++) l->skin[c] = (float)(skin[c] / sw);
  /* ridge-regularised solve of the gradient terms */
  S[1][1] += 0.3, S[2][2] += 0.3;
  for (int c = 0; c < 3; c++) {
    int p = c;
    for (int r = c + 1; r < 3; r++)
      if (fabs(S[r][c]) > fabs(S[p][c])) p = r;
    for (int k = 0; k < 4; k++) {
      double t = S[c][k];
      S[c][k] = S[p][k];
      S[p][k] = t;
    }
    if (fabs(S[c][c]) < 1e-9) S[c][c] = 1e-9;
    for (int r = 0; r < 3; r++) {
      if (r == c) continue;
      double m = S[r][c] / S[c][c];
      for (int k = c; k < 4; k++) S[r][k] -= m * S[c][k];
    }
  }
  double a = S[0][3] / S[0][0], bx = S[1][3] / S[1][1], by = S[2][3] / S[2][2];
  if (a < 0.03) a = 0.03;
  /* relative gradient per inter-ocular distance, limited */
  double gx = synth_clampd(bx / a, -0.6, 0.6), gy = synth_clampd(by / a, -0.4, 0.4);
  l->a = a;
  l->bx = gx * a / f->iod;
  l->by = gy * a / f->iod;
  /* exposure: brightest part of the face box */
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 68; i++) {
    if (f->x[i] < lo) lo = f->x[i];
    if (f->x[i] > hi) hi = f->x[i];
  }
  float hist[32] = {0};
  int n = 0;
  for (int gyi = 0; gyi < 12; gyi++)
    for (int gxi = 0; gxi < 12; gxi++) {
      double fx = lo + (hi - lo) * (gxi + 0.5) / 12;
      double fy = f->y[24] - 0.3 * f->iod + (f->y[8] - f->y[24] + 0.3 * f->iod) * (gyi + 0.5) / 12;
      double ix, iy;
      synth_frame_from(f, fx, fy, &ix, &iy);
      int xi = (int)ix, yi = (int)iy;
      if (xi < 0 || yi < 0 || xi >= img->width || yi >= img->height) continue;
      const float *p = img->data + ((size_t)yi * img->width + xi) * img->channels;
      float L = img->channels >= 3 ? nets_luma(p) : p[0];
      hist[(int)synth_clampf(L * 31.99f, 0, 31)] += 1;
      n++;
    }
  float p95 = 0.8f;
  if (n > 10) {
    float acc = 0;
    for (int b = 31; b >= 0; b--) {
      acc += hist[b];
      if (acc >= 0.05f * n) {
        p95 = (b + 0.5f) / 32;
        break;
      }
    }
  }
  float lv = 0.5f * (0.35f + 1.2f * (float)a) + 0.5f * (1.05f * p95);
  l->level = synth_clampf(lv, 0.35f, 1.08f);
}

/* jaw x on one side (side -1 left 0..8, +1 right 8..16) at frame height y */
double synth_jaw_x_at(const synth_frame *f, int side, double y) {
  int a = side < 0 ? 0 : 16, dir = side < 0 ? 1 : -1;
  if (y <= f->y[a]) return f->x[a];
  for (int k = 0; k < 8; k++) {
    int i = a + dir * k, j = i + dir;
    double y0 = f->y[i], y1 = f->y[j];
    if ((y >= y0 && y <= y1) || (y <= y0 && y >= y1)) {
      double t = fabs(y1 - y0) > 1e-9 ? (y - y0) / (y1 - y0) : 0;
      return f->x[i] + t * (f->x[j] - f->x[i]);
    }
  }
  return f->x[8];
}


/* Draws segment (ax,ay)-(bx,by) into dst as a line about 2 px wide with a
 * soft edge, keeping the larger value where lines cross. */
static void sketch_segment(double ax, double ay, double bx, double by, int size, float *dst) {
  const double half = 1.0, soft = 0.75; /* full value to half, fading to half + soft */
  const double reach = half + soft;
  int x0 = (int)floor(fmin(ax, bx) - reach), x1 = (int)ceil(fmax(ax, bx) + reach);
  int y0 = (int)floor(fmin(ay, by) - reach), y1 = (int)ceil(fmax(ay, by) + reach);
  if (x0 < 0) x0 = 0;
  if (y0 < 0) y0 = 0;
  if (x1 > size - 1) x1 = size - 1;
  if (y1 > size - 1) y1 = size - 1;
  const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      double t = len2 > 1e-12 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : (t > 1 ? 1 : t);
      const double d = hypot(x - (ax + t * dx), y - (ay + t * dy));
      const float v = (float)(d <= half ? 1.0 : (d >= reach ? 0.0 : (reach - d) / soft));
      if (v > dst[y * size + x]) dst[y * size + x] = v;
    }
}

void unmask_landmark_sketch(const float *lm, int size, float *dst) {
  /* polylines of the 68-point scheme: first, last, closed */
  static const int lines[][3] = {{0, 16, 0},  /* jaw */
                                 {27, 30, 0}, /* nose bridge */
                                 {31, 35, 0}, /* nostrils */
                                 {48, 59, 1}, /* outer lips */
                                 {60, 67, 1}}; /* inner lips */
  memset(dst, 0, sizeof(float) * (size_t)size * size);
  for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
    const int a = lines[k][0], b = lines[k][1];
    for (int i = a; i < b + lines[k][2]; i++) {
      const int j = i < b ? i + 1 : a;
      sketch_segment(lm[2 * i], lm[2 * i + 1], lm[2 * j], lm[2 * j + 1], size, dst);
    }
  }
  /* the nose's wings: tip to the outer nostrils */
  sketch_segment(lm[60], lm[61], lm[62], lm[63], size, dst);
  sketch_segment(lm[60], lm[61], lm[70], lm[71], size, dst);
}

int unmask_polygon_contains(const float *xy, int n, float px, float py) {
  int in = 0; /* even-odd rule */
  for (int a = 0, b = n - 1; a < n; b = a++) {
    const float xa = xy[2 * a], ya = xy[2 * a + 1], xb = xy[2 * b], yb = xy[2 * b + 1];
    if ((ya > py) != (yb > py) && px < xa + (xb - xa) * (py - ya) / (yb - ya)) in = !in;
  }
  return in;
}

void unmask_landmark_face(const float *lm, int size, unsigned char *dst) {
  /* the jaw (0-16), then the brows from right to left (26-17): a closed outline */
  float ring[2 * 27];
  for (int i = 0; i < 27; i++) {
    const int p = i < 17 ? i : 26 - (i - 17);
    ring[2 * i] = lm[2 * p], ring[2 * i + 1] = lm[2 * p + 1];
  }
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) dst[y * size + x] = (unsigned char)unmask_polygon_contains(ring, 27, x + 0.5f, y + 0.5f);
}
