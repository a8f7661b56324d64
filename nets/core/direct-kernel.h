/* The body of one direct-convolution kernel; direct.c includes it once per
 * instruction set, with
 *   KERNEL  the function's name,     TARGET  its gcc target string,
 *   VT, VTU the vector type (VW floats) and its unaligned alias,
 *   VI      an int vector of VW lanes, VW its width,
 *   CO      output channels per block (the sums held in registers).
 * One call computes output rows r0..r1-1 of every channel (added to what
 * they hold when the job accumulates). */

__attribute__((target(TARGET))) static void KERNEL(void *ctx, int r0, int r1) {
  const direct_job *j = ctx;
  const int h = j->h, w = j->w, ow = j->ow, k = j->k, st = j->stride, pad = j->pad, dil = j->dil;
  const int cin = j->cin, cout = j->cout, cop = j->cop;
  VI even;
  for (int i = 0; i < VW; i++) even[i] = 2 * i;
  for (int oy = r0; oy < r1; oy++)
    for (int co0 = 0; co0 < cout; co0 += CO)
      for (int ox0 = 0; ox0 < ow; ox0 += VW) {
        const int n_px = ow - ox0 < VW ? ow - ox0 : VW;
        const int n_co = cout - co0 < CO ? cout - co0 : CO;
        VT acc[CO];
        for (int c = 0; c < CO; c++) {
          acc[c] = (VT){0} + j->b[co0 + c];
          if (j->accumulate && c < n_co) {
            const float *yo = j->y + ((size_t)(co0 + c) * j->oh + oy) * ow + ox0;
            if (n_px == VW)
              acc[c] += *(const VTU *)yo;
            else
              for (int i = 0; i < n_px; i++) acc[c][i] += yo[i];
          }
        }
        for (int ky = 0; ky < k; ky++) {
          const int iy = oy * st - pad + ky * dil;
          if (iy < 0 || iy >= h) continue;
          const float *xrow = j->x + (size_t)iy * w;
          for (int kx = 0; kx < k; kx++) {
            const int ix0 = ox0 * st - pad + kx * dil;
            const float *wp = j->wt + (size_t)(ky * k + kx) * cin * cop + co0;
            /* whole vectors inside the row: load; else gather with zeros */
            const int inside = ix0 >= 0 && ix0 + st * VW - 1 < w;
            for (int ci = 0; ci < cin; ci++, wp += cop) {
              const float *xr = xrow + (size_t)ci * h * w + ix0;
              VT in;
              if (inside && st == 1) {
                in = *(const VTU *)xr;
              } else if (inside) {
                in = __builtin_shuffle(*(const VTU *)xr, *(const VTU *)(xr + VW), even);
              } else {
                for (int i = 0; i < VW; i++) {
                  const int ix = ix0 + i * st;
                  in[i] = ix >= 0 && ix < w ? xr[i * st] : 0.f;
                }
              }
#pragma GCC unroll 16
              for (int c = 0; c < CO; c++) acc[c] += wp[c] * in;
            }
          }
        }
        for (int c = 0; c < n_co; c++) {
          float *yo = j->y + ((size_t)(co0 + c) * j->oh + oy) * ow + ox0;
          if (n_px == VW)
            *(VTU *)yo = acc[c];
          else
            for (int i = 0; i < n_px; i++) yo[i] = acc[c][i];
        }
      }
}
