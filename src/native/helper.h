/* usnc-helper: the single-threaded half of UserNsContainer.
 *
 * The engine (C#, multithreaded) decides everything; this program executes an ordered
 * list of primitive operations that the kernel only allows from a single-threaded
 * process. It holds no policy. Protocol: SOCK_SEQPACKET on fd 3, one record per
 * message, fields separated by NUL. See src/UserNsContainer.Engine/Native/Protocol.cs.
 */
#ifndef USNC_HELPER_H
#define USNC_HELPER_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#define CTL_FD 3
/* The largest record either side sends (ControlChannel.MaxMessage in the engine): under the
 * socket's default send buffer, so a record that fits is never refused by the kernel. A
 * larger one is an error on both sides, never cut short. */
#define MAX_MSG (128 * 1024)

/* One record received from the engine: fields point into buf (len bytes, NUL-terminated). */
struct record {
    char *buf;
    size_t len;
    int nfields;
    char **fields;
};

/* One operation of the setup list, kept as the record that described it. */
struct op {
    int index;
    struct record rec;
};

struct plan {
    unsigned long clone_flags;
    int detached;           /* survive the engine; log to a file */
    int start_now;          /* barrier released by the engine with "go" */
    char *log_path;
    long log_max;
    char *status_path;
    char **argv;            /* NULL: idle init */
    char **envp;
    char *cwd;
    long uid, gid;          /* -1: stay root inside */
    int target;             /* enter: the process whose namespaces to join */
    /* create, from the engine's "go": the nested namespace's maps (op lock) and the host ids
     * the init takes in the outer one, whose map is the identity of those host ids */
    char *inner_uid_map, *inner_gid_map;
    long outer_uid, outer_gid;
    int tree_sock;          /* create, init side: detached idmapped trees from the monitor */
    int tty;                /* the command gets a new pty, relayed to the caller's terminal */
    int timings;            /* the init reports how long each setup step took (USERNSCONTAINER_TIMINGS) */
    /* create: the init's maps, written by the monitor right after the clone (the engine's
     * "maps" setting, where no newuidmap is needed): no round trip before "go" */
    char *uid_map, *gid_map;
    int deny_setgroups;
    char **join;            /* enter: namespace names, in the order to join them */
    /* create: the socket the monitor serves its link on (link.c) and the container's Id;
     * enter, hot-bind: the monitor to ask (link_pid: its pid, as the engine recorded it) */
    char *link_path, *link_id;
    int link_pid;
    int serve_link;
    /* the main and entered processes' resource limits (RLIMIT_*), set just before exec */
    struct {
        int resource;
        unsigned long long soft, hard;
    } rlimits[16];
    int nrlimits;
    char *fault_who, *fault_step; /* tests only: fault.c */
    /* create: the engine's files of this container (record, name, logs), which the monitor
     * removes if the engine goes away before the container is on its own: a killed caller
     * leaves nothing (the engine decides which files; the monitor only unlinks them) */
    char **orphan_files;
    char **seccomp_deny;    /* syscall names refused with EPERM (NULL: no filter) */
    char **seccomp_ioctl;   /* ioctl requests refused with EPERM */
    char **seccomp_fake;    /* syscall names answered 0 without running (-FakeRoot) */
    char **seccomp_fake_dev; /* NAME:ARG: answered 0 when argument ARG's file type is a device */
    char **exclude;         /* layer: paths (relative, sorted) where an empty file is a mount point, not a write */
    int nops;
    struct op *ops;
    struct record *settings; /* the setting records as received: the init gets them too */
    int nsettings;
};

#define MAX_NS 8

/* The init's fds, placed by the monitor before it executes "usnc-helper init". */
#define INIT_BARRIER_FD 4 /* frames from the monitor: settings, operations, "go" */
#define INIT_END_FD 5     /* the init's end report to the monitor */
#define INIT_TREE_FD 6    /* detached idmapped trees from the monitor (SCM_RIGHTS) */
/* The init's hold on a -WriteFake overlay's upper directory, for the layer mode (layer.c). */
#define INIT_UPPER_FD 255

/* What the init tells the monitor when it ends: how the main process ended. */
enum end_kind { END_EXITED = 0, END_SIGNALED = 1, END_SETUP_FAILED = 2 };
struct end_report {
    int kind;
    int value;
}; /* namespace kinds enter can join */

/* protocol.c */
int recv_record(int fd, struct record *rec);   /* -1: errno ECONNRESET (closed) or EMSGSIZE */
void free_record(struct record *rec);
int send_fields(int fd, const char *const *fields, int n);
void drain_control(void);
void send_error(int step, const char *op, const char *path, int err, const char *detail);
void send_simple(const char *verb, long a, long b);
void init_plan(struct plan *plan);
int read_plan(int fd, struct plan *plan);
int take_setting(struct plan *plan, struct record *rec);
void add_op(struct plan *plan, struct record *rec);
int parse_record(char *buf, size_t n, struct record *rec);
int parse_number(const char *s, long min, long max, long *out);

/* timings.c: the init's own profile, sent to the engine as one "timings" record */
void timing_mark(const char *step);
void timing_send(void);

