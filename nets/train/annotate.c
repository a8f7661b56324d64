/* unmask-train annotate: 68-point landmarks for a folder of the user's own
 * face photos, written as a faces.csv that the trainers read (--faces DIR
 * --csv FILE).  Without them the trainers cannot draw masks on new faces.
 *
 * By default each photo should show one face that fills most of the frame,
 * as a passport photo or the UTKFace crops do: there is no face finder for
 * unmasked faces, so the first looks are at the whole photo and at squares
 * of it.  --several-faces looks at smaller squares too and keeps every face
 * the predictor is sure of.  The landmark predictor (the one that draws the hidden jaw for the
 * inpainter, here shown the face with nothing hidden) finds the points; the
 * face is then framed as training crops are framed (the square that
 * unmask_crop_from_hole_box puts around the box a mask over those points
 * would have) and the points found again, PASSES times.  A face whose points
 * the predictor is unsure of is reported: its photo is framed too
 * differently, or it is not a face. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../io/image.h"
#include "../models/arch.h"
#include "../models/models.h"
#include "../synth/crop.h"
#include "../synth/synth.h"
#include "metrics.h"
#include "train-common.h"
#include "train.h"
#include "unmask-config.h"

#define PASSES 3
#define SHEET_TILES 32
/* A face's doubt (settle()) in eye distances: the search stops at the first
 * look that reaches GOOD_DOUBT; a face above CHECK_DOUBT is left out.  Of
 * 200 held-out UTKFace photos 1 ends above CHECK_DOUBT; of 200
 * head-and-shoulders video frames (YouTube Faces) 22 do, and the points of
 * the others lie 0.084 eye distances from the dataset's (README.md, "Your
 * own faces and mask styles"). */
#define GOOD_DOUBT 0.06
#define CHECK_DOUBT 0.10
/* --several-faces: faces whose outer eye corners lie closer (px) are too
 * small to train on; two faces whose points' boxes overlap by more than
 * SAME_FACE_IOU (intersection over union) are one; at most MAX_FACES a photo */
#define MIN_EYES 16.0
#define SAME_FACE_IOU 0.3
#define MIN_CHIN 0.78
#define MAX_FACES 32
/* --truth: a face of the truth is found when a written face's points lie
 * this close (mean, in its eye distances) */
#define TRUTH_MATCH 0.25
/* seconds between progress lines */
#define PROGRESS_EVERY 30.0

/* The box a surgical mask over these points would cover: across the jaw
 * (points 1-15), from the nose bridge (28) to a little below the chin (8). */
static void mask_box(const float *lm, double *bx, double *by, double *bw, double *bh) {
  double x0 = lm[2], x1 = lm[2];
  for (int k = 1; k <= 15; k++) x0 = fmin(x0, lm[2 * k]), x1 = fmax(x1, lm[2 * k]);
  const double top = lm[2 * 28 + 1], chin = lm[2 * 8 + 1];
  *bx = x0, *bw = x1 - x0;
  *by = top, *bh = chin + 0.05 * (chin - lm[2 * 27 + 1]) - top;
}

static double eye_distance(const float *lm) {
  return hypot(lm[2 * 45] - lm[2 * 36], lm[2 * 45 + 1] - lm[2 * 36 + 1]);
}

/* The middle of a face's outer eye corners (36, 45). */
static void eye_middle(const float *lm, double *x, double *y) {
  *x = 0.5 * (lm[2 * 36] + lm[2 * 45]), *y = 0.5 * (lm[2 * 36 + 1] + lm[2 * 45 + 1]);
}

/* The box around a face's 68 points. */
static metric_box points_box(const float *lm) {
  float x0 = lm[0], y0 = lm[1], x1 = lm[0], y1 = lm[1];
  for (int k = 1; k < 68; k++) {
    x0 = fminf(x0, lm[2 * k]), x1 = fmaxf(x1, lm[2 * k]);
    y0 = fminf(y0, lm[2 * k + 1]), y1 = fmaxf(y1, lm[2 * k + 1]);
  }
  return (metric_box){x0, y0, x1 - x0, y1 - y0, 1, 0};
}

