/* Evaluation metrics: PSNR, SSIM (optionally restricted to a region), and
 * COCO-style box AP / AR. */
#ifndef TRAIN_METRICS_H
#define TRAIN_METRICS_H

#include <stddef.h>

/* Images are HWC RGB in [0,1].  region (w*h, may be NULL = whole image):
 * only pixels with region > 0.5 count.  Returns the mean squared error
 * (0..1 scale) and the mean absolute error (0..255 scale) over the region. */
void metric_errors(const float *a, const float *b, int w, int h, const float *region, double *mse,
                   double *mae255);
double metric_psnr_from_mse(double mse);
/* Mean SSIM (Gaussian window sigma 1.5, radius 5, on each channel) over the
 * region (NULL = all pixels). */
double metric_ssim(const float *a, const float *b, int w, int h, const float *region);
/* Mean gradient magnitude of the luminance (central differences, 0..1
 * scale) over the region's pixels (NULL = all) not on the image's border: a
 * measure of fine detail, low for a blurred image. */
double metric_detail(const float *img, int w, int h, const float *region);

typedef struct {
  float x, y, w, h, score;
  int image;
} metric_box;

/* COCO-style: AP averaged over IoU 0.50:0.05:0.95 (101-point interpolation),
 * AP at IoU 0.5, and AR with at most 10 detections per image. */
void metric_box_ap(const metric_box *dets, int n_dets, const metric_box *gts, int n_gts,
                   int n_images, double *ap, double *ap50, double *ar10);
double metric_box_iou(const metric_box *a, const metric_box *b);
/* The share of box b's area that lies inside box a (0 when b is empty). */
double metric_box_inside(const metric_box *a, const metric_box *b);
/* For a score that leaves some ground truth out (ignore[g] != 0), as COCO
 * does with crowd boxes and CityPersons with people mostly hidden: copies
 * the other ground-truth boxes to kept_gts, and the detections to kept_dets
 * except those that match no kept box of their picture at IoU 0.5 and lie at
 * least half inside an ignored one (they are neither hits nor mistakes).
 * kept_dets and kept_gts hold n_dets and n_gts boxes; the counts kept are
 * returned in *n_kept_dets and *n_kept_gts. */
void metric_drop_ignored(const metric_box *dets, int n_dets, const metric_box *gts,
                         const unsigned char *ignore, int n_gts, metric_box *kept_dets,
                         int *n_kept_dets, metric_box *kept_gts, int *n_kept_gts);

/* The largest upright rectangle [x0,x1) x [y0,y1) of an s x s crop whose
 * pixels all came from inside its photo (valid >= 0.5; the first one found
 * when several are as large), or the whole crop when none did.  Returns the
 * number of valid pixels it leaves out. */
long metric_inside_rect(const float *valid, int s, int *x0, int *y0, int *x1, int *y1);

#endif
