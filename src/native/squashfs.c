/* SquashFS roots (ch-run's SquashFUSE): the image file is served by squashfuse, and the
 * container mounts it as its root.
 *
 * FUSE wants /dev/fuse opened in the user namespace that mounts it, so the init opens it and
 * mounts fuse.squashfuse on the new root in the container's outer namespaces; it passes the
 * connection's fd to the monitor, which runs squashfuse on it ("/dev/fd/N": no mount of its
 * own) in the host's namespaces, as the caller, out of the container's reach, and kills it
 * when the container ends. Accesses to the root wait until squashfuse answers. */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The options of a FUSE mount served through FD and owned by the caller's own ids in its
 * current user namespace (the host probe mounts the same way). */
void fuse_options(char *buf, size_t n, int fd)
{
    snprintf(buf, n, "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other", fd, (unsigned)getuid(), (unsigned)getgid());
}

/* squashfs IMAGE DEV INO SQUASHFUSE (init side): the FUSE mount on the new root. */
int op_squashfs(struct op_ctx *c)
{
    char opts[128];
    c->path = arg(c->op, 0);
    c->detail = "/dev/fuse";
    int fuse = open(OLDROOT "/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse < 0)
        return -1;
    c->detail = "fuse.squashfuse in the container's user namespace";
    /* the mount's owner in ids of the namespace that mounts it: the init's own (the container
     * root's host ids, mapped to themselves there; 0 may not be mapped at all) */
    fuse_options(opts, sizeof opts, fuse);
    int r = mount("squashfuse", NEWROOT, "fuse.squashfuse", MS_RDONLY | MS_NOSUID | MS_NODEV, opts);
    if (r == 0) {
        c->detail = "passing the connection to squashfuse";
        r = send_fd(c->plan->tree_sock, fuse);
    }
    int saved = errno;
    close(fuse);
    errno = saved;
    if (r < 0)
        return -1;
    c->detail = "squashfuse did not serve the image";
    int root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    set_newroot_fd(root);
    c->detail = "";
    return 0;
}

/* The monitor's side: receives the connection, checks the image is the file the engine
 * checked, and starts squashfuse on both (its pid, or -1 with an error record sent). */
pid_t serve_squashfs(const struct record *op, int tree_sock)
{
    const char *image = op->fields[2], *dev = op->fields[3], *ino = op->fields[4], *tool = op->fields[5];
    int fuse = recv_fd(tree_sock);
    if (fuse < 0)
        return -1; /* the init failed first and said why */
    struct stat st;
    long d, i;
    int img = open(image, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (img < 0 || fstat(img, &st) < 0 || parse_number(dev, 0, LONG_MAX, &d) < 0 || parse_number(ino, 0, LONG_MAX, &i) < 0 ||
        st.st_dev != (dev_t)d || st.st_ino != (ino_t)i) {
        send_error(-1, "root", image, img < 0 ? errno : ESTALE, "the SquashFS image");
        close(fuse);
        if (img >= 0)
            close(img);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char src[32], dst[32];
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        /* the two fds it needs, without CLOEXEC, and nothing else */
        int a = dup(img), b = dup(fuse);
        snprintf(src, sizeof src, "/dev/fd/%d", a);
        snprintf(dst, sizeof dst, "/dev/fd/%d", b);
        char *argv[] = {(char *)tool, "-f", src, dst, NULL};
        execv(tool, argv);
        _exit(127);
    }
    int saved = errno;
    close(fuse);
    close(img);
    if (pid < 0)
        send_error(-1, "squashfuse", tool, saved, "");
    return pid;
}
