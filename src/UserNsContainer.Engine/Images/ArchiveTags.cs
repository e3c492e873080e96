using System;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace UserNsContainer.Engine.Images;

/// <summary>
/// The name and tag an image file carries, for an import that names none: the single
/// manifest's org.opencontainers.image.ref.name of an OCI layout or archive (a tag, or a whole
/// reference), or the single RepoTags entry of a docker-archive, as podman load keeps them.
/// What the file says is checked as any reference is; anything else keeps the file's name and
/// "latest".
/// </summary>
internal static class ArchiveTags
{
    private const long MaxIndexBytes = 1 << 20;

    public static (string Name, string Tag)? Of(ImageReference reference)
    {
        if (!reference.IsFile || reference.Details.Contains(':'))
            return null; // a registry image, or the tag was given with the file
        try
        {
            return reference.Transport switch
            {
                "oci" => FromIndex(File.ReadAllText(Path.Combine(reference.Details, "index.json")), reference),
                "oci-archive" => ReadFromTar(reference.Details, "index.json") is { } index ? FromIndex(index, reference) : null,
                "docker-archive" => ReadFromTar(reference.Details, "manifest.json") is { } manifest ? FromDockerManifest(manifest) : null,
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException
                                   or InvalidSpecException or FormatException or InvalidOperationException)
        {
            return null; // the import itself says what is wrong with the file
        }
    }

    private static (string, string)? FromIndex(string json, ImageReference reference)
    {
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("manifests", out var manifests) || manifests.GetArrayLength() != 1 ||
            !manifests[0].TryGetProperty("annotations", out var annotations) ||
            !annotations.TryGetProperty("org.opencontainers.image.ref.name", out var refName) || refName.GetString() is not { Length: > 0 } value)
            return null;
        if (!value.Contains(':') && !value.Contains('/'))
            return (reference.Name, ImageReference.Parse(reference.Name + ":" + value, "/").Tag); // a tag alone
        return FromReference(value);
    }

    private static (string, string)? FromDockerManifest(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() != 1 ||
            !doc.RootElement[0].TryGetProperty("RepoTags", out var tags) || tags.ValueKind != JsonValueKind.Array || tags.GetArrayLength() != 1 ||
            tags[0].GetString() is not { Length: > 0 } value)
            return null;
        return FromReference(value);
    }

    /// <summary>A whole reference, named as a registry import names it (docker.io/library/busybox
    /// is busybox, as "busybox" is docker.io/library/busybox).</summary>
    private static (string, string)? FromReference(string value)
    {
        var parsed = ImageReference.Parse(value, "/");
        if (parsed.Transport != "docker")
            return null;
        var name = parsed.Name;
        foreach (var prefix in new[] { "docker.io/library/", "docker.io/" })
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length)
            {
                name = name[prefix.Length..];
                break;
            }
        return (name, parsed.Tag);
    }

    /// <summary>One small file at the top of a tar archive (entries' data are skipped, not read).</summary>
    private static string? ReadFromTar(string path, string name)
    {
        using var stream = File.OpenRead(path);
        using var tar = new TarReader(stream);
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.Name.TrimStart('.', '/') != name)
                continue;
            if (entry.Length > MaxIndexBytes || entry.DataStream is null)
                return null;
            using var reader = new StreamReader(entry.DataStream);
            return reader.ReadToEnd();
        }
        return null;
    }
}
