using System;
using System.Collections.Generic;

namespace UserNsContainer.Engine;

/// <summary>Turns the helper's error record {step, operation, path, errno} into an
/// exception that names the likely cause and what to change.</summary>
internal static class SetupErrors
{
    private const int EPERM = 1, ENOENT = 2, E2BIG = 7, EACCES = 13, EBUSY = 16, ENOTDIR = 20, EINVAL = 22, ENOSPC = 28, EROFS = 30, ELOOP = 40, EXDEV = 18, ENOEXEC = 8, ESTALE = 116, ENOTCONN = 107, ESRCH = 3;

    public static UserNsContainerException FromRecord(string[] rec, ContainerSpec spec)
    {
        int step = int.TryParse(rec.Length > 1 ? rec[1] : "", out var s) ? s : -1;
        string op = rec.Length > 2 ? rec[2] : "?";
        // what the helper echoes (a command, a path) may come from an image: printable only
        string path = Untrusted.Escape(rec.Length > 3 ? rec[3] : "");
        int errno = int.TryParse(rec.Length > 4 ? rec[4] : "", out var e) ? e : 0;
        if (op == "clone")
            return CloneRefused(errno);
        string detail = Untrusted.Escape(rec.Length > 5 ? rec[5] : "");
        if (op == "network")
        {
            var (nid, ncause, nfix) = PastaFailure.Explain(detail, spec);
            return new ContainerSetupException(nid, step, op, path, errno, ncause, nfix, showErrno: false);
        }
        var (id, cause, fix) = detail.StartsWith("overmount", StringComparison.Ordinal) || detail.StartsWith("a live bind", StringComparison.Ordinal)
            ? ExplainMountPoint(path, errno, detail)
            : detail == "bind target" ? ExplainBindTarget(path, errno) : Explain(op, path, errno, spec);
        return new ContainerSetupException(id, step, op, path, errno, cause, fix);
    }

    /// <summary>A missing mount point that could not be provided without writing into the image.</summary>
    private static (string Id, string Cause, string? Fix) ExplainMountPoint(string path, int errno, string detail) => errno switch
    {
        EROFS => ("LiveBindNeedsParent", $"A live bind cannot add '{path}' directly under the container's /: its processes hold / as their root, so nothing mounted over it reaches them.",
            "Bind under a directory that exists in the container (such as /mnt or /tmp), or add the bind with -Bind when the container is created."),
        E2BIG => ("MountPointUnavailable", $"'{path}' is missing, and its parent directory is too large to cover with an overmount ({detail}).",
            "Create the mount point in the image, or bind to a target under a smaller directory."),
        _ => ("MountPointUnavailable", $"'{path}' is missing, and its parent directory could not be covered with an overmount that re-exposes its entries ({detail}).",
            "Create the mount point in the image, or make the parent directory readable to you."),
    };

    private static (string Id, string Cause, string? Fix) ExplainBindTarget(string path, int errno) => errno switch
    {
        ELOOP => ("SymlinkRefused", $"The bind target '{path}' resolves through a symlink loop, or through a symlink whose target is missing (it is not made).",
            "Bind to the path the symlink points at, create it in the image, or choose another target."),
        ENOENT => ("BindTargetMissing", $"The bind target '{path}' does not exist in the container (and -NoCreate forbids making it).", "Create it in the image or drop -NoCreate."),
        _ => ("BindTargetMissing", $"The bind target '{path}' does not exist and cannot be made.",
            "Pick a target whose parent directories exist or can be listed, or create it in the image."),
    };

