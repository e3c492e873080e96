using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>How a foreground command's output comes back: lines (the default) or exact
/// bytes, per stream.</summary>
/// <param name="StdoutFile">A file the command's stdout goes into as it is (-RedirectStandardOutput):
/// moved by splice(2) from the pipe at its current offset, never through this process's memory
/// (a copy where the file takes no splice); nothing of that stream is then yielded.</param>
public sealed record OutputForms(bool StdoutBytes = false, bool StderrBytes = false,
    Microsoft.Win32.SafeHandles.SafeFileHandle? StdoutFile = null, Microsoft.Win32.SafeHandles.SafeFileHandle? StderrFile = null)
{
    public static readonly OutputForms Lines = new();
}

/// <summary>
/// The standard streams of a foreground command (Invoke-UserNsContainer, Enter-ContainerNamespace):
/// input written to its stdin while its stdout and stderr are read, all on the calling thread
/// from one poll, so a command that writes while it reads never blocks its caller. Writing
/// blocks until the command has taken the data (back-pressure); the end of input is EOF.
/// Cancelling asks the command to end as a terminal's Ctrl+C would, then firmer:
/// SIGINT, after <see cref="InterruptGrace"/> SIGTERM, after <see cref="TerminateGrace"/> more SIGKILL.
/// </summary>
public sealed unsafe class ForegroundIo : IDisposable
{
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(3);

    private readonly ContainerSession _session;
    private readonly List<OutputReader> _readers = new();
    private readonly List<ContainerOutput> _ready = new();
    private readonly Action<ContainerExit>? _onExit;
    private int _stdin;
    private Stopwatch? _stopping;
    private int _signalsSent;
    private bool _writable; // the last Pump saw stdin take more

    internal ContainerSession Session => _session;

    internal ForegroundIo(ContainerSession session, int stdin, int stdout, int stderr, OutputForms forms, Action<ContainerExit>? onExit)
    {
        _session = session;
        _stdin = stdin;
        _onExit = onExit;
        if (stdout >= 0)
            _readers.Add(new OutputReader(stdout, ContainerOutputKind.Stdout, forms.StdoutBytes, forms.StdoutFile));
        if (stderr >= 0)
            _readers.Add(new OutputReader(stderr, ContainerOutputKind.Stderr, forms.StderrBytes, forms.StderrFile));
    }

    /// <summary>How the command ended, once known.</summary>
    public ContainerExit? Exit => _session.Exit;

    /// <summary>False once the command's stdin is closed: at the end of input, or because
    /// nothing reads it any more (what is written then is dropped, as for a native command).</summary>
    public bool AcceptsInput => _stdin >= 0;

    /// <summary>Writes <paramref name="data"/> to the command's stdin, yielding the output that
    /// arrives meanwhile; returns once all of it is taken, stdin is closed, or on cancel.</summary>
    public IEnumerable<ContainerOutput> Write(byte[] data, CancellationToken cancel)
    {
        int offset = 0;
        while (offset < data.Length && _stdin >= 0)
        {
            if (cancel.IsCancellationRequested)
            {
                CloseInput();
                break;
            }
            foreach (var item in Pump(wantWrite: true))
                yield return item;
            if (_stdin >= 0 && _writable)
                offset += WriteSome(data, offset);
        }
    }

