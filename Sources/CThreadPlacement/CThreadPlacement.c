#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include "CThreadPlacement.h"

int spectralconv_current_cpu(void) { return sched_getcpu(); }

int spectralconv_allowed_cpu_count(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(getpid(), sizeof allowed, &allowed) != 0) return -1;
    return CPU_COUNT(&allowed);
}

int spectralconv_keep_thread_off_cpu(pthread_t thread, int cpu) {
    // The process's mask — its main thread's (thread id = process id) — not the calling thread's,
    // which an earlier call may have narrowed.
    cpu_set_t allowed;
    if (sched_getaffinity(getpid(), sizeof allowed, &allowed) != 0) return errno;
    if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed)) {
        CPU_CLR(cpu, &allowed);
        if (CPU_COUNT(&allowed) == 0) return 0;
    }
    return pthread_setaffinity_np(thread, sizeof allowed, &allowed);
}
