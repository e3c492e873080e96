using System;
using System.Collections.Generic;
using System.IO;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>What the root is and where writes go: a throw-away overlay (-WriteFake), the
/// host's /tmp (-HostTmp) and the caller's home (-BindHome).</summary>
public sealed partial class ContainerSpec
{
    /// <summary>Charliecloud's --write-fake: an overlay with a tmpfs upper layer over the
    /// read-only image; writes vanish at exit.</summary>
    public bool WriteFake { get; set; }
    /// <summary>The overlay's size in bytes; null: half of this machine's memory (tmpfs's default).</summary>
    public long? WriteFakeSize { get; set; }
    /// <summary>Bind the host's /tmp instead of a private tmpfs.</summary>
    public bool HostTmp { get; set; }
    /// <summary>Bind the caller's home at /home/USER and set HOME and USER.</summary>
    public bool BindHome { get; set; }

    /// <summary>What the root is: the host's, a directory, or a SquashFS image file.</summary>
    public RootKind RootKind => RootFs is null ? RootKind.Host : Image is not null ? RootKind.Image : IsSquashFs ? RootKind.SquashFS : RootKind.Directory;

    /// <summary>-RootFs is a SquashFS image (mounted with squashfuse, as ch-run does).</summary>
    internal bool IsSquashFs { get; set; }

    /// <summary>The squashfuse the helper runs for a SquashFS root.</summary>
    internal string? SquashFuse { get; private set; }

    /// <summary>A file as -RootFs: a SquashFS image (magic "hsqs") that squashfuse can serve,
    /// with /dev/fuse open to the caller and a pid namespace (squashfuse runs outside it).</summary>
    private void CheckSquashFsImage()
    {
        var magic = new byte[4];
        try
        {
            using var f = File.OpenRead(RootFs!);
            if (f.Read(magic, 0, 4) < 4)
                magic = Array.Empty<byte>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSpecException("RootFsUnreadable", "RootFs", RootFs, $"a file you may read ({e.Message})");
        }
        if (System.Text.Encoding.ASCII.GetString(magic) != "hsqs")
            throw new InvalidSpecException("RootFsNotDirectory", "RootFs", RootFs,
                "a directory holding the container's root file system, or a SquashFS image; this file is neither (an archive must be unpacked first)");
        SquashFuse = IdMapWriter.FindTool("squashfuse")
            ?? throw new UserNsContainerException("SquashFuseMissing", FailureKind.NotInstalled,
                $"'{RootFs}' is a SquashFS image, and squashfuse, which mounts it, is not on PATH.", RootFs,
                "Install it: apt-get install squashfuse (Debian, Ubuntu), dnf install squashfuse (Fedora); or unpack the image with unsquashfs.");
        if (!File.Exists("/dev/fuse") || !Libc.CanReadWrite("/dev/fuse"))
            throw new UserNsContainerException("FuseUnavailable", FailureKind.PermissionDenied,
                $"'{RootFs}' is a SquashFS image, and /dev/fuse is {(File.Exists("/dev/fuse") ? "not open to you (read and write)" : "missing")}: squashfuse cannot serve it.",
                "/dev/fuse", "As root: modprobe fuse, and chmod 666 /dev/fuse (its usual mode); or unpack the image with unsquashfs and use the directory.");
        if (!Namespaces.HasFlag(NamespaceSet.Pid))
            throw new InvalidSpecException("SquashFsNeedsPidNamespace", "Namespace", string.Join(",", UserNsContainer.Engine.Namespaces.ToNames(Namespaces)),
                "the pid namespace with a SquashFS root: squashfuse runs outside the container, out of reach of its processes");
        if (Writable)
            throw new InvalidSpecException("SquashFsReadOnly", "Writable", RootFs,
                "-WriteFake for a writable root over a SquashFS image (the image itself cannot be written), or unpack it with unsquashfs");
        IsSquashFs = true;
    }

