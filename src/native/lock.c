/* The lock step: the container moves into a nested user and mount namespace, which locks
 * every mount made so far. The outer ones stay alive through the monitor's fds (link.c). */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lock every mount (docs/design.md): move into a nested user and mount namespace. The mount
 * tree is copied into a less privileged namespace, so the kernel locks it: read-only stays
 * read-only and nothing can be unmounted to show what lies beneath, even for root inside.
 * The tree is made shared first, so the copy is its slave: what is mounted on the outer side
 * later (live binds) propagates in, locked as well. The outer namespace maps host ids to
 * themselves, so the nested one takes the container's own map (sent with "go"), and
 * /proc/self/uid_map inside shows the host ids. A child still in the outer namespace writes
 * it and exits. */
/* The clone flag of a namespace named in the lock operation, or 0. */
static int ns_flag(const char *name)
{
    static const struct {
        const char *name;
        int flag;
    } table[] = {{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].flag;
    return 0;
}

struct map_writer {
    pid_t target;
    const char *umap, *gmap;
    int deny, go, done;
};

/* The map writer, still in the outer namespace: waits for "g" (the init has unshared), writes
 * the nested namespace's maps, answers 0 or the errno. */
static int write_nested_maps(void *arg)
{
    const struct map_writer *w = arg;
    char b;
    int ok = read(w->go, &b, 1) == 1 && write_id_maps(w->target, w->umap, w->gmap, w->deny, NULL) == 0;
    int err = ok ? 0 : errno;
    (void)!write(w->done, &err, sizeof err);
    _exit(ok ? 0 : 1);
}

/* lock [NS...]: the nested user and mount namespaces, and the namespaces named (ipc, uts,
 * net, cgroup), which the nested user namespace then owns. */
int op_lock(struct op_ctx *c)
{
    const char *umap = c->plan->inner_uid_map, *gmap = c->plan->inner_gid_map;
    char deny[16] = "";
    int extra = 0;
    for (int i = 2; i < c->op->rec.nfields; i++) {
        int flag = ns_flag(c->op->rec.fields[i]);
        if (flag == 0) {
            c->path = c->op->rec.fields[i];
            c->detail = "not a namespace the lock step makes";
            errno = EINVAL;
            return -1;
        }
        extra |= flag;
    }
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
    /* the writer shares this memory (spawn.c) while this process unshares: it only reads,
     * writes three /proc files and its answer, and exits; errno is shared, so it is read here
     * only while the writer waits for "g" or after it has answered */
    struct map_writer w = {getpid(), umap, gmap, strncmp(deny, "deny", 4) == 0, go[0], done[1]};
    pid_t writer = clone_sharing_memory(write_nested_maps, &w, 0);
    if (writer < 0)
        return -1;
    close(go[0]);
    close(done[1]);
    int r = unshare(CLONE_NEWUSER | CLONE_NEWNS | extra);
    int err = r < 0 ? errno : 0;
    (void)!write(go[1], "g", 1);
    close(go[1]);
    int werr = EIO;
    if (read(done[0], &werr, sizeof werr) != sizeof werr)
        werr = EIO;
    close(done[0]);
    while (waitpid(writer, NULL, 0) < 0 && errno == EINTR)
        ;
    if (err == 0 && werr != 0) {
        c->detail = "writing the nested namespace's id maps";
        err = werr;
    }
    if (err == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        err = errno;
    errno = err;
    return err == 0 ? 0 : -1;
}

