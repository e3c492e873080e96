/* The setup operations, one small function each, run in order by run_ops().
 *
 * Layout while they run (bubblewrap's shape): a tmpfs "base" is pivoted to "/", the host
 * tree sits at /oldroot, the container's tree is assembled at /newroot. Every
 * destination inside /newroot is resolved with openat2(RESOLVE_IN_ROOT) against the
 * new root and mounted through the resulting fd, never through a path string that a
 * symlink in the image could redirect.
 */
#include "helper.h"
#include "ops.h"

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

/* Field I as a file mode (octal, at most 07777), or -1 with errno EINVAL: a malformed field
 * is an error, never a mode guessed from part of it. */
static int mode_arg(struct op_ctx *c, int i, mode_t *mode)
{
    char *end;
    const char *s = arg(c->op, i);
    errno = 0;
    long v = strtol(s, &end, 8);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 07777) {
        c->detail = "malformed file mode";
        errno = EINVAL;
        return -1;
    }
    *mode = (mode_t)v;
    return 0;
}

const char *arg(const struct op *op, int i)
{
    return op->rec.nfields > i + 2 ? op->rec.fields[i + 2] : "";
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
    int fd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    set_newroot_fd(fd);
    return 0;
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
    return sys_mount_setattr(newroot(), "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, 0);
}

/* overlay SIZE: the root becomes an overlay (userxattr, volatile) whose upper layer is a
 * tmpfs of SIZE bytes in the setup tmpfs: writes land there and vanish at exit, deletes of
 * image files become whiteouts. The image below is made read-only first. The overlay is
 * scratch: missing mount points are made in it. */
static int op_overlay(struct op_ctx *c)
{
    char opts[128];
    long size;
    c->path = "/";
    if (parse_number(arg(c->op, 0), 1, LONG_MAX, &size) < 0) {
        c->detail = "malformed overlay size";
        errno = EINVAL;
        return -1;
    }
    c->detail = "read-only lower layer";
    if (sys_mount_setattr(newroot(), "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) < 0)
        return -1;
    c->detail = "the upper layer's tmpfs";
    snprintf(opts, sizeof opts, "mode=0755,size=%ld", size);
    if (mkdir("/wf", 0755) < 0 || mount("tmpfs", "/wf", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
        mkdir("/wf/upper", 0755) < 0 || mkdir("/wf/work", 0755) < 0)
        return -1;
    c->detail = "overlayfs with userxattr in the container's user namespace";
    if (mount("overlay", NEWROOT, "overlay", MS_NOSUID | MS_NODEV,
              "lowerdir=" NEWROOT ",upperdir=/wf/upper,workdir=/wf/work,userxattr,volatile") < 0)
        return -1;
    /* the init holds the upper directory for the container's life, at a number no other fd
     * of its has (the layer mode takes it from there); nothing inside can reach the init */
    c->detail = "the init's hold on the upper layer";
    int upper = open("/wf/upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (upper < 0)
        return -1;
    int busy = fcntl(INIT_UPPER_FD, F_GETFD) >= 0;
    if (busy || dup3(upper, INIT_UPPER_FD, O_CLOEXEC) < 0) {
        int saved = busy ? EBUSY : errno;
        close(upper);
        errno = saved;
        return -1;
    }
    close(upper);
    c->detail = "";
    if (reopen_newroot() < 0)
        return -1;
    return note_scratch(newroot());
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
    /* optional: a path that is missing, or that the setup (root of the outer namespace, as
     * strong as anything inside will be) may not reach, needs no mask */
    if (fd < 0)
        return (errno == ENOENT || errno == EACCES) && has_flag(arg(c->op, 1), 's') ? 0 : -1;
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

/* mount FSTYPE DST MSFLAGS DATA: a fresh filesystem; DST is made when missing (without
 * writing into the image). A tmpfs mounted here is scratch: mount points may be made in it. */
static int op_mount(struct op_ctx *c)
{
    const char *fstype = arg(c->op, 0);
    char target[64];
    long flags;
    c->path = arg(c->op, 1);
    if (parse_number(arg(c->op, 2), 0, LONG_MAX, &flags) < 0) {
        c->detail = "malformed mount flags";
        errno = EINVAL;
        return -1;
    }
    c->name = "mkdir";
    int fd = make_mountpoint(c->path, 'd', 0755, 0, &c->detail);
    if (fd < 0)
        return -1;
    c->name = "mount";
    c->detail = "";
    int r = fd_path(target, sizeof target, fd);
    if (r == 0)
        r = mount(fstype, target, fstype, (unsigned long)flags, arg(c->op, 3));
    int saved = errno;
    close(fd);
    if (r == 0 && strcmp(fstype, "tmpfs") == 0) {
        fd = open_in_root(c->path);
        r = fd < 0 ? -1 : note_scratch(fd);
        saved = errno;
        if (fd >= 0)
            close(fd);
    }
    errno = saved;
    return r;
}

/* mkdir DST MODE FLAGS: a directory the container gets (such as /dev/shm), with exactly
 * MODE; made only where make_mountpoint may; s soft: a failure is not an error. */
static int op_mkdir(struct op_ctx *c)
{
    const char *flags = arg(c->op, 2);
    char p[64];
    mode_t mode;
    c->path = arg(c->op, 0);
    if (mode_arg(c, 1, &mode) < 0)
        return -1;
    int fd = make_mountpoint(c->path, 'd', mode, 0, &c->detail);
    int r = fd < 0 ? -1 : fd_path(p, sizeof p, fd);
    if (r == 0)
        r = chmod(p, mode);
    int saved = errno;
    if (fd >= 0)
        close(fd);
    errno = saved;
    return has_flag(flags, 's') ? 0 : r;
}

/* symlink TARGET PATH: in one of the container's own tmpfs mounts (/dev). */
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
    if (!dir_in_scratch(dfd)) {
        close(dfd);
        c->detail = "symlinks are made only in the container's own tmpfs mounts";
        errno = EROFS;
        return -1;
    }
    int r = symlinkat(arg(c->op, 0), dfd, slash ? slash + 1 : c->path);
    int saved = errno;
    close(dfd);
    errno = saved;
    return r < 0 && saved == EEXIST ? 0 : r;
}

/* hostfile PATH MODE CONTENT: a small file in the setup tmpfs, to be bound into the root. */
static int op_hostfile(struct op_ctx *c)
{
    mode_t mode;
    c->path = arg(c->op, 0);
    if (mode_arg(c, 1, &mode) < 0)
        return -1;
    int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
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

/* seal: every overmount read-only (what is in them are binds, each with its own flags). */
static int op_seal(struct op_ctx *c)
{
    c->path = "/";
    c->detail = "overmounts read-only";
    return seal_overmounts();
}

/* Leave the host tree behind and make the assembled tree "/". */
static int op_pivot(struct op_ctx *c)
{
    c->path = NEWROOT;
    set_newroot_fd(-1);
    if (chdir(NEWROOT) < 0 || sys_pivot_root(".", ".") < 0)
        return -1;
    /* the base tmpfs now lies over the new root, the host's tree under it at oldroot: one
     * lazy unmount detaches both (each unmount waits for an RCU grace period, which under
     * load is the slowest step of a start) */
    if (umount2(".", MNT_DETACH) < 0)
        return -1;
    return chdir("/");
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
    {"robind", op_robind},   {"mask", op_mask},         {"seal", op_seal},
    {"overlay", op_overlay},   {"squashfs", op_squashfs},
    {"network", op_network},
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
        timing_mark(name);
    }
    return 0;
}

