/* The seccomp filter of the main process and of entered processes, a classic BPF program
 * built from the engine's lists (the engine decides what is denied; the helper only
 * builds it). Each listed syscall fails with EPERM on the native ABI and, on x86_64, on
 * the i386 one; the x32 ABI and any other foreign ABI get EPERM for everything. Listed
 * ioctl requests are compared on the low 32 bits of the argument only, as the kernel reads
 * it (a filter that compares all 64 is bypassed: CVE-2019-10063, CVE-2019-7303). */
#include "helper.h"
#include "seccomp_table.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#if defined(__x86_64__)
#define ARCH_NATIVE AUDIT_ARCH_X86_64
#define ARCH_COMPAT AUDIT_ARCH_I386
#define X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define ARCH_NATIVE AUDIT_ARCH_AARCH64
#endif


#define MAX_INSNS 1024
#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
/* -FakeRoot: the call "succeeds" (returns 0) and does nothing, as Charliecloud's seccomp mode */
#define FAKE (SECCOMP_RET_ERRNO | 0)

static __u32 arg_low(int i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (__u32)(offsetof(struct seccomp_data, args) + (size_t)i * sizeof(__u64));
#else
    return (__u32)(offsetof(struct seccomp_data, args) + (size_t)i * sizeof(__u64) + sizeof(__u32));
#endif
}

struct prog {
    struct sock_filter insn[MAX_INSNS];
    unsigned n;
};

static int emit(struct prog *p, __u16 code, __u8 jt, __u8 jf, __u32 k)
{
    if (p->n >= MAX_INSNS) {
        errno = E2BIG;
        return -1;
    }
    p->insn[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
    return 0;
}

static int number_of(const struct syscall_nr *table, const char *name, int *nr)
{
    for (const struct syscall_nr *s = table; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return *nr = s->nr, 0;
    errno = EINVAL; /* a name this helper does not know: an error, never skipped */
    return -1;
}

/* The rules for one ABI, ending in ALLOW: the arch was checked before. */
static int emit_abi(struct prog *p, const struct plan *plan, const struct syscall_nr *table, int x32_deny, const char **what)
{
    int ioctl_nr = -1;
    if (number_of(table, "ioctl", &ioctl_nr) < 0)
        return -1;
    if (emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr)) < 0)
        return -1;
#ifdef X32_BIT
    if (x32_deny && (emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_BIT) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, DENY) < 0))
        return -1;
#else
    (void)x32_deny;
#endif
    for (char **name = plan->seccomp_deny; name && *name; name++) {
        int nr;
        *what = *name;
        if (number_of(table, *name, &nr) < 0)
            return -1;
        if (nr >= 0 && (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (__u32)nr) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, DENY) < 0))
            return -1;
    }
    for (char **name = plan->seccomp_fake; name && *name; name++) {
        int nr;
        *what = *name;
        if (number_of(table, *name, &nr) < 0)
            return -1;
        if (nr >= 0 && (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (__u32)nr) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, FAKE) < 0))
            return -1;
    }
    /* NAME:ARG: faked when the mode in argument ARG makes a device node, else allowed (a fifo
     * or a plain file works in a user namespace); the syscall number is loaded again after */
    for (char **entry = plan->seccomp_fake_dev; entry && *entry; entry++) {
        char name[64];
        const char *colon = strchr(*entry, ':');
        long arg;
        int nr;
        *what = *entry;
        if (colon == NULL || (size_t)(colon - *entry) >= sizeof name || parse_number(colon + 1, 0, 5, &arg) < 0) {
            errno = EINVAL;
            return -1;
        }
        memcpy(name, *entry, (size_t)(colon - *entry));
        name[colon - *entry] = '\0';
        if (number_of(table, name, &nr) < 0)
            return -1;
        if (nr < 0)
            continue;
        if (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 6, (__u32)nr) < 0 || emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, arg_low((int)arg)) < 0 ||
            emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, S_IFMT) < 0 || emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, S_IFCHR) < 0 ||
            emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, S_IFBLK) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW) < 0 ||
            emit(p, BPF_RET | BPF_K, 0, 0, FAKE) < 0)
            return -1;
    }
    *what = "seccomp";
    int nreq = 0;
    for (char **req = plan->seccomp_ioctl; req && *req; req++)
        nreq++;
    if (nreq > 100) {
        errno = E2BIG;
        return -1;
    }
    /* not ioctl: allow; else compare the request's low 32 bits */
    if (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, (__u32)ioctl_nr) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW) < 0 ||
        emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, arg_low(1)) < 0)
        return -1;
    for (char **req = plan->seccomp_ioctl; req && *req; req++) {
        long v;
        if (parse_number(*req, 0, 0xffffffffL, &v) < 0) {
            errno = EINVAL;
            return -1;
        }
        if (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (__u32)v) < 0 || emit(p, BPF_RET | BPF_K, 0, 0, DENY) < 0)
            return -1;
    }
    return emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* if arch == ARCH: the ABI's rules; else jump past them. */
static int emit_arch(struct prog *p, __u32 arch, const struct plan *plan, const struct syscall_nr *table, int x32_deny, const char **what)
{
    unsigned at = p->n;
    if (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, arch) < 0 || emit_abi(p, plan, table, x32_deny, what) < 0)
        return -1;
    unsigned skip = p->n - at - 1;
    if (skip > 255) {
        errno = E2BIG;
        return -1;
    }
    p->insn[at].jf = (__u8)skip;
    return 0;
}

int apply_seccomp(const struct plan *plan, const char **what)
{
    if (plan->seccomp_deny == NULL && plan->seccomp_ioctl == NULL && plan->seccomp_fake == NULL && plan->seccomp_fake_dev == NULL)
        return 0;
    *what = "seccomp";
#ifndef ARCH_NATIVE
    errno = ENOSYS; /* no filter for this architecture: refuse rather than run unfiltered */
    return -1;
#else
    static struct prog p;
    p.n = 0;
    if (emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch)) < 0 ||
        emit_arch(&p, ARCH_NATIVE, plan, syscalls_native, 1, what) < 0)
        return -1;
#ifdef ARCH_COMPAT
    if (emit_arch(&p, ARCH_COMPAT, plan, syscalls_i386, 0, what) < 0)
        return -1;
#endif
    if (emit(&p, BPF_RET | BPF_K, 0, 0, DENY) < 0) /* any other ABI */
        return -1;
    struct sock_fprog fprog = {.len = (unsigned short)p.n, .filter = p.insn};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
#endif
}
