using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace UserNsContainer.Engine.Images.Build;

/// <summary>
/// The directory a build reads COPY and ADD sources from. A source is a path (with * and ?
/// wildcards) relative to it; one that leaves it (through "..", an absolute path or a
/// symbolic link that points outside) is refused, as is one .containerignore (or
/// .dockerignore) excludes. Inside a copied directory, links are copied as links, never
/// followed, and files are opened with O_NOFOLLOW, so a link swapped in during the build
/// cannot pull a host file into the image.
/// </summary>
internal sealed class BuildContext
{
    public string Root { get; }
    private readonly List<(Regex Pattern, bool Exclude)> _ignore = new();
    public string IgnoreFile { get; } = "";

    public BuildContext(string root)
    {
        Root = Path.GetFullPath(new DirectoryInfo(root).ResolveLinkTarget(true)?.FullName ?? root).TrimEnd('/');
        if (Root.Length == 0)
            Root = "/";
        foreach (var name in new[] { ".containerignore", ".dockerignore" })
        {
            var path = Path.Combine(Root, name);
            if (!File.Exists(path))
                continue;
            IgnoreFile = name;
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                    continue;
                bool include = line.StartsWith('!');
                var pattern = (include ? line[1..] : line).Trim().Trim('/');
                if (pattern.StartsWith("./", StringComparison.Ordinal))
                    pattern = pattern[2..];
                _ignore.Add((new Regex("^" + Glob(pattern) + "(/.*)?$", RegexOptions.CultureInvariant), !include));
            }
            break;
        }
    }

    /// <summary>A wildcard pattern (*, ?, **) as a regular expression over '/'-separated paths.</summary>
    private static string Glob(string pattern)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    i++;
            }
            else if (c == '*')
                sb.Append("[^/]*");
            else if (c == '?')
                sb.Append("[^/]");
            else
                sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }

    /// <summary>True when the ignore file leaves RELATIVE out (the last matching line decides).</summary>
    public bool IsIgnored(string relative)
    {
        bool ignored = false;
        foreach (var (pattern, exclude) in _ignore)
            if (pattern.IsMatch(relative))
                ignored = exclude;
        return ignored;
    }

    /// <summary>The context's entries a COPY or ADD source names: relative paths, in order.</summary>
    public List<string> Resolve(string source, string file, int line)
    {
        var clean = source.Replace('\\', '/');
        if (clean.StartsWith('/'))
            clean = clean.TrimStart('/'); // docker reads an absolute source from the context's root
        var parts = clean.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
            throw Containerfile.Error(file, line, $"copies '{Untrusted.Escape(source)}', which leaves the build context through '..'",
                "Copy only files inside the build context (the -Path directory).");
        var matches = new List<string> { "" };
        foreach (var part in parts)
        {
            var next = new List<string>();
            foreach (var dir in matches)
            {
                var full = Full(dir);
                if (part.IndexOfAny(new[] { '*', '?' }) < 0)
                {
                    next.Add(Join(dir, part));
                    continue;
                }
                if (!Directory.Exists(full))
                    continue;
                var rx = new Regex("^" + Glob(part) + "$");
                next.AddRange(Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Where(n => rx.IsMatch(n!)).OrderBy(n => n, StringComparer.Ordinal).Select(n => Join(dir, n!)));
            }
            matches = next;
        }
        var found = new List<string>();
        foreach (var rel in matches)
        {
            CheckInside(rel, source, file, line);
            if (!Exists(rel))
                continue;
            if (rel.Length > 0 && IsIgnored(rel))
                throw Containerfile.Error(file, line, $"copies '{Untrusted.Escape(rel)}', which {IgnoreFile} leaves out of the build context", $"Remove it from {IgnoreFile}, or copy something else.");
            found.Add(rel);
        }
        if (found.Count == 0)
            throw Containerfile.Error(file, line, $"copies '{Untrusted.Escape(source)}', which is not in the build context {Untrusted.Escape(Root)}", "Check the path; it is relative to the -Path directory.");
        return found;
    }

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;
    public string Full(string relative) => relative.Length == 0 ? Root : Path.Combine(Root, relative);

    private bool Exists(string rel)
    {
        var info = new FileInfo(Full(rel));
        return info.Exists || info.LinkTarget is not null || Directory.Exists(info.FullName);
    }

    /// <summary>Every component of REL, links resolved, stays inside the context.</summary>
    private void CheckInside(string rel, string source, string file, int line)
    {
        var path = Root;
        foreach (var part in rel.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = Path.Combine(path, part);
            var info = new FileInfo(path);
            if (info.LinkTarget is null)
                continue;
            var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(info.LinkTarget, Path.GetDirectoryName(path)!);
            if (!IsUnder(target))
                throw Containerfile.Error(file, line, $"copies '{Untrusted.Escape(source)}', whose '{Untrusted.Escape(path[(Root.Length + 1)..])}' is a symbolic link out of the build context (to {Untrusted.Escape(target)})",
                    "Copy the file itself into the build context; links that leave it are never followed.");
            path = target;
        }
    }

    private bool IsUnder(string path) => Root == "/" || path == Root || path.StartsWith(Root + "/", StringComparison.Ordinal);

    /// <summary>A digest of what SOURCES hold (names, types, modes, link targets and contents),
    /// for the build cache: the same files give the same key whatever their times.</summary>
    public string Digest(IEnumerable<string> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var rel in sources)
            foreach (var (entry, info) in Walk(rel, rel))
            {
                // a link's own mode means nothing (and following it could read outside the context)
                var mode = info.LinkTarget is not null ? 0 : (int)File.GetUnixFileMode(info.FullName.Length > 0 ? info.FullName : Root);
                hash.AppendData(Encoding.UTF8.GetBytes($"{entry}\0{Kind(info)}\0{mode}\0{info.LinkTarget}\0"));
                if (info is FileInfo { LinkTarget: null } f)
                {
                    using var s = OpenNoFollow(f.FullName);
                    hash.AppendData(SHA256.HashData(s));
                }
            }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static char Kind(FileSystemInfo info) => info.LinkTarget is not null ? 'l' : info is DirectoryInfo ? 'd' : 'f';

    /// <summary>REL and, for a directory, everything below it (sorted, ignored entries left
    /// out), each with the name it gets relative to the source (NAME for the source itself).</summary>
    private IEnumerable<(string Name, FileSystemInfo Info)> Walk(string rel, string name)
    {
        var full = Full(rel);
        FileSystemInfo info = new FileInfo(full);
        if (info.LinkTarget is null && Directory.Exists(full))
            info = new DirectoryInfo(full);
        yield return (name, info);
        if (info is not DirectoryInfo)
            yield break;
        foreach (var child in Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal))
        {
            var childRel = Join(rel, child!);
            if (IsIgnored(childRel))
                continue;
            foreach (var e in Walk(childRel, Join(name, child!)))
                yield return e;
        }
    }

    /// <summary>Writes SOURCES as tar entries under DEST (an absolute path in the image): a
    /// directory source contributes its contents, a file goes to DEST itself unless DEST is a
    /// directory (ends in '/', several sources, or exists as one in the image).</summary>
    public void WriteLayer(Stream output, List<string> sources, string dest, bool destIsDir, uint uid, uint gid, UnixFileMode? chmod)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var destRel = dest.Trim('/');
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rel in sources)
        {
            var full = Full(rel);
            bool isDir = new FileInfo(full).LinkTarget is null && Directory.Exists(full);
            foreach (var (name, info) in Walk(rel, ""))
            {
                string target;
                if (isDir)
                    target = name.Length == 0 ? destRel : Join(destRel, name);
                else
                    target = destIsDir ? Join(destRel, Path.GetFileName(rel)) : destRel;
                if (target.Length == 0 || !written.Add(target))
                    continue;
                PaxTarEntry entry;
                if (info.LinkTarget is not null)
                    entry = new PaxTarEntry(TarEntryType.SymbolicLink, target) { LinkName = info.LinkTarget };
                else if (info is DirectoryInfo)
                    entry = new PaxTarEntry(TarEntryType.Directory, target);
                else
                    entry = new PaxTarEntry(TarEntryType.RegularFile, target) { DataStream = OpenNoFollow(info.FullName) };
                entry.Mode = info.LinkTarget is not null ? (UnixFileMode)0b111_111_111 : chmod ?? File.GetUnixFileMode(info.FullName);
                entry.Uid = (int)uid;
                entry.Gid = (int)gid;
                entry.ModificationTime = info.LastWriteTimeUtc;
                tar.WriteEntry(entry);
                entry.DataStream?.Dispose();
            }
        }
    }

    private const int O_RDONLY = 0, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;

    /// <summary>A file of the context, opened without following a link swapped in since it was listed.</summary>
    private static FileStream OpenNoFollow(string path)
    {
        int fd = Native.Libc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            throw new UserNsContainerException("BuildContextChanged", FailureKind.InvalidOperation,
                $"Cannot open '{Untrusted.Escape(path)}' of the build context (errno {Native.Libc.Errno}): it changed while the build read it, or is a link.", path,
                "Leave the build context alone while it builds, and build again.");
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.Read);
    }
}
