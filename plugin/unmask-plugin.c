/* Unmasked: GIMP 2.10 plug-in "Filters > Enhance > Remove Face Mask…".
 *
 * Finds face masks in the active drawable and repaints the nose, mouth and
 * chin they cover.  With a selection, exactly the selection is repainted
 * instead (no detection).  The work is done in-process by the GEGL operations
 * unmask:remove-face-mask and unmask:inpaint (ops/), so the plug-in, the
 * `gegl` CLI and GIMP's GEGL tool share one code path.
 *
 * Outcomes:
 *   - faces repainted: one undo step ("Remove Face Mask"), GIMP_PDB_SUCCESS;
 *   - no face mask found: a message, the image is untouched, GIMP_PDB_SUCCESS
 *     (so a Script-Fu batch over many photos does not stop at the first
 *     photo without a mask);
 *   - bad input (empty or tiny layer, unreadable weights, missing op): a
 *     message, the image is untouched, GIMP_PDB_EXECUTION_ERROR (with the
 *     message as the second return value for Script-Fu).
 * The result is computed into a temporary buffer first and written to the
 * image only when it succeeded, so a failure or a cancel never leaves a
 * half-done image. */
#include "unmask-config.h"

#include <locale.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <glib/gi18n-lib.h>

#include "unmask-ops.h"

#define PLUG_IN_PROC   "plug-in-unmask-remove-face-mask"
#define PLUG_IN_BINARY "unmask"
#define PLUG_IN_ROLE   "unmask-remove-face-mask"
#define N_ARGS         9
#define MIN_SIZE       8     /* smaller layers cannot show a face */
#define SCALE_WIDTH    200
#define ENTRY_WIDTH    6
#define PREVIEW_SIZE   360   /* the detector needs to see a whole face */
#define DETECTION_MIN  512.0 /* the dialog's Detection size range (the op's ui range) */
#define DETECTION_MAX  4096.0

typedef struct
{
  gdouble  sensitivity;
  gdouble  grow;
  gdouble  feather;
  gint     output;            /* 0 result, 1 mask, 2 overlay */
  gboolean new_layer;
  gchar    weights_dir[1024]; /* "" = bundled weights */
  gdouble  detail;            /* share of the inpainter's refinement stage, 0..1 */
  gdouble  detection_size;    /* long side of the view masks are looked for in (max-view) */
} UnmaskVals;

/* What one run of the op produced. */
typedef struct
{
  GeglBuffer   *result;   /* in the drawable's format; NULL on failure */
  gint          n_faces;  /* faces (or holes) repainted */
  gchar        *error;    /* NULL on success */
  gboolean      has_face; /* face: the box of the first face (or part of the
                           * selection) repainted */
  GeglRectangle face;
} UnmaskOutcome;

static void query (void);
static void run   (const gchar      *name,
                   gint              nparams,
                   const GimpParam  *param,
                   gint             *nreturn_vals,
                   GimpParam       **return_vals);

const GimpPlugInInfo PLUG_IN_INFO =
{
  NULL,  /* init_proc  */
  NULL,  /* quit_proc  */
  query, /* query_proc */
  run,   /* run_proc   */
};

static UnmaskVals vals =
{
  0.5,   /* sensitivity */
  4.0,   /* grow        */
  3.0,   /* feather     */
  0,     /* output      */
  FALSE, /* new_layer   */
  "",    /* weights_dir */
  0.5,   /* detail: replaced by the op's own default in run () */
  2048.0 /* detection_size: likewise */
};

MAIN ()

