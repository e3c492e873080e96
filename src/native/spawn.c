/* Starting a child without copying this process: clone with CLONE_VM, as posix_spawn does.
 * A fork copies the page tables, and every later write on either side takes a copy-on-write
 * fault; on a virtual machine each is a trap to the hypervisor. The child shares this memory
 * (and errno) until it executes or exits, on a stack of its own; it has its own fd table,
 * signal handlers and credentials. With CLONE_VFORK the caller waits meanwhile. */
#include "helper.h"

#include <sched.h>
#include <sys/mman.h>

/* One stack per process, below a guard page: a process runs one such child at a time (each
 * caller either waits with CLONE_VFORK or reaps the child before it starts another). */
#define CHILD_STACK (64 * 1024)

pid_t clone_sharing_memory(int (*fn)(void *), void *arg, int flags)
{
    static char *stack;
    if (stack == NULL) {
        char *m = mmap(NULL, CHILD_STACK + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (m == MAP_FAILED)
            return -1;
        if (mprotect(m, 4096, PROT_NONE) < 0) {
            munmap(m, CHILD_STACK + 4096);
            return -1;
        }
        stack = m + 4096;
    }
    return clone(fn, stack + CHILD_STACK, flags | CLONE_VM | SIGCHLD, arg);
}
