#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "CThreadPlacement.h"

int spectralconv_current_cpu(void) { return sched_getcpu(); }

int spectralconv_allowed_cpu_count(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    return CPU_COUNT(&allowed);
}

void *spectralconv_cpu_mask_of_calling_thread(void) {
    cpu_set_t *mask = malloc(sizeof *mask);
    if (mask == NULL) return NULL;
    if (sched_getaffinity(0, sizeof *mask, mask) != 0) { free(mask); return NULL; }
    return mask;
}

int spectralconv_keep_calling_thread_off_cpu(const void *mask, int cpu) {
    if (mask == NULL) return 0;
    cpu_set_t allowed;
    memcpy(&allowed, mask, sizeof allowed);
    if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed)) {
        CPU_CLR(cpu, &allowed);
        if (CPU_COUNT(&allowed) == 0) return 0;
    }
    return sched_setaffinity(0, sizeof allowed, &allowed) == 0 ? 0 : errno;
}
