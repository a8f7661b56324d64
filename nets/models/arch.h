/* Model descriptions: each function builds the one graph that both inference
 * and the trainer use, so the two can never drift apart.  Input packing
 * (HWC image -> the network's NCHW input) is defined here too. */
#ifndef NETS_ARCH_H
#define NETS_ARCH_H

#include "../core/graph.h"
#include "../io/safetensors.h"
#include "models.h"

#define INPAINTER_ARCH_PREFIX "unmask-inpainter-v"
#define CRITIC_ARCH "unmask-critic-v1"
#define DETECTOR_ARCH_PREFIX "unmask-detector-v"

/* Inpainter: input 4 x S x S (S = NETS_INPAINT_SIZE): RGB in [-1,1] with the
 * hole zeroed, then the hole (1 = repaint); version 5 adds the sketch.  Outputs (node ids): coarse RGB
 * in [-1,1] (tanh) and refined = coarse + a correction (not clamped: the
 * caller's unpack clamps). */
typedef struct {
  nets_graph *g;
  int coarse, out;
  int version;
  char arch[32];
} inpainter_net;
/* version 2; 3: version 2 with three more gated layers in the coarse
 * network, each added to its input (at 16, 32 and 64 px); 4: version 3
 * with a 32-px level in the refinement (three gated layers of 64 channels),
 * added to its 64-px features through one more gated layer; 5: version 3
 * with a fifth input channel, a line drawing of the lower face
 * (unmask_landmark_sketch) that says where to paint the jaw, nose and lips,
 * or zeros where none is known; 6: version 5 with three more such gated
 * layers added to their input, two at 16 px (dilations 4 and 8) and one at
 * 32 px (dilation 2). */
int inpainter_build(inpainter_net *net, int version);
/* The version an "arch" name gives (2 to 6), or 0 for none of them. */
int inpainter_version(const char *arch);
/* The input channels of a version: 4, or 5 with the sketch (5 and 6). */
int inpainter_inputs(int version);
/* For version 5 or 6 started from a version-3 file (path): fills the two layers
 * that see the input (enc1, ref1) from the file's narrower ones, with zero
 * weights on the sketch, so the network starts as exactly what the file
 * computes.  Adds the layers filled to *n_taken.  Other versions: nothing. */
int inpainter_widen_from(inpainter_net *net, const char *path, int *n_taken, nets_error *err);
/* Builds the version that the weights file f (read from path) names in its
 * "arch" and loads its tensors.  Errors: not inpainter weights, out of
 * memory, tensors that do not fit (the network is then freed). */
int inpainter_build_from(inpainter_net *net, const nets_st_file *f, const char *path,
                         nets_error *err);
/* Zero the feature half of the layers added to their input that versions 3,
 * 4 and 6 add (their biases start at zero): the network then computes
 * exactly what the layers it shares with the previous version compute. */
void inpainter_zero_residuals(inpainter_net *net);
/* One sample: rgb HWC [0,1], hole (S*S) and, with 5 inputs, the sketch
 * (S*S, NULL: none) -> the NCHW input of one image (inputs channels). */
void inpainter_pack(const float *rgb, const float *hole, const float *sketch, int inputs, int size,
                    float *dst);
/* One sample of network output (NCHW, [-1,1]) -> HWC [0,1]. */
void inpainter_unpack(const float *src, int size, float *rgb);

/* Critic (SN-PatchGAN): input 4 x S x S (RGB in [-1,1], hole), output a
 * map of patch logits.  width is the first layer's channels (the next
 * layers have 2, 4 and 4 times as many); arch names the weights' layout. */
typedef struct {
  nets_graph *g;
  int feat[4]; /* the four strided layers, for feature matching */
  int out;
  char arch[48];
} critic_net;
int critic_build(critic_net *net, int width);

/* Landmark predictor: input as the inpainter's (4 x S x S: RGB with the
 * hole zeroed, the hole), output LANDMARKER_POINTS maps of logits at
 * S / LANDMARKER_CELL, one per point of the 68-point scheme; each point is
 * its map's soft-argmax, map cell (i, j) being crop pixel
 * (CELL j + (CELL - 1) / 2, CELL i + (CELL - 1) / 2). */
#define LANDMARKER_ARCH "unmask-landmarks-v1"
#define LANDMARKER_POINTS 68
#define LANDMARKER_CELL 4
typedef struct {
  nets_graph *g;
  int out;
  char arch[32];
} landmarker_net;
int landmarker_build(landmarker_net *net);
/* Builds the network and loads the weights file at path.  Errors: no such
 * file, not landmark weights, out of memory (the network is then freed). */
int landmarker_load(landmarker_net *net, const char *path, nets_error *err);
/* One sample's maps -> its 68 points (x0, y0, .., x67, y67 in crop pixels). */
void landmarker_points(const float *logits, float *lm);

/* Detector: input 3 x H x W (RGB in [-1,1]; H, W multiples of
 * DETECTOR_STRIDE), output 1 x H/2 x W/2 logits of "this pixel is covered by
 * a face mask". */
#define DETECTOR_STRIDE 32
#define DETECTOR_OUT_SCALE 2
typedef struct {
  nets_graph *g;
  int feat[3]; /* c1, c3, c5 (1/2, 1/4, 1/8): the trainer's perceptual loss */
  int out;
  int deep, mid; /* c10 (1/32, after its blocks) and u2 (1/8): pooled features */
  int version;
  char arch[32];
  /* the file's second-look model (metadata NETS_LOOK_META), if it has one */
  float look[NETS_LOOK_MAX + 1];
  int n_look; /* its number of weights; 0: none */
} detector_net;
/* version 2; 3: version 2 with two residual blocks (conv, ReLU, conv,
 * added to their input) at 1/32 resolution, after c10; 4: version 2 with
 * two bottleneck blocks (1x1 to half the channels, 3x3, 1x1 back, added to
 * their input) at 1/8 after c5 and two at 1/16 after c8; 5: version 4
 * with a residual block (3x3, ReLU, 3x3, added to its input) after each of
 * the decoder's u2 (1/8), u3 (1/4) and u4 (1/2). */
int detector_build(detector_net *net, int version);
/* The version an "arch" name gives (2 to 5), or 0 for none of them. */
int detector_version(const char *arch);
/* Reads the weights file at path, builds the version its "arch" names and
 * loads its tensors and its second-look model (NETS_LOOK_META; a value that
 * does not parse is an error).  Errors: no such file, not detector weights, out of
 * memory, tensors that do not fit (the network is then freed). */
int detector_load(detector_net *net, const char *path, nets_error *err);
/* Zero the last layer of each block versions 3 to 5 add (weights and biases):
 * the network then computes exactly what the version-2 layers compute. */
void detector_zero_residuals(detector_net *net);
/* HWC [0,1] rgb of w x h -> NCHW input of pw x ph (edge-replicated padding). */
void detector_pack(const float *rgb, int w, int h, int pw, int ph, float *dst);

#endif