/* ops.c: each returns 0 or -1 with errno set; *failed_path names what failed. */
int run_ops(struct plan *plan);
int write_proc(pid_t pid, const char *file, const char *text);
int write_id_maps(pid_t pid, const char *uid_map, const char *gid_map, int deny_setgroups, const char **failed);
int open_in_root_as(const char *path, int flags);
int open_in_root(const char *path);
void set_newroot_fd(int fd);
int sys_open_tree(int dfd, const char *path, unsigned int flags);
int sys_move_mount(int from_fd, const char *from, int to_fd, const char *to, unsigned int flags);
#define OPEN_TREE_CLONE_ 1
#define MOVE_F_EMPTY 0x4
#define MOVE_T_EMPTY 0x40

/* hotplug.c */
int hot_bind(const struct plan *plan);
int send_fd(int sock, int fd);
int recv_fd(int sock);
int idmap_tree(const char *src, int recursive, const char *uid_map, const char *gid_map, int *ns, const char **step);
int make_idmapped_trees(const struct op *ops, int nops, const struct record *go, int sock);
int hot_unbind(const struct plan *plan);

/* link.c: the container's outer namespaces, held by the monitor and fetched by the helper */
struct outer_link {
    int listen;             /* monitor: the socket it serves on */
    int userns, mntns;      /* the init's namespaces before the lock step: the outer ones */
    int pidfd;              /* the init */
    pid_t init;
};
int link_open(struct outer_link *l, pid_t init, int with_mnt);
int link_listen(struct outer_link *l, const char *path);
void link_serve(const struct outer_link *l, const char *id);
void link_close(struct outer_link *l, const char *path);
int link_fetch(const struct plan *plan, struct outer_link *l, const char **why);

/* squashfs.c: the monitor's side */
pid_t serve_squashfs(const struct record *op, int tree_sock);
void fuse_options(char *buf, size_t n, int fd);

/* network.c: the monitor's side of -Network Private */
pid_t serve_network(const struct record *op, int tree_sock, pid_t init);

/* main.c: the state directory of the engine that started this helper (its third argument, ""
 * when none): shown in /proc/PID/cmdline so that the processes of one state directory can be
 * told from another's (a test run counts only its own); never used to find anything */
extern const char *helper_owner;

/* fault.c: tests only; WHO is monitor, init, main, enter or bind */
void fault_point(const struct plan *plan, const char *who, const char *step);

/* layer.c: a -WriteFake container's writes as a tar stream on stdout */
int run_layer(struct plan *plan);

/* monitor.c */
int run_monitor(struct plan *plan);

/* io.c */
void write_full(int fd, const void *buf, size_t n);

/* log.c: a detached container's stdout and stderr, one record per line (k8s-file format) */
struct log_relay {
    int in[2]; /* stdout, stderr: the read ends */
    int out;
    const char *path;
    long max;
    long written;
};
void log_open(struct log_relay *l);
int log_pump(struct log_relay *l, int which);
void log_drain(struct log_relay *l);
void drop_stdin(void);
void drop_output(void);
int read_full(int fd, void *buf, size_t n);
/* the barrier's frames (u32 length, then a record): written as one batch, read in chunks */
struct frame_batch {
    char *buf;
    size_t len, cap;
};
int frame_append(struct frame_batch *b, const char *rec, size_t len);
struct frame_reader {
    int fd;
    size_t start, end;
    char buf[16384];
};
char *frame_next(struct frame_reader *r, size_t *len);
int make_signalfd(const int *sigs, size_t n, sigset_t *set);

/* pty.c */
struct pollfd;
struct relay {
    int in, out, master;
    int raw;                /* the caller's terminal was put in raw mode; saved holds it */
    int closed, in_eof;
    struct termios saved;
};
int pty_open(int *master, int *slave);
int pty_attach(int slave);
void relay_start(struct relay *r, int master);
void relay_winch(const struct relay *r);
void relay_fds(const struct relay *r, struct pollfd *pfd);
void relay_pump(struct relay *r, const struct pollfd *pfd);
void relay_finish(struct relay *r);

/* spawn.c: a child that shares this memory until it executes or exits (CLONE_VM, plus FLAGS:
 * CLONE_VFORK to wait meanwhile, namespace flags); its pid, or -1 with errno */
pid_t clone_sharing_memory(int (*fn)(void *), void *arg, int flags);

/* init.c */
void run_init(void) __attribute__((noreturn));
void exec_main(const struct plan *plan, int errpipe, int slave) __attribute__((noreturn));
void report_child_failure(int errpipe, int err, const char *step) __attribute__((noreturn));
int await_exec(const struct plan *plan, pid_t pid, int errpipe);

/* seccomp.c: 0, or -1 with errno and *what naming the step or the syscall */
int apply_seccomp(const struct plan *plan, const char **what);

/* hostprobe.c */
int run_probe(const struct plan *plan);

/* enter.c */
int run_enter(struct plan *plan);

/* syscall wrappers not exported by glibc 2.36 */
int sys_openat2(int dirfd, const char *path, unsigned long flags, unsigned long mode,
                unsigned long long resolve);
int sys_mount_setattr(int dirfd, const char *path, unsigned int flags,
                      unsigned long long attr_set, unsigned long long attr_clr);
int sys_close_range(unsigned int first, unsigned int last, unsigned int flags);
int sys_pivot_root(const char *new_root, const char *put_old);


/* True when the flag letter F is in FLAGS (the flags field of a bind or mkdir op). */
static inline int has_flag(const char *flags, char f)
{
    return __builtin_strchr(flags, f) != NULL;
}

#endif
