using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace UserNsContainer.Tests;

/// <summary>
/// An OCI layout whose one layer is what a hostile image author would write: an entry that
/// climbs out with "../", a symlink to / followed by a file through it, a character device,
/// a setuid-root file, and (optionally) a hard link to the host's /etc/shadow. Written by hand
/// (no tool would make it), tagged "latest", for this machine's architecture.
/// </summary>
public static class HostileLayout
{
    /// <param name="config">The image configuration's "config" object (default: Cmd /bin/sh).</param>
    public static string Write(string dir, string tag, bool hardLinkToShadow, object? config = null)
    {
        var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            void File(string name, string text, UnixFileMode mode = (UnixFileMode)0b110_100_100)
            {
                var e = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Mode = mode };
                w.WriteEntry(e);
            }
            void Dir(string name) => w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 });
            File($"../../../../../../tmp/usnc-escape1-{tag}", "escaped\n");
            Dir("etc");
            Dir("bin");
            Dir("dev");
            Dir("tmp");
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "etc/evil") { LinkName = "/" });
            File($"etc/evil/tmp/usnc-escape2-{tag}", "escaped\n");
            w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/evilnull") { DeviceMajor = 1, DeviceMinor = 3, Mode = (UnixFileMode)0b110_110_110 });
            File("bin/su-evil", "#!/bin/sh\nid\n", (UnixFileMode)0b100_111_101_101);
            using (var bb = System.IO.File.OpenRead(Busybox.Binary))
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { DataStream = bb, Mode = (UnixFileMode)0b111_101_101 });
            foreach (var applet in new[] { "sh", "ls", "cat", "echo", "[" })
                w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "/bin/busybox" });
            if (hardLinkToShadow)
                w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "etc/shadow-link") { LinkName = "/etc/shadow" });
        }
        var layer = tar.ToArray();
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(layer);
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        (string Digest, long Size) Blob(byte[] bytes)
        {
            var hex = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            System.IO.File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", hex), bytes);
            return ("sha256:" + hex, bytes.Length);
        }
        var (layerDigest, layerSize) = Blob(gz.ToArray());
        var diffId = "sha256:" + Convert.ToHexString(SHA256.HashData(layer)).ToLowerInvariant();
        var (configDigest, configSize) = Blob(JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture = OciImageFixture.Arch, os = "linux",
            config = config ?? new { Cmd = new[] { "/bin/sh" } },
            rootfs = new { type = "layers", diff_ids = new[] { diffId } },
        }));
        var (manifestDigest, manifestSize) = Blob(JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = configSize },
            layers = new[] { new { mediaType = "application/vnd.oci.image.layer.v1.tar+gzip", digest = layerDigest, size = layerSize } },
        }));
        System.IO.File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        System.IO.File.WriteAllText(Path.Combine(dir, "index.json"), JsonSerializer.Serialize(new
        {
            schemaVersion = 2,
            manifests = new[]
            {
                new
                {
                    mediaType = "application/vnd.oci.image.manifest.v1+json", digest = manifestDigest, size = manifestSize,
                    annotations = new System.Collections.Generic.Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = "latest" },
                },
            },
        }));
        return dir;
    }
}
