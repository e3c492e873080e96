/* The setup operations, one small function each, run in order by run_ops().
 *
 * Layout while they run (bubblewrap's shape): a tmpfs "base" is pivoted to "/", the host
 * tree sits at /oldroot, the container's tree is assembled at /newroot. Every
 * destination inside /newroot is resolved with openat2(RESOLVE_IN_ROOT) against the
 * new root and mounted through the resulting fd, never through a path string that a
 * symlink in the image could redirect.
 */
#include "helper.h"

#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <unistd.h>

#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"

static int newroot_fd = -1;

/* The directory that container paths are resolved in (hot-plug: the container's root). */
void set_newroot_fd(int fd)
{
    newroot_fd = fd;
}

struct op_ctx {
    const struct plan *plan;
    const struct op *op;
    const char *name;      /* the step as reported: an operation may fail in a sub-step */
    const char *path;      /* what to name in an error record */
    const char *detail;
};

int sys_openat2(int dirfd, const char *path, unsigned long flags, unsigned long mode,
                unsigned long long resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int sys_mount_setattr(int dirfd, const char *path, unsigned int flags,
                      unsigned long long attr_set, unsigned long long attr_clr)
{
    struct mount_attr attr = {.attr_set = attr_set, .attr_clr = attr_clr};
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
    return (int)syscall(SYS_close_range, first, last, flags);
}

int sys_pivot_root(const char *new_root, const char *put_old)
{
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static const char *arg(const struct op *op, int i)
{
    return op->rec.nfields > i + 2 ? op->rec.fields[i + 2] : "";
}

/* Resolve a container path to an fd (O_PATH unless FLAGS say otherwise), confined to the new root. */
int open_in_root_as(const char *path, int flags)
{
    const char *rel = path;
    while (*rel == '/')
        rel++;
    if (*rel == '\0')
        rel = ".";
    return sys_openat2(newroot_fd, rel, (unsigned long)flags | O_CLOEXEC, 0,
                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int open_in_root(const char *path)
{
    return open_in_root_as(path, O_PATH);
}

/* mkdir -p inside the new root, every parent resolved confined; the last component is
 * made as a directory (kind 'd') or an empty file (kind 'f'). */
int create_in_root(const char *path, char kind, mode_t mode)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    char *p = buf;
    while (*p == '/')
        p++;
    for (;;) {
        char *slash = strchr(p, '/');
        int last = slash == NULL || slash[strspn(slash, "/")] == '\0';
        if (slash)
            *slash = '\0';
        int fd = open_in_root(buf);
        if (fd >= 0)
            close(fd);
        else if (errno == ENOENT) {
            char *name = strrchr(buf, '/');
            char parent[4096] = "/";
            if (name != NULL && name != buf) {
                memcpy(parent, buf, (size_t)(name - buf));
                parent[name - buf] = '\0';
            }
            name = name ? name + 1 : buf;
            int pfd = open_in_root(parent);
            if (pfd < 0)
                return -1;
            int r;
            if (last && kind == 'f') {
                r = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
                if (r >= 0)
                    close(r);
            } else
                r = mkdirat(pfd, name, last ? mode : 0755);
            int saved = errno;
            close(pfd);
            if (r < 0 && saved != EEXIST) {
                errno = saved;
                return -1;
            }
        } else
            return -1;
        if (last)
            return 0;
        *slash = '/';
        p = slash + 1;
    }
}

/* A bind source: a host path (under /oldroot, no symlink followed: the engine resolved it
 * as the caller) or, with from_base, a file in the setup tmpfs. */
static int open_source(const char *path, int from_base)
{
    if (from_base)
        return open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    int old = open(OLDROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (old < 0)
        return -1;
    const char *rel = path;
    while (*rel == '/')
        rel++;
    int fd = sys_openat2(old, *rel ? rel : ".", O_PATH | O_CLOEXEC, 0,
                         RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    int saved = errno;
    close(old);
    errno = saved;
    return fd;
}

/* A host path opened as open_source does, then checked to be the device and inode the engine
 * validated (fields DEV and INO; ESTALE when it was replaced since). */
static int open_checked(const char *path, const char *dev, const char *ino)
{
    struct stat st;
    long d, i;
    int fd = open_source(path, 0);
    if (fd < 0 || *dev == '\0')
        return fd;
    if (parse_number(dev, 0, LONG_MAX, &d) < 0 || parse_number(ino, 0, LONG_MAX, &i) < 0) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (fstat(fd, &st) < 0 || st.st_dev != (dev_t)d || st.st_ino != (ino_t)i) {
        int saved = fstat(fd, &st) < 0 ? errno : ESTALE;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static int fd_path(char *buf, size_t n, int fd)
{
    return snprintf(buf, n, OLDROOT "/proc/self/fd/%d", fd) >= (int)n ? -1 : 0;
}

static int op_base(struct op_ctx *c)
{
    const char *base = arg(c->op, 0);
    c->path = base;
    if (mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        return -1;
    if (chdir(base) < 0 || mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
        return -1;
    c->detail = "pivot_root to the setup tmpfs";
    if (sys_pivot_root(".", "oldroot") < 0)
        return -1;
    return chdir("/");
}

static int reopen_newroot(void)
{
    if (newroot_fd >= 0)
        close(newroot_fd);
    newroot_fd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return newroot_fd < 0 ? -1 : 0;
}

/* root PATH DEV INO: the host directory the engine checked, reached without following a
 * symlink and compared by device and inode (open once, mount that). */
static int op_root(struct op_ctx *c)
{
    char src[64];
    c->path = arg(c->op, 0);
    int fd = open_checked(c->path, arg(c->op, 1), arg(c->op, 2));
    if (fd < 0)
        return -1;
    int r = fd_path(src, sizeof src, fd);
    if (r == 0)
        r = mount(src, NEWROOT, NULL, MS_BIND | MS_REC, NULL);
    int saved = errno;
    close(fd);
    errno = saved;
    if (r < 0)
        return -1;
    if (reopen_newroot() < 0)
        return -1;
    /* an image's device nodes and setuid files mean nothing inside */
    return sys_mount_setattr(newroot_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, 0);
}

/* bind SRC DST FLAGS: r recursive, o read-only, f optional source, c create target,
 * b source in the setup tmpfs (not the host), s soft: a target that cannot be made or
 * opened is skipped, d a device node (no nodev). */

/* An idmapped bind: the monitor sent the detached, idmapped tree; move it onto the target. */
static int bind_idmapped(struct op_ctx *c, const char *flags)
{
    struct stat st;
    c->path = arg(c->op, 0);
    c->name = "idmap";
    int tree = recv_fd(c->plan->tree_sock);
    if (tree < 0 || fstat(tree, &st) < 0)
        return -1;
    unsigned long long attr = (has_flag(flags, 'o') ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID;
    if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0) < 0) {
        int saved = errno;
        close(tree);
        errno = saved;
        return -1;
    }
    c->path = arg(c->op, 1);
    c->name = "mkdir";
    c->detail = "bind target";
    if (has_flag(flags, 'c') && create_in_root(c->path, S_ISDIR(st.st_mode) ? 'd' : 'f', 0644) < 0)
        return -1;
    c->detail = "";
    c->name = "bind";
    int fd = open_in_root(c->path);
    int r = fd < 0 ? -1 : sys_move_mount(tree, "", fd, "", 0x4 | 0x40);
    int saved = errno;
    if (fd >= 0)
        close(fd);
    close(tree);
    errno = saved;
    return r;
}

static int op_bind(struct op_ctx *c)
{
    const char *flags = arg(c->op, 2);
    char src[4096], target[64];
    struct stat st;
    if (has_flag(flags, 'i'))
        return bind_idmapped(c, flags);
    c->path = arg(c->op, 0);
    c->name = "bind-source";
    int sfd = has_flag(flags, 'b') ? open_source(c->path, 1) : open_checked(c->path, arg(c->op, 3), arg(c->op, 4));
    if (sfd < 0 || fstat(sfd, &st) < 0) {
        int saved = errno;
        if (sfd >= 0)
            close(sfd);
        errno = saved;
        return has_flag(flags, 'f') && errno == ENOENT ? 0 : -1;
    }
    fd_path(src, sizeof src, sfd);
    c->path = arg(c->op, 1);
    c->name = "mkdir";
    c->detail = "bind target";
    if (has_flag(flags, 'c') && create_in_root(c->path, S_ISDIR(st.st_mode) ? 'd' : 'f', 0644) < 0) {
        int saved = errno;
        close(sfd);
        errno = saved;
        return has_flag(flags, 's') ? 0 : -1;
    }
    c->name = "bind";
    int fd = open_in_root(c->path);
    if (fd < 0) {
        int saved = errno;
        close(sfd);
        errno = saved;
        return has_flag(flags, 's') && errno == ENOENT ? 0 : -1;
    }
    unsigned long mf = MS_BIND | (has_flag(flags, 'r') ? MS_REC : 0);
    /* nodev and nosuid unless this is one of the explicit device nodes (flag d) */
    unsigned long long attr = (has_flag(flags, 'o') ? MOUNT_ATTR_RDONLY : 0) |
                              (has_flag(flags, 'd') ? 0 : MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    int r = fd_path(target, sizeof target, fd);
    if (r == 0)
        r = mount(src, target, NULL, mf, NULL);
    if (r == 0 && attr != 0) {
        int mfd = open_in_root(c->path);
        r = mfd < 0 ? -1 : sys_mount_setattr(mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
        if (mfd >= 0)
            close(mfd);
    }
    int saved = errno;
    close(fd);
    close(sfd);
    errno = saved;
    return r;
}

static int op_rdonly(struct op_ctx *c)
{
    c->path = arg(c->op, 0);
    int fd = open_in_root(c->path);
    if (fd < 0)
        return -1;
    int r = sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

/* robind DST FLAGS: DST bound onto itself read-only, nosuid, nodev, noexec (/proc/sys and
 * its kind); s soft: a DST that does not exist is skipped. */
static int op_robind(struct op_ctx *c)
{
    c->path = arg(c->op, 0);
    int fd = open_in_root(c->path);
    if (fd < 0)
        return errno == ENOENT && has_flag(arg(c->op, 1), 's') ? 0 : -1;
    int tree = sys_open_tree(fd, "", OPEN_TREE_CLONE_ | O_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    int r = tree < 0 ? -1 : sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
                                              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0);
    if (r == 0)
        r = sys_move_mount(tree, "", fd, "", MOVE_F_EMPTY | MOVE_T_EMPTY);
    int saved = errno;
    if (tree >= 0)
        close(tree);
    close(fd);
    errno = saved;
    return r;
}

/* mask DST FLAGS: DST hidden: an empty read-only tmpfs over a directory, the host's
 * /dev/null over anything else (runc's maskedPaths); s soft: a missing DST is skipped. */
static int op_mask(struct op_ctx *c)
{
    char target[64], src[64];
    struct stat st;
    c->path = arg(c->op, 0);
    int fd = open_in_root(c->path);
    if (fd < 0)
        return errno == ENOENT && has_flag(arg(c->op, 1), 's') ? 0 : -1;
    int r = fstat(fd, &st) < 0 ? -1 : fd_path(target, sizeof target, fd), null = -1;
    if (r == 0 && S_ISDIR(st.st_mode))
        r = mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k");
    else if (r == 0) {
        null = open_source("/dev/null", 0);
        r = null < 0 ? -1 : fd_path(src, sizeof src, null);
        if (r == 0)
            r = mount(src, target, NULL, MS_BIND, NULL);
    }
    int saved = errno;
    if (null >= 0)
        close(null);
    close(fd);
    errno = saved;
    return r;
}

/* mount FSTYPE DST MSFLAGS DATA: a fresh filesystem; DST is created when missing. */
static int op_mount(struct op_ctx *c)
{
    const char *fstype = arg(c->op, 0);
    char target[64];
    c->path = arg(c->op, 1);
    c->name = "mkdir";
    if (create_in_root(c->path, 'd', 0755) < 0)
        return -1;
    c->name = "mount";
    int fd = open_in_root(c->path);
    if (fd < 0)
        return -1;
    int r = fd_path(target, sizeof target, fd);
    if (r == 0)
        r = mount(fstype, target, fstype, (unsigned long)parse_long(arg(c->op, 2), 0), arg(c->op, 3));
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

/* mkdir DST MODE FLAGS: s soft (a failure is not an error: a read-only image), f an empty
 * file instead of a directory (the mount point of a file bind), b a bind target. */
static int op_mkdir(struct op_ctx *c)
{
    const char *flags = arg(c->op, 2);
    c->path = arg(c->op, 0);
    if (has_flag(flags, 'b'))
        c->detail = "bind target";
    mode_t mode = (mode_t)strtol(arg(c->op, 1), NULL, 8);
    if (create_in_root(c->path, has_flag(flags, 'f') ? 'f' : 'd', mode) < 0)
        return has_flag(flags, 's') ? 0 : -1;
    if (has_flag(flags, 'f') || has_flag(flags, 'b'))
        return 0;
    int fd = open_in_root(c->path);
    if (fd < 0)
        return -1;
    char p[64];
    fd_path(p, sizeof p, fd);
    int r = chmod(p, mode);
    close(fd);
    return has_flag(arg(c->op, 2), 's') ? 0 : r;
}

static int op_symlink(struct op_ctx *c)
{
    c->path = arg(c->op, 1);
    const char *slash = strrchr(c->path, '/');
    char parent[4096] = "/";
    if (slash != NULL && slash != c->path) {
        memcpy(parent, c->path, (size_t)(slash - c->path));
        parent[slash - c->path] = '\0';
    }
    int dfd = open_in_root_as(parent, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
        return -1;
    int r = symlinkat(arg(c->op, 0), dfd, slash ? slash + 1 : c->path);
    int saved = errno;
    close(dfd);
    errno = saved;
    return r < 0 && saved == EEXIST ? 0 : r;
}

/* hostfile PATH MODE CONTENT: a small file in the setup tmpfs, to be bound into the root. */
static int op_hostfile(struct op_ctx *c)
{
    c->path = arg(c->op, 0);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  (mode_t)strtol(arg(c->op, 1), NULL, 8));
    if (fd < 0)
        return -1;
    const char *content = arg(c->op, 2);
    ssize_t len = (ssize_t)strlen(content);
    ssize_t w = write(fd, content, (size_t)len);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == len ? 0 : -1;
}

static int op_hostname(struct op_ctx *c)
{
    c->path = arg(c->op, 0);
    return sethostname(c->path, strlen(c->path));
}

static int op_loopback(struct op_ctx *c)
{
    c->path = "lo";
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return r;
}

/* Leave the host tree behind and make the assembled tree "/". */
static int op_pivot(struct op_ctx *c)
{
    c->path = NEWROOT;
    if (umount2(OLDROOT, MNT_DETACH) < 0)
        return -1;
    if (newroot_fd >= 0)
        close(newroot_fd);
    newroot_fd = -1;
    if (chdir(NEWROOT) < 0 || sys_pivot_root(".", ".") < 0)
        return -1;
    if (umount2(".", MNT_DETACH) < 0)
        return -1;
    return chdir("/");
}

/* One write() of TEXT to /proc/PID/FILE (uid_map, gid_map and setgroups take exactly one). */
int write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t len = (ssize_t)strlen(text), w = write(fd, text, (size_t)len);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == len ? 0 : -1;
}

/* The map writer stays on as the keeper of the outer user and mount namespaces: live binds
 * are mounted there and reach the container by propagation, which locks them (the kernel
 * locks mounts that propagate into a less privileged namespace). Nothing inside can reach
 * it: it is non-dumpable, its memory belongs to the outer namespace, it holds no fd. */
static void keep_outer_namespaces(void)
{
    sigset_t all;
    prctl(PR_SET_NAME, "usnc-keeper");
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sys_close_range(0, ~0U, 0);
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (;;)
        pause();
}

/* Lock every mount (docs/design.md): move into a nested user and mount namespace. The mount
 * tree is copied into a less privileged namespace, so the kernel locks it: read-only stays
 * read-only and nothing can be unmounted to show what lies beneath, even for root inside.
 * The tree is made shared first, so the copy is its slave: what the keeper's side mounts
 * later (live binds) propagates in, locked as well. The outer namespace maps host ids to
 * themselves, so the nested one takes the container's own map (sent with "go"), and
 * /proc/self/uid_map inside shows the host ids. A child still in the outer namespace writes
 * it, then keeps the outer namespaces. */
static int op_lock(struct op_ctx *c)
{
    const char *umap = c->plan->inner_uid_map, *gmap = c->plan->inner_gid_map;
    char deny[16] = "";
    c->path = "user+mnt";
    if (umap == NULL || gmap == NULL || *umap == '\0' || *gmap == '\0') {
        c->detail = "no map for the nested namespace";
        errno = EINVAL;
        return -1;
    }
    int sg = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (sg >= 0) {
        ssize_t r = read(sg, deny, sizeof deny - 1);
        deny[r > 0 ? r : 0] = '\0';
        close(sg);
    }
    int go[2], done[2];
    c->name = "make-shared";
    if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
        return -1;
    c->name = "lock";
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0)
        return -1;
    pid_t self = getpid(), writer = fork();
    if (writer < 0)
        return -1;
    if (writer == 0) {
        char b;
        int ok = read(go[0], &b, 1) == 1 &&
                 (strncmp(deny, "deny", 4) != 0 || write_proc(self, "setgroups", "deny") == 0) &&
                 write_proc(self, "uid_map", umap) == 0 && write_proc(self, "gid_map", gmap) == 0;
        int err = ok ? 0 : errno;
        (void)!write(done[1], &err, sizeof err);
        if (!ok)
            _exit(1);
        keep_outer_namespaces();
    }
    close(go[0]);
    close(done[1]);
    int r = unshare(CLONE_NEWUSER | CLONE_NEWNS);
    int err = r < 0 ? errno : 0;
    (void)!write(go[1], "g", 1);
    close(go[1]);
    int werr = EIO;
    if (read(done[0], &werr, sizeof werr) != sizeof werr)
        werr = EIO;
    close(done[0]);
    /* the writer stays as the keeper; it dies with the init */
    if (err == 0 && werr != 0) {
        c->detail = "writing the nested namespace's id maps";
        err = werr;
    }
    if (err == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        err = errno;
    errno = err;
    return err == 0 ? 0 : -1;
}

struct op_kind {
    const char *name;
    int (*run)(struct op_ctx *c);
};

static const struct op_kind kinds[] = {
    {"base", op_base},       {"root", op_root},         {"bind", op_bind},
    {"rdonly", op_rdonly},   {"mount", op_mount},       {"mkdir", op_mkdir},
    {"symlink", op_symlink}, {"hostfile", op_hostfile},
    {"hostname", op_hostname},
    {"loopback", op_loopback}, {"pivot", op_pivot},       {"lock", op_lock},
    {"robind", op_robind},   {"mask", op_mask},
};

int run_ops(struct plan *plan)
{
    for (int i = 0; i < plan->nops; i++) {
        const struct op *op = &plan->ops[i];
        const char *name = op->rec.fields[1];
        struct op_ctx c = {.plan = plan, .op = op, .name = name, .path = "", .detail = ""};
        const struct op_kind *k = NULL;
        for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++)
            if (strcmp(kinds[j].name, name) == 0)
                k = &kinds[j];
        if (k == NULL) {
            send_error(i, name, "", EINVAL, "unknown operation");
            errno = EINVAL;
            return -1;
        }
        if (k->run(&c) < 0) {
            int err = errno;
            send_error(i, c.name, c.path, err, c.detail);
            errno = err;
            return -1;
        }
    }
    return 0;
}

int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}

int sys_move_mount(int from_fd, const char *from, int to_fd, const char *to, unsigned int flags)
{
    return (int)syscall(SYS_move_mount, from_fd, from, to_fd, to, flags);
}
