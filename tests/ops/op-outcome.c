/* What unmask:remove-face-mask tells its caller (ops/unmask-ops.h), as the
 * GIMP plug-in reads it: runs the op on a PNG in this process and prints
 *   faces=N first=X,Y,W,H      (first=none when no face is listed)
 * or error=MESSAGE.  GEGL_PATH must reach the built op.  test-ops.sh
 * checks the numbers against the mask drawn on the astronaut. */
#include <gegl.h>
#include <stdio.h>

#include "unmask-ops.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: op-outcome PICTURE.png\n");
    return 2;
  }
  gegl_init(&argc, &argv);
  GeglNode *graph = gegl_node_new();
  GeglNode *load = gegl_node_new_child(graph, "operation", "gegl:load", "path", argv[1], NULL);
  GeglNode *op = gegl_node_new_child(graph, "operation", UNMASK_OP_REMOVE_FACE_MASK, NULL);
  GeglBuffer *out = NULL;
  GeglNode *sink = gegl_node_new_child(graph, "operation", "gegl:buffer-sink", "buffer", &out, NULL);
  gegl_node_link_many(load, op, sink, NULL);
  gegl_node_process(sink);
  GObject *operation = G_OBJECT(gegl_node_get_gegl_operation(op));
  const gpointer faces = operation ? g_object_get_data(operation, UNMASK_OP_DATA_FACES) : NULL;
  const char *error = operation ? g_object_get_data(operation, UNMASK_OP_DATA_ERROR) : "no operation";
  const GeglRectangle *first = operation ? g_object_get_data(operation, UNMASK_OP_DATA_FIRST_FACE) : NULL;
  int rc = 0;
  if (!faces) {
    printf("error=%s\n", error ? error : "unknown");
    rc = 1;
  } else if (first) {
    printf("faces=%d first=%d,%d,%d,%d\n", GPOINTER_TO_INT(faces) - 1, first->x, first->y, first->width,
           first->height);
  } else {
    printf("faces=%d first=none\n", GPOINTER_TO_INT(faces) - 1);
  }
  if (out) g_object_unref(out);
  g_object_unref(graph);
  gegl_exit();
  return rc;
}
