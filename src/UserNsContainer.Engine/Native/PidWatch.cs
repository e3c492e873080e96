using System;

namespace UserNsContainer.Engine.Native;

/// <summary>A pidfd on a process that is verified to be the one that started at a known
/// time: signals and exit waits cannot hit a reused pid.</summary>
internal sealed unsafe class PidWatch : IDisposable
{
    private int _fd;

    private PidWatch(int fd) => _fd = fd;

    /// <summary>Null when the process is gone or is no longer the one recorded.</summary>
    public static PidWatch? Open(int pid, ulong startTime)
    {
        if (pid <= 0)
            return null;
        int fd = Libc.PidfdOpen(pid);
        if (fd < 0)
            return null;
        // checked after opening: the pidfd now pins this process, so the check cannot go stale
        if (ProcessInfo.StartTime(pid) != startTime)
        {
            Libc.close(fd);
            return null;
        }
        return new PidWatch(fd);
    }

    public void Signal(int signal) => Libc.PidfdSendSignal(_fd, signal);

    /// <summary>True once the process has exited; waits at most <paramref name="wait"/>.</summary>
    public bool Exited(TimeSpan wait)
    {
        return Libc.PollIn(_fd, (int)wait.TotalMilliseconds, "pidfd");
    }

    public void Dispose()
    {
        if (_fd >= 0)
            Libc.close(_fd);
        _fd = -1;
    }
}
