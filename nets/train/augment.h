/* Photometric and geometric augmentation of detector scenes (on top of what
 * the synthesis already varies: scale, position, noise, JPEG, blur). */
#ifndef TRAIN_AUGMENT_H
#define TRAIN_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

/* rgb: w*h*3 in [0,1]; cover: w*h (flipped together with rgb).  Returns 1
 * when the scene was mirrored (so callers can mirror their own maps). */
int augment_scene(float *rgb, float *cover, int w, int h, uint64_t seed);
/* n RGB pixels set to their luma in all three channels, as in a
 * black-and-white photo. */
void augment_to_grey(float *rgb, size_t n);
/* With probability share (drawn from seed), rgb (w*h*3) becomes its luma in
 * all three channels, as a black-and-white photo is: augment_scene's grey
 * scenes keep a tint from its white balance.  Returns 1 when it did. */
int augment_grey(float *rgb, int w, int h, double share, uint64_t seed);
/* Mirror a w x h single-channel map left-right. */
void augment_mirror(float *map, int w, int h);

#endif
