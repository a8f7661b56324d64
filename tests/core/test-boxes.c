/* Detector post-processing (connected components -> boxes) and the box
 * metrics used by eval-detector, on hand-made cases with known answers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "models.h"
#include "split.h"

static void rect(float *p, int w, int x0, int y0, int x1, int y1, float v) {
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) p[y * w + x] = v;
}

static void test_boxes(void) {
  enum { W = 40, H = 30 };
  float prob[W * H] = {0};
  int labels[W * H];
  rect(prob, W, 2, 3, 10, 8, 0.9f);   /* A: 8x5 = 40 px, score 0.9 */
  rect(prob, W, 20, 10, 26, 20, 0.7f); /* B: an L shape, 6x10 + 4x2 */
  rect(prob, W, 26, 18, 30, 20, 0.7f);
  rect(prob, W, 35, 25, 37, 27, 0.95f); /* C: 4 px, below min_area */
  rect(prob, W, 12, 3, 14, 5, 0.4f);  /* below threshold */
  nets_det_box b[8];
  int n = nets_detector_boxes(prob, W, H, 0.5f, 0.5f, 5, b, 8, labels);
  CHECK(n == 2, "expected 2 boxes, got %d", n);
  if (n == 2) {
    CHECK(b[0].x == 2 && b[0].y == 3 && b[0].w == 8 && b[0].h == 5 && b[0].area == 40,
          "box A: %d %d %d %d area %ld", b[0].x, b[0].y, b[0].w, b[0].h, b[0].area);
    CHECK(b[1].x == 20 && b[1].y == 10 && b[1].w == 10 && b[1].h == 10 && b[1].area == 68,
          "box B: %d %d %d %d area %ld", b[1].x, b[1].y, b[1].w, b[1].h, b[1].area);
    CHECK(fabsf(b[0].score - 0.9f) < 1e-6f && fabsf(b[1].score - 0.7f) < 1e-6f, "scores %g %g",
          b[0].score, b[1].score);
    CHECK(labels[4 * W + 5] == 1 && labels[19 * W + 28] == 2 && labels[26 * W + 36] == 0 &&
              labels[0] == 0,
          "labels wrong");
  }
  printf("components -> boxes: %d boxes (A %dx%d, B %dx%d)\n", n, b[0].w, b[0].h, b[1].w, b[1].h);
  int few = nets_detector_boxes(prob, W, H, 0.5f, 0.5f, 5, b, 1, NULL);
  CHECK(few == 1 && b[0].area == 40, "max_boxes 1 should keep the best box");
  /* hysteresis: grown at 0.3 from seeds of 0.8.  A (peak 0.9) grows into a
   * 0.4 rim; B (peak 0.7) has no seed and goes, the lone 0.4 patch too, and
   * C stays below min_area. */
  rect(prob, W, 2, 8, 10, 10, 0.4f);
  n = nets_detector_boxes(prob, W, H, 0.3f, 0.8f, 5, b, 8, labels);
  CHECK(n == 1 && b[0].area == 56 && b[0].h == 7 && b[0].y == 3, "hysteresis: %d boxes", n);
  CHECK(labels[9 * W + 5] == 1 && labels[15 * W + 22] == 0, "hysteresis labels");
  /* sensitivity -> levels: grow below seed, both falling as sensitivity rises */
  float g0, s0, g1, s1;
  nets_detector_levels(0.5, &g0, &s0);
  CHECK(fabsf(s0 - 0.7f) < 1e-6f && fabsf(g0 - 0.45f) < 1e-6f, "levels at 0.5: %g %g", g0, s0);
  for (double sv = 0.01; sv < 0.99; sv += 0.07) {
    nets_detector_levels(sv, &g0, &s0);
    nets_detector_levels(sv + 0.07, &g1, &s1);
    CHECK(g0 < s0 && g0 > 0 && s0 < 1 && g1 <= g0 && s1 <= s0, "levels at %g", sv);
  }
}

static void disc(unsigned char *m, int w, int h, double cx, double cy, double rx, double ry) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if ((x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) <= 1) m[y * w + x] = 1;
}

