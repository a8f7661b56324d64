/* Test helper for the ops and plug-in tests: makes test pictures and
 * compares results.
 *
 *   test-image-tool face OUT.png COVER.png [grey]
 *       a synthetic 256x256 face wearing a blue surgical-style mask, and the
 *       mask's coverage (white = covered)
 *   test-image-tool plain OUT.png W H     a landscape with no face (RGB)
 *   test-image-tool empty OUT.png W H     a fully transparent RGBA picture
 *   test-image-tool rect OUT.png W H X Y RW RH   white rectangle on black
 *   test-image-tool cover ORIG.png MASKED.png COVER.png
 *       the coverage of a mask drawn onto ORIG (e.g. by `unmask demo`): white
 *       where MASKED differs from ORIG by more than 6/255 in any channel;
 *       prints "pixels=N" (fails when N = 0)
 *   test-image-tool grey IN.png OUT.png   the picture as one grey channel
 *   test-image-tool diff A.png B.png [MASK.png DILATE]
 *       prints "differ=N inside=N inside_mad=F outside=N": pixels that differ
 *       at 8 bits overall, inside MASK, the mean absolute difference (0..255)
 *       inside MASK, and outside MASK dilated by DILATE pixels.
 *
 * Exit status: 0 on success, 1 on bad usage or I/O errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

static void
put (nets_image *img, int x, int y, const float *rgb, float a)
{
  float *p;
  int c;

  if (x < 0 || y < 0 || x >= img->width || y >= img->height)
    return;
  p = img->data + ((size_t) y * img->width + x) * img->channels;
  for (c = 0; c < 3; c++)
    p[c] = p[c] * (1.0f - a) + rgb[c] * a;
}

/* Filled ellipse with a soft (1 px) edge. */
static void
ellipse (nets_image *img, float cx, float cy, float rx, float ry, const float *rgb)
{
  int x, y;

  for (y = (int) (cy - ry - 2); y <= (int) (cy + ry + 2); y++)
    for (x = (int) (cx - rx - 2); x <= (int) (cx + rx + 2); x++)
      {
        float dx = (x + 0.5f - cx) / rx, dy = (y + 0.5f - cy) / ry;
        float d = (sqrtf (dx * dx + dy * dy) - 1.0f) * fminf (rx, ry);
        float a = fminf (1.0f, fmaxf (0.0f, 0.5f - d));

        if (a > 0.0f)
          put (img, x, y, rgb, a);
      }
}

static int
make_face (const char *out, const char *cover_out, int grey)
{
  const int   W = 256, H = 256;
  const float cx = 128, cy = 124, a = 62, b = 84;
  const float bg_top[3] = { 0.55f, 0.62f, 0.70f }, bg_bot[3] = { 0.35f, 0.40f, 0.38f };
  const float hair[3] = { 0.20f, 0.13f, 0.08f }, skin[3] = { 0.87f, 0.66f, 0.52f };
  const float white[3] = { 0.95f, 0.95f, 0.93f }, iris[3] = { 0.25f, 0.17f, 0.10f };
  const float lip[3] = { 0.72f, 0.38f, 0.36f }, shade[3] = { 0.70f, 0.50f, 0.40f };
  const float mask_rgb[3] = { 0.45f, 0.68f, 0.86f }, fold[3] = { 0.36f, 0.56f, 0.74f };
  const float loop[3] = { 0.92f, 0.94f, 0.96f };
  nets_image *img = nets_image_new (W, H, 3);
  nets_image *cov = nets_image_new (W, H, 1);
  nets_error  err = { 0 };
  int         x, y, s, rc = 0;

  if (! img || ! cov)
    return 1;

  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      {
        float t = (float) y / (H - 1);
        float *p = img->data + ((size_t) y * W + x) * 3;
        int c;

        for (c = 0; c < 3; c++)
          p[c] = bg_top[c] * (1 - t) + bg_bot[c] * t + 0.02f * sinf (x * 0.07f);
      }
  /* shoulders, neck, hair, face, ears */
  ellipse (img, cx, H + 20, 120, 70, (const float[3]) { 0.25f, 0.30f, 0.45f });
  ellipse (img, cx, cy + b * 0.95f, a * 0.45f, 40, shade);
  ellipse (img, cx, cy - b * 0.25f, a * 1.12f, b * 0.95f, hair);
  ellipse (img, cx - a, cy, 9, 16, shade);
  ellipse (img, cx + a, cy, 9, 16, shade);
  ellipse (img, cx, cy, a, b, skin);
  /* brows, eyes, nose, mouth */
  for (s = -1; s <= 1; s += 2)
    {
      ellipse (img, cx + s * 0.42f * a, cy - 0.42f * b, 0.25f * a, 0.04f * b, hair);
      ellipse (img, cx + s * 0.40f * a, cy - 0.27f * b, 0.17f * a, 0.06f * b, white);
      ellipse (img, cx + s * 0.40f * a, cy - 0.27f * b, 0.06f * a, 0.055f * b, iris);
    }
  ellipse (img, cx, cy + 0.05f * b, 0.08f * a, 0.22f * b, shade);
  ellipse (img, cx, cy + 0.48f * b, 0.30f * a, 0.07f * b, lip);

  /* the mask: from just under the eyes to under the chin, ear to ear */
  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      {
        float top = cy - 0.10f * b + 0.05f * b * fabsf ((x - cx) / a);
        float dx = (x + 0.5f - cx) / (a * 1.02f), dy = (y + 0.5f - (cy + 0.15f * b)) / (b * 0.92f);
        int   in = y >= top && (dx * dx + dy * dy) <= 1.0f && fabsf (x - cx) <= a * 0.98f;

        if (in)
          {
            /* three horizontal pleats */
            float k = fmodf ((y - top) / (0.18f * b), 1.0f);
            put (img, x, y, k < 0.12f ? fold : mask_rgb, 1.0f);
            cov->data[(size_t) y * W + x] = 1.0f;
          }
      }
  /* ear loops */
  for (s = -1; s <= 1; s += 2)
    for (y = (int) (cy - 0.1f * b); y < (int) (cy + 0.35f * b); y++)
      for (x = 0; x < 2; x++)
        {
          int px = (int) (cx + s * (a * 0.98f + x));
          put (img, px, y, loop, 1.0f);
          cov->data[(size_t) y * W + px] = 1.0f;
        }

  if (grey)
    {
      nets_image *g = nets_image_convert (img, 1);
      nets_image_free (img);
      img = g;
    }
  if (nets_image_save (img, out, 8, 95, &err) || nets_image_save (cov, cover_out, 8, 95, &err))
    {
      fprintf (stderr, "test-image-tool: %s\n", err.msg);
      rc = 1;
    }
  nets_image_free (img);
  nets_image_free (cov);
  return rc;
}

