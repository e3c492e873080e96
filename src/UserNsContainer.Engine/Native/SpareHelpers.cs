using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace UserNsContainer.Engine.Native;

/// <summary>
/// A warm helper per stdio mode (Capture for Invoke, Detached for New): spawned after a
/// container has started, listed once it reports "ready" (non-dumpable, working from /) and
/// left waiting for its plan, so the next container of this process
/// starts from a helper that already runs (posix_spawn and the helper's own start are off the
/// start path). A spare has done nothing yet: it holds its control socket and, for Capture,
/// its output pipes; it ends by itself when this process closes the socket (module removal,
/// process exit). USERNSCONTAINER_SPARE_HELPER=0 turns it off.
/// </summary>
internal static class SpareHelpers
{
    internal sealed record Spare(ControlChannel Channel, HelperProcess.Spawned Spawned);

    private static readonly ConcurrentDictionary<StdioMode, Spare> Spares = new();
    private static int _generation;
    private static int _refilling;

    private static bool Enabled => Environment.GetEnvironmentVariable("USERNSCONTAINER_SPARE_HELPER") != "0";

    /// <summary>The pids of the spares now waiting (not containers: the tests' leftover checks skip them).</summary>
    public static IReadOnlyCollection<int> Pids => Spares.Values.Select(s => s.Spawned.Pid).ToArray();

    /// <summary>The pid of the spare waiting for <paramref name="stdio"/>, if one waits.</summary>
    public static int? PidOf(StdioMode stdio) => Spares.TryGetValue(stdio, out var s) ? s.Spawned.Pid : null;

    /// <summary>The waiting spare for <paramref name="stdio"/>, or null (none, or it died: then reaped).</summary>
    public static Spare? Take(StdioMode stdio)
    {
        if (!Spares.TryRemove(stdio, out var spare))
            return null;
        if (HelperProcess.HasExited(spare.Spawned.Pid))
        {
            Close(spare, reaped: true);
            return null;
        }
        return spare;
    }

    /// <summary>Spawns a spare for <paramref name="stdio"/> in the background, unless one waits.</summary>
    public static void Refill(StdioMode stdio)
    {
        if (stdio == StdioMode.Inherit || !Enabled || Spares.ContainsKey(stdio))
            return;
        int generation = Volatile.Read(ref _generation);
        Interlocked.Increment(ref _refilling);
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                Spawn(stdio, generation);
            }
            finally
            {
                Interlocked.Decrement(ref _refilling);
            }
        }, null);
    }

    /// <summary>Waits until no spare is being spawned (a spare's process exists a moment before
    /// it is listed in <see cref="Pids"/>); false if one still is at the deadline.</summary>
    public static bool AwaitRefills(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Volatile.Read(ref _refilling) > 0)
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>One spare, listed unless the spares were discarded meanwhile or another one waits.</summary>
    private static void Spawn(StdioMode stdio, int generation)
    {
        Spare spare;
        try
        {
            var (channel, helperFd) = ControlChannel.CreatePair();
            try
            {
                spare = new Spare(channel, HelperProcess.Spawn(helperFd, stdio, "spare"));
            }
            catch
            {
                channel.Dispose();
                throw;
            }
            finally
            {
                HelperProcess.CloseAll(helperFd);
            }
        }
        catch (UserNsContainerException)
        {
            return; // the next container spawns its own helper and reports why it cannot
        }
        if (!Ready(spare) || generation != Volatile.Read(ref _generation) || !Spares.TryAdd(stdio, spare))
            Close(spare, reaped: false);
    }

    /// <summary>True once the spare reports "ready": non-dumpable, working from /, waiting for its plan.</summary>
    private static bool Ready(Spare spare)
    {
        try
        {
            return spare.Channel.Receive(TimeSpan.FromSeconds(10), CancellationToken.None) is ["ready", ..];
        }
        catch (Exception e) when (e is TimeoutException or UserNsContainerException)
        {
            return false;
        }
    }

    /// <summary>Ends every spare (module removal, the tests' fd and process counts).</summary>
    public static void DiscardAll()
    {
        Interlocked.Increment(ref _generation);
        foreach (var mode in Spares.Keys)
            if (Spares.TryRemove(mode, out var spare))
                Close(spare, reaped: false);
    }

    /// <summary>Closing the socket ends a spare (its plan never comes); then it is reaped.</summary>
    private static void Close(Spare spare, bool reaped)
    {
        spare.Channel.Dispose();
        HelperProcess.CloseAll(spare.Spawned.StdinFd, spare.Spawned.StdoutFd, spare.Spawned.StderrFd);
        if (!reaped)
            HelperProcess.Reap(spare.Spawned.Pid);
    }
}