    private static (string Id, string Cause, string? Fix) Explain(string op, string path, int errno, ContainerSpec spec) => (op, errno) switch
    {
        ("maps", _) => ("IdMapWriteFailed", $"The kernel refused the container's id map ({path}).",
            "The maps must not overlap, and an ordinary user may map only its own ids without newuidmap; check /proc/sys/user/max_user_namespaces."),
        ("idmap", EINVAL) or ("idmap", 95) => ("IdmapUnsupported", $"The filesystem under '{path}' does not support idmapped mounts.",
            "Bind it without IdMap, or use a filesystem that supports idmapped mounts (ext4, xfs, btrfs, tmpfs, ...)."),
        ("idmap", EPERM) => ("IdmapNotPermitted", $"The kernel refused to idmap '{path}': only a process privileged over the filesystem's user namespace may.", "Bind it without IdMap."),
        ("bind-source", ENOENT) => ("BindSourceNotFound", $"The bind source '{path}' disappeared before it could be mounted.", "Check the host path, or mark the bind Optional."),
        ("bind-source", ELOOP) => ("BindSourceChanged", $"The bind source '{path}' became a symlink after it was resolved; it is not followed.", null),
        ("bind-source", ESTALE) => ("BindSourceChanged", $"The bind source '{path}' was replaced after it was checked (another directory or file is there now); it is not mounted.",
            "If nobody else can change that path, try again; otherwise bind a path only you can write."),
        ("link", EPERM) => ("ContainerRecordForged", $"The container's record does not match the monitor it names ({path}): it was changed by someone other than this module, so nothing was done to the process it names.",
            "Remove the record (Remove-UserNsContainer -Force) and check who else can write your state directory."),
        ("link", _) => ("ContainerNotRunning", "The container's monitor no longer answers: the container has ended.", "Get-UserNsContainer shows its state; start a new one."),
        ("lock", _) => ("LiveBindNotLocked", $"The live bind at '{path}' would not have held against root inside the container; it was taken out again.",
            "Add the bind when the container is created (-Bind): binds made at start are locked by the kernel (Linux 6.15 or later locks live ones too)."),
        ("bind", ENOTCONN) => ("LiveBindNotPropagated", $"The live bind at '{path}' did not reach the container: root inside made its mounts private, which cuts the way live binds travel in.",
            "Add the bind when the container is created (-Bind), or create the container again."),
        ("overlay", _) => ("OverlayUnavailable", "The kernel refused the -WriteFake overlay (overlayfs with userxattr, in the container's user namespace; Linux 5.11 or later).",
            "Run Test-UserNsSupport (row OverlayUserxattr); drop -WriteFake, or use -Writable on a copy of the image."),
        ("root", ELOOP or ESTALE) => ("RootFsChanged", $"The root file system '{path}' was replaced or became a symlink after it was checked; it is not mounted.",
            "If nobody else can change that path, try again; otherwise use a root directory under a path only you can write."),
        ("exec", ENOENT) => ("CommandNotFound", $"'{path}' was not found in the container (PATH={spec.Environment.GetValueOrDefault("PATH")}).",
            "Give the full path of a program that exists in the container root."),
        ("exec", EACCES) or ("exec", ENOEXEC) => ("CommandNotExecutable", $"'{path}' cannot be executed in the container.",
            "Check the file's execute bits and that its interpreter exists in the container root."),
        ("chdir", _) => ("WorkingDirectoryUnusable", $"The working directory '{path}' does not exist or is not accessible inside the container.",
            "Pass -WorkingDirectory a directory that exists inside the container, such as /tmp."),
        ("mount" or "bind", ENOENT) or (_, ENOTDIR) => ("MountTargetMissing", $"'{path}' does not exist in the container root (or a component is not a directory).",
            "Create the mount point in the image."),
        (_, ELOOP) => ("SymlinkRefused", $"'{path}' resolves through a symlink loop or a magic link; the helper refuses to follow it.", null),
        (_, EXDEV) => ("PathEscapesRoot", $"'{path}' resolves outside the container root.", null),
        ("mount", EPERM) when path == "/proc" => ("ProcMountRefused", "The kernel refused a fresh /proc: it needs the pid namespace and a fully visible /proc on the host (none hidden by mounts over its entries).",
            "Drop 'pid' from -Namespace to bind the host /proc instead, or unmount what covers /proc entries on the host."),
        ("mount" or "bind" or "root" or "rdonly" or "base", EPERM or EACCES) => ("MountRefused", "The kernel refused the mount in the container's user namespace.",
            "Check that the source is readable by you and that no security module (AppArmor, SELinux) restricts mounts in user namespaces."),
        (_, ENOSPC) => ("ResourceLimit", "A kernel limit was reached (mounts, namespaces or memory).", "Check /proc/sys/fs/mount-max and /proc/sys/user/max_*_namespaces."),
        (_, EBUSY) or (_, EINVAL) => ("SetupRefused", "The kernel rejected this setup step.", null),
        _ => ("SetupFailed", "", null),
    };

    public static UserNsContainerException CloneRefused(int errno)
    {
        string settings =
            "Check: /proc/sys/user/max_user_namespaces (must be > 0), /proc/sys/kernel/unprivileged_userns_clone (Debian: 1), " +
            "/proc/sys/kernel/apparmor_restrict_unprivileged_userns (Ubuntu: 0), and a container or seccomp policy that forbids clone(CLONE_NEWUSER).";
        return new UserNamespaceUnavailableException(errno, settings);
    }
}

/// <summary>The kernel refused to make a user namespace (or one of the others asked for).</summary>
public sealed class UserNamespaceUnavailableException : UserNsContainerException
{
    public UserNamespaceUnavailableException(int errno, string settings)
        : base("UserNamespacesUnavailable", errno == 28 ? FailureKind.ResourceUnavailable : FailureKind.PermissionDenied,
            $"The kernel refused to create the container's namespaces: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).",
            "clone", settings)
    {
        Errno = errno;
    }

    public int Errno { get; }
}
