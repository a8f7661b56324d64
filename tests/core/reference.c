#include "reference.h"

void ref_conv2d(const nets_conv_shape *s, const float *x, int n, int h, int w, const float *wt,
                const float *b, float *y) {
  const int oh = nets_conv_out_size(h, s->k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, s->k, s->stride, s->pad, s->dil);
  for (int i = 0; i < n; i++)
    for (int o = 0; o < s->cout; o++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
          double acc = b ? b[o] : 0.0;
          for (int c = 0; c < s->cin; c++)
            for (int ky = 0; ky < s->k; ky++)
              for (int kx = 0; kx < s->k; kx++) {
                int iy = oy * s->stride - s->pad + ky * s->dil;
                int ix = ox * s->stride - s->pad + kx * s->dil;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += (double)x[((i * s->cin + c) * h + iy) * w + ix] *
                       wt[((o * s->cin + c) * s->k + ky) * s->k + kx];
              }
          y[((i * s->cout + o) * oh + oy) * ow + ox] = (float)acc;
        }
}

void ref_conv2d_backward_data(const nets_conv_shape *s, const float *dy, int h, int w,
                              const float *wt, float *dx) {
  const int k = s->k, oh = nets_conv_out_size(h, k, 1, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, k, 1, s->pad, s->dil);
  for (int o = 0; o < s->cout; o++)
    for (int c = 0; c < s->cin; c++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
              const int iy = oy - s->pad + ky * s->dil, ix = ox - s->pad + kx * s->dil;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                dx[((size_t)c * h + iy) * w + ix] +=
                    wt[((size_t)o * s->cin + c) * k * k + ky * k + kx] * dy[((size_t)o * oh + oy) * ow + ox];
            }
}
