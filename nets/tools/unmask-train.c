/* unmask-train: the offline trainer.  Subcommands:
 *   synth           preview / benchmark the masked-face synthesis
 *   inpainter       train the face inpainter (resumable)
 *   detector        train the mask detector (resumable)
 *   landmarks       train the landmark predictor (resumable)
 *   eval-inpainter  PSNR / SSIM / MAE on held-out crops, with a classical baseline
 *   eval-detector   AP, AR@10, pixel IoU and false-detection rate on held-out scenes
 *   eval-landmarks  landmark error on held-out crops, against the mean shape
 *   eval-photos     the whole pipeline on held-out real photos at their own size
 *   average         the mean of weight files of one network; calibration
 *   fit-look        fit a detector file's second look to its map */
#include <stdio.h>
#include <string.h>

#include "synth.h"
#include "train.h"
#include "unmask-config.h"

static const struct {
  const char *name;
  int (*main)(int, char **);
  const char *what;
} commands[] = {
    {"synth", unmask_train_synth_main, "contact sheets and speed of the masked-face synthesis"},
    {"inpainter", train_inpainter_main, "train the face inpainter"},
    {"detector", train_detector_main, "train the mask detector"},
    {"landmarks", train_landmarks_main, "train the landmark predictor (where the hidden lips, nose and jaw are)"},
    {"eval-inpainter", eval_inpainter_main, "evaluate the inpainter on held-out crops"},
    {"eval-detector", eval_detector_main, "evaluate the detector on held-out scenes"},
    {"eval-landmarks", eval_landmarks_main, "evaluate the landmark predictor on held-out crops"},
    {"eval-photos", eval_photos_main, "the whole pipeline on held-out real photos, at their own size"},
    {"annotate", annotate_main, "68-point landmarks for your own face photos, as a faces.csv for training"},
    {"average", average_main, "the mean of weight files of one network (runs from one start); calibration"},
    {"fit-look", fit_look_main, "fit a detector file's second look (which coverings to keep) to its map"},
};

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("unmask-train %s\n", UNMASK_VERSION);
    return 0;
  }
  for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof *commands; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].main(argc - 1, argv + 1);
  printf("usage: unmask-train COMMAND [options]   (COMMAND --help for its options)\n\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    printf("  %-15s %s\n", commands[i].name, commands[i].what);
  return argc >= 2 && strcmp(argv[1], "--help") ? 2 : 0;
}
