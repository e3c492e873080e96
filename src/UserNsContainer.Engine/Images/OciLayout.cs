using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UserNsContainer.Engine.Images;

/// <summary>An OCI image layout on disk (index.json, blobs/sha256/HEX): reading the image that
/// index.json names, and writing blobs, a manifest and the index of a new one.</summary>
internal static class OciLayout
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigType = "application/vnd.oci.image.config.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static string BlobPath(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", ImageStore.Hex(digest));

    /// <summary>The first manifest's digest, and the manifest and configuration as JSON.</summary>
    public static (string Digest, JsonObject Manifest, JsonObject Config) Read(string layout)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!.AsObject();
        var digest = index["manifests"]![0]!["digest"]!.GetValue<string>();
        var manifest = JsonNode.Parse(File.ReadAllText(BlobPath(layout, digest)))!.AsObject();
        var configDigest = manifest["config"]!["digest"]!.GetValue<string>();
        var config = JsonNode.Parse(File.ReadAllText(BlobPath(layout, configDigest)))!.AsObject();
        return (digest, manifest, config);
    }

    /// <summary>The manifest's digest, the configuration, and the blobs' total size.</summary>
    public static (string Digest, ImageConfig Config, long Size) Summary(string layout)
    {
        var (digest, _, config) = Read(layout);
        using var doc = JsonDocument.Parse(config.ToJsonString());
        var size = Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")).Sum(f => new FileInfo(f).Length);
        return (digest, ImageConfig.Parse(doc.RootElement), size);
    }

    /// <summary>A new layout at TO holding every blob of FROM (hard links where they can be made).</summary>
    public static void CopyBlobs(string? from, string to)
    {
        var blobs = Path.Combine(to, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.WriteAllText(Path.Combine(to, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        foreach (var file in from is null ? Array.Empty<string>() : Directory.EnumerateFiles(Path.Combine(from, "blobs", "sha256")))
        {
            var dest = Path.Combine(blobs, Path.GetFileName(file));
            if (Native.Libc.link(file, dest) != 0)
                File.Copy(file, dest);
        }
    }

    /// <summary>Writes BYTES as a blob; returns its digest and size.</summary>
    public static (string Digest, long Size) WriteBlob(string layout, byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var path = BlobPath(layout, digest);
        if (!File.Exists(path))
            File.WriteAllBytes(path, bytes);
        return (digest, bytes.LongLength);
    }

    public static (string Digest, long Size) WriteJson(string layout, JsonNode node) =>
        WriteBlob(layout, Encoding.UTF8.GetBytes(node.ToJsonString()));

    /// <summary>Writes CONFIG and a manifest of LAYERS (descriptors) over it, and an index.json whose
    /// one manifest has the ref "image". Returns the manifest's digest.</summary>
    public static string WriteImage(string layout, JsonObject config, JsonArray layers)
    {
        var (configDigest, configSize) = WriteJson(layout, config);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = new JsonObject { ["mediaType"] = ConfigType, ["digest"] = configDigest, ["size"] = configSize },
            ["layers"] = layers,
        };
        var (digest, size) = WriteJson(layout, manifest);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ManifestType, ["digest"] = digest, ["size"] = size,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = "image" },
            }),
        };
        File.WriteAllText(Path.Combine(layout, "index.json"), index.ToJsonString());
        return digest;
    }

    /// <summary>A layer descriptor as a manifest lists it.</summary>
    public static JsonObject LayerDescriptor(string digest, long size) =>
        new() { ["mediaType"] = LayerType, ["digest"] = digest, ["size"] = size };
}