static int
make_plain (const char *out, int w, int h, int empty)
{
  nets_image *img = nets_image_new (w, h, empty ? 4 : 3);
  nets_error  err = { 0 };
  int         x, y, rc;

  if (! img)
    return 1;
  if (! empty)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        {
          float *p = img->data + ((size_t) y * w + x) * 3;
          int    ground = y > h * 0.6f + 10.0f * sinf (x * 0.03f);

          p[0] = ground ? 0.25f : 0.45f + 0.2f * y / h;
          p[1] = ground ? 0.45f + 0.1f * sinf (x * 0.2f) : 0.60f + 0.2f * y / h;
          p[2] = ground ? 0.20f : 0.85f;
        }
  rc = nets_image_save (img, out, 8, 95, &err);
  if (rc)
    fprintf (stderr, "test-image-tool: %s\n", err.msg);
  nets_image_free (img);
  return rc ? 1 : 0;
}

static int
make_rect (const char *out, int w, int h, int rx, int ry, int rw, int rh)
{
  nets_image *img = nets_image_new (w, h, 1);
  nets_error  err = { 0 };
  int         x, y, rc;

  if (! img)
    return 1;
  for (y = ry; y < ry + rh && y < h; y++)
    for (x = rx; x < rx + rw && x < w; x++)
      if (x >= 0 && y >= 0)
        img->data[(size_t) y * w + x] = 1.0f;
  rc = nets_image_save (img, out, 8, 95, &err);
  if (rc)
    fprintf (stderr, "test-image-tool: %s\n", err.msg);
  nets_image_free (img);
  return rc ? 1 : 0;
}

static nets_image *
load4 (const char *path);

static int
make_cover (const char *orig, const char *masked, const char *out)
{
  nets_image *a = load4 (orig), *b = load4 (masked), *cov = NULL;
  nets_error  err = { 0 };
  long        n = 0;
  size_t      i;
  int         rc = 1;

  if (! a || ! b)
    goto done;
  if (a->width != b->width || a->height != b->height)
    {
      fprintf (stderr, "test-image-tool: sizes differ: %dx%d vs %dx%d\n",
               a->width, a->height, b->width, b->height);
      goto done;
    }
  if (! (cov = nets_image_new (a->width, a->height, 1)))
    goto done;
  for (i = 0; i < (size_t) a->width * a->height; i++)
    {
      int c, d = 0;

      for (c = 0; c < 3; c++)
        d |= labs (lroundf (a->data[i * 4 + c] * 255.0f) - lroundf (b->data[i * 4 + c] * 255.0f)) > 6;
      cov->data[i] = d ? 1.0f : 0.0f;
      n += d;
    }
  printf ("pixels=%ld\n", n);
  if (n == 0)
    fprintf (stderr, "test-image-tool: %s and %s are identical: no mask drawn\n", orig, masked);
  else if (nets_image_save (cov, out, 8, 95, &err))
    fprintf (stderr, "test-image-tool: %s\n", err.msg);
  else
    rc = 0;
done:
  nets_image_free (a);
  nets_image_free (b);
  nets_image_free (cov);
  return rc;
}

