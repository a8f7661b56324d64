/* An unmask_image_io over an image held in memory (the CLI, tests and
 * evaluations use it; the GEGL operation has its own over GeglBuffers). */
#ifndef UNMASK_MEMIO_H
#define UNMASK_MEMIO_H

#include "../io/image.h"
#include "pipeline.h"

typedef struct {
  nets_image *img;        /* RGBA (4 channels), read and written in place */
  const nets_image *hole; /* 1 channel coverage of the same size, or NULL */
  int hx, hy, hw, hh;     /* bounding box of hole > 0 (hw = 0: empty) */
} unmask_memio;

/* Fill m and return the io.  img must have 4 channels; hole (may be NULL)
 * 1 channel and img's size.  read() with scale < 1 averages areas (box
 * filter with fractional edge weights); reads clamp to the edges; write()
 * clamps values to [0,1] and drops pixels outside the image. */
unmask_image_io unmask_memio_init(unmask_memio *m, nets_image *img, const nets_image *hole);

/* A p->hole_write callback drawing into user = a 1-channel nets_image of the
 * image's size (max over faces). */
int unmask_memio_hole_write(void *user, int x, int y, int w, int h, const float *alpha);

#endif
