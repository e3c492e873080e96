/* The container's init (PID 1 inside) and the start of the main process.
 *
 *   monitor ──clone(ns flags), exec──► init ──clone(vm, vfork)──► main process (exec)
 *
 * The init reads its settings, the setup operations and "go" from the barrier (the monitor
 * sends them once the engine has written the id maps), becomes root inside, runs the
 * operations, makes itself non-dumpable (nothing inside may open /proc/1/fd, ptrace it or
 * pidfd_getfd its fds), forks the main process, forwards signals and reaps. Its fds after
 * setup: stdio, the signalfd and the end pipe; nothing else.
 */
#include "helper.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void noop_handler(int sig)
{
    (void)sig;
}

/* ---- the main process ------------------------------------------------------------ */

/* Every signal back to its default disposition and none blocked, through the raw system
 * call: libc's sigaction refuses the signals it keeps for itself (32 and 33 in glibc, which
 * its posix_spawn leaves ignored), and an ignored disposition survives exec. */
static void default_signals(void)
{
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long long mask;
    } dfl = {0};
    unsigned long long none = 0;
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
}

/* The limits the engine gives (the caller's own, and -Limit): -1 with errno on refusal. */
static int set_limits(const struct plan *plan)
{
    for (int i = 0; i < plan->nrlimits; i++) {
        struct rlimit rl = {(rlim_t)plan->rlimits[i].soft, (rlim_t)plan->rlimits[i].hard};
        if (setrlimit(plan->rlimits[i].resource, &rl) < 0)
            return -1;
    }
    return 0;
}

/* The main (or an entered) process, after fork: its own session (with SLAVE, when not -1,
 * as its controlling terminal and stdio), ids, no_new_privs, cwd, seccomp, then exec. */
void exec_main(const struct plan *plan, int errpipe, int slave)
{
    default_signals();
    const char *step = "setsid";
    if (pty_attach(slave) < 0)
        goto fail;
    step = "setgid";
    if (plan->gid >= 0 && (setgroups(0, NULL) < 0 && errno != EPERM))
        goto fail;
    if (plan->gid >= 0 && setresgid((gid_t)plan->gid, (gid_t)plan->gid, (gid_t)plan->gid) < 0)
        goto fail;
    step = "setuid";
    if (plan->uid >= 0 && setresuid((uid_t)plan->uid, (uid_t)plan->uid, (uid_t)plan->uid) < 0)
        goto fail;
    step = "rlimit";
    if (set_limits(plan) < 0)
        goto fail;
    step = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        goto fail;
    step = "chdir";
    if (plan->cwd && chdir(plan->cwd) < 0)
        goto fail;
    if (apply_seccomp(plan, &step) < 0)
        goto fail;
    if (errpipe > 3)
        sys_close_range(3, (unsigned)errpipe - 1, 0);
    sys_close_range((unsigned)errpipe + 1, ~0U, 0);
    environ = plan->envp;
    fault_point(plan, "main", "exec");
    step = "exec";
    execvp(plan->argv[0], plan->argv);
fail:
    report_child_failure(errpipe, errno, step);
}

/* errno, then the step name, down the CLOEXEC pipe: the parent turns it into an error record. */
void report_child_failure(int errpipe, int err, const char *step)
{
    write_full(errpipe, &err, sizeof err);
    write_full(errpipe, step, strlen(step));
    _exit(127);
}

/* Waits until the child behind errpipe has exec'd (EOF) or reported why it could not;
 * returns 0, or -1 with the error already sent and the child reaped. */
