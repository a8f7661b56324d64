/* unmask: command-line front end of the Unmasked pipeline (pipeline.h).
 *
 *   unmask remove IN -o OUT [--mask-out PNG] [--weights DIR] [--sensitivity S]
 *   unmask remove IN... -o DIR [same options but --mask-out]
 *                 [--grow PX] [--feather PX] [--output result|mask|overlay] [--baseline]
 *                 [--max-view PX] [--detail D] [--sharp] [--no-sketch]
 *   unmask detect IMAGE [--json] [--mask-out PNG] [--weights DIR] [--sensitivity S]
 *                 [--grow PX] [--feather PX]
 *   unmask inpaint IMAGE HOLE.png -o OUT [--weights DIR] [--baseline] [--detail D] [--sharp] [--no-sketch]
 *   unmask demo --out DIR [--image PNG] [--landmarks TXT] [--weights DIR] [--detail D] [--sharp] [--no-sketch]
 *   unmask --help | --version
 *
 * Exit status: 0 on success, 1 on any error (message on stderr).
 *
 * `unmask detect --json` prints one JSON object on stdout:
 *
 *   {
 *     "image": "photo.jpg",          the path as given
 *     "width": 4000, "height": 3000, image size in pixels
 *     "faces": [                     one entry per detected face covering,
 *       {                            highest score first
 *         "x": 1210, "y": 840,       top-left corner of the covering's box (pixels,
 *         "w": 420, "h": 380,        full resolution, origin top-left, y down)
 *         "score": 0.93,             mean detector probability inside the covering, 0..1
 *         "mask_area": 121034        pixels of the covering at full resolution
 *       }
 *     ]
 *   }
 *
 * The box and area are those of the covering itself (before --grow and
 * --feather; the box without the ear loops traced past the covering, the
 * area with them); --mask-out writes the hole that `unmask remove` would repaint
 * (after grow and feather), white on black.  Without --json the same data is
 * printed as text, one face per line.
 *
 * HOLE.png for `inpaint`: any PNG/JPEG of the image's size; its luminance is
 * the coverage (white = repaint, black = keep, grey = partial).
 *
 * `demo` draws a surgical mask (nets/synth) on the public-domain astronaut
 * portrait shipped by python3-skimage, from 68 landmarks, writes
 * DIR/astronaut-masked.png, then removes it again with the pipeline:
 * DIR/astronaut-unmasked.png and DIR/astronaut-detected-mask.png. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unmask-config.h"
#include "image.h"
#include "memio.h"
#include "pipeline.h"
#include "synth.h"

#define ASTRONAUT_PATH "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
#define LANDMARKS_INSTALLED UNMASK_WEIGHTS_DIR "/../astronaut-landmarks.txt"
#define LANDMARKS_SOURCE UNMASK_SOURCE_WEIGHTS_DIR "/../tests/data/astronaut-landmarks.txt"

static void usage(FILE *fp);

static int fail(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "unmask: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return 1;
}

static int progress_cb(void *user, double f, const char *what) {
  fprintf(stderr, "\r%-24s %3d%%", what, (int)(f * 100 + 0.5));
  if (f >= 1.0) fputc('\n', stderr);
  return 0;
}

/* ---- Helpers ----------------------------------------------------------- */

static nets_image *load_rgba(const char *path, int *channels) {
  nets_error e = {0};
  nets_image *img = nets_image_load(path, &e);
  if (!img) {
    fail("%s%s", e.msg, "");
    return NULL;
  }
  if (channels) *channels = img->channels;
  nets_image *rgba = nets_image_convert(img, 4);
  nets_image_free(img);
  if (!rgba) fail("out of memory reading %s%s", path, "");
  return rgba;
}

static int save_as(const nets_image *rgba, int channels, const char *path) {
  nets_error e = {0};
  nets_image *out = channels == 4 ? (nets_image *)rgba : nets_image_convert(rgba, channels);
  if (!out) return fail("out of memory writing %s%s", path, "");
  /* a 16-bit PNG in gives a 16-bit PNG out */
  int rc = nets_image_save(out, path, rgba->depth == 16 ? 16 : 8, 95, &e);
  if (out != rgba) nets_image_free(out);
  if (rc) return fail("cannot write %s: %s", path, e.msg);
  return 0;
}

