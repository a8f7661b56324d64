/* A 5x7 bitmap font for the labels of plots: digits, upper/lower case letters
 * (lower case drawn as upper case) and . - : / ( ) % + = _ and space. */
#ifndef TRAIN_FONT_H
#define TRAIN_FONT_H

#include "../io/image.h"

/* Draws text with its top-left corner at (x, y), scale `scale`, in colour rgb. */
void font_draw(nets_image *img, int x, int y, int scale, const float rgb[3], const char *text);
int font_width(const char *text, int scale);

#endif
