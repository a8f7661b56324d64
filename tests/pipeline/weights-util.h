/* Skip (exit 77) when the shipped weights are not in the source tree yet. */
#ifndef PIPELINE_WEIGHTS_UTIL_H
#define PIPELINE_WEIGHTS_UTIL_H

#include <stdio.h>
#include <unistd.h>

#include "unmask-config.h"

static int have_weights(void) {
  return access(UNMASK_SOURCE_WEIGHTS_DIR "/detector.safetensors", R_OK) == 0 &&
         access(UNMASK_SOURCE_WEIGHTS_DIR "/inpainter.safetensors", R_OK) == 0;
}

#define SKIP_WITHOUT_WEIGHTS()                                                                  \
  do {                                                                                          \
    if (!have_weights()) {                                                                      \
      printf("SKIP: no weights in " UNMASK_SOURCE_WEIGHTS_DIR " (detector.safetensors, "         \
             "inpainter.safetensors)\n");                                                       \
      return 77;                                                                                \
    }                                                                                           \
  } while (0)

#endif