/* Points of the crop (centre cx, cy, side) found by the predictor, in photo
 * pixels (pixel centres at integers, as in faces.csv). */
static int find_points(nets_landmarker *net, const nets_image *img, double cx, double cy, double side,
                       float *crop, const float *hole, float *lm, float *spread, nets_error *err) {
  const int S = NETS_INPAINT_SIZE;
  unmask_crop_read(img->data, img->width, img->height, 3, cx, cy, side, S, crop);
  int rc = nets_landmarker_predict_spread(net, crop, hole, lm, spread, err);
  if (rc) return rc;
  const double step = side / S, x0 = cx - 0.5 * side, y0 = cy - 0.5 * side;
  for (int k = 0; k < 68; k++) {
    lm[2 * k] = (float)(x0 + (lm[2 * k] + 0.5) * step - 0.5);
    lm[2 * k + 1] = (float)(y0 + (lm[2 * k + 1] + 0.5) * step - 0.5);
  }
  return 0;
}

/* From a first look at the square (cx, cy, side): the face's 68 points,
 * framed again PASSES times.  *doubt: how far they moved in the last pass
 * plus how far the points of the crop and of its mirror image lie apart, in
 * eye distances.  crop (S*S*3) ends up holding the last crop, framed by
 * frame (cx, cy, side). */
static int settle(nets_landmarker *net, const nets_image *img, double cx, double cy, double side, float *crop,
                  const float *hole, float *lm, double *doubt, double *frame, nets_error *err) {
  float prev[136], spread = 0;
  int rc = find_points(net, img, cx, cy, side, crop, hole, lm, &spread, err);
  for (int pass = 0; pass < PASSES && !rc; pass++) {
    double bx, by, bw, bh;
    memcpy(prev, lm, sizeof prev);
    mask_box(lm, &bx, &by, &bw, &bh);
    unmask_crop_from_hole_box(bx, by, bw, bh, &cx, &cy, &side);
    rc = find_points(net, img, cx, cy, side, crop, hole, lm, &spread, err);
  }
  if (rc) return rc;
  double d = 0;
  for (int k = 0; k < 68; k++) d += hypot(lm[2 * k] - prev[2 * k], lm[2 * k + 1] - prev[2 * k + 1]);
  double iod = eye_distance(lm);
  iod = iod > 1 ? iod : 1;
  *doubt = d / 68 / iod + spread * (side / NETS_INPAINT_SIZE) / iod;
  frame[0] = cx, frame[1] = cy, frame[2] = side;
  return 0;
}

/* A face found by the search: its points, doubt (settle()) and frame. */
typedef struct {
  float lm[136];
  double doubt, frame[3];
} found_face;

/* The first looks: the whole photo (look 0), then squares of 0.7, 0.5 and
 * 0.35 of its shorter side on a 2x2, a 3x3 and a 4x4 grid, for a face that
 * fills less of the frame.  For several faces the squares go on down to
 * 0.25 and 0.18, each on a grid whose steps are at most 0.6 of its side. */
static const double look_scales[] = {1.0, 0.7, 0.5, 0.35, 0.25, 0.18};
#define LOOK_SCALES_ONE 4
#define LOOK_SCALES_SEVERAL 6
#define LOOK_STEP 0.6

static int look_grid(int s, int several, double len, double side) {
  if (!several || s == 0) return s + 1;
  const int n = (int)ceil((len - side) / (LOOK_STEP * side)) + 1;
  return n > 1 ? n : 1;
}

/* Whether points can be a face: the chin (8) lies at least MIN_CHIN eye
 * distances from the eyes' middle (0.80 or more on all 15,864 faces of the
 * shared data, 0.91 or more on all but 16).  A look at no face can settle on
 * points squashed flat: 0.21 on a YouTube Faces frame, 0.72 on two letters
 * of a shop sign, 0.56 on the cheek of a 300-W photo. */
