/* A small blocking thread pool for the loops around GEMM (im2col, gates,
 * activations).  Its workers sleep on a condition variable between jobs, so
 * they never spin against OpenBLAS's own threads (OpenMP's default busy-wait
 * made convolutions 3-10x slower on 2 cores). */
#ifndef NETS_PARALLEL_H
#define NETS_PARALLEL_H

/* fn(ctx, begin, end) is called on disjoint ranges covering [0, n), one
 * per thread (with n no more than the threads, range i runs on thread i).
 * Called from inside fn, it runs on the calling thread alone. */
typedef void (*nets_range_fn)(void *ctx, int begin, int end);

void nets_parallel_for(int n, nets_range_fn fn, void *ctx);
/* Threads used by nets_parallel_for (default: online CPUs, at most 8). */
void nets_parallel_set_threads(int n);
int nets_parallel_get_threads(void);

#endif
