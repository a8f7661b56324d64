#include "parallel.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_THREADS 8

static struct {
  pthread_once_t once;
  pthread_mutex_t lock;   /* serialises callers: one job at a time */
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  int n_workers, active;  /* workers started; threads used per job */
  unsigned long generation;
  int pending;
  nets_range_fn fn;
  void *ctx;
  int n;
} pool = {.once = PTHREAD_ONCE_INIT,
          .lock = PTHREAD_MUTEX_INITIALIZER,
          .mu = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* Set on a thread while it runs a part of a job: a loop inside that part
 * (nets_parallel_for called from fn) runs on that thread alone. */
static _Thread_local int in_job;

static void run_chunk(int part, int parts) {
  const long b = (long)pool.n * part / parts, e = (long)pool.n * (part + 1) / parts;
  in_job = 1;
  if (e > b) pool.fn(pool.ctx, (int)b, (int)e);
  in_job = 0;
}

static void *worker(void *arg) {
  const int id = (int)(long)arg; /* 1..n_workers */
  unsigned long seen = 0;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.mu);
    seen = pool.generation;
    const int parts = pool.active;
    pthread_mutex_unlock(&pool.mu);
    if (id < parts) run_chunk(id, parts);
    pthread_mutex_lock(&pool.mu);
    if (id < parts && --pool.pending == 0) pthread_cond_signal(&pool.done);
  }
  return NULL;
}

static void pool_start(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int want = cpus < 1 ? 1 : (cpus > MAX_THREADS ? MAX_THREADS : (int)cpus);
  pool.active = want;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (int i = 1; i < want; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, (void *)(long)i) != 0) break;
    pool.n_workers = i;
  }
  pthread_attr_destroy(&attr);
  if (pool.active > pool.n_workers + 1) pool.active = pool.n_workers + 1;
}

void nets_parallel_set_threads(int n) {
  pthread_once(&pool.once, pool_start);
  pthread_mutex_lock(&pool.lock);
  if (n < 1) n = 1;
  if (n > pool.n_workers + 1) n = pool.n_workers + 1;
  pool.active = n;
  pthread_mutex_unlock(&pool.lock);
}

int nets_parallel_get_threads(void) {
  pthread_once(&pool.once, pool_start);
  return pool.active;
}

void nets_parallel_for(int n, nets_range_fn fn, void *ctx) {
  if (n <= 0) return;
  pthread_once(&pool.once, pool_start);
  if (pool.active <= 1 || n == 1 || in_job) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&pool.lock);
  pthread_mutex_lock(&pool.mu);
  const int parts = pool.active;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.n = n;
  pool.pending = parts - 1;
  pool.generation++;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.mu);
  run_chunk(0, parts);
  pthread_mutex_lock(&pool.mu);
  while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.mu);
  pthread_mutex_unlock(&pool.mu);
  pthread_mutex_unlock(&pool.lock);
}
