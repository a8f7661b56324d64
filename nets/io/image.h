/* Image files for the trainer and the tools: PNG (8/16-bit; grey, grey+alpha,
 * RGB, RGBA) through libpng, and JPEG (grey, RGB; CMYK read as RGB, without
 * colour management) through libjpeg.
 * Pixels are float in [0, 1], interleaved (y * width + x) * channels + c,
 * non-premultiplied, in the file's own (sRGB) encoding. */
#ifndef NETS_IMAGE_H
#define NETS_IMAGE_H

#include "../core/nets-error.h"

typedef struct {
  int width, height, channels; /* channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  float *data;                 /* owned; width*height*channels floats */
  int depth;                   /* bits per channel of the file it was read from: 16 for a
                                  16-bit PNG, else 8 (and 8 when made in memory) */
} nets_image;

nets_image *nets_image_new(int width, int height, int channels); /* zeroed; NULL on failure */
void nets_image_free(nets_image *img);
nets_image *nets_image_copy(const nets_image *img);

/* Load a PNG or JPEG (detected by content, not by name).  A JPEG comes out
 * as it is shown: turned and flipped as its EXIF orientation says.  Returns
 * NULL and fills err on failure; never aborts on a corrupt file. */
nets_image *nets_image_load(const char *path, nets_error *err);
/* The names of the JPEG and PNG files in dir (by extension: .jpg, .jpeg,
 * .png in any case), sorted; *n their count (0 gives an empty, non-NULL
 * list).  NULL with err set when dir cannot be opened or memory runs out.
 * Free with nets_image_list_free. */
char **nets_image_list(const char *dir, int *n, nets_error *err);
void nets_image_list_free(char **names, int n);
/* Rec.601 luma of one RGB pixel (the weights JPEG uses for its own grey
 * conversion). */
float nets_luma(const float *rgb);
/* Convert to the given channel count (1..4): grey<->RGB, add/drop alpha (alpha=1). */
nets_image *nets_image_convert(const nets_image *img, int channels);
/* Save by extension: .png (bit_depth 8 or 16) or .jpg/.jpeg (quality 1..100, bit_depth ignored). */
int nets_image_save(const nets_image *img, const char *path, int bit_depth, int jpeg_quality,
                    nets_error *err);

/* Encode to JPEG in memory and decode back (used to simulate JPEG artefacts). */
int nets_image_jpeg_roundtrip(nets_image *img, int quality, nets_error *err);

/* Bilinear (area-averaged when shrinking) resampling of a region. */
nets_image *nets_image_resize(const nets_image *img, int new_width, int new_height);

#endif
