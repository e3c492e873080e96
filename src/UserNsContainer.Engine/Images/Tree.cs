using System;
using System.IO;

namespace UserNsContainer.Engine.Images;

/// <summary>Deletes a directory tree made by this user (an unpacked image may hold
/// directories without write permission), never following a symlink out of it.</summary>
internal static class Tree
{
    public static void Delete(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
            info = new DirectoryInfo(path);
        if (!info.Exists && info.LinkTarget is null)
            return;
        if (info.LinkTarget is not null || info is FileInfo)
        {
            File.Delete(path);
            return;
        }
        try
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
        }
        catch (UnauthorizedAccessException)
        {
            // not ours: the delete below reports it
        }
        foreach (var child in Directory.EnumerateFileSystemEntries(path))
            Delete(child);
        Directory.Delete(path);
    }
}
