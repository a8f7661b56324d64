/* Error reporting shared by every part of nets: functions return an int
 * (0 = success, negative = failure) and fill an optional message buffer. */
#ifndef NETS_ERROR_H
#define NETS_ERROR_H

#include <stddef.h>

#define NETS_ERR_MSG_LEN 512

enum {
  NETS_OK = 0,
  NETS_ERR_IO = -1,      /* file could not be opened, read or written */
  NETS_ERR_FORMAT = -2,  /* file content is malformed */
  NETS_ERR_SHAPE = -3,   /* tensor shapes do not match */
  NETS_ERR_NOMEM = -4,   /* allocation failed */
  NETS_ERR_ARG = -5,     /* bad argument */
  NETS_ERR_BLAS = -6,    /* BLAS library could not be loaded */
  NETS_ERR_CANCEL = -7,  /* cancelled by the caller */
};

/* A message buffer: callers pass NULL if they do not want the text. */
typedef struct {
  int code;
  char msg[NETS_ERR_MSG_LEN];
} nets_error;

/* Set err (if not NULL) and return code. printf-style. */
int nets_error_set(nets_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
