/* unmask:inpaint: repaint exactly the region given by the aux input (a hole
 * mask, e.g. a GIMP selection) with the face inpainting network; no
 * detection.  Any aux format is read as linear coverage ("Y float"): 0 keeps
 * a pixel, 1 repaints it. */
#include "unmask-config.h"

#include <glib/gi18n-lib.h>

#include "pipeline.h" /* UNMASK_DETAIL_DEFAULT */

#ifdef GEGL_PROPERTIES

enum_start (unmask_inpaint_output)
  enum_value (UNMASK_INPAINT_OUTPUT_RESULT,  "result",  N_("Result"))
  enum_value (UNMASK_INPAINT_OUTPUT_MASK,    "mask",    N_("Mask"))
  enum_value (UNMASK_INPAINT_OUTPUT_OVERLAY, "overlay", N_("Overlay"))
enum_end (UnmaskInpaintOutput)

property_double (grow, _("Grow"), 0.0)
  description (_("Grow the hole by this many pixels before repainting"))
  value_range (0.0, 256.0)
  ui_range    (0.0, 32.0)
  ui_steps    (1.0, 4.0)
  ui_digits   (1)
  ui_meta     ("unit", "pixel-distance")

property_double (feather, _("Feather"), 0.0)
  description (_("Width of the soft blend between repainted and original pixels"))
  value_range (0.0, 128.0)
  ui_range    (0.0, 16.0)
  ui_steps    (1.0, 4.0)
  ui_digits   (1)
  ui_meta     ("unit", "pixel-distance")

property_enum (output, _("Output"),
               UnmaskInpaintOutput, unmask_inpaint_output,
               UNMASK_INPAINT_OUTPUT_RESULT)
  description (_("Result: the repainted photo; Mask: the region that would be repainted, "
                 "white on black; Overlay: the photo with that region tinted red"))

property_file_path (weights, _("Weights folder"), "")
  description (_("Folder with custom network weights (detector.safetensors, "
                 "inpainter.safetensors, landmarks.safetensors; the files it lacks come from "
                 "the bundled weights); empty for the bundled weights"))

property_double (detail, _("Detail"), UNMASK_DETAIL_DEFAULT)
  description (_("How much of the network's fine detail to paint: 0 is smooth, 1 draws "
                 "sharper lips and nose but can leave stray strokes"))
  value_range (0.0, 1.0)

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME     unmask_inpaint
#define GEGL_OP_C_SOURCE inpaint.c
#define GEGL_OP_BUNDLE   /* registered from module.c */

#include "gegl-op.h"
#include "op-common.h"

static void
prepare (GeglOperation *operation)
{
  const Babl *space  = gegl_operation_get_source_space (operation, "input");
  const Babl *format = babl_format_with_space (UNMASK_OP_FORMAT, space);

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "aux", babl_format (UNMASK_OP_HOLE_FORMAT));
  gegl_operation_set_format (operation, "output", format);
}

static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  /* The output is the input's size whatever the hole's size. */
  return unmask_op_whole_input (operation);
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o    = GEGL_PROPERTIES (operation);
  GeglRectangle   rect = unmask_op_whole_input (operation);
  unmask_params   params;

  gegl_buffer_copy (input, &rect, GEGL_ABYSS_NONE, output, &rect);
  if (! aux)
    {
      /* No hole connected: nothing to repaint. */
      unmask_op_set_outcome (operation, 0, NULL);
      return TRUE;
    }

  unmask_params_default (&params);
  params.grow_px    = o->grow;
  params.feather_px = o->feather;
  params.output     = (unmask_output) o->output;
  params.detail     = o->detail;

  unmask_op_run (operation, input, aux, output, &rect, o->weights, &params);
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass         *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationComposerClass *composer_class  = GEGL_OPERATION_COMPOSER_CLASS (klass);

  operation_class->prepare                 = prepare;
  operation_class->get_bounding_box        = get_bounding_box;
  operation_class->get_required_for_output = unmask_op_required_whole;
  operation_class->get_cached_region       = unmask_op_cached_whole;
  operation_class->threaded                = FALSE;
  composer_class->process                  = process;
  composer_class->aux_label                = _("Hole");
  composer_class->aux_description          = _("Where to repaint: white (or any nonzero "
                                               "coverage) repaints, black keeps");

  gegl_operation_class_set_keys (operation_class,
    "name",            "unmask:inpaint",
    "title",           _("Face Inpaint"),
    "categories",      "enhance",
    "description",     _("Repaints the region given by the aux input (a hole mask) "
                         "with the face inpainting network"),
    NULL);
}

#endif
