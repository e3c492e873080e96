/* Whole reads and writes on pipes, and the signalfd both halves wait on. */
#include "helper.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/* Appends one frame (u32 length, then the record's bytes) to a batch written at once. */
int frame_append(struct frame_batch *b, const char *rec, size_t len)
{
    uint32_t n = (uint32_t)len;
    if (b->len + sizeof n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + sizeof n + len)
            cap *= 2;
        char *grown = realloc(b->buf, cap);
        if (grown == NULL)
            return -1;
        b->buf = grown;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, &n, sizeof n);
    memcpy(b->buf + b->len + sizeof n, rec, len);
    b->len += sizeof n + len;
    return 0;
}

/* The next frame from the pipe, read in large chunks: a fresh buffer of *len + 1 bytes
 * (for parse_record), or NULL when the writer went away or the length is out of range. */
char *frame_next(struct frame_reader *r, size_t *len)
{
    uint32_t n;
    while (r->end - r->start < sizeof n) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
        ssize_t got = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return NULL;
        r->end += (size_t)got;
    }
    memcpy(&n, r->buf + r->start, sizeof n);
    r->start += sizeof n;
    if (n == 0 || n > MAX_MSG)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (out == NULL)
        return NULL;
    size_t have = r->end - r->start < n ? r->end - r->start : n;
    memcpy(out, r->buf + r->start, have);
    r->start += have;
    if (have < n && read_full(r->fd, out + have, n - have) < 0) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

int make_signalfd(const int *sigs, size_t n, sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < n; i++)
        sigaddset(set, sigs[i]);
    sigprocmask(SIG_BLOCK, set, NULL);
    return signalfd(-1, set, SFD_CLOEXEC);
}

/* /dev/null in place of fd 0: the helper keeps no end of the pipe its command reads. */
void drop_stdin(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
}

/* Puts /dev/null over this helper's own stdout and stderr: once the command has ended, its
 * reader sees EOF when the command's last descendant lets go, not when this helper exits. */
void drop_output(void)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0 && fd > 2) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
}
