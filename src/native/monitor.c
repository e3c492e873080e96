/* The monitor: outside the namespaces, the parent of the container's init.
 *
 *   engine ──ctl──► monitor ──clone(ns flags)──► init (re-exec'd: "usnc-helper init")
 *
 * It clones the init, which at once executes this program again (so the init's memory
 * belongs to the container's outer user namespace: made non-dumpable after setup, it is then
 * out of reach of root in the nested one, yet still open to the caller). It reports the
 * init's pid, hands the init its settings, the setup operations and the engine's "go"
 * through the barrier, relays a detached container's output to its log, and reports how the
 * container ended, checked against the init's own exit status: the init is inside, so what
 * it says is never trusted or used as an index.
 */
#include "helper.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

static void write_status(const struct plan *plan, const struct end_report *end)
{
    static const char *names[] = {"exited", "signaled", "failed"};
    char *tmp = NULL, line[64];
    if (plan->status_path == NULL || asprintf(&tmp, "%s.tmp", plan->status_path) < 0)
        return;
    int n = snprintf(line, sizeof line, "%s %d\n", names[end->kind], end->value);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        write_full(fd, line, (size_t)n);
        close(fd);
        rename(tmp, plan->status_path);
    }
    free(tmp);
}


/* Collects the setup operations until the engine's "go", then hands the init its settings,
 * the operations and "go", each as a frame (u32 length, then the record). Returns 0, or -1
 * (an error record sent) when the engine went away, said "abort" or sent anything else. */
/* The squashfs operation of the plan, if the root is a SquashFS image, and the network one,
 * for -Network Private (kept for the monitor, which serves them). */
static struct record squashfs_op, network_op;

static void keep_op(const struct record *rec, struct record *kept)
{
    char *copy = malloc(rec->len + 1);
    if (copy == NULL || parse_record(memcpy(copy, rec->buf, rec->len), rec->len, kept) < 0)
        kept->nfields = 0;
}

static int release_on_go(const struct plan *plan, int barrier, int tree_sock)
{
    struct plan ops;
    int result = -1;
    init_plan(&ops);
    for (;;) {
        struct record rec;
        if (recv_record(CTL_FD, &rec) < 0) {
            send_error(-1, "plan", "", errno, errno == EMSGSIZE ? "plan record too large" : "the engine went away before \"go\"");
            break;
        }
        const char *verb = rec.nfields > 0 ? rec.fields[0] : "";
        if (strcmp(verb, "op") == 0 && rec.nfields >= 2) {
            if (strcmp(rec.fields[1], "squashfs") == 0 && rec.nfields == 6 && squashfs_op.nfields == 0)
                keep_op(&rec, &squashfs_op);
            if (strcmp(rec.fields[1], "network") == 0 && rec.nfields >= 4 && network_op.nfields == 0)
                keep_op(&rec, &network_op);
            add_op(&ops, &rec);
            continue;
        }
        if (strcmp(verb, "go") == 0) {
            /* idmapped trees first (the init takes them in op order), then the frames */
            if (make_idmapped_trees(ops.ops, ops.nops, &rec, tree_sock) == 0) {
                /* one write: the init reads them in chunks, not a wake-up per frame */
                struct frame_batch batch = {0};
                int ok = 0;
                for (int i = 0; i < plan->nsettings && ok == 0; i++)
                    ok = frame_append(&batch, plan->settings[i].buf, plan->settings[i].len);
                for (int i = 0; i < ops.nops && ok == 0; i++)
                    ok = frame_append(&batch, ops.ops[i].rec.buf, ops.ops[i].rec.len);
                if (ok == 0)
                    ok = frame_append(&batch, rec.buf, rec.len);
                if (ok == 0) {
                    write_full(barrier, batch.buf, batch.len);
                    result = 0;
                } else
                    send_error(-1, "plan", "", ENOMEM, "handing the init its plan");
                free(batch.buf);
            }
            free_record(&rec);
            break;
        }
        if (strcmp(verb, "abort") != 0)
            send_error(-1, "plan", verb, EINVAL, "unexpected record before \"go\"");
        free_record(&rec);
        break;
    }
    for (int i = 0; i < ops.nops; i++)
        free_record(&ops.ops[i].rec);
    free(ops.ops);
    return result;
}

