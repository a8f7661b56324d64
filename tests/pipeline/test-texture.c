/* Skin texture for large fills (texture.c): detail copied from the source
 * skin, only where it is wanted, weaker where the fill is no skin, and none
 * when too little skin shows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "texture.h"

enum { W = 160, H = 120 };

/* skin on the left (x < 80): vertical stripes of +-amp around 0.6; the
 * fill on the right: x in [100, 150), y in [20, 100), of brightness fill */
static void scene(float *luma, unsigned char *src, float *target, unsigned char *dst, float amp,
                  float fill) {
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      const size_t i = (size_t)y * W + x;
      src[i] = x < 80;
      luma[i] = x < 80 ? 0.6f + amp * ((x / 2) % 2 ? 1.0f : -1.0f) : 0.6f;
      dst[i] = x >= 100 && x < 150 && y >= 20 && y < 100;
      target[i] = dst[i] ? fill : 0.6f;
    }
}

static double rms_in(const float *d, const unsigned char *m) {
  double s = 0;
  long n = 0;
  for (size_t i = 0; i < (size_t)W * H; i++)
    if (m[i]) s += (double)d[i] * d[i], n++;
  return n ? sqrt(s / n) : 0;
}

int main(void) {
  float *luma = malloc(sizeof(float) * W * H), *target = malloc(sizeof(float) * W * H);
  float *d = malloc(sizeof(float) * W * H), *d2 = malloc(sizeof(float) * W * H);
  unsigned char *src = malloc(W * H), *dst = malloc(W * H);

  /* the stripes' detail lands in the fill, striped the same way */
  const float amp = 0.04f;
  scene(luma, src, target, dst, amp, 0.6f);
  CHECK(unmask_texture_detail(luma, src, target, dst, W, H, 2, 7, d) == 1, "not done");
  long outside = 0;
  for (size_t i = 0; i < (size_t)W * H; i++) outside += !dst[i] && d[i] != 0.0f;
  CHECK(outside == 0, "%ld pixels changed outside the fill", outside);
  const double rms = rms_in(d, dst);
  CHECK(rms > 0.5 * amp && rms < 1.5 * amp, "detail rms %.4f for stripes of %.3f", rms, amp);
  double along = 0, across = 0;
  for (int y = 20; y + 1 < 100; y++)
    for (int x = 100; x + 1 < 150; x++) {
      along += fabsf(d[(size_t)(y + 1) * W + x] - d[(size_t)y * W + x]);
      across += fabsf(d[(size_t)y * W + x + 1] - d[(size_t)y * W + x]);
    }
  CHECK(along < 0.4 * across, "not striped (noise gives about equal): change along the stripes %.3f, across %.3f", along, across);

  /* the same seed, the same detail */
  CHECK(unmask_texture_detail(luma, src, target, dst, W, H, 2, 7, d2) == 1, "not done twice");
  CHECK(memcmp(d, d2, sizeof(float) * W * H) == 0, "not deterministic");

  /* a fill far brighter than the skin (a white collar) gets almost none */
  scene(luma, src, target, dst, amp, 0.95f);
  CHECK(unmask_texture_detail(luma, src, target, dst, W, H, 2, 7, d) == 1, "not done (bright)");
  CHECK(rms_in(d, dst) < 0.1 * rms, "bright fill got rms %.4f (skin-bright %.4f)", rms_in(d, dst), rms);

  /* too little skin: no detail at all (forehead pixels are marked 2, and
   * count once each) */
  scene(luma, src, target, dst, amp, 0.6f);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) src[(size_t)y * W + x] = x < 15 && y < 15 ? 2 : 0;
  CHECK(unmask_texture_detail(luma, src, target, dst, W, H, 2, 7, d) == 0, "done from 15x15 px of skin");
  for (int y = 0; y < H; y++) /* every other pixel: no patch is all skin */
    for (int x = 0; x < W; x++) src[(size_t)y * W + x] = x < 80 && (x + y) % 2 ? 2 : 0;
  CHECK(unmask_texture_detail(luma, src, target, dst, W, H, 2, 7, d) == 0, "done from every other pixel");
  long nonzero = 0;
  for (size_t i = 0; i < (size_t)W * H; i++) nonzero += d[i] != 0.0f;
  CHECK(nonzero == 0, "%ld pixels of detail without skin", nonzero);

  /* the skin's colour: forehead pixels of another colour (hair) are left out */
  float px[200 * 3];
  unsigned char kind[200];
  for (int i = 0; i < 200; i++) {
    const int hair = i >= 150;
    kind[i] = i < 100 ? 1 : 2;
    px[3 * i] = hair ? 0.3f : 0.62f, px[3 * i + 1] = hair ? 0.2f : 0.41f, px[3 * i + 2] = hair ? 0.1f : 0.33f;
  }
  unmask_texture_keep_colour(px, 3, kind, 200);
  int kept_face = 0, kept_forehead = 0, kept_hair = 0;
  for (int i = 0; i < 200; i++) {
    kept_face += i < 100 && kind[i] == 1;
    kept_forehead += i >= 100 && i < 150 && kind[i] == 2;
    kept_hair += i >= 150 && kind[i] != 0;
  }
  CHECK(kept_face == 100 && kept_forehead == 50 && kept_hair == 0,
        "kept %d of 100 face, %d of 50 forehead skin and %d of 50 hair pixels", kept_face, kept_forehead,
        kept_hair);

  free(luma), free(target), free(d), free(d2), free(src), free(dst);
  return CHECK_DONE();
}
