/* Inference wrappers of the shipped networks (see models.h). */
#include "models.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/blas.h"
#include "../core/parallel.h"
#include "../core/weights.h"
#include "../io/safetensors.h"
#include "arch.h"

struct nets_inpainter {
  inpainter_net net;
  inpainter_net twin; /* a copy that paints the mirror image beside net (see side_by_side) */
  int out;    /* the output node used: the refined one unless the file says otherwise */
  int mirror; /* 1: average with the mirrored crop's result */
  int paired; /* the last forward pass ran net and twin side by side */
  float *in;  /* the network's input: the crop, then its mirror image */
  const float *sketch; /* borrowed: the caller's sketch for version 5, or NULL */
  float *avg; /* one output (NCHW) */
};

/* Mirrors each row of n planes of size x size, from src into dst. */
static void mirror_planes(const float *src, int n, int size, float *dst) {
  for (int r = 0; r < n * size; r++)
    for (int x = 0; x < size; x++) dst[(size_t)r * size + x] = src[(size_t)r * size + size - 1 - x];
}

struct nets_detector {
  detector_net net;
  float *in;
  size_t in_size;
};

nets_inpainter *nets_inpainter_load(const char *path, nets_error *err) {
  if (nets_blas_init(err)) return NULL;
  nets_st_file *f = nets_st_load(path, err);
  if (!f) return NULL;
  nets_inpainter *p = calloc(1, sizeof *p);
  if (!p) {
    nets_st_free(f);
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the inpainter");
    return NULL;
  }
  const int s = NETS_INPAINT_SIZE;
  p->mirror = 1;
  p->in = nets_alloc_floats((size_t)2 * 5 * s * s);
  p->avg = nets_alloc_floats((size_t)3 * s * s);
  /* the file's "arch" names the version of the network to build */
  /* the graph's buffers are allocated by the first forward pass, so that a
   * process that only detects does not pay for them */
  if (!p->in || !p->avg || inpainter_build_from(&p->net, f, path, err)) {
    if (!p->in || !p->avg) nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    nets_st_free(f);
    nets_inpainter_free(p);
    return NULL;
  }
  nets_graph_keep(p->net.g, p->net.coarse); /* read after the refinement has run */
  /* Weights may name the stage to use ("inference_output": "coarse" or
   * "refined"): a refinement stage that is not trained well enough yet can
   * be left out without changing the model. */
  const char *which = nets_st_meta(f, "inference_output");
  p->out = which && strcmp(which, "coarse") == 0 ? p->net.coarse : p->net.out;
  nets_st_free(f);
  return p;
}

void nets_inpainter_free(nets_inpainter *p) {
  if (!p) return;
  nets_graph_free(p->net.g);
  nets_graph_free(p->twin.g);
  nets_free_floats(p->in);
  nets_free_floats(p->avg);
  free(p);
}

int nets_inpainter_takes_sketch(const nets_inpainter *p) { return inpainter_inputs(p->net.version) > 4; }

void nets_inpainter_set_sketch(nets_inpainter *p, const float *sketch) { p->sketch = sketch; }

int nets_inpainter_set_mirror(nets_inpainter *p, int on, nets_error *err) {
  (void)err; /* the batch is sized by the next forward pass */
  p->mirror = on != 0;
  return NETS_OK;
}

/* The output node's result for the last forward pass, as HWC [0,1]: the
 * first crop's, or with mirror the mean of it and the mirrored crop's
 * result mirrored back. */
static void unpack_output(nets_inpainter *p, int node, float *out) {
  const int s = NETS_INPAINT_SIZE;
  const size_t one = (size_t)3 * s * s;
  const float *o = nets_graph_output(p->net.g, node)->data;
  if (!p->mirror) {
    inpainter_unpack(o, s, out);
    return;
  }
  mirror_planes(p->paired ? nets_graph_output(p->twin.g, node)->data : o + one, 3, s, p->avg);
  for (size_t q = 0; q < one; q++) p->avg[q] = 0.5f * (p->avg[q] + o[q]);
  inpainter_unpack(p->avg, s, out);
}

