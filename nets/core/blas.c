#include "blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *,
                         int, float, float *, int);
typedef char *(*corename_fn)(void);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static struct {
  pthread_once_t once;
  int status;
  char msg[NETS_ERR_MSG_LEN];
  char requested[32];
  void *handle;
  sgemm_fn sgemm;
  corename_fn corename;
  set_threads_fn set_threads;
  get_threads_fn get_threads;
} blas = {.once = PTHREAD_ONCE_INIT};

/* The fastest OpenBLAS kernel family this CPU (and OS) can run. */
static const char *best_coretype(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return NULL; /* let OpenBLAS decide */
}

static void blas_load(void) {
  static const char *names[] = {"libopenblas.so.0",
                                "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                                "libopenblas.so"};
  /* Already in the process (linked by someone else): its kernel is fixed. */
  for (size_t i = 0; i < sizeof names / sizeof *names && !blas.handle; i++)
    blas.handle = dlopen(names[i], RTLD_NOW | RTLD_NOLOAD);

  if (!blas.handle) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    const char *pick = (user && *user) ? NULL : best_coretype();
    if (pick) {
      snprintf(blas.requested, sizeof blas.requested, "%s", pick);
      setenv("OPENBLAS_CORETYPE", pick, 1);
    } else if (user) {
      snprintf(blas.requested, sizeof blas.requested, "%s", user);
    }
    /* OpenBLAS's idle threads spin (sched_yield) for 2^28 cycles before
     * they sleep, on the cores that the loops around GEMM (parallel.h) need:
     * 2^4 lets them sleep at once.  Training the inpainter on 2 cores went
     * from 8.8-9.2 to 10.3-10.6 crops/s. */
    const char *timeout = getenv("OPENBLAS_THREAD_TIMEOUT");
    const int set_timeout = !(timeout && *timeout);
    if (set_timeout) setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    for (size_t i = 0; i < sizeof names / sizeof *names && !blas.handle; i++)
      blas.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    /* OpenBLAS reads the variables while loading; do not leak them to children. */
    if (pick) unsetenv("OPENBLAS_CORETYPE");
    if (set_timeout) unsetenv("OPENBLAS_THREAD_TIMEOUT");
  }
  if (!blas.handle) {
    blas.status = NETS_ERR_BLAS;
    snprintf(blas.msg, sizeof blas.msg, "cannot load OpenBLAS (libopenblas.so.0): %s", dlerror());
    return;
  }
  blas.sgemm = (sgemm_fn)dlsym(blas.handle, "cblas_sgemm");
  blas.corename = (corename_fn)dlsym(blas.handle, "openblas_get_corename");
  blas.set_threads = (set_threads_fn)dlsym(blas.handle, "openblas_set_num_threads");
  blas.get_threads = (get_threads_fn)dlsym(blas.handle, "openblas_get_num_threads");
  if (!blas.sgemm) {
    blas.status = NETS_ERR_BLAS;
    snprintf(blas.msg, sizeof blas.msg, "OpenBLAS has no cblas_sgemm");
  }
}

int nets_blas_init(nets_error *err) {
  pthread_once(&blas.once, blas_load);
  if (blas.status) return nets_error_set(err, blas.status, "%s", blas.msg);
  return NETS_OK;
}

void nets_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (nets_blas_init(NULL) != NETS_OK) {
    /* Plain fallback so that callers never crash; slow but correct. */
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
          float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
          s += (double)av * bv;
        }
        float *cv = &c[(size_t)i * ldc + j];
        *cv = (float)(alpha * s + (beta == 0.f ? 0.f : beta * *cv));
      }
    return;
  }
  blas.sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a,
             lda, b, ldb, beta, c, ldc);
}

const char *nets_blas_corename(void) {
  if (nets_blas_init(NULL) != NETS_OK) return "none (OpenBLAS not loaded)";
  return blas.corename ? blas.corename() : "unknown";
}

const char *nets_blas_requested(void) {
  nets_blas_init(NULL);
  return blas.requested;
}

void nets_blas_set_threads(int n) {
  if (nets_blas_init(NULL) == NETS_OK && blas.set_threads) blas.set_threads(n);
}

int nets_blas_get_threads(void) {
  if (nets_blas_init(NULL) == NETS_OK && blas.get_threads) return blas.get_threads();
  return 1;
}
