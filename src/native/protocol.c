/* Records on the control socket: one SOCK_SEQPACKET message each, NUL-separated fields. */
#include "helper.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* Strict: the whole field is a decimal number in [min, max]. */
int parse_number(const char *s, long min, long max, long *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int recv_record(int fd, struct record *rec)
{
    static char scratch[MAX_MSG];
    struct iovec iov = {.iov_base = scratch, .iov_len = sizeof scratch};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n;
    memset(rec, 0, sizeof *rec);
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n == 0)
            errno = ECONNRESET;
        return -1;
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        errno = EMSGSIZE;
        return -1;
    }
    char *buf = malloc((size_t)n + 1);
    if (buf == NULL)
        return -1;
    memcpy(buf, scratch, (size_t)n);
    return parse_record(buf, (size_t)n, rec);
}

void free_record(struct record *rec)
{
    free(rec->buf);
    free(rec->fields);
    rec->buf = NULL;
    rec->fields = NULL;
    rec->nfields = 0;
}

/* Sends the fields as one record; -1 with EMSGSIZE when they exceed MAX_MSG (nothing is
 * cut short: the receiver would read a different record). */
int send_fields(int fd, const char *const *fields, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(fields[i]) + 1;
    if (len > MAX_MSG) {
        errno = EMSGSIZE;
        return -1;
    }
    char *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return -1;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(fields[i]) + 1;
        memcpy(buf + at, fields[i], l);
        at += l;
    }
    ssize_t r;
    do
        r = send(fd, buf, len, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    free(buf);
    return r < 0 ? -1 : 0;
}

/* After a failure: reads and drops what the engine sent until it closes its end (it does,
 * once it has the error record), for at most two seconds. A helper that ended with records
 * still queued would make the engine's next read fail with ECONNRESET before it sees the
 * error record sent ahead of them. */
void drain_control(void)
{
    char b;
    int queued = 0;
    for (int waited = 0; waited < 2000;) {
        struct pollfd p = {.fd = CTL_FD, .events = POLLIN | POLLRDHUP};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR)
            return;
        if (r <= 0) {
            waited += 100;
            continue;
        }
        if (p.revents & (POLLERR | POLLNVAL))
            return;
        if ((p.revents & (POLLRDHUP | POLLHUP)) && ioctl(CTL_FD, SIOCINQ, &queued) == 0 && queued == 0) {
            /* the end: only empty records (0 bytes) may be left */
            for (int i = 0; i < 64 && recv(CTL_FD, &b, 1, MSG_DONTWAIT | MSG_TRUNC) >= 0; i++)
                ;
            return;
        }
        recv(CTL_FD, &b, 1, MSG_DONTWAIT | MSG_TRUNC);
    }
}

void send_error(int step, const char *op, const char *path, int err, const char *detail)
{
    char s[16], e[16];
    snprintf(s, sizeof s, "%d", step);
    snprintf(e, sizeof e, "%d", err);
    const char *f[] = {"error", s, op, path ? path : "", e, detail ? detail : ""};
    if (send_fields(CTL_FD, f, 6) < 0 && errno == EMSGSIZE) {
        f[3] = "(path too long to report)";
        send_fields(CTL_FD, f, 6);
    }
}

void send_simple(const char *verb, long a, long b)
{
    char sa[24], sb[24];
    snprintf(sa, sizeof sa, "%ld", a);
    snprintf(sb, sizeof sb, "%ld", b);
    const char *f[] = {verb, sa, sb};
    send_fields(CTL_FD, f, 3);
}

/* Copies fields[from..] into a NULL-terminated vector that outlives the record. */
static char **field_vector(const struct record *rec, int from)
{
    char **v = calloc((size_t)(rec->nfields - from + 1), sizeof(char *));
    if (v == NULL)
        return NULL;
    for (int i = from; i < rec->nfields; i++)
        v[i - from] = strdup(rec->fields[i]);
    return v;
}

