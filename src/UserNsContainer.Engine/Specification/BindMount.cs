using System;
using System.IO;
using System.Runtime.InteropServices;

namespace UserNsContainer.Engine;

/// <summary>A host directory or file bound into the container (Mount-ContainerBind, -Bind).</summary>
public sealed record BindMount
{
    /// <summary>The host path, resolved as the caller (no symlink left in it).</summary>
    public string Source { get; init; } = "";
    /// <summary>The absolute path inside the container.</summary>
    public string Target { get; init; } = "";
    public bool ReadOnly { get; init; }
    /// <summary>A missing source is skipped (Charliecloud's SRC_OPTIONAL).</summary>
    public bool Optional { get; init; }
    /// <summary>The target must exist (no DST_CREATE).</summary>
    public bool NoCreate { get; init; }
    public bool NonRecursive { get; init; }
    /// <summary>An idmapped bind: files show their on-disk owners inside whatever the
    /// container's map, and files made inside get those owners on disk.</summary>
    public bool IdMap { get; init; }
    /// <summary>Bound into a running container (not locked, so it can be dismounted).</summary>
    public bool Live { get; init; }
    /// <summary>Added by default (resolv.conf, hosts, machine-id): skipped quietly wherever it does not fit.</summary>
    public bool Default { get; init; }

    public override string ToString() => $"{Source}:{Target}{(ReadOnly ? ":ro" : "")}";

    /// <summary>Parses 'SOURCE:TARGET[:ro|:rw]'.</summary>
    public static BindMount Parse(string text, string parameter)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0 ||
            (parts.Length == 3 && parts[2] != "ro" && parts[2] != "rw"))
            throw new InvalidSpecException("InvalidBind", parameter, text,
                "'SOURCE:TARGET' or 'SOURCE:TARGET:ro' (or a hashtable with Source, Target, ReadOnly, Optional, NoCreate, NonRecursive)");
        return new BindMount { Source = parts[0], Target = parts[1], ReadOnly = parts.Length == 3 && parts[2] == "ro" };
    }

    /// <summary>Checks the target and resolves the source on the host, as the caller.</summary>
    /// <param name="parameter">The parameter the source came from (and the target, unless
    /// <paramref name="targetParameter"/> names another: Mount-ContainerBind's -Target).</param>
    public BindMount Validate(string parameter, string? targetParameter = null)
    {
        if (Target.Length < 2 || Target[0] != '/' || ContainerSpec.HasControlCharacter(Target) || !ContainerSpec.FitsPathMax(Target))
            throw new InvalidSpecException("InvalidBindTarget", targetParameter ?? parameter, Target,
                "an absolute path inside the container other than /, such as /data, under 4096 bytes, without control characters");
        if (Source.Length == 0 || Source[0] != '/' || ContainerSpec.HasControlCharacter(Source) || !ContainerSpec.FitsPathMax(Source))
            throw new InvalidSpecException("InvalidBindSource", parameter, Source,
                "an absolute host path under 4096 bytes, without control characters");
        if (IdMap && ContainerEngine.CallerUid != 0)
            throw new UserNsContainerException("IdmapNotPermitted", FailureKind.PermissionDenied,
                $"An idmapped bind of '{Source}' needs root: the kernel lets only a process privileged over a filesystem's " +
                "user namespace idmap it, and host filesystems belong to the initial one. An ordinary user may idmap only " +
                "filesystems mounted in its own user namespace (such as a tmpfs), which a host path is not.",
                Source, "Drop IdMap (files then show as mapped through the container's map, or as nobody), or run as root.");
        var real = RealPath(Source);
        if (real is null)
        {
            if (Optional)
                return this; // skipped at mount time if still missing
            throw new InvalidSpecException("BindSourceNotFound", parameter, Source,
                "an existing host directory or file that you can read (or mark the bind Optional)");
        }
        return this with { Source = real, SourceIdentity = Native.Libc.IdentityOf(real) };
    }

    /// <summary>The device and inode the source was checked to be (bookkeeping: the helper
    /// mounts only that inode, or fails with BindSourceChanged).</summary>
    [System.Text.Json.Serialization.JsonInclude]
    internal Native.FileIdentity? SourceIdentity { get; init; }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr p);

    /// <summary>realpath(3), as the caller: every symlink resolved the way the caller sees them.</summary>
    public static string? RealPath(string path)
    {
        var p = realpath(path, IntPtr.Zero);
        if (p == IntPtr.Zero)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            free(p);
        }
    }

    /// <summary>Under a mount the container always gets fresh (so a missing target can be made there).</summary>
    internal bool UnderFreshMount => IsUnder("/tmp") || IsUnder("/run") || IsUnder("/dev");

    private bool IsUnder(string dir) => Target == dir || Target.StartsWith(dir + "/", StringComparison.Ordinal);

    internal bool SourceIsDirectory => !File.Exists(Source);

    internal bool SourceMissing => !File.Exists(Source) && !Directory.Exists(Source);
}
