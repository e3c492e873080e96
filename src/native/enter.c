/* enter: join a running container's namespaces and run a command there (nsenter,
 * Guix's container-excursion). The namespace files are opened first, then joined user
 * first and mnt last (setns(mnt) before the user namespace is EPERM for an ordinary user);
 * joining a pid namespace takes effect for children, so the command is forked after.
 * Same protocol as create: "pid", "go" (which the engine sends right behind the plan),
 * "started", "exit". */
#include "helper.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A container's namespaces are opened only once its monitor has vouched that the target is
 * its init (link.c): a forged record cannot send a command into another process. After the
 * files are open, the init must still be the one the monitor named (its pidfd). */
static int open_namespaces(const struct plan *plan, int *fds, int *n)
{
    struct outer_link l = {.listen = -1, .userns = -1, .mntns = -1, .pidfd = -1};
    const char *why = "";
    *n = 0;
    if (plan->link_path != NULL && link_fetch(plan, &l, &why) < 0) {
        send_error(-1, "link", plan->link_path, errno, why);
        return -1;
    }
    for (char **ns = plan->join; ns && *ns; ns++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", plan->target, *ns);
        fds[*n] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[*n] < 0) {
            send_error(-1, "open-namespace", path, errno, "");
            return -1;
        }
        (*n)++;
    }
    if (l.pidfd >= 0 && syscall(SYS_pidfd_send_signal, l.pidfd, 0, NULL, 0) < 0) {
        send_error(-1, "link", plan->link_path, ESRCH, "the container ended while it was being entered");
        return -1;
    }
    link_close(&l, NULL);
    return 0;
}

static ino_t inode_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* A container made by create runs in a nested user namespace (op lock); its net, uts, ipc,
 * pid and cgroup namespaces belong to the outer one. To join those, that owner must be
 * joined first; the nested user namespace, and the mount namespace it owns, come after. */
static int owner_to_join_first(const struct plan *plan, const int *fds, int n)
{
    int user = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(plan->join[i], "user") == 0)
            user = fds[i];
    if (user < 0)
        return -1;
    int self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    ino_t mine = self >= 0 ? inode_of(self) : 0;
    if (self >= 0)
        close(self);
    for (int i = 0; i < n; i++) {
        if (strcmp(plan->join[i], "user") == 0 || strcmp(plan->join[i], "mnt") == 0)
            continue;
        int owner = ioctl(fds[i], NS_GET_USERNS);
        if (owner < 0)
            continue;
        ino_t ino = inode_of(owner);
        if (ino != inode_of(user) && ino != mine)
            return owner;
        close(owner);
    }
    return -1;
}

static int join(const struct plan *plan, int fd, const char *name, int step)
{
    if (setns(fd, 0) == 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", plan->target, name);
    send_error(step, "setns", path, errno, "");
    return -1;
}

static int index_of(const struct plan *plan, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(plan->join[i], name) == 0)
            return i;
    return -1;
}

/* user (or its outer owner) first, then ipc, uts, net, pid, cgroup, then the nested user
 * namespace if its owner went first, and mnt last. */
static int join_namespaces(const struct plan *plan, const int *fds, int n)
{
    int user = index_of(plan, n, "user"), mnt = index_of(plan, n, "mnt");
    int owner = owner_to_join_first(plan, fds, n);
    if (owner >= 0) {
        int r = join(plan, owner, "user", -1);
        close(owner);
        if (r < 0)
            return -1;
    } else if (user >= 0 && join(plan, fds[user], "user", user) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (i != user && i != mnt && join(plan, fds[i], plan->join[i], i) < 0)
            return -1;
    if (owner >= 0 && user >= 0 && join(plan, fds[user], "user", user) < 0)
        return -1;
    return mnt >= 0 ? join(plan, fds[mnt], "mnt", mnt) : 0;
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

/* Waits for the entered command, relaying its terminal when it has one; SIGTERM or SIGHUP
 * to this helper ends the command. Returns its wait status. */
static int wait_command(pid_t child, int master)
{
    static const int sigs[] = {SIGCHLD, SIGWINCH, SIGTERM, SIGHUP};
    sigset_t set;
    int sfd = make_signalfd(sigs, 4, &set), status = 0;
    struct relay r;
    struct pollfd pfd[3] = {{sfd, POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
    if (master >= 0)
        relay_start(&r, master);
    for (;;) {
        if (waitpid(child, &status, WNOHANG) == child)
            break;
        if (master >= 0)
            relay_fds(&r, pfd + 1);
        if (poll(pfd, 3, -1) < 0 && errno != EINTR)
            break;
        if (master >= 0)
            relay_pump(&r, pfd + 1);
        struct signalfd_siginfo si;
        if ((pfd[0].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGWINCH && master >= 0)
                relay_winch(&r);
            else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)
                kill(child, SIGKILL);
        }
    }
    if (master >= 0)
        relay_finish(&r);
    close(sfd);
    return status;
}

int run_enter(struct plan *plan)
{
    int fds[MAX_NS], n, barrier[2], errp[2], master = -1, slave = -1;
    signal(SIGPIPE, SIG_IGN);
    if (plan->argv == NULL) {
        send_error(-1, "plan", "argv", EINVAL, "no command");
        return 1;
    }
    if (open_namespaces(plan, fds, &n) < 0 || join_namespaces(plan, fds, n) < 0)
        return 1;
    fault_point(plan, "enter", "join");
    for (int i = 0; i < n; i++)
        close(fds[i]);
    /* after joining mnt: the container's own devpts */
    if (plan->tty && pty_open(&master, &slave) < 0)
        return send_error(-1, "pty", "/dev/ptmx", errno, "a terminal for the command"), 1;
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
        exec_main(plan, errp[1], slave);
    }
    if (slave >= 0)
        close(slave);
    else
        drop_stdin(); /* the command holds its stdin alone: a writer gets EPIPE once it ends */
    close(barrier[0]);
    close(errp[1]);
    send_simple("pid", child, getpid());
    struct record rec;
    int go = recv_record(CTL_FD, &rec) == 0 && rec.nfields > 0 && strcmp(rec.fields[0], "go") == 0;
    if (go)
        free_record(&rec);
    if (!go) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 1;
    }
    if (write(barrier[1], "g", 1) != 1) {
        /* the child died at the barrier: it is in the container's pid namespace from the fork,
         * so whatever runs inside can kill it there; that is the command's end, said as such */
        int st = 0;
        waitpid(child, &st, 0);
        send_simple("started", child, 0);
        int kind = WIFSIGNALED(st) ? 1 : 0, value = WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st);
        send_simple("exit", kind, value);
        return kind ? 128 + value : value;
    }
    close(barrier[1]);
    if (await_exec(plan, child, errp[0]) < 0) {
        send_simple("exit", 2, 0);
        return 127;
    }
    fault_point(plan, "enter", "started");
    send_simple("started", child, 0);
    int status = wait_command(child, master);
    if (master < 0)
        drop_output();
    int kind = WIFSIGNALED(status) ? 1 : 0, value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
    send_simple("exit", kind, value);
    return kind ? 128 + value : value;
}
