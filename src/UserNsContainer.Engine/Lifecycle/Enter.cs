using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>What to run in a running container's namespaces (Enter-ContainerNamespace).</summary>
public sealed class EnterRequest
{
    public int TargetPid { get; set; }
    /// <summary>The target's start time when it came from a handle (guards against pid reuse).</summary>
    public ulong? TargetStartTime { get; set; }
    public string? ContainerName { get; set; }
    /// <summary>The container entered, when it came from a handle: its environment, working
    /// directory and user are the process's defaults.</summary>
    public ContainerHandle? Container { get; set; }
    /// <summary>Namespaces to join; null: every one the target has that we do not share.</summary>
    public string[]? Namespaces { get; set; }
    public ContainerSpec Process { get; set; } = new();
}

/// <summary>A command running in a container it entered, streamed like Invoke's.</summary>
public sealed class EnteredProcess : IDisposable
{
    private readonly ContainerSession _session;

    internal EnteredProcess(ContainerSession session, string[] joined)
    {
        _session = session;
        Joined = joined;
    }

    /// <summary>The namespaces actually joined (those not already shared), in join order.</summary>
    public string[] Joined { get; }
    public int ProcessId => _session.InitPid;
    public ContainerExit? Exit => _session.Exit;

    /// <summary>The command's standard streams, as for Invoke-UserNsContainer.</summary>
    public ForegroundIo OpenIo(OutputForms forms) => _session.OpenIo(forms);

    /// <summary>The command's standard streams as blocking streams, for a transport (a PowerShell session).</summary>
    public ProcessStreams OpenStreams() => _session.OpenStreams();

    /// <summary>Sends <paramref name="signal"/> to the entered command (through a pidfd).</summary>
    public void Kill(int signal) => _session.Kill(signal);

    public void Dispose()
    {
        if (_session.Exit is null)
            _session.Abort();
        else
            _session.Dispose();
    }
}

public static class Entering
{
    /// <summary>The namespaces /proc/PID/ns shows that differ from ours, in join order
    /// (user first, mnt last); <paramref name="wanted"/> narrows them, user always included
    /// (the kernel lets an ordinary user join the others only from inside it).</summary>
    public static string[] NamespacesToJoin(int pid, IEnumerable<string>? wanted)
    {
        var set = wanted is null ? null : Namespaces.ToNames(Namespaces.Parse(wanted));
        var result = new List<string>();
        foreach (var ns in Namespaces.Names)
        {
            if (set is not null && !set.Contains(ns))
                continue;
            var theirs = new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget;
            var ours = new FileInfo($"/proc/self/ns/{ns}").LinkTarget;
            if (theirs is not null && theirs != ours)
                result.Add(ns);
        }
        return result.ToArray();
    }

    /// <summary>Throws the error that explains why <paramref name="pid"/>'s namespaces cannot be
    /// opened (gone, or another user's), or returns quietly.</summary>
    public static void CheckAccess(int pid, string? name)
    {
        var what = name is null ? $"process {pid}" : $"container '{name}' (pid {pid})";
        try
        {
            using var f = File.OpenHandle($"/proc/{pid}/ns/user", FileMode.Open, FileAccess.Read);
        }
        catch (UnauthorizedAccessException e)
        {
            var owner = ProcessOwner(pid);
            throw new UserNsContainerException("NamespaceAccessDenied", FailureKind.PermissionDenied,
                $"Cannot enter {what}: its namespaces belong to uid {owner?.ToString(CultureInfo.InvariantCulture) ?? "?"} " +
                $"and you are uid {ContainerEngine.CallerUid}; the kernel lets only the owner (or root) open /proc/{pid}/ns/*.",
                (object?)name ?? pid, "Run the command as that user, or as root.", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            throw new UserNsContainerException("ProcessNotFound", FailureKind.ObjectNotFound,
                $"Cannot enter {what}: the process no longer exists.", (object?)name ?? pid, null, e);
        }
    }

    private static uint? ProcessOwner(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }
}
