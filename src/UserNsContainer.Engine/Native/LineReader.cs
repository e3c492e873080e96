using System;
using System.Collections.Generic;
using System.Text;

namespace UserNsContainer.Engine.Native;

/// <summary>Splits what a pipe delivers into UTF-8 lines, one read() at a time, so several
/// pipes can be served from one poll loop on one thread.</summary>
internal sealed unsafe class LineReader : IDisposable
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private readonly byte[] _bytes = new byte[65536];
    private readonly char[] _chars = new char[65536 + 1];

    public LineReader(int fd, ContainerOutputKind kind)
    {
        Fd = fd;
        Kind = kind;
    }

    public int Fd { get; private set; }
    public ContainerOutputKind Kind { get; }
    public bool AtEnd { get; private set; }

    /// <summary>One read(): the complete lines it finished (and at end of file, the rest).</summary>
    public List<string> Read()
    {
        var lines = new List<string>();
        nint n;
        fixed (byte* p = _bytes)
        {
            do
                n = Libc.read(Fd, p, (nuint)_bytes.Length);
            while (n < 0 && Libc.Errno == Libc.EINTR);
        }
        if (n <= 0)
        {
            AtEnd = true;
            if (_pending.Length > 0)
                lines.Add(_pending.ToString());
            _pending.Clear();
            return lines;
        }
        int chars = _decoder.GetChars(_bytes, 0, (int)n, _chars, 0);
        int start = 0;
        for (int i = 0; i < chars; i++)
        {
            if (_chars[i] != '\n')
                continue;
            _pending.Append(_chars, start, i - start);
            if (_pending.Length > 0 && _pending[^1] == '\r')
                _pending.Length--;
            lines.Add(_pending.ToString());
            _pending.Clear();
            start = i + 1;
        }
        _pending.Append(_chars, start, chars - start);
        return lines;
    }

    public void Dispose()
    {
        if (Fd >= 0)
            Libc.close(Fd);
        Fd = -1;
    }
}
