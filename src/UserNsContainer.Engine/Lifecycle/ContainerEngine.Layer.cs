using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>A running -WriteFake container's writes, as the tar stream of an OCI layer.</summary>
public sealed partial class ContainerEngine
{
    /// <summary>Writes the container's writes (its overlay's upper directory: added and changed
    /// files, whiteouts for deletions, opaque directories) as an uncompressed tar stream to
    /// <paramref name="destination"/>, owners as the container sees them. The helper's layer mode
    /// reads them inside the container's outer user namespace (src/native/layer.c). Returns the
    /// number of entries. The stream is the container's own content: its consumer treats it as
    /// untrusted.</summary>
    public long CaptureLayer(ContainerHandle handle, Stream destination, CancellationToken cancel)
    {
        Refresh(handle);
        if (handle.State != ContainerState.Running)
            throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is {handle.State.ToString().ToLowerInvariant()}: its writes live in the memory of a running -WriteFake container and went with it.",
                handle, "Save the image while the container runs: start it with a command that waits (sleep infinity), or with no command.");
        if (handle.Writes != RootWrites.Overlay)
            throw new UserNsContainerException("CommitNeedsWriteFake", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' was not made with -WriteFake ({(handle.Writes == RootWrites.Image ? "-Writable writes into its root directly" : "its root is read-only")}): there is no layer of its writes to save.",
                handle, "Make the container with -Image NAME -WriteFake, make the changes, then save it.");
        using var watch = PidWatch.Open(handle.Pid, handle.PidStartTime)
            ?? throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation, $"Container '{handle.Name}' is not running.", handle);
        EnsureGenuine(handle);
        var records = new[]
        {
            new[] { "target", handle.Pid.ToString(CultureInfo.InvariantCulture) },
            LinkRecord(handle),
            new[] { "maps", IdMapRange.ToProcText(handle.UidMap), IdMapRange.ToProcText(handle.GidMap), "keep" },
            new[] { "exclude" }.Concat(MountPoints(handle.Pid)).ToArray(),
        }.Concat(PlanBuilder.FaultRecords()).Append(new[] { "end" });
        var (channel, helperFd) = ControlChannel.CreatePair();
        HelperProcess.Spawned spawned;
        try
        {
            spawned = HelperProcess.Spawn(helperFd, StdioMode.Capture, "layer");
        }
        finally
        {
            HelperProcess.CloseAll(helperFd);
        }
        HelperProcess.CloseAll(spawned.StdinFd, spawned.StderrFd);
        using var kill = cancel.Register(() => Libc.Kill(spawned.Pid, 9));
        try
        {
            channel.SendAll(records);
            using (var stdout = new FileStream(new SafeFileHandle((IntPtr)spawned.StdoutFd, ownsHandle: true), FileAccess.Read, 1))
                stdout.CopyTo(destination, 1 << 16);
            cancel.ThrowIfCancellationRequested();
            var rec = channel.Receive(TimeSpan.FromSeconds(30), cancel);
            if (rec is ["exit", _, var entries, ..])
                return long.Parse(entries, CultureInfo.InvariantCulture);
            if (rec is ["error", ..])
                throw AfterHelperFailure(handle, LayerFailure(handle, rec));
            throw new UserNsContainerException("HelperDied", FailureKind.InvalidOperation,
                $"The helper that reads the writes of container '{handle.Name}' ended before it finished (it was killed, or crashed); no image was made.", handle);
        }
        finally
        {
            channel.Dispose();
            HelperProcess.Reap(spawned.Pid);
        }
    }

    /// <summary>The container's mount points, relative to its root ("etc/hosts"), from its init's
    /// mountinfo (the kernel's, which nothing inside can write). Where the overlay got an empty
    /// file only to mount on, that file is not one of the container's writes.</summary>
    private static string[] MountPoints(int init)
    {
        try
        {
            return File.ReadAllLines($"/proc/{init}/mountinfo")
                .Select(line => line.Split(' '))
                .Where(f => f.Length > 4)
                .Select(f => Unescape(f[4]).TrimStart('/'))
                .Where(p => p.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <summary>mountinfo's escapes (\040 for a space, \012 for a newline, \134 for \).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var bytes = new System.Collections.Generic.List<byte>();
        var raw = System.Text.Encoding.UTF8.GetBytes(field);
        for (int i = 0; i < raw.Length; i++)
            if (raw[i] == (byte)'\\' && i + 3 < raw.Length && raw[(i + 1)..(i + 4)].All(b => b is >= (byte)'0' and <= (byte)'7'))
            {
                bytes.Add((byte)Convert.ToInt32(System.Text.Encoding.ASCII.GetString(raw, i + 1, 3), 8));
                i += 3;
            }
            else
                bytes.Add(raw[i]);
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static UserNsContainerException LayerFailure(ContainerHandle handle, string[] rec)
    {
        string op = rec.Length > 2 ? rec[2] : "?", path = Untrusted.Escape(rec.Length > 3 ? rec[3] : "");
        int errno = int.TryParse(rec.Length > 4 ? rec[4] : "", out var e) ? e : 0;
        string detail = Untrusted.Escape(rec.Length > 5 ? rec[5] : "");
        if (op == "link")
            return SetupErrors.FromRecord(rec, new ContainerSpec());
        if (op == "upper" && errno == 9)
            return new UserNsContainerException("CommitNeedsWriteFake", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' keeps no overlay of its writes: {detail}.", handle, "Make the container with -WriteFake, make the changes, then save it.");
        var reason = errno switch
        {
            36 => "a path in it is longer than 64 KiB",
            40 => "its directories nest deeper than 512 levels",
            27 => "its files add up to more than its overlay holds (sparse files, whose holes a layer would hold in full)",
            13 => "permission denied",
            _ => new System.ComponentModel.Win32Exception(errno).Message,
        };
        return new UserNsContainerException("ImageCommitFailed", FailureKind.InvalidOperation,
            $"Cannot read the writes of container '{handle.Name}' ({op}{(path.Length > 0 ? " '" + path + "'" : "")}): {reason}{(detail.Length > 0 ? $" ({detail})" : "")}. No image was made.",
            handle, "Remove or shorten what the message names inside the container, then save it again.");
    }
}
