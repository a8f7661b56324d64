/* The picture as repainted so far (repainted.c): a reader that pastes the
 * fills of the faces repainted before over the picture, at full scale and
 * scaled down (the face crops of large faces are read scaled). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image-util.h"
#include "memio.h"
#include "pipeline-private.h"

enum { W = 64, H = 48 };

/* One job over (20, 10) 16 x 12: alpha 1 on its left half, 0.5 on its
 * right half except its last column (0); fill pure red. */
static void make_job(unmask_job *j) {
  memset(j, 0, sizeof *j);
  j->x = 20, j->y = 10, j->w = 16, j->h = 12;
  j->alpha = malloc(sizeof(float) * j->w * j->h);
  j->fill = malloc(sizeof(float) * 3 * j->w * j->h);
  for (int y = 0; y < j->h; y++)
    for (int x = 0; x < j->w; x++) {
      const size_t i = (size_t)y * j->w + x;
      j->alpha[i] = x < 8 ? 1.0f : x < 15 ? 0.5f : 0.0f;
      j->fill[i * 3] = 1.0f, j->fill[i * 3 + 1] = 0.0f, j->fill[i * 3 + 2] = 0.0f;
    }
}

static void test_reader(void) {
  nets_image *img = make_test_image(W, H, 5);
  unmask_memio mio;
  unmask_image_io base = unmask_memio_init(&mio, img, NULL);
  unmask_job job;
  make_job(&job);
  unmask_repainted r;
  unmask_repainted_init(&r, &base, &job, 1);
  CHECK(r.io.write == NULL && r.io.read_hole == NULL && r.io.hole_bounds == NULL && r.io.width == W &&
            r.io.height == H,
        "the reader writes, has a hole or has another size");

  /* full scale: the fill where alpha is 1, half of it where 0.5, the
   * picture bit for bit elsewhere */
  float *a = malloc(sizeof(float) * 4 * W * H), *b = malloc(sizeof(float) * 4 * W * H);
  CHECK(r.io.read(r.io.user, 0, 0, W, H, 1.0, a) == 0, "read failed");
  CHECK(base.read(base.user, 0, 0, W, H, 1.0, b) == 0, "base read failed");
  long wrong = 0, moved = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      const float *p = a + ((size_t)y * W + x) * 4, *q = b + ((size_t)y * W + x) * 4;
      const int in = x >= 20 && x < 36 && y >= 10 && y < 22;
      const float al = !in ? 0.0f : x - 20 < 8 ? 1.0f : x - 20 < 15 ? 0.5f : 0.0f;
      if (al == 0.0f) {
        moved += memcmp(p, q, sizeof(float) * 4) != 0;
        continue;
      }
      const float want[3] = {q[0] * (1 - al) + al, q[1] * (1 - al), q[2] * (1 - al)};
      for (int c = 0; c < 3; c++) wrong += fabsf(p[c] - want[c]) > 1e-6f;
      wrong += p[3] != q[3];
    }
  CHECK(wrong == 0 && moved == 0, "full scale: %ld values wrong in the fill, %ld changed outside", wrong, moved);

  /* half scale: pixels whose footprint holds no repainted pixel are the
   * picture's own scaled read; those wholly under alpha 1 are the fill */
  const int w2 = W / 2, h2 = H / 2;
  CHECK(r.io.read(r.io.user, 0, 0, w2, h2, 0.5, a) == 0, "scaled read failed");
  CHECK(base.read(base.user, 0, 0, w2, h2, 0.5, b) == 0, "scaled base read failed");
  long kept = 0, red = 0, other = 0;
  for (int y = 0; y < h2; y++)
    for (int x = 0; x < w2; x++) {
      const float *p = a + ((size_t)y * w2 + x) * 4, *q = b + ((size_t)y * w2 + x) * 4;
      const int fx0 = 2 * x, fy0 = 2 * y, fx1 = 2 * x + 2, fy1 = 2 * y + 2;
      const int meets = fx1 > 20 && fx0 < 35 && fy1 > 10 && fy0 < 22; /* alpha > 0 there */
      const int full = fx0 >= 20 && fx1 <= 28 && fy0 >= 10 && fy1 <= 22;
      if (!meets) other += memcmp(p, q, sizeof(float) * 4) != 0;
      else if (full) red += fabsf(p[0] - 1) < 1e-6f && fabsf(p[1]) < 1e-6f && fabsf(p[2]) < 1e-6f;
      else kept++;
    }
  CHECK(other == 0, "half scale: %ld pixels away from the fill changed", other);
  CHECK(red == 4 * 6, "half scale: %ld of 24 pixels under alpha 1 are the fill", red);

  /* nothing repainted yet: the picture itself */
  unmask_repainted_init(&r, &base, &job, 0);
  CHECK(r.io.read(r.io.user, 3, 4, 40, 30, 1.0, a) == 0 && base.read(base.user, 3, 4, 40, 30, 1.0, b) == 0 &&
            memcmp(a, b, sizeof(float) * 4 * 40 * 30) == 0,
        "with no job the reader changes the picture");
  free(a), free(b), free(job.alpha), free(job.fill);
  nets_image_free(img);
}

int main(void) {
  (void)draw_soft_ellipse; /* image-util.h's, for other tests */
  test_reader();
  return CHECK_DONE();
}
