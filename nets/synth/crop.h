/* The square face crop fed to the inpainter, placed from the bounding box of
 * the hole.  ONE rule shared by training (synth) and inference (pipeline).
 *
 * Rule (bx, by = top-left corner, bw, bh = size of the hole box, pixels):
 *   side = max(1.35 * bw, 1.75 * bh)
 *   cx   = bx + bw / 2
 *   bottom of the crop = by + bh + 0.10 * side   (hole ends 10% above it)
 *   cy   = bottom - side / 2
 * On a typical face the mask runs from the nose bridge to below the chin and
 * across the jaw, so the crop's top then sits at or above the brows: the eyes
 * and brows are inside, with some margin at the sides.  The crop may extend
 * outside the image; readers clamp to the edge pixels. */
#ifndef UNMASK_CROP_H
#define UNMASK_CROP_H

#define UNMASK_CROP_SIDE_PER_W 1.35
#define UNMASK_CROP_SIDE_PER_H 1.75
#define UNMASK_CROP_BOTTOM_MARGIN 0.10

void unmask_crop_from_hole_box(double bx, double by, double bw, double bh, double *cx, double *cy,
                               double *side);

/* Reads the square crop (centre cx, cy, side `side`, source pixels) of an
 * interleaved float image with `channels` channels into out (size x size x
 * channels), area-averaging when shrinking, clamping at the image edges. */
void unmask_crop_read(const float *src, int w, int h, int channels, double cx, double cy,
                      double side, int size, float *out);

/* The pixels of that size x size crop whose centres lie inside the w x h
 * image: columns [*x0, *x1) and rows [*y0, *y1) (an empty range when the
 * crop misses the image). */
void unmask_crop_inside(int w, int h, double cx, double cy, double side, int size, int *x0, int *y0,
                        int *x1, int *y1);

#endif
