using System;
using System.IO;
using System.Text;

namespace UserNsContainer.Sessions;

/// <summary>Lines from the server's stdout, each at most <see cref="MaxLine"/> bytes: what the
/// container writes there is the container's to choose, and a line without end must break the
/// session, not fill the client's memory. PSRP's lines are fragments of a few tens of KiB.</summary>
internal sealed class BoundedLineReader
{
    public const int MaxLine = 8 << 20;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private readonly MemoryStream _line = new();

    public BoundedLineReader(Stream stream) => _stream = stream;

    /// <summary>The next line without its \n (a \r before it is dropped too), or null at EOF;
    /// throws InvalidDataException past <see cref="MaxLine"/>.</summary>
    public string? ReadLine()
    {
        _line.SetLength(0);
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = _stream.Read(_buffer, 0, _buffer.Length);
                if (_end <= 0)
                {
                    _end = 0;
                    return _line.Length > 0 ? Decode() : null;
                }
            }
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int stop = newline < 0 ? _end : newline;
            if (_line.Length + (stop - _start) > MaxLine)
                throw new InvalidDataException($"the session server wrote a line longer than {MaxLine >> 20} MiB on its stdout, which is no PowerShell remoting message: the container did not run a genuine pwsh server");
            _line.Write(_buffer, _start, stop - _start);
            _start = newline < 0 ? _end : newline + 1;
            if (newline >= 0)
                return Decode();
        }
    }

    private string Decode()
    {
        var bytes = _line.GetBuffer();
        int n = (int)_line.Length;
        if (n > 0 && bytes[n - 1] == (byte)'\r')
            n--;
        return Encoding.UTF8.GetString(bytes, 0, n);
    }
}
