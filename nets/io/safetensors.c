/* safetensors reader (F32/F16/BF16 -> float) and writer (F32). */
#include "safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "../core/tensor.h"

#define ST_MAX_HEADER (100u * 1024u * 1024u)
#define ST_META "__metadata__"

/* ---- small helpers --------------------------------------------------- */

static uint64_t get_le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void put_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static float bits_to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* IEEE half -> float, exact for every finite half (normals and subnormals). */
static uint32_t half_to_bits(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) {
    if (mant == 0) return sign;
    exp = 127 - 15 + 1; /* subnormal: normalise */
    while (!(mant & 0x400)) {
      mant <<= 1;
      exp--;
    }
    mant &= 0x3ff;
    return sign | (exp << 23) | (mant << 13);
  }
  return sign | ((exp + 127 - 15) << 23) | (mant << 13);
}

typedef enum { DT_F32, DT_F16, DT_BF16 } st_dtype;
static const int dt_size[] = {4, 2, 2};

/* Decodes n little-endian values of dtype from src into dst (src may alias
 * dst for F32).  Returns the index of the first non-finite value, or -1. */
static int64_t decode(st_dtype dt, const unsigned char *src, float *dst, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    if (dt == DT_F32) {
      const unsigned char *p = src + 4 * i;
      bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    } else {
      const uint16_t h = (uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
      if (dt == DT_F16) {
        if ((h & 0x7c00) == 0x7c00) return (int64_t)i;
        bits = half_to_bits(h);
      } else {
        bits = (uint32_t)h << 16;
      }
    }
    /* Bit test rather than isfinite(): the library is built with -ffast-math. */
    if ((bits & 0x7f800000u) == 0x7f800000u) return (int64_t)i;
    dst[i] = bits_to_float(bits);
  }
  return -1;
}

/* ---- JSON parsing with duplicate-key detection ------------------------ */

/* json-glib silently keeps the last of duplicate keys, so track the names of
 * every open object through the parser's signals. */
typedef struct {
  GPtrArray *open; /* GHashTable* of member names, one per open object */
  char *dup;       /* first duplicated key */
  int dup_depth;
} dup_tracker;

