using System;
using System.Buffers;
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
    /// <summary>The largest record either side sends (MAX_MSG in src/native/helper.h): under the
    /// socket's default send buffer, so the kernel never refuses a record that fits.</summary>
    public const int MaxMessage = 128 * 1024;
    private int _fd;

    private ControlChannel(int fd) => _fd = fd;

    /// <summary>Makes a connected pair; the second fd is for the helper (placed at fd 3).</summary>
    public static (ControlChannel Engine, int HelperFd) CreatePair()
    {
        int* sv = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            throw new SystemCallException("socketpair", null, Libc.Errno);
        return (new ControlChannel(sv[0]), sv[1]);
    }

    public bool IsOpen => _fd >= 0;

    /// <summary>The socket's fd, for a caller that polls it together with other fds.</summary>
    public int Fd => _fd;

    public void Send(params string[] fields)
    {
        var bytes = Encode(fields);
        if (bytes.Length > MaxMessage)
            throw new UserNsContainerException("SpecTooLarge", FailureKind.InvalidArgument,
                $"The helper record '{fields[0]}' {(fields.Length > 1 ? $"({fields[1]}) " : "")}is {bytes.Length} bytes; a record must be under {MaxMessage / 1024} KiB.",
                fields[0]);
        fixed (byte* p = bytes)
        {
            nint n;
            do
                n = Libc.send(_fd, p, (nuint)bytes.Length, Libc.MSG_NOSIGNAL);
            while (n < 0 && Libc.Errno == Libc.EINTR);
            if (n < 0)
                throw new SystemCallException("send to helper", null, Libc.Errno);
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
            int slice = (int)Math.Min(left.TotalMilliseconds, 100);
            if (Libc.PollIn(_fd, Math.Max(slice, 1), "helper socket"))
                return ReadRecord();
        }
    }

    /// <summary>Reads one record that poll said is there; null when the helper closed its end.</summary>
    public string[]? ReadRecord()
    {
        // a record can be as large as MaxMessage: a pooled buffer, so that each record read is
        // not a new large-object allocation (those are only collected with generation 2)
        var buf = ArrayPool<byte>.Shared.Rent(MaxMessage);
        try
        {
            nint n;
            int err = 0;
            fixed (byte* p = buf)
            {
                do
                {
                    n = Libc.recv(_fd, p, (nuint)MaxMessage, 0);
                    err = n < 0 ? Libc.Errno : 0;
                }
                while (n < 0 && err == Libc.EINTR);
            }
            if (n < 0 && err == 104) // ECONNRESET: the helper is gone
                return null;
            if (n < 0)
                throw new SystemCallException("recv from helper", null, err);
            if (n == 0)
                return null;
            var text = Encoding.UTF8.GetString(buf, 0, (int)n);
            return text.TrimEnd('\0').Split('\0');
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
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
            Libc.close(fd);
    }
}