/* With two threads or more, the crop and its mirror image are painted side
 * by side, each by its own copy of the network on one thread, with no
 * meeting point until the end.  On 2 cores that is 58 ms for version 5,
 * against 67 ms for one batch of two (whose convolutions also do one image
 * per thread, but meet after every layer) and 88 ms with every product
 * shared by the threads. */
static int side_by_side(const nets_inpainter *p) {
  return p->mirror && nets_blas_get_threads() >= 2 && nets_parallel_get_threads() >= 2;
}

/* Builds the twin once: the same network, its parameters copied. */
static int make_twin(nets_inpainter *p, nets_error *err) {
  if (p->twin.g) return NETS_OK;
  if (inpainter_build(&p->twin, p->net.version) || p->twin.g->n_params != p->net.g->n_params) {
    nets_graph_free(p->twin.g);
    p->twin.g = NULL;
    return nets_error_set(err, NETS_ERR_NOMEM, "cannot build a second inpainter");
  }
  for (int i = 0; i < p->net.g->n_params; i++)
    memcpy(p->twin.g->params[i].value->data, p->net.g->params[i].value->data,
           nets_tensor_size(p->net.g->params[i].value) * sizeof(float));
  nets_graph_keep(p->twin.g, p->twin.coarse);
  return NETS_OK;
}

typedef struct {
  nets_graph *g;
  const float *in;
  int last, rc;
  nets_error err;
} pass;

static void *run_pass(void *arg) {
  pass *q = arg;
  q->rc = nets_graph_forward_upto(q->g, q->in, q->last, &q->err);
  return NULL;
}

/* Runs the network up to node `last` (the coarse output needs no refinement). */
static int forward(nets_inpainter *p, const float *rgb, const float *hole, int last, nets_error *err) {
  const int s = NETS_INPAINT_SIZE;
  const int c = inpainter_inputs(p->net.version);
  const int paired = side_by_side(p) && make_twin(p, NULL) == NETS_OK;
  /* no-op once sized */
  int rc = nets_graph_prepare(p->net.g, p->mirror && !paired ? 2 : 1, s, s, 0, err);
  if (!rc && paired) rc = nets_graph_prepare(p->twin.g, 1, s, s, 0, err);
  if (rc) return rc;
  p->paired = paired;
  inpainter_pack(rgb, hole, p->sketch, c, s, p->in);
  if (p->mirror) mirror_planes(p->in, c, s, p->in + (size_t)c * s * s);
  if (!paired) return nets_graph_forward_upto(p->net.g, p->in, last, err);
  /* one thread each; the thread counts are process-wide (the callers run
   * one pipeline at a time) and are given back afterwards */
  const int blas_threads = nets_blas_get_threads(), threads = nets_parallel_get_threads();
  nets_blas_set_threads(1);
  nets_parallel_set_threads(1);
  pass q = {p->twin.g, p->in + (size_t)c * s * s, last, 0, {0}};
  pthread_t t;
  const int started = pthread_create(&t, NULL, run_pass, &q) == 0;
  rc = nets_graph_forward_upto(p->net.g, p->in, last, err);
  if (started) pthread_join(t, NULL);
  else run_pass(&q);
  nets_blas_set_threads(blas_threads);
  nets_parallel_set_threads(threads);
  if (!rc && q.rc) {
    rc = q.rc;
    if (err) *err = q.err;
  }
  return rc;
}

int nets_inpainter_predict_stage(nets_inpainter *p, const float *rgb, const float *hole,
                                 nets_stage stage, float *out, nets_error *err) {
  const int which = stage == NETS_STAGE_COARSE    ? p->net.coarse
                    : stage == NETS_STAGE_REFINED ? p->net.out
                                                  : p->out;
  int rc = forward(p, rgb, hole, which, err);
  if (rc) return rc;
  unpack_output(p, which, out);
  return NETS_OK;
}

int nets_inpainter_predict(nets_inpainter *p, const float *rgb, const float *hole, float *out,
                           nets_error *err) {
  return nets_inpainter_predict_stage(p, rgb, hole, NETS_STAGE_DEFAULT, out, err);
}

int nets_inpainter_predict_stages(nets_inpainter *p, const float *rgb, const float *hole,
                                  float *coarse, float *refined, nets_error *err) {
  int rc = forward(p, rgb, hole, p->net.out, err); /* the refined output is the last node */
  if (rc) return rc;
  unpack_output(p, p->net.coarse, coarse);
  unpack_output(p, p->net.out, refined);
  return NETS_OK;
}