static int face_like(const float *lm) {
  double mx, my;
  eye_middle(lm, &mx, &my);
  return hypot(lm[2 * 8] - mx, lm[2 * 8 + 1] - my) >= MIN_CHIN * eye_distance(lm);
}

/* Whether two faces' points cover much the same part of the photo, or
 * their eyes' middles lie within half an eye distance. */
static int same_face(const float *a, const float *b) {
  double ax, ay, bx, by;
  eye_middle(a, &ax, &ay), eye_middle(b, &bx, &by);
  if (hypot(ax - bx, ay - by) < 0.5 * fmax(eye_distance(a), eye_distance(b))) return 1;
  const metric_box p = points_box(a), q = points_box(b);
  return metric_box_iou(&p, &q) > SAME_FACE_IOU;
}

/* Whether the look centred at (cx, cy) lies on a face found already: no
 * other face can be centred there. */
static int on_found_face(const found_face *faces, int n, double cx, double cy) {
  for (int k = 0; k < n; k++) {
    const metric_box b = points_box(faces[k].lm);
    if (cx >= b.x && cx <= b.x + b.w && cy >= b.y && cy <= b.y + b.h) return 1;
  }
  return 0;
}

/* One face: the first look whose doubt is at most GOOD_DOUBT, else the least
 * doubtful; *n = 1.  Several faces (up to max): every look at most
 * CHECK_DOUBT whose eyes lie at least MIN_EYES px apart, the least doubtful
 * of those that cover one face.  crop is scratch (S*S*3). */
static int search_faces(nets_landmarker *net, const nets_image *img, float *crop, const float *hole,
                        int several, found_face *faces, int max, int *n, nets_error *err) {
  const int w = img->width, h = img->height;
  found_face f;
  *n = 0;
  if (!several) faces[0].doubt = HUGE_VAL;
  for (int s = 0; s < (several ? LOOK_SCALES_SEVERAL : LOOK_SCALES_ONE); s++) {
    const double side = look_scales[s] * (s ? fmin(w, h) : fmax(w, h));
    const int nx = look_grid(s, several, w, side), ny = look_grid(s, several, h, side);
    for (int gy = 0; gy < ny; gy++)
      for (int gx = 0; gx < nx; gx++) {
        /* grid centres spread from side/2 to the far edge less side/2 */
        const double cx = nx == 1 ? 0.5 * w : 0.5 * side + gx * (w - side) / (nx - 1);
        const double cy = ny == 1 ? 0.5 * h : 0.5 * side + gy * (h - side) / (ny - 1);
        if (several && on_found_face(faces, *n, cx - 0.5, cy - 0.5)) continue;
        int rc = settle(net, img, cx - 0.5, cy - 0.5, side, crop, hole, f.lm, &f.doubt, f.frame, err);
        if (rc) return rc;
        if (!face_like(f.lm)) continue;
        if (!several) {
          if (f.doubt < faces[0].doubt) faces[0] = f, *n = 1;
          if (faces[0].doubt <= GOOD_DOUBT) goto done;
          continue;
        }
        if (f.doubt > CHECK_DOUBT || eye_distance(f.lm) < MIN_EYES) continue;
        int k = 0;
        while (k < *n && !same_face(faces[k].lm, f.lm)) k++;
        if (k < *n) {
          if (f.doubt < faces[k].doubt) faces[k] = f;
        } else if (*n < max) {
          faces[(*n)++] = f;
        }
      }
  }
done:
  return 0;
}

/* A 3x3 dot per point on the crop: green, or red for a face to check. */
static void draw_points(float *tile, int S, const float *lm, const double *frame, int check) {
  const double step = frame[2] / S, x0 = frame[0] - 0.5 * frame[2], y0 = frame[1] - 0.5 * frame[2];
  for (int k = 0; k < 68; k++) {
    const int px = (int)lround((lm[2 * k] + 0.5 - x0) / step - 0.5);
    const int py = (int)lround((lm[2 * k + 1] + 0.5 - y0) / step - 0.5);
    for (int y = py - 1; y <= py + 1; y++)
      for (int x = px - 1; x <= px + 1; x++)
        if (x >= 0 && y >= 0 && x < S && y < S) {
          float *p = tile + ((size_t)y * S + x) * 3;
          p[0] = check ? 1 : 0, p[1] = check ? 0 : 1, p[2] = 0;
        }
  }
}

