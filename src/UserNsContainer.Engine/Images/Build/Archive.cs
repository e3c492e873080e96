using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace UserNsContainer.Engine.Images.Build;

/// <summary>ADD of a local tar archive (.tar, .tar.gz, .tgz): its entries become the layer's,
/// under the destination directory, as docker unpacks them. Names are made relative and may
/// not climb out with ".."; a hard link may only name an entry of the same archive.</summary>
internal static class Archive
{
    public static Func<string, bool> IsArchive(BuildContext context) => rel =>
    {
        var name = rel.ToLowerInvariant();
        var info = new FileInfo(context.Full(rel));
        return info.Exists && info.LinkTarget is null && (name.EndsWith(".tar") || name.EndsWith(".tar.gz") || name.EndsWith(".tgz"));
    };

    public static void Rebase(string path, Stream output, string dest, string file, int line)
    {
        using var input = File.OpenRead(path);
        using var data = path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? (Stream)input : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new TarReader(data);
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var prefix = dest.Trim('/');
        TarEntry? entry;
        while ((entry = reader.GetNextEntry()) is not null)
        {
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                continue;
            var name = Clean(entry.Name, path, file, line);
            if (name.Length == 0)
                continue;
            var copy = entry.EntryType switch
            {
                TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => new PaxTarEntry(TarEntryType.RegularFile, Join(prefix, name)),
                TarEntryType.Directory => new PaxTarEntry(TarEntryType.Directory, Join(prefix, name)),
                TarEntryType.SymbolicLink => new PaxTarEntry(TarEntryType.SymbolicLink, Join(prefix, name)) { LinkName = entry.LinkName },
                TarEntryType.HardLink => new PaxTarEntry(TarEntryType.HardLink, Join(prefix, name)) { LinkName = Join(prefix, Clean(entry.LinkName, path, file, line)) },
                TarEntryType.Fifo => new PaxTarEntry(TarEntryType.Fifo, Join(prefix, name)),
                TarEntryType.CharacterDevice or TarEntryType.BlockDevice => null, // device nodes mean nothing in a rootless image
                _ => null,
            };
            if (copy is null)
                continue;
            copy.Mode = entry.Mode;
            copy.Uid = entry.Uid;
            copy.Gid = entry.Gid;
            copy.ModificationTime = entry.ModificationTime;
            if (copy.EntryType == TarEntryType.RegularFile && entry.DataStream is { } body)
                copy.DataStream = body.CanSeek ? body : new KnownLength(body, entry.Length);
            writer.WriteEntry(copy);
        }
    }

    /// <summary>An entry's data read straight from the archive: its length is known from the
    /// header, so the writer needs neither to seek nor to buffer it.</summary>
    private sealed class KnownLength : Stream
    {
        private readonly Stream _inner;
        private readonly long _length;
        private long _read;

        public KnownLength(Stream inner, long length)
        {
            _inner = inner;
            _length = length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _read; set { if (value != _read) throw new NotSupportedException(); } }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = _inner.Read(buffer[..(int)Math.Min(buffer.Length, _length - _read)]);
            _read += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) =>
            (origin == SeekOrigin.Begin && offset == _read) || (origin == SeekOrigin.Current && offset == 0) ? _read : throw new NotSupportedException();

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "/" + name;

    private static string Clean(string name, string archive, string file, int line)
    {
        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
            throw Containerfile.Error(file, line, $"adds the archive '{Untrusted.Escape(Path.GetFileName(archive))}', whose entry '{Untrusted.Escape(name)}' climbs out with '..'",
                "Make the archive with paths relative to its root (tar -C DIR -cf FILE .).");
        return string.Join('/', parts);
    }
}
