/* safetensors weight files: 8-byte little-endian header length N, N bytes of
 * JSON header {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * ..., "__metadata__": {"key": "string", ...}}, then the raw little-endian data.
 * Parsing uses json-glib.  Every malformed file is rejected with a message. */
#ifndef NETS_SAFETENSORS_H
#define NETS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/nets-error.h"

#define NETS_ST_MAX_DIMS 8

typedef struct {
  char *name;
  int ndim;
  int64_t shape[NETS_ST_MAX_DIMS];
  float *data; /* owned, converted to F32 (F32, F16 and BF16 files are accepted) */
} nets_st_tensor;

typedef struct {
  int n_tensors;
  nets_st_tensor *tensors;
  int n_meta;
  char **meta_keys; /* owned */
  char **meta_values;
} nets_st_file;

/* Read and validate a whole file.  Rejects: short/absurd header length (more
 * than 100 MB or past end of file), invalid JSON or a non-object header, unknown
 * dtype, shape/offset mismatch, offsets out of range or overlapping, data not
 * fully covered, non-finite values, non-string metadata, duplicate names. */
nets_st_file *nets_st_load(const char *path, nets_error *err);
void nets_st_free(nets_st_file *f);
const nets_st_tensor *nets_st_find(const nets_st_file *f, const char *name);
const char *nets_st_meta(const nets_st_file *f, const char *key); /* NULL if absent */

/* Writer: collect tensors (data is copied) and metadata, then save (F32). */
typedef struct nets_st_writer nets_st_writer;
nets_st_writer *nets_st_writer_new(void);
int nets_st_writer_add(nets_st_writer *w, const char *name, const float *data, int ndim,
                       const int64_t *shape, nets_error *err);
int nets_st_writer_meta(nets_st_writer *w, const char *key, const char *value, nets_error *err);
/* Writes to path.tmp then renames, so a crash never leaves half a file. */
int nets_st_writer_save(nets_st_writer *w, const char *path, nets_error *err);
void nets_st_writer_free(nets_st_writer *w);

/* Saves f's tensors and metadata to path, without the metadata keys in drop
 * and with the pairs in add (both lists end with NULL; either may be NULL;
 * add holds key, value, key, value, ...): a weights file with new notes. */
int nets_st_save_copy(const nets_st_file *f, const char *path, const char *const *drop,
                      const char *const *add, nets_error *err);

#endif
