/* layer: a running -WriteFake container's writes as an OCI layer (a tar stream on stdout).
 *
 * The writes are the overlay's upper directory, which only the container's init holds (at
 * INIT_UPPER_FD, opened by op overlay before the root moved). The helper asks the container's
 * monitor for the init (link.c: the answer is checked), takes that fd with pidfd_getfd, joins
 * the init's user namespace (the outer one: host ids map to themselves there, and its
 * capabilities read every file the container made, whoever owns it), and writes the tree:
 *
 *   - entries sorted by name, paths relative to the root ("etc/passwd");
 *   - a whiteout (character device 0/0) becomes an empty ".wh.NAME";
 *   - a directory marked opaque (user.overlay.opaque "y") gets a ".wh..wh..opq" entry;
 *   - owners are the container's ids, translated from the host ids through the map the
 *     engine gives ("maps UID GID keep", /proc's format); ids outside it become 65534;
 *   - a second name of a file already written is a hard link to the first;
 *   - sockets are left out, and no other extended attribute is kept.
 *
 * Nothing is followed: every name is opened relative to its directory with O_NOFOLLOW and
 * checked against the lstat that wrote its header. The tree is the container's and may
 * change while it is read (a file that shrinks is padded, one that grows is cut at the size
 * in its header): the stream is always well formed. A tree deeper than MAX_DEPTH, a path
 * longer than MAX_PATH, or files that add up to more than the upper tmpfs holds (sparse files:
 * their holes would be written out in full) are an error, never a cut. The helper never
 * executes anything here.
 */
#include "helper.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define MAX_DEPTH 512
#define MAX_PATH (64 * 1024)
#define NOBODY 65534

struct idrange {
    unsigned long inside, outside, count;
};

struct idmap {
    struct idrange r[340];
    int n;
};

struct seen {
    dev_t dev;
    ino_t ino;
    char *path;
};

struct walk {
    struct idmap uids, gids;
    char **exclude; /* sorted */
    size_t nexclude;
    char path[MAX_PATH];
    size_t len;
    struct seen *links; /* open addressing on (dev, ino) */
    size_t nlinks, caplinks;
    unsigned long long entries;
    unsigned long long limit, written; /* the upper tmpfs's size, and the file bytes so far */
    const char *failed_path;
};

static int parse_map(const char *text, struct idmap *m)
{
    m->n = 0;
    while (text && *text) {
        unsigned long a, b, c;
        int used = 0;
        if (sscanf(text, " %lu %lu %lu%n", &a, &b, &c, &used) != 3 || m->n >= 340)
            return -1;
        m->r[m->n++] = (struct idrange){a, b, c};
        text += used;
        while (*text == '\n' || *text == ' ')
            text++;
    }
    return 0;
}

static unsigned long to_inside(const struct idmap *m, unsigned long host)
{
    for (int i = 0; i < m->n; i++)
        if (host >= m->r[i].outside && host - m->r[i].outside < m->r[i].count)
            return m->r[i].inside + (host - m->r[i].outside);
    return NOBODY;
}

/* ---- tar (POSIX pax) ---------------------------------------------------------------- */

static int out_fd = 1;
static int out_failed;

