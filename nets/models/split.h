/* Splitting one connected covering into the touching masks it is made of. */
#ifndef NETS_SPLIT_H
#define NETS_SPLIT_H

/* Components shallower than this (pixels from edge to centre) are never split. */
#define NETS_SPLIT_MIN_DEPTH 4.0f

/* m: w x h, nonzero = the component.  part (w*h) receives 0 outside and
 * 1..parts inside.  Returns the number of parts (1 if not split, at most
 * max_parts), or -1 when out of memory. */
int nets_split_component(const unsigned char *m, int w, int h, int max_parts, int *part);

#endif