static int
make_grey (const char *in, const char *out)
{
  nets_image *a = load4 (in), *g;
  nets_error  err = { 0 };
  int         rc;

  if (! a)
    return 1;
  g = nets_image_convert (a, 1);
  nets_image_free (a);
  if (! g)
    return 1;
  rc = nets_image_save (g, out, 8, 95, &err);
  if (rc)
    fprintf (stderr, "test-image-tool: %s\n", err.msg);
  nets_image_free (g);
  return rc ? 1 : 0;
}

static nets_image *
load4 (const char *path)
{
  nets_error  err = { 0 };
  nets_image *img = nets_image_load (path, &err), *c;

  if (! img)
    {
      fprintf (stderr, "test-image-tool: %s\n", err.msg);
      return NULL;
    }
  c = nets_image_convert (img, 4);
  nets_image_free (img);
  return c;
}

static int
diff (const char *pa, const char *pb, const char *pm, int dilate)
{
  nets_image    *a = load4 (pa), *b = load4 (pb), *m = NULL;
  unsigned char *inside = NULL, *near = NULL;
  long           differ = 0, in_n = 0, in_total = 0, out_n = 0;
  double         in_sum = 0.0;
  int            x, y, w, h;

  if (! a || ! b)
    return 1;
  if (a->width != b->width || a->height != b->height)
    {
      fprintf (stderr, "test-image-tool: sizes differ: %dx%d vs %dx%d\n",
               a->width, a->height, b->width, b->height);
      return 1;
    }
  w = a->width;
  h = a->height;
  if (pm)
    {
      nets_error err = { 0 };
      nets_image *mi = nets_image_load (pm, &err);

      if (! mi)
        {
          fprintf (stderr, "test-image-tool: %s\n", err.msg);
          return 1;
        }
      m = nets_image_convert (mi, 1);
      nets_image_free (mi);
      if (m->width != w || m->height != h)
        {
          fprintf (stderr, "test-image-tool: mask size differs\n");
          return 1;
        }
      inside = calloc ((size_t) w * h, 1);
      near   = calloc ((size_t) w * h, 1);
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          if (m->data[(size_t) y * w + x] > 0.5f)
            {
              int i, j;

              inside[(size_t) y * w + x] = 1;
              for (j = -dilate; j <= dilate; j++)
                for (i = -dilate; i <= dilate; i++)
                  if (y + j >= 0 && y + j < h && x + i >= 0 && x + i < w)
                    near[(size_t) (y + j) * w + x + i] = 1;
            }
    }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        size_t i = (size_t) y * w + x;
        const float *p = a->data + i * 4, *q = b->data + i * 4;
        int c, d = 0;
        double mad = 0.0;

        for (c = 0; c < 4; c++)
          {
            long u = lroundf (p[c] * 255.0f), v = lroundf (q[c] * 255.0f);

            d |= u != v;
            if (c < 3)
              mad += labs (u - v) / 3.0;
          }
        differ += d;
        if (inside && inside[i])
          {
            in_total++;
            in_n += d;
            in_sum += mad;
          }
        if (near && ! near[i])
          out_n += d;
      }
  printf ("differ=%ld inside=%ld inside_mad=%.2f outside=%ld\n",
          differ, in_n, in_total ? in_sum / in_total : 0.0, out_n);
  nets_image_free (a);
  nets_image_free (b);
  nets_image_free (m);
  free (inside);
  free (near);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 4 && ! strcmp (argv[1], "face"))
    return make_face (argv[2], argv[3], argc > 4 && ! strcmp (argv[4], "grey"));
  if (argc == 5 && (! strcmp (argv[1], "plain") || ! strcmp (argv[1], "empty")))
    return make_plain (argv[2], atoi (argv[3]), atoi (argv[4]), argv[1][0] == 'e');
  if (argc == 9 && ! strcmp (argv[1], "rect"))
    return make_rect (argv[2], atoi (argv[3]), atoi (argv[4]), atoi (argv[5]),
                      atoi (argv[6]), atoi (argv[7]), atoi (argv[8]));
  if (argc == 5 && ! strcmp (argv[1], "cover"))
    return make_cover (argv[2], argv[3], argv[4]);
  if (argc == 4 && ! strcmp (argv[1], "grey"))
    return make_grey (argv[2], argv[3]);
  if ((argc == 4 || argc == 6) && ! strcmp (argv[1], "diff"))
    return diff (argv[2], argv[3], argc == 6 ? argv[4] : NULL, argc == 6 ? atoi (argv[5]) : 0);
  fprintf (stderr, "usage: see the comment at the top of test-image-tool.c\n");
  return 1;
}