static void
init_i18n (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, UNMASK_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static void
query (void)
{
  static const GimpParamDef args[] =
  {
    { GIMP_PDB_INT32,    "run-mode",    "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" },
    { GIMP_PDB_IMAGE,    "image",       "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable",    "Input drawable" },
    { GIMP_PDB_FLOAT,    "sensitivity", "Detection sensitivity (0 <= sensitivity <= 1, default 0.5): higher finds more masks" },
    { GIMP_PDB_FLOAT,    "grow",        "Grow the repainted region by this many pixels (0 <= grow <= 256, default 4)" },
    { GIMP_PDB_FLOAT,    "feather",     "Width of the soft seam in pixels (0 <= feather <= 128, default 3)" },
    { GIMP_PDB_INT32,    "output",      "What to produce { RESULT (0), MASK (1), OVERLAY (2) }" },
    { GIMP_PDB_INT32,    "new-layer",   "Put the result on a new layer above the drawable (TRUE or FALSE)" },
    { GIMP_PDB_STRING,   "weights-dir", "Folder with custom network weights, or \"\" for the bundled weights" },
  };

  gimp_plugin_domain_register (GETTEXT_PACKAGE, UNMASK_LOCALEDIR);

  gimp_install_procedure (PLUG_IN_PROC,
                          N_("Repaint the nose, mouth and chin hidden by a face mask"),
                          "Finds face masks (surgical, cloth, respirators) in the drawable "
                          "and repaints the covered lower face with a small neural network. "
                          "If there is a selection, exactly the selected region is repainted "
                          "instead, without detection. When no face mask is found the image "
                          "is left untouched and the procedure still succeeds.",
                          "The Unmasked authors",
                          "The Unmasked authors",
                          "2024",
                          N_("Remove Face _Mask…"),
                          "RGB*, GRAY*",
                          GIMP_PLUGIN,
                          G_N_ELEMENTS (args), 0,
                          args, NULL);

  gimp_plugin_menu_register (PLUG_IN_PROC, "<Image>/Filters/Enhance");
}

/* ---- the GEGL operations -------------------------------------------- */

/* Make sure the unmask ops are registered.  gegl_init() has loaded the
 * dirs GEGL knows (GEGL_PATH, the user and system dirs); the op may live
 * elsewhere, so load its install dir explicitly.  UNMASK_GEGL_OPDIR in the
 * environment overrides it (tests, uninstalled builds). */
static gboolean
ensure_ops (void)
{
  const gchar *dirs[2];
  gint         i;

  dirs[0] = g_getenv ("UNMASK_GEGL_OPDIR");
  dirs[1] = UNMASK_GEGL_OPDIR;

  for (i = 0; i < (gint) G_N_ELEMENTS (dirs); i++)
    {
      if (gegl_has_operation (UNMASK_OP_REMOVE_FACE_MASK))
        return TRUE;
      if (dirs[i] && dirs[i][0] && g_file_test (dirs[i], G_FILE_TEST_IS_DIR))
        gegl_load_module_directory (dirs[i]);
    }
  return gegl_has_operation (UNMASK_OP_REMOVE_FACE_MASK) &&
         gegl_has_operation (UNMASK_OP_INPAINT);
}

/* The defaults of the op's "detail" and "max-view" properties, so that the
 * plug-in starts from what the ops and the CLI do (the values above if the
 * op is missing). */
static void
use_op_defaults (void)
{
  GParamSpec *pspec;

  if (! ensure_ops ())
    return;
  pspec = gegl_operation_find_property (UNMASK_OP_REMOVE_FACE_MASK, "detail");
  if (pspec && G_IS_PARAM_SPEC_DOUBLE (pspec))
    vals.detail = G_PARAM_SPEC_DOUBLE (pspec)->default_value;
  pspec = gegl_operation_find_property (UNMASK_OP_REMOVE_FACE_MASK, "max-view");
  if (pspec && G_IS_PARAM_SPEC_INT (pspec))
    vals.detection_size = G_PARAM_SPEC_INT (pspec)->default_value;
}

static void
progress_cb (GeglNode    *node,
             gdouble      fraction,
             gchar       *what,
             gpointer     data)
{
  gimp_progress_update (fraction);
}

/* Run the op on `src` (a buffer with origin 0,0); `hole` (may be NULL) is
 * the selection, `hole_dx, hole_dy` the shift that brings it onto src. */
static UnmaskOutcome
run_op (GeglBuffer *src,
        const Babl *out_format,
        GeglBuffer *hole,
        gint        hole_dx,
        gint        hole_dy,
        gboolean    show_progress)
{
  UnmaskOutcome  outcome = { NULL, 0, NULL, FALSE, { 0, 0, 0, 0 } };
  GeglNode      *graph, *source, *op, *sink;
  GeglOperation *operation;
  GeglBuffer    *dst;
  gpointer       faces;
  const gchar   *error;

  if (! ensure_ops ())
    {
      outcome.error = g_strdup_printf (_("The Unmasked GEGL operations were not found "
                                         "(looked in %s). Reinstall Unmasked."),
                                       UNMASK_GEGL_OPDIR);
      return outcome;
    }

  dst = gegl_buffer_new (gegl_buffer_get_extent (src), out_format);

  graph  = gegl_node_new ();
  source = gegl_node_new_child (graph,
                                "operation", "gegl:buffer-source",
                                "buffer",    src,
                                NULL);
  /* a selection is the hole (unmask:inpaint), else masks are detected */
  op = gegl_node_new_child (graph,
                            "operation", hole ? UNMASK_OP_INPAINT : UNMASK_OP_REMOVE_FACE_MASK,
                            "grow",      vals.grow,
                            "feather",   vals.feather,
                            "output",    vals.output,
                            "weights",   vals.weights_dir,
                            "detail",    vals.detail,
                            NULL);
  if (hole)
    {
      GeglNode *hole_source, *shift;

      hole_source = gegl_node_new_child (graph,
                                         "operation", "gegl:buffer-source",
                                         "buffer",    hole,
                                         NULL);
      shift = gegl_node_new_child (graph,
                                   "operation", "gegl:translate",
                                   "x",         (gdouble) hole_dx,
                                   "y",         (gdouble) hole_dy,
                                   "sampler",   GEGL_SAMPLER_NEAREST,
                                   NULL);
      gegl_node_link (hole_source, shift);
      gegl_node_connect_to (shift, "output", op, "aux");
    }
  else
    {
      gegl_node_set (op,
                     "sensitivity", vals.sensitivity,
                     "max-view",    (gint) (vals.detection_size + 0.5),
                     NULL);
    }
  sink = gegl_node_new_child (graph,
                              "operation", "gegl:write-buffer",
                              "buffer",    dst,
                              NULL);
  gegl_node_link_many (source, op, sink, NULL);

  if (show_progress)
    g_signal_connect (op, "progress", G_CALLBACK (progress_cb), NULL);

  gegl_node_process (sink);

  operation = gegl_node_get_gegl_operation (op);
  faces     = g_object_get_data (G_OBJECT (operation), UNMASK_OP_DATA_FACES);
  error     = g_object_get_data (G_OBJECT (operation), UNMASK_OP_DATA_ERROR);

  if (faces)
    {
      const GeglRectangle *face = g_object_get_data (G_OBJECT (operation), UNMASK_OP_DATA_FIRST_FACE);

      outcome.n_faces = GPOINTER_TO_INT (faces) - 1;
      outcome.result  = dst;
      if (face)
        {
          outcome.has_face = TRUE;
          outcome.face     = *face;
        }
    }
  else
    {
      outcome.error = g_strdup (error ? error :
                                _("Removing the face mask failed for an unknown reason."));
      g_object_unref (dst);
    }
  g_object_unref (graph);
  return outcome;
}

/* ---- checks ---------------------------------------------------------- */

static gboolean
drawable_is_empty (gint32 drawable_id, GeglBuffer *buffer)
{
  GeglBufferIterator *it;
  gboolean            empty = TRUE;

  if (! gimp_drawable_has_alpha (drawable_id))
    return FALSE;

  it = gegl_buffer_iterator_new (buffer, NULL, 0, babl_format ("YA float"),
                                 GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
  while (gegl_buffer_iterator_next (it))
    {
      const gfloat *ya = it->items[0].data;
      gint          i;

      for (i = 0; empty && i < it->length; i++)
        if (ya[2 * i + 1] > 0.0f)
          empty = FALSE;
      if (! empty)
        {
          gegl_buffer_iterator_stop (it);
          break;
        }
    }
  return empty;
}

/* A message when the drawable cannot be written at all, else NULL. */
static gchar *
check_drawable (gint32 drawable_id)
{
  if (! gimp_item_is_valid (drawable_id) || ! gimp_item_is_drawable (drawable_id))
    return g_strdup (_("Remove Face Mask needs a layer or channel to work on."));
  /* A group's pixels are its layers': GIMP refuses to write them. */
  if (gimp_item_is_group (drawable_id))
    return g_strdup (_("Remove Face Mask works on a layer, not on a layer group. Select the "
                       "layer with the faces inside the group, or merge the group first. "
                       "Nothing was changed."));
  return NULL;
}

/* A message for bad input, or NULL when the drawable can be processed. */
static gchar *
check_input (gint32 image_id, gint32 drawable_id, GeglBuffer *buffer)
{
  gint w = gimp_drawable_width (drawable_id);
  gint h = gimp_drawable_height (drawable_id);

  if (gimp_drawable_is_indexed (drawable_id))
    return g_strdup (_("Remove Face Mask works on RGB and grayscale layers. Convert the image "
                       "with Image › Mode › RGB first. Nothing was changed."));
  if (w < MIN_SIZE || h < MIN_SIZE)
    return g_strdup_printf (_("The layer is too small (%d × %d pixels) to show a face. "
                              "Nothing was changed."), w, h);
  if (drawable_is_empty (drawable_id, buffer))
    return g_strdup (_("The layer is empty (fully transparent). Nothing was changed."));
  if (vals.weights_dir[0] && ! g_file_test (vals.weights_dir, G_FILE_TEST_IS_DIR))
    return g_strdup_printf (_("The weights folder “%s” does not exist. Nothing was changed."),
                            vals.weights_dir);
  return NULL;
}

/* ---- applying -------------------------------------------------------- */

/* Compute the result of the whole drawable; the image is not touched. */
static UnmaskOutcome
compute (gint32 image_id, gint32 drawable_id, GeglBuffer *src, gboolean show_progress)
{
  UnmaskOutcome  outcome;
  GeglBuffer    *hole = NULL;
  gint           off_x = 0, off_y = 0;

  if (! gimp_selection_is_empty (image_id))
    {
      hole = gimp_drawable_get_buffer (gimp_image_get_selection (image_id));
      gimp_drawable_offsets (drawable_id, &off_x, &off_y);
    }

  if (show_progress)
    gimp_progress_init (_("Removing face masks"));
  outcome = run_op (src, gimp_drawable_get_format (drawable_id),
                    hole, -off_x, -off_y, show_progress);
  if (show_progress)
    gimp_progress_update (1.0);

  if (hole)
    g_object_unref (hole);
  return outcome;
}

static void
apply (gint32 image_id, gint32 drawable_id, GeglBuffer *result)
{
  GeglBuffer *shadow;
  gint32      target = drawable_id;

  gimp_image_undo_group_start (image_id);

  if (vals.new_layer && gimp_item_is_layer (drawable_id))
    {
      gchar *name = gimp_item_get_name (drawable_id);
      gchar *new_name = g_strdup_printf (_("%s (unmasked)"), name);

      target = gimp_layer_copy (drawable_id);
      gimp_item_set_name (target, new_name);
      gimp_image_insert_layer (image_id, target,
                               gimp_item_get_parent (drawable_id),
                               gimp_image_get_item_position (image_id, drawable_id));
      g_free (new_name);
      g_free (name);
    }

  shadow = gimp_drawable_get_shadow_buffer (target);
  gegl_buffer_copy (result, NULL, GEGL_ABYSS_NONE, shadow, NULL);
  g_object_unref (shadow); /* flushes to GIMP */

  gimp_drawable_merge_shadow (target, TRUE);
  gimp_drawable_update (target, 0, 0,
                        gimp_drawable_width (target), gimp_drawable_height (target));
  if (target != drawable_id)
    gimp_image_set_active_layer (image_id, target);

  gimp_image_undo_group_end (image_id);
}

/* ---- dialog ---------------------------------------------------------- */

typedef struct
{
  GtkWidget *preview;
  GtkWidget *status;
  gint32     image_id;
  gint32     drawable_id;
  gboolean   moved;      /* the preview was moved to the first face found */
} DialogState;

/* The preview shows the result of the whole layer, as OK gives it: masks
 * are found on a view of the whole photo, so a small face that the visible
 * area alone would show large is not found by OK either.  The result is kept
 * for the values it was made with (scrolling redraws from it), and OK takes
 * it when the values have not changed since. */
static UnmaskOutcome preview_result;
static UnmaskVals    preview_vals;
static gboolean      preview_done = FALSE;

/* Whether preview_result was made with the values as they are now. */
static gboolean
preview_current (void)
{
  return preview_done && memcmp (&preview_vals, &vals, sizeof vals) == 0;
}

static void
preview_result_clear (void)
{
  if (preview_result.result)
    g_object_unref (preview_result.result);
  g_free (preview_result.error);
  memset (&preview_result, 0, sizeof preview_result);
  preview_done = FALSE;
}

static const Babl *
preview_format (gint32 drawable_id)
{
  gboolean alpha = gimp_drawable_has_alpha (drawable_id);

  if (gimp_drawable_is_gray (drawable_id))
    return babl_format (alpha ? "Y'A u8" : "Y' u8");
  return babl_format (alpha ? "R'G'B'A u8" : "R'G'B' u8");
}

/* Draw the visible area of the whole layer's result (made again only when
 * the values changed). */
static void
preview_update (GimpPreview *preview, DialogState *state)
{
  const Babl *format = preview_format (state->drawable_id);
  gint        x, y, w, h;
  guchar     *pixels;
  GeglBuffer *src;
  gboolean    move = FALSE;

  gimp_preview_get_position (preview, &x, &y);
  gimp_preview_get_size (preview, &w, &h);
  if (w < 1 || h < 1)
    return;

  src = gimp_drawable_get_buffer (state->drawable_id);
  if (! preview_current ())
    {
      preview_result_clear ();
      gtk_label_set_text (GTK_LABEL (state->status), _("Looking for face masks…"));
      while (gtk_events_pending ())
        gtk_main_iteration ();
      preview_result = compute (state->image_id, state->drawable_id, src, FALSE);
      memcpy (&preview_vals, &vals, sizeof vals);
      preview_done = TRUE;
      move = ! state->moved && preview_result.has_face;
    }

  pixels = g_malloc ((gsize) w * h * babl_format_get_bytes_per_pixel (format));
  gegl_buffer_get (preview_result.result ? preview_result.result : src, GEGL_RECTANGLE (x, y, w, h), 1.0,
                   format, pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  gimp_preview_draw_buffer (preview, pixels, w * babl_format_get_bytes_per_pixel (format));
  g_free (pixels);
  g_object_unref (src);

  if (preview_result.error)
    gtk_label_set_text (GTK_LABEL (state->status), preview_result.error);
  else if (preview_result.n_faces == 0)
    gtk_label_set_text (GTK_LABEL (state->status),
                        gimp_selection_is_empty (state->image_id)
                        ? _("No face mask found in this layer.")
                        : _("The selection does not cover this layer."));
  else
    {
      gchar *text = g_strdup_printf (ngettext ("%d face mask repainted in this layer.",
                                               "%d face masks repainted in this layer.",
                                               preview_result.n_faces),
                                     preview_result.n_faces);
      gtk_label_set_text (GTK_LABEL (state->status), text);
      g_free (text);
    }

  if (move)
    {
      /* show the first face found, once: in a big photo the area first
       * shown may hold none (a new position invalidates the preview, which
       * is then drawn from the kept result) */
      const GeglRectangle *f = &preview_result.face;

      state->moved = TRUE;
      gimp_scrolled_preview_set_position (GIMP_SCROLLED_PREVIEW (preview),
                                          MAX (0, f->x + f->width / 2 - w / 2),
                                          MAX (0, f->y + f->height / 2 - h / 2));
    }
}

static void
output_changed (GtkWidget *combo, DialogState *state)
{
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &vals.output);
  gimp_preview_invalidate (GIMP_PREVIEW (state->preview));
}

static void
weights_changed (GtkFileChooser *chooser, DialogState *state)
{
  gchar *dir = gtk_file_chooser_get_filename (chooser);

  g_strlcpy (vals.weights_dir, dir ? dir : "", sizeof (vals.weights_dir));
  g_free (dir);
  gimp_preview_invalidate (GIMP_PREVIEW (state->preview));
}

static void
weights_reset (GtkWidget *button, GtkFileChooser *chooser)
{
  gtk_file_chooser_unselect_all (chooser);
  vals.weights_dir[0] = '\0';
  g_signal_emit_by_name (chooser, "selection-changed");
}

/* A bigger preview than GIMP's default 200 px (set after the preview's
 * style-set, which sets its own size), started on the selection or else
 * where a portrait's face usually is (centred, a third down), not on the
 * layer's top-left corner. */
static void
center_preview (GimpScrolledPreview *preview, gint32 image_id, gint32 drawable_id)
{
  gint     w, h, x, y, off_x, off_y, x1, y1, x2, y2;
  gboolean non_empty;

  gtk_widget_set_size_request (gimp_preview_get_area (GIMP_PREVIEW (preview)),
                               MIN (PREVIEW_SIZE, gimp_drawable_width (drawable_id)),
                               MIN (PREVIEW_SIZE, gimp_drawable_height (drawable_id)));
  while (gtk_events_pending ())
    gtk_main_iteration ();

  gimp_preview_get_size (GIMP_PREVIEW (preview), &w, &h);
  x = gimp_drawable_width (drawable_id) / 2;
  y = gimp_drawable_height (drawable_id) / 3;
  gimp_selection_bounds (image_id, &non_empty, &x1, &y1, &x2, &y2);
  if (non_empty)
    {
      gimp_drawable_offsets (drawable_id, &off_x, &off_y);
      x = (x1 + x2) / 2 - off_x;
      y = (y1 + y2) / 2 - off_y;
    }
  gimp_scrolled_preview_set_position (preview, MAX (0, x - w / 2), MAX (0, y - h / 2));
}

static GtkObject *
add_scale (GtkWidget   *table,
           gint         row,
           const gchar *label,
           gdouble     *value,
           gdouble      lower,
           gdouble      upper,
           gdouble      step,
           gdouble      page,
           guint        digits,
           const gchar *tooltip,
           GtkWidget   *preview)
{
  GtkObject *adj;

  adj = gimp_scale_entry_new (GTK_TABLE (table), 0, row, label,
                              SCALE_WIDTH, ENTRY_WIDTH,
                              *value, lower, upper, step, page, digits,
                              TRUE, 0, 0, tooltip, NULL);
  g_signal_connect (adj, "value-changed",
                    G_CALLBACK (gimp_double_adjustment_update), value);
  g_signal_connect_swapped (adj, "value-changed",
                            G_CALLBACK (gimp_preview_invalidate), preview);
  return adj;
}

/* The values of the last run, if they were stored by this version of the
 * plug-in (an older one stored other fields: then the defaults stay). */
static void
load_last_vals (void)
{
  if (gimp_get_data_size (PLUG_IN_PROC) != sizeof (vals))
    return;
  gimp_get_data (PLUG_IN_PROC, &vals);
  vals.weights_dir[sizeof (vals.weights_dir) - 1] = '\0';
  vals.detection_size = CLAMP (vals.detection_size, DETECTION_MIN, DETECTION_MAX);
}

static gboolean
unmask_dialog (gint32 image_id, gint32 drawable_id)
{
  DialogState state = { NULL, NULL, image_id, drawable_id, FALSE };
  GtkWidget  *dialog, *main_vbox, *table, *combo, *toggle, *hbox, *label;
  GtkWidget  *chooser, *reset;
  GtkObject  *adj;
  gboolean    has_selection = ! gimp_selection_is_empty (image_id);
  gboolean    ok;

  gimp_ui_init (PLUG_IN_BINARY, FALSE);

  dialog = gimp_dialog_new (_("Remove Face Mask"), PLUG_IN_ROLE,
                            NULL, 0,
                            gimp_standard_help_func, PLUG_IN_PROC,
                            _("_Cancel"), GTK_RESPONSE_CANCEL,
                            _("_OK"),     GTK_RESPONSE_OK,
                            NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dialog),
                                           GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL,
                                           -1);
  gimp_window_set_transient (GTK_WINDOW (dialog));

  main_vbox = gtk_vbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (main_vbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      main_vbox, TRUE, TRUE, 0);

  state.preview = gimp_drawable_preview_new_from_drawable_id (drawable_id);
  gtk_box_pack_start (GTK_BOX (main_vbox), state.preview, TRUE, TRUE, 0);
  g_signal_connect (state.preview, "invalidated",
                    G_CALLBACK (preview_update), &state);

  state.status = gtk_label_new ("");
  gtk_misc_set_alignment (GTK_MISC (state.status), 0.0, 0.5);
  gtk_label_set_line_wrap (GTK_LABEL (state.status), TRUE);
  gimp_label_set_attributes (GTK_LABEL (state.status), PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC, -1);
  gtk_box_pack_start (GTK_BOX (main_vbox), state.status, FALSE, FALSE, 0);

  if (has_selection)
    {
      label = gtk_label_new (_("There is a selection: exactly the selected region is "
                               "repainted, without looking for masks."));
      gtk_misc_set_alignment (GTK_MISC (label), 0.0, 0.5);
      gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
      gtk_box_pack_start (GTK_BOX (main_vbox), label, FALSE, FALSE, 0);
    }

  table = gtk_table_new (6, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_box_pack_start (GTK_BOX (main_vbox), table, FALSE, FALSE, 0);

  adj = add_scale (table, 0, _("_Sensitivity:"), &vals.sensitivity, 0.0, 1.0, 0.01, 0.1, 2,
                   _("Higher finds more face masks, but also more things that are not masks"),
                   state.preview);
  if (has_selection)
    gimp_scale_entry_set_sensitive (adj, FALSE);
  add_scale (table, 1, _("_Grow (px):"), &vals.grow, 0.0, 64.0, 1.0, 4.0, 1,
             _("Grow the repainted region to cover the mask's edge"), state.preview);
  add_scale (table, 2, _("_Feather (px):"), &vals.feather, 0.0, 32.0, 1.0, 4.0, 1,
             _("Width of the soft blend between repainted and original pixels"),
             state.preview);
  add_scale (table, 3, _("_Detail:"), &vals.detail, 0.0, 1.0, 0.05, 0.25, 2,
             _("How much of the network's fine detail to paint: 0 is smooth, 1 draws "
               "sharper lips and nose but can leave stray strokes. Compare in the preview."),
             state.preview);
  adj = add_scale (table, 4, _("Detection si_ze (px):"), &vals.detection_size, DETECTION_MIN, DETECTION_MAX, 64.0,
                   512.0, 0,
                   _("Long side of the view of the photo that masks are looked for in: larger "
                     "finds smaller faces in big group photos, but takes longer and mistakes "
                     "more textures for masks"),
                   state.preview);
  if (has_selection)
    gimp_scale_entry_set_sensitive (adj, FALSE);

  combo = gimp_int_combo_box_new (_("Result"),  0,
                                  _("Mask"),    1,
                                  _("Overlay"), 2,
                                  NULL);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), vals.output);
  g_signal_connect (combo, "changed", G_CALLBACK (output_changed), &state);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 5, _("_Output:"), 0.0, 0.5,
                             combo, 2, FALSE);

  toggle = gtk_check_button_new_with_mnemonic (_("Put the result on a _new layer"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), vals.new_layer);
  g_signal_connect (toggle, "toggled", G_CALLBACK (gimp_toggle_button_update),
                    &vals.new_layer);
  gtk_box_pack_start (GTK_BOX (main_vbox), toggle, FALSE, FALSE, 0);

  hbox = gtk_hbox_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (main_vbox), hbox, FALSE, FALSE, 0);
  label = gtk_label_new_with_mnemonic (_("Custom _weights:"));
  gtk_box_pack_start (GTK_BOX (hbox), label, FALSE, FALSE, 0);
  chooser = gtk_file_chooser_button_new (_("Select a Folder of Network Weights"),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), chooser);
  gimp_help_set_help_data (chooser,
                           _("A folder with your own detector.safetensors, inpainter.safetensors "
                             "or landmarks.safetensors (the files it lacks come from the bundled "
                             "weights); leave unset for the bundled weights"), NULL);
  if (vals.weights_dir[0])
    gtk_file_chooser_set_filename (GTK_FILE_CHOOSER (chooser), vals.weights_dir);
  gtk_box_pack_start (GTK_BOX (hbox), chooser, TRUE, TRUE, 0);
  g_signal_connect (chooser, "selection-changed", G_CALLBACK (weights_changed), &state);
  reset = gtk_button_new_with_mnemonic (_("_Bundled"));
  gimp_help_set_help_data (reset, _("Use the weights that come with Unmasked"), NULL);
  g_signal_connect (reset, "clicked", G_CALLBACK (weights_reset), chooser);
  gtk_box_pack_start (GTK_BOX (hbox), reset, FALSE, FALSE, 0);

  gtk_widget_show_all (dialog);
  center_preview (GIMP_SCROLLED_PREVIEW (state.preview), image_id, drawable_id);

  ok = (gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK);

  gtk_widget_destroy (dialog);
  return ok;
}

