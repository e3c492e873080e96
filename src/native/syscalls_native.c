/* Syscall numbers of the native ABI, by name (seccomp.c). */
#include <asm/unistd.h>

#include "seccomp_table.h"

#define S(name, nr) {#name, nr},
const struct syscall_nr syscalls_native[] = {
#include "syscall_names.h"
    {0, 0}};
