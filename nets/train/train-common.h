/* Shared pieces of the trainer: run folders, logs, loss-curve plots, sample
 * grids, timing, and the default data paths. */
#ifndef TRAIN_COMMON_H
#define TRAIN_COMMON_H

#include <stdio.h>

#include "../core/nets-error.h"

double train_now(void);
int train_mkdirs(const char *dir);
int train_file_exists(const char *path);

/* Where face data is looked up when no --faces/--csv is given:
 * $UNMASK_DATA, then ../shared/data beside the source tree. */
const char *train_default_data_dir(void);

/* A loss log: a CSV file with a header line, appended to when resuming. */
typedef struct {
  FILE *f;
  int n_cols;
} train_log;
int train_log_open(train_log *log, const char *path, const char *header, nets_error *err);
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

/* Measured SGEMM rate (GFLOP/s) on a conv-like shape, for "fraction of GEMM". */
double train_gemm_rate(void);

#endif
