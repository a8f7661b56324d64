/* A second look at candidate coverings.  The first look sees the whole
 * picture, where a cup's rim or a logo can pass for a mask.  The second
 * look runs the detector again on the crop the inpainter would get for the
 * candidate (crop.h): framed like a face, where a mask without eyes above
 * it is not a mask. */
#ifndef UNMASK_VERIFY_H
#define UNMASK_VERIFY_H

#include "models.h"

/* Side of the second look's crop, in pixels. */
#define UNMASK_VERIFY_SIZE 128

/* The second look's bar for a sensitivity in (0,1): 0.3 at 0.5, lower for
 * higher sensitivities. */
float unmask_verify_min(double sensitivity);

/* rgb: w x h x 3 (HWC, [0,1]); labels: the component map from
 * nets_detector_boxes.  Each box gets, in its second look, the mean
 * probability of its own pixels; boxes below min_p are dropped (and their
 * labels cleared), the rest keep their order.  size 0 checks nothing.
 * Returns the number of boxes kept, or a negative nets error code. */
int unmask_verify_boxes(nets_detector *d, const float *rgb, int w, int h, int *labels,
                        nets_det_box *boxes, int n, int size, float min_p, nets_error *err);

#endif