/* How the container ended. The init's report is believed only when it agrees with the
 * init's exit status (which the kernel gives); otherwise that status is what counts. */
static struct end_report judge_end(int endpipe, int status)
{
    struct end_report said, end;
    ssize_t n = read(endpipe, &said, sizeof said);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int agrees = n == (ssize_t)sizeof said &&
                 ((said.kind == END_EXITED && said.value >= 0 && said.value <= 255 && code == said.value) ||
                  (said.kind == END_SIGNALED && said.value >= 1 && said.value <= 64 && code == 128 + said.value) ||
                  (said.kind == END_SETUP_FAILED && said.value >= 0 && said.value < 4096 && code == 125));
    if (agrees)
        return said;
    end.kind = WIFSIGNALED(status) ? END_SIGNALED : END_EXITED;
    end.value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
    return end;
}

/* The clone has every capability in its new user namespace, but an exec as a uid that is not
 * root there (no map is written yet) would drop them: carry them over as ambient
 * capabilities. The init clears them again before it runs anything else. */
static int keep_caps_across_exec(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return -1;
    d[0].inheritable = d[0].permitted;
    d[1].inheritable = d[1].permitted;
    if (syscall(SYS_capset, &h, d) < 0)
        return -1;
    /* capability numbers are dense: the first EINVAL is past this kernel's last one */
    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return errno == EINVAL && cap > 0 ? 0 : -1;
    return 0;
}

