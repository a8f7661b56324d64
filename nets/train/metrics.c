#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"

void metric_errors(const float *a, const float *b, int w, int h, const float *region, double *mse,
                   double *mae255) {
  double se = 0, ae = 0;
  long n = 0;
  for (long p = 0; p < (long)w * h; p++) {
    if (region && region[p] <= 0.5f) continue;
    for (int c = 0; c < 3; c++) {
      double d = (double)a[p * 3 + c] - b[p * 3 + c];
      se += d * d;
      ae += fabs(d);
    }
    n += 3;
  }
  *mse = n ? se / n : 0;
  *mae255 = n ? 255.0 * ae / n : 0;
}

double metric_psnr_from_mse(double mse) { return mse <= 1e-12 ? 120.0 : 10.0 * log10(1.0 / mse); }

double metric_detail(const float *img, int w, int h, const float *region) {
  double sum = 0;
  long n = 0;
  for (int y = 1; y + 1 < h; y++)
    for (int x = 1; x + 1 < w; x++) {
      const size_t i = (size_t)y * w + x;
      if (region && region[i] <= 0.5f) continue;
      const double gx = 0.5 * (nets_luma(img + (i + 1) * 3) - nets_luma(img + (i - 1) * 3));
      const double gy = 0.5 * (nets_luma(img + (i + w) * 3) - nets_luma(img + (i - w) * 3));
      sum += sqrt(gx * gx + gy * gy);
      n++;
    }
  return n ? sum / n : 0.0;
}

/* Separable Gaussian blur of a single-channel plane (edges clamped). */
static void blur(const double *src, double *tmp, double *dst, int w, int h) {
  enum { R = 5 };
  double k[2 * R + 1], s = 0;
  for (int i = -R; i <= R; i++) s += k[i + R] = exp(-(i * i) / (2 * 1.5 * 1.5));
  for (int i = 0; i <= 2 * R; i++) k[i] /= s;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double acc = 0;
      for (int i = -R; i <= R; i++) {
        int xx = x + i < 0 ? 0 : (x + i >= w ? w - 1 : x + i);
        acc += k[i + R] * src[(size_t)y * w + xx];
      }
      tmp[(size_t)y * w + x] = acc;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double acc = 0;
      for (int i = -R; i <= R; i++) {
        int yy = y + i < 0 ? 0 : (y + i >= h ? h - 1 : y + i);
        acc += k[i + R] * tmp[(size_t)yy * w + x];
      }
      dst[(size_t)y * w + x] = acc;
    }
}

double metric_ssim(const float *a, const float *b, int w, int h, const float *region) {
  const size_t n = (size_t)w * h;
  double *buf = malloc(sizeof(double) * n * 12);
  if (!buf) return NAN;
  double *x = buf, *y = x + n, *xx = y + n, *yy = xx + n, *xy = yy + n, *tmp = xy + n;
  double *mx = tmp + n, *my = mx + n, *sxx = my + n, *syy = sxx + n, *sxy = syy + n;
  const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
  double total = 0;
  long count = 0;
  for (int c = 0; c < 3; c++) {
    for (size_t p = 0; p < n; p++) {
      x[p] = a[p * 3 + c];
      y[p] = b[p * 3 + c];
      xx[p] = x[p] * x[p];
      yy[p] = y[p] * y[p];
      xy[p] = x[p] * y[p];
    }
    blur(x, tmp, mx, w, h);
    blur(y, tmp, my, w, h);
    blur(xx, tmp, sxx, w, h);
    blur(yy, tmp, syy, w, h);
    blur(xy, tmp, sxy, w, h);
    for (size_t p = 0; p < n; p++) {
      if (region && region[p] <= 0.5f) continue;
      double vx = sxx[p] - mx[p] * mx[p], vy = syy[p] - my[p] * my[p], cv = sxy[p] - mx[p] * my[p];
      total += ((2 * mx[p] * my[p] + C1) * (2 * cv + C2)) /
               ((mx[p] * mx[p] + my[p] * my[p] + C1) * (vx + vy + C2));
      count++;
    }
  }
  free(buf);
  return count ? total / count : NAN;
}

/* The area boxes a and b share. */
static double overlap(const metric_box *a, const metric_box *b) {
  double x0 = fmax(a->x, b->x), y0 = fmax(a->y, b->y);
  double x1 = fmin(a->x + a->w, b->x + b->w), y1 = fmin(a->y + a->h, b->y + b->h);
  return (x1 > x0 && y1 > y0) ? (x1 - x0) * (y1 - y0) : 0;
}

double metric_box_iou(const metric_box *a, const metric_box *b) {
  double inter = overlap(a, b);
  double uni = (double)a->w * a->h + (double)b->w * b->h - inter;
  return uni > 0 ? inter / uni : 0;
}

static int by_score(const void *pa, const void *pb) {
  float a = ((const metric_box *)pa)->score, b = ((const metric_box *)pb)->score;
  return (a < b) - (a > b);
}

/* Greedy matching at one IoU threshold over detections sorted by score;
 * returns AP (101-point) and recall using at most max_per_image detections. */
