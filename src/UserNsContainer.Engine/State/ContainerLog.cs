using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

public enum LogStream { Stdout, Stderr }

/// <summary>One line a detached container wrote: when the monitor read it, on which stream.</summary>
public sealed record LogLine(DateTime Time, LogStream Stream, string Text);

/// <summary>What Get-UserNsContainerLog asks for (podman logs' --tail, --since, --until, --follow).</summary>
public sealed record LogQuery(int Tail = -1, DateTime? Since = null, DateTime? Until = null, bool Follow = false);

/// <summary>
/// Reads a detached container's log: the k8s-file records the monitor writes (one per line:
/// "TIME STREAM F|P TEXT", P a piece of a line that goes on in the next record of the same
/// stream), the rotated LOG.1 first. Following, it reads what is added until the container
/// has exited and the file is read to its end, and moves on to the new file after a rotation.
/// </summary>
internal sealed class ContainerLog : IDisposable
{
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(100);
    private readonly string _path;
    private readonly Dictionary<LogStream, List<byte>> _pieces = new() { [LogStream.Stdout] = new(), [LogStream.Stderr] = new() };
    private readonly List<byte> _record = new();
    private FileStream? _file;
    private FileIdentity? _identity;

    private ContainerLog(string path) => _path = path;

    public static IEnumerable<LogLine> Read(ContainerHandle handle, LogQuery query, Func<bool> running, CancellationToken cancel)
    {
        if (handle.LogPath is null)
            throw new UserNsContainerException("NoLog", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' has no log: it ran in the foreground (Invoke-UserNsContainer), whose output went to its caller.", handle);
        using var log = new ContainerLog(handle.LogPath);
        // the rotated file first, through the same reader: a line cut by the rotation goes on
        var history = log.ReadRotated();
        history.AddRange(log.ReadAvailable());
        if (!query.Follow)
            history.AddRange(log.Pieces()); // a last line without its newline (yet), as it is
        var shown = history.Where(l => Wanted(l, query)).ToList();
        foreach (var line in query.Tail >= 0 ? shown.Skip(Math.Max(0, shown.Count - query.Tail)) : shown)
            yield return line;
        if (!query.Follow)
            yield break;
        while (!cancel.IsCancellationRequested)
        {
            bool ended = !running(); // read once more after the end: the monitor wrote everything before it exited
            foreach (var line in log.ReadAvailable())
            {
                if (query.Until is { } until && line.Time > until)
                    yield break;
                if (Wanted(line, query))
                    yield return line;
            }
            if (ended)
            {
                foreach (var line in log.Pieces())
                    if (Wanted(line, query))
                        yield return line;
                yield break;
            }
            cancel.WaitHandle.WaitOne(FollowPoll);
        }
    }

    private static bool Wanted(LogLine line, LogQuery query) =>
        (query.Since is not { } since || line.Time >= since) && (query.Until is not { } until || line.Time <= until);

    /// <summary>The records of LOG.1, the file the last rotation moved aside (none: empty).</summary>
    private List<LogLine> ReadRotated()
    {
        var lines = new List<LogLine>();
        try
        {
            using var rotated = new FileStream(_path + ".1", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            ReadToEnd(rotated, lines);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
        }
        return lines;
    }

    /// <summary>The records added since the last call (the current file to its end; after a
    /// rotation, the rest of the old file and then the new one).</summary>
    private List<LogLine> ReadAvailable()
    {
        var lines = new List<LogLine>();
        while (true)
        {
            if (_file is null && !Open())
                return lines;
            ReadToEnd(_file!, lines);
            var now = Libc.IdentityOf(_path);
            if (now is null || now == _identity)
                return lines;
            // rotated: the old file is read to its end; go on with the new one
            _file!.Dispose();
            _file = null;
        }
    }

    private bool Open()
    {
        try
        {
            _file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            _identity = Libc.IdentityOf(_file.SafeFileHandle); // the file opened, whatever the path names by now
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void ReadToEnd(FileStream file, List<LogLine> into)
    {
        var buffer = new byte[1 << 16];
        int n;
        while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n')
                    continue;
                _record.AddRange(new ArraySegment<byte>(buffer, start, i - start));
                if (Parse(_record) is { } line)
                    into.Add(line);
                _record.Clear();
                start = i + 1;
            }
            _record.AddRange(new ArraySegment<byte>(buffer, start, n - start)); // a record still being written
        }
    }

    /// <summary>The pieces of lines still waiting for their end, as lines.</summary>
    private List<LogLine> Pieces()
    {
        var lines = new List<LogLine>();
        foreach (var (stream, pieces) in _pieces)
        {
            if (pieces.Count == 0)
                continue;
            lines.Add(new LogLine(_lastTime.ToLocalTime(), stream, Encoding.UTF8.GetString(pieces.ToArray())));
            pieces.Clear();
        }
        return lines;
    }

    private DateTime _lastTime;

    /// <summary>One record; a complete line once its F record arrives.</summary>
    private LogLine? Parse(List<byte> record)
    {
        var bytes = record.ToArray();
        int a = Array.IndexOf(bytes, (byte)' ');
        int b = a < 0 ? -1 : Array.IndexOf(bytes, (byte)' ', a + 1);
        int c = b < 0 ? -1 : Array.IndexOf(bytes, (byte)' ', b + 1);
        if (c < 0 || c != b + 2)
            return null; // not a record of ours: skipped
        var stream = Encoding.ASCII.GetString(bytes, a + 1, b - a - 1) switch
        {
            "stdout" => LogStream.Stdout,
            "stderr" => LogStream.Stderr,
            _ => (LogStream?)null,
        };
        if (stream is null || ParseTime(Encoding.ASCII.GetString(bytes, 0, a)) is not { } time)
            return null;
        _lastTime = time;
        var pieces = _pieces[stream.Value];
        pieces.AddRange(new ArraySegment<byte>(bytes, c + 1, bytes.Length - c - 1));
        if (bytes[b + 1] == (byte)'P')
            return null;
        var text = Encoding.UTF8.GetString(pieces.ToArray());
        pieces.Clear();
        if (text.EndsWith('\r'))
            text = text[..^1];
        return new LogLine(time.ToLocalTime(), stream.Value, text);
    }

    /// <summary>"2026-12-02T03:40:19.123456789Z": nanoseconds, of which DateTime keeps 100 ns.</summary>
    internal static DateTime? ParseTime(string text)
    {
        int dot = text.IndexOf('.');
        if (dot > 0 && text.EndsWith('Z') && text.Length - dot - 2 > 7)
            text = text[..(dot + 8)] + "Z";
        return DateTime.TryParseExact(text, new[] { "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'" }, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    public void Dispose() => _file?.Dispose();
}
