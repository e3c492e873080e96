// Images: references, import with skopeo and umoci, the private per-user store, removal.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace UserNsContainer.Engine.Images;

/// <summary>An image as Get-ContainerImage shows it. Reference ("name:tag") is what -Image
/// takes, also from the pipeline.</summary>
public sealed class ImageInfo
{
    public string Name { get; init; } = "";
    public string Tag { get; init; } = "";
    /// <summary>The first 12 hex digits of the digest.</summary>
    public string Id => Digest.StartsWith("sha256:", StringComparison.Ordinal) ? Digest[7..19] : Digest;
    /// <summary>The image manifest's digest, as the registry knows it.</summary>
    public string Digest { get; init; } = "";
    /// <summary>Bytes of the image's blobs (compressed layers and configuration).</summary>
    public long Size { get; init; }
    public DateTime? Created { get; init; }
    public string Architecture { get; init; } = "";
    public string Os { get; init; } = "";
    /// <summary>The unpacked root file system, shared read-only by all containers of the image.</summary>
    public string RootFsPath { get; init; } = "";
    /// <summary>Env, Entrypoint, Cmd, WorkingDir, User.</summary>
    public ImageConfig Config { get; init; } = new();
    public string Reference => $"{Name}:{Tag}";

    public override string ToString() => Reference;
}

/// <summary>What is kept in an image's directory beside its OCI layout and rootfs.</summary>
internal sealed record ImageRecord(string Digest, long Size, ImageConfig Config);

/// <summary>A reference file: which image a name:tag points at.</summary>
internal sealed record ImageRef(string Name, string Tag, string Digest);

/// <summary>
/// The per-user image store: $USERNSCONTAINER_IMAGE_DIR, else $XDG_DATA_HOME/usernscontainer/images,
/// else ~/.local/share/usernscontainer/images, kept 0700. images/HEX/ holds one image (its
/// OCI layout, its unpacked rootfs, image.json), named by its manifest digest so that two
/// names of one image share it; refs/ maps name:tag to a digest; tmp/ holds imports in
/// progress, each in a directory named after its process, so one that died is recognised
/// and cleared by the next import.
/// </summary>
public sealed partial class ImageStore
{
    public string Directory { get; }
    internal string ImagesDirectory => Path.Combine(Directory, "images");
    internal string RefsDirectory => Path.Combine(Directory, "refs");
    internal string TmpDirectory => Path.Combine(Directory, "tmp");

    public ImageStore(string directory)
    {
        Directory = directory;
        EnsurePrivate(directory);
        foreach (var d in new[] { ImagesDirectory, RefsDirectory, TmpDirectory })
            System.IO.Directory.CreateDirectory(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static string DefaultDirectory()
    {
        var over = Environment.GetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR");
        if (!string.IsNullOrEmpty(over))
            return over;
        var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(data))
            data = Path.Combine(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : $"/tmp/usernscontainer-data-{Native.Libc.geteuid()}", ".local", "share");
        return Path.Combine(data, "usernscontainer", "images");
    }

    public static ImageStore ForCurrentUser() => new(DefaultDirectory());

    /// <summary>The caller's store if it exists (looking an image up creates nothing).</summary>
    public static ImageStore? OpenExisting() =>
        System.IO.Directory.Exists(DefaultDirectory()) ? new ImageStore(DefaultDirectory()) : null;

    private static void EnsurePrivate(string path)
    {
        var (fault, detail) = PrivateDirectory.Ensure(path);
        if (fault == PrivateDirectory.Fault.CannotCreate)
            throw new UserNsContainerException("ImageStoreUnusable", FailureKind.PermissionDenied,
                $"Cannot create the image store '{path}': {detail}", path,
                "Set USERNSCONTAINER_IMAGE_DIR (or XDG_DATA_HOME) to a directory of yours that can be created.");
        if (fault != PrivateDirectory.Fault.None)
            throw new UserNsContainerException("ImageStoreUnusable", FailureKind.PermissionDenied,
                $"The image store '{path}' is not a private, writable directory of yours: {(fault == PrivateDirectory.Fault.NotWritable ? $"mode {detail}, where it must be 700" : detail)}.", path,
                $"Run 'chmod 700 {path}' if it is yours, or set USERNSCONTAINER_IMAGE_DIR to a private directory of yours.");
    }

    internal static string Hex(string digest) => digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest;
    internal string ImageDirectory(string digest) => Path.Combine(ImagesDirectory, Hex(digest));
    internal static string RootFsOf(string imageDirectory) => Path.Combine(imageDirectory, "bundle", "rootfs");
    private string RefPath(string name, string tag) => Path.Combine(RefsDirectory, Uri.EscapeDataString(name) + "@" + tag + ".json");

    /// <summary>Every name:tag with its image, sorted by name and tag.</summary>
    public IReadOnlyList<ImageInfo> List()
    {
        var result = new List<ImageInfo>();
        foreach (var file in System.IO.Directory.EnumerateFiles(RefsDirectory, "*.json"))
        {
            var r = ReadJson<ImageRef>(file);
            if (r is not null && Load(r) is { } info)
                result.Add(info);
        }
        return result.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Tag, StringComparer.Ordinal).ToList();
    }