int nets_inpainter_predict_detail(nets_inpainter *p, const float *rgb, const float *hole, float detail,
                                  float *out, nets_error *err) {
  if (!(detail > 0)) return nets_inpainter_predict_stage(p, rgb, hole, NETS_STAGE_COARSE, out, err);
  const size_t n = (size_t)3 * NETS_INPAINT_SIZE * NETS_INPAINT_SIZE;
  float *coarse = malloc(sizeof(float) * n);
  if (!coarse) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  int rc = nets_inpainter_predict_stages(p, rgb, hole, coarse, out, err);
  if (!rc) nets_inpainter_mix(coarse, out, detail, out);
  free(coarse);
  return rc;
}

/* One pass of the binomial filter [1 2 1]/4 along x (step 3, n values per
 * line, `lines` lines `stride` apart) or along y, in place on HWC data;
 * edges repeat their pixel. */
static void binomial_pass(float *v, int n, size_t step, int lines, size_t stride) {
  float line[NETS_INPAINT_SIZE];
  for (int l = 0; l < lines; l++)
    for (int c = 0; c < 3; c++) {
      float *a = v + (size_t)l * stride + c;
      for (int i = 0; i < n; i++) line[i] = a[i * step];
      for (int i = 0; i < n; i++)
        a[i * step] = 0.25f * line[i ? i - 1 : 0] + 0.5f * line[i] + 0.25f * line[i + 1 < n ? i + 1 : n - 1];
    }
}

void nets_inpainter_mix(const float *coarse, const float *refined, float detail, float *out) {
  const int s = NETS_INPAINT_SIZE;
  const size_t n = (size_t)3 * s * s;
  const float d = detail < 0 ? 0 : detail > 1 ? 1 : detail;
  for (size_t i = 0; i < n; i++) out[i] = refined[i] - coarse[i];
  binomial_pass(out, s, 3, s, (size_t)3 * s); /* along each row */
  binomial_pass(out, s, (size_t)3 * s, s, 3); /* along each column */
  for (size_t i = 0; i < n; i++) out[i] = coarse[i] + d * out[i];
}

const char *nets_inpainter_stage(const nets_inpainter *p) {
  return p->out == p->net.coarse ? "coarse" : "refined";
}

nets_detector *nets_detector_load(const char *path, nets_error *err) {
  if (nets_blas_init(err)) return NULL;
  nets_detector *d = calloc(1, sizeof *d);
  if (!d) {
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the detector");
    return NULL;
  }
  /* the file's "arch" names the version of the network to build; the maps
   * nets_detector_pooled reads live on after each prediction */
  if (detector_load(&d->net, path, err)) {
    free(d);
    return NULL;
  }
  if (nets_graph_keep(d->net.g, d->net.deep) || nets_graph_keep(d->net.g, d->net.mid)) {
    nets_error_set(err, NETS_ERR_ARG, "%s: the detector has no maps to pool", path);
    nets_detector_free(d);
    return NULL;
  }
  return d;
}

void nets_detector_free(nets_detector *d) {
  if (!d) return;
  nets_graph_free(d->net.g);
  nets_free_floats(d->in);
  free(d);
}

int nets_detector_pooled(nets_detector *d, const float *weight, int w, int h, float *out, nets_error *err) {
  const nets_tensor *a = nets_graph_output(d->net.g, d->net.deep), *b = nets_graph_output(d->net.g, d->net.mid);
  if (!a || !b || !a->data || !b->data || a->c + b->c != NETS_DETECTOR_POOLED || d->net.g->w < w ||
      d->net.g->h < h || d->net.g->w - w >= DETECTOR_STRIDE || d->net.g->h - h >= DETECTOR_STRIDE)
    return nets_error_set(err, NETS_ERR_ARG, "pooled features: no prediction of a %dx%d picture", w, h);
  const int na = a->c, nb = b->c, ap = a->h * a->w, bp = b->h * b->w;
  for (int c = 0; c < na; c++) {
    double s = 0;
    for (int i = 0; i < ap; i++) s += a->data[(size_t)c * ap + i];
    out[c] = (float)(s / ap);
  }
  /* the mid map's cells weighed by the weight of their input pixels */
  const int st = d->net.g->w / b->w;
  double *cw = calloc((size_t)bp, sizeof *cw), tot = 0;
  if (!cw) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const int cx = x / st, cy = y / st;
      if (cx < b->w && cy < b->h) cw[cy * b->w + cx] += weight[(size_t)y * w + x];
    }
  for (int i = 0; i < bp; i++) tot += cw[i];
  for (int c = 0; c < nb; c++) {
    double s = 0;
    for (int i = 0; i < bp; i++) s += cw[i] * b->data[(size_t)c * bp + i];
    out[na + c] = tot > 0 ? (float)(s / tot) : 0.f;
  }
  free(cw);
  return NETS_OK;
}

