/* Idmapped binds (containerd's IDMapMount). Only a process privileged over the host
 * filesystem's user namespace may idmap it: the monitor, which runs as the caller (root) in
 * the host's namespaces. It makes a holder user namespace with the container's map, clones
 * each source with open_tree, sets MOUNT_ATTR_IDMAP through the holder, and passes the
 * detached trees to the init over a socket (SCM_RIGHTS); the init moves them into place. */
#include "helper.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int send_fd(int sock, int fd)
{
    char byte = 'f';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int recv_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL || c->cmsg_type != SCM_RIGHTS) {
        errno = EBADMSG;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* A user namespace carrying the container's map, for MOUNT_ATTR_IDMAP; returns its fd. */
static int holder_userns(const char *uid_map, const char *gid_map)
{
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return -1;
    pid_t holder = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (holder < 0)
        return -1;
    if (holder == 0) {
        char b;
        close(go[1]);
        (void)!read(go[0], &b, 1); /* until the monitor has its namespace fd */
        _exit(0);
    }
    close(go[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", holder);
    int ns = -1;
    /* setgroups deny: an ordinary caller (Test-UserNsSupport's probe) may write a gid map only after it */
    if (write_id_maps(holder, uid_map, gid_map, 1, NULL) == 0)
        ns = open(path, O_RDONLY | O_CLOEXEC);
    int saved = errno;
    close(go[1]);
    waitpid(holder, NULL, 0);
    errno = saved;
    return ns;
}

/* Clones SRC and idmaps the clone through a namespace with the given maps: the detached
 * tree's fd, or -1 with *step naming what failed. */
int idmap_tree(const char *src, int recursive, const char *uid_map, const char *gid_map, int *ns, const char **step)
{
    if (*ns < 0 && (*ns = holder_userns(uid_map, gid_map)) < 0) {
        *step = "idmap";
        return -1;
    }
    unsigned int rec = recursive ? AT_RECURSIVE : 0;
    *step = "bind-source";
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | AT_SYMLINK_NOFOLLOW | rec);
    if (tree < 0)
        return -1;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned long long)*ns};
    *step = "idmap";
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0) {
        int saved = errno;
        close(tree);
        errno = saved;
        return -1;
    }
    return tree;
}

/* For every bind op with flag i: clone the source, idmap it, send it to the init. */
int make_idmapped_trees(const struct op *ops, int nops, const struct record *go, int sock)
{
    int ns = -1, result = 0;
    for (int i = 0; i < nops && result == 0; i++) {
        const struct record *r = &ops[i].rec;
        if (r->nfields < 5 || strcmp(r->fields[1], "bind") != 0 || !has_flag(r->fields[4], 'i'))
            continue;
        const char *step;
        int tree = go->nfields < 3 ? -1 : idmap_tree(r->fields[2], has_flag(r->fields[4], 'r'), go->fields[1], go->fields[2], &ns, &step);
        if (tree < 0) {
            send_error(i, go->nfields < 3 ? "idmap" : step, r->fields[2], go->nfields < 3 ? EINVAL : errno, "");
            result = -1;
        } else {
            result = send_fd(sock, tree);
            close(tree);
        }
    }
    if (ns >= 0)
        close(ns);
    return result;
}
