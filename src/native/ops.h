/* Shared by the setup operations (ops.c), the lock step (lock.c) and the confined path
 * resolution they use (paths.c). */
#ifndef USNC_OPS_H
#define USNC_OPS_H

#include "helper.h"

#include <sys/stat.h>

#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"

/* What one operation reports when it fails. */
struct op_ctx {
    const struct plan *plan;
    const struct op *op;
    const char *name;      /* the step as reported: an operation may fail in a sub-step */
    const char *path;      /* what to name in an error record */
    const char *detail;
};

/* Field I of the operation's arguments, or "". */
const char *arg(const struct op *op, int i);

/* paths.c */
int newroot(void);
int open_source(const char *path, int from_base);
int open_checked(const char *path, const char *dev, const char *ino);
int fd_path(char *buf, size_t n, int fd);

/* overmount.c: mount points made without writing into the image or the host */
int note_scratch(int fd);
int note_scratch_path(const char *path);
int dir_in_scratch(int dfd);
/* PATH inside the root, O_PATH: opened, or made as KIND ('d' or 'f') with MODE in a scratch
 * tmpfs or an overmount of its deepest existing ancestor. During setup an overmount is
 * attached at once (and sealed by seal_overmounts); with LIVE it is built detached, for
 * attach_overmount once the bind is on it, and the root itself is refused. */
int make_mountpoint(const char *path, char kind, mode_t mode, int live, const char **detail);
int seal_overmounts(void);
int attach_overmount(void);

/* binds.c */
int op_bind(struct op_ctx *c);

/* squashfs.c */
int op_squashfs(struct op_ctx *c);

/* network.c */
int op_network(struct op_ctx *c);

/* lock.c */
int op_lock(struct op_ctx *c);

#endif
