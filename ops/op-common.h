/* Shared by the Unmasked GEGL operations: the model cache and the adapter
 * from GeglBuffers to the pipeline's unmask_image_io.  None of the pipeline
 * lives here: both operations only hand buffers to unmask_run(). */
#ifndef UNMASK_OP_COMMON_H
#define UNMASK_OP_COMMON_H

#include <gegl.h>
#include <gegl-plugin.h>

#include "pipeline.h"

/* The pixel format the pipeline exchanges (see pipeline.h). */
#define UNMASK_OP_FORMAT "R'G'B'A float"
/* The hole mask is read as linear coverage. */
#define UNMASK_OP_HOLE_FORMAT "Y float"

void unmask_op_init_i18n (void);

/* The input pad's whole extent: both operations read and write all of it
 * (faces are found in, and repainted from, the whole picture). */
GeglRectangle unmask_op_whole_input (GeglOperation *operation);
/* get_required_for_output and get_cached_region of both operations: the
 * whole input for any region asked for. */
GeglRectangle unmask_op_required_whole (GeglOperation       *operation,
                                        const gchar         *input_pad,
                                        const GeglRectangle *roi);
GeglRectangle unmask_op_cached_whole   (GeglOperation       *operation,
                                        const GeglRectangle *roi);

/* Run the pipeline on input -> output.  output must already hold a copy of
 * input over `rect`.  aux (may be NULL) is a user hole.  On any failure, or
 * when cancelled, output is reset to input.  Stores the outcome as object
 * data on the operation (see unmask-ops.h).  Never fails the GEGL graph. */
void unmask_op_run (GeglOperation       *operation,
                    GeglBuffer          *input,
                    GeglBuffer          *aux,
                    GeglBuffer          *output,
                    const GeglRectangle *rect,
                    const char          *weights,
                    const unmask_params *params);

/* Bounding box of the nonzero part of aux's coverage, clipped to `within`.
 * Returns FALSE when the hole is empty. */
gboolean unmask_op_hole_bounds (GeglBuffer          *aux,
                                const GeglRectangle *within,
                                GeglRectangle       *bounds);

/* Store the outcome on the operation (n_faces < 0: failed/skipped). */
void unmask_op_set_outcome (GeglOperation *operation, int n_faces, const char *error);

#endif