static int parse_double(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double d = v ? strtod(v, &end) : 0;
  if (!v || errno || end == v || *end || d < lo || d > hi) {
    fprintf(stderr, "unmask: %s needs a number in [%g, %g], got '%s'\n", opt, lo, hi,
            v ? v : "(nothing)");
    return -1;
  }
  *out = d;
  return 0;
}

typedef struct {
  const char *in, *in2, *out, *mask_out, *weights, *image, *landmarks;
  int n_in; /* positional arguments (in, in2, and more where allowed) */
  int json, baseline;
  unmask_params p;
} options;

/* Whether option a is followed by a value. */
static int takes_value(const char *a) {
  return strcmp(a, "--json") && strcmp(a, "--baseline") && strcmp(a, "--sharp") && strcmp(a, "--no-sketch");
}

/* Parses options common to every subcommand; positional arguments go to
 * in/in2 (more of them only when allowed lists "IN..."; next_input() walks
 * them).  Returns 0, or 1 after printing an error. */
static int parse(int argc, char **argv, options *o, const char *allowed) {
  memset(o, 0, sizeof *o);
  unmask_params_default(&o->p);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (a[0] != '-' || !a[1]) {
      if (!o->in) o->in = a;
      else if (!o->in2) o->in2 = a;
      else if (!strstr(allowed, " IN... ")) return fail("unexpected argument '%s' (see unmask --help)%s", a, "");
      o->n_in++;
      continue;
    }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    }
    char key[64];
    snprintf(key, sizeof key, " %s ", a);
    if (!strstr(allowed, key)) return fail("%s: unknown option %s (see unmask --help)", argv[1], a);
    int takes = takes_value(a);
    if (takes && !v) return fail("%s needs a value%s", a, "");
    if (!strcmp(a, "-o") || !strcmp(a, "--out")) o->out = v;
    else if (!strcmp(a, "--mask-out")) o->mask_out = v;
    else if (!strcmp(a, "--weights")) o->weights = v;
    else if (!strcmp(a, "--image")) o->image = v;
    else if (!strcmp(a, "--landmarks")) o->landmarks = v;
    else if (!strcmp(a, "--json")) o->json = 1;
    else if (!strcmp(a, "--baseline")) o->baseline = o->p.baseline = 1;
    else if (!strcmp(a, "--sharp")) o->p.detail = 1;
    else if (!strcmp(a, "--no-sketch")) o->p.no_sketch = 1;
    else if (!strcmp(a, "--sensitivity")) {
      if (parse_double(a, v, 0.01, 0.99, &o->p.sensitivity)) return 1;
    } else if (!strcmp(a, "--grow")) {
      if (parse_double(a, v, 0, 1000, &o->p.grow_px)) return 1;
    } else if (!strcmp(a, "--feather")) {
      if (parse_double(a, v, 0, 1000, &o->p.feather_px)) return 1;
    } else if (!strcmp(a, "--detail")) {
      if (parse_double(a, v, 0, 1, &o->p.detail)) return 1;
    } else if (!strcmp(a, "--max-view")) {
      double d;
      if (parse_double(a, v, 256, 8192, &d)) return 1;
      o->p.view_max = (int)d;
    } else if (!strcmp(a, "--output")) {
      if (!strcmp(v, "result")) o->p.output = UNMASK_OUTPUT_RESULT;
      else if (!strcmp(v, "mask")) o->p.output = UNMASK_OUTPUT_MASK;
      else if (!strcmp(v, "overlay")) o->p.output = UNMASK_OUTPUT_OVERLAY;
      else return fail("--output must be result, mask or overlay, not '%s'%s", v, "");
    }
    if (takes) i++;
  }
  if (isatty(2)) o->p.progress = progress_cb;
  return 0;
}

static unmask_models *load_models(const char *dir) {
  nets_error e = {0};
  unmask_models *m = unmask_models_load(dir, &e);
  if (!m) fail("%s%s", e.msg, "");
  return m;
}