int await_exec(const struct plan *plan, pid_t pid, int errpipe)
{
    char buf[256];
    ssize_t n, got = 0;
    while ((n = read(errpipe, buf + got, sizeof buf - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            got += n;
    close(errpipe);
    if (got < (ssize_t)sizeof(int))
        return 0;
    int err;
    memcpy(&err, buf, sizeof err);
    buf[got] = '\0';
    const char *step = buf + sizeof(int);
    send_error(-1, step, strcmp(step, "chdir") == 0 ? plan->cwd : plan->argv[0], err, "");
    waitpid(pid, NULL, 0);
    errno = err;
    return -1;
}

struct main_start {
    const struct plan *plan;
    int errpipe, slave;
};

static int main_child(void *arg)
{
    const struct main_start *s = arg;
    if (!(s->plan->clone_flags & CLONE_NEWPID))
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    exec_main(s->plan, s->errpipe, s->slave); /* execs, or reports why and exits */
    return 127;
}

/* Starts the main process; returns its pid once it has exec'd, or -1 with the error
 * already reported. The child shares the init's memory until its exec (spawn.c) and the
 * init waits meanwhile. */
static pid_t start_main(const struct plan *plan, int slave)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    struct main_start s = {plan, p[1], slave};
    pid_t pid = clone_sharing_memory(main_child, &s, CLONE_VFORK);
    int err = errno;
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        errno = err;
        return -1;
    }
    return await_exec(plan, pid, p[0]) < 0 ? -1 : pid;
}

/* Reaps every child; returns 1 when the main process has ended (status in *st). */
static int reap(pid_t main_pid, int *st)
{
    int status, ended = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        if (pid == main_pid) {
            *st = status;
            ended = 1;
        }
    return ended;
}

static void forward(pid_t main_pid, const struct signalfd_siginfo *si)
{
    /* A signal from the terminal reached the main process already (same process group). */
    if (si->ssi_code == SI_KERNEL)
        return;
    if (main_pid > 0)
        kill(main_pid, (int)si->ssi_signo);
}

/* What comes through the barrier: frames (u32 length, then a record): the settings, the
 * setup operations, last the engine's "go" with the nested namespace's maps and the ids to
 * take in the outer one. Returns 0, or -1 when the monitor went away or a record is bad
 * (an error record sent). */
static int read_release(struct plan *plan, int barrier)
{
    static struct frame_reader reader;
    reader.fd = barrier;
    for (;;) {
        size_t len;
        char *buf = frame_next(&reader, &len);
        struct record rec;
        if (buf == NULL || parse_record(buf, len, &rec) < 0)
            return -1;
        timing_mark("barrier"); /* the first frame starts the clock */
        if (strcmp(rec.fields[0], "go") == 0) {
            long v[2] = {-1, -1};
            for (int i = 3; i < rec.nfields && i < 5; i++)
                if (parse_number(rec.fields[i], 0, 4294967294L, &v[i - 3]) < 0) {
                    send_error(-1, "plan", "go", EINVAL, "malformed \"go\" record");
                    return -1;
                }
            plan->inner_uid_map = rec.nfields > 1 ? rec.fields[1] : NULL;
            plan->inner_gid_map = rec.nfields > 2 ? rec.fields[2] : NULL;
            plan->outer_uid = v[0];
            plan->outer_gid = v[1];
            return 0;
        }
        if (rec.nfields > 1 && strcmp(rec.fields[0], "op") == 0)
            add_op(plan, &rec);
        else if (take_setting(plan, &rec) < 0)
            return -1;
    }
}

static void become_root(const struct plan *plan)
{
    uid_t uid = plan->outer_uid >= 0 ? (uid_t)plan->outer_uid : 0;
    gid_t gid = plan->outer_gid >= 0 ? (gid_t)plan->outer_gid : 0;
    /* Each may fail harmlessly: setgroups is denied for a self map (nothing to drop),
     * and id 0 may be unmapped (the init keeps its capabilities in the namespace). */
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return;
    if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        return;
    /* changing credentials made us non-dumpable, which hands /proc/self to the host's root:
     * the nested namespace's map writer (op lock, same ids) must still open it */
    prctl(PR_SET_DUMPABLE, 1);
}

/* The capabilities the monitor carried over the exec stay effective and permitted; nothing
 * started from here inherits them as ambient or inheritable ones. */
static void drop_inherited_caps(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (syscall(SYS_capget, &h, d) == 0) {
        d[0].inheritable = d[1].inheritable = 0;
        syscall(SYS_capset, &h, d);
    }
}

/* The container's init ("usnc-helper init", executed by the monitor's clone). Never returns. */
void run_init(void)
{
    static struct plan storage;
    struct plan *plan = &storage;
    struct end_report end = {END_SETUP_FAILED, 0};
    int endpipe = INIT_END_FD;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "usnc-helper"); /* executed as /proc/self/exe */
    drop_inherited_caps();
    init_plan(plan);
    plan->tree_sock = INIT_TREE_FD;
    fcntl(INIT_BARRIER_FD, F_SETFD, FD_CLOEXEC);
    fcntl(INIT_END_FD, F_SETFD, FD_CLOEXEC);
    fcntl(INIT_TREE_FD, F_SETFD, FD_CLOEXEC);
    if (read_release(plan, INIT_BARRIER_FD) < 0)
        _exit(125);
    close(INIT_BARRIER_FD);
    if (plan->envp == NULL)
        plan->envp = calloc(1, sizeof(char *));
    fault_point(plan, "init", "barrier");
    become_root(plan);
    timing_mark("root");
    if (!(plan->clone_flags & CLONE_NEWPID))
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    if ((plan->clone_flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        end.value = errno;
        send_error(-1, "make-private", "/", errno, "");
        goto out;
    }
    fault_point(plan, "init", "setup");
    if (run_ops(plan) < 0) {
        end.value = errno;
        goto out;
    }
    /* a change of credentials (become_root, for a map whose root is not the caller) clears the
     * parent-death signal: arm it again, then make sure the monitor did not end meanwhile (the
     * end pipe's only reader is the monitor) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct pollfd monitor = {INIT_END_FD, POLLOUT, 0};
    if (poll(&monitor, 1, 0) == 1 && (monitor.revents & POLLERR))
        _exit(125);
    /* from here processes of the container exist: nothing in them may reach this one */
    prctl(PR_SET_DUMPABLE, 0);
    sigset_t set;
    int sigs[sizeof forwarded / sizeof forwarded[0] + 1];
    memcpy(sigs, forwarded, sizeof forwarded);
    sigs[sizeof forwarded / sizeof forwarded[0]] = SIGCHLD;
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        signal(forwarded[i], noop_handler);
    int sfd = make_signalfd(sigs, sizeof sigs / sizeof sigs[0], &set);
    pid_t main_pid = 0;
    int master = -1, slave = -1;
    if (plan->tty && plan->argv != NULL && pty_open(&master, &slave) < 0) {
        end.value = errno;
        send_error(-1, "pty", "/dev/ptmx", errno, "a terminal for the container");
        goto out;
    }
    if (plan->argv != NULL && (main_pid = start_main(plan, slave)) < 0) {
        end.value = errno;
        goto out;
    }
    timing_mark("main");
    fault_point(plan, "init", "main");
    if (master >= 0) {
        /* the relay is the monitor's, outside: nothing of the pty stays here */
        send_fd(plan->tree_sock, master);
        close(master);
        close(slave);
    }
    close(plan->tree_sock);
    if (plan->timings)
        timing_send();
    send_simple("started", main_pid, 0);
    close(CTL_FD);
    int status = 0;
    for (;;) {
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si)
            continue;
        if (si.ssi_signo == SIGCHLD) {
            if (reap(main_pid, &status) && main_pid > 0)
                break;
        } else if (main_pid == 0 && (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)) {
            break; /* an idle init ends on request */
        } else
            forward(main_pid, &si);
    }
    if (WIFSIGNALED(status)) {
        end.kind = END_SIGNALED;
        end.value = WTERMSIG(status);
    } else {
        end.kind = END_EXITED;
        end.value = WEXITSTATUS(status);
    }
out:
    write_full(endpipe, &end, sizeof end);
    _exit(end.kind == END_EXITED ? end.value : end.kind == END_SIGNALED ? 128 + end.value : 125);
}

