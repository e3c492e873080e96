/* Paths, confined: everything inside the container root is resolved with
 * openat2(RESOLVE_IN_ROOT) against the new root's fd and used through the resulting fd, never
 * through a path string that a symlink in the image could redirect; host paths are opened
 * under /oldroot without following any symlink. Also the syscall wrappers glibc 2.36 lacks. */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int newroot_fd = -1;

/* The directory that container paths are resolved in (replacing, and closing, the last). */
void set_newroot_fd(int fd)
{
    if (newroot_fd >= 0 && newroot_fd != fd)
        close(newroot_fd);
    newroot_fd = fd;
}

int newroot(void)
{
    return newroot_fd;
}

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

int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}

int sys_move_mount(int from_fd, const char *from, int to_fd, const char *to, unsigned int flags)
{
    return (int)syscall(SYS_move_mount, from_fd, from, to_fd, to, flags);
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

/* A bind source: a host path (under /oldroot, no symlink followed: the engine resolved it
 * as the caller) or, with from_base, a file in the setup tmpfs. */
int open_source(const char *path, int from_base)
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
int open_checked(const char *path, const char *dev, const char *ino)
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

int fd_path(char *buf, size_t n, int fd)
{
    return snprintf(buf, n, OLDROOT "/proc/self/fd/%d", fd) >= (int)n ? -1 : 0;
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

/* A user namespace's id maps, written to /proc/PID: setgroups "deny" first where asked (an
 * ordinary user may write a gid map only after it), then uid_map, then gid_map. On failure
 * -1, errno set and *FAILED (when not NULL) naming the file that refused. */
int write_id_maps(pid_t pid, const char *uid_map, const char *gid_map, int deny_setgroups, const char **failed)
{
    const char *file = "setgroups";
    int r = (deny_setgroups && write_proc(pid, file, "deny") < 0) || write_proc(pid, file = "uid_map", uid_map) < 0 ||
                    write_proc(pid, file = "gid_map", gid_map) < 0
                ? -1
                : 0;
    if (r < 0 && failed != NULL)
        *failed = file;
    return r;
}

