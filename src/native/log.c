/* A detached container's log: its stdout and stderr, each through a pipe of its own, written
 * as one record per line in the k8s-file format podman and CRI-O use:
 *
 *   2026-12-02T03:40:19.123456789Z stdout F the line
 *
 * F ends a line; P is a piece of one (output that ended without a newline yet, or a line
 * longer than one read), joined by the reader with what follows on the same stream. Past the
 * size limit the file moves to LOG.1 (one kept) and a new one starts.
 */
#include "helper.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void log_open(struct log_relay *l)
{
    l->out = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    struct stat st;
    l->written = l->out >= 0 && fstat(l->out, &st) == 0 ? st.st_size : 0;
}

static void log_write(struct log_relay *l, const char *buf, size_t n)
{
    if (l->out >= 0 && l->written + (long)n > l->max) {
        char *old = NULL;
        close(l->out);
        if (asprintf(&old, "%s.1", l->path) >= 0) {
            rename(l->path, old);
            free(old);
        }
        log_open(l);
    }
    if (l->out >= 0) {
        write_full(l->out, buf, n);
        l->written += (long)n;
    }
}

/* Reads what stream WHICH (0 stdout, 1 stderr) has; 0 at its end. */
int log_pump(struct log_relay *l, int which)
{
    char buf[65536];
    ssize_t n = read(l->in[which], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0) {
        close(l->in[which]);
        l->in[which] = -1;
        return 0;
    }
    struct timespec now;
    struct tm tm;
    char stamp[48];
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t sl = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + sl, sizeof stamp - sl, ".%09ldZ %s ", now.tv_nsec, which ? "stderr" : "stdout");
    sl = strlen(stamp);
    /* one write per line: prefix, tag, the line, newline */
    char *rec = malloc(sl + 3 + (size_t)n + 1);
    if (rec == NULL)
        return 1;
    const char *p = buf, *end = buf + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        memcpy(rec, stamp, sl);
        memcpy(rec + sl, nl ? "F " : "P ", 2);
        memcpy(rec + sl + 2, p, len);
        rec[sl + 2 + len] = '\n';
        log_write(l, rec, sl + 3 + len);
        p += len + (nl ? 1 : 0);
    }
    free(rec);
    return 1;
}

/* After the init's end: what is still in the pipes, up to their end. Every process of a pid
 * namespace is gone with its init, so the end comes at once; without one, a process left
 * outside may hold a pipe: the drain stops when nothing comes for 200 ms (2 s at most). */
void log_drain(struct log_relay *l)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (l->in[0] >= 0 || l->in[1] >= 0) {
        struct pollfd pfd[2] = {{l->in[0], POLLIN, 0}, {l->in[1], POLLIN, 0}};
        int r = poll(pfd, 2, 200);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (int i = 0; i < 2; i++)
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                log_pump(l, i);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= 2)
            break;
    }
}
