/* Syscall numbers of the i386 ABI, which x86_64 processes can also call (int 0x80): the
 * filter refuses the same syscalls there. Only this file includes the 32-bit numbers. */
#include "seccomp_table.h"

#if defined(__x86_64__)
#include <asm/unistd_32.h>
#define S(name, nr) {#name, nr},
const struct syscall_nr syscalls_i386[] = {
#include "syscall_names.h"
    {0, 0}};
#else
const struct syscall_nr syscalls_i386[] = {{0, 0}};
#endif
