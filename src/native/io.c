/* Whole reads and writes on pipes, and the signalfd both halves wait on. */
#include "helper.h"

#include <sys/signalfd.h>
#include <unistd.h>

void write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int make_signalfd(const int *sigs, size_t n, sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < n; i++)
        sigaddset(set, sigs[i]);
    sigprocmask(SIG_BLOCK, set, NULL);
    return signalfd(-1, set, SFD_CLOEXEC);
}
