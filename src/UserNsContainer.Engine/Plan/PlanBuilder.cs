// The plan: a validated spec turned into the helper's ordered records (settings, setup
// operations, the seccomp lists, the masks of the caller's private directories). All policy
// is decided here; the helper (src/native) executes the records and nothing else.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>
/// Turns a validated spec into the helper's ordered operation list (docs/design.md). All
/// policy (what is mounted where, with which flags) is decided here; the helper only
/// executes the records.
/// </summary>
public static class PlanBuilder
{
    // mount(2) flags
    private const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;

    /// <summary>Where the helper mounts its setup tmpfs; it exists on every Linux host.</summary>
    public const string SetupBase = "/tmp";

    /// <summary>The tmpfs mounts a container with a mount namespace gets: a missing mount point
    /// under them is made there (elsewhere, an overmount provides it). The host's /tmp is not one.</summary>
    public static string[] ScratchMounts(bool hostTmp) => hostTmp ? new[] { "/dev", "/run" } : new[] { "/dev", "/tmp", "/run" };

    private static readonly string[] DeviceNodes = { "null", "zero", "full", "random", "urandom", "tty" };

    /// <summary>Kernel interfaces left read-only, as runc, crun and bwrap leave them: through them
    /// a root caller's container would change the host (core_pattern, sysrq, irq affinity).</summary>
    public static readonly string[] ReadOnlyPaths = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };

    /// <summary>Hidden behind an empty read-only tmpfs (directories) or /dev/null (files):
    /// kernel memory, keys, timers and firmware (runc's maskedPaths).</summary>
    public static readonly string[] MaskedPaths =
    {
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    };

    /// <param name="Terminal">The main process gets a new pty that the helper relays to the caller's terminal.</param>
    /// <param name="Timings">The init reports how long each setup step took (USERNSCONTAINER_TIMINGS).</param>
    /// <param name="Maps">The init's maps in /proc text, for the monitor to write right after the
    /// clone (null: the engine writes them, e.g. through newuidmap), and whether setgroups must be denied first.</param>
    /// <param name="Link">The socket in the state directory where the monitor hands the container's
    /// outer namespaces to live binds and entered commands, and the container's Id it proves.</param>
    /// <param name="OrphanFiles">The container's files in the state directory, which the monitor
    /// removes if this process goes away before the container is on its own.</param>
    public sealed record LaunchOptions(bool Detached, string? LogPath, long LogMaxBytes, string? StatusPath, bool Terminal = false, bool Timings = false,
        (string Uid, string Gid, bool DenySetgroups)? Maps = null, (string Socket, string Id)? Link = null, string[]? OrphanFiles = null);

    /// <summary>Tests only: USERNSCONTAINER_FAULT=WHO@STEP has the helper's process WHO (monitor,
    /// init, main, enter, bind) end abruptly at STEP, to show that every wait ends (fault.c).</summary>
    public static IEnumerable<string[]> FaultRecords()
    {
        var fault = Environment.GetEnvironmentVariable("USERNSCONTAINER_FAULT");
        if (fault?.Split('@') is [{ Length: > 0 } who, { Length: > 0 } step])
            yield return new[] { "fault", who, step };
    }

    /// <summary>What the helper needs before it clones: namespaces, launch mode, the process.</summary>
    public static List<string[]> Settings(ContainerSpec spec, LaunchOptions launch)
    {
        var plan = new List<string[]>
        {
            new[] { "clone", Namespaces.InitCloneFlags(spec.Namespaces).ToString(CultureInfo.InvariantCulture) },
        };
        if (launch.Detached)
            plan.Add(new[] { "detached" });
        if (launch.Terminal)
            plan.Add(new[] { "tty" });
        if (launch.Timings)
            plan.Add(new[] { "timings" });
        if (launch.Maps is { } maps)
            plan.Add(new[] { "maps", maps.Uid, maps.Gid, maps.DenySetgroups ? "deny" : "keep" });
        if (launch.OrphanFiles is { Length: > 0 } orphans)
            plan.Add(Prepend("orphan-files", orphans));
        if (launch.Link is { } link)
            plan.Add(new[] { "link-serve", link.Socket, link.Id });
        if (launch.LogPath is not null)
            plan.Add(new[] { "log", launch.LogPath, launch.LogMaxBytes.ToString(CultureInfo.InvariantCulture) });
        if (launch.StatusPath is not null)
            plan.Add(new[] { "status", launch.StatusPath });
        if (spec.Command is not null)
            plan.Add(Prepend("argv", spec.Command));
        plan.Add(Prepend("env", spec.EnvironmentBlock()));
        plan.AddRange(SeccompProfile.Records(spec.Seccomp, spec.FakeRoot));
        plan.AddRange(ResourceLimits.Records(spec.Limits));
        plan.AddRange(FaultRecords());
        if (spec.User is { } uid)
            plan.Add(new[] { "user", uid.ToString(CultureInfo.InvariantCulture), (spec.Group ?? 0).ToString(CultureInfo.InvariantCulture) });
        var cwd = spec.WorkingDirectory ?? (spec.Namespaces.HasFlag(NamespaceSet.Mnt) ? "/" : null);
        if (cwd is not null)
            plan.Add(new[] { "cwd", cwd });
        plan.Add(new[] { "end" });
        return plan;
    }

    /// <summary>The setup operations, in order; sent when the container is released, so binds
    /// added to a Created container are part of them. <paramref name="networkLog"/>: where
    /// pasta logs, for -Network Private.</summary>
    public static List<string[]> Ops(ContainerSpec spec, IReadOnlyList<BindMount> binds, string? networkLog = null)
    {
        var plan = new List<string[]>();
        if (spec.Namespaces.HasFlag(NamespaceSet.Mnt))
        {
            AddFileSystem(plan, spec, binds);
            // from here the mounts hold even against root inside; net, uts, ipc and cgroup are
            // made here too, so that root inside owns them
            plan.Add(Op("lock", Namespaces.NestedNames(spec.Namespaces)));
        }
        if (spec.Namespaces.HasFlag(NamespaceSet.Uts) && spec.Hostname is not null)
            plan.Add(Op("hostname", spec.Hostname));
        if (spec.Namespaces.HasFlag(NamespaceSet.Net))
            plan.Add(Op("loopback"));
        // the nested user namespace owns the net namespace now: pasta joins both
        if (spec.Network == NetworkMode.Private)
            plan.Add(Op("network", new[] { spec.Pasta!, networkLog ?? "/dev/null" }.Concat(PastaArguments.For(spec, networkLog ?? "/dev/null")).ToArray()));
        return plan;
    }

    private static void AddFileSystem(List<string[]> plan, ContainerSpec spec, IReadOnlyList<BindMount> binds)
    {
        var ns = spec.Namespaces;
        plan.Add(Op("base", SetupBase));
        var identity = (spec.RootIdentity ?? Libc.IdentityOf(spec.RootFs ?? "/"))?.Fields() ?? Array.Empty<string>();
        if (spec.IsSquashFs)
            plan.Add(Op("squashfs", new[] { spec.RootFs! }.Concat(identity).Append(spec.SquashFuse!).ToArray()));
        else
            plan.Add(Op("root", new[] { spec.RootFs ?? "/" }.Concat(identity).ToArray()));
        if (spec.WriteFake)
            plan.Add(Op("overlay", spec.WriteFakeSize!.Value.ToString(CultureInfo.InvariantCulture)));
        else if (!spec.Writable)
            plan.Add(Op("rdonly", "/"));
        if (ns.HasFlag(NamespaceSet.Pid))
            plan.Add(Op("mount", "proc", "/proc", Flags(MS_NOSUID | MS_NODEV | MS_NOEXEC), ""));
        else
            plan.Add(Op("bind", "/proc", "/proc", "rc"));
        AddDevices(plan);
        if (spec.HostTmp)
            plan.Add(Op("bind", "/tmp", "/tmp", "rc"));
        else
            plan.Add(Op("mount", "tmpfs", "/tmp", Flags(MS_NOSUID | MS_NODEV), "mode=1777"));
        plan.Add(Op("mount", "tmpfs", "/run", Flags(MS_NOSUID | MS_NODEV), "mode=0755"));
        // the host's /sys, read-only (as bwrap and ch-run bind it): a fresh sysfs needs a net
        // namespace of the mounting user namespace, and the container's is made later, in the
        // nested one; the default root has it already, inside the read-only host root
        if (spec.RootFs is not null)
            plan.Add(Op("bind", "/sys", "/sys", "rco"));
        // before the lock, so that root inside can neither remount nor unmount them
        foreach (var p in ReadOnlyPaths)
            plan.Add(Op("robind", p, "s"));
        foreach (var p in MaskedPaths)
            plan.Add(Op("mask", p, "s"));
        AddAccounts(plan, spec);
        if (spec.ResolvConfText is { } resolv && !binds.Any(b => b.Target == "/etc/resolv.conf"))
        {
            plan.Add(Op("hostfile", "/resolv.conf", "644", resolv));
            plan.Add(Op("bind", "/resolv.conf", "/etc/resolv.conf", spec.Writable ? "bos" : "bcos"));
        }
        if (spec.OwnHosts && spec.Hostname is { } hostname && !binds.Any(b => b.Target == "/etc/hosts"))
        {
            plan.Add(Op("hostfile", "/hosts", "644", EtcHosts.Build(hostname, EtcHosts.ReadHost())));
            plan.Add(Op("bind", "/hosts", "/etc/hosts", spec.Writable ? "bos" : "bcos"));
        }
        foreach (var b in binds)
            plan.Add(Op("bind", new[] { b.Source, b.Target, BindFlags(b, spec.Writable) }.Concat(b.SourceIdentity?.Fields() ?? Array.Empty<string>()).ToArray()));
        // the state directory and the image store, wherever a host path shows them
        foreach (var hidden in HiddenDirectories.Targets(spec.Hidden, spec.Exposed(binds)))
            plan.Add(Op("mask", hidden, "s"));
        // mount points the image lacked were made in overmounts (tmpfs over their parent
        // directory, re-exposing its entries by bind): read-only from here on
        plan.Add(Op("seal"));
        plan.Add(Op("pivot"));
    }

    /// <summary>/etc/passwd and /etc/group where the root has none of its own (the host's root
    /// always gets them): root, nobody and the container's user, written in the setup tmpfs and
    /// bound read-only. An image's own files are used as they are; a writable image that lacks
    /// them gets none (an overmount of its /etc would refuse new files there).</summary>
    private static void AddAccounts(List<string[]> plan, ContainerSpec spec)
    {
        var (passwd, group) = Accounts.Synthesize(spec);
        var flags = spec.Writable ? "bos" : "bcos";
        if (!spec.ImageAccounts.HasFlag(ImageAccountFiles.Passwd))
        {
            plan.Add(Op("hostfile", "/passwd", "644", passwd));
            plan.Add(Op("bind", "/passwd", "/etc/passwd", flags));
        }
        if (!spec.ImageAccounts.HasFlag(ImageAccountFiles.Group))
        {
            plan.Add(Op("hostfile", "/group", "644", group));
            plan.Add(Op("bind", "/group", "/etc/group", flags));
        }
    }

    private static void AddDevices(List<string[]> plan)
    {
        plan.Add(Op("mount", "tmpfs", "/dev", Flags(MS_NOSUID | MS_NOEXEC), "mode=0755"));
        foreach (var dev in DeviceNodes)
            plan.Add(Op("bind", "/dev/" + dev, "/dev/" + dev, "cd")); // the only mounts without nodev
        // no gid=5: it fails unless gid 5 is mapped (docs/design.md)
        plan.Add(Op("mount", "devpts", "/dev/pts", Flags(MS_NOSUID | MS_NOEXEC), "newinstance,ptmxmode=0666,mode=0620"));
        plan.Add(Op("symlink", "pts/ptmx", "/dev/ptmx"));
        plan.Add(Op("mkdir", "/dev/shm", "1777", ""));
        plan.Add(Op("symlink", "/proc/self/fd", "/dev/fd"));
        plan.Add(Op("symlink", "/proc/self/fd/0", "/dev/stdin"));
        plan.Add(Op("symlink", "/proc/self/fd/1", "/dev/stdout"));
        plan.Add(Op("symlink", "/proc/self/fd/2", "/dev/stderr"));
    }

    /// <summary>The helper's bind flags. A default bind (resolv.conf, hosts, machine-id) whose
    /// target a writable image lacks is left out rather than overmount the image's /etc, which
    /// would stop tools such as useradd from adding files there.</summary>
    private static string BindFlags(BindMount b, bool writable) =>
        (b.NonRecursive ? "" : "r") + (b.ReadOnly ? "o" : "") + (b.Optional ? "f" : "") +
        (b.NoCreate || (b.Default && writable) ? "" : "c") + (b.Default ? "s" : "") + (b.IdMap ? "i" : "");

    private static string Flags(ulong f) => f.ToString(CultureInfo.InvariantCulture);

    private static string[] Op(string kind, params string[] args) => Prepend("op", Prepend(kind, args));

    private static string[] Prepend(string head, string[] rest)
    {
        var r = new string[rest.Length + 1];
        r[0] = head;
        rest.CopyTo(r, 1);
        return r;
    }
}