/* Touching masks come apart; one mask, even with ear loops, stays whole. */
static void test_split(void) {
  enum { W = 90, H = 50 };
  unsigned char m[W * H];
  int part[W * H];
  memset(m, 0, sizeof m);
  disc(m, W, H, 25, 25, 18, 15); /* two masks overlapping by a few pixels */
  disc(m, W, H, 62, 27, 20, 16);
  int n = nets_split_component(m, W, H, 6, part);
  CHECK(n == 2 && part[25 * W + 25] != part[27 * W + 62] && part[25 * W + 25] > 0 && part[0] == 0,
        "two touching masks: %d parts", n);
  memset(m, 0, sizeof m);
  disc(m, W, H, 45, 25, 25, 16); /* one mask with thin loops to the sides */
  for (int x = 2; x < 88; x++) m[12 * W + x] = m[13 * W + x] = 1;
  n = nets_split_component(m, W, H, 6, part);
  CHECK(n == 1 && part[25 * W + 45] == 1 && part[12 * W + 3] == 1, "one mask with loops: %d parts", n);
  /* through nets_detector_boxes: two touching blobs give two boxes */
  float prob[W * H];
  memset(m, 0, sizeof m);
  disc(m, W, H, 25, 25, 18, 15);
  disc(m, W, H, 62, 27, 20, 16);
  for (int i = 0; i < W * H; i++) prob[i] = m[i] ? 0.9f : 0.f;
  nets_det_box b[4];
  n = nets_detector_boxes(prob, W, H, 0.5f, 0.5f, 5, b, 4, NULL);
  CHECK(n == 2, "touching blobs: %d boxes", n);
  printf("split: touching masks -> %d boxes\n", n);
}

/* Two masks side by side with no neck between them (one rectangle): the
 * probability map's valley splits them; a shallow dip does not. */
static void test_split_valleys(void) {
  enum { W = 64, H = 24 };
  unsigned char m[W * H];
  float prob[W * H];
  int part[W * H];
  const float dips[2] = {0.5f, 0.82f};
  for (int k = 0; k < 2; k++) {
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        const int i = y * W + x, in = x >= 2 && x < 62 && y >= 2 && y < 22;
        m[i] = (unsigned char)in;
        /* peaks 0.9 at x = 16 and 0.95 at x = 47, the dip at x = 32 */
        prob[i] = !in ? 0.f : x < 32 ? 0.9f - (0.9f - dips[k]) * (x - 16 > 0 ? x - 16 : 0) / 16.f
                                     : 0.95f - (0.95f - dips[k]) * (47 - x > 0 ? 47 - x : 0) / 15.f;
      }
    int n = nets_split_valleys(prob, m, W, H, 0.7f, NETS_VALLEY_DEPTH, 16, 6, part);
    if (k == 0) {
      CHECK(n == 2 && part[12 * W + 10] != part[12 * W + 50] && part[12 * W + 10] > 0 &&
                part[12 * W + 50] > 0 && part[0] == 0,
            "a deep valley: %d parts", n);
      int wrong = 0; /* every pixel goes to the side of the dip it is on */
      for (int y = 2; y < 22; y++)
        for (int x = 2; x < 62; x++)
          if (x != 31 && x != 32) wrong += part[y * W + x] != part[12 * W + (x < 32 ? 10 : 50)];
      CHECK(wrong == 0, "%d pixels on the wrong side of the valley", wrong);
      nets_det_box b[4];
      n = nets_detector_boxes(prob, W, H, 0.45f, 0.7f, 5, b, 4, NULL);
      CHECK(n == 2, "two masks with a valley between them: %d boxes", n);
    } else {
      CHECK(n == 1 && part[12 * W + 10] == 1 && part[12 * W + 50] == 1, "a shallow dip: %d parts", n);
    }
  }
  /* a seed smaller than min_seed pixels is not a mask of its own */
  for (int i = 0; i < W * H; i++) prob[i] = m[i] ? 0.6f : 0.f;
  for (int y = 10; y < 14; y++)
    for (int x = 10; x < 13; x++) prob[y * W + x] = 0.9f; /* 12 pixels */
  for (int y = 8; y < 16; y++)
    for (int x = 40; x < 50; x++) prob[y * W + x] = 0.9f;
  int n = nets_split_valleys(prob, m, W, H, 0.7f, NETS_VALLEY_DEPTH, 16, 6, part);
  CHECK(n == 1 && part[12 * W + 11] == 1 && part[12 * W + 45] == 1, "a 12-pixel seed: %d parts", n);
  /* a large covering (looked at on a coarser grid): two lobes, the valley
   * between them at x = 350; each box ends near it */
  enum { BW = 700, BH = 300 };
  float *big = malloc(sizeof(float) * BW * BH);
  CHECK(big != NULL, "out of memory");
  if (!big) return;
  for (int y = 0; y < BH; y++)
    for (int x = 0; x < BW; x++) {
      const double a = ((x - 175) * (x - 175) + (y - 150) * (y - 150)) / (200.0 * 200.0);
      const double b = ((x - 525) * (x - 525) + (y - 150) * (y - 150)) / (200.0 * 200.0);
      big[y * BW + x] = (float)(0.95 * exp(-(a < b ? a : b)));
    }
  nets_det_box bb[4];
  n = nets_detector_boxes(big, BW, BH, 0.45f, 0.7f, 40, bb, 4, NULL);
  const int left = n == 2 ? (bb[0].x < bb[1].x ? 0 : 1) : 0;
  CHECK(n == 2 && abs(bb[left].x + bb[left].w - 350) <= 4 && abs(bb[1 - left].x - 350) <= 4,
        "a large covering with a valley: %d boxes", n);
  free(big);
}

