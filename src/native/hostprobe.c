/* probe: what this host lets the caller do, found by doing it (Test-UserNsSupport). Each
 * "op probe KIND [ARG]" is tried once and answered with a record "probe INDEX ERRNO" (0: it
 * worked), INDEX counting the operations from 0. Nothing outside a short-lived child's own namespaces is changed.
 *   userns        clone(CLONE_NEWUSER)
 *   overlay       in a new user and mount namespace: overlayfs with userxattr over a tmpfs
 *   idmap PATH    PATH cloned with open_tree and idmapped (as idmapped binds do), never attached
 *   fuse          in a new user and mount namespace: /dev/fuse opened and a FUSE file system
 *                 mounted on a tmpfs as a SquashFS root is (nobody serves it; it is unmounted) */
#include "helper.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int probe_userns(void)
{
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return 0;
}

/* The child of probe_overlay, once its maps are written: the errno of the overlay mount. */
static int overlay_child(void)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount("tmpfs", "/tmp", "tmpfs", 0, "mode=0700") < 0)
        return errno;
    if (mkdir("/tmp/l", 0755) < 0 || mkdir("/tmp/u", 0755) < 0 || mkdir("/tmp/w", 0755) < 0 || mkdir("/tmp/m", 0755) < 0)
        return errno;
    if (mount("overlay", "/tmp/m", "overlay", 0, "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w,userxattr") < 0)
        return errno;
    return 0;
}

/* The child of probe_fuse: the errno of the FUSE mount (as op_squashfs mounts it). */
static int fuse_child(void)
{
    char opts[128];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount("tmpfs", "/tmp", "tmpfs", 0, "mode=0700") < 0)
        return errno;
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno;
    fuse_options(opts, sizeof opts, fd);
    if (mount("probe", "/tmp", "fuse.probe", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0)
        return errno;
    umount2("/tmp", MNT_DETACH);
    return 0;
}

/* Runs CHILD in a new user and mount namespace that maps the caller's ids to 0 (as a
 * container's does); its exit code is the errno it met. */
static int in_new_namespaces(int (*child)(void))
{
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return errno;
    /* the clone takes this helper's dumpable flag: its /proc files (uid_map, gid_map) must be
     * the caller's for the maps to be written, as in run_monitor */
    prctl(PR_SET_DUMPABLE, 1);
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid != 0)
        prctl(PR_SET_DUMPABLE, 0); /* the child stays dumpable until it exits */
    if (pid < 0)
        return errno;
    if (pid == 0) {
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 1)
            _exit(EPERM);
        _exit(child());
    }
    close(go[0]);
    char umap[64], gmap[64];
    snprintf(umap, sizeof umap, "0 %u 1", (unsigned)getuid());
    snprintf(gmap, sizeof gmap, "0 %u 1", (unsigned)getgid());
    int err = write_id_maps(pid, umap, gmap, 1, NULL) < 0 ? errno : 0;
    if (err == 0)
        write_full(go[1], "g", 1);
    close(go[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    return err != 0 ? err : WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

static int probe_overlay(void)
{
    return in_new_namespaces(overlay_child);
}

static int probe_fuse(void)
{
    return in_new_namespaces(fuse_child);
}

static int probe_idmap(const char *path)
{
    char umap[64], gmap[64];
    snprintf(umap, sizeof umap, "0 %u 1", (unsigned)getuid());
    snprintf(gmap, sizeof gmap, "0 %u 1", (unsigned)getgid());
    int ns = -1;
    const char *step;
    int tree = idmap_tree(path, 0, umap, gmap, &ns, &step);
    int err = tree < 0 ? errno : 0;
    if (tree >= 0)
        close(tree);
    if (ns >= 0)
        close(ns);
    return err;
}

int run_probe(const struct plan *plan)
{
    for (int i = 0; i < plan->nops; i++) {
        const struct record *r = &plan->ops[i].rec;
        const char *kind = r->nfields > 2 ? r->fields[2] : "";
        int err = strcmp(kind, "userns") == 0    ? probe_userns()
                  : strcmp(kind, "overlay") == 0 ? probe_overlay()
                  : strcmp(kind, "fuse") == 0    ? probe_fuse()
                  : strcmp(kind, "idmap") == 0 && r->nfields > 3 ? probe_idmap(r->fields[3])
                                                                 : EINVAL;
        send_simple("probe", i, err);
    }
    send_simple("exit", 0, 0);
    return 0;
}