/* The next positional argument after argv[*i] (start with *i = 1), or NULL;
 * the same walk as parse(). */
static const char *next_input(int argc, char **argv, int *i) {
  while (++*i < argc) {
    const char *a = argv[*i];
    if (a[0] != '-' || !a[1]) return a;
    if (takes_value(a)) ++*i;
  }
  return NULL;
}

/* ---- Subcommands ------------------------------------------------------- */

/* With --mask-out: a 1-channel image of img's size that the pipeline draws
 * each face's hole into (p->hole_write); NULL (message printed) if out of memory. */
static nets_image *hole_image_for(unmask_params *p, const nets_image *img) {
  nets_image *mask = nets_image_new(img->width, img->height, 1);
  if (!mask) {
    fail("out of memory%s%s", "", "");
    return NULL;
  }
  p->hole_write = unmask_memio_hole_write;
  p->hole_user = mask;
  return mask;
}

/* Repaint one photo with loaded models: in -> out (and the hole -> mask_out). */
static int remove_one(unmask_models *m, options *o, const char *in, const char *out, const char *mask_out) {
  int channels, rc = 1;
  nets_image *img = load_rgba(in, &channels), *mask = NULL;
  if (!img) return 1;
  if (mask_out && !(mask = hole_image_for(&o->p, img))) goto done;
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, NULL);
  nets_error e = {0};
  int n = unmask_run(m, &io, &o->p, NULL, NULL, &e);
  if (n < 0) {
    fail("%s: %s", in, e.msg);
    goto done;
  }
  if (o->p.output == UNMASK_OUTPUT_MASK) channels = channels == 2 || channels == 4 ? 4 : 3;
  if (save_as(img, channels, out)) goto done;
  if (mask && save_as(mask, 1, mask_out)) goto done;
  fprintf(stderr, "%s: %d face mask%s removed\n", in, n, n == 1 ? "" : "s");
  rc = 0;
done:
  o->p.hole_write = NULL, o->p.hole_user = NULL;
  nets_image_free(img);
  nets_image_free(mask);
  return rc;
}

/* unmask remove IN -o OUT, or IN... -o DIR: several photos (or -o naming a
 * folder) go to DIR under their own names, with the networks loaded once. */
static int cmd_remove(int argc, char **argv) {
  options o;
  if (parse(argc, argv, &o,
            " IN... -o --out --mask-out --weights --sensitivity --grow --feather --output --baseline --max-view --detail --sharp --no-sketch "))
    return 1;
  if (!o.in || !o.out) return fail("usage: unmask remove IN -o OUT, or IN... -o DIR [options]%s%s", "", "");
  struct stat st;
  const int exists = stat(o.out, &st) == 0, is_dir = exists && S_ISDIR(st.st_mode);
  const size_t n_out = strlen(o.out);
  const int to_dir = o.n_in > 1 || is_dir || (n_out && o.out[n_out - 1] == '/');
  if (to_dir && o.mask_out) return fail("--mask-out takes one image; for folders use --output mask%s%s", "", "");
  if (to_dir && exists && !is_dir)
    return fail("%s is not a folder (several images go to a folder)%s", o.out, "");
  /* a folder that is not there yet is made (its parent must be there) */
  if (to_dir && !exists && mkdir(o.out, 0777))
    return fail("cannot create the folder %s: %s", o.out, strerror(errno));
  unmask_models *m = load_models(o.weights);
  if (!m) return 1;
  int rc = 0;
  if (!to_dir) {
    rc = remove_one(m, &o, o.in, o.out, o.mask_out);
  } else {
    int i = 1, done = 0;
    for (const char *in; (in = next_input(argc, argv, &i));) {
      const char *slash = strrchr(in, '/');
      char out[4096];
      if (snprintf(out, sizeof out, "%s/%s", o.out, slash ? slash + 1 : in) >= (int)sizeof out) {
        rc = fail("%s: path too long%s", in, "");
        continue;
      }
      char *rin = realpath(in, NULL), *rout = realpath(out, NULL);
      if (rin && rout && !strcmp(rin, rout)) rc = fail("%s: would write over itself; give another folder%s", in, "");
      else if (remove_one(m, &o, in, out, NULL)) rc = 1;
      else done++;
      free(rin), free(rout);
    }
    fprintf(stderr, "%d of %d images written to %s\n", done, o.n_in, o.out);
  }
  unmask_models_free(m);
  return rc;
}

