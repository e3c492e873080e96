// Lifecycle and sessions: create, start, enter, bind live, wait, stop, remove, list; the
// engine's live connection to a helper (ContainerSession) and the handle users see.
using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>How a new container runs.</summary>
public sealed record CreateOptions
{
    /// <summary>Invoke-UserNsContainer: dies with this process, output streamed to the caller.</summary>
    public bool Foreground { get; init; }
    /// <summary>For a foreground container: the caller's terminal (Inherit) or pipes (Capture).</summary>
    public StdioMode Stdio { get; init; } = StdioMode.Capture;
    /// <summary>False: stop in state Created (namespaces made, init parked before any mount).</summary>
    public bool Start { get; init; } = true;
    public long LogMaxBytes { get; init; } = 1 << 20;
}

/// <summary>
/// The engine's front door: create, start, find, wait for, stop and remove containers.
/// Knows nothing of PowerShell; reports progress through <see cref="Verbose"/>.
/// </summary>
public sealed partial class ContainerEngine
{
    private static readonly ConcurrentDictionary<string, ContainerSession> Sessions = new();

    public ContainerEngine(StateStore store, Action<string>? verbose = null, Action<string>? warning = null)
    {
        Store = store;
        Verbose = verbose ?? (_ => { });
        Warning = warning ?? (_ => { });
    }

    public StateStore Store { get; }
    /// <summary>Who owns the foreground and not-yet-started containers made through this engine
    /// (the PowerShell module instance of one runspace): <see cref="AbortOwnedSessions"/> ends
    /// only those of the owner that goes, never another runspace's.</summary>
    public object? Owner { get; init; }
    public Action<string> Verbose { get; }
    /// <summary>What the user should know that does not stop the container.</summary>
    public Action<string> Warning { get; }

    public static uint CallerUid => Libc.geteuid();
    public static uint CallerGid => Libc.getegid();

    /// <summary>Validates <paramref name="spec"/> (throwing before anything exists), then
    /// creates the container and, unless told otherwise, starts it.</summary>
    public ContainerHandle Create(ContainerSpec spec, CreateOptions options)
    {
        var timer = PhaseTimer.StartIfEnabled();
        spec.Validate(CallerUid, CallerGid, Environment.GetEnvironmentVariable("TERM"));
        spec.Hidden = HiddenDirectories.For(Store);
        foreach (var b in spec.Binds)
            HiddenDirectories.Check(b, spec.Hidden, live: false, "Bind");
        timer?.Mark("validate");
        foreach (var w in spec.Warnings)
            Warning(w);
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var handle = new ContainerHandle
        {
            Id = id,
            Name = spec.Name ?? id,
            RootFs = spec.RootFs ?? "/",
            Namespaces = Namespaces.ToNames(spec.Namespaces),
            UidMap = spec.UidMap,
            GidMap = spec.GidMap,
            Command = spec.Command,
            User = spec.User,
            Group = spec.Group,
            Hostname = spec.Hostname,
            Environment = spec.Given,
            WorkingDirectory = spec.WorkingDirectory,
            Writable = spec.Writable,
            RootKind = spec.RootKind,
            Image = spec.ResolvedImage?.Reference,
            Writes = spec.Writes,
            HostTmp = spec.HostTmp,
            Seccomp = spec.Seccomp,
            FakeRoot = spec.FakeRoot,
            Nested = spec.Namespaces.HasFlag(NamespaceSet.Mnt),
            Binds = spec.Binds.ToArray(),
            Created = DateTime.Now,
            Foreground = options.Foreground,
            State = ContainerState.Created,
            LogPath = options.Foreground ? null : Store.LogPath(id),
            Network = spec.Network ?? NetworkMode.None,
            Ports = spec.Ports,
            NetworkLogPath = spec.Network == NetworkMode.Private ? Store.NetworkLogPath(id) : null,
            // until the container runs on its own, this process owns it: if it dies, the
            // next listing finds the record orphaned and cleans it away
            OwnerPid = Environment.ProcessId,
            OwnerStartTime = OwnStartTime.Value,
        };
        Store.ReserveName(handle.Name, id, handle.OwnerPid, handle.OwnerStartTime);
        ContainerSession? session = null;
        try
        {
            // A detached container has a record from the start: if this process dies before
            // the helper runs on its own, the next listing finds the owner gone and ends it.
            // A foreground one dies with this process anyway (its helper watches the control
            // socket): it is recorded once, when it runs, and keeps no exit status file (its
            // exit comes over the socket); until then the name file holds its name.
            if (!options.Foreground)
            {
                Store.Save(handle);
                timer?.Mark("state");
            }
            // The common start: maps the monitor can write itself, so the settings, the setup
            // operations and "go" leave in one burst and the next thing heard is "started".
            var (outerUid, outerGid) = OuterMaps(handle, handle.UidMap, handle.GidMap);
            bool oneBurst = options.Start && IdMapWriter.IsDirect(outerUid!, outerGid!, CallerUid, CallerGid);
            var launch = new PlanBuilder.LaunchOptions(!options.Foreground, handle.LogPath, options.LogMaxBytes, options.Foreground ? null : Store.StatusPath(id),
                Terminal: options.Foreground && options.Stdio == StdioMode.Inherit, Timings: timer is not null,
                Maps: oneBurst ? (IdMapRange.ToProcText(outerUid!), IdMapRange.ToProcText(outerGid!), IdMapWriter.DeniesSetgroups(outerGid!, CallerUid)) : null,
                Link: (Store.SocketPath(id), id), OrphanFiles: Store.FilesOf(id, handle.Name));
            var plan = PlanBuilder.Settings(spec, launch);
            var release = oneBurst ? ReleaseRecords(handle, spec) : null;
            Verbose($"Starting the helper for container '{handle.Name}' ({plan.Count} plan records, namespaces {string.Join(",", handle.Namespaces)}).");
            if (release is not null)
                VerboseRelease(handle, release.Count - 1);
            timer?.Mark("plan");
            session = ContainerSession.Launch(spec, plan, options.Foreground ? options.Stdio : StdioMode.Detached, release: release, timer: timer);
            timer?.Mark("clone");
            handle.Pid = session.InitPid;
            handle.PidStartTime = ProcessInfo.StartTime(session.InitPid) ?? 0;
            handle.MonitorPid = session.MonitorPid;
            handle.MonitorStartTime = ProcessInfo.StartTime(session.MonitorPid) ?? 0;
            session.Owner = Owner;
            Sessions[id] = session;
            if (options.Start)
                Release(handle, session); // saves the record, as Running
            else
                Store.Save(handle);
            if (timer is not null && !options.Foreground)
                Verbose(timer.ToString());
            return handle;
        }
        catch
        {
            Sessions.TryRemove(id, out _);
            session?.Abort();
            ShowNetworkLog(handle);
            Store.Delete(handle);
            throw;
        }
    }