static void on_object_start(JsonParser *p, gpointer data) {
  dup_tracker *t = data;
  g_ptr_array_add(t->open, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
}

static void on_object_member(JsonParser *p, JsonObject *o, const char *name, gpointer data) {
  dup_tracker *t = data;
  if (t->open->len == 0) return;
  GHashTable *names = g_ptr_array_index(t->open, t->open->len - 1);
  if (!g_hash_table_add(names, g_strdup(name)) && !t->dup) {
    t->dup = g_strdup(name);
    t->dup_depth = (int)t->open->len;
  }
}

static void on_object_end(JsonParser *p, JsonObject *o, gpointer data) {
  dup_tracker *t = data;
  if (t->open->len > 0) g_ptr_array_remove_index(t->open, t->open->len - 1);
}

/* ---- loading --------------------------------------------------------- */

typedef struct {
  const char *name;
  st_dtype dt;
  int ndim;
  int64_t shape[NETS_ST_MAX_DIMS];
  uint64_t numel, begin, end;
} st_entry;

static int cmp_offsets(const void *a, const void *b) {
  const st_entry *x = *(st_entry *const *)a, *y = *(st_entry *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

/* Reads a JSON integer; rejects floats, strings, bools and negatives. */
static int json_uint(JsonNode *n, uint64_t *out) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) return 0;
  const gint64 v = json_node_get_int(n);
  if (v < 0) return 0;
  *out = (uint64_t)v;
  return 1;
}

static int parse_entry(const char *name, JsonNode *node, uint64_t data_size, st_entry *e,
                       nets_error *err) {
  e->name = name;
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': entry is not an object", name);
  JsonObject *o = json_node_get_object(node);

  JsonNode *dn = json_object_get_member(o, "dtype");
  if (!dn || !JSON_NODE_HOLDS_VALUE(dn) || json_node_get_value_type(dn) != G_TYPE_STRING)
    return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': missing or non-string dtype", name);
  const char *dt = json_node_get_string(dn);
  if (strcmp(dt, "F32") == 0) e->dt = DT_F32;
  else if (strcmp(dt, "F16") == 0) e->dt = DT_F16;
  else if (strcmp(dt, "BF16") == 0) e->dt = DT_BF16;
  else
    return nets_error_set(err, NETS_ERR_FORMAT,
                          "tensor '%s': unsupported dtype '%s' (F32, F16, BF16 accepted)", name, dt);

  JsonNode *sn = json_object_get_member(o, "shape");
  if (!sn || !JSON_NODE_HOLDS_ARRAY(sn))
    return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': missing or non-array shape", name);
  JsonArray *sa = json_node_get_array(sn);
  const guint nd = json_array_get_length(sa);
  if (nd > NETS_ST_MAX_DIMS)
    return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': %u dimensions (at most %d)", name,
                          nd, NETS_ST_MAX_DIMS);
  e->ndim = (int)nd;
  e->numel = 1;
  for (guint i = 0; i < nd; i++) {
    uint64_t d;
    if (!json_uint(json_array_get_element(sa, i), &d) || d > INT64_MAX)
      return nets_error_set(err, NETS_ERR_FORMAT,
                            "tensor '%s': shape[%u] is not a non-negative integer", name, i);
    e->shape[i] = (int64_t)d;
    if (d != 0 && e->numel > (uint64_t)INT64_MAX / dt_size[e->dt] / d)
      return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': shape size overflows", name);
    e->numel *= d;
  }

  JsonNode *on = json_object_get_member(o, "data_offsets");
  JsonArray *oa = on && JSON_NODE_HOLDS_ARRAY(on) ? json_node_get_array(on) : NULL;
  if (!oa || json_array_get_length(oa) != 2 || !json_uint(json_array_get_element(oa, 0), &e->begin) ||
      !json_uint(json_array_get_element(oa, 1), &e->end))
    return nets_error_set(err, NETS_ERR_FORMAT,
                          "tensor '%s': data_offsets must be two non-negative integers", name);
  if (e->begin > e->end)
    return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': data_offsets begin %llu > end %llu",
                          name, (unsigned long long)e->begin, (unsigned long long)e->end);
  if (e->end > data_size)
    return nets_error_set(err, NETS_ERR_FORMAT,
                          "tensor '%s': data_offsets end %llu is past the data section (%llu bytes)",
                          name, (unsigned long long)e->end, (unsigned long long)data_size);
  if (e->end - e->begin != e->numel * dt_size[e->dt])
    return nets_error_set(err, NETS_ERR_FORMAT,
                          "tensor '%s': %llu bytes of data but shape needs %llu", name,
                          (unsigned long long)(e->end - e->begin),
                          (unsigned long long)(e->numel * dt_size[e->dt]));
  return NETS_OK;
}

static int parse_meta(nets_st_file *f, JsonNode *node, nets_error *err) {
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return nets_error_set(err, NETS_ERR_FORMAT, ST_META " is not an object");
  JsonObject *o = json_node_get_object(node);
  const guint n = json_object_get_size(o);
  f->meta_keys = calloc(n + 1, sizeof(char *));
  f->meta_values = calloc(n + 1, sizeof(char *));
  if (!f->meta_keys || !f->meta_values) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  GList *members = json_object_get_members(o);
  int rc = NETS_OK;
  for (GList *l = members; l; l = l->next) {
    const char *key = l->data;
    JsonNode *v = json_object_get_member(o, key);
    if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING) {
      rc = nets_error_set(err, NETS_ERR_FORMAT, ST_META " value '%s' is not a string", key);
      break;
    }
    f->meta_keys[f->n_meta] = strdup(key);
    f->meta_values[f->n_meta] = strdup(json_node_get_string(v));
    if (!f->meta_keys[f->n_meta] || !f->meta_values[f->n_meta]) {
      free(f->meta_keys[f->n_meta]);
      free(f->meta_values[f->n_meta]);
      rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
      break;
    }
    f->n_meta++;
  }
  g_list_free(members);
  return rc;
}

/* Sorted by offset, the entries must tile [0, data_size) exactly. */
static int check_coverage(st_entry **sorted, int n, uint64_t data_size, nets_error *err) {
  uint64_t pos = 0;
  for (int i = 0; i < n; i++) {
    const st_entry *e = sorted[i];
    if (e->begin < pos)
      return nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s' overlaps tensor '%s'", e->name,
                            sorted[i - 1]->name);
    if (e->begin > pos)
      return nets_error_set(err, NETS_ERR_FORMAT, "data bytes %llu..%llu belong to no tensor",
                            (unsigned long long)pos, (unsigned long long)e->begin);
    pos = e->end;
  }
  if (pos != data_size)
    return nets_error_set(err, NETS_ERR_FORMAT, "data bytes %llu..%llu belong to no tensor",
                          (unsigned long long)pos, (unsigned long long)data_size);
  return NETS_OK;
}

