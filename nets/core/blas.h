/* OpenBLAS access.  nets loads OpenBLAS itself (dlopen) after choosing the
 * best kernel the running CPU can execute, because OpenBLAS 0.3.21 does not
 * recognise recent CPUs and falls back to a slow SSE3 kernel.  The choice is
 * made from cpuid (via __builtin_cpu_supports) and only when the user has not
 * set OPENBLAS_CORETYPE; it never picks a kernel the CPU cannot run. */
#ifndef NETS_BLAS_H
#define NETS_BLAS_H

#include "nets-error.h"

/* Idempotent and thread-safe; every other nets_blas_* call does it implicitly. */
int nets_blas_init(nets_error *err);

/* Row-major C = alpha * op(A) * op(B) + beta * C; trans_a/trans_b are 0 or 1. */
void nets_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                int lda, const float *b, int ldb, float beta, float *c, int ldc);

const char *nets_blas_corename(void);   /* e.g. "SkylakeX" */
const char *nets_blas_requested(void);  /* the core type we asked for, or "" */
void nets_blas_set_threads(int n);
int nets_blas_get_threads(void);

#endif
