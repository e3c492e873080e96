using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>Finding containers: by listing, Id or name, each brought up to date from the
/// helper's status file and the live pids; records whose owner died are cleaned away.</summary>
public sealed partial class ContainerEngine
{
    /// <summary>Recomputes State and ExitCode from the helper's status file and the live pids.</summary>
    public ContainerHandle Refresh(ContainerHandle handle)
    {
        var status = Store.ReadStatus(handle.Id);
        if (status is null && !ProcessInfo.IsSame(handle.MonitorPid, handle.MonitorStartTime))
        {
            if (handle.Foreground)
            {
                // no status file: its exit went to its owner over the control socket
                handle.State = ContainerState.Exited;
                return handle;
            }
            // the monitor writes the status before it exits, yet under load a reader has seen
            // the monitor gone and the file not there yet (about 1 in 80 stops): look again
            // briefly before calling the exit code unknown
            for (int i = 0; i < 10 && status is null; i++)
            {
                Thread.Sleep(20);
                status = Store.ReadStatus(handle.Id);
            }
            handle.State = ContainerState.Exited;
        }
        if (status is { } s)
        {
            var exit = new ContainerExit(s.Kind, s.Value);
            handle.State = ContainerState.Exited;
            handle.ExitCode = exit.ExitCode;
            handle.Signal = exit.Signal;
        }
        return handle;
    }

    /// <summary>True when nobody will ever act on this record again: its owning process is gone.</summary>
    private static bool IsOrphaned(ContainerHandle h) =>
        h.OwnerPid != 0 && !ProcessInfo.IsSame(h.OwnerPid, h.OwnerStartTime);

    /// <summary>Removes an orphaned record. Its helper ends by itself when the owner's socket
    /// closes; make sure, and let the monitor finish writing its exit record before the files go.</summary>
    private void Discard(ContainerHandle h)
    {
        if (IsForged(h))
        {
            Store.Delete(h); // never signal what a forged record names
            return;
        }
        Signal(h, 9);
        using (var monitor = PidWatch.Open(h.MonitorPid, h.MonitorStartTime))
            monitor?.Exited(TimeSpan.FromSeconds(2));
        Store.Delete(h);
    }

    /// <summary>This user's containers, oldest first; records of foreground or never-started
    /// containers whose PowerShell process died are cleaned away, and so are the names of
    /// creators that died before their container was recorded.</summary>
    public IReadOnlyList<ContainerHandle> List()
    {
        Store.SweepNames();
        var result = new List<ContainerHandle>();
        foreach (var h in Store.LoadAll())
        {
            if (IsOrphaned(h))
            {
                Discard(h);
                continue;
            }
            result.Add(Refresh(h));
        }
        return result;
    }

    /// <summary>True when the record names live processes that are not a container's init and
    /// its monitor (someone other than this module wrote it). A record whose processes are gone
    /// is not forged: nothing will be signalled through it (pids are checked with start times).</summary>
    /// The pair is checked between two liveness checks: a container whose command ends during
    /// the check (its init a zombie, its monitor exiting) fails the pair check without being
    /// forged, and a process never comes back to life with the same start time.
    private static bool IsForged(ContainerHandle h) =>
        BothLive(h) && !ProcessInfo.IsHelperPair(h.Pid, h.PidStartTime, h.MonitorPid, h.MonitorStartTime) && BothLive(h);

    private static bool BothLive(ContainerHandle h) =>
        h.MonitorPid != 0 && h.Pid != 0 &&
        ProcessInfo.IsSame(h.MonitorPid, h.MonitorStartTime) && ProcessInfo.IsSame(h.Pid, h.PidStartTime);

    /// <summary>Before acting on a record's processes: throws ContainerRecordForged, and removes the
    /// record, when they are not that container's (see <see cref="IsForged"/>; the helper checks
    /// further through the monitor's link).</summary>
    internal void EnsureGenuine(ContainerHandle h)
    {
        if (!IsForged(h))
            return;
        Store.Delete(h);
        throw Forged(h);
    }

    private static UserNsContainerException Forged(ContainerHandle h) =>
        new("ContainerRecordForged", FailureKind.PermissionDenied,
            $"The record of container '{ContainerSpec.Printable(h.Name)}' names processes (init {h.Pid}, monitor {h.MonitorPid}) that are not its init and monitor: " +
            "someone other than this module changed it. Nothing was done to them, and the record was removed.",
            h, "Check who else can write your state directory.");

    /// <summary>A helper's failure on <paramref name="h"/>: a ContainerRecordForged (the monitor's
    /// link did not vouch for the record) removes the record too. Returns the failure to throw.</summary>
    private Exception AfterHelperFailure(ContainerHandle? h, Exception e)
    {
        if (h is not null && e is UserNsContainerException { ErrorId: "ContainerRecordForged" })
            Store.Delete(h);
        return e;
    }

    /// <summary>One container by Id: its record alone is read (a stale one is cleaned away).</summary>
    public ContainerHandle? FindById(string id)
    {
        if (id.Length == 0 || id.Any(c => !Uri.IsHexDigit(c)))
            return null;
        var h = Store.Load(id.ToLowerInvariant());
        if (h is null)
            return null;
        if (IsOrphaned(h))
        {
            Discard(h);
            return null;
        }
        return Refresh(h);
    }

    /// <summary>One container by name, through its name file.</summary>
    public ContainerHandle? FindByName(string name) =>
        ContainerSpec.IsValidName(name) && Store.IdOfName(name) is { } id && FindById(id) is { } h && h.Name == name ? h : null;
}
