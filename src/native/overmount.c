/* Mount points an image lacks, made without writing into the image or the host.
 *
 * The helper creates files and directories only inside a tmpfs of its own: the "scratch"
 * mounts (the /dev, /tmp and /run it mounted, and its overmounts). When the deepest
 * existing ancestor of a missing mount point lies anywhere else (the image, the host's
 * root, the source of a bind), that ancestor is covered by an overmount: a fresh tmpfs that
 * holds, for each of the ancestor's entries, a placeholder with a recursive bind of the
 * entry on it (a symlink is copied as the same symlink), plus the missing path. The
 * container sees the ancestor's own entries, through binds, and nothing is written
 * beneath. Charliecloud solves the same problem with symlinks; binds keep every entry's
 * type, identity and writability. */
#include "helper.h"
#include "ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __GLIBC__
/* musl before 1.2.5 has no statx wrapper */
static int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}
#endif

/* The most entries an overmount re-exposes: each is a mount, and the kernel's mount-max
 * (100000 per namespace) is shared with everything else. Beyond this it is an error. */
#define OVERMOUNT_MAX_ENTRIES 10000

static uint64_t *scratch;   /* mount ids of the helper's own tmpfs mounts */
static int nscratch;
static int *unsealed;       /* overmounts still writable (fds of their roots) */
static int nunsealed;
static int pending_top = -1, pending_dir = -1; /* a live overmount and the directory it covers */

static int mount_id(int fd, uint64_t *id)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
        return -1;
    *id = stx.stx_mnt_id;
    return 0;
}

int note_scratch(int fd)
{
    uint64_t id;
    if (mount_id(fd, &id) < 0)
        return -1;
    uint64_t *grown = realloc(scratch, (size_t)(nscratch + 1) * sizeof *scratch);
    if (grown == NULL)
        return -1;
    scratch = grown;
    scratch[nscratch++] = id;
    return 0;
}

/* A tmpfs mounted at PATH inside the root (before this helper ran: a live bind) counts as
 * scratch; anything else there is left alone. */
int note_scratch_path(const char *path)
{
    struct statx stx;
    int fd = open_in_root(path);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    int r = statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx);
    if (r == 0 && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        r = note_scratch(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

int dir_in_scratch(int fd)
{
    uint64_t id;
    if (mount_id(fd, &id) < 0)
        return 0;
    for (int i = 0; i < nscratch; i++)
        if (scratch[i] == id)
            return 1;
    return 0;
}

/* One entry of the covered directory (DIR, opened before it was covered) re-exposed in the
 * overmount's root (TOP): a placeholder with the entry's own tree bound on it. */
static int expose(int dir, int top, const char *name)
{
    struct stat st;
    char link[PATH_MAX];
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1; /* gone since it was listed */
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(dir, name, link, sizeof link - 1);
        if (n < 0)
            return -1;
        link[n] = '\0';
        return symlinkat(link, top, name);
    }
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(top, name, 0755) < 0)
            return -1;
    } else {
        int f = openat(top, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0)
            return -1;
        close(f);
    }
    int tree = sys_open_tree(dir, name, OPEN_TREE_CLONE_ | O_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
    if (tree < 0)
        return -1;
    int r = sys_move_mount(tree, "", top, name, MOVE_F_EMPTY);
    int saved = errno;
    close(tree);
    errno = saved;
    return r;
}

static int expose_all(int list, int top, const char **detail)
{
    DIR *d = fdopendir(list);
    if (d == NULL) {
        close(list);
        return -1;
    }
    int count = 0, r = 0;
    struct dirent *e;
    while (r == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (++count > OVERMOUNT_MAX_ENTRIES) {
            *detail = "overmount: the directory has more than 10000 entries to re-expose";
            errno = E2BIG;
            r = -1;
        } else
            r = expose(dirfd(d), top, e->d_name);
    }
    if (r == 0 && errno != 0)
        r = -1;
    int saved = errno;
    closedir(d);
    errno = saved;
    return r;
}

/* A detached tmpfs with the mode and (where mapped) the owner of the directory it covers. */
static int fresh_tmpfs(const struct stat *st)
{
    char mode[16];
    snprintf(mode, sizeof mode, "%o", (unsigned)(st->st_mode & 07777));
    int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int m = -1;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", mode, 0) == 0 &&
        syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    int saved = errno;
    close(fs);
    errno = saved;
    if (m >= 0)
        if (fchownat(m, "", st->st_uid, st->st_gid, AT_EMPTY_PATH) < 0) {
            /* an owner unmapped here leaves the tmpfs owned by root */
        }
    return m;
}

/* Covers the directory DIRFD with an overmount (attached at once with ATTACH, else left
 * detached for the caller); returns the overmount's root. */
