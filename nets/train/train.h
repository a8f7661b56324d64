/* Subcommands of unmask-train. */
#ifndef TRAIN_H
#define TRAIN_H

int train_inpainter_main(int argc, char **argv);
int train_detector_main(int argc, char **argv);
int train_landmarks_main(int argc, char **argv);
int eval_inpainter_main(int argc, char **argv);
int eval_detector_main(int argc, char **argv);
int eval_landmarks_main(int argc, char **argv);
int eval_photos_main(int argc, char **argv);
int average_main(int argc, char **argv);
int fit_look_main(int argc, char **argv);
int annotate_main(int argc, char **argv);

#endif
