/* The monitor (outside the namespaces) and the container's init (PID 1 inside).
 *
 *   engine ──ctl──► monitor ──clone(ns flags)──► init ──fork──► main process (exec)
 *
 * The monitor reports the init's pid, waits for "go" (the engine has written the id
 * maps), releases the init through the barrier pipe, relays the main process's output
 * to the log when detached, and reports the exit status. The init becomes root inside,
 * runs the setup operations, forks the main process, forwards signals and reaps.
 */
#include "helper.h"

#include <fcntl.h>
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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* What the init tells the monitor when it ends: how the main process ended. */
enum end_kind { END_EXITED = 0, END_SIGNALED = 1, END_SETUP_FAILED = 2 };
struct end_report {
    int kind;
    int value;
};

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void noop_handler(int sig)
{
    (void)sig;
}

static int make_signalfd(const int *sigs, size_t n, sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < n; i++)
        sigaddset(set, sigs[i]);
    sigprocmask(SIG_BLOCK, set, NULL);
    return signalfd(-1, set, SFD_CLOEXEC);
}

static void write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* ---- the main process ------------------------------------------------------------ */

void exec_main(const struct plan *plan, int errpipe)
{
    sigset_t none;
    sigemptyset(&none);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        signal(forwarded[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    const char *step = "setgid";
    if (plan->gid >= 0 && (setgroups(0, NULL) < 0 && errno != EPERM))
        goto fail;
    if (plan->gid >= 0 && setresgid((gid_t)plan->gid, (gid_t)plan->gid, (gid_t)plan->gid) < 0)
        goto fail;
    step = "setuid";
    if (plan->uid >= 0 && setresuid((uid_t)plan->uid, (uid_t)plan->uid, (uid_t)plan->uid) < 0)
        goto fail;
    step = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        goto fail;
    step = "chdir";
    if (plan->cwd && chdir(plan->cwd) < 0)
        goto fail;
    if (errpipe > 3)
        sys_close_range(3, (unsigned)errpipe - 1, 0);
    sys_close_range((unsigned)errpipe + 1, ~0U, 0);
    environ = plan->envp;
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

/* Forks the main process; returns its pid once it has exec'd, or -1 with the error
 * already reported. */
static pid_t start_main(const struct plan *plan)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        if (!(plan->clone_flags & CLONE_NEWPID))
            prctl(PR_SET_PDEATHSIG, SIGKILL);
        exec_main(plan, p[1]);
    }
    close(p[1]);
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

static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* What comes through the barrier: frames (u32 length, then a record), first the setup
 * operations, last the engine's "go" with the nested namespace's maps and the ids to take
 * in the outer one. Returns 0, or -1 when the monitor went away. */
static int read_release(struct plan *plan, int barrier)
{
    for (;;) {
        uint32_t len;
        if (read_full(barrier, &len, sizeof len) < 0 || len == 0 || len > MAX_MSG)
            return -1;
        char *buf = malloc((size_t)len + 1);
        struct record rec;
        if (buf == NULL || read_full(barrier, buf, len) < 0 || parse_record(buf, len, &rec) < 0)
            return -1;
        buf[len] = '\0';
        if (rec.nfields > 0 && strcmp(rec.fields[0], "go") == 0) {
            plan->inner_uid_map = rec.nfields > 1 ? rec.fields[1] : NULL;
            plan->inner_gid_map = rec.nfields > 2 ? rec.fields[2] : NULL;
            plan->outer_uid = parse_long(rec.nfields > 3 ? rec.fields[3] : NULL, -1);
            plan->outer_gid = parse_long(rec.nfields > 4 ? rec.fields[4] : NULL, -1);
            return 0;
        }
        if (rec.nfields > 1 && strcmp(rec.fields[0], "op") == 0)
            add_op(plan, &rec);
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

/* The container's init. Never returns. */
static void run_init(struct plan *plan, int barrier, int endpipe)
{
    struct end_report end = {END_SETUP_FAILED, 0};
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (read_release(plan, barrier) < 0)
        _exit(125);
    close(barrier);
    become_root(plan);
    if (!(plan->clone_flags & CLONE_NEWPID))
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    if ((plan->clone_flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        end.value = errno;
        send_error(-1, "make-private", "/", errno, "");
        goto out;
    }
    if (run_ops(plan) < 0) {
        end.value = errno;
        goto out;
    }
    sigset_t set;
    int sigs[sizeof forwarded / sizeof forwarded[0] + 1];
    memcpy(sigs, forwarded, sizeof forwarded);
    sigs[sizeof forwarded / sizeof forwarded[0]] = SIGCHLD;
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        signal(forwarded[i], noop_handler);
    int sfd = make_signalfd(sigs, sizeof sigs / sizeof sigs[0], &set);
    pid_t main_pid = 0;
    if (plan->argv != NULL && (main_pid = start_main(plan)) < 0) {
        end.value = errno;
        goto out;
    }
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

/* ---- the monitor ------------------------------------------------------------------- */

struct log_relay {
    int in;
    int out;
    const char *path;
    long max;
    long written;
};

static void log_open(struct log_relay *l)
{
    l->out = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct stat st;
    l->written = l->out >= 0 && fstat(l->out, &st) == 0 ? st.st_size : 0;
}

/* Copies what the container wrote; past the limit the log moves to LOG.1 (one kept). */
static int log_pump(struct log_relay *l)
{
    char buf[65536];
    ssize_t n = read(l->in, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 1 : 0;
    if (l->out >= 0 && l->written + n > l->max) {
        char old[4096];
        snprintf(old, sizeof old, "%s.1", l->path);
        close(l->out);
        rename(l->path, old);
        log_open(l);
    }
    if (l->out >= 0) {
        write_full(l->out, buf, (size_t)n);
        l->written += n;
    }
    return 1;
}

static void write_status(const struct plan *plan, const struct end_report *end)
{
    if (plan->status_path == NULL)
        return;
    char tmp[4096], line[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", plan->status_path);
    static const char *names[] = {"exited", "signaled", "failed"};
    int n = snprintf(line, sizeof line, "%s %d\n", names[end->kind], end->value);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    write_full(fd, line, (size_t)n);
    close(fd);
    rename(tmp, plan->status_path);
}

/* Passes the setup operations and then "go" on to the init, each as a frame (u32 length,
 * then the record). Returns 0, or -1 when the engine went away or said "abort". */
static void write_frame(int barrier, const struct record *rec)
{
    uint32_t len = 0;
    for (int i = 0; i < rec->nfields; i++)
        len += (uint32_t)strlen(rec->fields[i]) + 1;
    write_full(barrier, &len, sizeof len);
    write_full(barrier, rec->buf, len);
}

static int release_on_go(struct plan *plan, int barrier, int tree_sock)
{
    struct record ops[512];
    int nops = 0, result = -1;
    for (;;) {
        struct record rec;
        if (recv_record(CTL_FD, &rec) < 0)
            break;
        const char *verb = rec.nfields > 0 ? rec.fields[0] : "";
        if (strcmp(verb, "op") == 0 && nops < 512) {
            ops[nops++] = rec;
            continue;
        }
        if (strcmp(verb, "go") == 0) {
            /* idmapped trees first (the init takes them in op order), then the frames */
            if (make_idmapped_trees(plan, ops, nops, &rec, tree_sock) == 0) {
                for (int i = 0; i < nops; i++)
                    write_frame(barrier, &ops[i]);
                write_frame(barrier, &rec);
                result = 0;
            }
            free_record(&rec);
            break;
        }
        int abort_ = strcmp(verb, "abort") == 0;
        free_record(&rec);
        if (abort_)
            break;
    }
    for (int i = 0; i < nops; i++)
        free_record(&ops[i]);
    return result;
}

static pid_t clone_init(unsigned long flags)
{
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int run_monitor(struct plan *plan)
{
    int barrier[2], endp[2], logp[2] = {-1, -1}, trees[2];
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    if (pipe2(barrier, O_CLOEXEC) < 0 || pipe2(endp, O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, trees) < 0)
        return send_error(-1, "pipe", "", errno, ""), 1;
    if (plan->detached) {
        if (pipe2(logp, O_CLOEXEC) < 0)
            return send_error(-1, "pipe", "", errno, ""), 1;
        pid_t pid = fork(); /* the engine reaps the first half; the second lives on */
        if (pid < 0)
            return send_error(-1, "fork", "", errno, ""), 1;
        if (pid > 0)
            _exit(0);
    }
    sigset_t set;
    int chld[] = {SIGCHLD};
    int sfd = make_signalfd(chld, 1, &set);
    pid_t init = clone_init(plan->clone_flags);
    if (init < 0) {
        send_error(-1, "clone", "", errno, "");
        return 1;
    }
    if (init == 0) {
        close(barrier[1]);
        close(endp[0]);
        close(trees[0]);
        plan->tree_sock = trees[1];
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        if (plan->detached) {
            int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
            dup2(devnull, 0);
            dup2(logp[1], 1);
            dup2(logp[1], 2);
        }
        run_init(plan, barrier[0], endp[1]);
    }
    close(barrier[0]);
    close(endp[1]);
    close(trees[1]);
    if (logp[1] >= 0)
        close(logp[1]);
    send_simple("pid", init, getpid());
    int released = release_on_go(plan, barrier[1], trees[0]);
    close(trees[0]);
    if (released < 0) {
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }
    close(barrier[1]);

    struct log_relay log = {.in = logp[0], .out = -1, .path = plan->log_path, .max = plan->log_max};
    if (plan->detached && plan->log_path)
        log_open(&log);
    struct pollfd pfd[3] = {{sfd, POLLIN, 0}, {plan->detached ? -1 : CTL_FD, POLLIN, 0}, {logp[0], POLLIN, 0}};
    int status = 0;
    for (;;) {
        if (poll(pfd, 3, -1) < 0 && errno != EINTR)
            break;
        if (pfd[2].revents & (POLLIN | POLLHUP))
            if (!log_pump(&log))
                pfd[2].fd = -1;
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char b[64];
            if (recv(CTL_FD, b, sizeof b, MSG_DONTWAIT) <= 0) {
                kill(init, SIGKILL); /* the engine is gone: the container dies with it */
                pfd[1].fd = -1;
            }
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) > 0 && waitpid(init, &status, WNOHANG) == init)
                break;
        }
    }
    while (pfd[2].fd >= 0 && log_pump(&log))
        ;
    struct end_report end;
    if (read(endp[0], &end, sizeof end) != sizeof end) {
        end.kind = WIFSIGNALED(status) ? END_SIGNALED : END_EXITED;
        end.value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
    }
    write_status(plan, &end);
    send_simple("exit", end.kind, end.value);
    return end.kind == END_EXITED ? end.value : end.kind == END_SIGNALED ? 128 + end.value : 125;
}
