/* The weights the tests use: $UNMASK_TEST_WEIGHTS if set (e.g. a training
 * snapshot), else the source tree's weights/.  Tests skip (exit 77) when the
 * files are not there yet. */
#ifndef PIPELINE_WEIGHTS_UTIL_H
#define PIPELINE_WEIGHTS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unmask-config.h"

static const char *weights_dir(void) {
  const char *d = getenv("UNMASK_TEST_WEIGHTS");
  return d && *d ? d : UNMASK_SOURCE_WEIGHTS_DIR;
}

static int have_weights(void) {
  char a[4096], b[4096];
  snprintf(a, sizeof a, "%s/detector.safetensors", weights_dir());
  snprintf(b, sizeof b, "%s/inpainter.safetensors", weights_dir());
  return access(a, R_OK) == 0 && access(b, R_OK) == 0;
}

#define SKIP_WITHOUT_WEIGHTS()                                                                \
  do {                                                                                        \
    if (!have_weights()) {                                                                    \
      printf("SKIP: no weights in %s (detector.safetensors, inpainter.safetensors)\n",         \
             weights_dir());                                                                  \
      return 77;                                                                              \
    }                                                                                         \
  } while (0)

#endif
