/* Binds into a running container, and taking them out again.
 *
 * A live bind is mounted in the container's outer mount namespace, whose fd the monitor
 * holds (link.c): the container's own mount tree is a slave of it (lock.c), so the mount
 * propagates in, and the kernel locks what propagates into a less privileged namespace (all but the
 * root of the propagated tree: the bind is two stacked clones, see stacked()). Root inside
 * can then neither remount it read-write nor unmount it, as with binds made at start.
 * Dismounting it on the outer side propagates the unmount in. */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_text(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, n - 1);
    close(fd);
    if (r < 0)
        return -1;
    buf[r] = '\0';
    return 0;
}

static int read_proc(int pid, const char *file, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    return read_text(path, buf, n);
}

/* Joins the container's outer mount namespace (its user namespace is joined already): the
 * container's root becomes "/". */
static int join_outer_mnt(int mntns)
{
    if (setns(mntns, CLONE_NEWNS) < 0 || chdir("/") < 0)
        return -1;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    set_newroot_fd(root);
    return 0;
}

/* After joining the outer user namespace: the container root's host ids (the init's, mapped
 * to themselves there). A root caller's own id 0 may be unmapped there, and files it made
 * would be refused with EOVERFLOW. */
static int become_outer_ids(pid_t init)
{
    char status[4096];
    if (read_proc(init, "status", status, sizeof status) < 0)
        return -1;
    const char *u = strstr(status, "\nUid:\t"), *g = strstr(status, "\nGid:\t");
    if (u == NULL || g == NULL) {
        errno = EINVAL;
        return -1;
    }
    uid_t uid = (uid_t)strtoul(u + 6, NULL, 10);
    gid_t gid = (gid_t)strtoul(g + 6, NULL, 10);
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return -1;
    return setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0 ? -1 : 0;
}

/* True while the init the link names runs (its pid is not reused: the monitor reaps it). */
static int alive(const struct outer_link *l)
{
    return syscall(SYS_pidfd_send_signal, l->pidfd, 0, NULL, 0) == 0;
}

/* Checks, as root inside would try it, that the live bind at DST (the tree WANT) is locked:
 * in a child that joins the container's own (nested) user and mount namespaces through the
 * init's pidfd, unmounting it must fail with EINVAL (MNT_LOCKED; MNT_EXPIRE never unmounts
 * on a first call), and a read-only one must refuse to become writable (EPERM). The path is
 * resolved without following a symlink, and what is checked must be the tree mounted. */
