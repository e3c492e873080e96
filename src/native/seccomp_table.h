/* Syscall numbers by name, one table per ABI the filter covers. */
#ifndef USNC_SECCOMP_TABLE_H
#define USNC_SECCOMP_TABLE_H

struct syscall_nr {
    const char *name;
    int nr; /* -1: not on this ABI */
};

extern const struct syscall_nr syscalls_native[];
extern const struct syscall_nr syscalls_i386[];

#endif
