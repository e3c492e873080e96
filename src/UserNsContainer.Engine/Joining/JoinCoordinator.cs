// Joining: peers that share one container (Charliecloud's --join), by tag and count or from
// Slurm's and Open MPI's environment.
using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>
/// Charliecloud's --join: n peers started with one tag end up in one container. The first
/// to arrive creates it (an idle init), the others join; every peer waits until all n have
/// arrived, then runs its own command in it; the last to leave removes the container and
/// the coordination files. The files live in the per-user state directory, so tags of
/// different users never meet; a flock on TAG.lock serializes arrivals and departures.
/// </summary>
public sealed class JoinCoordinator
{
    private sealed record Group(string ContainerId, int Count, int Joined, int Left, bool Failed, string[] Peers)
    {
        /// <summary>True when every peer that arrived is gone without leaving (they crashed).</summary>
        public bool Abandoned => Peers.Length > 0 && Array.TrueForAll(Peers, p =>
        {
            var f = p.Split(':');
            return !ProcessInfo.IsSame(int.Parse(f[0]), ulong.Parse(f[1]));
        });
    }

    private static readonly string Me = $"{Environment.ProcessId}:{ProcessInfo.StartTime(Environment.ProcessId)}";

    private readonly ContainerEngine _engine;
    private readonly string _dir;

