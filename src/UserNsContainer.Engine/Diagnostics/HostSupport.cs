using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>How one host check came out.</summary>
public enum CheckStatus
{
    Pass,
    Warn,
    Fail,
    NotApplicable,
}

/// <summary>One row of Test-UserNsSupport: what was checked, how it came out, what was seen,
/// and what to change where a fix is known.</summary>
public sealed record SupportCheck(string Name, CheckStatus Status, string Detail, string? RecommendedAction = null);

/// <summary>
/// What this host lets the caller do with user namespaces, found by reading the settings and,
/// where a file read would not tell, by doing it in a short-lived helper (the "probe" mode):
/// a user namespace, overlayfs with userxattr in one, an idmapped clone of a path. Never
/// changes the host.
/// </summary>
public static class HostSupport
{
    private const string ProcSys = "/proc/sys";

    public static IReadOnlyList<SupportCheck> Run(string? idmapPath = null)
    {
        uint uid = ContainerEngine.CallerUid;
        var probes = Probe(idmapPath is null ? new[] { "userns", "overlay", "fuse" } : new[] { "userns", "overlay", "fuse", "idmap " + idmapPath });
        var checks = new List<SupportCheck>
        {
            Kernel(),
            UserNamespaces(probes[0], uid),
            MaxUserNamespaces(),
            Capacity(uid),
            Sysctl("kernel/unprivileged_userns_clone", "UnprivilegedUsernsClone", "0", uid,
                "Debian's switch for unprivileged user namespaces is off.", "sysctl -w kernel.unprivileged_userns_clone=1"),
            Sysctl("kernel/apparmor_restrict_unprivileged_userns", "AppArmorUsernsRestriction", "1", uid,
                "AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later).", "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile that allows userns for pwsh"),
            Subordinate("SubordinateUids", SubordinateIds.UidFile, uid),
            Subordinate("SubordinateGids", SubordinateIds.GidFile, uid),
            MapTool("newuidmap", uid),
            MapTool("newgidmap", uid),
            Overlay(probes[1]),
            SquashFs(probes[2]),
            PrivateNetwork(),
            Seccomp(),
            Pidfd(),
            Cgroups(),
        };
        if (idmapPath is not null)
            checks.Add(Idmap(idmapPath, probes[3], uid));
        return checks;
    }

    /// <summary>The errno of each probe, in order (0: it worked).</summary>
    private static int[] Probe(string[] kinds)
    {
        var records = kinds.Select(k => new[] { "op", "probe" }.Concat(k.Split(' ', 2)).ToArray()).Append(new[] { "end" });
        var received = HelperProcess.RunOnce("probe", records);
        var result = Enumerable.Repeat(EIO, kinds.Length).ToArray();
        foreach (var r in received.Where(r => r[0] == "probe" && r.Length == 3))
            if (int.TryParse(r[1], out var i) && i >= 0 && i < result.Length && int.TryParse(r[2], out var e))
                result[i] = e;
        return result;
    }

    private const int EPERM = 1, ENOENT = 2, EIO = 5, EACCES = 13, EINVAL = 22, ENOSPC = 28, EOPNOTSUPP = 95;