    /// <summary>The image named "name[:tag]", or whose Id or digest starts with the text; null if none.</summary>
    public ImageInfo? Find(string text)
    {
        var (name, tag) = ImageReference.SplitLocal(text);
        if (ReadJson<ImageRef>(RefPath(name, tag)) is { } r && Load(r) is { } found)
            return found;
        var hex = Hex(text);
        if (hex.Length >= 12 && hex.All(Uri.IsHexDigit))
            return List().FirstOrDefault(i => Hex(i.Digest).StartsWith(hex, StringComparison.OrdinalIgnoreCase));
        return FindByShortName(text, name, tag);
    }

    /// <summary>A name without its registry and path ("bb" for registry.example.org/tools/bb), and
    /// without a tag any tag: found when exactly one image answers to it, as podman resolves a
    /// short name among local images; more than one is an error that lists them.</summary>
    private ImageInfo? FindByShortName(string text, string name, string tag)
    {
        if (name.Contains('/'))
            return null;
        bool tagGiven = text.Contains(':');
        var matches = List().Where(i => i.Name.Split('/')[^1] == name && (!tagGiven || i.Tag == tag)).ToList();
        if (matches.Count > 1)
            throw new UserNsContainerException("AmbiguousImageName", FailureKind.InvalidArgument,
                $"'{text}' names {matches.Count} images: {string.Join(", ", matches.Select(m => m.Reference))}.", text,
                "Give the whole name and tag of the one you mean.");
        return matches.SingleOrDefault();
    }

    private ImageInfo? Load(ImageRef r)
    {
        var dir = ImageDirectory(r.Digest);
        if (ReadJson<ImageRecord>(Path.Combine(dir, "image.json")) is not { } rec)
            return null;
        return new ImageInfo
        {
            Name = r.Name, Tag = r.Tag, Digest = rec.Digest, Size = rec.Size, Created = rec.Config.Created,
            Architecture = rec.Config.Architecture, Os = rec.Config.Os, RootFsPath = RootFsOf(dir), Config = rec.Config,
        };
    }

    /// <summary>Points name:tag at the image (atomically: another process reads the old or the new).</summary>
    internal void WriteRef(string name, string tag, string digest)
    {
        var path = RefPath(name, tag);
        var tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        using (var fs = StateStore.CreatePrivate(tmp, FileMode.CreateNew))
            JsonSerializer.Serialize(fs, new ImageRef(name, tag, digest));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Removes name:tag, and the image itself once no other name points at it.
    /// Returns true when the image's files were deleted.</summary>
    public bool Remove(ImageInfo image)
    {
        File.Delete(RefPath(image.Name, image.Tag));
        if (List().Any(i => i.Digest == image.Digest))
            return false;
        return DeleteImageDirectory(ImageDirectory(image.Digest));
    }

    /// <summary>Deletes an image's directory, renamed out of images/ first so that no reader sees
    /// half an image. False when it was gone already (another process took it first).</summary>
    internal bool DeleteImageDirectory(string dir)
    {
        var doomed = Path.Combine(TmpDirectory, "removed-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            System.IO.Directory.Move(dir, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        Tree.Delete(doomed);
        return true;
    }

    internal static T? ReadJson<T>(string path) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }
}