/* The photos of dir (nets_image_list) without those whose names cannot go
 * in faces.csv; NULL (err set) when there are none. */
static char **list_photos(const char *dir, int *n, nets_error *err) {
  char **names = nets_image_list(dir, n, err);
  int kept = 0;
  for (int i = 0; names && i < *n; i++) {
    if (strpbrk(names[i], ",\n\r")) { /* faces.csv has no quoting */
      fprintf(stderr, "annotate: %s: left out (a comma in a file name cannot go in faces.csv; rename it)\n",
              names[i]);
      free(names[i]);
    } else {
      names[kept++] = names[i];
    }
  }
  if (names) *n = kept;
  if (names && !kept) {
    nets_image_list_free(names, 0);
    nets_error_set(err, NETS_ERR_IO, "no JPEG or PNG photos in %s", dir);
    return NULL;
  }
  return names;
}

/* --truth: the rows of a faces.csv for the photos annotated, read once. */
typedef struct {
  char **file;
  float (*lm)[136];
  int n;
} truth_rows;

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void truth_free(truth_rows *t) {
  for (int i = 0; i < t->n; i++) free(t->file[i]);
  free(t->file), free(t->lm);
  memset(t, 0, sizeof *t);
}

/* The rows of fp whose file is one of names (n, sorted); 0 or NETS_ERR_NOMEM. */
static int truth_load(FILE *fp, char *const *names, int n, truth_rows *t) {
  static char line[8192];
  char *fields[UNMASK_CSV_FIELDS];
  int cap = 0, ok = 1;
  memset(t, 0, sizeof *t);
  while (ok && fgets(line, sizeof line, fp)) {
    if (!unmask_csv_split(line, fields) || !bsearch(&fields[0], names, (size_t)n, sizeof *names, by_name))
      continue;
    if (t->n == cap) {
      cap = cap ? 2 * cap : 64;
      char **f = realloc(t->file, sizeof *f * cap);
      if (f) t->file = f;
      float(*lm)[136] = f ? realloc(t->lm, sizeof *lm * cap) : NULL;
      if (lm) t->lm = lm;
      ok = lm != NULL;
    }
    if (ok && (ok = (t->file[t->n] = strdup(fields[0])) != NULL)) unmask_csv_points(fields, t->lm[t->n++]);
  }
  if (ok) return 0;
  truth_free(t);
  return NETS_ERR_NOMEM;
}

/* The faces of `file` in the truth (at most max): how many, points in lm. */
static int truth_of(const truth_rows *t, const char *file, float (*lm)[136], int max) {
  int n = 0;
  for (int i = 0; i < t->n && n < max; i++)
    if (!strcmp(t->file[i], file)) memcpy(lm[n++], t->lm[i], sizeof lm[0]);
  return n;
}

/* Mean distance of two faces' points, in eye distances of the second. */
static double points_apart(const float *a, const float *t) {
  double d = 0;
  for (int k = 0; k < 68; k++) d += hypot(a[2 * k] - t[2 * k], a[2 * k + 1] - t[2 * k + 1]);
  return d / 68 / eye_distance(t);
}

/* --truth: the faces written, scored against the truth's. */
typedef struct {
  int scored, truths, matched; /* faces scored, the truth's faces in the photos, those found */
  double d_px, d_iod;          /* sums of the mean distances */
} truth_score;

/* Scores a face written against the nearest of the nt faces of its photo in
 * the truth; taken marks those found already. */