    private static string Error(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    private static string? ReadSetting(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(ProcSys, name)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static SupportCheck Kernel()
    {
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        var digits = release.Split('.', '-').Take(2).Select(p => int.TryParse(p, out var n) ? n : 0).ToArray();
        var version = new Version(digits.ElementAtOrDefault(0), digits.ElementAtOrDefault(1));
        if (version < new Version(5, 12))
            return new("KernelVersion", CheckStatus.Fail, $"Linux {release}: mount_setattr (5.12) is missing; read-only mounts cannot be made as the engine makes them.",
                "Run on Linux 5.12 or later.");
        if (version < new Version(6, 15))
            return new("KernelVersion", CheckStatus.Warn, $"Linux {release}: before 6.15 a bind added live holds read-only, but root inside can unmount it, and live overmounts are not available.",
                "Linux 6.15 or later locks live binds.");
        return new("KernelVersion", CheckStatus.Pass, $"Linux {release}.");
    }

    private static SupportCheck UserNamespaces(int errno, uint uid) => errno == 0
        ? new("UserNamespaces", CheckStatus.Pass, $"A user namespace was created for uid {uid}.")
        : new("UserNamespaces", CheckStatus.Fail, $"The kernel refused to create a user namespace for uid {uid}: {Error(errno)}.",
            errno == ENOSPC ? "Raise user.max_user_namespaces (sysctl -w user.max_user_namespaces=15000)."
                : "Check kernel.unprivileged_userns_clone (Debian: 1), kernel.apparmor_restrict_unprivileged_userns (Ubuntu: 0), user.max_user_namespaces (> 0), and any seccomp policy that forbids clone(CLONE_NEWUSER).");

    private static SupportCheck MaxUserNamespaces()
    {
        var text = ReadSetting("user/max_user_namespaces");
        if (text is null || !long.TryParse(text, out var max))
            return new("MaxUserNamespaces", CheckStatus.NotApplicable, "user.max_user_namespaces cannot be read.");
        int inUse = UserNamespacesInUse();
        if (max == 0)
            return new("MaxUserNamespaces", CheckStatus.Fail, "user.max_user_namespaces is 0: no user namespace can be created.",
                "sysctl -w user.max_user_namespaces=15000");
        if (inUse + 2 > max)
            return new("MaxUserNamespaces", CheckStatus.Warn, $"user.max_user_namespaces is {max} and about {inUse} are in use: each container takes two.",
                $"sysctl -w user.max_user_namespaces={Math.Max(max * 2, 15000)}");
        return new("MaxUserNamespaces", CheckStatus.Pass, $"user.max_user_namespaces is {max}; about {inUse} in use that you can see (each container takes two).");
    }

    /// <summary>How many idle containers the host's limits let the caller run at once, and the
    /// limit that binds first. An idle container takes two user and two mount namespaces (the
    /// outer one and the nested one that locks its mounts), one each of pid, net, uts, ipc and
    /// cgroup, and two processes (its monitor and its init).</summary>
    private static SupportCheck Capacity(uint uid)
    {
        var limits = new List<(string Name, long Value, int PerContainer)>();
        void Setting(string file, string name, int perContainer)
        {
            if (ReadSetting(file) is { } text && long.TryParse(text, out var v) && v >= 0)
                limits.Add((name, v, perContainer));
        }
        Setting("user/max_user_namespaces", "user.max_user_namespaces", 2);
        Setting("user/max_mnt_namespaces", "user.max_mnt_namespaces", 2);
        foreach (var kind in new[] { "pid", "net", "uts", "ipc", "cgroup" })
            Setting($"user/max_{kind}_namespaces", $"user.max_{kind}_namespaces", 1);
        Setting("kernel/pid_max", "kernel.pid_max", 2);
        Setting("kernel/threads-max", "kernel.threads-max", 2);
        if (uid != 0 && Libc.NprocLimit() is { } nproc)
            limits.Add(("your process limit (ulimit -u)", nproc, 2));
        if (limits.Count == 0)
            return new("ContainerCapacity", CheckStatus.NotApplicable, "No limit on namespaces or processes can be read.");
        var ordered = limits.OrderBy(l => l.Value / l.PerContainer).ToList();
        var (name, value, per) = ordered[0];
        long allows = value / per;
        var next = string.Join("; ", ordered.Skip(1).Take(3).Select(l => $"{l.Name} {l.Value} allows {l.Value / l.PerContainer}"));
        var detail = $"At most {allows} idle containers at once: {name} is {value}, and each container takes {per}{(per == 1 ? "" : $" ({(name.Contains("namespaces", StringComparison.Ordinal) ? "the outer and the nested one" : "its monitor and its init")})")}. Next: {next}.";
        if (allows >= 1000)
            return new("ContainerCapacity", CheckStatus.Pass, detail);
        var fix = name.StartsWith("your", StringComparison.Ordinal) ? "Raise it in /etc/security/limits.conf (nproc) or with ulimit -u."
            : $"sysctl -w {name}={Math.Max(value * 2, 1000L * per + 1000)}";
        return new("ContainerCapacity", CheckStatus.Warn, detail + " Fewer than 1000.", fix);
    }

    /// <summary>Distinct user namespaces among the processes whose namespace links can be read.</summary>
    private static int UserNamespacesInUse()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "user")).LinkTarget is { } ns)
                    seen.Add(ns);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return seen.Count;
    }

    private static SupportCheck Sysctl(string file, string name, string blocking, uint uid, string what, string fix)
    {
        var value = ReadSetting(file);
        if (value is null)
            return new(name, CheckStatus.NotApplicable, $"{file.Replace('/', '.')} does not exist on this kernel.");
        if (value != blocking)
            return new(name, CheckStatus.Pass, $"{file.Replace('/', '.')} is {value}.");
        return uid == 0
            ? new(name, CheckStatus.Warn, $"{file.Replace('/', '.')} is {value}: {what} It does not stop root.", fix)
            : new(name, CheckStatus.Fail, $"{file.Replace('/', '.')} is {value}: {what}", fix);
    }

    private static SupportCheck Subordinate(string name, string file, uint uid)
    {
        var user = SubordinateIds.UserName(uid);
        var ranges = SubordinateIds.For(file, user, uid);
        long total = ranges.Sum(r => (long)r.Count);
        if (total >= IdMapPlanner.AutoCount)
            return new(name, CheckStatus.Pass, $"{file} gives '{user}' {total} ids ({string.Join(", ", ranges.Select(r => $"{r.Start}+{r.Count}"))}): enough for -IdMap Auto.");
        var line = SubordinateIds.SuggestedLine(file, user, IdMapPlanner.AutoCount);
        return new(name, CheckStatus.Warn,
            total == 0 && uid == 0 ? $"{file} gives 'root' no range: -IdMap Auto is refused (explicit maps still work: root may map any ids)."
                : total == 0 ? $"{file} gives '{user}' no range: -IdMap Auto and maps beyond your own id are refused (a single id still works)."
                : $"{file} gives '{user}' only {total} ids: -IdMap Auto needs {IdMapPlanner.AutoCount}.",
            $"As root, add the line '{line}' to {file}.");
    }

    private static SupportCheck MapTool(string tool, uint uid)
    {
        var found = IdMapWriter.FindTool(tool);
        if (found is null)
            return new(tool, uid == 0 ? CheckStatus.NotApplicable : CheckStatus.Warn,
                uid == 0 ? $"{tool} is not installed; root writes maps itself." : $"{tool} is not installed: maps beyond your own id cannot be written.",
                uid == 0 ? null : "apt-get install uidmap (Debian, Ubuntu) or shadow-utils (Fedora)");
        if (!IdMapWriter.IsPrivileged(found))
            return new(tool, uid == 0 ? CheckStatus.NotApplicable : CheckStatus.Fail,
                $"{found} has neither the setuid bit nor file capabilities{(uid == 0 ? "; root writes maps itself" : ": it cannot write maps for you")}.",
                uid == 0 ? null : $"chmod u+s {found} (as root), or reinstall the uidmap package");
        return new(tool, CheckStatus.Pass, $"{found} is installed and privileged.");
    }

    private static SupportCheck Overlay(int errno) => errno == 0
        ? new("OverlayUserxattr", CheckStatus.Pass, "overlayfs with userxattr mounts inside a user namespace.")
        : new("OverlayUserxattr", CheckStatus.Warn, $"overlayfs with userxattr cannot be mounted inside a user namespace: {Error(errno)}.",
            "Linux 5.11 or later with overlayfs built in or loaded (modprobe overlay).");

    /// <summary>What a SquashFS -RootFs needs: squashfuse, /dev/fuse open to the caller, and a
    /// FUSE mount in a user namespace, tried for real (<paramref name="errno"/>).</summary>
    private static SupportCheck SquashFs(int errno)
    {
        var tool = IdMapWriter.FindTool("squashfuse");
        if (tool is null)
            return new("SquashFS", CheckStatus.Warn, "squashfuse is not installed: a SquashFS image cannot be a root (directories still can).",
                "apt-get install squashfuse (Debian, Ubuntu), dnf install squashfuse (Fedora)");
        if (!File.Exists("/dev/fuse") || !Libc.CanReadWrite("/dev/fuse"))
            return new("SquashFS", CheckStatus.Warn, $"{tool} is installed, but /dev/fuse is {(File.Exists("/dev/fuse") ? "not open to you" : "missing")}: a SquashFS image cannot be a root.",
                "As root: modprobe fuse, and chmod 666 /dev/fuse (its usual mode).");
        if (errno != 0)
            return new("SquashFS", CheckStatus.Warn, $"{tool} and /dev/fuse are there, but a FUSE mount inside a user namespace failed: {Error(errno)}.",
                "Linux 4.18 or later allows FUSE mounts in user namespaces; check that no security module (AppArmor, SELinux) forbids them.");
        return new("SquashFS", CheckStatus.Pass, $"{tool} and /dev/fuse are usable, and a FUSE mount inside a user namespace worked: SquashFS images can be roots.");
    }

    /// <summary>What -Network Private needs: pasta, /dev/net/tun open to the caller, and a host
    /// default route (pasta copies the host's addresses and routes, and ends without one).</summary>
    private static SupportCheck PrivateNetwork()
    {
        const string name = "PrivateNetwork";
        var tool = IdMapWriter.FindTool("pasta");
        var tun = ContainerSpec.TunDevice;
        if (tool is null)
            return new(name, CheckStatus.Warn, "pasta is not installed: -Network Private is unavailable (None and Host still work).",
                "apt-get install passt (Debian, Ubuntu), dnf install passt (Fedora)");
        if (!File.Exists(tun) || !Libc.CanReadWrite(tun))
            return new(name, CheckStatus.Warn, $"{tool} is installed, but {tun} is {(File.Exists(tun) ? "not open to you" : "missing")}: -Network Private is unavailable.",
                $"As root: modprobe tun, and chmod 666 {tun} (its usual mode on most distributions).");
        if (ResolvConf.HostGateway() is null && !(File.Exists("/proc/net/ipv6_route") && File.ReadLines("/proc/net/ipv6_route").Any(l => l.StartsWith("00000000000000000000000000000000 00 ", StringComparison.Ordinal))))
            return new(name, CheckStatus.Warn, $"{tool} and {tun} are usable, but the host has no default route, which pasta copies: -Network Private would fail.",
                "Give the host a default route (ip route add default via ...).");
        return new(name, CheckStatus.Pass, $"{tool} and {tun} are usable: -Network Private works (outbound NAT, -Publish).");
    }

    private static SupportCheck Seccomp()
    {
        var status = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Seccomp:", StringComparison.Ordinal));
        if (status is null || !File.Exists(Path.Combine(ProcSys, "kernel/seccomp/actions_avail")))
            return new("Seccomp", CheckStatus.Fail, "The kernel has no seccomp filters: the default filter cannot be applied.",
                "Use a kernel built with CONFIG_SECCOMP_FILTER, or run with -Seccomp Unconfined.");
        return new("Seccomp", CheckStatus.Pass, $"seccomp filters are available (actions: {ReadSetting("kernel/seccomp/actions_avail")}).");
    }

    private static SupportCheck Pidfd()
    {
        const long SYS_pidfd_open = 434;
        long fd = Libc.syscall(SYS_pidfd_open, Environment.ProcessId, 0, 0, 0);
        if (fd < 0)
            return new("Pidfd", CheckStatus.Warn, $"pidfd_open is unavailable: {Error(Marshal.GetLastPInvokeError())}; containers are watched by pid and start time only.",
                "Linux 5.3 or later.");
        Libc.close((int)fd);
        return new("Pidfd", CheckStatus.Pass, "pidfd_open works: containers are watched without pid-reuse races.");
    }

    private static SupportCheck Cgroups()
    {
        if (!File.Exists("/sys/fs/cgroup/cgroup.controllers"))
            return new("CgroupV2", CheckStatus.NotApplicable, "The unified cgroup hierarchy (v2) is not mounted at /sys/fs/cgroup.");
        var own = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..] ?? "/";
        var dir = "/sys/fs/cgroup" + own;
        return Libc.CanWrite(dir)
            ? new("CgroupV2", CheckStatus.Pass, $"cgroup v2; your cgroup {own} is delegated to you (writable).")
            : new("CgroupV2", CheckStatus.Warn, $"cgroup v2; your cgroup {own} is not delegated to you, so containers cannot be given resource limits.",
                "Run from a delegated cgroup (systemd-run --user --scope -p Delegate=yes pwsh).");
    }

    private static SupportCheck Idmap(string path, int errno, uint uid) => errno switch
    {
        0 => new("IdmapMount", CheckStatus.Pass, $"'{path}' can be idmapped by uid {uid}: -Bind @{{ IdMap = $true }} works there."),
        ENOENT => new("IdmapMount", CheckStatus.Fail, $"'{path}' does not exist."),
        EPERM or EACCES => new("IdmapMount", CheckStatus.Fail,
            $"uid {uid} may not idmap '{path}': {Error(errno)}. Only a process privileged over the filesystem's user namespace may, and host filesystems belong to the initial one.",
            uid == 0 ? null : "Run as root, or bind without IdMap."),
        EINVAL or EOPNOTSUPP => new("IdmapMount", CheckStatus.Fail, $"The filesystem under '{path}' does not support idmapped mounts: {Error(errno)}.",
            "Use a filesystem that does (ext4, xfs, btrfs, tmpfs, ...), or bind without IdMap."),
        _ => new("IdmapMount", CheckStatus.Fail, $"Idmapping '{path}' failed: {Error(errno)}."),
    };
}
