/* unmask-train synth: contact sheets and speed of the data generator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../models/models.h"
#include "synth-data.h"
#include "unmask-config.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: unmask-train synth [--faces DIR] [--csv FILE] [--templates masks.cfg|none]\n"
          "                          [--preview N] [--out DIR] [--seed S] [--split 0|1]\n"
          "                          [--scene-size WxH] [--kinds N] [--emblems P] [--top-cut P]\n"
          "                          [--low-scarves P] [--bench]\n"
          "Generates masked-face training samples on the fly.  --preview writes\n"
          "OUT/synth-inpaint.png (rows: masked | hole | original) and OUT/synth-scenes.png\n"
          "(scene | ground truth overlay).  --kinds N writes OUT/synth-kinds.png: N faces\n"
          "(rows) with every mask kind (columns).  --emblems P draws badges on that share\n"
          "of training scenes, as unmask-train detector --emblems; --top-cut P places that\n"
          "share of pasted faces with their eyes above the frame, as its --top-cut;\n"
          "--low-scarves P keeps that share of neck scarves clear of the chin, as its\n"
          "--low-scarves.\n"
          "--bench prints\n"
          "samples/s (one thread).\n"
          "Defaults: the data folder ../shared/data next to the source tree, if present.\n");
}

static int dir_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void put(nets_image *sheet, int ox, int oy, const float *src, int w, int h, int ch) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int X = ox + x, Y = oy + y;
      if (X < 0 || Y < 0 || X >= sheet->width || Y >= sheet->height) continue;
      float *d = sheet->data + ((size_t)Y * sheet->width + X) * 3;
      const float *s = src + ((size_t)y * w + x) * ch;
      for (int c = 0; c < 3; c++) d[c] = s[ch == 1 ? 0 : c];
    }
}

int unmask_train_synth_main(int argc, char **argv) {
  const char *faces = NULL, *csv = NULL, *tpl = NULL, *out = "runs/synth";
  int preview = 0, bench = 0, kinds = 0, split = 0, sw = 256, sh = 256;
  uint64_t seed = 1;
  double emblems = UNMASK_EMBLEM_SHARE, top_cut = 0, low_scarves = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "synth")) continue;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (v && !strcmp(a, "--kinds")) {
      kinds = atoi(v), i++;
    } else if (!strcmp(a, "--bench")) {
      bench = 1;
    } else if (v && !strcmp(a, "--faces")) faces = v, i++;
    else if (v && !strcmp(a, "--csv")) csv = v, i++;
    else if (v && !strcmp(a, "--templates")) tpl = v, i++;
    else if (v && !strcmp(a, "--out")) out = v, i++;
    else if (v && !strcmp(a, "--preview")) preview = atoi(v), i++;
    else if (v && !strcmp(a, "--emblems")) emblems = atof(v), i++;
    else if (v && !strcmp(a, "--top-cut")) top_cut = atof(v), i++;
    else if (v && !strcmp(a, "--low-scarves")) low_scarves = atof(v), i++;
    else if (v && !strcmp(a, "--seed")) seed = strtoull(v, NULL, 0), i++;
    else if (v && !strcmp(a, "--split")) split = atoi(v) ? 1 : 0, i++;
    else if (v && !strcmp(a, "--scene-size")) {
      if (sscanf(v, "%dx%d", &sw, &sh) != 2 || sw < 16 || sh < 16 || sw > 4096 || sh > 4096) {
        fprintf(stderr, "synth: bad --scene-size %s\n", v);
        return 2;
      }
      i++;
    } else {
      fprintf(stderr, "synth: unknown or incomplete option %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  /* defaults next to the source tree */
  char root[1024], dfaces[1100], dcsv[1100], dtpl[1100];
  snprintf(root, sizeof root, "%s", UNMASK_SOURCE_WEIGHTS_DIR);
  char *sl = strrchr(root, '/');
  if (sl) *sl = 0;
  snprintf(dfaces, sizeof dfaces, "%s/../shared/data/faces", root);
  snprintf(dcsv, sizeof dcsv, "%s/../shared/data/faces.csv", root);
  snprintf(dtpl, sizeof dtpl, "%s/../shared/data/mask-templates/masks.cfg", root);
  if (!faces && dir_exists(dfaces)) faces = dfaces;
  if (!csv && faces == dfaces) csv = dcsv;
  if (!tpl && faces == dfaces) {
    FILE *t = fopen(dtpl, "r");
    if (t) fclose(t), tpl = dtpl;
  }
  if (tpl && !strcmp(tpl, "none")) tpl = NULL;
  if (!faces || !csv) {
    fprintf(stderr, "synth: --faces and --csv are required (no default data folder found)\n");
    return 2;
  }
  nets_error err = {0};
  unmask_synth *s = unmask_synth_new(faces, csv, tpl, &err);
  if (!s) {
    fprintf(stderr, "synth: %s\n", err.msg);
    return 1;
  }
  if (unmask_synth_set_emblem_share(s, emblems)) {
    fprintf(stderr, "synth: --emblems must be 0 to 1\n");
    unmask_synth_free(s);
    return 2;
  }
  if (unmask_synth_set_top_cut_share(s, top_cut)) {
    fprintf(stderr, "synth: --top-cut must be 0 to 1\n");
    unmask_synth_free(s);
    return 2;
  }
  if (unmask_synth_set_low_scarf_share(s, low_scarves)) {
    fprintf(stderr, "synth: --low-scarves must be 0 to 1\n");
    unmask_synth_free(s);
    return 2;
  }
  printf("synth: %d train faces, %d held-out faces%s\n", unmask_synth_count(s, 0),
         unmask_synth_count(s, 1), tpl ? ", templates on" : "");
  const int N = NETS_INPAINT_SIZE;
  int rc = 0;
  float *m = malloc(sizeof(float) * N * N * 3), *hole = malloc(sizeof(float) * N * N),
        *o = malloc(sizeof(float) * N * N * 3);
  float *rgb = malloc(sizeof(float) * sw * sh * 3), *cov = malloc(sizeof(float) * sw * sh);
  unmask_box boxes[64];
  if (!m || !hole || !o || !rgb || !cov) {
    fprintf(stderr, "synth: out of memory\n");
    rc = 1;
    goto done;
  }
  if (preview > 0) {
    if (mkdir(out, 0755) && errno != EEXIST) {
      fprintf(stderr, "synth: cannot create %s\n", out);
      rc = 1;
      goto done;
    }
    nets_image *sheet = nets_image_new(3 * N, preview * N, 3);
    for (int i = 0; i < preview && sheet; i++) {
      if (unmask_synth_inpaint_sample(s, split, seed, (uint64_t)i, m, hole, o, NULL, &err)) {
        fprintf(stderr, "synth: sample %d: %s\n", i, err.msg);
        rc = 1;
        break;
      }
      put(sheet, 0, i * N, m, N, N, 3);
      put(sheet, N, i * N, hole, N, N, 1);
      put(sheet, 2 * N, i * N, o, N, N, 3);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/synth-inpaint.png", out);
    if (sheet && rc == 0 && nets_image_save(sheet, path, 8, 0, &err) == 0) printf("wrote %s\n", path);
    nets_image_free(sheet);
    int ns = preview < 8 ? preview : 8, cols = 2;
    int rows = (ns + cols - 1) / cols;
    sheet = nets_image_new(cols * 2 * sw, rows * sh, 3);
    for (int i = 0; i < ns && sheet && rc == 0; i++) {
      int nb = 0;
      if (unmask_synth_scene(s, split, seed, (uint64_t)i, sw, sh, rgb, cov, NULL, boxes, 64, &nb, &err)) {
        fprintf(stderr, "synth: scene %d: %s\n", i, err.msg);
        rc = 1;
        break;
      }
      int ox = (i % cols) * 2 * sw, oy = (i / cols) * sh;
      put(sheet, ox, oy, rgb, sw, sh, 3);
      /* overlay: ground truth in red, boxes in yellow */
      for (int p = 0; p < sw * sh; p++) {
        float *c = rgb + 3 * p;
        if (cov[p] > 0.5f) c[0] = 0.5f * c[0] + 0.5f, c[1] *= 0.5f, c[2] *= 0.5f;
      }
      for (int b = 0; b < nb; b++) {
        int x0 = (int)boxes[b].x, y0 = (int)boxes[b].y;
        int x1 = x0 + (int)boxes[b].w - 1, y1 = y0 + (int)boxes[b].h - 1;
        for (int x = x0; x <= x1; x++)
          for (int k = 0; k < 2; k++) {
            int y = k ? y1 : y0;
            float *c = rgb + 3 * ((size_t)y * sw + x);
            c[0] = 1, c[1] = 1, c[2] = 0;
          }
        for (int y = y0; y <= y1; y++)
          for (int k = 0; k < 2; k++) {
            int x = k ? x1 : x0;
            float *c = rgb + 3 * ((size_t)y * sw + x);
            c[0] = 1, c[1] = 1, c[2] = 0;
          }
      }
      put(sheet, ox + sw, oy, rgb, sw, sh, 3);
      printf("scene %d: %d coverings\n", i, nb);
    }
    snprintf(path, sizeof path, "%s/synth-scenes.png", out);
    if (sheet && rc == 0 && nets_image_save(sheet, path, 8, 0, &err) == 0) printf("wrote %s\n", path);
    nets_image_free(sheet);
  }
  if (kinds > 0 && rc == 0) {
    mkdir(out, 0755);
    nets_image *sheet = nets_image_new(UNMASK_MASK_N_KINDS * N, kinds * N, 3);
    for (int i = 0; i < kinds && sheet && rc == 0; i++)
      for (int k = 0; k < UNMASK_MASK_N_KINDS && rc == 0; k++) {
        /* same face in a row: the face is the first draw of the sample's rng */
        rc = synth_inpaint_sample_kind(s, split, seed, (uint64_t)i, k, m, hole, o, NULL, NULL, NULL, &err);
        if (rc == 0) put(sheet, k * N, i * N, m, N, N, 3);
      }
    char path[1200];
    snprintf(path, sizeof path, "%s/synth-kinds.png", out);
    if (sheet && rc == 0 && nets_image_save(sheet, path, 8, 0, &err) == 0) printf("wrote %s\n", path);
    if (rc) fprintf(stderr, "synth: %s\n", err.msg), rc = 1;
    nets_image_free(sheet);
  }
  if (bench && rc == 0) {
    /* warm the image cache with the faces the benchmark will use */
    int n = 300;
    for (int i = 0; i < n && rc == 0; i++)
      rc = unmask_synth_inpaint_sample(s, split, seed + 7, (uint64_t)i, m, hole, o, NULL, &err);
    double t0 = now_s();
    for (int i = 0; i < n && rc == 0; i++)
      rc = unmask_synth_inpaint_sample(s, split, seed + 7, (uint64_t)i, m, hole, o, NULL, &err);
    double t1 = now_s();
    if (rc == 0) printf("bench: inpaint samples: %.1f /s (cached images)\n", n / (t1 - t0));
    int ns = 60;
    for (int i = 0; i < ns && rc == 0; i++)
      rc = unmask_synth_scene(s, split, seed + 9, (uint64_t)i, sw, sh, rgb, cov, NULL, boxes, 64, NULL, &err);
    t0 = now_s();
    for (int i = 0; i < ns && rc == 0; i++)
      rc = unmask_synth_scene(s, split, seed + 9, (uint64_t)i, sw, sh, rgb, cov, NULL, boxes, 64, NULL, &err);
    t1 = now_s();
    if (rc == 0) printf("bench: scenes %dx%d: %.1f /s (cached images)\n", sw, sh, ns / (t1 - t0));
    if (rc) fprintf(stderr, "synth: %s\n", err.msg), rc = 1;
  }
done:
  free(m), free(hole), free(o), free(rgb), free(cov);
  unmask_synth_free(s);
  return rc;
}