static void score_face(truth_score *ts, const float *lm, const float (*truth)[136], int nt, int *taken) {
  int near = -1;
  for (int t = 0; t < nt; t++)
    if (near < 0 || points_apart(lm, truth[t]) < points_apart(lm, truth[near])) near = t;
  if (near < 0) return;
  const double d = points_apart(lm, truth[near]);
  ts->d_px += d * eye_distance(truth[near]), ts->d_iod += d, ts->scored++;
  if (d <= TRUTH_MATCH && !taken[near]) taken[near] = 1, ts->matched++;
}

/* The sheet: up to SHEET_TILES crops with their points, faces to check
 * first, then the others while there is room. */
typedef struct {
  float *tiles; /* SHEET_TILES crops of S*S*3, or NULL: no sheet */
  int n, face[SHEET_TILES], check[SHEET_TILES];
} sheet;

static void sheet_add(sheet *sh, const float *crop, const float *lm, const double *frame, int face, int check) {
  const int S = NETS_INPAINT_SIZE;
  int slot = sh->tiles && sh->n < SHEET_TILES ? sh->n++ : -1;
  for (int k = SHEET_TILES - 1; sh->tiles && slot < 0 && check && k >= 0; k--)
    if (!sh->check[k]) slot = k;
  if (slot < 0) return;
  float *tile = sh->tiles + (size_t)slot * S * S * 3;
  memcpy(tile, crop, sizeof(float) * S * S * 3);
  draw_points(tile, S, lm, frame, check);
  sh->face[slot] = face, sh->check[slot] = check;
}

/* Writes the sheet, 8 tiles a row, and says which file each tile is. */
static int sheet_write(const sheet *sh, const char *path, char *const *names, nets_error *err) {
  const int S = NETS_INPAINT_SIZE;
  const float *rows[SHEET_TILES];
  const int cols = sh->n < 8 ? sh->n : 8, nrows = (sh->n + cols - 1) / cols;
  int order[SHEET_TILES], m = 0;
  for (int part = 1; part >= 0; part--) /* faces to check, then the others, each in file order */
    for (int k = 0; k < sh->n; k++)
      if (sh->check[k] == part) {
        int j = m++;
        for (; j > 0 && sh->check[order[j - 1]] == part && sh->face[order[j - 1]] > sh->face[k]; j--)
          order[j] = order[j - 1];
        order[j] = k;
      }
  for (int k = 0; k < nrows * cols; k++) rows[k] = sh->tiles + (size_t)(k < m ? order[k] : k) * S * S * 3;
  int rc = train_grid_png(path, nrows, cols, S, rows, err);
  if (rc) return rc;
  printf("sheet: %s, row by row (points in red: unsure):", path);
  for (int k = 0; k < m; k++) printf(" %s", names[sh->face[order[k]]]);
  printf("\n");
  return 0;
}

static int usage(const char *a, const char *weights) {
  printf("usage: unmask-train annotate --faces DIR --out CSV [--weights FILE] [--sheet PNG]\n"
         "       [--keep-unsure] [--several-faces] [--source NAME] [--licence NAME] [--truth CSV]\n"
         "Finds the 68 landmarks of the face in each photo (JPEG or PNG) of DIR and writes\n"
         "them as a faces.csv, the file the trainers read with --faces DIR --csv CSV.\n"
         "Each photo should show one face filling much of the frame (a portrait crop),\n"
         "or use --several-faces.\n"
         "Faces whose points the predictor is unsure of are named and left out: photos\n"
         "framed too differently, faces turned far aside, or no face at all.\n"
         "  --weights FILE   the landmark predictor (default: %s)\n"
         "  --sheet PNG      up to %d faces as the predictor framed them, points drawn in\n"
         "                   (the unsure ones first, in red): look before training\n"
         "  --keep-unsure    write the unsure faces too (one face a photo)\n"
         "  --several-faces  every face of each photo the predictor is sure of, down to\n"
         "                   eyes %.0f px apart (group photos; about 200 looks a photo, slower)\n"
         "  --source NAME    the CSV's source column (default own); --licence the same\n"
         "  --truth CSV      score the faces written against the points of another\n"
         "                   faces.csv (same file names): mean distance to the nearest of\n"
         "                   its faces in the photo, in pixels and in eye distances (outer\n"
         "                   eye corners), and how many of its faces were found\n",
         weights, SHEET_TILES, MIN_EYES);
  return strcmp(a, "--help") ? 2 : 0;
}