static void put(const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0 && !out_failed) {
        ssize_t w = write(out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            out_failed = 1;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void pad(unsigned long long size)
{
    static const char zeros[512];
    if (size % 512)
        put(zeros, 512 - size % 512);
}

/* WIDTH - 1 octal digits and a NUL; the callers keep V within them */
static void octal(char *field, size_t width, unsigned long long v)
{
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0; v >>= 3)
        field[i] = (char)('0' + (v & 7));
}

/* "LEN key=value\n", LEN counting itself */
static int pax_record(char *buf, size_t cap, size_t *used, const char *key, const char *value, size_t vlen)
{
    size_t body = strlen(key) + vlen + 3, len = body + 1;
    for (;;) {
        char digits[24];
        size_t d = (size_t)snprintf(digits, sizeof digits, "%zu", len);
        if (d + body == len)
            break;
        len = d + body;
    }
    if (*used + len > cap)
        return -1;
    int n = snprintf(buf + *used, cap - *used, "%zu %s=", len, key);
    memcpy(buf + *used + n, value, vlen);
    buf[*used + len - 1] = '\n';
    *used += len;
    return 0;
}

static void header(const char *name, size_t nlen, char type, const struct stat *st, unsigned long uid, unsigned long gid,
                   unsigned long long size, const char *link, size_t llen)
{
    static char pax[2 * MAX_PATH + 512];
    size_t used = 0;
    char num[32];
    if (nlen > 99)
        pax_record(pax, sizeof pax, &used, "path", name, nlen);
    if (llen > 99)
        pax_record(pax, sizeof pax, &used, "linkpath", link, llen);
    if (size > 077777777777ULL) {
        snprintf(num, sizeof num, "%llu", size);
        pax_record(pax, sizeof pax, &used, "size", num, strlen(num));
    }
    if (uid > 07777777) {
        snprintf(num, sizeof num, "%lu", uid);
        pax_record(pax, sizeof pax, &used, "uid", num, strlen(num));
    }
    if (gid > 07777777) {
        snprintf(num, sizeof num, "%lu", gid);
        pax_record(pax, sizeof pax, &used, "gid", num, strlen(num));
    }
    if (used > 0) {
        struct stat none = {0};
        none.st_mode = 0644;
        header("PaxHeader", 9, 'x', &none, 0, 0, used, "", 0);
        put(pax, used);
        pad(used);
    }
    char h[512];
    memset(h, 0, sizeof h);
    memcpy(h, name, nlen > 100 ? 100 : nlen);
    octal(h + 100, 8, st->st_mode & 07777);
    octal(h + 108, 8, uid > 07777777 ? 0 : uid);
    octal(h + 116, 8, gid > 07777777 ? 0 : gid);
    octal(h + 124, 12, size > 077777777777ULL ? 0 : size);
    octal(h + 136, 12, st->st_mtime < 0 ? 0 : (unsigned long long)st->st_mtime);
    memset(h + 148, ' ', 8);
    h[156] = type;
    memcpy(h + 157, link, llen > 100 ? 100 : llen);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (type == '3' || type == '4') {
        octal(h + 329, 8, major(st->st_rdev));
        octal(h + 337, 8, minor(st->st_rdev));
    }
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    put(h, 512);
}

/* ---- hard links ----------------------------------------------------------------------- */

static const char *link_target(struct walk *w, const struct stat *st)
{
    if (w->caplinks == 0)
        return NULL;
    size_t i = ((size_t)st->st_ino * 2654435761u + (size_t)st->st_dev) & (w->caplinks - 1);
    for (; w->links[i].path; i = (i + 1) & (w->caplinks - 1))
        if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
            return w->links[i].path;
    return NULL;
}

static int remember_link(struct walk *w, const struct stat *st)
{
    if ((w->nlinks + 1) * 2 > w->caplinks) {
        size_t cap = w->caplinks ? w->caplinks * 2 : 1024;
        struct seen *old = w->links;
        size_t oldcap = w->caplinks;
        w->links = calloc(cap, sizeof *w->links);
        if (w->links == NULL)
            return -1;
        w->caplinks = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].path) {
                size_t j = ((size_t)old[i].ino * 2654435761u + (size_t)old[i].dev) & (cap - 1);
                while (w->links[j].path)
                    j = (j + 1) & (cap - 1);
                w->links[j] = old[i];
            }
        free(old);
    }
    size_t i = ((size_t)st->st_ino * 2654435761u + (size_t)st->st_dev) & (w->caplinks - 1);
    while (w->links[i].path)
        i = (i + 1) & (w->caplinks - 1);
    w->links[i] = (struct seen){st->st_dev, st->st_ino, strndup(w->path, w->len)};
    w->nlinks++;
    return w->links[i].path ? 0 : -1;
}

/* ---- the walk ---------------------------------------------------------------------------- */

