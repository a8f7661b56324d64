/* Hole shaping for the pipeline: distance transform, grow (dilation) and
 * feather of a binary covering, and small helpers on binary masks. */
#ifndef UNMASK_HOLE_H
#define UNMASK_HOLE_H

/* Exact Euclidean distance (in pixels, between pixel centres) from every
 * pixel to the nearest pixel with mask != 0; pixels of the mask get 0.
 * When the mask is empty every distance is a large value (>= 1e10).
 * Returns 0, or NETS_ERR_NOMEM. */
int unmask_hole_distance(const unsigned char *mask, int w, int h, float *dist);

/* Blend alpha from a binary covering: 1 where the distance to the covering is
 * <= grow, then a smooth ramp falling to 0 at grow + feather; exactly 0
 * beyond.  grow = feather = 0 gives the covering itself.
 * Returns 0, or NETS_ERR_NOMEM. */
int unmask_hole_grow_feather(const unsigned char *mask, int w, int h, double grow,
                             double feather, float *alpha);

/* The alpha of unmask_hole_grow_feather() for a pixel at distance d. */
float unmask_hole_ramp(float d, double grow, double feather);

/* Dilate a binary mask in place by r pixels (3x3 steps: r steps of the
 * 8-neighbourhood).  Returns 0, or NETS_ERR_NOMEM. */
int unmask_hole_dilate(unsigned char *mask, int w, int h, int r);

/* Opening of a binary mask in place: erode by r pixels (3x3 steps), then
 * dilate back.  Parts narrower than 2r + 1 pixels vanish; wider ones keep
 * their shape.  Returns 0, or NETS_ERR_NOMEM. */
int unmask_hole_open(unsigned char *mask, int w, int h, int r);

/* The mark unmask_hole_grow_like() gives the straps it traces past the
 * covering's reach (the rest of what it adds is marked 1). */
enum { UNMASK_HOLE_STRAP = 2 };

/* Grow a covering (mask: w*h, 1 = covering; grown in place) over the thin
 * parts next to it that have its colours rather than its surroundings':
 * ear loops, straps, and the rim its edge may leave (hole-colour.c).
 * rgba: the w*h RGBA pixels; size: the covering's larger side in pixels.
 * Additions stay within about 20% of size of the covering, and wide ones
 * (a wall or a shirt of the mask's colour) are dropped.  Beyond that, long
 * thin lines that stand out from both their sides (ear loops) are followed
 * up to 90% of size away: above the covering's centre where they have the
 * covering's colours, and at any height where hint (the detector's
 * probability at each pixel, or NULL) reaches 0.4; those are marked
 * UNMASK_HOLE_STRAP.
 * Returns the number of pixels added, or NETS_ERR_NOMEM. */
long unmask_hole_grow_like(const float *rgba, const float *hint, int w, int h, double size, unsigned char *mask);

/* The box (inclusive) and the number of the nonzero pixels of a w*h mask;
 * 0 (and an empty box: *x1 = *y1 = -1) when there are none. */
long unmask_hole_box(const unsigned char *m, int w, int h, int *x0, int *y0, int *x1, int *y1);

/* The same for the nonzero pixels that are not marked skip (skip 0: all of
 * them, as unmask_hole_box). */
long unmask_hole_box_but(const unsigned char *m, int w, int h, unsigned char skip, int *x0, int *y0, int *x1,
                         int *y1);

/* The body of a covering (mask: w*h) whose larger side is size pixels:
 * what an opening by a disc of 7% of size keeps, and the covering's pixels
 * within 3% of size + 2 px of that (the mask's own edge).  The rest of the
 * covering is its thin parts: ear loops and straps, as the detector's
 * coarse map draws them.  body: w*h.  Returns 0, or NETS_ERR_NOMEM. */
int unmask_hole_body(const unsigned char *mask, int w, int h, double size, unsigned char *body);

/* The box of a covering's body, as the training data (synth) places the
 * crop's hole box: thin parts such as ear loops and straps dropped by an
 * erosion by r = max(1, round(box_h / 34)) (synth erodes by 1 px with the
 * eyes 24 px apart, where a mask is about 34 px tall), the box of what is
 * left widened back by r, within the covering's box.  mask: w*h, 1 =
 * covering (nothing past its edges counts as covering); box_h: the height
 * of the covering's box.  Returns 1 with the box in *x0, *y0 (inclusive)
 * and *x1, *y1 (exclusive), 0 when nothing survives the erosion, or
 * NETS_ERR_NOMEM. */
int unmask_hole_body_box(const unsigned char *mask, int w, int h, int box_h, int *x0, int *y0, int *x1,
                         int *y1);

/* How far (pixels) around a covering of that size unmask_hole_grow_like()
 * looks: the margin its rgba and mask need. */
double unmask_hole_grow_like_reach(double size);

/* Bounding box and size of one connected component. */
typedef struct {
  int x0, y0, x1, y1; /* inclusive */
  long area;
} unmask_hole_component;

/* 8-connected components of mask != 0.  labels (w*h) receives 1-based ids,
 * 0 for background.  At most max_comps components are described in comps;
 * the return value is the total number found (may exceed max_comps: then
 * the labels above max_comps are still written but not described), or
 * NETS_ERR_NOMEM. */
int unmask_hole_components(const unsigned char *mask, int w, int h, int *labels,
                           unmask_hole_component *comps, int max_comps);

#endif
