/* Splitting one connected covering into the touching masks it is made of. */
#ifndef NETS_SPLIT_H
#define NETS_SPLIT_H

/* Components shallower than this (pixels from edge to centre) are never split. */
#define NETS_SPLIT_MIN_DEPTH 4.0f

/* m: w x h, nonzero = the component.  part (w*h) receives 0 outside and
 * 1..parts inside.  Returns the number of parts (1 if not split, at most
 * max_parts), or -1 when out of memory. */
int nets_split_component(const unsigned char *m, int w, int h, int max_parts, int *part);

/* A valley must lie this far below the lower of the two peaks it parts
 * (probability), and a peak needs this many pixels at the seed level. */
#define NETS_VALLEY_DEPTH 0.25f
#define NETS_VALLEY_MIN_SEED 16

/* The same component split where its probability map has a valley: seeds are
 * the 4-connected parts of prob >= seed with at least min_seed pixels; each
 * pixel goes to the seed whose flood (highest probability first) reaches it;
 * two floods whose pass lies less than `depth` below the lower of their peaks
 * are one part.  prob and m are w x h.  Returns the number of parts (0 when
 * no seed), or -1 when out of memory; part as above. */
int nets_split_valleys(const float *prob, const unsigned char *m, int w, int h, float seed,
                       float depth, int min_seed, int max_parts, int *part);

#endif
