// Specification and validation: what a container should be (ContainerSpec and its parts:
// file system, image, network, binds, accounts, namespaces, limits), checked and completed
// before anything exists; every refusal names the parameter, the value and what is accepted.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>What a container should be. <see cref="Validate"/> checks and completes it
/// before anything is created; the helper never sees an unchecked spec.</summary>
public sealed partial class ContainerSpec
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public string? Name { get; set; }
    public string[]? Command { get; set; }
    /// <summary>A directory on the host; null means the host's / bound read-only.</summary>
    public string? RootFs { get; set; }
    public NamespaceSet Namespaces { get; set; } = NamespaceSet.All;
    public string? Hostname { get; set; }
    /// <summary>The container gets an /etc/hosts naming its host name (set by validation).</summary>
    internal bool OwnHosts { get; private set; }
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);
    public string? WorkingDirectory { get; set; }
    public bool Writable { get; set; }
    public IdMapRange[] UidMap { get; set; } = Array.Empty<IdMapRange>();
    public IdMapRange[] GidMap { get; set; } = Array.Empty<IdMapRange>();
    /// <summary>Guix's host-uids: container ids 0..n-1.</summary>
    public uint? HostIdCount { get; set; }
    /// <summary>-IdMap Auto: 0 to the caller, 1..65536 to its subordinate range.</summary>
    public bool AutoIdMap { get; set; }
    /// <summary>The main process's uid and gid inside; null: root.</summary>
    public uint? User { get; set; }
    public uint? Group { get; set; }
    /// <summary>-User and -Group given as names: resolved in the container's /etc/passwd and
    /// /etc/group when the spec is validated (a user's primary group comes with it).</summary>
    public string? UserName { get; set; }
    public string? GroupName { get; set; }
    /// <summary>Host paths bound in, in order.</summary>
    public List<BindMount> Binds { get; set; } = new();

    /// <summary>-Limit: resource limits of the main process (RLIMIT_* number to soft and hard).</summary>
    public Dictionary<int, ResourceLimits.Limit> Limits { get; set; } = new();

    /// <summary>The seccomp filter of the main process (and of processes entered later).</summary>
    public SeccompMode Seccomp { get; set; }
    /// <summary>-FakeRoot: chown, setuid and their kind, setgroups and mknod of devices answer
    /// success and do nothing (SeccompProfile.Faked), so that one id passes for many.</summary>
    public bool FakeRoot { get; set; }

    // \z, not $: $ also matches before a final newline, and "web\n" is no name
    private static readonly Regex NamePattern = new("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\\z", RegexOptions.CultureInvariant);
    private static readonly Regex HostnamePattern = new("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\z", RegexOptions.CultureInvariant);
    private static readonly Regex EnvNamePattern = new("^[A-Za-z_][A-Za-z0-9_]*\\z", RegexOptions.CultureInvariant);

    /// <summary>True when <paramref name="name"/> is a valid container name.</summary>
    public static bool IsValidName(string name) => NamePattern.IsMatch(name);

    /// <summary>Checks every field, fills defaults, and resolves the command inside the root.
    /// Throws <see cref="InvalidSpecException"/> naming the parameter, the value and what is accepted.</summary>
    public void Validate(uint callerUid, uint callerGid, string? hostTerm)
    {
        Namespaces |= NamespaceSet.User;
        if (Name is not null && !IsValidName(Name))
            throw new InvalidSpecException("InvalidName", "Name", Name,
                "1 to 63 characters: letters, digits, '_', '.', '-', starting with a letter or digit");
        ResolveImage();
        ValidateRoot();
        ValidateHostname();
        ValidateFilesystemOptions(callerUid);
        ValidateNetwork();
        ValidateBinds();
        ValidateIdMaps(callerUid, callerGid);
        ResolveNamesInRoot();
        ValidateUser();
        ValidateProcess(RootFs ?? "/", hostTerm);
    }

    /// <summary>What a process needs, for a new container or one entered: working directory,
    /// environment, and a command that exists under <paramref name="lookupRoot"/>.</summary>
    public void ValidateProcess(string lookupRoot, string? hostTerm)
    {
        ValidateWorkingDirectory();
        ValidateEnvironment(hostTerm);
        ValidateCommand(lookupRoot);
    }

    private void ValidateBinds()
    {
        if (Binds.Count > 0 && !Namespaces.HasFlag(NamespaceSet.Mnt))
            throw new InvalidSpecException("BindNeedsMountNamespace", "Bind", Binds[0].ToString(),
                "binds need the mnt namespace: add 'mnt' to -Namespace");
        Binds = Binds.Select(b => b.Validate("Bind")).ToList();
        Binds.InsertRange(0, DefaultBinds().Concat(HomeBind()));
    }

    /// <summary>What users expect in an image: the host's resolv.conf and hosts when the
    /// container shares the host's network or the image has none, and the host's machine-id
    /// when the image has none. Read-only, optional, and never over a bind the user gave.</summary>
    private IEnumerable<BindMount> DefaultBinds()
    {
        // a host name of its own: an /etc/hosts that names it (PlanBuilder), unless the user binds
        // one, or an image brings its own and has a network of its own
        OwnHosts = Namespaces.HasFlag(NamespaceSet.Uts) && !Binds.Any(b => b.Target == "/etc/hosts");
        if (RootFs is null)
            yield break; // the host's root has the host's files already
        bool sharesNet = !Namespaces.HasFlag(NamespaceSet.Net);
        foreach (var (file, whenSharing) in new[] { ("/etc/resolv.conf", true), ("/etc/hosts", true), ("/etc/machine-id", false) })
        {
            if (Binds.Any(b => b.Target == file) || BindMount.RealPath(file) is not { } source)
                continue;
            if (file == "/etc/resolv.conf" && ResolvConfText is not null)
                continue; // a private network's own (PlanBuilder)
            bool imageHasIt = RootPath.Resolve(RootFs, file) is { } inImage && NonEmptyFile(inImage);
            if (file == "/etc/hosts" && OwnHosts)
            {
                OwnHosts = (whenSharing && sharesNet) || !imageHasIt; // else the image's own is kept
                continue;
            }
            if ((whenSharing && sharesNet) || !imageHasIt)
                yield return new BindMount { Source = source, Target = file, ReadOnly = true, Optional = true, Default = true };
        }
    }

    private void ValidateIdMaps(uint callerUid, uint callerGid)
    {
        uint euid = callerUid;
        bool explicitMaps = UidMap.Length > 0 || GidMap.Length > 0;
        if (AutoIdMap && (explicitMaps || HostIdCount is not null))
            throw new InvalidSpecException("IdMapConflict", "IdMap", "Auto",
                "-IdMap Auto alone; it cannot be combined with -UidMap, -GidMap or -HostIdCount");
        if (HostIdCount is { } n)
        {
            if (explicitMaps)
                throw new InvalidSpecException("IdMapConflict", "HostIdCount", n,
                    "-HostIdCount alone; it cannot be combined with -UidMap or -GidMap");
            if (n < 1)
                throw new InvalidSpecException("InvalidHostIdCount", "HostIdCount", n, "a count of at least 1");
            UidMap = IdMapPlanner.HostIds(n, callerUid, euid, IdMapWriter.Kind.Uid);
            GidMap = IdMapPlanner.HostIds(n, callerGid, euid, IdMapWriter.Kind.Gid);
        }
        if (AutoIdMap)
        {
            UidMap = IdMapPlanner.Auto(callerUid, euid, IdMapWriter.Kind.Uid);
            GidMap = IdMapPlanner.Auto(callerGid, euid, IdMapWriter.Kind.Gid);
        }
        if (UidMap.Length == 0)
            UidMap = new[] { new IdMapRange(0, callerUid, 1) };
        if (GidMap.Length == 0)
            GidMap = new[] { new IdMapRange(0, callerGid, 1) };
        IdMapRange.Validate(UidMap, "UidMap");
        IdMapRange.Validate(GidMap, "GidMap");
        IdMapWriter.CheckAllowed(UidMap, IdMapWriter.Kind.Uid, euid, callerUid);
        IdMapWriter.CheckAllowed(GidMap, IdMapWriter.Kind.Gid, euid, callerGid);
    }

    /// <summary>-User and -Group names, looked up in the files the container will have: the
    /// image's own, else the synthesized ones.</summary>
    private void ResolveNamesInRoot()
    {
        if (UserName is null && GroupName is null)
            return;
        var (passwd, group) = Accounts.Synthesize(this);
        ResolveAccountNames(
            ImageAccounts.HasFlag(ImageAccountFiles.Passwd) ? AccountNames.Lines(RootPath.Resolve(RootFs!, "/etc/passwd")) : AccountNames.Split(passwd),
            ImageAccounts.HasFlag(ImageAccountFiles.Group) ? AccountNames.Lines(RootPath.Resolve(RootFs!, "/etc/group")) : AccountNames.Split(group),
            "the container's");
    }

    /// <summary>Turns -User and -Group names into ids, looked up in the container's files (host
    /// paths; null when missing).</summary>
    internal void ResolveAccountNames(string? passwdFile, string? groupFile, string whose) =>
        ResolveAccountNames(AccountNames.Lines(passwdFile), AccountNames.Lines(groupFile), whose);

    private void ResolveAccountNames(string[] passwd, string[] group, string whose)
    {
        if (UserName is not null)
        {
            var user = AccountNames.Find(passwd, UserName)
                ?? throw new InvalidSpecException("UnknownUser", "User", UserName,
                    $"a uid, or a user name {whose} /etc/passwd defines (it has: {AccountNames.Names(passwd)})");
            User = user.Id;
            if (Group is null && GroupName is null)
                Group = user.PrimaryGid;
        }
        if (GroupName is not null)
        {
            var g = AccountNames.Find(group, GroupName)
                ?? throw new InvalidSpecException("UnknownGroup", "Group", GroupName,
                    $"a gid, or a group name {whose} /etc/group defines (it has: {AccountNames.Names(group)})");
            Group = g.Id;
        }
    }

    private void ValidateUser()
    {
        if (User is { } uid && !IdMapRange.Maps(UidMap, uid))
            throw _userFromImage ? ImageUserNotMapped(uid) : new InvalidSpecException("UserNotMapped", "User", uid,
                $"a uid the container's uid map covers ({string.Join(", ", UidMap.Select(r => $"{r.ContainerId}..{(ulong)r.ContainerId + r.Count - 1}"))}); " +
                "map more ids with -IdMap Auto, -HostIdCount or -UidMap");
        if (User is not null && Group is null)
            Group = IdMapRange.Maps(GidMap, User.Value) ? User : 0;
        if (Group is { } gid && !IdMapRange.Maps(GidMap, gid))
            throw new InvalidSpecException("GroupNotMapped", "Group", gid,
                $"a gid the container's gid map covers ({string.Join(", ", GidMap.Select(r => $"{r.ContainerId}..{(ulong)r.ContainerId + r.Count - 1}"))}); " +
                "map more ids with -IdMap Auto, -HostIdCount or -GidMap");
    }

    private void ValidateRoot()
    {
        if (RootFs is null)
            return;
        if (!Namespaces.HasFlag(NamespaceSet.Mnt))
            throw new InvalidSpecException("RootFsNeedsMountNamespace", "RootFs", RootFs,
                "a root directory needs the mnt namespace: add 'mnt' to -Namespace or drop -RootFs");
        if (RootFs.Length == 0 || !Path.IsPathFullyQualified(RootFs))
            throw new InvalidSpecException("InvalidRootFs", "RootFs", RootFs, "an absolute path to an existing directory");
        if (HasControlCharacter(RootFs))
            throw new InvalidSpecException("InvalidRootFs", "RootFs", RootFs, "a path without control characters (newline, NUL, ...)");
        if (File.Exists(RootFs))
            CheckSquashFsImage();
        else if (!Directory.Exists(RootFs))
            throw new InvalidSpecException("RootFsNotFound", "RootFs", RootFs,
                "an existing directory holding the container's root file system (e.g. one made with 'busybox --install' or debootstrap); nothing is there");
        if (!IsSquashFs && !Libc.CanRead(RootFs))
            throw new InvalidSpecException("RootFsUnreadable", "RootFs", RootFs,
                $"a directory you may list and enter; uid {ContainerEngine.CallerUid} is refused read or search permission on it (or on a directory above it)");
        // resolved as the caller sees it: the helper opens it under /oldroot, where an
        // absolute symlink would point into its setup tmpfs instead
        RootFs = (BindMount.RealPath(RootFs) ?? Path.GetFullPath(RootFs)).TrimEnd('/');
        if (RootFs.Length == 0)
            RootFs = null; // "/" is the default root
        RootIdentity = Libc.IdentityOf(RootFs ?? "/")
            ?? throw new InvalidSpecException("RootFsNotFound", "RootFs", RootFs, "an existing directory (it disappeared while it was checked)");
        ImageAccounts = FindImageAccounts();
    }

    /// <summary>Which of /etc/passwd and /etc/group the image has (with content): those are
    /// used as they are; the others are synthesized (always, for the host's root).</summary>
    internal ImageAccountFiles ImageAccounts { get; private set; }

    private ImageAccountFiles FindImageAccounts()
    {
        if (RootFs is null)
            return ImageAccountFiles.None;
        var found = ImageAccountFiles.None;
        if (RootPath.Resolve(RootFs, "/etc/passwd") is { } p && NonEmptyFile(p))
            found |= ImageAccountFiles.Passwd;
        if (RootPath.Resolve(RootFs, "/etc/group") is { } g && NonEmptyFile(g))
            found |= ImageAccountFiles.Group;
        return found;
    }

    /// <summary>The device and inode the root was checked to be; the helper mounts only that
    /// directory, reached without following a symlink, or fails with RootFsChanged.</summary>
    internal FileIdentity? RootIdentity { get; set; }

    private void ValidateHostname()
    {
        if (Hostname is null)
        {
            if (Namespaces.HasFlag(NamespaceSet.Uts))
                Hostname = Name ?? "usernscontainer";
            return;
        }
        if (!Namespaces.HasFlag(NamespaceSet.Uts))
            throw new InvalidSpecException("HostnameNeedsUtsNamespace", "Hostname", Hostname,
                "a host name needs the uts namespace: add 'uts' to -Namespace");
        if (Hostname.Length > 64 || !HostnamePattern.IsMatch(Hostname))
            throw new InvalidSpecException("InvalidHostname", "Hostname", Hostname,
                "at most 64 characters of letters, digits, '-' and '.', as in RFC 1123");
    }

    private void ValidateWorkingDirectory()
    {
        if (WorkingDirectory is null)
            return;
        if (WorkingDirectory.Length == 0 || WorkingDirectory[0] != '/' || HasControlCharacter(WorkingDirectory) || !FitsPathMax(WorkingDirectory))
            throw new InvalidSpecException("InvalidWorkingDirectory", "WorkingDirectory", WorkingDirectory,
                "an absolute path inside the container, such as /tmp, under 4096 bytes, without control characters");
    }

    private void ValidateEnvironment(string? hostTerm)
    {
        foreach (var (key, value) in Environment)
        {
            if (!EnvNamePattern.IsMatch(key))
                throw new InvalidSpecException("InvalidEnvironmentName", "Environment", key,
                    "variable names of letters, digits and '_', not starting with a digit");
            if (value.Contains('\0'))
                throw new InvalidSpecException("InvalidEnvironmentValue", "Environment", key,
                    "values without NUL characters");
        }
        Given = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        Default("PATH", DefaultPath);
        Default("HOME", User is null or 0 ? "/root" : "/");
        Default("TERM", string.IsNullOrEmpty(hostTerm) ? "dumb" : hostTerm);
        if (RecordBytes(EnvironmentBlock()) is var size && size > ControlChannel.MaxMessage)
            throw new InvalidSpecException("EnvironmentTooLarge", "Environment", $"{size} bytes",
                $"an environment under {ControlChannel.MaxMessage / 1024} KiB in all (names, values and separators)");
    }

    /// <summary>The environment as given (-Environment, and what Enter inherits from the
    /// container), before PATH, HOME and TERM defaults were added.</summary>
    internal Dictionary<string, string> Given { get; private set; } = new(StringComparer.Ordinal);

    private readonly HashSet<string> Defaulted = new(StringComparer.Ordinal);

    private void Default(string name, string value)
    {
        if (Environment.TryAdd(name, value))
            Defaulted.Add(name);
    }

    /// <summary>True for a file with content; false when it is missing, empty or vanishes while looked at.</summary>
    private static bool NonEmptyFile(string path)
    {
        try
        {
            return new FileInfo(path) is { Exists: true, Length: > 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="text"/> holds a control character (newline, NUL, escape, ...):
    /// refused in paths and names, where it would garble /proc/mounts, logs and terminals.</summary>
    internal static bool HasControlCharacter(string text) => text.Any(char.IsControl);

    /// <summary>The text with control characters shown as \n, \0 or \xNN, for a message.</summary>
    internal static string Printable(string text) => Untrusted.Escape(text);

    /// <summary>True when <paramref name="path"/> fits PATH_MAX (4096 bytes with its NUL).</summary>
    internal static bool FitsPathMax(string path) => Encoding.UTF8.GetByteCount(path) < 4096;

    /// <summary>The size of a helper record carrying these fields (each NUL-terminated, plus the verb).</summary>
    private static int RecordBytes(string[] fields) => 8 + fields.Sum(f => Encoding.UTF8.GetByteCount(f) + 1);

    private void ValidateCommand(string lookupRoot)
    {
        if (Command is null)
            return;
        if (Command.Length == 0 || string.IsNullOrEmpty(Command[0]))
            throw new InvalidSpecException("EmptyCommand", "Command", Command.Length == 0 ? "" : Command[0],
                "a program to run, then its arguments, such as -Command /bin/sh, -c, 'echo hi'");
        if (Command.Any(a => a is null || a.Contains('\0')))
            throw new InvalidSpecException("InvalidCommand", "Command", string.Join(' ', Command),
                "arguments without NUL characters");
        if (RecordBytes(Command) is var size && size > ControlChannel.MaxMessage)
            throw new InvalidSpecException("CommandTooLarge", "Command", $"{size} bytes",
                $"a command line under {ControlChannel.MaxMessage / 1024} KiB in all");
        var cwd = WorkingDirectory ?? "/";
        // a SquashFS image cannot be looked into before it is mounted: exec reports a missing program
        if (!IsSquashFs && RootPath.FindExecutable(lookupRoot, Command[0], Environment["PATH"], cwd, Binds) is null)
            throw new InvalidSpecException("CommandNotFound", "Command", Command[0],
                $"a program that exists in {(lookupRoot.StartsWith("/proc/", StringComparison.Ordinal) ? "the running container" : $"the container root {RootFs ?? "/ (the host's root)"} or its binds")}" +
                (!Command[0].Contains('/') ? $"; searched PATH {Environment["PATH"]}"
                    : Command[0].StartsWith('/') ? "" : $"; looked for {cwd.TrimEnd('/')}/{Command[0]} (relative to -WorkingDirectory {cwd})"));
    }

    /// <summary>Environment as the helper takes it, sorted for a stable order.</summary>
    public string[] EnvironmentBlock() =>
        Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToArray();
}

/// <summary>The account files an image brings itself.</summary>
[Flags]
internal enum ImageAccountFiles
{
    None = 0,
    Passwd = 1,
    Group = 2,
}