/* ---- entry point ----------------------------------------------------- */

static GimpPDBStatusType
fail (GimpRunMode run_mode, gchar *message, gint *nreturn_vals, GimpParam *values)
{
  g_message ("%s", message);
  if (run_mode == GIMP_RUN_NONINTERACTIVE)
    {
      /* Script-Fu shows the second return value in its error. */
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = message; /* leaked on purpose: GIMP reads it after run() */
      *nreturn_vals           = 2;
    }
  else
    {
      g_free (message);
    }
  return GIMP_PDB_EXECUTION_ERROR;
}

static void
run (const gchar      *name,
     gint              nparams,
     const GimpParam  *param,
     gint             *nreturn_vals,
     GimpParam       **return_vals)
{
  static GimpParam   values[2];
  GimpPDBStatusType  status = GIMP_PDB_SUCCESS;
  GimpRunMode        run_mode;
  gint32             image_id, drawable_id;
  GeglBuffer        *src;
  UnmaskOutcome      outcome;
  gchar             *problem;

  init_i18n ();
#ifdef __GLIBC__
  /* This process is ours: keep freed buffers for the next preview instead
   * of faulting them in again (what unmask_process_setup() in
   * nets/pipeline/pipeline.h does for the CLI). */
  mallopt (M_MMAP_THRESHOLD, 32 << 20);
  mallopt (M_TRIM_THRESHOLD, 1 << 30);
#endif
  gegl_init (NULL, NULL);
  use_op_defaults ();

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type = GIMP_PDB_STATUS;

  if (nparams < 3)
    {
      values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
      return;
    }
  run_mode    = param[0].data.d_int32;
  image_id    = param[1].data.d_image;
  drawable_id = param[2].data.d_drawable;

  /* Before the dialog: nothing it could show would make these work. */
  problem = check_drawable (drawable_id);
  if (problem)
    {
      values[0].data.d_status = fail (run_mode, problem, nreturn_vals, values);
      return;
    }

  switch (run_mode)
    {
    case GIMP_RUN_INTERACTIVE:
      load_last_vals ();
      if (! unmask_dialog (image_id, drawable_id))
        {
          values[0].data.d_status = GIMP_PDB_CANCEL;
          return;
        }
      gimp_set_data (PLUG_IN_PROC, &vals, sizeof (vals));
      break;

    case GIMP_RUN_NONINTERACTIVE:
      if (nparams != N_ARGS)
        {
          values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
          return;
        }
      vals.sensitivity = param[3].data.d_float;
      vals.grow        = param[4].data.d_float;
      vals.feather     = param[5].data.d_float;
      vals.output      = param[6].data.d_int32;
      vals.new_layer   = param[7].data.d_int32 != 0;
      g_strlcpy (vals.weights_dir, param[8].data.d_string ? param[8].data.d_string : "",
                 sizeof (vals.weights_dir));
      if (vals.sensitivity < 0.0 || vals.sensitivity > 1.0 ||
          vals.grow < 0.0 || vals.grow > 256.0 ||
          vals.feather < 0.0 || vals.feather > 128.0 ||
          vals.output < 0 || vals.output > 2)
        {
          values[0].data.d_status =
            fail (run_mode, g_strdup (_("Remove Face Mask: a parameter is out of range "
                                        "(sensitivity 0–1, grow 0–256, feather 0–128, "
                                        "output 0–2).")),
                  nreturn_vals, values);
          values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
          return;
        }
      break;

    case GIMP_RUN_WITH_LAST_VALS:
      load_last_vals ();
      break;

    default:
      break;
    }

  src     = gimp_drawable_get_buffer (drawable_id);
  problem = check_input (image_id, drawable_id, src);
  if (problem)
    {
      g_object_unref (src);
      values[0].data.d_status = fail (run_mode, problem, nreturn_vals, values);
      return;
    }

  if (preview_current ())
    {
      /* the dialog's preview made exactly this result */
      outcome = preview_result;
      memset (&preview_result, 0, sizeof preview_result);
      preview_done = FALSE;
    }
  else
    {
      preview_result_clear ();
      outcome = compute (image_id, drawable_id, src, TRUE);
    }
  g_object_unref (src);

  if (outcome.error)
    {
      status = fail (run_mode,
                     g_strdup_printf (_("%s Nothing was changed."), outcome.error),
                     nreturn_vals, values);
      g_free (outcome.error);
    }
  else if (outcome.n_faces == 0)
    {
      /* Not an error: see the comment at the top. */
      g_message (gimp_selection_is_empty (image_id)
                 ? _("No face mask was found in this layer. Nothing was changed. "
                     "Try a higher sensitivity, or select the region to repaint.")
                 : _("The selection does not cover this layer. Nothing was changed."));
    }
  else
    {
      apply (image_id, drawable_id, outcome.result);
      if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush ();
    }

  if (outcome.result)
    g_object_unref (outcome.result);

  values[0].data.d_status = status;
}