typedef struct {
  const char *dir, *out, *weights, *sheet, *truth, *source, *licence;
  int keep_unsure, several;
} annotate_opts;

/* The faces of the photos in o->dir, one CSV row each, into fp. */
static int annotate_all(const annotate_opts *o, char *const *names, int n, nets_landmarker *net, FILE *fp,
                        const truth_rows *tf, sheet *sh, nets_error *err) {
  const int S = NETS_INPAINT_SIZE;
  float *crop = malloc(sizeof(float) * S * S * 3), *hole = calloc((size_t)S * S, sizeof(float));
  found_face *faces = malloc(sizeof(found_face) * MAX_FACES);
  float(*truth)[136] = malloc(sizeof(float) * 136 * MAX_FACES);
  int written = 0, unsure = 0, unreadable = 0, rc = 0;
  truth_score ts = {0};
  const double t0 = train_now();
  double t_told = t0;
  if (!crop || !hole || !faces || !truth) {
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    rc = NETS_ERR_NOMEM;
  }
  fprintf(fp, "file,width,height,source,licence");
  for (int k = 0; k < 68; k++) fprintf(fp, ",x%d,y%d", k, k);
  fprintf(fp, "\n");
  for (int i = 0; i < n && !rc; i++) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
    nets_image *raw = nets_image_load(path, err), *img = raw ? nets_image_convert(raw, 3) : NULL;
    if (!img) {
      fprintf(stderr, "annotate: %s: %s (left out)\n", names[i], raw ? "out of memory" : err->msg);
      nets_image_free(raw);
      unreadable++;
      continue;
    }
    nets_image_free(raw);
    const int w = img->width, h = img->height;
    int nf = 0;
    rc = search_faces(net, img, crop, hole, o->several, faces, MAX_FACES, &nf, err);
    if (!rc && !nf) {
      fprintf(stderr, "annotate: %s: no face found\n", names[i]);
      unsure += !o->several;
    }
    for (int f = 0; !rc && f < nf; f++) { /* each face's tile on the sheet, as the predictor framed it */
      const double *fr = faces[f].frame;
      unmask_crop_read(img->data, w, h, 3, fr[0], fr[1], fr[2], S, crop);
      sheet_add(sh, crop, faces[f].lm, fr, i, !o->several && faces[f].doubt > CHECK_DOUBT);
    }
    nets_image_free(img);
    if (rc) break;
    const int nt = tf ? truth_of(tf, names[i], truth, MAX_FACES) : 0;
    int taken[MAX_FACES] = {0};
    ts.truths += nt;
    for (int f = 0; f < nf; f++) {
      const float *lm = faces[f].lm;
      if (!o->several && faces[f].doubt > CHECK_DOUBT) {
        fprintf(stderr, "annotate: %s: unsure of the points (%.2f eye distances)%s\n", names[i], faces[f].doubt,
                o->keep_unsure ? "" : "; left out");
        unsure++;
        if (!o->keep_unsure) continue;
      }
      fprintf(fp, "%s,%d,%d,%s,%s", names[i], w, h, o->source, o->licence);
      for (int k = 0; k < 136; k++) fprintf(fp, ",%.1f", lm[k]);
      fprintf(fp, "\n");
      written++;
      score_face(&ts, lm, truth, nt, taken);
    }
    const double now = train_now();
    if (now - t_told >= PROGRESS_EVERY && i + 1 < n) { /* a long folder: how far, and how long to go */
      fprintf(stderr, "annotate: %d of %d photos, %d faces written; about %.0f min to go\n", i + 1, n, written,
              (now - t0) / (i + 1) * (n - i - 1) / 60);
      t_told = now;
    }
  }
  free(hole), free(crop), free(faces), free(truth);
  if (rc) return rc;
  printf("%s: %d faces written of %d photos in %s, %.0f ms per photo; ", o->out, written, n, o->dir,
         n ? 1e3 * (train_now() - t0) / n : 0.0);
  if (!o->several) printf("%d unsure%s, ", unsure, o->keep_unsure ? " (written)" : " (left out)");
  printf("%d unreadable\n", unreadable);
  if (tf)
    printf("against %s: %d faces, mean distance %.2f px, %.4f eye distances (each to the nearest face of its "
           "photo there); %d of its %d faces in these photos found (within %.2f eye distances)\n",
           o->truth, ts.scored, ts.scored ? ts.d_px / ts.scored : 0.0, ts.scored ? ts.d_iod / ts.scored : 0.0,
           ts.matched, ts.truths, TRUTH_MATCH);
  return 0;
}