const float *nets_detector_look_model(const nets_detector *d, int *n) {
  *n = d->net.n_look;
  return d->net.n_look ? d->net.look : NULL;
}

static float sigmoid(float x) { return 1.f / (1.f + __builtin_expf(-x)); }

int nets_detector_predict(nets_detector *d, const float *rgb, int w, int h, float *prob,
                          nets_error *err) {
  if (w <= 0 || h <= 0) return nets_error_set(err, NETS_ERR_ARG, "empty image");
  const int st = DETECTOR_STRIDE;
  const int pw = (w + st - 1) / st * st, ph = (h + st - 1) / st * st;
  const size_t need = (size_t)3 * pw * ph;
  if (need > d->in_size) {
    nets_free_floats(d->in);
    d->in = nets_alloc_floats(need);
    d->in_size = d->in ? need : 0;
    if (!d->in) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for a %dx%d image", w, h);
  }
  int rc = nets_graph_prepare(d->net.g, 1, ph, pw, 0, err);
  if (rc) return rc;
  detector_pack(rgb, w, h, pw, ph, d->in);
  if ((rc = nets_graph_forward(d->net.g, d->in, err))) return rc;
  /* bilinear upsampling of the 1/4-scale logits, then sigmoid */
  const nets_tensor *lo = nets_graph_output(d->net.g, d->net.out);
  const int lw = lo->w, lh = lo->h;
  const float sc = 1.f / DETECTOR_OUT_SCALE;
  for (int y = 0; y < h; y++) {
    float fy = (y + 0.5f) * sc - 0.5f;
    if (fy < 0) fy = 0;
    int y0 = (int)fy, y1 = y0 + 1 < lh ? y0 + 1 : lh - 1;
    float ty = fy - y0;
    for (int x = 0; x < w; x++) {
      float fx = (x + 0.5f) * sc - 0.5f;
      if (fx < 0) fx = 0;
      int x0 = (int)fx, x1 = x0 + 1 < lw ? x0 + 1 : lw - 1;
      float tx = fx - x0;
      const float *r0 = lo->data + (size_t)y0 * lw, *r1 = lo->data + (size_t)y1 * lw;
      float v = (1 - ty) * ((1 - tx) * r0[x0] + tx * r0[x1]) + ty * ((1 - tx) * r1[x0] + tx * r1[x1]);
      prob[(size_t)y * w + x] = sigmoid(v);
    }
  }
  return NETS_OK;
}

