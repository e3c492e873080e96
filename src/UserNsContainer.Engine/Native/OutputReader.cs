using System;
using System.Collections.Generic;
using System.Text;

namespace UserNsContainer.Engine.Native;

/// <summary>Reads one output pipe of a foreground command, one read() at a time, so several
/// pipes can be served from one poll loop on one thread: as UTF-8 lines split the way .NET
/// splits a process's output for PowerShell ('\n', '\r\n' and a lone '\r' each end a line),
/// or as the exact bytes.</summary>
internal sealed unsafe class OutputReader : IDisposable
{
    private const int ChunkSize = 1 << 16;
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private readonly byte[] _bytes = new byte[ChunkSize];
    private readonly char[] _chars = new char[ChunkSize + 1];
    private bool _afterCr;

    private const int SpliceSize = 1 << 20;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    private bool _spliceRefused;

    public OutputReader(int fd, ContainerOutputKind kind, bool bytes, Microsoft.Win32.SafeHandles.SafeFileHandle? file = null)
    {
        Fd = fd;
        Kind = kind;
        Bytes = bytes || file is not null;
        _file = file;
    }

    public int Fd { get; private set; }
    public ContainerOutputKind Kind { get; }
    /// <summary>Chunks of bytes instead of lines.</summary>
    public bool Bytes { get; }
    public bool AtEnd { get; private set; }

    /// <summary>One read(): the complete lines it finished (at end of file, the rest too), or
    /// the bytes it got.</summary>
    public void Read(List<ContainerOutput> into)
    {
        if (_file is not null)
        {
            ToFile();
            return;
        }
        nint n = ReadOnce();
        if (n < 0 && Libc.Errno == Libc.EAGAIN)
            return;
        if (n <= 0)
        {
            AtEnd = true;
            if (!Bytes)
            {
                int tail = _decoder.GetChars(Array.Empty<byte>(), 0, 0, _chars, 0, flush: true);
                _pending.Append(_chars, 0, tail);
                if (_pending.Length > 0)
                    into.Add(new ContainerOutput(Kind, _pending.ToString()));
                _pending.Clear();
            }
            return;
        }
        if (Bytes)
        {
            into.Add(new ContainerOutput(Kind, null, Bytes: _bytes.AsSpan(0, (int)n).ToArray()));
            return;
        }
        int chars = _decoder.GetChars(_bytes, 0, (int)n, _chars, 0);
        int start = 0;
        for (int i = 0; i < chars; i++)
        {
            char c = _chars[i];
            if (c == '\n' && _afterCr)
            {
                // the '\n' of a "\r\n" split across reads (or right after the '\r')
                _afterCr = false;
                start = i + 1;
                continue;
            }
            _afterCr = false;
            if (c != '\n' && c != '\r')
                continue;
            _pending.Append(_chars, start, i - start);
            into.Add(new ContainerOutput(Kind, _pending.ToString()));
            _pending.Clear();
            _afterCr = c == '\r';
            start = i + 1;
        }
        _pending.Append(_chars, start, chars - start);
    }

    /// <summary>One move from the pipe into the file: splice(2), or read and write where the
    /// file takes no splice (EINVAL: a file opened for append, a file system without it).</summary>
    private void ToFile()
    {
        int file = (int)_file!.DangerousGetHandle();
        nint n;
        if (!_spliceRefused)
        {
            do
                n = Libc.splice(Fd, null, file, null, SpliceSize, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
            while (n < 0 && Libc.Errno == Libc.EINTR);
            if (n > 0)
                return;
            if (n == 0)
            {
                AtEnd = true;
                return;
            }
            if (Libc.Errno == Libc.EAGAIN)
                return;
            if (Libc.Errno != Libc.EINVAL)
                throw new SystemCallException("splice", null, Libc.Errno);
            _spliceRefused = true;
        }
        n = ReadOnce();
        if (n < 0 && Libc.Errno == Libc.EAGAIN)
            return;
        if (n <= 0)
        {
            AtEnd = true;
            return;
        }
        fixed (byte* p = _bytes)
        {
            for (nint done = 0; done < n;)
            {
                nint w = Libc.write(file, p + done, (nuint)(n - done));
                if (w < 0 && Libc.Errno == Libc.EINTR)
                    continue;
                if (w < 0)
                    throw new SystemCallException("write", null, Libc.Errno);
                done += w;
            }
        }
    }

    /// <summary>One read() into the buffer, retried on EINTR.</summary>
    private nint ReadOnce()
    {
        nint n;
        fixed (byte* p = _bytes)
        {
            do
                n = Libc.read(Fd, p, (nuint)_bytes.Length);
            while (n < 0 && Libc.Errno == Libc.EINTR);
        }
        return n;
    }

    public void Dispose()
    {
        if (Fd >= 0)
            Libc.close(Fd);
        Fd = -1;
    }
}
