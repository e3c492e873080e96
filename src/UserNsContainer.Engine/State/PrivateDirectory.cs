using System;
using System.IO;

namespace UserNsContainer.Engine;

/// <summary>
/// A directory only its owner may use (the state directory, the image store): created 0700,
/// or, when it exists, checked to be a real directory of this user, closed to others and
/// writable. Each store words what is wrong in its own ErrorIds.
/// </summary>
internal static class PrivateDirectory
{
    public enum Fault { None, CannotCreate, NotPrivate, NotWritable }

    private const UnixFileMode GroupOrOther = (UnixFileMode)0b000_111_111;

    /// <summary>What is wrong with <paramref name="path"/>, with the detail a message needs:
    /// the creation error's text, or what makes it not private (a symlink, its owner, its mode).</summary>
    public static (Fault Fault, string Detail) Ensure(string path)
    {
        try
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (Fault.CannotCreate, e.Message);
        }
        var info = new DirectoryInfo(path);
        var mode = Convert.ToString((int)info.UnixFileMode, 8);
        var owner = Native.Libc.OwnerOf(path, followLinks: false);
        if (info.LinkTarget is not null)
            return (Fault.NotPrivate, $"it is a symlink to {Untrusted.Escape(info.LinkTarget)}");
        if (owner != Native.Libc.geteuid())
            return (Fault.NotPrivate, owner is { } uid
                ? $"it is owned by {SubordinateIds.UserName(uid)} (uid {uid}), not by you (uid {Native.Libc.geteuid()})"
                : "its owner cannot be read");
        if ((info.UnixFileMode & GroupOrOther) != 0)
            return (Fault.NotPrivate, $"it is open to others: mode {mode}, where it must be 700");
        if (!Native.Libc.CanWrite(path))
            return (Fault.NotWritable, mode);
        return (Fault.None, "");
    }
}
