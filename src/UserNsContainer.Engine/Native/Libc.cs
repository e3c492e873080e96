using System;
using System.Runtime.InteropServices;

namespace UserNsContainer.Engine.Native;

/// <summary>
/// The libc calls Tmds.LibC does not carry (posix_spawn, waitpid) and the syscalls glibc
/// 2.36 does not export (pidfd_*), each wrapped to read errno at once.
/// </summary>
/// <summary>What the engine checked a path to be: the helper mounts only that inode.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    public string[] Fields() => new[] { Device.ToString(System.Globalization.CultureInfo.InvariantCulture), Inode.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

internal static unsafe partial class Libc
{
    private const string C = "libc";

    public const int POSIX_SPAWN_SETSIGDEF = 0x04;
    public const int POSIX_SPAWN_SETSIGMASK = 0x08;
    public const int POSIX_SPAWN_SETSID = 0x80;

    public const long SYS_pidfd_send_signal = 424;
    public const long SYS_pidfd_open = 434;

    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawn_file_actions_init(void* actions);
    [LibraryImport(C, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
    /// <summary>open(2): a build context's file without following a link (O_NOFOLLOW).</summary>
    [LibraryImport(C, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);
    /// <summary>A hard link (an image's blobs shared between layouts of the store).</summary>
    [LibraryImport(C, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int link(string oldPath, string newPath);
    /// <summary>struct rlimit is two rlim_t (unsigned 64-bit on Linux).</summary>
    [LibraryImport(C, SetLastError = true)]
    public static partial int getrlimit(int resource, ulong* rlim);

    /// <summary>The caller's soft RLIMIT_NPROC; null when unlimited or unreadable.</summary>
    public static long? NprocLimit()
    {
        ulong* rl = stackalloc ulong[2];
        return getrlimit(6 /* RLIMIT_NPROC */, rl) == 0 && rl[0] < long.MaxValue ? (long)rl[0] : null;
    }
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawn_file_actions_destroy(void* actions);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int oflag, uint mode);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigmask);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigdefault);
    [LibraryImport(C, SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* actions, void* attr, byte** argv, byte** envp);
    [LibraryImport(C, SetLastError = true)]
    public static partial int sigemptyset(void* set);
    [LibraryImport(C, SetLastError = true)]
    public static partial int sigfillset(void* set);
    [LibraryImport(C, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(C, SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2, long a3, long a4);
    [LibraryImport(C, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);
    [LibraryImport(C, SetLastError = true)]
    public static partial int close(int fd);
    [LibraryImport(C, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);
    [LibraryImport(C, SetLastError = true)]
    public static partial int isatty(int fd);
    [LibraryImport(C, SetLastError = true)]
    public static partial uint geteuid();
    [LibraryImport(C, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);

    private const int R_OK = 4, W_OK = 2, X_OK = 1;

    /// <summary>access(2) W_OK|X_OK: the caller may create files in the directory.</summary>
    public static bool CanWrite(string dir) => access(dir, W_OK | X_OK) == 0;

    /// <summary>access(2) R_OK|W_OK: the caller may open the file for reading and writing.</summary>
    public static bool CanReadWrite(string path) => access(path, R_OK | W_OK) == 0;

    /// <summary>access(2) R_OK|X_OK: the caller may list the directory and reach what is in it.</summary>
    public static bool CanRead(string dir) => access(dir, R_OK | X_OK) == 0;

    /// <summary>access(2) X_OK: the caller may execute the file.</summary>
    public static bool CanExecute(string path) => access(path, X_OK) == 0;
    [LibraryImport(C, SetLastError = true)]
    public static partial uint getegid();

    [LibraryImport(C, SetLastError = true)]
    public static partial int poll(PollFd* fds, ulong nfds, int timeout);
    [LibraryImport(C, SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nuint len, int flags);
    [LibraryImport(C, SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nuint len, int flags);

    public const short POLLIN = 1;
    public const int EINTR = 4;
    public const int MSG_NOSIGNAL = 0x4000;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) on one fd, retried on EINTR; true when it became readable.</summary>
    public static bool PollIn(int fd, int timeoutMs, string what)
    {
        var p = new PollFd { Fd = fd, Events = POLLIN };
        int r;
        do
            r = poll(&p, 1, timeoutMs);
        while (r < 0 && Errno == EINTR);
        if (r < 0)
            throw new SystemCallException("poll", what, Errno);
        return r > 0;
    }

    [LibraryImport(C, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nuint count);
    [LibraryImport(C, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nuint count);

    public const short POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10;
    public const int EAGAIN = 11, EPIPE = 32, EINVAL = 22;
    private const int F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0x800, F_SETPIPE_SZ = 1031;

    /// <summary>Makes a pipe end non-blocking and, where the caller may, its buffer 1 MiB
    /// (fewer wake-ups per megabyte; the default 64 KiB stays when refused).</summary>
    public static void TunePipe(int fd, bool nonBlocking)
    {
        fcntl(fd, F_SETPIPE_SZ, 1 << 20);
        if (nonBlocking)
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    }

    /// <summary>splice(2) with no offsets: moves up to <paramref name="length"/> bytes from a pipe
    /// to a file (at its offset) inside the kernel.</summary>
    [LibraryImport(C, EntryPoint = "splice", SetLastError = true)]
    public static partial nint splice(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);

    public const uint SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2;

    /// <summary>Clears O_NONBLOCK: writes wait for the reader (a stream written from several threads).</summary>
    public static void SetBlocking(int fd) => fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);

    /// <summary>Polls <paramref name="fds"/> for input (or hang-up); the index of the first
    /// ready one, or -1 when <paramref name="timeoutMs"/> passed or a signal interrupted.</summary>
    public static int PollAny(System.Collections.Generic.List<int> fds, int timeoutMs)
    {
        var p = stackalloc PollFd[fds.Count];
        for (int i = 0; i < fds.Count; i++)
            p[i] = new PollFd { Fd = fds[i], Events = POLLIN };
        int r = poll(p, (ulong)fds.Count, timeoutMs);
        if (r < 0 && Errno != EINTR)
            throw new SystemCallException("poll", null, Errno);
        for (int i = 0; r > 0 && i < fds.Count; i++)
            if (p[i].Revents != 0)
                return i;
        return -1;
    }

    [LibraryImport(C, SetLastError = true)]
    public static partial nint getxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(C, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    public const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, EWOULDBLOCK = 11;

    /// <summary>The owner of <paramref name="path"/> (lstat when <paramref name="followLinks"/> is false), or null.</summary>
    public static uint? OwnerOf(string path, bool followLinks)
    {
        Tmds.Linux.stat st;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            int r = followLinks ? Tmds.Linux.LibC.stat(p, &st) : Tmds.Linux.LibC.lstat(p, &st);
            return r == 0 ? st.st_uid : null;
        }
    }

    /// <summary>Device and inode of <paramref name="path"/> itself (lstat), or null when it is gone.</summary>
    public static FileIdentity? IdentityOf(string path)
    {
        Tmds.Linux.stat st;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
            return Tmds.Linux.LibC.lstat(p, &st) == 0 ? new FileIdentity(st.st_dev, st.st_ino) : null;
    }

    /// <summary>Device and inode of an open file (fstat).</summary>
    public static FileIdentity? IdentityOf(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        Tmds.Linux.stat st;
        return Tmds.Linux.LibC.fstat((int)file.DangerousGetHandle(), &st) == 0 ? new FileIdentity(st.st_dev, st.st_ino) : null;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Throws a <see cref="SystemCallException"/> when <paramref name="result"/> is -1.</summary>
    public static int Check(int result, string call, string? path = null)
    {
        if (result == -1)
            throw new SystemCallException(call, path, Errno);
        return result;
    }

    public static int PidfdOpen(int pid)
    {
        long fd = syscall(SYS_pidfd_open, pid, 0, 0, 0);
        return fd < 0 ? -1 : (int)fd;
    }

    public static int PidfdSendSignal(int pidfd, int signal) =>
        (int)syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0);
}