static void test_ap(void) {
  /* two images; three ground-truth boxes; detections: a perfect hit, a
   * slightly shifted hit, a false positive and a miss. */
  metric_box gt[3] = {{0, 0, 10, 10, 1, 0}, {20, 20, 10, 10, 1, 0}, {5, 5, 8, 8, 1, 1}};
  metric_box det[3] = {{0, 0, 10, 10, 0.9f, 0}, {21, 20, 10, 10, 0.8f, 0}, {50, 50, 5, 5, 0.95f, 1}};
  double ap, ap50, ar10;
  metric_box_ap(det, 3, gt, 3, 2, &ap, &ap50, &ar10);
  /* at IoU 0.5: ranking FP(0.95), TP, TP -> precision at recall 2/3 is 2/3,
   * nothing beyond: AP = (67 recall points up to 0.66) ... computed by hand: */
  double iou = metric_box_iou(&det[1], &gt[1]);
  CHECK(fabs(iou - 90.0 / 110.0) < 1e-6, "IoU %g", iou);
  /* 101-point AP50: recall points 0..0.66 (67 points) have precision 2/3 */
  CHECK(fabs(ap50 - 67.0 * (2.0 / 3.0) / 101.0) < 1e-6, "AP50 %g", ap50);
  /* the shifted box (IoU 0.818) counts up to threshold 0.80, i.e. 7 of 10 thresholds */
  double expect = (7 * ap50 + 3 * (34.0 * 0.5 / 101.0)) / 10.0;
  CHECK(fabs(ap - expect) < 1e-6, "AP %g, expected %g", ap, expect);
  CHECK(fabs(ar10 - (7 * (2.0 / 3) + 3 * (1.0 / 3)) / 10.0) < 1e-6, "AR10 %g", ar10);
  printf("box metrics: IoU %.3f, AP50 %.4f, AP %.4f, AR10 %.4f\n", iou, ap50, ap, ar10);

  double mse, mae;
  float a[12] = {0}, b2[12] = {0}, region[4] = {1, 0, 0, 0};
  b2[0] = 0.5f;
  metric_errors(a, b2, 2, 2, NULL, &mse, &mae);
  CHECK(fabs(mse - 0.25 / 12) < 1e-9 && fabs(mae - 255 * 0.5 / 12) < 1e-6, "errors %g %g", mse, mae);
  metric_errors(a, b2, 2, 2, region, &mse, &mae);
  CHECK(fabs(mse - 0.25 / 3) < 1e-9, "region mse %g", mse);
  CHECK(fabs(metric_psnr_from_mse(0.01) - 20.0) < 1e-9, "psnr");
  float img[16 * 16 * 3];
  for (int i = 0; i < 16 * 16 * 3; i++) img[i] = (float)((i * 37) % 101) / 100.f;
  CHECK(fabs(metric_ssim(img, img, 16, 16, NULL) - 1.0) < 1e-9, "SSIM of identical images");
  float noisy[16 * 16 * 3];
  for (int i = 0; i < 16 * 16 * 3; i++) noisy[i] = img[i] * 0.5f + 0.25f;
  double s = metric_ssim(img, noisy, 16, 16, NULL);
  CHECK(s < 0.99 && s > 0.0, "SSIM of a contrast-halved image %g", s);
  /* detail: a ramp of slope 0.01 per pixel along x has gradient 0.01; a
   * flat image none; halving the contrast halves it */
  float ramp[8 * 8 * 3], flat[8 * 8 * 3];
  for (int i = 0; i < 8 * 8; i++)
    for (int c = 0; c < 3; c++) ramp[i * 3 + c] = 0.01f * (float)(i % 8), flat[i * 3 + c] = 0.5f;
  CHECK(fabs(metric_detail(ramp, 8, 8, NULL) - 0.01) < 1e-6, "detail of a ramp %g",
        metric_detail(ramp, 8, 8, NULL));
  CHECK(metric_detail(flat, 8, 8, NULL) == 0.0, "detail of a flat image");
  const double d_img = metric_detail(img, 16, 16, NULL), d_half = metric_detail(noisy, 16, 16, NULL);
  CHECK(d_img > 0.01 && fabs(d_img - 2 * d_half) < 1e-5 * d_img, "detail %g of a contrast-halved image %g",
        d_half, d_img);
  float only[8 * 8] = {0};
  only[3 * 8 + 3] = 1;
  flat[(3 * 8 + 4) * 3] = flat[(3 * 8 + 4) * 3 + 1] = flat[(3 * 8 + 4) * 3 + 2] = 1.0f;
  CHECK(fabs(metric_detail(flat, 8, 8, only) - 0.25) < 1e-6, "detail in a region %g",
        metric_detail(flat, 8, 8, only));
}

