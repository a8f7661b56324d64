/* Shared pieces of the trainer: run folders, logs, loss-curve plots, sample
 * grids, timing, and the default data paths. */
#ifndef TRAIN_COMMON_H
#define TRAIN_COMMON_H

#include <stdio.h>

#include "../core/nets-error.h"
#include "../synth/synth.h"

double train_now(void);
int train_mkdirs(const char *dir);
int train_file_exists(const char *path);
/* The version that version_of reads from the "arch" of the weights file at
 * path, or 0 (no path, no such file, or not that network's weights). */
int train_file_version(const char *path, int (*version_of)(const char *arch));

/* Where face data is looked up when no --faces/--csv is given:
 * $UNMASK_DATA, then ../shared/data beside the source tree. */
const char *train_default_data_dir(void);

/* Options shared by the training and evaluation commands. */
typedef struct {
  char faces[4096], csv[4096], templates[4096]; /* templates "" = none */
  const char *run, *init;
  long steps;
  double hours;
  int batch, save_every, sample_every, log_every, threads;
  unsigned long long seed;
  float ema; /* decay of the weight average, or 0: none */
  char kind_weights[256]; /* --kind-weights as given, "" = the defaults */
  double kind_w[UNMASK_MASK_N_KINDS]; /* parsed by train_opts_finish; -1 = default */
} train_opts;

#define TRAIN_OPTS_HELP                                                                          \
  "  --faces DIR        face photos (default: $UNMASK_DATA or ../shared/data, faces/)\n"          \
  "  --csv FILE         68-point landmarks in faces.csv format\n"                                \
  "  --templates CFG    MaskTheFace masks.cfg (default: mask-templates/masks.cfg beside it)\n"   \
  "  --run DIR          run folder: checkpoints, log.csv, loss.png, samples/\n"                  \
  "  --init FILE        start a new run from these weights (tensors whose name and shape\n"     \
  "                     match; the rest keep their initialisation)\n"                         \
  "  --steps N          train until step N\n"                                                    \
  "  --hours H          stop (with a checkpoint) after H hours of this session\n"                \
  "  --batch B          samples per step (default 8)\n"                                          \
  "  --save-every N, --sample-every N, --log-every N   periods in steps\n"                      \
  "  --threads N        CPU threads (default: all)\n"                                            \
  "  --seed S           data and initialisation seed (default 1)\n"                              \
  "  --ema D            also keep an exponential moving average of the weights (decay D,\n"    \
  "                     e.g. 0.999) and save it as RUN/NAME.ema.safetensors (default: off)\n"  \
  "  --kind-weights K=W,...  how often each mask kind is drawn, relatively, for the kinds\n"   \
  "                     named (surgical kn95 n95 cloth dark below-nose chin template);\n"     \
  "                     the others keep their defaults (see unmask_synth_set_kind_weights)\n" \
  "Ctrl-C or SIGTERM stops after the current step and saves a checkpoint; running the same\n"   \
  "command again resumes from the run folder.\n"

/* Defaults: data under train_default_data_dir(), the given run folder and step count. */
void train_opts_default(train_opts *o, const char *run, long steps);
/* If argv[*i] is a shared option, consume it (and its value) and return 1. */
int train_opts_parse(train_opts *o, int argc, char **argv, int *i);
/* After parsing: check values (--kind-weights into kind_w), pick the default
 * templates if they exist, set the thread count.  Returns 0 or prints why
 * not and returns 2. */
int train_opts_finish(train_opts *o);
/* The synthesiser of a training run: the data of o, drawing mask kinds as
 * --kind-weights says.  NULL on error (err set). */
unmask_synth *train_opts_synth(const train_opts *o, nets_error *err);
/* For the evaluation commands, whose scenes are fixed: --kind-weights is
 * refused (prints why, returns 2), else 0. */
int train_opts_fixed_scenes(const train_opts *o, const char *command);
/* The templates path for unmask_synth_new (NULL if none). */
static inline const char *train_opts_templates(const train_opts *o) {
  return o->templates[0] ? o->templates : NULL;
}

/* A loss log: a CSV file with a header line, appended to when resuming.
 * Rows logged after `resume_step` (by a run that stopped before its next
 * checkpoint) are dropped, so the log follows the weights. */
typedef struct {
  FILE *f;
  int n_cols;
} train_log;
int train_log_open(train_log *log, const char *path, const char *header, long resume_step,
                   nets_error *err);
void train_log_row(train_log *log, const double *values);
void train_log_close(train_log *log);

/* Draw the columns named in `cols` (1-based indices into the CSV, x = column
 * 0) of the CSV at csv_path as curves, one panel per column, log-scaled y,
 * smoothed, with their names and value ticks written in, into a PNG. */
int train_plot_csv(const char *csv_path, const int *cols, int n_cols, const char *png_path,
                   nets_error *err);

/* rows x cols tiles of s x s RGB (HWC, [0,1]) into one PNG with 2-px gaps. */
int train_grid_png(const char *path, int rows, int cols, int s, const float *const *tiles,
                   nets_error *err);

/* Draws a line drawing (hw values in [0,1]) over an RGB image (HWC,
 * [0,1]) in pure red (channel 0), green (1) or blue (2). */
void train_overlay(float *rgb, const float *drawing, int hw, int channel);

/* Measured SGEMM rate (GFLOP/s) on a conv-like shape, for "fraction of GEMM". */
double train_gemm_rate(void);

#endif