static int push(struct walk *w, const char *name, size_t *saved)
{
    size_t n = strlen(name);
    *saved = w->len;
    if (w->len + n + 2 >= sizeof w->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (w->len > 0)
        w->path[w->len++] = '/';
    memcpy(w->path + w->len, name, n + 1);
    w->len += n;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR (not . and ..), sorted; NULL with errno on failure. */
static char **list_dir(int dir, size_t *count)
{
    int fd = dup(dir);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n + 1 >= cap) {
            char **more = realloc(names, (cap *= 2) * sizeof *names);
            if (more == NULL) {
                for (size_t i = 0; i < n; i++)
                    free(names[i]);
                free(names);
                names = NULL;
                break;
            }
            names = more;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (names == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

static int is_opaque(int dir)
{
    char v[4];
    ssize_t n = fgetxattr(dir, "user.overlay.opaque", v, sizeof v);
    return n == 1 && v[0] == 'y';
}

/* An empty file at a mount point of the container: the overlay got it as the point to mount
 * on (a bind of /etc/hosts into an image without one), not from a write. */
static int is_mount_point(const struct walk *w, const struct stat *st)
{
    const char *key = w->path;
    return st->st_size == 0 && w->nexclude > 0 && bsearch(&key, w->exclude, w->nexclude, sizeof *w->exclude, by_name) != NULL;
}

static int write_file(struct walk *w, int dir, const char *name, const struct stat *st, unsigned long uid, unsigned long gid)
{
    if (is_mount_point(w, st))
        return 0;
    const char *first = st->st_nlink > 1 ? link_target(w, st) : NULL;
    if (first) {
        header(w->path, w->len, '1', st, uid, gid, 0, first, strlen(first));
        return 0;
    }
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat again;
    if (fd < 0 || fstat(fd, &again) < 0 || !S_ISREG(again.st_mode) || again.st_ino != st->st_ino || again.st_dev != st->st_dev) {
        if (fd >= 0)
            close(fd);
        if (fd >= 0 || errno == ENOENT || errno == ELOOP)
            return 0; /* replaced or removed since it was listed: the container's own race */
        return -1;
    }
    if (st->st_nlink > 1 && remember_link(w, st) < 0) {
        close(fd);
        return -1;
    }
    unsigned long long size = (unsigned long long)st->st_size, done = 0;
    if (size > w->limit - w->written) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    w->written += size;
    header(w->path, w->len, '0', st, uid, gid, size, "", 0);
    while (done < size && !out_failed) {
        size_t chunk = size - done > (1 << 20) ? (1 << 20) : (size_t)(size - done);
        ssize_t n = sendfile(out_fd, fd, NULL, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
            char buf[65536];
            n = read(fd, buf, chunk < sizeof buf ? chunk : sizeof buf);
            if (n > 0)
                put(buf, (size_t)n);
        }
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break; /* shrank: pad below */
        done += (unsigned long long)n;
    }
    close(fd);
    static const char zeros[65536];
    while (done < size && !out_failed) {
        size_t k = size - done > sizeof zeros ? sizeof zeros : (size_t)(size - done);
        put(zeros, k);
        done += k;
    }
    pad(size);
    return 0;
}

static int walk_dir(struct walk *w, int dir, int depth);

static int walk_entry(struct walk *w, int dir, const char *name, int depth)
{
    struct stat st;
    size_t saved;
    if (push(w, name, &saved) < 0)
        return -1;
    w->failed_path = NULL;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        w->len = saved;
        w->path[saved] = '\0';
        return errno == ENOENT ? 0 : -1;
    }
    w->entries++;
    unsigned long uid = to_inside(&w->uids, st.st_uid), gid = to_inside(&w->gids, st.st_gid);
    int r = 0;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        /* a whiteout: NAME deleted from the image */
        char wh[NAME_MAX + 8];
        snprintf(wh, sizeof wh, ".wh.%s", name);
        w->len = saved;
        w->path[saved] = '\0';
        size_t dummy;
        if (push(w, wh, &dummy) < 0)
            return -1;
        struct stat z = st;
        z.st_mode = S_IFREG | 0644;
        header(w->path, w->len, '0', &z, 0, 0, 0, "", 0);
    } else if (S_ISDIR(st.st_mode)) {
        if (depth >= MAX_DEPTH) {
            errno = ELOOP;
            return -1;
        }
        int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            r = errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
        else {
            header(w->path, w->len, '5', &st, uid, gid, 0, "", 0);
            if (is_opaque(sub)) {
                size_t dummy, here = w->len;
                if (push(w, ".wh..wh..opq", &dummy) < 0) {
                    close(sub);
                    return -1;
                }
                struct stat z = st;
                z.st_mode = S_IFREG | 0644;
                header(w->path, w->len, '0', &z, 0, 0, 0, "", 0);
                w->len = here;
                w->path[here] = '\0';
            }
            r = walk_dir(w, sub, depth + 1);
            close(sub);
        }
    } else if (S_ISREG(st.st_mode)) {
        r = write_file(w, dir, name, &st, uid, gid);
    } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(dir, name, target, PATH_MAX);
        if (n >= 0)
            header(w->path, w->len, '2', &st, uid, gid, 0, target, (size_t)n);
        else
            r = errno == ENOENT || errno == EINVAL ? 0 : -1;
    } else if (S_ISFIFO(st.st_mode)) {
        header(w->path, w->len, '6', &st, uid, gid, 0, "", 0);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        header(w->path, w->len, S_ISCHR(st.st_mode) ? '3' : '4', &st, uid, gid, 0, "", 0);
    } /* sockets: left out */
    if (r < 0 && w->failed_path == NULL)
        w->failed_path = strndup(w->path, w->len);
    w->len = saved;
    w->path[saved] = '\0';
    return r;
}

static int walk_dir(struct walk *w, int dir, int depth)
{
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (names == NULL)
        return -1;
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        if (r == 0 && !out_failed)
            r = walk_entry(w, dir, names[i], depth);
        free(names[i]);
    }
    free(names);
    return r;
}

