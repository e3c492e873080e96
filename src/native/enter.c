/* enter: join a running container's namespaces and run a command there (nsenter,
 * Guix's container-excursion). The namespace files are opened first, then joined user
 * first and mnt last (setns(mnt) before the user namespace is EPERM for an ordinary user);
 * joining a pid namespace takes effect for children, so the command is forked after.
 * Same protocol as create: "pid", wait for "go", "started", "exit". */
#include "helper.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_NS 8

static int open_namespaces(const struct plan *plan, int *fds, int *n)
{
    *n = 0;
    for (char **ns = plan->join; ns && *ns && *n < MAX_NS; ns++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", plan->target, *ns);
        fds[*n] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[*n] < 0) {
            send_error(-1, "open-namespace", path, errno, "");
            return -1;
        }
        (*n)++;
    }
    return 0;
}

static int join_namespaces(const struct plan *plan, const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (setns(fds[i], 0) < 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/ns/%s", plan->target, plan->join[i]);
            send_error(i, "setns", path, errno, "");
            return -1;
        }
    return 0;
}

/* Inside: the uid and gid asked for (root by default). Joining a user namespace gives
 * every capability in it, so this works for root entering an ordinary user's container. */
static int become(const struct plan *plan)
{
    gid_t gid = plan->gid >= 0 ? (gid_t)plan->gid : 0;
    uid_t uid = plan->uid >= 0 ? (uid_t)plan->uid : 0;
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return -1;
    if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        return -1;
    return 0;
}

int run_enter(struct plan *plan)
{
    int fds[MAX_NS], n, barrier[2], errp[2];
    signal(SIGPIPE, SIG_IGN);
    if (plan->argv == NULL) {
        send_error(-1, "plan", "argv", EINVAL, "no command");
        return 1;
    }
    if (open_namespaces(plan, fds, &n) < 0 || join_namespaces(plan, fds, n) < 0)
        return 1;
    for (int i = 0; i < n; i++)
        close(fds[i]);
    if (pipe2(barrier, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        return send_error(-1, "pipe", "", errno, ""), 1;
    pid_t child = fork();
    if (child < 0)
        return send_error(-1, "fork", "", errno, ""), 1;
    if (child == 0) {
        char c;
        close(barrier[1]);
        close(errp[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (read(barrier[0], &c, 1) != 1)
            _exit(125);
        if (become(plan) < 0)
            report_child_failure(errp[1], errno, "setuid");
        signal(SIGPIPE, SIG_DFL);
        exec_main(plan, errp[1]);
    }
    close(barrier[0]);
    close(errp[1]);
    send_simple("pid", child, getpid());
    struct record rec;
    int go = recv_record(CTL_FD, &rec) == 0 && rec.nfields > 0 && strcmp(rec.fields[0], "go") == 0;
    if (go)
        free_record(&rec);
    if (!go || write(barrier[1], "g", 1) != 1) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 1;
    }
    close(barrier[1]);
    if (await_exec(plan, child, errp[0]) < 0) {
        send_simple("exit", 2, 0);
        return 127;
    }
    send_simple("started", child, 0);
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    int kind = WIFSIGNALED(status) ? 1 : 0, value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
    send_simple("exit", kind, value);
    return kind ? 128 + value : value;
}