/* A JSON string literal. */
static void put_json_string(const char *str) {
  putchar('"');
  for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
    if (*c == '"' || *c == '\\') printf("\\%c", *c);
    else if (*c == '\n') fputs("\\n", stdout);
    else if (*c == '\t') fputs("\\t", stdout);
    else if (*c < 0x20) printf("\\u%04x", *c);
    else putchar(*c);
  }
  putchar('"');
}

static void print_json(const char *image, int w, int h, const unmask_face *f, int n) {
  fputs("{\n  \"image\": ", stdout);
  put_json_string(image);
  printf(",\n  \"width\": %d,\n  \"height\": %d,\n  \"faces\": [", w, h);
  for (int i = 0; i < n; i++)
    printf("%s\n    {\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, \"score\": %.3f, "
           "\"mask_area\": %ld}",
           i ? "," : "", f[i].x, f[i].y, f[i].w, f[i].h, f[i].score, f[i].mask_area);
  fputs(n ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

static int cmd_detect(int argc, char **argv) {
  options o;
  if (parse(argc, argv, &o, " --json --mask-out --weights --sensitivity --grow --feather --max-view "))
    return 1;
  if (!o.in || o.in2) return fail("usage: unmask detect IMAGE [--json] [options]%s%s", "", "");
  int rc = 1;
  nets_image *img = load_rgba(o.in, NULL), *mask = NULL;
  unmask_models *m = NULL;
  unmask_face *faces = NULL;
  if (!img) return 1;
  if (!(m = load_models(o.weights))) goto done;
  if (o.mask_out && !(mask = hole_image_for(&o.p, img))) goto done;
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, NULL);
  nets_error e = {0};
  int n = 0;
  if (unmask_detect(m, &io, &o.p, &faces, &n, &e) < 0) {
    fail("%s: %s", o.in, e.msg);
    goto done;
  }
  if (o.json) {
    print_json(o.in, img->width, img->height, faces, n);
  } else {
    printf("%s: %d x %d, %d masked face%s\n", o.in, img->width, img->height, n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
      printf("  face %d: x %d y %d w %d h %d  score %.3f  mask area %ld px\n", i + 1, faces[i].x,
             faces[i].y, faces[i].w, faces[i].h, faces[i].score, faces[i].mask_area);
  }
  if (mask && save_as(mask, 1, o.mask_out)) goto done;
  rc = 0;
done:
  free(faces);
  nets_image_free(img);
  nets_image_free(mask);
  unmask_models_free(m);
  return rc;
}

static int cmd_inpaint(int argc, char **argv) {
  options o;
  if (parse(argc, argv, &o, " -o --out --weights --baseline --detail --sharp --no-sketch ")) return 1;
  if (!o.in || !o.in2 || !o.out)
    return fail("usage: unmask inpaint IMAGE HOLE.png -o OUT [--weights DIR]%s%s", "", "");
  int channels, rc = 1;
  nets_image *img = load_rgba(o.in, &channels), *hole = NULL, *h0 = NULL;
  unmask_models *m = NULL;
  nets_error e = {0};
  if (!img) return 1;
  if (!(h0 = nets_image_load(o.in2, &e))) {
    fail("%s%s", e.msg, "");
    goto done;
  }
  if (h0->width != img->width || h0->height != img->height) {
    fprintf(stderr, "unmask: hole %s is %d x %d but image %s is %d x %d\n", o.in2, h0->width,
            h0->height, o.in, img->width, img->height);
    goto done;
  }
  hole = nets_image_convert(h0, 1);
  nets_image_free(h0);
  h0 = NULL;
  if (!hole) {
    fail("out of memory%s%s", "", "");
    goto done;
  }
  if (!o.baseline && !(m = load_models(o.weights))) goto done;
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, hole);
  if (mio.hw <= 0) fprintf(stderr, "unmask: warning: hole %s is empty; nothing to do\n", o.in2);
  int n = unmask_run(m, &io, &o.p, NULL, NULL, &e);
  if (n < 0) {
    fail("%s: %s", o.in, e.msg);
    goto done;
  }
  if (save_as(img, channels, o.out)) goto done;
  rc = 0;
done:
  nets_image_free(img);
  nets_image_free(h0);
  nets_image_free(hole);
  unmask_models_free(m);
  return rc;
}

/* 68 landmarks, "x y" per line, '#' comments. */
static int read_landmarks(const char *path, float *lm) {
  FILE *fp = fopen(path, "r");
  if (!fp) return fail("cannot open landmarks %s: %s", path, strerror(errno));
  char line[256];
  int n = 0;
  while (fgets(line, sizeof line, fp)) {
    char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#' || *s == '\n' || !*s) continue;
    float x, y;
    if (sscanf(s, "%f %f", &x, &y) != 2 || n >= 68) {
      fclose(fp);
      return fail("%s: expected 68 lines of \"x y\"%s", path, "");
    }
    lm[2 * n] = x;
    lm[2 * n + 1] = y;
    n++;
  }
  fclose(fp);
  if (n != 68) return fail("%s: expected 68 landmarks%s", path, "");
  return 0;
}

static int cmd_demo(int argc, char **argv) {
  options o;
  if (parse(argc, argv, &o, " -o --out --image --landmarks --weights --baseline --detail --sharp --no-sketch ")) return 1;
  if (!o.out || o.in) return fail("usage: unmask demo --out DIR [--image PNG] [--landmarks TXT]%s%s", "", "");
  const char *image = o.image ? o.image : ASTRONAUT_PATH;
  const char *lmpath = o.landmarks;
  if (!lmpath) lmpath = access(LANDMARKS_INSTALLED, R_OK) == 0 ? LANDMARKS_INSTALLED : LANDMARKS_SOURCE;
  float lm[136];
  if (read_landmarks(lmpath, lm)) return 1;
  if (mkdir(o.out, 0777) && errno != EEXIST) return fail("cannot create %s: %s", o.out, strerror(errno));
  int rc = 1;
  nets_error e = {0};
  nets_image *src = nets_image_load(image, &e), *rgb = NULL, *img = NULL, *mask = NULL;
  unmask_models *m = NULL;
  char path[4096];
  if (!src) {
    fail("%s%s (python3-skimage ships the astronaut; or pass --image)", e.msg, "");
    goto done;
  }
  if (!(rgb = nets_image_convert(src, 3))) goto oom;
  if (unmask_synth_render_mask(lm, UNMASK_MASK_SURGICAL, 7, rgb, NULL, NULL, &e)) {
    fail("drawing the mask: %s%s", e.msg, "");
    goto done;
  }
  snprintf(path, sizeof path, "%s/astronaut-masked.png", o.out);
  if (save_as(rgb, 3, path)) goto done;
  printf("%s\n", path);
  if (!(img = nets_image_convert(rgb, 4))) goto oom;
  if (!(mask = nets_image_new(img->width, img->height, 1))) goto oom;
  if (!o.baseline && !(m = load_models(o.weights))) goto done;
  if (o.baseline) {
    fprintf(stderr, "unmask: --baseline needs a hole; the demo detects it, so weights are needed\n");
    goto done;
  }
  o.p.hole_write = unmask_memio_hole_write;
  o.p.hole_user = mask;
  unmask_memio mio;
  unmask_image_io io = unmask_memio_init(&mio, img, NULL);
  unmask_face *faces = NULL;
  int n = unmask_run(m, &io, &o.p, &faces, NULL, &e);
  if (n < 0) {
    fail("%s: %s", image, e.msg);
    goto done;
  }
  for (int i = 0; i < n; i++)
    fprintf(stderr, "face %d: x %d y %d w %d h %d score %.3f\n", i + 1, faces[i].x, faces[i].y,
            faces[i].w, faces[i].h, faces[i].score);
  free(faces);
  snprintf(path, sizeof path, "%s/astronaut-unmasked.png", o.out);
  if (save_as(img, 3, path)) goto done;
  printf("%s\n", path);
  snprintf(path, sizeof path, "%s/astronaut-detected-mask.png", o.out);
  if (save_as(mask, 1, path)) goto done;
  printf("%s\n", path);
  rc = 0;
  goto done;
oom:
  fail("out of memory%s%s", "", "");
done:
  nets_image_free(src);
  nets_image_free(rgb);
  nets_image_free(img);
  nets_image_free(mask);
  unmask_models_free(m);
  return rc;
}

static void usage(FILE *fp) {
  fputs("Usage:\n"
        "  unmask remove IN -o OUT [--mask-out PNG] [--weights DIR] [--sensitivity S]\n"
        "                [--grow PX] [--feather PX] [--output result|mask|overlay] [--baseline]\n"
        "                [--max-view PX] [--detail D] [--sharp] [--no-sketch]\n"
        "      Find face masks and paint the covered face back.\n"
        "  unmask remove IN... -o DIR [options]\n"
        "      The same for several photos, written to the folder DIR under their own\n"
        "      names (DIR is made if missing; with one photo, write DIR/ to mean a\n"
        "      folder); the networks are loaded once (faster than one command per photo).\n"
        "  unmask detect IMAGE [--json] [--mask-out PNG] [--weights DIR] [--sensitivity S]\n"
        "      List the masked faces: box, score and mask area.\n"
        "  unmask inpaint IMAGE HOLE.png -o OUT [--weights DIR] [--baseline] [--detail D] [--sharp] [--no-sketch]\n"
        "      Repaint the white part of HOLE.png (same size as IMAGE).\n"
        "  unmask demo --out DIR [--image PNG] [--landmarks TXT] [--weights DIR] [--detail D] [--sharp] [--no-sketch]\n"
        "      Mask the astronaut portrait, then unmask it again.\n"
        "  unmask --help | --version\n"
        "\n"
        "Options:\n"
        "  --weights DIR       folder with detector.safetensors, inpainter.safetensors and\n"
        "                      landmarks.safetensors; the files it lacks come from the\n"
        "                      bundled weights; a second-look.safetensors beside the\n"
        "                      detector file used takes its second looks\n"
        "                      (default: " UNMASK_WEIGHTS_DIR ")\n"
        "  --sensitivity S     0.01..0.99, higher finds more (default 0.5)\n"
        "  --grow PX           grow the detected hole by PX pixels (default 4)\n"
        "  --feather PX        soften the seam over PX pixels (default 3)\n"
        "  --max-view PX       look for masks on a view of up to PX pixels on the long\n"
        "                      side (default 2048; larger finds smaller faces in very big\n"
        "                      photos, slower and with more false detections)\n"
        "  --output MODE       result (default), mask (hole, white on black), or overlay\n"
        "  --mask-out PNG      also write the repainted hole as a grey PNG\n"
        "  --baseline          fill with the classical harmonic fill instead of the network\n"
        "  --detail D          0..1, how much of the network's refinement stage to paint:\n"
        "                      0 is smooth, 1 draws sharper lips and nose but can leave\n"
        "                      stray strokes (default 0.5)\n"
        "  --sharp             the same as --detail 1\n"
        "  --no-sketch         paint without the drawing of the hidden jaw, nose and lips\n"
        "                      that the landmark predictor gives a version-5 inpainter\n"
        "  --json              detect: print JSON (format documented in nets/tools/unmask.c)\n"
        "Images: PNG or JPEG in (JPEGs turned upright by their EXIF orientation), PNG or\n"
        "JPEG out (by extension).\n",
        fp);
}

int main(int argc, char **argv) {
  unmask_process_setup();
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  const char *c = argv[1];
  if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(c, "--version")) {
    printf("unmask %s\n", UNMASK_VERSION);
    return 0;
  }
  if (!strcmp(c, "remove")) return cmd_remove(argc, argv);
  if (!strcmp(c, "detect")) return cmd_detect(argc, argv);
  if (!strcmp(c, "inpaint")) return cmd_inpaint(argc, argv);
  if (!strcmp(c, "demo")) return cmd_demo(argc, argv);
  fprintf(stderr, "unmask: unknown command '%s' (see unmask --help)\n", c);
  return 1;
}
