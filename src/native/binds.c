/* The bind operation: a host path (or a file of the setup tmpfs, or an idmapped tree from the
 * monitor) cloned with open_tree, given its flags while detached, and moved onto its target
 * inside the new root, which is made without writing into the image when missing. */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mount point of a bind: opened confined, or, with flag c, made when missing
 * (make_mountpoint: never in the image or on the host). */
static int bind_target(struct op_ctx *c, const char *flags, int dir)
{
    c->path = arg(c->op, 1);
    c->name = "mkdir";
    c->detail = "bind target";
    int fd = has_flag(flags, 'c') ? make_mountpoint(c->path, dir ? 'd' : 'f', dir ? 0755 : 0644, 0, &c->detail)
                                  : open_in_root(c->path);
    if (fd >= 0) {
        c->name = "bind";
        c->detail = "";
    }
    return fd;
}

/* Puts the detached TREE (consumed) on the bind's target with the bind's attributes:
 * read-only with o, and nodev and nosuid unless it is one of the explicit device nodes (d). */
static int attach_bind(struct op_ctx *c, const char *flags, int tree)
{
    struct stat st;
    unsigned long long attr = (has_flag(flags, 'o') ? MOUNT_ATTR_RDONLY : 0) |
                              (has_flag(flags, 'd') ? 0 : MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    if (tree < 0)
        return -1;
    int r = fstat(tree, &st), fd = -1;
    if (r == 0 && attr != 0)
        r = sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0);
    if (r == 0) {
        fd = bind_target(c, flags, S_ISDIR(st.st_mode));
        if (fd < 0 && has_flag(flags, 's')) {
            close(tree);
            return 0; /* soft: a default bind that does not fit is left out */
        }
        r = fd < 0 ? -1 : sys_move_mount(tree, "", fd, "", MOVE_F_EMPTY | MOVE_T_EMPTY);
    }
    int saved = errno;
    if (fd >= 0)
        close(fd);
    close(tree);
    errno = saved;
    return r;
}

/* bind SRC DST FLAGS [DEV INO]: r recursive, o read-only, f optional source, c create target,
 * b source in the setup tmpfs (not the host), s soft: a target that cannot be made or
 * opened is skipped, d a device node (no nodev), i idmapped (the monitor sends the tree). */
int op_bind(struct op_ctx *c)
{
    const char *flags = arg(c->op, 2);
    c->path = arg(c->op, 0);
    c->name = has_flag(flags, 'i') ? "idmap" : "bind-source";
    if (has_flag(flags, 'i'))
        return attach_bind(c, flags, recv_fd(c->plan->tree_sock));
    int sfd = has_flag(flags, 'b') ? open_source(c->path, 1) : open_checked(c->path, arg(c->op, 3), arg(c->op, 4));
    if (sfd < 0)
        return has_flag(flags, 'f') && errno == ENOENT ? 0 : -1;
    unsigned int how = OPEN_TREE_CLONE_ | O_CLOEXEC | AT_EMPTY_PATH | (has_flag(flags, 'r') ? AT_RECURSIVE : 0);
    int tree = sys_open_tree(sfd, "", how);
    int saved = errno;
    close(sfd);
    errno = saved;
    return tree < 0 ? -1 : attach_bind(c, flags, tree);
}