/* Ground truth left out of a score: its detections are neither hits nor
 * mistakes, and it is no miss. */
static void test_ignored(void) {
  const metric_box gt[2] = {{0, 0, 20, 20, 1, 0}, {50, 50, 20, 20, 1, 0}}; /* kept, ignored */
  const unsigned char ignore[2] = {0, 1};
  const metric_box det[6] = {
      {0, 0, 20, 20, 0.9f, 0},   /* on the kept box: a hit */
      {50, 50, 20, 20, 0.8f, 0}, /* on the ignored box: left out */
      {55, 55, 6, 6, 0.7f, 0},   /* small, inside the ignored box (IoU 0.09): left out */
      {100, 0, 20, 20, 0.6f, 0}, /* on nothing: a mistake */
      {50, 50, 20, 20, 0.5f, 1}, /* where the ignored box is, in another picture: a mistake */
      {40, 50, 20, 20, 0.4f, 0}, /* half inside the ignored box: left out */
  };
  CHECK(fabs(metric_box_inside(&gt[1], &det[2]) - 1.0) < 1e-9 && fabs(metric_box_inside(&gt[1], &det[5]) - 0.5) < 1e-9 &&
            metric_box_inside(&gt[1], &det[3]) == 0,
        "share inside");
  metric_box kd[6], kg[2];
  int nd = -1, ng = -1;
  metric_drop_ignored(det, 6, gt, ignore, 2, kd, &nd, kg, &ng);
  CHECK(ng == 1 && kg[0].x == 0, "kept ground truth: %d", ng);
  CHECK(nd == 3 && kd[0].score == 0.9f && kd[1].score == 0.6f && kd[2].score == 0.5f, "kept detections: %d", nd);
  double ap, ap50, ar10;
  metric_box_ap(kd, nd, kg, ng, 2, &ap, &ap50, &ar10);
  CHECK(fabs(ap50 - 1.0) < 1e-9, "the hit ranks first: AP50 %g", ap50);
  /* with no detection on it, the box left out would be a miss, and the
   * detections beside it mistakes */
  const metric_box rest[5] = {det[0], det[2], det[3], det[4], det[5]};
  metric_box_ap(rest, 5, gt, 2, 2, &ap, &ap50, &ar10);
  CHECK(ap50 < 0.51, "all kept: AP50 %g", ap50);
  metric_drop_ignored(rest, 5, gt, ignore, 2, kd, &nd, kg, &ng);
  metric_box_ap(kd, nd, kg, ng, 2, &ap, &ap50, &ar10);
  CHECK(nd == 3 && fabs(ap50 - 1.0) < 1e-9, "left out: %d detections, AP50 %g", nd, ap50);
}