    /// <summary>Moves the rest of <paramref name="file"/> into the command's stdin with splice(2)
    /// (inside the kernel), yielding the output that arrives meanwhile. Sets
    /// <see cref="SpliceRefused"/> and moves nothing where the file takes no splice: the caller
    /// then writes the file's bytes with <see cref="Write"/>.</summary>
    public IEnumerable<ContainerOutput> WriteFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, CancellationToken cancel)
    {
        int fd = (int)file.DangerousGetHandle();
        while (_stdin >= 0)
        {
            if (cancel.IsCancellationRequested)
            {
                CloseInput();
                yield break;
            }
            foreach (var item in Pump(wantWrite: true))
                yield return item;
            if (_stdin < 0 || !_writable)
                continue;
            nint n = SpliceIn(fd);
            if (n == 0)
                yield break; // the file's end
            if (n > 0)
                continue;
            int errno = Libc.Errno;
            if (errno is Libc.EINTR or Libc.EAGAIN)
                continue;
            if (errno == Libc.EINVAL)
            {
                SpliceRefused = true;
                yield break;
            }
            CloseInput(); // EPIPE: the command stopped reading (or ended); the rest is dropped
        }
    }

    private nint SpliceIn(int fd) => Libc.splice(fd, null, _stdin, null, 1 << 20, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);

    /// <summary>The last <see cref="WriteFile"/> moved nothing: the file takes no splice.</summary>
    public bool SpliceRefused { get; private set; }

    /// <summary>Ends the command's input, then yields its output until it has exited and
    /// both streams are at their end; the last item carries the exit.</summary>
    public IEnumerable<ContainerOutput> Finish(CancellationToken cancel)
    {
        CloseInput();
        while (Exit is null || _readers.Count > 0)
        {
            if (cancel.IsCancellationRequested)
                Escalate();
            foreach (var item in Pump(wantWrite: false))
                yield return item;
        }
        yield return new ContainerOutput(ContainerOutputKind.Exited, null, Exit);
    }

    /// <summary>One poll (at most 100 ms) over stdin, stdout, stderr and the control socket.</summary>
    private List<ContainerOutput> Pump(bool wantWrite)
    {
        _ready.Clear();
        _writable = false;
        int n = _readers.Count, count = n;
        var fds = stackalloc Libc.PollFd[n + 2];
        for (int i = 0; i < n; i++)
            fds[i] = new Libc.PollFd { Fd = _readers[i].Fd, Events = Libc.POLLIN };
        int control = -1, input = -1;
        if (Exit is null && _session.ControlFd < 0 && _session.ReadControl() is { } aborted)
            _onExit?.Invoke(aborted); // the session was ended under this reader (Abort): "lost"
        if (Exit is null)
            fds[control = count++] = new Libc.PollFd { Fd = _session.ControlFd, Events = Libc.POLLIN };
        if (wantWrite && _stdin >= 0)
            fds[input = count++] = new Libc.PollFd { Fd = _stdin, Events = Libc.POLLOUT };
        int r = Libc.poll(fds, (ulong)count, 100);
        if (r < 0 && Libc.Errno != Libc.EINTR)
            throw new SystemCallException("poll", null, Libc.Errno);
        if (r <= 0)
            return _ready;
        if (input >= 0 && fds[input].Revents != 0)
        {
            if ((fds[input].Revents & Libc.POLLERR) != 0)
                CloseInput(); // the read end is gone: nothing will take the rest
            else
                _writable = true;
        }
        if (control >= 0 && fds[control].Revents != 0 && _session.ReadControl() is { } exit)
            _onExit?.Invoke(exit);
        for (int i = n - 1; i >= 0; i--)
        {
            if (fds[i].Revents == 0)
                continue;
            var reader = _readers[i];
            reader.Read(_ready);
            if (reader.AtEnd)
            {
                _readers.RemoveAt(i);
                reader.Dispose();
            }
        }
        return _ready;
    }

    private int WriteSome(byte[] data, int offset)
    {
        nint w;
        fixed (byte* p = data)
        {
            do
                w = Libc.write(_stdin, p + offset, (nuint)(data.Length - offset));
            while (w < 0 && Libc.Errno == Libc.EINTR);
        }
        if (w >= 0)
            return (int)w;
        if (Libc.Errno != Libc.EAGAIN)
            CloseInput(); // EPIPE: the command stopped reading (or ended)
        return 0;
    }

    /// <summary>The end of input: the command reads EOF.</summary>
    public void CloseInput()
    {
        if (_stdin >= 0)
            Libc.close(_stdin);
        _stdin = -1;
    }

    /// <summary>SIGINT at once, SIGTERM after the first grace, SIGKILL after the second.</summary>
    private void Escalate()
    {
        _stopping ??= Stopwatch.StartNew();
        var elapsed = _stopping.Elapsed;
        int wanted = elapsed >= InterruptGrace + TerminateGrace ? 3 : elapsed >= InterruptGrace ? 2 : 1;
        while (_signalsSent < wanted && Exit is null)
        {
            _signalsSent++;
            _session.Kill(_signalsSent switch { 1 => 2, 2 => 15, _ => 9 });
        }
    }

    public void Dispose()
    {
        CloseInput();
        foreach (var r in _readers)
            r.Dispose();
        _readers.Clear();
    }
}
