#include "direct.h"

#include <string.h>

#include "parallel.h"

/* What a kernel needs: the reordered weights wt[ky][kx][ci][cop] and bias
 * b[cop], cop being cout rounded up to the kernel's block of channels (the
 * padding is zero and never stored). */
typedef struct {
  const float *x, *wt, *b;
  float *y;
  int cin, cout, cop, h, w, oh, ow, k, stride, pad, dil;
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

static int padded_cout(const nets_conv_shape *s, int block) {
  return (s->cout + block - 1) / block * block;
}

size_t nets_direct_workspace(const nets_conv_shape *s) {
  const int cop = padded_cout(s, 16); /* the larger block: enough for both */
  return ((size_t)s->k * s->k * s->cin + 1) * cop;
}

void nets_direct_forward(nets_direct_isa isa, const nets_conv_shape *s, const float *x, int h,
                         int w, const float *wt, const float *b, float *y, float *ws) {
  const int k = s->k, cin = s->cin, cout = s->cout, cop = padded_cout(s, block_of(isa));
  const size_t nw = (size_t)k * k * cin * cop;
  float *wr = ws, *br = ws + nw;
  memset(ws, 0, sizeof(float) * (nw + cop));
  for (int o = 0; o < cout; o++) {
    br[o] = b ? b[o] : 0.f;
    for (int c = 0; c < cin; c++)
      for (int t = 0; t < k * k; t++) wr[((size_t)t * cin + c) * cop + o] = wt[((size_t)o * cin + c) * k * k + t];
  }
  direct_job j = {x, wr, br, y, cin, cout, cop, h, w,
                  nets_conv_out_size(h, k, s->stride, s->pad, s->dil),
                  nets_conv_out_size(w, k, s->stride, s->pad, s->dil), k, s->stride, s->pad, s->dil};
  nets_parallel_for(j.oh, isa == NETS_DIRECT_AVX512 ? rows_avx512 : rows_avx2, &j);
}
