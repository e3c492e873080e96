/* The monitor's link: how a live bind (and enter) reaches a running container's outer
 * namespaces without trusting anything the container can touch.
 *
 * The monitor opens the init's user and mount namespaces right after the clone, before the
 * init has run a single operation (so they are the outer ones, whatever the init does later),
 * and a pidfd of the init. It holds them for the container's life and hands them, with the
 * container's Id and the init's pid, to whoever of the caller's uid connects to its socket in
 * the private state directory (SOCK_SEQPACKET, SCM_RIGHTS).
 *
 * The helper that asks checks the answer: the peer is the monitor the engine's record names
 * (SO_PEERCRED pid), it names the container the engine asked for, and the user namespace it
 * sends is a child of the helper's own. A process inside a container can open only its own
 * nested user namespace or those below it (NS_GET_PARENT refuses to climb out of its scope),
 * never a child of the host's: no process inside can pass for the monitor, even one that
 * forged a record and a socket. Nothing here is a process the container can kill, rename or
 * impersonate: the outer namespaces live as long as the monitor's fds do.
 */
#include "helper.h"

#include <fcntl.h>
#include <libgen.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* A unix socket address for PATH, however long: through /proc/self/fd/DIR/NAME. */
static int link_address(const char *path, struct sockaddr_un *sa, int *dir)
{
    char *copy = strdup(path), *copy2 = strdup(path);
    int r = -1;
    *dir = -1;
    if (copy != NULL && copy2 != NULL && (*dir = open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        memset(sa, 0, sizeof *sa);
        sa->sun_family = AF_UNIX;
        int n = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dir, basename(copy2));
        if (n > 0 && (size_t)n < sizeof sa->sun_path)
            r = 0;
        else
            errno = ENAMETOOLONG;
    }
    free(copy);
    free(copy2);
    return r;
}

int link_open(struct outer_link *l, pid_t init, int with_mnt)
{
    char path[64];
    l->init = init;
    l->listen = -1;
    snprintf(path, sizeof path, "/proc/%d/ns/user", init);
    l->userns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", init);
    l->mntns = with_mnt ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    l->pidfd = (int)syscall(SYS_pidfd_open, init, 0);
    return l->userns < 0 || (with_mnt && l->mntns < 0) || l->pidfd < 0 ? -1 : 0;
}

int link_listen(struct outer_link *l, const char *path)
{
    struct sockaddr_un sa;
    int dir = -1;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t mask = umask(0177); /* 0600, as every file of the state directory */
    int ok = s >= 0 && link_address(path, &sa, &dir) == 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 16) == 0;
    int saved = errno;
    umask(mask);
    if (dir >= 0)
        close(dir);
    if (!ok) {
        if (s >= 0)
            close(s);
        errno = saved;
        return -1;
    }
    l->listen = s;
    return 0;
}

/* One request: a peer of the caller's uid gets "link ID INIT" and the three fds. Never
 * blocks: a peer that does not read loses its answer. */
void link_serve(const struct outer_link *l, const char *id)
{
    int c = accept4(l->listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid()) {
        char pid[16], text[160];
        snprintf(pid, sizeof pid, "%d", (int)l->init);
        const char *fields[] = {"link", id, pid};
        size_t n = 0;
        for (int i = 0; i < 3; i++) {
            size_t k = strlen(fields[i]) + 1;
            if (n + k > sizeof text)
                break;
            memcpy(text + n, fields[i], k);
            n += k;
        }
        int fds[3] = {l->userns, l->mntns >= 0 ? l->mntns : l->userns, l->pidfd};
        char control[CMSG_SPACE(sizeof fds)];
        struct iovec iov = {text, n - 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof fds);
        memcpy(CMSG_DATA(cm), fds, sizeof fds);
        (void)!sendmsg(c, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    close(c);
}

void link_close(struct outer_link *l, const char *path)
{
    if (l->listen >= 0 && path != NULL)
        unlink(path);
    int fds[] = {l->listen, l->userns, l->mntns, l->pidfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    l->listen = l->userns = l->mntns = l->pidfd = -1;
}

/* True when USERNS is a direct child of this process's own user namespace. */
static int child_of_mine(int userns)
{
    struct stat mine, parent;
    int p = ioctl(userns, NS_GET_PARENT);
    int own = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    int ok = p >= 0 && own >= 0 && fstat(p, &parent) == 0 && fstat(own, &mine) == 0 &&
             parent.st_dev == mine.st_dev && parent.st_ino == mine.st_ino;
    if (p >= 0)
        close(p);
    if (own >= 0)
        close(own);
    return ok;
}

/* The helper's side: asks the monitor the plan names ("link PATH ID MONITOR") and checks
 * every part of its answer. 0, or -1 with errno and *why. */
int link_fetch(const struct plan *plan, struct outer_link *l, const char **why)
{
    struct sockaddr_un sa;
    int dir = -1;
    l->listen = l->userns = l->mntns = l->pidfd = -1;
    *why = "the container's monitor is gone (the container has ended)";
    if (plan->link_path == NULL) {
        *why = "no monitor named in the plan";
        errno = EINVAL;
        return -1;
    }
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct timeval tv = {5, 0};
    int ok = s >= 0 && setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 && link_address(plan->link_path, &sa, &dir) == 0 &&
             connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (dir >= 0)
        close(dir);
    if (!ok) {
        if (errno == ECONNREFUSED || errno == ENOENT)
            errno = ESRCH;
        if (s >= 0)
            close(s);
        return -1;
    }
    struct ucred cred;
    socklen_t len = sizeof cred;
    char text[160];
    int fds[3] = {-1, -1, -1};
    char control[CMSG_SPACE(sizeof fds)];
    struct iovec iov = {text, sizeof text - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != plan->link_pid || cred.uid != geteuid()) {
        *why = "the socket is not served by the monitor the container's record names (the record was forged)";
        close(s);
        errno = EPERM;
        return -1;
    }
    ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
    int saved = errno;
    close(s);
    struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof fds))
        memcpy(fds, CMSG_DATA(cm), sizeof fds);
    l->userns = fds[0];
    l->mntns = fds[1];
    l->pidfd = fds[2];
    if (n <= 0 || fds[2] < 0) {
        link_close(l, NULL);
        errno = n == 0 ? ESRCH : saved ? saved : EPROTO;
        return -1;
    }
    text[n] = '\0';
    const char *id = text + strlen(text) + 1;
    const char *pid = (size_t)(id - text) < (size_t)n ? id + strlen(id) + 1 : "";
    long init = 0;
    if (strcmp(text, "link") != 0 || (size_t)(pid - text) >= (size_t)n || parse_number(pid, 1, 0x7fffffff, &init) < 0 ||
        strcmp(id, plan->link_id) != 0 || !child_of_mine(l->userns)) {
        *why = "the monitor's answer does not prove it serves this container (its record was forged)";
        link_close(l, NULL);
        errno = EPERM;
        return -1;
    }
    if (plan->target > 0 && init != plan->target) {
        *why = "the container's record names another process than its monitor's init (the record was forged)";
        link_close(l, NULL);
        errno = EPERM;
        return -1;
    }
    l->init = (pid_t)init;
    return 0;
}