static void match(const metric_box *dets, int n_dets, const metric_box *gts, int n_gts, double thr,
                  int max_per_image, int n_images, double *ap, double *recall) {
  char *used = calloc((size_t)n_gts + 1, 1);
  int *per_image = calloc((size_t)n_images + 1, sizeof(int));
  double *prec = malloc(sizeof(double) * (n_dets + 1)), *rec = malloc(sizeof(double) * (n_dets + 1));
  int tp = 0, fp = 0, k = 0;
  for (int i = 0; i < n_dets; i++) {
    const metric_box *d = &dets[i];
    if (d->image < 0 || d->image >= n_images || per_image[d->image] >= max_per_image) continue;
    per_image[d->image]++;
    int best = -1;
    double best_iou = thr;
    for (int g = 0; g < n_gts; g++) {
      if (used[g] || gts[g].image != d->image) continue;
      double iou = metric_box_iou(d, &gts[g]);
      if (iou >= best_iou) { best_iou = iou; best = g; }
    }
    if (best >= 0) { used[best] = 1; tp++; } else fp++;
    prec[k] = (double)tp / (tp + fp);
    rec[k] = n_gts ? (double)tp / n_gts : 0;
    k++;
  }
  /* precision envelope, then 101 recall points */
  for (int i = k - 2; i >= 0; i--) if (prec[i + 1] > prec[i]) prec[i] = prec[i + 1];
  double s = 0;
  int j = 0;
  for (int r = 0; r <= 100; r++) {
    double rr = r / 100.0;
    while (j < k && rec[j] < rr) j++;
    s += j < k ? prec[j] : 0;
  }
  *ap = n_gts ? s / 101 : 0;
  *recall = n_gts ? (double)tp / n_gts : 0;
  free(used); free(per_image); free(prec); free(rec);
}

void metric_box_ap(const metric_box *dets, int n_dets, const metric_box *gts, int n_gts,
                   int n_images, double *ap, double *ap50, double *ar10) {
  metric_box *sorted = malloc(sizeof *sorted * (n_dets + 1));
  memcpy(sorted, dets, sizeof *sorted * n_dets);
  qsort(sorted, (size_t)n_dets, sizeof *sorted, by_score);
  double sum_ap = 0, sum_ar = 0;
  for (int t = 0; t < 10; t++) {
    double thr = 0.5 + 0.05 * t, a, r, a10, r10;
    match(sorted, n_dets, gts, n_gts, thr, 1 << 30, n_images, &a, &r);
    match(sorted, n_dets, gts, n_gts, thr, 10, n_images, &a10, &r10);
    sum_ap += a;
    sum_ar += r10;
    if (t == 0) *ap50 = a;
  }
  *ap = sum_ap / 10;
  *ar10 = sum_ar / 10;
  free(sorted);
}

double metric_box_inside(const metric_box *a, const metric_box *b) {
  const double area = (double)b->w * b->h;
  return area > 0 ? overlap(a, b) / area : 0;
}

void metric_drop_ignored(const metric_box *dets, int n_dets, const metric_box *gts,
                         const unsigned char *ignore, int n_gts, metric_box *kept_dets,
                         int *n_kept_dets, metric_box *kept_gts, int *n_kept_gts) {
  int nd = 0, ng = 0;
  for (int g = 0; g < n_gts; g++)
    if (!ignore[g]) kept_gts[ng++] = gts[g];
  for (int d = 0; d < n_dets; d++) {
    int hit = 0, on_ignored = 0;
    for (int g = 0; g < n_gts && !hit; g++) {
      if (gts[g].image != dets[d].image) continue;
      if (!ignore[g]) hit = metric_box_iou(&dets[d], &gts[g]) >= 0.5;
      else on_ignored |= metric_box_iou(&dets[d], &gts[g]) >= 0.5 || metric_box_inside(&gts[g], &dets[d]) >= 0.5;
    }
    if (hit || !on_ignored) kept_dets[nd++] = dets[d];
  }
  *n_kept_dets = nd;
  *n_kept_gts = ng;
}

/* The largest axis-aligned rectangle [x0,x1) x [y0,y1) of an s x s crop
 * whose pixels all came from inside its photo (valid >= 0.5); the whole crop
 * when none did.  Returns the number of valid pixels it leaves out. */
long metric_inside_rect(const float *valid, int s, int *x0, int *y0, int *x1, int *y1) {
  int *run = calloc((size_t)s, sizeof *run), *stack = malloc(sizeof(int) * (s + 1));
  long best = 0, n_valid = 0;
  for (int y = 0; run && stack && y < s; y++) {
    for (int x = 0; x < s; x++) { /* valid pixels in a column, ending at row y */
      const int v = valid[(size_t)y * s + x] >= 0.5f;
      run[x] = v ? run[x] + 1 : 0;
      n_valid += v;
    }
    int top = 0; /* the largest rectangle under the histogram run[] */
    for (int x = 0; x <= s; x++) {
      const int hx = x < s ? run[x] : 0;
      while (top > 0 && run[stack[top - 1]] >= hx) {
        const int hh = run[stack[--top]], left = top > 0 ? stack[top - 1] + 1 : 0;
        const long area = (long)hh * (x - left);
        if (area > best) best = area, *x0 = left, *x1 = x, *y0 = y + 1 - hh, *y1 = y + 1;
      }
      stack[top++] = x;
    }
  }
  free(run), free(stack);
  if (best == 0) {
    *x0 = *y0 = 0, *x1 = *y1 = s;
    return 0;
  }
  return n_valid - best;
}
