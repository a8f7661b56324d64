/* unmask:remove-face-mask: find face masks (surgical masks, cloth masks,
 * respirators) in a photo and repaint the nose, mouth and chin they cover.
 *
 * A whole-image filter: the detector needs to see the whole photo, so the
 * op asks for and caches the full input.  It only adapts GeglBuffers to the
 * pipeline (nets/pipeline/pipeline.h); all of the work is unmask_run(). */
#include "unmask-config.h"

#include <glib/gi18n-lib.h>

#include "pipeline.h" /* UNMASK_DETAIL_DEFAULT, UNMASK_VIEW_DEFAULT */

#ifdef GEGL_PROPERTIES

enum_start (unmask_remove_face_mask_output)
  enum_value (UNMASK_REMOVE_OUTPUT_RESULT,  "result",  N_("Result"))
  enum_value (UNMASK_REMOVE_OUTPUT_MASK,    "mask",    N_("Mask"))
  enum_value (UNMASK_REMOVE_OUTPUT_OVERLAY, "overlay", N_("Overlay"))
enum_end (UnmaskRemoveFaceMaskOutput)

property_double (sensitivity, _("Sensitivity"), 0.5)
  description (_("How readily a region is taken for a face mask: higher finds more masks, "
                 "but also more things that are not masks"))
  value_range (0.0, 1.0)
  ui_range    (0.0, 1.0)
  ui_steps    (0.01, 0.1)
  ui_digits   (2)

property_double (grow, _("Grow"), 4.0)
  description (_("Grow the repainted region by this many pixels, to cover the mask's edge"))
  value_range (0.0, 256.0)
  ui_range    (0.0, 32.0)
  ui_steps    (1.0, 4.0)
  ui_digits   (1)
  ui_meta     ("unit", "pixel-distance")

property_double (feather, _("Feather"), 3.0)
  description (_("Width of the soft blend between repainted and original pixels"))
  value_range (0.0, 128.0)
  ui_range    (0.0, 16.0)
  ui_steps    (1.0, 4.0)
  ui_digits   (1)
  ui_meta     ("unit", "pixel-distance")

property_enum (output, _("Output"),
               UnmaskRemoveFaceMaskOutput, unmask_remove_face_mask_output,
               UNMASK_REMOVE_OUTPUT_RESULT)
  description (_("Result: the repainted photo; Mask: the region that would be repainted, "
                 "white on black; Overlay: the photo with that region tinted red"))

property_file_path (weights, _("Weights folder"), "")
  description (_("Folder with custom network weights (detector.safetensors, "
                 "inpainter.safetensors, landmarks.safetensors; the files it lacks come from "
                 "the bundled weights); empty for the bundled weights"))

property_int (max_view, _("Detection size"), UNMASK_VIEW_DEFAULT)
  description (_("Long side, in pixels, of the view of the photo that masks are looked for "
                 "in: larger finds smaller faces in big photos, but takes longer and "
                 "mistakes more textures for masks"))
  value_range (256, 8192)
  ui_range    (512, 4096)
  ui_meta     ("unit", "pixel-distance")

property_double (detail, _("Detail"), UNMASK_DETAIL_DEFAULT)
  description (_("How much of the network's fine detail to paint: 0 is smooth, 1 draws "
                 "sharper lips and nose but can leave stray strokes"))
  value_range (0.0, 1.0)

#else

#define GEGL_OP_FILTER
#define GEGL_OP_NAME     unmask_remove_face_mask
#define GEGL_OP_C_SOURCE remove-face-mask.c
#define GEGL_OP_BUNDLE   /* registered from module.c */

#include "gegl-op.h"
#include "op-common.h"

static void
prepare (GeglOperation *operation)
{
  const Babl *space  = gegl_operation_get_source_space (operation, "input");
  const Babl *format = babl_format_with_space (UNMASK_OP_FORMAT, space);

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o    = GEGL_PROPERTIES (operation);
  GeglRectangle   rect = unmask_op_whole_input (operation);
  unmask_params   params;

  gegl_buffer_copy (input, &rect, GEGL_ABYSS_NONE, output, &rect);

  unmask_params_default (&params);
  params.sensitivity = o->sensitivity;
  params.grow_px     = o->grow;
  params.feather_px  = o->feather;
  params.output      = (unmask_output) o->output;
  params.view_max    = o->max_view;
  params.detail      = o->detail;

  unmask_op_run (operation, input, NULL, output, &rect, o->weights, &params);
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass       *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass *filter_class    = GEGL_OPERATION_FILTER_CLASS (klass);

  operation_class->prepare                 = prepare;
  operation_class->get_required_for_output = unmask_op_required_whole;
  operation_class->get_cached_region       = unmask_op_cached_whole;
  operation_class->threaded                = FALSE;
  filter_class->process                    = process;

  gegl_operation_class_set_keys (operation_class,
    "name",            "unmask:remove-face-mask",
    "title",           _("Remove Face Mask"),
    "categories",      "enhance",
    "gimp:menu-path",  "<Image>/Filters/Enhance",
    "description",     _("Finds face masks in a photo and repaints the nose, mouth "
                         "and chin they cover with a small neural network"),
    NULL);
}

#endif