int nets_detector_predict_2x(nets_detector *d, const float *rgb, int w, int h, float *prob,
                             nets_error *err) {
  const int W = 2 * w, H = 2 * h;
  float *big = malloc(sizeof(float) * 3 * W * H), *pb = malloc(sizeof(float) * W * H);
  if (!big || !pb) {
    free(big), free(pb);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for a %dx%d view", W, H);
  }
  for (int y = 0; y < H; y++) { /* bilinear 2x */
    float fy = (y + 0.5f) * 0.5f - 0.5f;
    if (fy < 0) fy = 0;
    const int y0 = (int)fy, y1 = y0 + 1 < h ? y0 + 1 : y0;
    const float ty = fy - y0;
    for (int x = 0; x < W; x++) {
      float fx = (x + 0.5f) * 0.5f - 0.5f;
      if (fx < 0) fx = 0;
      const int x0 = (int)fx, x1 = x0 + 1 < w ? x0 + 1 : x0;
      const float tx = fx - x0;
      const float *a = rgb + ((size_t)y0 * w) * 3, *b = rgb + ((size_t)y1 * w) * 3;
      for (int c = 0; c < 3; c++)
        big[((size_t)y * W + x) * 3 + c] =
            (1 - ty) * ((1 - tx) * a[x0 * 3 + c] + tx * a[x1 * 3 + c]) +
            ty * ((1 - tx) * b[x0 * 3 + c] + tx * b[x1 * 3 + c]);
    }
  }
  int rc = nets_detector_predict(d, big, W, H, pb, err);
  for (int y = 0; !rc && y < h; y++)
    for (int x = 0; x < w; x++) {
      const float *r0 = pb + (size_t)(2 * y) * W + 2 * x, *r1 = r0 + W;
      const float v = 0.25f * (r0[0] + r0[1] + r1[0] + r1[1]);
      if (v > prob[(size_t)y * w + x]) prob[(size_t)y * w + x] = v;
    }
  free(big), free(pb);
  return rc;
}

const int nets_landmark_mirror[68] = {
    16, 15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  0,  26, 25, 24, 23, 22, 21,
    20, 19, 18, 17, 27, 28, 29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36,
    41, 40, 54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65};

struct nets_landmarker {
  landmarker_net net;
  int mirror; /* 1: average with the mirrored crop's points (batch of 2) */
  float *in;  /* the crop, then its mirror image */
};

nets_landmarker *nets_landmarker_load(const char *path, nets_error *err) {
  if (nets_blas_init(err)) return NULL;
  const int s = NETS_INPAINT_SIZE;
  nets_landmarker *p = calloc(1, sizeof *p);
  if (p) p->in = nets_alloc_floats((size_t)2 * 4 * s * s);
  if (!p || !p->in) {
    nets_error_set(err, NETS_ERR_NOMEM, "out of memory building the landmark network");
    nets_landmarker_free(p);
    return NULL;
  }
  p->mirror = 1;
  if (landmarker_load(&p->net, path, err)) { /* buffers come with the first prediction */
    nets_landmarker_free(p);
    return NULL;
  }
  return p;
}

void nets_landmarker_free(nets_landmarker *p) {
  if (!p) return;
  nets_graph_free(p->net.g);
  nets_free_floats(p->in);
  free(p);
}

int nets_landmarker_set_mirror(nets_landmarker *p, int on, nets_error *err) {
  (void)err; /* the batch is sized by the next prediction */
  p->mirror = on != 0;
  return NETS_OK;
}

int nets_landmarker_predict(nets_landmarker *p, const float *rgb, const float *hole, float *lm,
                            nets_error *err) {
  return nets_landmarker_predict_spread(p, rgb, hole, lm, NULL, err);
}

int nets_landmarker_predict_spread(nets_landmarker *p, const float *rgb, const float *hole, float *lm,
                                   float *spread, nets_error *err) {
  const int s = NETS_INPAINT_SIZE;
  int rc = nets_graph_prepare(p->net.g, p->mirror ? 2 : 1, s, s, 0, err); /* no-op once sized */
  if (rc) return rc;
  inpainter_pack(rgb, hole, NULL, 4, s, p->in);
  if (p->mirror) mirror_planes(p->in, 4, s, p->in + (size_t)4 * s * s);
  rc = nets_graph_forward(p->net.g, p->in, err);
  if (rc) return rc;
  const nets_tensor *maps = nets_graph_output(p->net.g, p->net.out);
  landmarker_points(maps->data, lm);
  double d = 0;
  if (p->mirror) {
    float m[136];
    landmarker_points(maps->data + nets_tensor_size(maps) / 2, m);
    for (int i = 0; i < 68; i++) { /* point i is point mirror[i] of the mirror image, x flipped */
      const int j = nets_landmark_mirror[i];
      const float mx = s - 1 - m[2 * j], my = m[2 * j + 1];
      d += hypotf(lm[2 * i] - mx, lm[2 * i + 1] - my);
      lm[2 * i] = 0.5f * (lm[2 * i] + mx);
      lm[2 * i + 1] = 0.5f * (lm[2 * i + 1] + my);
    }
  }
  if (spread) *spread = (float)(d / 68);
  return NETS_OK;
}
