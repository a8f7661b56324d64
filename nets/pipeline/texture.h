/* Skin texture for a large face's fill.  The inpainter paints at 128 px, so
 * on a face a few hundred pixels wide its fill, upscaled, has none of the
 * pores, freckles or stubble of the skin around it.  This copies that fine
 * detail from the face's own visible skin: tile by tile, the high-pass
 * luminance of a source patch whose brightness and texture strength fit the
 * tile, overlapped with smooth windows. */
#ifndef UNMASK_TEXTURE_H
#define UNMASK_TEXTURE_H

#include <stddef.h>
#include <stdint.h>

/* All images are w x h, in one frame.
 *   luma:   the picture's luminance (read where src is set, and around it);
 *   src:    1 where a pixel is visible skin that detail may come from;
 *   target: the fill's luminance (read where dst is set);
 *   dst:    1 where detail is wanted;
 *   radius: the detail's scale, in pixels: what a blur of this radius
 *           removes (about one pixel of the network's crop);
 *   seed:   picks among equally good patches (the result is deterministic).
 * detail (w x h) receives the luminance to add (0 where dst is not set).
 * Returns 1 when done, 0 when too little skin is visible for it (detail is
 * then all 0), or NETS_ERR_NOMEM (negative). */
int unmask_texture_detail(const float *luma, const unsigned char *src, const float *target,
                          const unsigned char *dst, int w, int h, int radius, uint64_t seed,
                          float *detail);

/* Where the skin of a face shows (size x size map, from its 68 landmarks lm
 * in pixels of that map): 1 on the face (unmask_landmark_face's map face,
 * shrunk by 2 px), 2 on the forehead (a strip above the brows, a third of
 * the way from the chin to the brows high, along the face's own up), 0
 * elsewhere and on the eyes and brows (each one's box, grown by a quarter
 * of its width for an eye and a tenth for a brow).  Returns 0 or
 * NETS_ERR_NOMEM. */
int unmask_texture_skin(const unsigned char *face, const float *lm, int size, unsigned char *skin);

/* Keeps set in src (n pixels of px, ch channels, RGB first; values as
 * unmask_texture_skin's) only the pixels within 0.1 of the median colour of
 * those on the face, channel by channel (of all of src's when the face
 * shows fewer than 64): hair over the forehead is not skin. */
void unmask_texture_keep_colour(const float *px, int ch, unsigned char *src, size_t n);

#endif