static int overmount(int dirfd, int attach, const char **detail)
{
    struct stat st;
    if (fstat(dirfd, &st) < 0)
        return -1;
    *detail = "overmount: listing the directory";
    int list = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (list < 0)
        return -1;
    *detail = "overmount: a tmpfs over the directory";
    int top = fresh_tmpfs(&st);
    if (top < 0 || (attach && sys_move_mount(top, "", dirfd, "", MOVE_F_EMPTY | MOVE_T_EMPTY) < 0)) {
        int saved = errno;
        close(list);
        if (top >= 0)
            close(top);
        errno = saved;
        return -1;
    }
    *detail = "overmount: re-exposing the directory's entries";
    if (expose_all(list, top, detail) < 0 || note_scratch(top) < 0) {
        int saved = errno;
        close(top);
        errno = saved;
        return -1;
    }
    *detail = "";
    return top;
}

/* Makes the components of REST (relative, no "." or "..") under the scratch directory DIR,
 * the last as KIND ('d' or 'f') with MODE; returns the last, O_PATH. Nothing made here is
 * followed through a symlink: in a live container, root inside shares /tmp. */
static int make_below(int dir, char *rest, char kind, mode_t mode)
{
    int cur = dup(dir);
    for (char *name = strtok(rest, "/"), *next; name != NULL && cur >= 0; name = next) {
        next = strtok(NULL, "/");
        int r = next == NULL && kind == 'f'
                    ? openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
                    : mkdirat(cur, name, next == NULL ? mode : 0755);
        if (r < 0 && errno != EEXIST) {
            int saved = errno;
            close(cur);
            errno = saved;
            return -1;
        }
        if (r > 0)
            close(r);
        int sub = sys_openat2(cur, name, O_PATH | O_CLOEXEC | (next == NULL ? 0 : O_DIRECTORY), 0,
                              RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
        int saved = errno;
        close(cur);
        errno = saved;
        cur = sub;
    }
    return cur;
}

static int same_place(int a, int b)
{
    struct stat sa, sb;
    uint64_t ma, mb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && mount_id(a, &ma) == 0 && mount_id(b, &mb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && ma == mb;
}

int make_mountpoint(const char *path, char kind, mode_t mode, int live, const char **detail)
{
    char buf[PATH_MAX], prefix[PATH_MAX];
    int fd = open_in_root(path);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* the deepest ancestor that exists */
    strcpy(buf, path);
    size_t len = strlen(buf);
    while (len > 0 && buf[len - 1] == '/')
        buf[--len] = '\0';
    char *rest = NULL;
    int dir = -1;
    for (size_t cut = len;;) {
        size_t s = cut;
        while (s > 0 && buf[s - 1] != '/')
            s--;
        if (s == 0) {
            errno = EINVAL;
            return -1;
        }
        memcpy(prefix, buf, s - 1);
        prefix[s - 1] = '\0';
        dir = open_in_root(s > 1 ? prefix : "/");
        if (dir >= 0 || errno != ENOENT) {
            rest = buf + s;
            break;
        }
        cut = s - 1;
    }
    if (dir < 0)
        return -1;
    for (char *p = rest, *q; p != NULL; p = q) {
        q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            close(dir);
            *detail = "a path with '.' or '..' in the part to be made";
            errno = EINVAL;
            return -1;
        }
        q = q ? q + 1 : NULL;
    }
    if (!dir_in_scratch(dir)) {
        int root = open_in_root("/");
        int is_root = root >= 0 && same_place(dir, root);
        if (root >= 0)
            close(root);
        if (is_root && live) {
            close(dir);
            *detail = "a live bind cannot add an entry to the container's /: its processes hold it as their root; bind under an existing directory";
            errno = EROFS;
            return -1;
        }
        int top = overmount(dir, !live, detail);
        if (top < 0 || live) {
            int saved = errno;
            if (top < 0)
                close(dir);
            errno = saved;
            if (top < 0)
                return -1;
            pending_top = top;
            pending_dir = dir;
        } else {
            close(dir);
            int *grown = realloc(unsealed, (size_t)(nunsealed + 1) * sizeof *unsealed);
            if (grown == NULL) {
                close(top);
                return -1;
            }
            unsealed = grown;
            unsealed[nunsealed++] = top;
            if (is_root)
                set_newroot_fd(open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC));
        }
        dir = dup(top);
    }
    int made = make_below(dir, rest, kind, mode);
    int saved = errno;
    close(dir);
    errno = saved;
    return made;
}

static int seal_overmount(int top)
{
    return sys_mount_setattr(top, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0);
}

/* The live overmount that make_mountpoint left detached, if any, sealed and put over the
 * directory it covers: the container sees it, and the bind in it, in one step. */
int attach_overmount(void)
{
    if (pending_top < 0)
        return 0;
    int r = seal_overmount(pending_top);
    if (r == 0)
        r = sys_move_mount(pending_top, "", pending_dir, "", MOVE_F_EMPTY | MOVE_T_EMPTY);
    int saved = errno;
    close(pending_top);
    close(pending_dir);
    pending_top = pending_dir = -1;
    errno = saved;
    return r;
}

/* Every overmount read-only: what lies in it are binds, each with its own writability. */
int seal_overmounts(void)
{
    int r = 0;
    for (int i = 0; i < nunsealed; i++) {
        if (r == 0 && seal_overmount(unsealed[i]) < 0)
            r = -1;
        int saved = errno;
        close(unsealed[i]);
        errno = saved;
    }
    nunsealed = 0;
    return r;
}
