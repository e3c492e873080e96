using System;
using System.Runtime.InteropServices;

namespace UserNsContainer.Engine.Native;

/// <summary>The caller's terminal settings, saved before a container gets a terminal and put
/// back after it, whatever happened to the helper (its relay restores them too; this covers a
/// helper killed with SIGKILL, which leaves the terminal in raw mode).</summary>
internal sealed unsafe partial class TerminalState
{
    private const int TCGETS = 0x5401, TCSETSW = 0x5403;
    private const int Size = 60; // struct termios (kernel) with room to spare
    private readonly int _fd;
    private readonly byte[] _saved = new byte[Size];

    private TerminalState(int fd) => _fd = fd;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, byte* arg);

    /// <summary>The settings of <paramref name="fd"/>, or null when it is not a terminal.</summary>
    public static TerminalState? Save(int fd)
    {
        var state = new TerminalState(fd);
        fixed (byte* p = state._saved)
            return ioctl(fd, TCGETS, p) == 0 ? state : null;
    }

    public void Restore()
    {
        fixed (byte* p = _saved)
            ioctl(_fd, TCSETSW, p);
    }
}
