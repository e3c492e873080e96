/* probe: what a hostile process inside a container tries, one action per argument,
 * printing what the kernel answered (a name of an errno, or "ok"). Built by the tests
 * (Probe.cs) with cc -static, so it runs on any root. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *result(long r)
{
    return r < 0 ? strerrorname_np(errno) : "ok";
}

/* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) */
static void keyctl_native(void)
{
    printf("keyctl %s\n", result(syscall(SYS_keyctl, 0, -3, 0)));
}

/* the same through the i386 ABI (int 0x80, keyctl = 288 there) */
static void keyctl_i386(void)
{
#if defined(__x86_64__)
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(288), "b"(0), "c"(-3), "d"(0) : "memory");
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        r = -1;
    }
    printf("keyctl-i386 %s\n", result(r));
#else
    printf("keyctl-i386 n/a\n");
#endif
}

/* TIOCSTI into fd 0, with the request as is and with bits above 32 set (the kernel ignores
 * them; a filter comparing 64 bits would not) */
static void tiocsti(const char *text)
{
    const char *plain = "ok", *high = "ok";
    for (const char *c = text; *c; c++) {
        if (ioctl(0, TIOCSTI, c) < 0)
            plain = strerrorname_np(errno);
        if (syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), c) < 0)
            high = strerrorname_np(errno);
    }
    printf("tiocsti %s %s\n", plain, high);
}

/* bind a TCP socket to 127.0.0.1:80 (needs CAP_NET_BIND_SERVICE over the net namespace) */
static void bind80(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    long r = s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind80 %s\n", result(r));
}

/* setgroups() with the process's own gid: EPERM where setgroups is denied (a one-id gid
 * map, as bwrap and ch-run leave it), EINVAL where it is allowed but the group unmapped */
static void setgroups_own(void)
{
    gid_t g = getgid();
    printf("setgroups %s\n", result(syscall(SYS_setgroups, 1, &g)));
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "keyctl") == 0)
            keyctl_native();
        else if (strcmp(argv[i], "setgroups") == 0)
            setgroups_own();
        else if (strcmp(argv[i], "bind80") == 0)
            bind80();
        else if (strcmp(argv[i], "keyctl-i386") == 0)
            keyctl_i386();
        else if (strcmp(argv[i], "tiocsti") == 0 && i + 1 < argc)
            tiocsti(argv[++i]);
        else {
            fprintf(stderr, "probe: unknown action %s\n", argv[i]);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
