/* Classical baseline inpainter: harmonic (membrane) fill of a hole from its
 * border, solved coarse-to-fine so that large holes converge quickly.  Used
 * for comparisons and evaluation, and by unmask_run() when
 * unmask_params.baseline is set. */
#ifndef UNMASK_DIFFUSE_H
#define UNMASK_DIFFUSE_H

/* rgb: w*h*channels floats, interleaved, modified in place.  hole: w*h floats;
 * pixels with hole > 0 are unknown and get the harmonic interpolation of the
 * known pixels (hole == 0) around them; known pixels are left bit-identical.
 * Image borders are reflecting (zero normal derivative).  If no pixel is
 * known, rgb is left unchanged.  Allocation failure leaves rgb unchanged. */
void unmask_diffuse_fill(float *rgb, int w, int h, int channels, const float *hole);

#endif
