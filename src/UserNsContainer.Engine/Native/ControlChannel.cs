using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UserNsContainer.Engine.Native;

/// <summary>
/// The engine's end of the helper's control socket (SOCK_SEQPACKET): one record per
/// message, fields separated by NUL (the format src/native/protocol.c reads and writes).
/// </summary>
internal sealed unsafe class ControlChannel : IDisposable
{
    private const int MaxMessage = 256 * 1024;
    private int _fd;

    private ControlChannel(int fd) => _fd = fd;

    /// <summary>Makes a connected pair; the second fd is for the helper (placed at fd 3).</summary>
    public static (ControlChannel Engine, int HelperFd) CreatePair()
    {
        int* sv = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            throw new SystemCallException("socketpair", null, errno);
        return (new ControlChannel(sv[0]), sv[1]);
    }

    public bool IsOpen => _fd >= 0;

    public void Send(params string[] fields)
    {
        var bytes = Encode(fields);
        if (bytes.Length > MaxMessage)
            throw new InvalidSpecException("SpecTooLarge", "Command", fields[0], $"a container description under {MaxMessage / 1024} KiB");
        fixed (byte* p = bytes)
        {
            ssize_t n;
            do
                n = send(_fd, p, bytes.Length, MSG_NOSIGNAL);
            while (n < 0 && errno == EINTR);
            if (n < 0)
                throw new SystemCallException("send to helper", null, errno);
        }
    }

    public void SendAll(IEnumerable<string[]> records)
    {
        foreach (var r in records)
            Send(r);
    }

    /// <summary>The next record; null when the helper closed its end. Waits at most
    /// <paramref name="timeout"/>, checking <paramref name="cancel"/> meanwhile.</summary>
    public string[]? Receive(TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException();
            pollfd pfd = new pollfd { fd = _fd, events = POLLIN };
            int slice = (int)Math.Min(left.TotalMilliseconds, 100);
            int r = poll(&pfd, 1, Math.Max(slice, 1));
            if (r < 0 && errno != EINTR)
                throw new SystemCallException("poll helper socket", null, errno);
            if (r > 0)
                return ReadOne();
        }
    }

    private string[]? ReadOne()
    {
        var buf = new byte[MaxMessage];
        ssize_t n;
        fixed (byte* p = buf)
        {
            do
                n = recv(_fd, p, buf.Length, 0);
            while (n < 0 && errno == EINTR);
        }
        if (n < 0 && errno == ECONNRESET)
            return null;
        if (n < 0)
            throw new SystemCallException("recv from helper", null, errno);
        if (n == 0)
            return null;
        var text = Encoding.UTF8.GetString(buf, 0, (int)n);
        return text.TrimEnd('\0').Split('\0');
    }

    internal static byte[] Encode(string[] fields)
    {
        var sb = new StringBuilder();
        foreach (var f in fields)
            sb.Append(f).Append('\0');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            close(fd);
    }
}
