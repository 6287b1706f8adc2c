// Which CPU a thread runs on, and keeping a thread off one CPU: the two Linux calls the worker
// pool needs that Swift's Glibc module does not import (GNU extensions, and the CPU-set helpers
// are macros).
#ifndef SPECTRALCONV_THREAD_PLACEMENT_H
#define SPECTRALCONV_THREAD_PLACEMENT_H

#include <pthread.h>

/// The CPU the calling thread is running on (`sched_getcpu`), or -1 when unknown.
int spectralconv_current_cpu(void);

/// How many CPUs the process may run on (its main thread's affinity mask), or -1 when unknown.
int spectralconv_allowed_cpu_count(void);

/// Lets `thread` run on the process's allowed CPUs (its main thread's affinity mask) except `cpu`
/// (on all of them when `cpu` is -1 or not allowed). When `thread` is the calling thread and it
/// runs on `cpu`, it has moved when this returns. Returns 0 or an errno value; does nothing and
/// returns 0 when `cpu` is the only CPU allowed.
int spectralconv_keep_thread_off_cpu(pthread_t thread, int cpu);

#endif