/* metric_inside_rect against a search of every rectangle: on a crop whose
 * photo ends in a tilted edge (a face crop turned past the photo's corner)
 * and on random masks */
static long brute_rect(const float *v, int s) {
  long best = 0;
  for (int y0 = 0; y0 < s; y0++)
    for (int x0 = 0; x0 < s; x0++)
      for (int y1 = y0 + 1; y1 <= s; y1++)
        for (int x1 = x0 + 1; x1 <= s; x1++) {
          int ok = 1;
          for (int y = y0; ok && y < y1; y++)
            for (int x = x0; ok && x < x1; x++) ok = v[y * s + x] >= 0.5f;
          if (ok && (long)(x1 - x0) * (y1 - y0) > best) best = (long)(x1 - x0) * (y1 - y0);
        }
  return best;
}

static void test_inside_rect(void) {
  enum { S = 12 };
  float v[S * S];
  int x0, y0, x1, y1, bad = 0;
  for (int y = 0; y < S; y++) /* inside the photo: above the line x + 2y = 20 */
    for (int x = 0; x < S; x++) v[y * S + x] = x + 2 * y < 20 ? 1.f : 0.f;
  long n_valid = 0;
  for (int i = 0; i < S * S; i++) n_valid += v[i] >= 0.5f;
  long left = metric_inside_rect(v, S, &x0, &y0, &x1, &y1);
  long area = (long)(x1 - x0) * (y1 - y0);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) bad += v[y * S + x] < 0.5f;
  CHECK(!bad && area == brute_rect(v, S) && left == n_valid - area,
        "tilted edge: rectangle %d,%d-%d,%d (%ld px, best %ld), %d outside, %ld left", x0, y0, x1, y1, area,
        brute_rect(v, S), bad, left);
  unsigned r = 12345;
  int wrong = 0;
  for (int t = 0; t < 200; t++) {
    const int s = 3 + t % 6;
    for (int i = 0; i < s * s; i++) {
      r = r * 1103515245u + 12345u;
      v[i] = (r >> 16) % 4 ? 1.f : 0.f;
    }
    metric_inside_rect(v, s, &x0, &y0, &x1, &y1);
    int out = 0;
    for (int y = y0; y < y1; y++)
      for (int x = x0; x < x1; x++) out += v[y * s + x] < 0.5f;
    const long best = brute_rect(v, s);
    wrong += best ? out || (long)(x1 - x0) * (y1 - y0) != best : !(x0 == 0 && y0 == 0 && x1 == s && y1 == s);
  }
  CHECK(wrong == 0, "largest inside rectangle wrong on %d of 200 random masks", wrong);
  for (int i = 0; i < S * S; i++) v[i] = 0;
  int z0, w0, z1, w1;
  metric_inside_rect(v, S, &z0, &w0, &z1, &w1);
  CHECK(z0 == 0 && w0 == 0 && z1 == S && w1 == S, "no valid pixel: the whole crop expected");
  printf("inside rectangle: %ld px of the tilted crop's %ld, 200 random masks checked\n", area, n_valid);
}

int main(void) {
  test_boxes();
  test_split();
  test_split_valleys();
  test_ap();
  test_ignored();
  test_inside_rect();
  return check_report("test-boxes");
}