static int read_tensor(FILE *fp, uint64_t data_start, const st_entry *e, nets_st_tensor *t,
                       nets_error *err) {
  t->name = strdup(e->name);
  t->ndim = e->ndim;
  memcpy(t->shape, e->shape, sizeof t->shape);
  const size_t bytes = (size_t)(e->end - e->begin);
  /* F32 is decoded in place; halves go through a byte buffer. */
  t->data = nets_alloc_floats((size_t)e->numel);
  unsigned char *buf = e->dt == DT_F32 ? (unsigned char *)t->data : malloc(bytes ? bytes : 1);
  if (!t->name || !t->data || !buf) {
    if (e->dt != DT_F32) free(buf);
    return nets_error_set(err, NETS_ERR_NOMEM, "tensor '%s': out of memory", e->name);
  }
  int rc = NETS_OK;
  if (bytes > 0 && (fseeko(fp, (off_t)(data_start + e->begin), SEEK_SET) != 0 ||
                    fread(buf, 1, bytes, fp) != bytes)) {
    rc = nets_error_set(err, NETS_ERR_IO, "tensor '%s': read failed", e->name);
  } else {
    const int64_t bad = decode(e->dt, buf, t->data, (size_t)e->numel);
    if (bad >= 0)
      rc = nets_error_set(err, NETS_ERR_FORMAT, "tensor '%s': non-finite value at index %lld",
                          e->name, (long long)bad);
  }
  if (e->dt != DT_F32) free(buf);
  return rc;
}

static int load(FILE *fp, nets_st_file *f, nets_error *err) {
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
    return nets_error_set(err, NETS_ERR_IO, "is a folder, not a weights file");
  if (fseeko(fp, 0, SEEK_END) != 0) return nets_error_set(err, NETS_ERR_IO, "cannot seek");
  const off_t size = ftello(fp);
  if (size < 0 || fseeko(fp, 0, SEEK_SET) != 0)
    return nets_error_set(err, NETS_ERR_IO, "cannot seek");
  unsigned char lenbuf[8];
  if (size < 8 || fread(lenbuf, 1, 8, fp) != 8)
    return nets_error_set(err, NETS_ERR_FORMAT, "file is %lld bytes, shorter than the 8-byte header length",
                          (long long)size);
  const uint64_t hlen = get_le64(lenbuf);
  if (hlen > ST_MAX_HEADER)
    return nets_error_set(err, NETS_ERR_FORMAT, "header length %llu exceeds the 100 MB limit",
                          (unsigned long long)hlen);
  if (hlen > (uint64_t)size - 8)
    return nets_error_set(err, NETS_ERR_FORMAT, "header length %llu runs past the end of the file",
                          (unsigned long long)hlen);
  const uint64_t data_start = 8 + hlen, data_size = (uint64_t)size - data_start;

  char *header = malloc(hlen + 1);
  if (!header) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory for header");
  if (fread(header, 1, hlen, fp) != hlen) {
    free(header);
    return nets_error_set(err, NETS_ERR_IO, "cannot read header");
  }
  header[hlen] = '\0';

  int rc = NETS_OK;
  JsonParser *parser = json_parser_new();
  dup_tracker dups = {.open = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref)};
  g_signal_connect(parser, "object-start", G_CALLBACK(on_object_start), &dups);
  g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &dups);
  g_signal_connect(parser, "object-end", G_CALLBACK(on_object_end), &dups);
  GError *gerr = NULL;
  st_entry *entries = NULL;
  st_entry **sorted = NULL;
  GList *members = NULL;
  JsonNode *root = NULL;

  if (hlen == 0 || memchr(header, '\0', hlen) || !g_utf8_validate(header, (gssize)hlen, NULL)) {
    rc = nets_error_set(err, NETS_ERR_FORMAT, "header is not valid JSON (%s)",
                        hlen == 0 ? "empty" : memchr(header, '\0', hlen) ? "contains a NUL byte"
                                                                        : "not UTF-8 text");
    goto done;
  }
  if (!json_parser_load_from_data(parser, header, (gssize)hlen, &gerr)) {
    rc = nets_error_set(err, NETS_ERR_FORMAT, "header is not valid JSON: %s", gerr->message);
    goto done;
  }
  root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    rc = nets_error_set(err, NETS_ERR_FORMAT, "header is not a JSON object");
    goto done;
  }
  if (dups.dup) {
    rc = nets_error_set(err, NETS_ERR_FORMAT, dups.dup_depth == 1 ? "duplicate tensor name '%s'"
                                                                   : "duplicate key '%s' in header",
                        dups.dup);
    goto done;
  }

  JsonObject *obj = json_node_get_object(root);
  members = json_object_get_members(obj);
  const guint n_members = g_list_length(members);
  entries = calloc(n_members + 1, sizeof *entries);
  sorted = calloc(n_members + 1, sizeof *sorted);
  if (!entries || !sorted) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    goto done;
  }
  int n = 0;
  for (GList *l = members; l && rc == NETS_OK; l = l->next) {
    const char *name = l->data;
    JsonNode *node = json_object_get_member(obj, name);
    if (strcmp(name, ST_META) == 0) {
      rc = parse_meta(f, node, err);
    } else {
      rc = parse_entry(name, node, data_size, &entries[n], err);
      sorted[n] = &entries[n];
      n++;
    }
  }
  if (rc != NETS_OK) goto done;
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_offsets);
  if ((rc = check_coverage(sorted, n, data_size, err)) != NETS_OK) goto done;

  f->tensors = calloc((size_t)n + 1, sizeof *f->tensors);
  if (!f->tensors) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < n && rc == NETS_OK; i++) {
    rc = read_tensor(fp, data_start, &entries[i], &f->tensors[i], err);
    f->n_tensors = i + 1; /* so nets_st_free releases partial reads */
  }

