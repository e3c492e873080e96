using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace UserNsContainer.Engine.Images;

/// <summary>How an image enters the store, whoever made it (an import, a commit, a build): it is
/// prepared in a private work directory of this process under tmp/, unpacked there rootless by
/// umoci, and renamed into images/ in one step, so another process sees all of it or none.</summary>
public sealed partial class ImageStore
{
    /// <summary>A new work directory of this process (PID-STARTTIME-RANDOM, 0700); first deletes
    /// those left by processes that are gone (killed mid-way).</summary>
    internal string NewWorkDirectory(Action<string> verbose)
    {
        ClearAbandoned(verbose);
        var work = Path.Combine(TmpDirectory, $"{Environment.ProcessId}-{ProcessInfo.StartTime(Environment.ProcessId)}-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return work;
    }

    /// <summary>Unpacks the OCI layout WORK/oci (ref "image") into WORK/bundle, records it and moves
    /// WORK into images/ under its manifest digest, then points name:tag at it (a build step's
    /// image gets no name: the build cache points at it). An image already
    /// stored under that digest is kept and WORK is left for the caller to delete.</summary>
    internal ImageInfo Adopt(string work, string digest, long size, ImageConfig config, string? name, string? tag,
        Action<string> verbose, Action<ImportProgress> progress, CancellationToken cancel, string what)
    {
        var target = ImageDirectory(digest);
        if (!System.IO.Directory.Exists(target))
        {
            var umoci = Tools.Find("umoci");
            progress(new ImportProgress("Unpacking", "umoci unpack --rootless", 70));
            Tools.Run(umoci, new[] { "--log", "info", "unpack", "--rootless", "--image", Path.Combine(work, "oci") + ":image", Path.Combine(work, "bundle") },
                line => verbose("umoci: " + line.Trim().TrimStart('•').Trim()), cancel, stderr => UmociFailure(stderr, what));
            using (var fs = StateStore.CreatePrivate(Path.Combine(work, "image.json"), FileMode.CreateNew))
                JsonSerializer.Serialize(fs, new ImageRecord(digest, size, config));
            try
            {
                System.IO.Directory.Move(work, target);
            }
            catch (IOException) when (System.IO.Directory.Exists(target))
            {
                verbose($"Another process stored {digest} first; keeping that copy.");
            }
        }
        else
            verbose($"The image {digest} is already stored; not unpacking it again.");
        if (name is null || tag is null)
            return ByDigest(digest) ?? throw new UserNsContainerException("ImageImportFailed", FailureKind.InvalidOperation,
                $"The image {digest} vanished from the store right after it was stored.", digest, "Make it again.");
        WriteRef(name, tag, digest);
        progress(new ImportProgress("Done", $"{name}:{tag}", 100));
        return Find($"{name}:{tag}") ?? throw new UserNsContainerException("ImageImportFailed", FailureKind.InvalidOperation,
            $"The image {name}:{tag} vanished from the store right after it was stored.", name, "Make it again.");
    }

    /// <summary>A stored image by its manifest digest, named or not (a build step's).</summary>
    internal ImageInfo? ByDigest(string digest) => Load(new ImageRef("", "", digest));

    private string CacheDirectory => Path.Combine(Directory, "cache");

    /// <summary>The image a build step with this cache key made before, if it is still stored.</summary>
    internal ImageInfo? CacheLookup(string key) =>
        ReadJson<ImageRef>(Path.Combine(CacheDirectory, key + ".json")) is { } r ? ByDigest(r.Digest) : null;

    /// <summary>Remembers the image a build step made, under the step's cache key.</summary>
    internal void CacheSave(string key, string digest)
    {
        System.IO.Directory.CreateDirectory(CacheDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(CacheDirectory, key + ".json");
        var tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        using (var fs = StateStore.CreatePrivate(tmp, FileMode.CreateNew))
            JsonSerializer.Serialize(fs, new ImageRef("", "", digest));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Forgets the build cache: its keys, and every stored image no name points at (the
    /// step images of builds) unless a container of yours runs on it (<paramref name="inUse"/>
    /// says which rootfs paths are). Returns how many images were deleted.</summary>
    internal int ClearBuildCache(Func<string, bool> inUse, Action<string> verbose)
    {
        if (System.IO.Directory.Exists(CacheDirectory))
            foreach (var key in System.IO.Directory.EnumerateFiles(CacheDirectory))
                File.Delete(key);
        var named = List().Select(i => Hex(i.Digest)).ToHashSet(StringComparer.Ordinal);
        int deleted = 0;
        foreach (var dir in System.IO.Directory.EnumerateDirectories(ImagesDirectory).ToList())
        {
            var hex = Path.GetFileName(dir);
            if (named.Contains(hex) || inUse(RootFsOf(dir)))
                continue;
            if (!DeleteImageDirectory(dir))
                continue; // another process took it first
            verbose($"Deleted the unnamed image sha256:{hex} (a build step's).");
            deleted++;
        }
        return deleted;
    }

    /// <summary>The OCI layout of a stored image (its blobs, index.json with ref "image").</summary>
    internal string LayoutOf(ImageInfo image) => Path.Combine(ImageDirectory(image.Digest), "oci");

    private static UserNsContainerException UmociFailure(string stderr, string what) =>
        stderr.Contains("no space left on device", StringComparison.OrdinalIgnoreCase)
            ? new UserNsContainerException("ImageDiskFull", FailureKind.ResourceUnavailable,
                $"Unpacking {what} ran out of disk space: {Tools.LastLine(stderr)}", what,
                "Free space where the image store is (Remove-ContainerImage), or move it with USERNSCONTAINER_IMAGE_DIR.")
            : new UserNsContainerException("ImageUnpackFailed", FailureKind.InvalidOperation,
                $"umoci could not unpack {what}: {Tools.LastLine(stderr)}", what,
                "Run with -Verbose for umoci's own messages.");

    /// <summary>Deletes work directories whose process is gone, and removed images not yet deleted.</summary>
    private void ClearAbandoned(Action<string> verbose)
    {
        foreach (var dir in System.IO.Directory.EnumerateDirectories(TmpDirectory))
        {
            var parts = Path.GetFileName(dir).Split('-');
            bool abandoned = parts[0] == "removed" ||
                (parts.Length == 3 && int.TryParse(parts[0], out var pid) && ulong.TryParse(parts[1], out var start) && !ProcessInfo.IsSame(pid, start));
            if (!abandoned)
                continue;
            try
            {
                Tree.Delete(dir);
                verbose($"Deleted '{dir}', left by a process that is gone.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another process is deleting it at the same time
            }
        }
    }
}
