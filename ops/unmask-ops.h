/* What the Unmasked GEGL operations tell their caller after process().
 *
 * GEGL has no way for an operation to return a result besides pixels, so the
 * operations store it as object data on the GeglOperation (get it with
 * gegl_node_get_gegl_operation()).  The GIMP plug-in reads these to tell
 * "no face found" and load errors apart from success.  The gegl CLI ignores
 * them. */
#ifndef UNMASK_OPS_H
#define UNMASK_OPS_H

/* gint stored as GINT_TO_POINTER (n + 1): n = faces repainted, 0 when none,
 * the key is absent (NULL) when the last process() failed or did not run. */
#define UNMASK_OP_DATA_FACES "unmask-faces"
/* gchar*: message of the last error (e.g. corrupt weights); NULL on success. */
#define UNMASK_OP_DATA_ERROR "unmask-error"
/* GeglRectangle*: the box, in the input's coordinates, of the first face
 * (with a user hole: the first part of the hole) that the last process()
 * listed; NULL when none was. */
#define UNMASK_OP_DATA_FIRST_FACE "unmask-first-face"
/* Set by the caller: a gint* that process() polls; nonzero cancels the run.
 * The output is then the unchanged input. */
#define UNMASK_OP_DATA_CANCEL "unmask-cancel"

#define UNMASK_OP_REMOVE_FACE_MASK "unmask:remove-face-mask"
#define UNMASK_OP_INPAINT "unmask:inpaint"

#endif