done:
  if (gerr) g_error_free(gerr);
  g_list_free(members);
  free(entries);
  free(sorted);
  g_object_unref(parser);
  g_ptr_array_free(dups.open, TRUE);
  g_free(dups.dup);
  free(header);
  return rc;
}

nets_st_file *nets_st_load(const char *path, nets_error *err) {
  if (!path) {
    nets_error_set(err, NETS_ERR_ARG, "no path given");
    return NULL;
  }
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    nets_error_set(err, NETS_ERR_IO, "%s: cannot open", path);
    return NULL;
  }
  nets_st_file *f = calloc(1, sizeof *f);
  nets_error local;
  int rc = f ? load(fp, f, &local) : nets_error_set(&local, NETS_ERR_NOMEM, "out of memory");
  fclose(fp);
  if (rc != NETS_OK) {
    nets_error_set(err, rc, "%s: %s", path, local.msg);
    nets_st_free(f);
    return NULL;
  }
  return f;
}

void nets_st_free(nets_st_file *f) {
  if (!f) return;
  for (int i = 0; i < f->n_tensors; i++) {
    free(f->tensors[i].name);
    nets_free_floats(f->tensors[i].data);
  }
  free(f->tensors);
  for (int i = 0; i < f->n_meta; i++) {
    free(f->meta_keys[i]);
    free(f->meta_values[i]);
  }
  free(f->meta_keys);
  free(f->meta_values);
  free(f);
}

const nets_st_tensor *nets_st_find(const nets_st_file *f, const char *name) {
  if (!f || !name) return NULL;
  for (int i = 0; i < f->n_tensors; i++)
    if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
  return NULL;
}

const char *nets_st_meta(const nets_st_file *f, const char *key) {
  if (!f || !key) return NULL;
  for (int i = 0; i < f->n_meta; i++)
    if (strcmp(f->meta_keys[i], key) == 0) return f->meta_values[i];
  return NULL;
}

/* ---- writer ---------------------------------------------------------- */

struct nets_st_writer {
  int n, cap;
  nets_st_tensor *t;
  uint64_t *numel;
  int n_meta, meta_cap;
  char **keys, **values;
};

nets_st_writer *nets_st_writer_new(void) { return calloc(1, sizeof(nets_st_writer)); }

void nets_st_writer_free(nets_st_writer *w) {
  if (!w) return;
  for (int i = 0; i < w->n; i++) {
    free(w->t[i].name);
    nets_free_floats(w->t[i].data);
  }
  free(w->t);
  free(w->numel);
  for (int i = 0; i < w->n_meta; i++) {
    free(w->keys[i]);
    free(w->values[i]);
  }
  free(w->keys);
  free(w->values);
  free(w);
}

static int valid_string(const char *s) { return s && g_utf8_validate(s, -1, NULL); }

