/* The unmask GEGL module: registers both operations (like GEGL's
 * operations/common/module.c). */
#include "unmask-config.h"

#include <gegl-plugin.h>

#include "op-common.h"

void gegl_op_unmask_remove_face_mask_register_type (GTypeModule *module);
void gegl_op_unmask_inpaint_register_type          (GTypeModule *module);

G_MODULE_EXPORT const GeglModuleInfo *gegl_module_query    (GTypeModule *module);
G_MODULE_EXPORT gboolean              gegl_module_register (GTypeModule *module);

static const GeglModuleInfo modinfo =
{
  GEGL_MODULE_ABI_VERSION
};

G_MODULE_EXPORT const GeglModuleInfo *
gegl_module_query (GTypeModule *module)
{
  return &modinfo;
}

G_MODULE_EXPORT gboolean
gegl_module_register (GTypeModule *module)
{
  /* Before the class inits run, which translate the property labels. */
  unmask_op_init_i18n ();
  gegl_op_unmask_remove_face_mask_register_type (module);
  gegl_op_unmask_inpaint_register_type (module);
  return TRUE;
}
