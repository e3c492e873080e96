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

/* lock.c */
int op_lock(struct op_ctx *c);

#endif
