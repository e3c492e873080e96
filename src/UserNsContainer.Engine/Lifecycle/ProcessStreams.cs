using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>
/// The standard streams of an entered process as blocking .NET streams, for a peer that reads
/// on a thread of its own while other threads write (a PowerShell session's transport):
/// <see cref="ForegroundIo"/> is the one-thread form for commands. Writing blocks until the
/// process has taken the data; reading ends at EOF once the process has closed its side.
/// </summary>
public sealed class ProcessStreams : IDisposable
{
    private readonly ContainerSession _session;

    internal ProcessStreams(ContainerSession session, int stdin, int stdout, int stderr)
    {
        _session = session;
        Libc.SetBlocking(stdin);
        Input = Open(stdin, FileAccess.Write);
        Output = Open(stdout, FileAccess.Read);
        Error = Open(stderr, FileAccess.Read);
    }

    public Stream Input { get; }
    public Stream Output { get; }
    public Stream Error { get; }

    /// <summary>How the process ended, once its exit record arrived: waits at most
    /// <paramref name="timeout"/> (call it after <see cref="Output"/> ended).</summary>
    public ContainerExit? WaitExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var control = new List<int>(1);
        while (_session.Exit is null && clock.Elapsed < timeout)
        {
            if (_session.ControlFd < 0)
            {
                _session.ReadControl();
                break;
            }
            control.Clear();
            control.Add(_session.ControlFd);
            if (Libc.PollAny(control, 100) == 0)
                _session.ReadControl();
        }
        return _session.Exit;
    }

    private static FileStream Open(int fd, FileAccess access) =>
        new(new SafeFileHandle((IntPtr)fd, ownsHandle: true), access, bufferSize: 0);

    /// <summary>Closes the three streams (a reader blocked in Output returns at the process's EOF).</summary>
    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
        Error.Dispose();
    }
}