    public JoinCoordinator(ContainerEngine engine)
    {
        _engine = engine;
        _dir = Path.Combine(engine.Store.Directory, "join");
        Directory.CreateDirectory(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string LockPath(string tag) => Path.Combine(_dir, tag + ".lock");
    private string GroupPath(string tag) => Path.Combine(_dir, tag + ".json");

    /// <summary>Arrives at <paramref name="tag"/>: creates the container or joins it, then waits
    /// until all <paramref name="count"/> peers are there. Returns the container to enter.</summary>
    public ContainerHandle Arrive(string tag, int count, TimeSpan timeout, Func<ContainerHandle> create, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        ContainerHandle handle;
        using (var _ = Lock(tag, deadline, cancel))
        {
            var group = Read(tag);
            if (group is not null && (group.Abandoned || _engine.FindById(group.ContainerId) is not { State: ContainerState.Running }))
            {
                _engine.Verbose($"Join tag '{tag}': the previous group's peers are gone; starting afresh.");
                if (_engine.FindById(group.ContainerId) is { } stale)
                    _engine.Remove(stale, force: true, TimeSpan.Zero);
                Delete(tag); // what a crashed group left behind
                group = null;
            }
            if (group is null)
            {
                _engine.Verbose($"Join tag '{tag}': first of {count}, creating the container.");
                handle = create();
                Write(tag, new Group(handle.Id, count, 1, 0, false, new[] { Me }));
            }
            else
            {
                if (group.Count != count)
                    throw new InvalidSpecException("JoinCountMismatch", "JoinCount", count,
                        $"the count the group's first peer gave ({group.Count}) for join tag '{tag}'");
                if (group.Joined >= group.Count)
                    throw new UserNsContainerException("JoinTagBusy", FailureKind.ResourceExists,
                        $"All {group.Count} peers of join tag '{tag}' have arrived already; this would be peer {group.Joined + 1}.", tag,
                        "Use a new tag for a new group, or wait until this group has finished.");
                handle = _engine.FindById(group.ContainerId)!;
                Write(tag, group with { Joined = group.Joined + 1, Peers = [.. group.Peers, Me] });
                _engine.Verbose($"Join tag '{tag}': peer {group.Joined + 1} of {count}, joining container '{handle.Name}'.");
            }
        }
        WaitForAll(tag, count, deadline, cancel);
        return handle;
    }

    private void WaitForAll(string tag, int count, DateTime deadline, CancellationToken cancel)
    {
        while (true)
        {
            var group = Read(tag);
            if (group is not null && group.Joined >= count)
                return;
            if (group is null || group.Failed || DateTime.UtcNow >= deadline || cancel.IsCancellationRequested)
            {
                Leave(tag, failed: true);
                cancel.ThrowIfCancellationRequested();
                throw new UserNsContainerException("JoinTimeout", FailureKind.OperationTimeout,
                    $"Join tag '{tag}': only {group?.Joined ?? 0} of {count} peers arrived before -JoinTimeout passed" +
                    (group?.Failed == true ? " (another peer gave up first)." : "."), tag,
                    "Start all peers within -JoinTimeout of each other, check -JoinCount, or raise -JoinTimeout.");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Leaves the group; the last one out removes the container and the files.</summary>
    public void Leave(string tag, bool failed = false)
    {
        using var _ = Lock(tag, DateTime.UtcNow + TimeSpan.FromSeconds(30), CancellationToken.None);
        var group = Read(tag);
        if (group is null)
            return;
        group = group with { Left = group.Left + 1, Failed = group.Failed || failed };
        if (group.Left < group.Joined)
        {
            Write(tag, group);
            return;
        }
        _engine.Verbose($"Join tag '{tag}': last peer out, removing the container.");
        if (_engine.FindById(group.ContainerId) is { } handle)
            _engine.Remove(handle, force: true, TimeSpan.Zero);
        Delete(tag);
    }

    private Group? Read(string tag)
    {
        try
        {
            return JsonSerializer.Deserialize<Group>(File.ReadAllText(GroupPath(tag)));
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException)
        {
            return null;
        }
    }

    private void Write(string tag, Group group)
    {
        var tmp = GroupPath(tag) + ".tmp";
        using (var fs = StateStore.CreatePrivate(tmp, FileMode.Create))
            JsonSerializer.Serialize(fs, group);
        File.Move(tmp, GroupPath(tag), overwrite: true);
    }

    /// <summary>Deletes the group file and the lock file (the caller holds the lock, so a
    /// waiter sees the lock file replaced and retries on the new one).</summary>
    private void Delete(string tag)
    {
        File.Delete(GroupPath(tag));
        File.Delete(LockPath(tag));
    }

    /// <summary>flock(LOCK_EX) on TAG.lock, opened with plain open(2): .NET's own file-sharing
    /// emulation takes a flock of its own, which would collide with ours.</summary>
    private IDisposable Lock(string tag, DateTime deadline, CancellationToken cancel)
    {
        while (true)
        {
            int fd = OpenLockFile(LockPath(tag));
            while (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
            {
                if (DateTime.UtcNow >= deadline || cancel.IsCancellationRequested)
                {
                    Libc.close(fd);
                    cancel.ThrowIfCancellationRequested();
                    throw new UserNsContainerException("JoinTimeout", FailureKind.OperationTimeout,
                        $"Join tag '{tag}': the group stayed locked past -JoinTimeout.", tag, "Raise -JoinTimeout.");
                }
                Thread.Sleep(5);
            }
            if (SameFile(fd, LockPath(tag)))
                return new Held(fd);
            Libc.close(fd); // the last peer removed this lock file while we waited: use the new one
        }
    }

    private static unsafe int OpenLockFile(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
            return Libc.Check(Tmds.Linux.LibC.open(p, Tmds.Linux.LibC.O_RDWR | Tmds.Linux.LibC.O_CREAT | Tmds.Linux.LibC.O_CLOEXEC, 0b110_000_000), "open", path);
    }

    private static unsafe bool SameFile(int fd, string path)
    {
        Tmds.Linux.stat a, b;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
            return Tmds.Linux.LibC.fstat(fd, &a) == 0 &&
                   Tmds.Linux.LibC.stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    }

    private sealed class Held : IDisposable
    {
        private int _fd;
        public Held(int fd) => _fd = fd;

        public void Dispose() // closing releases the flock
        {
            if (_fd >= 0)
                Libc.close(_fd);
            _fd = -1;
        }
    }
}