int annotate_main(int argc, char **argv) {
  static char def_w[4096];
  /* the installed predictor, else the source tree's */
  snprintf(def_w, sizeof def_w, "%s/landmarks.safetensors", UNMASK_WEIGHTS_DIR);
  if (!train_file_exists(def_w)) snprintf(def_w, sizeof def_w, "%s/landmarks.safetensors", UNMASK_SOURCE_WEIGHTS_DIR);
  annotate_opts o = {.weights = def_w, .source = "own", .licence = "own"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--faces") && v) o.dir = argv[++i];
    else if (!strcmp(a, "--out") && v) o.out = argv[++i];
    else if (!strcmp(a, "--weights") && v) o.weights = argv[++i];
    else if (!strcmp(a, "--sheet") && v) o.sheet = argv[++i];
    else if (!strcmp(a, "--truth") && v) o.truth = argv[++i];
    else if (!strcmp(a, "--source") && v) o.source = argv[++i];
    else if (!strcmp(a, "--licence") && v) o.licence = argv[++i];
    else if (!strcmp(a, "--keep-unsure")) o.keep_unsure = 1;
    else if (!strcmp(a, "--several-faces")) o.several = 1;
    else return usage(a, def_w);
  }
  if (!o.dir || !o.out) return usage("", def_w);
  if (strpbrk(o.source, ",\n") || strpbrk(o.licence, ",\n")) {
    fprintf(stderr, "annotate: --source and --licence cannot hold a comma\n");
    return 2;
  }
  nets_error err = {0};
  int n = 0, rc = 1;
  sheet sh = {0};
  char **names = list_photos(o.dir, &n, &err);
  nets_landmarker *net = names ? nets_landmarker_load(o.weights, &err) : NULL;
  FILE *tfp = NULL, *fp = NULL;
  truth_rows truth = {0};
  if (!names || !net) fprintf(stderr, "annotate: %s\n", err.msg);
  else if (o.truth && !(tfp = fopen(o.truth, "r"))) fprintf(stderr, "annotate: cannot read %s\n", o.truth);
  else if (tfp && truth_load(tfp, names, n, &truth)) fprintf(stderr, "annotate: out of memory reading %s\n", o.truth);
  else if (!(fp = fopen(o.out, "w"))) fprintf(stderr, "annotate: cannot write %s\n", o.out);
  else if (o.sheet && !(sh.tiles = malloc(sizeof(float) * SHEET_TILES * NETS_INPAINT_SIZE * NETS_INPAINT_SIZE * 3)))
    fprintf(stderr, "annotate: out of memory\n");
  else if (annotate_all(&o, names, n, net, fp, tfp ? &truth : NULL, &sh, &err))
    fprintf(stderr, "annotate: %s\n", err.msg);
  else rc = 0;
  if (fp && fclose(fp) && !rc) {
    fprintf(stderr, "annotate: cannot write %s\n", o.out);
    rc = 1;
  }
  if (!rc && sh.tiles && sh.n && sheet_write(&sh, o.sheet, names, &err)) {
    fprintf(stderr, "annotate: %s\n", err.msg);
    rc = 1;
  }
  if (tfp) fclose(tfp);
  truth_free(&truth);
  free(sh.tiles);
  nets_landmarker_free(net);
  nets_image_list_free(names, n);
  return rc;
}