int nets_st_writer_add(nets_st_writer *w, const char *name, const float *data, int ndim,
                       const int64_t *shape, nets_error *err) {
  if (!w) return nets_error_set(err, NETS_ERR_ARG, "no writer");
  if (!valid_string(name) || !*name || strcmp(name, ST_META) == 0)
    return nets_error_set(err, NETS_ERR_ARG, "invalid tensor name");
  if (ndim < 0 || ndim > NETS_ST_MAX_DIMS || (ndim > 0 && !shape))
    return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': invalid ndim %d", name, ndim);
  for (int i = 0; i < w->n; i++)
    if (strcmp(w->t[i].name, name) == 0)
      return nets_error_set(err, NETS_ERR_ARG, "duplicate tensor name '%s'", name);
  uint64_t numel = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': negative dimension", name);
    if (shape[i] != 0 && numel > (uint64_t)INT64_MAX / 4 / (uint64_t)shape[i])
      return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': shape size overflows", name);
    numel *= (uint64_t)shape[i];
  }
  if (numel > SIZE_MAX / sizeof(float))
    return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': too large", name);
  if (numel > 0 && !data) return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': no data", name);
  for (uint64_t i = 0; i < numel; i++) {
    uint32_t bits;
    memcpy(&bits, &data[i], sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u)
      return nets_error_set(err, NETS_ERR_ARG, "tensor '%s': non-finite value at index %llu",
                            name, (unsigned long long)i);
  }
  if (w->n == w->cap) {
    const int cap = w->cap ? 2 * w->cap : 16;
    nets_st_tensor *t = realloc(w->t, sizeof *t * cap);
    if (!t) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    w->t = t;
    uint64_t *ne = realloc(w->numel, sizeof *ne * cap);
    if (!ne) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    w->numel = ne;
    w->cap = cap;
  }
  nets_st_tensor *t = &w->t[w->n];
  memset(t, 0, sizeof *t);
  t->name = strdup(name);
  t->data = nets_alloc_floats((size_t)numel);
  if (!t->name || !t->data) {
    free(t->name);
    nets_free_floats(t->data);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  if (numel) memcpy(t->data, data, (size_t)numel * sizeof(float));
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  w->numel[w->n++] = numel;
  return NETS_OK;
}

int nets_st_writer_meta(nets_st_writer *w, const char *key, const char *value, nets_error *err) {
  if (!w) return nets_error_set(err, NETS_ERR_ARG, "no writer");
  if (!valid_string(key) || !valid_string(value))
    return nets_error_set(err, NETS_ERR_ARG, "metadata key and value must be UTF-8 strings");
  char *v = strdup(value);
  if (!v) return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  for (int i = 0; i < w->n_meta; i++) {
    if (strcmp(w->keys[i], key) == 0) { /* replace */
      free(w->values[i]);
      w->values[i] = v;
      return NETS_OK;
    }
  }
  if (w->n_meta == w->meta_cap) {
    const int cap = w->meta_cap ? 2 * w->meta_cap : 8;
    char **k = realloc(w->keys, sizeof *k * cap);
    if (k) w->keys = k;
    char **vs = k ? realloc(w->values, sizeof *vs * cap) : NULL;
    if (vs) w->values = vs;
    if (!k || !vs) {
      free(v);
      return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    }
    w->meta_cap = cap;
  }
  char *k = strdup(key);
  if (!k) {
    free(v);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  w->keys[w->n_meta] = k;
  w->values[w->n_meta++] = v;
  return NETS_OK;
}

typedef struct {
  const char *name;
  int index;
} name_index;

static int cmp_names(const void *a, const void *b) {
  return strcmp(((const name_index *)a)->name, ((const name_index *)b)->name);
}

/* Builds the padded JSON header for tensors in the given order. */
static char *build_header(const nets_st_writer *w, const int *order, size_t *len) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, ST_META);
  json_builder_begin_object(b);
  for (int i = 0; i < w->n_meta; i++) {
    json_builder_set_member_name(b, w->keys[i]);
    json_builder_add_string_value(b, w->values[i]);
  }
  json_builder_end_object(b);
  uint64_t offset = 0;
  for (int k = 0; k < w->n; k++) {
    const int i = order[k];
    json_builder_set_member_name(b, w->t[i].name);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "dtype");
    json_builder_add_string_value(b, "F32");
    json_builder_set_member_name(b, "shape");
    json_builder_begin_array(b);
    for (int d = 0; d < w->t[i].ndim; d++) json_builder_add_int_value(b, w->t[i].shape[d]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "data_offsets");
    json_builder_begin_array(b);
    json_builder_add_int_value(b, (gint64)offset);
    offset += w->numel[i] * 4;
    json_builder_add_int_value(b, (gint64)offset);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  JsonGenerator *g = json_generator_new();
  json_generator_set_root(g, root);
  gsize n = 0;
  gchar *text = json_generator_to_data(g, &n);
  g_object_unref(g);
  json_node_unref(root);
  g_object_unref(b);

  const size_t padded = (n + 7) & ~(size_t)7;
  char *out = malloc(padded + 1);
  if (out) {
    memcpy(out, text, n);
    memset(out + n, ' ', padded - n);
    out[padded] = '\0';
    *len = padded;
  }
  g_free(text);
  return out;
}

