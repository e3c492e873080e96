using System;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;

namespace UserNsContainer.Engine.Images;

/// <summary>A layer being written: the tar stream goes through gzip into a file, and both its
/// digests are taken on the way (the diff_id of the tar, the digest of the gzip blob), so
/// nothing is read twice and nothing is held in memory.</summary>
internal sealed class LayerBlob : Stream
{
    private readonly IncrementalHash _diff = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly HashingStream _file;
    private readonly GZipStream _gzip;
    private bool _finished;

    public string Path { get; }
    public long TarBytes { get; private set; }
    public string DiffId { get; private set; } = "";
    public string Digest { get; private set; } = "";
    public long Size { get; private set; }

    public LayerBlob(string path)
    {
        Path = path;
        _file = new HashingStream(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _diff.AppendData(buffer);
        TarBytes += buffer.Length;
        _gzip.Write(buffer);
    }

    /// <summary>Ends the gzip stream and the file; the digests are known from here on.</summary>
    public void Finish()
    {
        if (_finished)
            return;
        _finished = true;
        _gzip.Dispose();
        _file.Flush();
        DiffId = "sha256:" + Convert.ToHexString(_diff.GetHashAndReset()).ToLowerInvariant();
        Digest = "sha256:" + Convert.ToHexString(_file.Hash()).ToLowerInvariant();
        Size = _file.Length;
        _file.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            _finished = true;
            _gzip.Dispose();
            _file.Dispose();
        }
        _diff.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => TarBytes;
    public override long Position { get => TarBytes; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>A write-only file stream that hashes what passes.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public HashingStream(Stream inner) => _inner = inner;

        public byte[] Hash() => _hash.GetHashAndReset();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            _inner.Write(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