    /// <summary>Where writes to the root go.</summary>
    public RootWrites Writes => WriteFake ? RootWrites.Overlay : Writable ? RootWrites.Image : RootWrites.None;

    private void ValidateFilesystemOptions(uint callerUid)
    {
        if (WriteFakeSize is { } size && (!WriteFake || size < 1))
            throw new InvalidSpecException("InvalidWriteFakeSize", "WriteFakeSize", size,
                "a size in bytes of at least 1, such as 1GB, together with -WriteFake");
        if (WriteFake && Writable)
            throw new InvalidSpecException("WriteFakeConflict", "WriteFake", "-Writable",
                "-WriteFake or -Writable, not both: writes go to a throw-away overlay or into the image");
        if (WriteFake && RootFs is null)
            throw new InvalidSpecException("WriteFakeNeedsRootFs", "WriteFake", "/ (the host's root)",
                "a -RootFs image: the host's / spans several filesystems, and an overlay would show only the first");
        if (WriteFake)
            WriteFakeSize ??= Math.Max(1L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);
        if ((HostTmp || BindHome) && !Namespaces.HasFlag(NamespaceSet.Mnt))
            throw new InvalidSpecException("BindNeedsMountNamespace", HostTmp ? "HostTmp" : "BindHome", true,
                "binds need the mnt namespace: add 'mnt' to -Namespace");
        if (BindHome)
            Home = FindHome(callerUid);
    }

    /// <summary>The caller's private directories (state, image store) on the host: masked
    /// wherever the container would see them (HiddenDirectories).</summary>
    internal string[] Hidden { get; set; } = Array.Empty<string>();

    /// <summary>Host paths the container sees, and where: its root (the host's, or a directory
    /// that may hold the state directory), the host's /tmp, every bind.</summary>
    internal IEnumerable<(string Source, string Target)> Exposed(IEnumerable<BindMount> binds)
    {
        if (RootKind is RootKind.Host or RootKind.Directory)
            yield return (RootKind == RootKind.Host ? "/" : BindMount.RealPath(RootFs!) ?? RootFs!, "/");
        if (HostTmp)
            yield return ("/tmp", "/tmp");
        foreach (var b in binds)
            yield return (b.Source, b.Target);
    }

    /// <summary>The caller's home (host path) and name, when -BindHome asks for it.</summary>
    private (string Path, string User)? Home { get; set; }

    private static (string, string) FindHome(uint callerUid)
    {
        var user = SubordinateIds.UserName(callerUid);
        var home = System.Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home) || BindMount.RealPath(home) is not { } real || !Directory.Exists(real))
            throw new InvalidSpecException("HomeNotFound", "BindHome", home ?? "(HOME is not set)",
                "HOME set to an existing directory of yours");
        return (real, user);
    }

    /// <summary>-BindHome: the home at /home/USER, read-write; HOME and USER unless -Environment sets them.</summary>
    private IEnumerable<BindMount> HomeBind()
    {
        if (Home is not { } home)
            yield break;
        var target = "/home/" + home.User;
        Environment.TryAdd("HOME", target);
        Environment.TryAdd("USER", home.User);
        yield return new BindMount { Source = home.Path, Target = target, SourceIdentity = Libc.IdentityOf(home.Path) };
    }
}

/// <summary>What a container's root is.</summary>
public enum RootKind
{
    /// <summary>The host's /, read-only.</summary>
    Host,
    /// <summary>A directory holding a root file system.</summary>
    Directory,
    /// <summary>A SquashFS image file, served by squashfuse.</summary>
    SquashFS,
    /// <summary>An imported image's unpacked rootfs (-Image), shared read-only.</summary>
    Image,
}

/// <summary>Where writes to a container's root go.</summary>
public enum RootWrites
{
    /// <summary>Nowhere: the root is read-only.</summary>
    None,
    /// <summary>Into the image (-Writable).</summary>
    Image,
    /// <summary>Into a throw-away overlay (-WriteFake), gone at exit.</summary>
    Overlay,
}
