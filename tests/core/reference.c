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