    /// <summary>pasta's log, in the verbose stream, before a failed container's state goes.</summary>
    private void ShowNetworkLog(ContainerHandle handle)
    {
        try
        {
            if (handle.NetworkLogPath is { } log && System.IO.File.Exists(log))
                Verbose($"pasta's log for container '{handle.Name}':\n{System.IO.File.ReadAllText(log).TrimEnd()}");
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes the id maps (unless already written) and releases a Created container.</summary>
    public void Start(ContainerHandle handle)
    {
        Refresh(handle);
        if (handle.State != ContainerState.Created)
            throw new UserNsContainerException("ContainerNotCreated", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is {handle.State}; only a Created container can be started.", handle);
        if (!Sessions.TryGetValue(handle.Id, out var session))
            throw new UserNsContainerException("ContainerOwnedElsewhere", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' was created with -NoStart by another PowerShell process (pid {handle.OwnerPid}); only that process can start it.",
                handle, "Start it from the process that created it, or remove it and create it again.");
        Release(handle, session);
    }

    private static readonly Lazy<ulong> OwnStartTime = new(() => ProcessInfo.StartTime(Environment.ProcessId) ?? 0);

    /// <summary>Maps, "go", wait for "started", save as Running; on failure nothing is left.
    /// A container launched in one burst has its maps, operations and "go" sent already.</summary>
    private void Release(ContainerHandle handle, ContainerSession session)
    {
        try
        {
            if (!session.Released)
            {
                var (outerUid, outerGid) = OuterMaps(handle, handle.UidMap, handle.GidMap);
                IdMapWriter.Write(handle.Pid, outerUid!, outerGid!, CallerUid, CallerGid);
                session.Timer?.Mark("maps");
                var release = ReleaseRecords(handle, session.Spec);
                VerboseRelease(handle, release.Count - 1);
                session.Send(release);
            }
            session.AwaitStarted();
            session.Timer?.Mark("setup+exec");
            handle.State = ContainerState.Running;
            if (!handle.Foreground)
            {
                handle.OwnerPid = 0;
                handle.OwnerStartTime = 0;
                Sessions.TryRemove(handle.Id, out _);
                session.Dispose();
            }
            Store.Save(handle);
            session.Timer?.Mark("state");
        }
        catch
        {
            Sessions.TryRemove(handle.Id, out _);
            session.Abort();
            ShowNetworkLog(handle);
            Store.Delete(handle);
            throw;
        }
    }

    /// <summary>What releases a container: the setup operations, then "go" (with the nested
    /// namespace's maps and the host ids the init takes, for a nested container).</summary>
    private static List<string[]> ReleaseRecords(ContainerHandle handle, ContainerSpec spec)
    {
        var records = PlanBuilder.Ops(spec, handle.Binds, handle.NetworkLogPath);
        records.Add(handle.Nested
            ? new[] { "go", IdMapRange.ToProcText(handle.UidMap), IdMapRange.ToProcText(handle.GidMap),
                IdMapRange.RootHostId(handle.UidMap).ToString(CultureInfo.InvariantCulture),
                IdMapRange.RootHostId(handle.GidMap).ToString(CultureInfo.InvariantCulture) }
            : new[] { "go" });
        return records;
    }

    private void VerboseRelease(ContainerHandle handle, int ops)
    {
        Verbose($"Id maps of container '{handle.Name}': uid {string.Join(",", handle.UidMap.AsEnumerable())}, gid {string.Join(",", handle.GidMap.AsEnumerable())}.");
        Verbose($"Releasing container '{handle.Name}': {ops} setup operations ({handle.Binds.Length} binds), pivot_root, exec.");
    }

    /// <summary>Set-IdMap on a container: writes the given maps now, while the init waits
    /// before any mount, and records them on the handle. Start writes whichever is left.</summary>
    public void SetIdMaps(ContainerHandle handle, IdMapRange[]? uidMap, IdMapRange[]? gidMap)
    {
        Refresh(handle);
        if (handle.State != ContainerState.Created)
            throw new UserNsContainerException("ContainerNotCreated", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is {handle.State}; id maps can be set only while it is Created (New-UserNsContainer -NoStart).", handle,
                "Create it with -NoStart, set the maps, then Start-UserNsContainer.");
        var (outerUid, outerGid) = OuterMaps(handle, uidMap, gidMap);
        SetProcessIdMaps(handle.Pid, outerUid, outerGid);
        if (uidMap is not null)
            handle.UidMap = uidMap;
        if (gidMap is not null)
            handle.GidMap = gidMap;
        Store.Save(handle);
    }

    /// <summary>The maps the kernel gets for the container's first (outer) namespace: for a
    /// nested container the identity of the host ids, the real map going to the nested one.</summary>
    private static (IdMapRange[]? Uid, IdMapRange[]? Gid) OuterMaps(ContainerHandle handle, IdMapRange[]? uid, IdMapRange[]? gid) =>
        handle.Nested
            ? (uid is null ? null : IdMapRange.Identity(uid), gid is null ? null : IdMapRange.Identity(gid))
            : (uid, gid);

    /// <summary>Set-IdMap -ProcessId: writes maps for any process of yours that sits in a fresh
    /// user namespace waiting for them (e.g. one started by 'unshare --user').</summary>
    public void SetProcessIdMaps(int pid, IdMapRange[]? uidMap, IdMapRange[]? gidMap)
    {
        if (uidMap is not null)
        {
            Verbose($"Writing uid map {string.Join(",", uidMap.AsEnumerable())} for process {pid}.");
            IdMapWriter.WriteMap(pid, uidMap, IdMapWriter.Kind.Uid, CallerUid, CallerUid);
        }
        if (gidMap is not null)
        {
            Verbose($"Writing gid map {string.Join(",", gidMap.AsEnumerable())} for process {pid}.");
            IdMapWriter.WriteMap(pid, gidMap, IdMapWriter.Kind.Gid, CallerUid, CallerGid);
        }
    }

    /// <summary>A foreground container's standard streams: input to write, output to read,
    /// the last output item carrying the exit (which the handle then shows).</summary>
    public ForegroundIo OpenIo(ContainerHandle handle, OutputForms forms)
    {
        if (!Sessions.TryGetValue(handle.Id, out var session))
            throw new UserNsContainerException("NotForeground", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is not a foreground container of this process.", handle);
        return session.OpenIo(forms, exit =>
        {
            handle.State = ContainerState.Exited;
            handle.ExitCode = exit.ExitCode;
            handle.Signal = exit.Signal;
        });
    }

    /// <summary>A foreground container's standard streams as blocking streams (a session's transport).</summary>
    public ProcessStreams OpenStreams(ContainerHandle handle)
    {
        if (!Sessions.TryGetValue(handle.Id, out var session))
            throw new UserNsContainerException("NotForeground", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is not a foreground container of this process.", handle);
        return session.OpenStreams();
    }

    /// <summary>Streams a foreground container's output as lines, its stdin closed; the last
    /// item carries the exit.</summary>
    public IEnumerable<ContainerOutput> ReadOutput(ContainerHandle handle, CancellationToken cancel) =>
        OpenIo(handle, OutputForms.Lines).Finish(cancel);

    /// <summary>Ends a foreground container's bookkeeping: deletes its files, reaps the helper.
    /// After a clean exit the files go first: the monitor frees the container's outer
    /// namespaces meanwhile (it reports the exit before that); it is reaped before this returns.</summary>
    public void ReleaseForeground(ContainerHandle handle)
    {
        Sessions.TryRemove(handle.Id, out var session);
        var timer = session?.Timer;
        timer?.Mark("run");
        bool exited = session?.Exit is not null;
        if (session is not null && !exited)
            session.Abort();
        Store.Delete(handle);
        if (exited)
        {
            timer?.Mark("delete");
            session!.Dispose();
            timer?.Mark("reap");
        }
        if (timer is not null)
            Verbose(timer.ToString());
    }

    /// <summary>Waits until the container has exited; false when <paramref name="timeout"/> passed first.</summary>
    public bool Wait(ContainerHandle handle, TimeSpan timeout, CancellationToken cancel)
    {
        Refresh(handle);
        if (handle.State == ContainerState.Exited)
            return true;
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        using var monitor = PidWatch.Open(handle.MonitorPid, handle.MonitorStartTime);
        while (monitor is not null && !monitor.Exited(TimeSpan.FromMilliseconds(100)))
        {
            cancel.ThrowIfCancellationRequested();
            if (DateTime.UtcNow >= deadline)
                return false;
        }
        Refresh(handle);
        return true;
    }

    /// <summary>SIGTERM to the init (which forwards it), then SIGKILL after <paramref name="grace"/>.</summary>
    public void Stop(ContainerHandle handle, TimeSpan grace, CancellationToken cancel)
    {
        Refresh(handle);
        if (handle.State == ContainerState.Exited)
            return;
        EnsureGenuine(handle);
        if (grace > TimeSpan.Zero)
        {
            Verbose($"Sending SIGTERM to container '{handle.Name}' (init pid {handle.Pid}).");
            Signal(handle, 15);
            if (Wait(handle, grace, cancel))
                return;
        }
        Verbose($"Sending SIGKILL to container '{handle.Name}' (init pid {handle.Pid}).");
        Signal(handle, 9);
        if (handle.State == ContainerState.Created && Sessions.TryRemove(handle.Id, out var session))
            session.Abort();
        Wait(handle, TimeSpan.FromSeconds(10), CancellationToken.None);
    }

    private static void Signal(ContainerHandle handle, int signal)
    {
        using var watch = PidWatch.Open(handle.Pid, handle.PidStartTime);
        watch?.Signal(signal);
    }

    /// <summary>Stops the container if it still runs (at once when <paramref name="force"/>) and deletes its files.</summary>
    public void Remove(ContainerHandle handle, bool force, TimeSpan grace)
    {
        Stop(handle, force ? TimeSpan.Zero : grace, CancellationToken.None);
        if (Sessions.TryRemove(handle.Id, out var session))
            session.Abort();
        Store.Delete(handle);
    }

    /// <summary>Kills every foreground or not-yet-started container <paramref name="owner"/> made
    /// (the module removed from one runspace; other runspaces of the process keep theirs); the
    /// store is opened only when there is one.</summary>
    public static void AbortOwnedSessions(object owner, Func<StateStore> store)
    {
        SpareHelpers.DiscardAll();
        foreach (var (id, owned) in Sessions)
        {
            if (!ReferenceEquals(owned.Owner, owner))
                continue;
            if (Sessions.TryRemove(id, out var session))
                session.Abort();
            if (store().Load(id) is { } handle)
                store().Delete(handle);
        }
    }

    /// <summary>True when <paramref name="fd"/> of this process is a terminal.</summary>
    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;

    /// <summary>Where the native helper is expected (next to the engine assembly).</summary>
    public static string HelperPath => HelperProcess.HelperPath;
}
