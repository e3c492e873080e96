/* -Network Private: pasta joins the container's network namespace to the outside.
 *
 * The net namespace is made at the lock step, owned by the nested user namespace. After it,
 * the init asks the monitor (a byte on the tree socket) and waits for the answer. The monitor,
 * outside, as the caller, starts pasta on the init's namespaces in the foreground, as its own
 * child with a parent-death signal, and reads the pid pasta writes once the interface, the
 * addresses and the routes are in place. It answers 0, or an errno and pasta's own words
 * (the last line of its log). It kills pasta when the container ends.
 *
 * What pasta is given (ports, the gateway mapping, its log, the user it runs as) is the
 * engine's: the record is "op network PASTA LOG ARG...", and the helper adds only what its
 * own mechanism needs: -f, -P /dev/fd/N and the init's pid. */
#include "helper.h"
#include "ops.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long pasta may take to configure the namespace (it takes 20 to 60 ms). */
#define PASTA_READY_MS 10000

struct net_answer {
    int err;
    char detail[240];
};

/* network PASTA LOG ARG... (init side): wait until the monitor's pasta has configured the
 * namespace this process is now in. */
int op_network(struct op_ctx *c)
{
    static struct net_answer answer;
    c->path = arg(c->op, 0);
    c->detail = "asking the monitor to start it";
    if (send(c->plan->tree_sock, "n", 1, MSG_NOSIGNAL) != 1)
        return -1;
    ssize_t n = recv(c->plan->tree_sock, &answer, sizeof answer, 0);
    if (n != (ssize_t)sizeof answer) {
        if (n >= 0)
            errno = EPROTO;
        return -1;
    }
    answer.detail[sizeof answer.detail - 1] = '\0';
    c->detail = answer.detail;
    errno = answer.err;
    return answer.err == 0 ? 0 : -1;
}

/* The last line of pasta's log that says what went wrong (an ERROR line, else the last). */
static void log_reason(const char *log, char *out, size_t n)
{
    char buf[8192];
    int fd = open(log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t got = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[got > 0 ? got : 0] = '\0';
    char *best = NULL, *last = NULL;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "ERROR") || strstr(line, "rror") || strstr(line, "ouldn't"))
            best = line;
        last = line;
    }
    const char *pick = best ? best : last;
    /* drop pasta's "0.0123: ERROR:  " prefix */
    if (pick) {
        const char *colon = strstr(pick, ": ");
        if (colon && colon - pick < 16 && strspn(pick, "0123456789.") == (size_t)(colon - pick)) {
            pick = colon + 2;
            if (strncmp(pick, "ERROR:", 6) == 0)
                pick += 6;
            while (*pick == ' ')
                pick++;
        }
    }
    snprintf(out, n, "%s", pick && *pick ? pick : "pasta ended without a word in its log");
}

static void exec_pasta(const struct record *op, pid_t target, int ready)
{
    sigset_t none;
    char pidfile[32], pid[24];
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char *tool = op->fields[2], *log = op->fields[3];
    int devnull = open("/dev/null", O_RDWR);
    (void)log; /* pasta writes it (-l): what it says on stderr as well would be there twice */
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    int w = fcntl(ready, F_DUPFD, 3); /* without CLOEXEC: pasta writes its pid there */
    sys_close_range(3, (unsigned)w - 1, 0);
    sys_close_range((unsigned)w + 1, ~0U, 0);
    snprintf(pidfile, sizeof pidfile, "/dev/fd/%d", w);
    snprintf(pid, sizeof pid, "%d", (int)target);
    int nargs = op->nfields - 4;
    char **argv = calloc((size_t)nargs + 6, sizeof(char *));
    if (argv == NULL)
        _exit(127);
    int k = 0;
    argv[k++] = (char *)tool;
    for (int i = 0; i < nargs; i++)
        argv[k++] = op->fields[4 + i];
    argv[k++] = "-f";
    argv[k++] = "-P";
    argv[k++] = pidfile;
    argv[k++] = pid;
    argv[k] = NULL;
    char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    execve(tool, argv, envp);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        dprintf(fd, "ERROR: cannot execute %s: %s\n", tool, strerror(errno));
    _exit(127);
}

struct pasta_start {
    const struct record *op;
    pid_t target;
    int ready;
};

static int pasta_child(void *arg)
{
    const struct pasta_start *s = arg;
    exec_pasta(s->op, s->target, s->ready); /* never returns */
    return 127;
}

static void answer(int sock, int err, const char *detail)
{
    struct net_answer a = {.err = err};
    snprintf(a.detail, sizeof a.detail, "%s", detail);
    send(sock, &a, sizeof a, MSG_NOSIGNAL);
}

/* The monitor's side: waits for the init's request (or its end), starts pasta and answers.
 * Returns pasta's pid, or -1 (the init was told why, or ended first). */
pid_t serve_network(const struct record *op, int tree_sock, pid_t init)
{
    int initfd = (int)syscall(SYS_pidfd_open, init, 0);
    struct pollfd wait_init[2] = {{tree_sock, POLLIN, 0}, {initfd, POLLIN, 0}};
    while (poll(wait_init, initfd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
        ;
    if (initfd >= 0)
        close(initfd);
    char byte;
    if (!(wait_init[0].revents & POLLIN) || recv(tree_sock, &byte, 1, MSG_DONTWAIT) != 1 || byte != 'n')
        return -1; /* the init ended before it got there, and said why */
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        answer(tree_sock, errno, "a pipe for pasta");
        return -1;
    }
    /* the child shares this memory until its exec (spawn.c); the monitor waits meanwhile */
    struct pasta_start start = {op, init, ready[1]};
    pid_t pid = clone_sharing_memory(pasta_child, &start, CLONE_VFORK);
    if (pid < 0) {
        int err = errno;
        close(ready[0]);
        close(ready[1]);
        answer(tree_sock, err, "starting pasta");
        return -1;
    }
    close(ready[1]);
    char said[32];
    struct pollfd p = {ready[0], POLLIN, 0};
    int r;
    while ((r = poll(&p, 1, PASTA_READY_MS)) < 0 && errno == EINTR)
        ;
    ssize_t n = r > 0 ? read(ready[0], said, sizeof said) : -1;
    close(ready[0]);
    if (n > 0) { /* the pid file is written once the namespace is configured */
        answer(tree_sock, 0, "");
        return pid;
    }
    int status = 0;
    if (r == 0)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    char reason[160], detail[240];
    log_reason(op->fields[3], reason, sizeof reason);
    if (r == 0)
        snprintf(detail, sizeof detail, "pasta did not configure the namespace within %d s: %s", PASTA_READY_MS / 1000, reason);
    else
        snprintf(detail, sizeof detail, "%s", reason);
    answer(tree_sock, r == 0 ? ETIMEDOUT : ENETUNREACH, detail);
    return -1;
}
