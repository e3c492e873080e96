/* Records on the control socket: one SOCK_SEQPACKET message each, NUL-separated fields. */
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

long parse_long(const char *s, long dflt)
{
    char *end;
    if (s == NULL || *s == '\0')
        return dflt;
    errno = 0;
    long v = strtol(s, &end, 10);
    return (errno != 0 || *end != '\0') ? dflt : v;
}

int recv_record(int fd, struct record *rec)
{
    rec->buf = malloc(MAX_MSG + 1);
    rec->fields = calloc(MAX_FIELDS, sizeof(char *));
    rec->nfields = 0;
    if (rec->buf == NULL || rec->fields == NULL)
        return -1;
    ssize_t n;
    do
        n = recv(fd, rec->buf, MAX_MSG, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n == 0)
            errno = ECONNRESET;
        free_record(rec);
        return -1;
    }
    rec->buf[n] = '\0';
    for (ssize_t i = 0; i < n && rec->nfields < MAX_FIELDS;) {
        rec->fields[rec->nfields++] = rec->buf + i;
        i += (ssize_t)strlen(rec->buf + i) + 1;
    }
    return 0;
}

void free_record(struct record *rec)
{
    free(rec->buf);
    free(rec->fields);
    rec->buf = NULL;
    rec->fields = NULL;
    rec->nfields = 0;
}

int send_fields(int fd, const char *const *fields, int n)
{
    char buf[8192];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(fields[i]);
        if (len + l + 1 > sizeof buf)
            l = sizeof buf - len - 1;
        memcpy(buf + len, fields[i], l);
        len += l;
        buf[len++] = '\0';
        if (len >= sizeof buf)
            break;
    }
    ssize_t r;
    do
        r = send(fd, buf, len, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

void send_error(int step, const char *op, const char *path, int err, const char *detail)
{
    char s[16], e[16];
    snprintf(s, sizeof s, "%d", step);
    snprintf(e, sizeof e, "%d", err);
    const char *f[] = {"error", s, op, path ? path : "", e, detail ? detail : ""};
    send_fields(CTL_FD, f, 6);
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

static int apply_setting(struct plan *plan, struct record *rec)
{
    const char *verb = rec->fields[0];
    const char *a1 = rec->nfields > 1 ? rec->fields[1] : NULL;
    const char *a2 = rec->nfields > 2 ? rec->fields[2] : NULL;
    if (strcmp(verb, "clone") == 0)
        plan->clone_flags = (unsigned long)parse_long(a1, 0);
    else if (strcmp(verb, "detached") == 0)
        plan->detached = 1;
    else if (strcmp(verb, "log") == 0 && a1) {
        plan->log_path = strdup(a1);
        plan->log_max = parse_long(a2, 1 << 20);
    } else if (strcmp(verb, "status") == 0 && a1)
        plan->status_path = strdup(a1);
    else if (strcmp(verb, "argv") == 0 && rec->nfields > 1)
        plan->argv = field_vector(rec, 1);
    else if (strcmp(verb, "env") == 0)
        plan->envp = field_vector(rec, 1);
    else if (strcmp(verb, "cwd") == 0 && a1)
        plan->cwd = strdup(a1);
    else if (strcmp(verb, "target") == 0)
        plan->target = (int)parse_long(a1, 0);
    else if (strcmp(verb, "join") == 0)
        plan->join = field_vector(rec, 1);
    else if (strcmp(verb, "user") == 0) {
        plan->uid = parse_long(a1, -1);
        plan->gid = parse_long(a2, -1);
    } else {
        errno = EINVAL;
        return -1;
    }
    free_record(rec);
    return 0;
}

void add_op(struct plan *plan, struct record *rec)
{
    if (plan->nops % 16 == 0)
        plan->ops = realloc(plan->ops, (size_t)(plan->nops + 16) * sizeof(struct op));
    plan->ops[plan->nops].index = plan->nops;
    plan->ops[plan->nops++].rec = *rec;
}

/* Splits a raw record (NUL-separated fields) into rec; rec keeps buf. */
int parse_record(char *buf, size_t n, struct record *rec)
{
    rec->buf = buf;
    rec->fields = calloc(MAX_FIELDS, sizeof(char *));
    rec->nfields = 0;
    if (rec->fields == NULL)
        return -1;
    for (size_t i = 0; i < n && rec->nfields < MAX_FIELDS;) {
        rec->fields[rec->nfields++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    return 0;
}

int read_plan(int fd, struct plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->uid = plan->gid = -1;
    plan->outer_uid = plan->outer_gid = -1;
    for (;;) {
        struct record rec;
        if (recv_record(fd, &rec) < 0)
            return -1;
        if (rec.nfields == 0) {
            free_record(&rec);
            continue;
        }
        if (strcmp(rec.fields[0], "end") == 0) {
            free_record(&rec);
            break;
        }
        if (strcmp(rec.fields[0], "op") == 0 && rec.nfields >= 2) {
            add_op(plan, &rec);
            continue;
        }
        if (apply_setting(plan, &rec) < 0) {
            send_error(-1, "plan", rec.fields[0], EINVAL, "unknown plan record");
            free_record(&rec);
            return -1;
        }
    }
    if (plan->envp == NULL)
        plan->envp = calloc(1, sizeof(char *));
    return 0;
}
