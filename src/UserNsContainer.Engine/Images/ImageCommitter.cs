using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;

namespace UserNsContainer.Engine.Images;

/// <summary>What Save-ContainerImage asks for.</summary>
public sealed class CommitRequest
{
    public required string Name { get; init; }
    public required string Tag { get; init; }
    public ImageChanges Changes { get; init; } = new();
    /// <summary>The history entry's comment (podman commit --message).</summary>
    public string? Message { get; init; }
}

/// <summary>
/// New images from old ones: a base image (or none: scratch), an optional new layer, and
/// configuration changes, written as an OCI layout beside the base's blobs (hard links) and
/// stored as any imported image is (ImageStore.Adopt). Commit takes the layer from a running
/// -WriteFake container; the builder takes it from a RUN step or from files of its context.
/// </summary>
public sealed class ImageCommitter
{
    private readonly ImageStore _store;
    private readonly Action<string> _verbose;
    private readonly Action<ImportProgress> _progress;

    public ImageCommitter(ImageStore store, Action<string> verbose, Action<ImportProgress> progress)
    {
        _store = store;
        _verbose = verbose;
        _progress = progress;
    }

    /// <summary>Save-ContainerImage: the container's writes as a layer on its image.</summary>
    public ImageInfo Commit(ContainerEngine engine, ContainerHandle handle, CommitRequest request, CancellationToken cancel)
    {
        var @base = BaseOf(handle);
        _progress(new ImportProgress("Reading", $"the writes of container '{handle.Name}'", 10));
        return Derive(@base, blob => engine.CaptureLayer(handle, blob, cancel), request.Changes,
            $"Save-ContainerImage from container {handle.Name} ({handle.Id})", request.Message, request.Name, request.Tag, cancel);
    }

    /// <summary>The stored image a container runs on (by the rootfs path it was given, not by
    /// a name that may have moved since).</summary>
    private ImageInfo BaseOf(ContainerHandle handle)
    {
        var images = _store.ImagesDirectory + "/";
        var hex = handle.RootKind == RootKind.Image && handle.RootFs.StartsWith(images, StringComparison.Ordinal)
            ? handle.RootFs[images.Length..].Split('/')[0] : null;
        if (hex is null)
            throw new UserNsContainerException("CommitNeedsImage", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' runs on the directory '{Untrusted.Escape(handle.RootFs)}', not on an image of the store: its writes alone would not make an image.",
                handle, "Import the root as an image (Import-ContainerImage, or Build-ContainerImage with FROM scratch and ADD), run it with -Image NAME -WriteFake, then save it.");
        return _store.List().FirstOrDefault(i => ImageStore.Hex(i.Digest) == hex)
            ?? throw new UserNsContainerException("ImageNotFound", FailureKind.ObjectNotFound,
                $"The image container '{handle.Name}' runs on ({handle.Image ?? hex}) was removed from the store since it started.", handle,
                "Import it again, then save the container.");
    }

    /// <summary>BASE (null: scratch) plus the layer WRITELAYER writes (null: none) plus CHANGES,
    /// stored as name:tag. Nothing is left behind on failure or cancellation.</summary>
    internal ImageInfo Derive(ImageInfo? @base, Action<Stream>? writeLayer, ImageChanges changes, string createdBy, string? comment,
        string? name, string? tag, CancellationToken cancel)
    {
        var work = _store.NewWorkDirectory(_verbose);
        try
        {
            var layout = Path.Combine(work, "oci");
            JsonObject config;
            JsonArray layers;
            if (@base is not null)
            {
                var from = _store.LayoutOf(@base);
                OciLayout.CopyBlobs(from, layout);
                var (_, manifest, baseConfig) = OciLayout.Read(from);
                config = baseConfig;
                layers = (JsonArray)manifest["layers"]!.DeepClone();
            }
            else
            {
                OciLayout.CopyBlobs(null, layout);
                var (os, arch, variant) = ImageImporter.ParsePlatform(ImageImporter.HostPlatform());
                config = new JsonObject { ["architecture"] = arch, ["os"] = os, ["config"] = new JsonObject(), ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() } };
                if (variant is not null)
                    config["variant"] = variant;
                layers = new JsonArray();
            }
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            var history = new JsonObject { ["created"] = now, ["created_by"] = createdBy };
            if (comment is not null)
                history["comment"] = comment;
            if (writeLayer is not null)
            {
                var blobPath = Path.Combine(work, "layer.tar.gz");
                using var blob = new LayerBlob(blobPath);
                writeLayer(blob);
                cancel.ThrowIfCancellationRequested();
                blob.Finish();
                File.Move(blobPath, OciLayout.BlobPath(layout, blob.Digest), overwrite: true);
                layers.Add(OciLayout.LayerDescriptor(blob.Digest, blob.Size));
                var rootfs = config["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers" };
                var diffIds = rootfs["diff_ids"] as JsonArray ?? new JsonArray();
                diffIds.Add(blob.DiffId);
                rootfs["diff_ids"] = diffIds;
                config["rootfs"] = rootfs;
                _verbose($"New layer {blob.Digest} ({blob.Size} bytes compressed, {blob.TarBytes} as tar).");
            }
            else
                history["empty_layer"] = true;
            var list = config["history"] as JsonArray ?? new JsonArray();
            list.Add(history);
            config["history"] = list;
            config["created"] = now;
            changes.ApplyTo(config);
            OciLayout.WriteImage(layout, config, layers);
            RemoveUnused(layout, layers);
            var (digest, parsed, size) = OciLayout.Summary(layout);
            return _store.Adopt(work, digest, size, parsed, name, tag, _verbose, _progress, cancel, name is null ? "a build step's image" : $"{name}:{tag}");
        }
        finally
        {
            if (Directory.Exists(work))
                Tree.Delete(work);
        }
    }

    /// <summary>Drops the base's blobs the new image does not use (its old config and manifest).</summary>
    private static void RemoveUnused(string layout, JsonArray layers)
    {
        var (manifestDigest, manifest, _) = OciLayout.Read(layout);
        var keep = layers.Select(l => ImageStore.Hex(l!["digest"]!.GetValue<string>()))
            .Append(ImageStore.Hex(manifestDigest)).Append(ImageStore.Hex(manifest["config"]!["digest"]!.GetValue<string>())).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")))
            if (!keep.Contains(Path.GetFileName(file)))
                File.Delete(file);
    }
}