int run_layer(struct plan *plan)
{
    static struct walk w;
    struct outer_link l = {.listen = -1, .userns = -1, .mntns = -1, .pidfd = -1};
    const char *why = "";
    signal(SIGPIPE, SIG_IGN);
    if (plan->uid_map == NULL || parse_map(plan->uid_map, &w.uids) < 0 || parse_map(plan->gid_map, &w.gids) < 0)
        return send_error(-1, "plan", "maps", EINVAL, "the container's id maps are missing or malformed"), 1;
    for (char **e = plan->exclude; e && *e; e++)
        w.nexclude++;
    w.exclude = plan->exclude;
    if (w.nexclude > 0)
        qsort(w.exclude, w.nexclude, sizeof *w.exclude, by_name);
    if (link_fetch(plan, &l, &why) < 0)
        return send_error(-1, "link", plan->link_path ? plan->link_path : "", errno, why), 1;
    int upper = (int)syscall(SYS_pidfd_getfd, l.pidfd, INIT_UPPER_FD, 0);
    if (upper < 0) {
        int saved = errno;
        link_close(&l, NULL);
        return send_error(-1, "upper", "", saved, saved == EBADF ? "the container keeps no overlay of its writes (it was not made with -WriteFake)" : "the init's upper layer"), 1;
    }
    if (setns(l.userns, CLONE_NEWUSER) < 0) {
        int saved = errno;
        link_close(&l, NULL);
        return send_error(-1, "setns", "user", saved, "the container's outer user namespace"), 1;
    }
    link_close(&l, NULL);
    struct statfs fs;
    w.limit = fstatfs(upper, &fs) == 0 && fs.f_blocks > 0 ? (unsigned long long)fs.f_blocks * (unsigned long long)fs.f_bsize : ~0ULL;
    int root = openat(upper, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(upper);
    if (root < 0)
        return send_error(-1, "open", "upper", errno, "the container's upper layer"), 1;
    fault_point(plan, "layer", "walk");
    int r = walk_dir(&w, root, 0);
    close(root);
    if (r < 0)
        return send_error(-1, "read", w.failed_path ? w.failed_path : "", errno, "a file of the container's writes"), 1;
    static const char end[1024];
    put(end, sizeof end);
    if (out_failed)
        return send_error(-1, "write", "stdout", EPIPE, "the engine stopped reading the layer"), 1;
    close(out_fd);
    send_simple("exit", 0, (long)(w.entries > 0x7fffffff ? 0x7fffffff : w.entries));
    return 0;
}
