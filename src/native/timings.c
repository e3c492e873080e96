/* The init's own profile (USERNSCONTAINER_TIMINGS=1): the time spent in each setup step,
 * summed by step name, sent to the engine as one record before "started":
 *   timings  STEP=MICROSECONDS ...
 * Off (no "timings" setting), nothing is recorded. */
#include "helper.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_STEPS 32

static struct {
    const char *name;
    long us;
} steps[MAX_STEPS];
static int nsteps = -1; /* -1: not started */
static struct timespec last;

static long since_last(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long us = (now.tv_sec - last.tv_sec) * 1000000L + (now.tv_nsec - last.tv_nsec) / 1000;
    last = now;
    return us;
}

/* Charges the time since the previous mark to STEP (the first mark only starts the clock). */
void timing_mark(const char *step)
{
    if (nsteps < 0) {
        nsteps = 0;
        since_last();
        return;
    }
    long us = since_last();
    for (int i = 0; i < nsteps; i++)
        if (strcmp(steps[i].name, step) == 0) {
            steps[i].us += us;
            return;
        }
    if (nsteps < MAX_STEPS) {
        steps[nsteps].name = step;
        steps[nsteps++].us = us;
    }
}

void timing_send(void)
{
    char text[MAX_STEPS][64];
    const char *fields[MAX_STEPS + 1] = {"timings"};
    int n = nsteps < 0 ? 0 : nsteps;
    for (int i = 0; i < n; i++) {
        snprintf(text[i], sizeof text[i], "%s=%ld", steps[i].name, steps[i].us);
        fields[i + 1] = text[i];
    }
    send_fields(CTL_FD, fields, n + 1);
}
