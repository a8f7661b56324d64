/* The model cache and the GeglBuffer <-> unmask_image_io adapter shared by
 * unmask:remove-face-mask and unmask:inpaint. */
#include "unmask-config.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "op-common.h"
#include "unmask-ops.h"

void
unmask_op_init_i18n (void)
{
  bindtextdomain (GETTEXT_PACKAGE, UNMASK_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

GeglRectangle
unmask_op_whole_input (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation, "input");

  return in ? *in : *GEGL_RECTANGLE (0, 0, 0, 0);
}

GeglRectangle
unmask_op_required_whole (GeglOperation       *operation,
                          const gchar         *input_pad,
                          const GeglRectangle *roi)
{
  return unmask_op_whole_input (operation);
}

GeglRectangle
unmask_op_cached_whole (GeglOperation       *operation,
                        const GeglRectangle *roi)
{
  return unmask_op_whole_input (operation);
}

/* ---- model cache ---------------------------------------------------- */

/* Loaded networks, keyed by weights directory ("" = bundled).  Models are
 * kept for the life of the process (the module stays resident), so opening
 * the dialog preview or re-running the filter does not reload them.  The
 * same lock serialises unmask_run(): the models are not documented as
 * reentrant and the op is not threaded. */
static GMutex      cache_lock;
static GHashTable *cache;

static unmask_models *
cache_get_locked (const char *weights, nets_error *err)
{
  unmask_models *m;

  if (! cache)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  m = g_hash_table_lookup (cache, weights);
  if (m)
    return m;

  /* Failures are not cached: the user may fix the folder and retry. */
  m = unmask_models_load (weights[0] ? weights : NULL, err);
  if (m)
    g_hash_table_insert (cache, g_strdup (weights), m);
  return m;
}

/* ---- buffers as an unmask_image_io ---------------------------------- */

typedef struct
{
  GeglOperation *operation;
  GeglBuffer    *input;
  GeglBuffer    *aux;
  GeglBuffer    *output;
  GeglRectangle  rect;       /* the image, in buffer coordinates */
  GeglRectangle  hole;       /* user hole bounds, in buffer coordinates */
  const Babl    *format;
  const Babl    *hole_format;
} OpIo;

static int
io_read (void *user, int x, int y, int w, int h, double scale, float *out)
{
  OpIo         *io = user;
  GeglRectangle r;

  if (w <= 0 || h <= 0 || scale <= 0.0)
    return -1;
  if (scale > 1.0)
    scale = 1.0;
  /* gegl_buffer_get() takes the rectangle in scaled coordinates. */
  r.x      = (int) lround (io->rect.x * scale) + x;
  r.y      = (int) lround (io->rect.y * scale) + y;
  r.width  = w;
  r.height = h;
  gegl_buffer_get (io->input, &r, scale, io->format, out,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  return 0;
}

static int
io_write (void *user, int x, int y, int w, int h, const float *in)
{
  OpIo         *io = user;
  GeglRectangle want = { io->rect.x + x, io->rect.y + y, w, h };
  GeglRectangle clip;
  const float  *src;

  if (w <= 0 || h <= 0)
    return -1;
  if (! gegl_rectangle_intersect (&clip, &want, &io->rect))
    return 0;
  src = in + ((size_t) (clip.y - want.y) * w + (clip.x - want.x)) * 4;
  gegl_buffer_set (io->output, &clip, 0, io->format, src,
                   (gint) (sizeof (float) * 4 * w));
  return 0;
}

static int
io_read_hole (void *user, int x, int y, int w, int h, float *out)
{
  OpIo         *io = user;
  GeglRectangle r = { io->rect.x + x, io->rect.y + y, w, h };
  size_t        i, n = (size_t) w * h;

  if (w <= 0 || h <= 0)
    return -1;
  gegl_buffer_get (io->aux, &r, 1.0, io->hole_format, out,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    out[i] = isfinite (out[i]) ? CLAMP (out[i], 0.0f, 1.0f) : 0.0f;
  return 0;
}

static int
io_hole_bounds (void *user, int *x, int *y, int *w, int *h)
{
  OpIo *io = user;

  if (io->hole.width <= 0 || io->hole.height <= 0)
    return -1;
  *x = io->hole.x - io->rect.x;
  *y = io->hole.y - io->rect.y;
  *w = io->hole.width;
  *h = io->hole.height;
  return 0;
}

static gboolean
op_cancelled (GeglOperation *operation)
{
  gint *flag = g_object_get_data (G_OBJECT (operation), UNMASK_OP_DATA_CANCEL);

  return flag && g_atomic_int_get (flag);
}

static int
io_progress (void *user, double fraction, const char *what)
{
  OpIo *io = user;

  gegl_operation_progress (io->operation, CLAMP (fraction, 0.0, 1.0),
                           (gchar *) (what ? what : ""));
  return op_cancelled (io->operation);
}

gboolean
unmask_op_hole_bounds (GeglBuffer          *aux,
                       const GeglRectangle *within,
                       GeglRectangle       *bounds)
{
  GeglBufferIterator *it;
  int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;

  memset (bounds, 0, sizeof (*bounds));
  if (! aux || within->width <= 0 || within->height <= 0)
    return FALSE;

  it = gegl_buffer_iterator_new (aux, within, 0, babl_format (UNMASK_OP_HOLE_FORMAT),
                                 GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
  while (gegl_buffer_iterator_next (it))
    {
      const float         *d   = it->items[0].data;
      const GeglRectangle *roi = &it->items[0].roi;
      int                  i, j;

      for (j = 0; j < roi->height; j++)
        for (i = 0; i < roi->width; i++)
          /* Above half a u8 step: ignore rounding noise of 8-bit masks. */
          if (d[j * roi->width + i] > 0.5f / 255.0f)
            {
              x0 = MIN (x0, roi->x + i);
              x1 = MAX (x1, roi->x + i);
              y0 = MIN (y0, roi->y + j);
              y1 = MAX (y1, roi->y + j);
            }
    }
  if (x1 < x0)
    return FALSE;
  bounds->x      = x0;
  bounds->y      = y0;
  bounds->width  = x1 - x0 + 1;
  bounds->height = y1 - y0 + 1;
  return TRUE;
}

void
unmask_op_set_outcome (GeglOperation *operation, int n_faces, const char *error)
{
  g_object_set_data (G_OBJECT (operation), UNMASK_OP_DATA_FACES,
                     n_faces >= 0 ? GINT_TO_POINTER (n_faces + 1) : NULL);
  g_object_set_data_full (G_OBJECT (operation), UNMASK_OP_DATA_ERROR,
                          g_strdup (error), g_free);
  g_object_set_data (G_OBJECT (operation), UNMASK_OP_DATA_FIRST_FACE, NULL);
}

void
unmask_op_run (GeglOperation       *operation,
               GeglBuffer          *input,
               GeglBuffer          *aux,
               GeglBuffer          *output,
               const GeglRectangle *rect,
               const char          *weights,
               const unmask_params *params)
{
  OpIo            io = { 0 };
  unmask_image_io uio = { 0 };
  unmask_params   p = *params;
  unmask_models  *models;
  nets_error      err = { 0 };
  unmask_face    *faces = NULL;
  int             n, n_listed = 0;

  unmask_op_set_outcome (operation, -1, NULL);
  if (rect->width < 1 || rect->height < 1)
    {
      unmask_op_set_outcome (operation, -1, _("The image is empty."));
      return;
    }

  io.operation   = operation;
  io.input       = input;
  io.aux         = aux;
  io.output      = output;
  io.rect        = *rect;
  io.format      = babl_format (UNMASK_OP_FORMAT);
  io.hole_format = babl_format (UNMASK_OP_HOLE_FORMAT);

  uio.width  = rect->width;
  uio.height = rect->height;
  uio.user   = &io;
  uio.read   = io_read;
  uio.write  = io_write;

  if (aux)
    {
      /* A user hole: an empty one means there is nothing to repaint (it must
       * not fall back to detection). */
      if (! unmask_op_hole_bounds (aux, rect, &io.hole))
        {
          unmask_op_set_outcome (operation, 0, NULL);
          return;
        }
      uio.read_hole   = io_read_hole;
      uio.hole_bounds = io_hole_bounds;
    }

  p.progress      = io_progress;
  p.progress_user = &io;

  if (! weights)
    weights = "";

  g_mutex_lock (&cache_lock);
  models = cache_get_locked (weights, &err);
  if (! models)
    {
      gchar *msg;

      g_mutex_unlock (&cache_lock);
      msg = g_strdup_printf (_("Cannot load the face mask networks from %s: %s"),
                             weights[0] ? weights : _("the bundled weights"),
                             err.msg[0] ? err.msg : _("unknown error"));
      g_warning ("%s", msg);
      unmask_op_set_outcome (operation, -1, msg);
      g_free (msg);
      return;
    }
  n = unmask_run (models, &uio, &p, &faces, &n_listed, &err);
  g_mutex_unlock (&cache_lock);

  if (n < 0)
    {
      /* Whatever was written so far goes: the output is the input. */
      free (faces);
      gegl_buffer_copy (input, rect, GEGL_ABYSS_NONE, output, rect);
      if (err.code == NETS_ERR_CANCEL || op_cancelled (operation))
        {
          unmask_op_set_outcome (operation, -1, _("Cancelled."));
        }
      else
        {
          gchar *msg = g_strdup_printf (_("Removing the face mask failed: %s"),
                                        err.msg[0] ? err.msg : _("unknown error"));
          g_warning ("%s", msg);
          unmask_op_set_outcome (operation, -1, msg);
          g_free (msg);
        }
      return;
    }
  unmask_op_set_outcome (operation, n, NULL);
  if (n_listed > 0)
    {
      GeglRectangle *first = g_new (GeglRectangle, 1);

      *first = *GEGL_RECTANGLE (rect->x + faces[0].x, rect->y + faces[0].y, faces[0].w, faces[0].h);
      g_object_set_data_full (G_OBJECT (operation), UNMASK_OP_DATA_FIRST_FACE, first, g_free);
    }
  free (faces);
  gegl_operation_progress (operation, 1.0, (gchar *) "");
}
