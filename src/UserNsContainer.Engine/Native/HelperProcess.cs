// Native: the single-threaded helper started with posix_spawn, its control socket, libc
// and syscalls .NET lacks, spare helpers, pid watches and host process facts.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace UserNsContainer.Engine.Native;

/// <summary>How the container's standard streams are connected.</summary>
public enum StdioMode
{
    /// <summary>A terminal: the helper relays between the caller's own fds 0, 1, 2 and a new pty
    /// that the command gets as its controlling terminal (the caller's is never shared).</summary>
    Inherit,
    /// <summary>stdin, stdout and stderr are pipes the engine writes and reads.</summary>
    Capture,
    /// <summary>/dev/null; the helper relays the container's output to its log.</summary>
    Detached,
}

/// <summary>Starts the helper with posix_spawn: the control socket at fd 3, stdio as asked,
/// nothing else inherited, signals back to their defaults.</summary>
internal static unsafe class HelperProcess
{
    private const int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000, F_DUPFD_CLOEXEC = 1030;

    /// <summary>The helper file this process executes (HelperBinary: the module's own, or a
    /// private copy of it).</summary>
    public static string HelperPath => HelperBinary.Path_;

    /// <summary>The helper build this machine runs: linux-x64 or linux-arm64 (others: none).</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "linux-x64",
        System.Runtime.InteropServices.Architecture.Arm64 => "linux-arm64",
        var other => "linux-" + other.ToString().ToLowerInvariant(),
    };

    public sealed record Spawned(int Pid, int StdinFd, int StdoutFd, int StderrFd);

    /// <param name="helper">Another build of the helper (the tests' sanitizer build); by default the module's.</param>
    public static Spawned Spawn(int controlFd, StdioMode stdio, string mode = "create", string? helper = null)
    {
        helper ??= HelperPath;
        // fd 3 must be a dup2 target distinct from its source, so that CLOEXEC is cleared.
        int ctl = Libc.Check(Libc.fcntl(controlFd, F_DUPFD_CLOEXEC, 10), "fcntl");
        int inR = -1, inW = -1, outR = -1, outW = -1, errR = -1, errW = -1;
        if (stdio == StdioMode.Capture)
        {
            (inR, inW) = Pipe();
            (outR, outW) = Pipe();
            (errR, errW) = Pipe();
            Libc.TunePipe(inW, nonBlocking: true);
            Libc.TunePipe(outR, nonBlocking: false);
            Libc.TunePipe(errR, nonBlocking: false);
        }
        var actions = stackalloc byte[512];
        var attr = stackalloc byte[1024];
        var sigs = stackalloc byte[256];
        try
        {
            Libc.posix_spawn_file_actions_init(actions);
            Libc.posix_spawnattr_init(attr);
            Libc.posix_spawn_file_actions_adddup2(actions, ctl, 3);
            if (stdio == StdioMode.Detached)
                AddOpen(actions, 0, "/dev/null", O_RDONLY);
            if (stdio == StdioMode.Capture)
            {
                Libc.posix_spawn_file_actions_adddup2(actions, inR, 0);
                Libc.posix_spawn_file_actions_adddup2(actions, outW, 1);
                Libc.posix_spawn_file_actions_adddup2(actions, errW, 2);
            }
            else if (stdio == StdioMode.Detached)
            {
                AddOpen(actions, 1, "/dev/null", O_WRONLY);
                AddOpen(actions, 2, "/dev/null", O_WRONLY);
            }
            short flags = Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF;
            if (stdio == StdioMode.Detached)
                flags |= Libc.POSIX_SPAWN_SETSID;
            Libc.posix_spawnattr_setflags(attr, flags);
            Libc.sigemptyset(sigs);
            Libc.posix_spawnattr_setsigmask(attr, sigs);
            Libc.sigfillset(sigs);
            Libc.posix_spawnattr_setsigdefault(attr, sigs);
            int pid;
            int rc = SpawnWithArgs(&pid, helper, mode, actions, attr);
            if (rc != 0)
                throw new SystemCallException("posix_spawn", helper, rc);
            return new Spawned(pid, inW, outR, errR);
        }
        catch
        {
            CloseAll(inW, outR, errR);
            throw;
        }
        finally
        {
            Libc.posix_spawn_file_actions_destroy(actions);
            Libc.posix_spawnattr_destroy(attr);
            CloseAll(ctl, inR, outW, errW);
        }
    }

    private static int SpawnWithArgs(int* pid, string helper, string mode, void* actions, void* attr)
    {
        var path = Marshal.StringToCoTaskMemUTF8(helper);
        var arg1 = Marshal.StringToCoTaskMemUTF8(mode);
        var arg2 = Marshal.StringToCoTaskMemUTF8(StateStore.DirectoryForCurrentUser());
        try
        {
            var argv = stackalloc byte*[4] { (byte*)path, (byte*)arg1, (byte*)arg2, null };
            var envp = stackalloc byte*[1] { null };
            return Libc.posix_spawn(pid, (byte*)path, actions, attr, argv, envp);
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
            Marshal.FreeCoTaskMem(arg1);
            Marshal.FreeCoTaskMem(arg2);
        }
    }

    private static void AddOpen(void* actions, int fd, string path, int flags)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
            Libc.posix_spawn_file_actions_addopen(actions, fd, p, flags, 0);
    }

    private static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Libc.Check(Libc.pipe2(fds, O_CLOEXEC), "pipe2");
        return (fds[0], fds[1]);
    }

    internal static void CloseAll(params int[] fds)
    {
        foreach (var fd in fds)
            if (fd >= 0)
                Libc.close(fd);
    }

    /// <summary>Reaps the helper process the engine spawned (blocking).</summary>
    public static int Reap(int pid)
    {
        int r = WaitPid(pid, 0, out int status);
        return r < 0 ? -1 : status;
    }

    /// <summary>True (and reaped) when the helper the engine spawned has ended.</summary>
    public static bool HasExited(int pid) => WaitPid(pid, 1 /* WNOHANG */, out _) != 0;

    private static int WaitPid(int pid, int options, out int status)
    {
        int s, r;
        do
            r = Libc.waitpid(pid, &s, options);
        while (r < 0 && Libc.Errno == 4); // EINTR
        status = s;
        return r;
    }

    /// <summary>Starts the helper in a one-shot MODE, sends RECORDS, and returns what it sends
    /// back up to and including "exit" (30 s at most per record).</summary>
    public static List<string[]> RunOnce(string mode, IEnumerable<string[]> records)
    {
        var (channel, helperFd) = ControlChannel.CreatePair();
        Spawned spawned;
        try
        {
            spawned = Spawn(helperFd, StdioMode.Detached, mode);
        }
        finally
        {
            CloseAll(helperFd);
        }
        var received = new List<string[]>();
        try
        {
            channel.SendAll(records);
            while (true)
            {
                string[]? rec;
                try
                {
                    rec = channel.Receive(TimeSpan.FromSeconds(30), System.Threading.CancellationToken.None);
                }
                catch (TimeoutException)
                {
                    Libc.Kill(spawned.Pid, 9);
                    throw new UserNsContainerException("HelperTimeout", FailureKind.OperationTimeout,
                        $"The helper ({mode}) did not finish within 30 s; it was ended.", mode);
                }
                if (rec is null)
                {
                    if (!received.Any(r => r[0] == "error"))
                        throw new UserNsContainerException("HelperDied", FailureKind.InvalidOperation,
                            $"The helper ({mode}) ended before it reported how the step went (it was killed, or crashed); nothing it began is left in the container.", mode);
                    break;
                }
                received.Add(rec);
                if (rec[0] == "exit")
                    break;
            }
        }
        finally
        {
            channel.Dispose();
            Reap(spawned.Pid);
        }
        return received;
    }
}