/* The clone's child: its fds to their fixed places, then this program again as the init. */
static void exec_init(const struct plan *plan, int barrier, int endpipe, int trees, const int logw[2], const sigset_t *set)
{
    sigprocmask(SIG_UNBLOCK, set, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    if (plan->detached || plan->tty) {
        /* the init never holds the caller's terminal: the command gets a pty of its own */
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(devnull, 0);
        dup2(plan->detached ? logw[0] : devnull, 1);
        dup2(plan->detached ? logw[1] : devnull, 2);
    }
    /* out of the way first, so that no fixed place is one of the sources */
    barrier = fcntl(barrier, F_DUPFD_CLOEXEC, 10);
    endpipe = fcntl(endpipe, F_DUPFD_CLOEXEC, 10);
    trees = fcntl(trees, F_DUPFD_CLOEXEC, 10);
    /* dup2 leaves the copies without CLOEXEC: they survive the exec */
    if (barrier < 0 || endpipe < 0 || trees < 0 || dup2(barrier, INIT_BARRIER_FD) < 0 ||
        dup2(endpipe, INIT_END_FD) < 0 || dup2(trees, INIT_TREE_FD) < 0) {
        send_error(-1, "exec-init", "", errno, "placing the init's fds");
        _exit(125);
    }
    char *argv[] = {"usnc-helper", "init", (char *)helper_owner, NULL}, *envp[] = {NULL};
    if (keep_caps_across_exec() < 0) {
        send_error(-1, "exec-init", "capabilities", errno, "");
        _exit(125);
    }
    execve("/proc/self/exe", argv, envp);
    send_error(-1, "exec-init", "/proc/self/exe", errno, "");
    _exit(125);
}

struct init_start {
    const struct plan *plan;
    int barrier, endpipe, trees, logw[2];
    const sigset_t *set;
};

static int init_child(void *arg)
{
    const struct init_start *s = arg;
    exec_init(s->plan, s->barrier, s->endpipe, s->trees, s->logw, s->set); /* never returns */
    return 125;
}

/* The engine's "maps" setting: the init's maps, written as soon as it exists (the engine
 * sends "go" with the plan, so the common start needs no round trip). -1: error sent. */
static int write_maps(const struct plan *plan, pid_t init)
{
    const char *file = "";
    if (write_id_maps(init, plan->uid_map, plan->gid_map, plan->deny_setgroups, &file) < 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", init, file);
        send_error(-1, "maps", path, errno, "");
        return -1;
    }
    return 0;
}

/* The engine went away before the container was on its own: its files go with the container. */
static void remove_orphan_files(const struct plan *plan)
{
    for (char **f = plan->orphan_files; f && *f; f++)
        if (**f == '/')
            unlink(*f);
}

int run_monitor(struct plan *plan)
{
    int barrier[2], endp[2], logp[2] = {-1, -1}, errp[2] = {-1, -1}, trees[2];
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    if (!(plan->clone_flags & CLONE_NEWUSER) || (plan->clone_flags & ~(unsigned long)NS_FLAGS))
        return send_error(-1, "plan", "clone", EINVAL, "namespace flags must include CLONE_NEWUSER and nothing but namespaces"), 1;
    if (pipe2(barrier, O_CLOEXEC) < 0 || pipe2(endp, O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, trees) < 0)
        return send_error(-1, "pipe", "", errno, ""), 1;
    if (plan->detached) {
        if (pipe2(logp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
            return send_error(-1, "pipe", "", errno, ""), 1;
        pid_t pid = fork(); /* the engine reaps the first half; the second lives on */
        if (pid < 0)
            return send_error(-1, "fork", "", errno, ""), 1;
        if (pid > 0)
            _exit(0);
    }
    sigset_t set;
    static const int sigs[] = {SIGCHLD, SIGWINCH, SIGTERM, SIGHUP};
    int sfd = make_signalfd(sigs, plan->tty ? 4 : 1, &set);
    /* the clone takes the monitor's dumpable flag: its /proc files (uid_map, gid_map) must be
     * the caller's for the maps to be written; the monitor turns non-dumpable again below */
    prctl(PR_SET_DUMPABLE, 1);
    /* the child shares this memory until its exec (spawn.c); the monitor waits meanwhile */
    struct init_start start = {plan, barrier[0], endp[1], trees[1], {logp[1], errp[1]}, &set};
    pid_t init = clone_sharing_memory(init_child, &start, (int)plan->clone_flags | CLONE_VFORK);
    if (init < 0) {
        send_error(-1, "clone", "", errno, "");
        return 1;
    }
    if (!plan->detached && !plan->tty) {
        drop_stdin(); /* the command's stdin is the init's: the monitor holding it would keep a writer blocked after the command ended */
        drop_output(); /* and its output: a reader sees EOF when the command's side closes, not when the monitor exits */
    }
    fault_point(plan, "monitor", "clone");
    /* the clone took its copy dumpable (the engine still writes its maps); the monitor holds
     * the engine's socket and runs as the caller: nothing of the same uid inside (sharing the
     * host's pid namespace) may ptrace it */
    prctl(PR_SET_DUMPABLE, 0);
    /* the outer namespaces, while the init still is in them (it waits for the barrier) */
    struct outer_link link = {.listen = -1, .userns = -1, .mntns = -1, .pidfd = -1};
    if (plan->serve_link &&
        (link_open(&link, init, (plan->clone_flags & CLONE_NEWNS) != 0) < 0 || link_listen(&link, plan->link_path) < 0)) {
        send_error(-1, "link", plan->link_path, errno, "the monitor's socket in the state directory");
        link_close(&link, plan->link_path);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }
    close(barrier[0]);
    close(endp[1]);
    close(trees[1]);
    if (logp[1] >= 0)
        close(logp[1]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (plan->uid_map != NULL && write_maps(plan, init) < 0) {
        link_close(&link, plan->link_path);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }
    send_simple("pid", init, getpid());
    fault_point(plan, "monitor", "pid");
    int released = release_on_go(plan, barrier[1], trees[0]);
    if (released == 0)
        fault_point(plan, "monitor", "go");
    /* a SquashFS root: the init mounts it and sends the FUSE connection; serve it at once */
    pid_t squashfuse = released == 0 && squashfs_op.nfields == 6 ? serve_squashfs(&squashfs_op, trees[0]) : -1;
    /* -Network Private: after the lock step the init asks for pasta on its new namespace */
    pid_t pasta = released == 0 && network_op.nfields >= 4 ? serve_network(&network_op, trees[0], init) : -1;
    struct relay relay = {.master = -1};
    int master = released == 0 && plan->tty ? recv_fd(trees[0]) : -1; /* -1: the init ended first */
    if (master >= 0)
        relay_start(&relay, master);
    close(trees[0]);
    if (released < 0) {
        link_close(&link, plan->link_path);
        remove_orphan_files(plan);
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        return 1;
    }
    if (squashfs_op.nfields == 6 && squashfuse < 0)
        kill(init, SIGKILL); /* nothing serves its root: it ends with the setup error it meets */
    close(barrier[1]);

    struct log_relay log = {.in = {logp[0], errp[0]}, .out = -1, .path = plan->log_path, .max = plan->log_max};
    if (plan->detached && plan->log_path)
        log_open(&log);
    struct pollfd pfd[7] = {{sfd, POLLIN, 0}, {plan->detached ? -1 : CTL_FD, POLLIN, 0}, {logp[0], POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}, {link.listen, POLLIN, 0}, {errp[0], POLLIN, 0}};
    int status = 0, engine_gone = 0;
    for (;;) {
        if (master >= 0)
            relay_fds(&relay, pfd + 3);
        if (poll(pfd, 7, -1) < 0 && errno != EINTR)
            break;
        fault_point(plan, "monitor", "running");
        if (pfd[5].revents & POLLIN)
            link_serve(&link, plan->link_id);
        if (master >= 0)
            relay_pump(&relay, pfd + 3);
        if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
            if (!log_pump(&log, 0))
                pfd[2].fd = -1;
        if (pfd[6].revents & (POLLIN | POLLHUP | POLLERR))
            if (!log_pump(&log, 1))
                pfd[6].fd = -1;
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char b[64];
            if (recv(CTL_FD, b, sizeof b, MSG_DONTWAIT) <= 0) {
                kill(init, SIGKILL); /* the engine is gone: the container dies with it */
                pfd[1].fd = -1;
                engine_gone = 1;
            }
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si)
                continue;
            if (si.ssi_signo == SIGWINCH && master >= 0)
                relay_winch(&relay);
            else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)
                kill(init, SIGKILL); /* ended from outside: the container goes, the terminal is restored */
            else if (waitpid(init, &status, WNOHANG) == init)
                break;
        }
    }
    if (master >= 0)
        relay_finish(&relay);
    log_drain(&log); /* every line in the log before the status says Exited */
    if (squashfuse > 0) {
        kill(squashfuse, SIGKILL); /* the container's mounts are gone with it */
        waitpid(squashfuse, NULL, 0);
    }
    if (pasta > 0) {
        kill(pasta, SIGKILL); /* its namespace is gone: nothing is left to serve */
        waitpid(pasta, NULL, 0);
    }
    struct end_report end = judge_end(endp[0], status);
    if (engine_gone) {
        link_close(&link, plan->link_path);
        remove_orphan_files(plan); /* nobody is left to read the status */
        return 125;
    }
    write_status(plan, &end);
    send_simple("exit", end.kind, end.value);
    /* the container is gone: nothing more to bind into. After the exit record, so that the
     * engine deletes the container's files while the outer namespaces are freed here (their
     * mounts go at the last close, and an unmount waits for an RCU grace period); the engine
     * still reaps this process before it returns. */
    link_close(&link, plan->link_path);
    return end.kind == END_EXITED ? end.value : end.kind == END_SIGNALED ? 128 + end.value : 125;
}