static int held_inside(const struct outer_link *l, const char *dst, const struct stat *want, int readonly, const char **why)
{
    pid_t pid = fork();
    if (pid < 0) {
        *why = "fork for the lock check";
        return 0;
    }
    if (pid == 0) {
        char *parent = strdup(dst), *slash = parent ? strrchr(parent, '/') : NULL;
        if (slash == NULL || setns(l->pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
            _exit(10);
        const char *base = dst + (slash - parent) + 1;
        slash[slash == parent ? 1 : 0] = '\0';
        struct stat st;
        int dir = sys_openat2(AT_FDCWD, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (dir < 0 || fchdir(dir) < 0 || fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino)
            _exit(13);
        if (umount2(base, MNT_EXPIRE | UMOUNT_NOFOLLOW) == 0 || errno != EINVAL)
            _exit(11);
        if (readonly && (sys_mount_setattr(dir, base, AT_SYMLINK_NOFOLLOW, 0, MOUNT_ATTR_RDONLY) == 0 || errno != EPERM))
            _exit(12);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *why = code == 10   ? "the container's namespaces could not be joined to check the bind"
           : code == 11 ? "root inside could unmount the live bind (not locked): it was taken out again"
           : code == 12 ? "root inside could make the read-only live bind writable (not locked): it was taken out again"
           : code == 13 ? "the live bind is not at its target inside the container (a symlink or another mount is in the way)"
                        : "the lock check did not finish";
    return code == 0;
}

struct hot {
    const char *step, *path, *detail;
};

static int fail(struct hot *h)
{
    int err = errno;
    send_error(0, h->step, h->path, err, h->detail);
    send_simple("exit", 2, err);
    return -1;
}

/* The tree to mount, as two clones of the source, one stacked on the other: what propagates
 * into the container is locked except the root of the propagated tree, so the upper clone,
 * the one visible at the target, is locked, and the lower one cannot be reached by a path. */
static int stacked(int lower, int upper)
{
    int r = upper < 0 ? -1 : sys_move_mount(upper, "", lower, "", MOVE_F_EMPTY | MOVE_T_EMPTY);
    int saved = errno;
    if (upper >= 0)
        close(upper);
    /* kernels before mounting on detached trees (6.15) refuse with EINVAL: the single clone
     * still holds read-only, but root inside can unmount it (documented) */
    if (r < 0 && upper >= 0 && saved == EINVAL)
        return 0;
    errno = saved;
    return r;
}

/* The detached tree to mount: the source cloned in a private copy of the host's mount tree
 * owned by the outer user namespace (or, idmapped, made by idmap_tree while still
 * privileged over the host's filesystems), with its flags set. */
static int source_tree(const struct plan *plan, const struct outer_link *l, struct hot *h, int *tree)
{
    const char *src = plan->ops[0].rec.fields[2], *flags = plan->ops[0].rec.fields[4];
    unsigned int recursive = has_flag(flags, 'r') ? AT_RECURSIVE : 0;
    h->path = src;
    if (has_flag(flags, 'i')) {
        char umap[4096], gmap[4096];
        int ns = -1;
        h->step = "idmap";
        if (read_proc(l->init, "uid_map", umap, sizeof umap) < 0 || read_proc(l->init, "gid_map", gmap, sizeof gmap) < 0)
            return -1;
        *tree = idmap_tree(src, recursive != 0, umap, gmap, &ns, &h->step);
        int upper = *tree < 0 ? -1 : idmap_tree(src, recursive != 0, umap, gmap, &ns, &h->step);
        if (ns >= 0)
            close(ns);
        if (*tree < 0 || stacked(*tree, upper) < 0)
            return -1;
    }
    h->step = "setns";
    h->path = "user (outer)";
    if (setns(l->userns, CLONE_NEWUSER) < 0 || become_outer_ids(l->init) < 0)
        return -1;
    h->step = "unshare";
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -1;
    h->step = "bind-source";
    h->path = src;
    if (*tree < 0) {
        unsigned int how = OPEN_TREE_CLONE_ | O_CLOEXEC | AT_SYMLINK_NOFOLLOW | recursive;
        if ((*tree = sys_open_tree(AT_FDCWD, src, how)) < 0 || stacked(*tree, sys_open_tree(AT_FDCWD, src, how)) < 0)
            return -1;
    }
    unsigned long long attr = (has_flag(flags, 'o') ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID;
    h->step = "bind";
    return sys_mount_setattr(*tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
}

/* Unmounts the live bind at DST on the outer side: the upper clone, then the lower one if it
 * is there (same root as the upper; a kernel before 6.15 makes only one). Whatever lay
 * beneath before the bind is left alone. */
static int unmount_live(const char *dst)
{
    struct stat upper, below;
    if (stat(dst, &upper) < 0 || umount2(dst, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
        return -1;
    if (stat(dst, &below) == 0 && below.st_dev == upper.st_dev && below.st_ino == upper.st_ino)
        umount2(dst, MNT_DETACH | UMOUNT_NOFOLLOW);
    return 0;
}

/* hot-bind: SRC DST FLAGS [SCRATCH...] (flags: r recursive, o read-only, c create target, i
 * idmapped; SCRATCH: the container's own tmpfs mounts, where a missing target may be made). */
int hot_bind(const struct plan *plan)
{
    struct hot h = {.step = "plan", .path = "", .detail = ""};
    if (plan->nops != 1 || plan->ops[0].rec.nfields < 5) {
        errno = EINVAL;
        h.detail = "hot-bind takes one bind operation";
        return fail(&h);
    }
    const char *dst = plan->ops[0].rec.fields[3], *flags = plan->ops[0].rec.fields[4];
    struct outer_link l;
    h.step = "link";
    h.path = plan->link_path ? plan->link_path : "";
    if (link_fetch(plan, &l, &h.detail) < 0)
        return fail(&h);
    fault_point(plan, "bind", "link");
    char inside[64];
    snprintf(inside, sizeof inside, "/proc/%d/root", (int)l.init);
    int view = open(inside, O_PATH | O_DIRECTORY | O_CLOEXEC); /* the container's own view */
    h.detail = "the container's root (it has ended)";
    if (view < 0 || !alive(&l))
        return fail(&h);
    h.detail = "";
    int tree = -1;
    if (source_tree(plan, &l, &h, &tree) < 0)
        return fail(&h);
    h.step = "setns";
    h.path = "mnt (outer)";
    if (join_outer_mnt(l.mntns) < 0)
        return fail(&h);
    struct stat want, got;
    h.step = "mkdir";
    h.path = dst;
    h.detail = "bind target";
    if (fstat(tree, &want) < 0)
        return fail(&h);
    for (int i = 5; has_flag(flags, 'c') && i < plan->ops[0].rec.nfields; i++)
        if (note_scratch_path(plan->ops[0].rec.fields[i]) < 0)
            return fail(&h);
    int dir = S_ISDIR(want.st_mode);
    int tfd = has_flag(flags, 'c') ? make_mountpoint(dst, dir ? 'd' : 'f', dir ? 0755 : 0644, 1, &h.detail) : open_in_root(dst);
    if (tfd < 0)
        return fail(&h);
    h.step = "bind";
    h.detail = "";
    if (sys_move_mount(tree, "", tfd, "", MOVE_F_EMPTY | MOVE_T_EMPTY) < 0)
        return fail(&h);
    fault_point(plan, "bind", "mount");
    h.step = "overmount";
    if (attach_overmount() < 0)
        return fail(&h);
    h.step = "bind";
    /* it must have reached the container (root inside may have made its mounts private) */
    int seen = sys_openat2(view, dst[0] == '/' ? dst + 1 : dst, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (seen < 0 || fstat(seen, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
        unmount_live(dst);
        errno = ENOTCONN;
        h.detail = "the bind did not reach the container: its mounts were made private inside";
        return fail(&h);
    }
    /* and it must hold there: root inside can neither unmount it nor make it writable */
    h.step = "lock";
    if (!held_inside(&l, dst, &want, has_flag(flags, 'o'), &h.detail)) {
        unmount_live(dst);
        errno = EPERM;
        return fail(&h);
    }
    send_simple("started", 0, 0);
    send_simple("exit", 0, 0);
    return 0;
}

/* hot-unbind: DST. Unmounts the live bind (both stacked clones) on the outer side; the
 * unmounts propagate in. */
int hot_unbind(const struct plan *plan)
{
    struct hot h = {.step = "plan", .path = "", .detail = ""};
    if (plan->nops != 1 || plan->ops[0].rec.nfields != 3) {
        errno = EINVAL;
        return fail(&h);
    }
    const char *dst = plan->ops[0].rec.fields[2];
    struct outer_link l;
    h.step = "link";
    h.path = plan->link_path ? plan->link_path : "";
    if (link_fetch(plan, &l, &h.detail) < 0)
        return fail(&h);
    h.step = "setns";
    h.path = "user+mnt (outer)";
    h.detail = "";
    if (setns(l.userns, CLONE_NEWUSER) < 0 || become_outer_ids(l.init) < 0 || join_outer_mnt(l.mntns) < 0)
        return fail(&h);
    h.step = "umount";
    h.path = dst;
    if (unmount_live(dst) < 0)
        return fail(&h);
    send_simple("started", 0, 0);
    send_simple("exit", 0, 0);
    return 0;
}
