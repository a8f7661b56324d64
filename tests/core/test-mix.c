/* nets_inpainter_mix: the coarse result plus a share of the refinement's
 * correction, smoothed.  A 2-px checkerboard in the correction (the grid the
 * refinement draws) goes; a ramp (a shape: a lip's edge) stays. */
#include <stdlib.h>

#include "../../nets/models/models.h"
#include "check.h"

int main(void) {
  const int s = NETS_INPAINT_SIZE;
  const size_t n = (size_t)3 * s * s;
  float *coarse = malloc(sizeof(float) * n), *refined = malloc(sizeof(float) * n);
  float *out = malloc(sizeof(float) * n);
  CHECK(coarse && refined && out, "alloc");
  if (!coarse || !refined || !out) return check_report("test-mix");
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      for (int c = 0; c < 3; c++) {
        const size_t i = ((size_t)y * s + x) * 3 + c;
        coarse[i] = 0.2f + 0.1f * c;
        refined[i] = coarse[i] + 0.001f * x + ((x + y) % 2 ? 0.1f : -0.1f);
      }
  double whole = 0, half = 0;
  size_t inner = 0;
  nets_inpainter_mix(coarse, refined, 1.0f, out);
  for (int y = 1; y < s - 1; y++)
    for (int x = 1; x < s - 1; x++, inner++) {
      const size_t i = ((size_t)y * s + x) * 3 + 1;
      whole += fabs(out[i] - (coarse[i] + 0.001f * x));
    }
  CHECK(whole / inner < 1e-5, "detail 1: the checkerboard is left: mean error %g from coarse + ramp",
        whole / inner);
  /* detail 0.5 paints half the smoothed correction; the same with out = refined */
  nets_inpainter_mix(coarse, refined, 0.5f, refined);
  for (int y = 1; y < s - 1; y++)
    for (int x = 1; x < s - 1; x++) {
      const size_t i = ((size_t)y * s + x) * 3 + 2;
      half += fabs(refined[i] - (coarse[i] + 0.0005f * x));
    }
  CHECK(half / inner < 1e-5, "detail 0.5 (out = refined): mean error %g", half / inner);
  /* 0 is the coarse result; values past 1 count as 1 */
  nets_inpainter_mix(coarse, out, 0.0f, out);
  double zero = 0;
  for (size_t i = 0; i < n; i++) zero += fabs(out[i] - coarse[i]);
  CHECK(zero == 0, "detail 0 is not the coarse result (%g)", zero);
  for (size_t i = 0; i < n; i++) refined[i] = coarse[i] + 0.05f;
  nets_inpainter_mix(coarse, refined, 3.0f, out);
  double over = 0;
  for (size_t i = 0; i < n; i++) over += fabs(out[i] - refined[i]);
  CHECK(over / n < 1e-6, "detail 3 is not clamped to 1 (a flat correction stays whole): %g", over / n);
  free(coarse), free(refined), free(out);
  return check_report("test-mix");
}
