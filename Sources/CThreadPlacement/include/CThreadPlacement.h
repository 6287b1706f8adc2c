// Which CPU a thread runs on, and keeping a thread off one CPU: the Linux calls the worker pool
// needs that Swift's Glibc module does not import (GNU extensions, and the CPU-set helpers are
// macros).
#ifndef SPECTRALCONV_THREAD_PLACEMENT_H
#define SPECTRALCONV_THREAD_PLACEMENT_H

/// The CPU the calling thread is running on (`sched_getcpu`), or -1 when unknown.
int spectralconv_current_cpu(void);

/// How many CPUs the calling thread may run on (its affinity mask), or -1 when unknown.
int spectralconv_allowed_cpu_count(void);

/// The calling thread's affinity mask, copied into memory from `malloc` (release it with `free`;
/// the worker pool's workers keep theirs for life); NULL when it cannot be read.
void *spectralconv_cpu_mask_of_calling_thread(void);

/// Lets the calling thread run on the CPUs of `mask` (from `spectralconv_cpu_mask_of_calling_thread`)
/// except `cpu` (on all of them when `cpu` is -1 or not in `mask`); when it runs on `cpu`, it has
/// moved when this returns. Returns 0 or an errno value; does nothing and returns 0 when `cpu` is
/// the only CPU of `mask` or `mask` is NULL.
int spectralconv_keep_calling_thread_off_cpu(const void *mask, int cpu);

#endif
