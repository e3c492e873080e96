using System;
using System.Collections.Generic;
using System.Linq;

namespace UserNsContainer.Engine.Images;

/// <summary>Remove-ContainerImage's rule: an image stays while a container of it exists
/// (running, created or exited: its record names the image's rootfs), unless forced, which
/// removes those containers first.</summary>
public static class ImageRemoval
{
    /// <summary>This user's containers whose root is the image's rootfs.</summary>
    public static IReadOnlyList<ContainerHandle> ContainersOf(ContainerEngine engine, ImageInfo image)
    {
        var roots = new HashSet<string>(StringComparer.Ordinal) { image.RootFsPath };
        if (BindMount.RealPath(image.RootFsPath) is { } real)
            roots.Add(real.TrimEnd('/'));
        return engine.List().Where(h => roots.Contains(h.RootFs)).ToList();
    }

    /// <summary>Remove-ContainerImage -BuildCache: the cache's keys and the unnamed step images
    /// no container of this user runs on. Returns how many images were deleted.</summary>
    public static int ClearBuildCache(ContainerEngine engine, ImageStore store, Action<string> verbose)
    {
        var roots = engine.List().Select(h => h.RootFs).ToHashSet(StringComparer.Ordinal);
        return store.ClearBuildCache(root => roots.Contains(root) || (BindMount.RealPath(root) is { } real && roots.Contains(real.TrimEnd('/'))), verbose);
    }

    /// <summary>Removes name:tag (and the image's files once no other name points at them).
    /// Returns true when the files were deleted.</summary>
    public static bool Remove(ContainerEngine engine, ImageStore store, ImageInfo image, bool force, Action<string> verbose)
    {
        var users = ContainersOf(engine, image);
        if (users.Count > 0 && !force)
            throw new UserNsContainerException("ImageInUse", FailureKind.InvalidOperation,
                $"The image {image.Reference} is the root of {users.Count} container(s): {string.Join(", ", users.Select(h => $"{h.Name} ({h.State})"))}.",
                image.Reference,
                $"Remove those containers first (Remove-UserNsContainer -Name {users[0].Name}), or add -Force to remove them with the image.");
        foreach (var h in users)
        {
            verbose($"Removing container '{h.Name}' ({h.State}), whose root is the image {image.Reference}.");
            engine.Remove(h, force: true, TimeSpan.Zero);
        }
        return store.Remove(image);
    }
}
