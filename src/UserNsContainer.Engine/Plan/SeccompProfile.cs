using System.Collections.Generic;
using System.Globalization;

namespace UserNsContainer.Engine;

/// <summary>Which seccomp filter the main process (or an entered one) runs under.</summary>
public enum SeccompMode
{
    /// <summary>The default filter: <see cref="SeccompProfile.Denied"/> fail with EPERM.</summary>
    Default,
    /// <summary>No filter (what the kernel and the user namespace allow).</summary>
    Unconfined,
}

/// <summary>
/// The default seccomp filter: what Docker's and podman's default profiles deny that a
/// rootless container has no use for, each refused with EPERM, and the terminal ioctls that
/// type into or take over a terminal. The helper builds the filter from these records as
/// a small BPF program; every syscall applies to the i386 ABI too on x86_64, and a process
/// of any other ABI (x32) gets EPERM for everything.
/// </summary>
public static class SeccompProfile
{
    /// <summary>Syscalls refused with EPERM.</summary>
    public static readonly string[] Denied =
    {
        // kernel code and the running kernel
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
        "bpf", "perf_event_open", "lookup_dcookie", "syslog",
        // the host's keys, clocks, swap, accounting and quotas
        "keyctl", "add_key", "request_key", "settimeofday", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex",
        "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
        // raw hardware, file handles that bypass the mount tree, and attack surface
        "iopl", "ioperm", "open_by_handle_at", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "uselib", "nfsservctl", "vm86", "vm86old", "_sysctl", "create_module", "get_kernel_syms", "query_module", "stime",
    };

    /// <summary>ioctl requests refused with EPERM, compared on their low 32 bits only (the
    /// kernel ignores the high ones: CVE-2019-10063, CVE-2019-7303): TIOCSTI types into a
    /// terminal (CVE-2017-5226), TIOCLINUX can copy and paste on a virtual console
    /// (CVE-2023-28100).</summary>
    public static readonly (string Name, uint Request)[] DeniedIoctls = { ("TIOCSTI", 0x5412), ("TIOCLINUX", 0x541C) };

    /// <summary>-FakeRoot, as Charliecloud's seccomp root emulation: these answer 0 and do
    /// nothing, so that a package manager that changes owners and drops privileges runs with
    /// one id (the file keeps its owner; the process keeps its ids and capabilities).</summary>
    public static readonly string[] Faked =
    {
        "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32",
        "setuid", "setgid", "setuid32", "setgid32", "setreuid", "setregid", "setreuid32", "setregid32",
        "setresuid", "setresgid", "setresuid32", "setresgid32", "setfsuid", "setfsgid", "setfsuid32", "setfsgid32",
        "setgroups", "setgroups32", "capset",
    };

    /// <summary>-FakeRoot: mknod and mknodat of a device node answer 0 (the node is not made);
    /// of a fifo or a plain file they run. NAME:ARG names the argument that holds the mode.</summary>
    public static readonly string[] FakedDevices = { "mknod:1", "mknodat:2" };

    /// <summary>The helper's setting records for <paramref name="mode"/> (none when unconfined),
    /// and for root emulation when <paramref name="fakeRoot"/>.</summary>
    public static IEnumerable<string[]> Records(SeccompMode mode, bool fakeRoot = false)
    {
        if (fakeRoot)
        {
            yield return Prepend("seccomp-fake", Faked);
            yield return Prepend("seccomp-fake-dev", FakedDevices);
        }
        if (mode == SeccompMode.Unconfined)
            yield break;
        var deny = new string[Denied.Length + 1];
        deny[0] = "seccomp-deny";
        Denied.CopyTo(deny, 1);
        yield return deny;
        var ioctls = new List<string> { "seccomp-ioctl" };
        foreach (var (_, request) in DeniedIoctls)
            ioctls.Add(request.ToString(CultureInfo.InvariantCulture));
        yield return ioctls.ToArray();
    }

    private static string[] Prepend(string verb, string[] names)
    {
        var r = new string[names.Length + 1];
        r[0] = verb;
        names.CopyTo(r, 1);
        return r;
    }
}
