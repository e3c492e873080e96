/* The container's terminal. The caller's terminal is never handed to anything inside (a
 * process sharing it could type into the caller's shell with TIOCSTI, bubblewrap's
 * CVE-2017-5226, or leave its foreground group pointing at a dead process). When a terminal
 * is wanted, the helper opens a new pty (the container's own devpts when it has a mount
 * namespace), the command gets the slave as its controlling terminal in a session of its
 * own, and a relay outside copies between the caller's terminal and the master in raw mode,
 * passes window-size changes on, and puts the caller's terminal settings back however the
 * container ends (util-linux's pty-session does the same for su --pty and script). */
#include "helper.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* A new pty: the master, and the slave opened through it (TIOCGPTPEER: no path lookup that
 * anything could race). Returns 0, or -1 with errno. */
int pty_open(int *master, int *slave)
{
    int unlock = 0;
    *master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0)
        return -1;
    if (ioctl(*master, TIOCSPTLCK, &unlock) < 0 || (*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        int saved = errno;
        close(*master);
        errno = saved;
        return -1;
    }
    return 0;
}

/* In the forked command, before exec: a new session whose controlling terminal is SLAVE (or,
 * with SLAVE -1, a new session without one), SLAVE on fds 0, 1 and 2. */
int pty_attach(int slave)
{
    if (setsid() < 0)
        return -1;
    if (slave < 0)
        return 0;
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return -1;
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            return -1;
    if (slave > 2)
        close(slave);
    return 0;
}

void relay_start(struct relay *r, int master)
{
    memset(r, 0, sizeof *r);
    r->master = master;
    r->in = 0;
    r->out = 1;
    r->raw = tcgetattr(r->in, &r->saved) == 0;
    if (r->raw) {
        struct termios raw = r->saved;
        cfmakeraw(&raw);
        if (tcsetattr(r->in, TCSADRAIN, &raw) < 0)
            r->raw = 0;
    }
    relay_winch(r);
}

/* The caller's window size, passed on to the pty (the kernel signals SIGWINCH inside). */
void relay_winch(const struct relay *r)
{
    struct winsize ws;
    if (ioctl(r->in, TIOCGWINSZ, &ws) == 0 || ioctl(r->out, TIOCGWINSZ, &ws) == 0)
        ioctl(r->master, TIOCSWINSZ, &ws);
}

/* Copies what is ready; returns 0 once the container side has closed (EIO on the master). */
static int copy(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    write_full(to, buf, (size_t)n);
    return 1;
}

/* Fills two pollfds (caller's input, master) for the caller's poll loop. */
void relay_fds(const struct relay *r, struct pollfd *pfd)
{
    pfd[0] = (struct pollfd){.fd = r->closed || r->in_eof ? -1 : r->in, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = r->closed ? -1 : r->master, .events = POLLIN};
}

void relay_pump(struct relay *r, const struct pollfd *pfd)
{
    if (!r->closed && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(r->master, r->out))
        r->closed = 1;
    if (!r->closed && !r->in_eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(r->in, r->master))
        r->in_eof = 1;
}

/* Whatever the container still wrote, then the caller's terminal as it was. */
void relay_finish(struct relay *r)
{
    int flags = fcntl(r->master, F_GETFL);
    if (!r->closed && flags >= 0 && fcntl(r->master, F_SETFL, flags | O_NONBLOCK) == 0) {
        char buf[16384];
        ssize_t n;
        while ((n = read(r->master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0)
                write_full(r->out, buf, (size_t)n);
    }
    if (r->raw)
        tcsetattr(r->in, TCSADRAIN, &r->saved);
    r->raw = 0;
    close(r->master);
}