static int write_all(FILE *fp, const nets_st_writer *w, const int *order, const char *header,
                     size_t hlen) {
  unsigned char le[8];
  put_le64(le, hlen);
  if (fwrite(le, 1, 8, fp) != 8 || fwrite(header, 1, hlen, fp) != hlen) return -1;
  unsigned char buf[4096];
  for (int k = 0; k < w->n; k++) {
    const int i = order[k];
    const float *d = w->t[i].data;
    for (uint64_t j = 0; j < w->numel[i];) {
      size_t m = 0;
      for (; m < sizeof buf && j < w->numel[i]; m += 4, j++) {
        uint32_t u;
        memcpy(&u, &d[j], 4);
        for (int b = 0; b < 4; b++) buf[m + b] = (unsigned char)(u >> (8 * b));
      }
      if (fwrite(buf, 1, m, fp) != m) return -1;
    }
  }
  if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) return -1;
  return 0;
}

int nets_st_writer_save(nets_st_writer *w, const char *path, nets_error *err) {
  if (!w || !path) return nets_error_set(err, NETS_ERR_ARG, "no writer or path");
  int *order = malloc(sizeof(int) * (w->n + 1));
  name_index *byname = malloc(sizeof *byname * (w->n + 1));
  if (!order || !byname) {
    free(order);
    free(byname);
    return nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < w->n; i++) byname[i] = (name_index){w->t[i].name, i};
  qsort(byname, (size_t)w->n, sizeof *byname, cmp_names);
  for (int i = 0; i < w->n; i++) order[i] = byname[i].index;
  free(byname);

  size_t hlen = 0;
  char *header = build_header(w, order, &hlen);
  char *tmp = malloc(strlen(path) + 5);
  int rc = NETS_OK;
  if (!header || !tmp) {
    rc = nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
    goto done;
  }
  sprintf(tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "wb");
  if (!fp) {
    rc = nets_error_set(err, NETS_ERR_IO, "%s: cannot open for writing", tmp);
    goto done;
  }
  const int wrc = write_all(fp, w, order, header, hlen);
  if (fclose(fp) != 0 || wrc != 0) {
    remove(tmp);
    rc = nets_error_set(err, NETS_ERR_IO, "%s: write failed", tmp);
    goto done;
  }
  if (rename(tmp, path) != 0) {
    remove(tmp);
    rc = nets_error_set(err, NETS_ERR_IO, "%s: cannot rename to %s", tmp, path);
  }
done:
  free(order);
  free(header);
  free(tmp);
  return rc;
}

int nets_st_save_copy(const nets_st_file *f, const char *path, const char *const *drop,
                      const char *const *add, nets_error *err) {
  nets_st_writer *w = nets_st_writer_new();
  int rc = w ? NETS_OK : nets_error_set(err, NETS_ERR_NOMEM, "out of memory");
  for (int i = 0; !rc && i < f->n_tensors; i++)
    rc = nets_st_writer_add(w, f->tensors[i].name, f->tensors[i].data, f->tensors[i].ndim, f->tensors[i].shape,
                            err);
  for (int i = 0; !rc && i < f->n_meta; i++) {
    int dropped = 0;
    for (int k = 0; drop && drop[k] && !dropped; k++) dropped = !strcmp(f->meta_keys[i], drop[k]);
    for (int k = 0; add && add[k] && !dropped; k += 2) dropped = !strcmp(f->meta_keys[i], add[k]);
    if (!dropped) rc = nets_st_writer_meta(w, f->meta_keys[i], f->meta_values[i], err);
  }
  for (int k = 0; !rc && add && add[k]; k += 2) rc = nets_st_writer_meta(w, add[k], add[k + 1], err);
  if (!rc) rc = nets_st_writer_save(w, path, err);
  nets_st_writer_free(w);
  return rc;
}
