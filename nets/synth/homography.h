/* Plane homographies fitted to point correspondences (DLT, least squares). */
#ifndef UNMASK_HOMOGRAPHY_H
#define UNMASK_HOMOGRAPHY_H

/* Fits H (3x3, row-major, H[8] = 1 when possible) with dst ~ H * src from n >= 4
 * pairs (src[2i], src[2i+1]) -> (dst[2i], dst[2i+1]), minimising the algebraic
 * error after Hartley normalisation.  Returns 0, or -1 if degenerate. */
int unmask_homography_fit(const double *src, const double *dst, int n, double H[9]);
/* Inverse of a 3x3 matrix; returns -1 if singular. */
int unmask_mat3_inverse(const double M[9], double out[9]);
/* Apply H to (x, y); returns 0, or -1 if the point maps to infinity. */
int unmask_homography_apply(const double H[9], double x, double y, double *ox, double *oy);

#endif
