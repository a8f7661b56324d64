#include "direct.h"

#include <string.h>

#include "parallel.h"

/* What a kernel needs: the reordered weights wt[ky][kx][ci][cop] and bias
 * b[cop], cop being cout rounded up to the kernel's block of channels (the
 * padding is zero and never stored). */
typedef struct {
  const float *x, *wt, *b;
  float *y;
  int cin, cout, cop, h, w, oh, ow, k, stride, pad, dil, accumulate;
} direct_job;

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef int v16i __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef int v8i __attribute__((vector_size(32)));

#define KERNEL rows_avx512
#define TARGET "avx512f"
#define VT v16
#define VTU v16u
#define VI v16i
#define VW 16
#define CO 16
#include "direct-kernel.h"
#undef KERNEL
#undef TARGET
#undef VT
#undef VTU
#undef VI
#undef VW
#undef CO

#define KERNEL rows_avx2
#define TARGET "avx2,fma"
#define VT v8
#define VTU v8u
#define VI v8i
#define VW 8
#define CO 8
#include "direct-kernel.h"

/* Output channels per block of each kernel. */
static int block_of(nets_direct_isa isa) { return isa == NETS_DIRECT_AVX512 ? 16 : 8; }

nets_direct_isa nets_direct_best(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return NETS_DIRECT_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NETS_DIRECT_AVX2;
  return NETS_DIRECT_NONE;
}

static int padded(int channels, int block) { return (channels + block - 1) / block * block; }

size_t nets_direct_workspace(const nets_conv_shape *s) {
  /* the larger block, and the larger channel count (backward swaps them) */
  const int c = s->cin > s->cout ? s->cin : s->cout;
  return ((size_t)s->k * s->k * c + 1) * padded(c, 16);
}

static void run(nets_direct_isa isa, direct_job *j) {
  nets_parallel_for(j->oh, isa == NETS_DIRECT_AVX512 ? rows_avx512 : rows_avx2, j);
}

void nets_direct_forward(nets_direct_isa isa, const nets_conv_shape *s, const float *x, int h,
                         int w, const float *wt, const float *b, float *y, float *ws) {
  const int k = s->k, cin = s->cin, cout = s->cout, cop = padded(cout, block_of(isa));
  const size_t nw = (size_t)k * k * cin * cop;
  float *wr = ws, *br = ws + nw;
  memset(ws, 0, sizeof(float) * (nw + cop));
  for (int o = 0; o < cout; o++) {
    br[o] = b ? b[o] : 0.f;
    for (int c = 0; c < cin; c++)
      for (int t = 0; t < k * k; t++)
        wr[((size_t)t * cin + c) * cop + o] = wt[((size_t)o * cin + c) * k * k + t];
  }
  const int oh = nets_conv_out_size(h, k, s->stride, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, k, s->stride, s->pad, s->dil);
  direct_job j = {x, wr, br, y, cin, cout, cop, h, w, oh, ow, k, s->stride, s->pad, s->dil, 0};
  run(isa, &j);
}

/* dx[ci][iy][ix] += the sum over co, ky, kx of
 *   w[co][ci][ky][kx] dy[co][iy + pad - ky dil][ix + pad - kx dil]:
 * a stride-1 convolution of dy with the weights' channels swapped and their
 * taps reversed, padded by dil (k - 1) - pad. */
void nets_direct_backward_data(nets_direct_isa isa, const nets_conv_shape *s, const float *dy,
                               int h, int w, const float *wt, float *dx, float *ws) {
  const int k = s->k, kk = k * k, cin = s->cin, cout = s->cout, cop = padded(cin, block_of(isa));
  const size_t nw = (size_t)kk * cout * cop;
  float *wr = ws, *br = ws + nw;
  memset(ws, 0, sizeof(float) * (nw + cop));
  for (int o = 0; o < cout; o++)
    for (int c = 0; c < cin; c++)
      for (int t = 0; t < kk; t++)
        wr[((size_t)(kk - 1 - t) * cout + o) * cop + c] = wt[((size_t)o * cin + c) * kk + t];
  const int oh = nets_conv_out_size(h, k, 1, s->pad, s->dil);
  const int ow = nets_conv_out_size(w, k, 1, s->pad, s->dil);
  const int tpad = s->dil * (k - 1) - s->pad;
  direct_job j = {dy, wr, br, dx, cout, cin, cop, oh, ow, h, w, k, 1, tpad, s->dil, 1};
  run(isa, &j);
}