static void free_vector(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static int set_string(char **dst, const struct record *rec)
{
    if (rec->nfields != 2)
        return -1;
    free(*dst);
    *dst = strdup(rec->fields[1]);
    return 0;
}

static int set_vector(char ***dst, const struct record *rec, int min, int max)
{
    if (rec->nfields - 1 < min || rec->nfields - 1 > max)
        return -1;
    free_vector(*dst);
    *dst = field_vector(rec, 1);
    return 0;
}

/* One setting record; -1 (and *why) for an unknown verb, a wrong field count or a field
 * that is not what it must be. Nothing is guessed or ignored. */
static int apply_setting(struct plan *plan, const struct record *rec, const char **why)
{
    const char *verb = rec->fields[0];
    const char *a1 = rec->nfields > 1 ? rec->fields[1] : NULL;
    const char *a2 = rec->nfields > 2 ? rec->fields[2] : NULL;
    long v, w;
    *why = "malformed plan record";
    if (strcmp(verb, "clone") == 0) {
        if (rec->nfields != 2 || parse_number(a1, 0, LONG_MAX, &v) < 0)
            return -1;
        plan->clone_flags = (unsigned long)v;
        return 0;
    }
    if (strcmp(verb, "detached") == 0)
        return rec->nfields == 1 ? (plan->detached = 1, 0) : -1;
    if (strcmp(verb, "tty") == 0)
        return rec->nfields == 1 ? (plan->tty = 1, 0) : -1;
    if (strcmp(verb, "maps") == 0) {
        /* maps UID_MAP GID_MAP deny|keep */
        if (rec->nfields != 4 || *a1 == '\0' || *a2 == '\0' || (strcmp(rec->fields[3], "deny") != 0 && strcmp(rec->fields[3], "keep") != 0))
            return -1;
        free(plan->uid_map);
        free(plan->gid_map);
        plan->uid_map = strdup(a1);
        plan->gid_map = strdup(a2);
        plan->deny_setgroups = strcmp(rec->fields[3], "deny") == 0;
        return plan->uid_map && plan->gid_map ? 0 : -1;
    }
    if (strcmp(verb, "timings") == 0)
        return rec->nfields == 1 ? (plan->timings = 1, 0) : -1;
    if (strcmp(verb, "log") == 0) {
        if (rec->nfields != 3 || parse_number(a2, 4096, LONG_MAX, &v) < 0)
            return -1;
        free(plan->log_path);
        plan->log_path = strdup(a1);
        plan->log_max = v;
        return 0;
    }
    if (strcmp(verb, "status") == 0)
        return set_string(&plan->status_path, rec);
    if (strcmp(verb, "argv") == 0)
        return set_vector(&plan->argv, rec, 1, INT_MAX);
    if (strcmp(verb, "env") == 0)
        return set_vector(&plan->envp, rec, 0, INT_MAX);
    if (strcmp(verb, "seccomp-deny") == 0)
        return set_vector(&plan->seccomp_deny, rec, 0, INT_MAX);
    if (strcmp(verb, "seccomp-ioctl") == 0)
        return set_vector(&plan->seccomp_ioctl, rec, 0, INT_MAX);
    if (strcmp(verb, "seccomp-fake") == 0)
        return set_vector(&plan->seccomp_fake, rec, 0, INT_MAX);
    if (strcmp(verb, "seccomp-fake-dev") == 0)
        return set_vector(&plan->seccomp_fake_dev, rec, 0, INT_MAX);
    if (strcmp(verb, "exclude") == 0)
        return set_vector(&plan->exclude, rec, 0, INT_MAX);
    if (strcmp(verb, "cwd") == 0)
        return set_string(&plan->cwd, rec);
    if (strcmp(verb, "join") == 0) {
        *why = "more namespaces to join than there are kinds";
        return set_vector(&plan->join, rec, 0, MAX_NS);
    }
    if (strcmp(verb, "link-serve") == 0 || strcmp(verb, "link") == 0) {
        /* link-serve PATH ID (create); link PATH ID MONITOR (enter, hot-bind, hot-unbind) */
        int serve = strcmp(verb, "link-serve") == 0;
        if (rec->nfields != (serve ? 3 : 4) || *a1 != '/' || *a2 == '\0' || (!serve && parse_number(rec->fields[3], 1, INT_MAX, &v) < 0))
            return -1;
        free(plan->link_path);
        free(plan->link_id);
        plan->link_path = strdup(a1);
        plan->link_id = strdup(a2);
        plan->link_pid = serve ? 0 : (int)v;
        plan->serve_link = serve;
        return plan->link_path && plan->link_id ? 0 : -1;
    }
    if (strcmp(verb, "orphan-files") == 0)
        return set_vector(&plan->orphan_files, rec, 1, 16);
    if (strcmp(verb, "fault") == 0) {
        /* fault WHO STEP (tests only) */
        if (rec->nfields != 3)
            return -1;
        free(plan->fault_who);
        free(plan->fault_step);
        plan->fault_who = strdup(a1);
        plan->fault_step = strdup(a2);
        return 0;
    }
    if (strcmp(verb, "rlimit") == 0) {
        /* rlimit RESOURCE SOFT HARD (numbers, or "inf"); one record per resource */
        unsigned long long lim[2];
        for (int i = 0; i < 2 && rec->nfields == 4; i++) {
            const char *f = rec->fields[2 + i];
            char *end;
            errno = 0;
            lim[i] = strcmp(f, "inf") == 0 ? ~0ULL : strtoull(f, &end, 10);
            if (strcmp(f, "inf") != 0 && (*f < '0' || *f > '9' || *end != '\0' || errno != 0))
                return -1;
        }
        if (rec->nfields != 4 || parse_number(a1, 0, 15, &v) < 0 || lim[0] > lim[1] || plan->nrlimits >= 16)
            return -1;
        plan->rlimits[plan->nrlimits].resource = (int)v;
        plan->rlimits[plan->nrlimits].soft = lim[0];
        plan->rlimits[plan->nrlimits++].hard = lim[1];
        return 0;
    }
    if (strcmp(verb, "target") == 0) {
        if (rec->nfields != 2 || parse_number(a1, 1, INT_MAX, &v) < 0)
            return -1;
        plan->target = (int)v;
        return 0;
    }
    if (strcmp(verb, "user") == 0) {
        if (rec->nfields != 3 || parse_number(a1, 0, 4294967294L, &v) < 0 || parse_number(a2, 0, 4294967294L, &w) < 0)
            return -1;
        plan->uid = v;
        plan->gid = w;
        return 0;
    }
    *why = "unknown plan record";
    return -1;
}

void add_op(struct plan *plan, struct record *rec)
{
    if (plan->nops % 16 == 0) {
        struct op *grown = realloc(plan->ops, (size_t)(plan->nops + 16) * sizeof(struct op));
        if (grown == NULL)
            abort(); /* out of memory while reading the plan: never go on with part of it */
        plan->ops = grown;
    }
    plan->ops[plan->nops].index = plan->nops;
    plan->ops[plan->nops++].rec = *rec;
}

/* Splits a raw record (NUL-separated fields) into rec; rec keeps buf, which must hold
 * n + 1 bytes (a NUL is put after the last field). */
int parse_record(char *buf, size_t n, struct record *rec)
{
    buf[n] = '\0';
    int count = 0;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        count++;
    rec->buf = buf;
    rec->len = n;
    rec->nfields = 0;
    rec->fields = calloc((size_t)count + 1, sizeof(char *));
    if (rec->fields == NULL) {
        free(buf);
        rec->buf = NULL;
        return -1;
    }
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        rec->fields[rec->nfields++] = buf + i;
    return 0;
}

/* Keeps a setting record as it came (the monitor hands the settings on to the init). */
static void keep_setting(struct plan *plan, struct record *rec)
{
    struct record *grown = realloc(plan->settings, (size_t)(plan->nsettings + 1) * sizeof *grown);
    if (grown == NULL)
        abort();
    plan->settings = grown;
    plan->settings[plan->nsettings++] = *rec;
}

/* A record that is neither an operation nor "end": applied and kept; -1 with an error
 * record sent when it is not a valid setting. */
int take_setting(struct plan *plan, struct record *rec)
{
    const char *why;
    if (rec->nfields == 0 || apply_setting(plan, rec, &why) < 0) {
        send_error(-1, "plan", rec->nfields ? rec->fields[0] : "", EINVAL, rec->nfields ? why : "empty plan record");
        free_record(rec);
        errno = EINVAL;
        return -1;
    }
    keep_setting(plan, rec);
    return 0;
}

void init_plan(struct plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->uid = plan->gid = -1;
    plan->outer_uid = plan->outer_gid = -1;
}

/* The settings (and, for the one-shot modes, operations) up to "end". Every way this can
 * fail sends an error record first. */
int read_plan(int fd, struct plan *plan)
{
    init_plan(plan);
    for (;;) {
        struct record rec;
        if (recv_record(fd, &rec) < 0) {
            send_error(-1, "plan", "", errno, errno == EMSGSIZE ? "plan record too large" : "the plan ended before \"end\"");
            return -1;
        }
        if (rec.nfields > 0 && strcmp(rec.fields[0], "end") == 0 && rec.nfields == 1) {
            free_record(&rec);
            break;
        }
        if (rec.nfields >= 2 && strcmp(rec.fields[0], "op") == 0) {
            add_op(plan, &rec);
            continue;
        }
        if (take_setting(plan, &rec) < 0)
            return -1;
    }
    if (plan->envp == NULL)
        plan->envp = calloc(1, sizeof(char *));
    return 0;
}
