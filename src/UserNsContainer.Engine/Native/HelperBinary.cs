using System;
using System.IO;
using System.Security.Cryptography;

namespace UserNsContainer.Engine.Native;

/// <summary>
/// Which helper file to execute. The module's own (linux-ARCH/usnc-helper) where it is
/// executable: a build, or a package whose owner's first use set its bits. A package keeps no
/// file modes, so a module installed by root for all users holds a helper others may read but
/// not execute: each such user then runs a private copy, kept in their own cache directory
/// (0700, checked like the state directory: nobody else can swap it), named after the shipped
/// file's SHA-256 and checked against it once per process before it is used.
/// </summary>
internal static class HelperBinary
{
    private const UnixFileMode Executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The module's own helper for this machine's architecture.</summary>
    public static string Shipped
    {
        get
        {
            var dir = Path.GetDirectoryName(typeof(HelperBinary).Assembly.Location) ?? ".";
            return Path.Combine(dir, HelperProcess.Architecture, "usnc-helper");
        }
    }

    private static readonly Lazy<string> Resolved = new(Resolve);

    /// <summary>The file to execute (resolved once per process).</summary>
    public static string Path_ => Resolved.Value;

    private static string Resolve()
    {
        var shipped = Shipped;
        if (!File.Exists(shipped))
            throw new UserNsContainerException("HelperMissing", FailureKind.NotInstalled,
                $"The native helper '{shipped}' is missing from the module folder: this module carries no helper for {HelperProcess.Architecture}.", shipped,
                "Rebuild the module on this machine with 'dotnet build -c Release' (it compiles src/native with cc; gcc-aarch64-linux-gnu adds an arm64 helper) and import it from out/UserNsContainer.");
        var mode = File.GetUnixFileMode(shipped);
        if ((mode & Executable) == Executable)
            return shipped;
        if (Libc.OwnerOf(shipped, followLinks: false) == Libc.geteuid())
        {
            // the package's owner (root for an all-users install): restore the modes once
            File.SetUnixFileMode(shipped, mode | Executable | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            return shipped;
        }
        return PrivateCopy(shipped);
    }

    /// <summary>The caller's own cache directory: $XDG_CACHE_HOME/usernscontainer, else ~/.cache/usernscontainer.</summary>
    private static string CacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetEnvironmentVariable("HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache") : null;
        return root is null ? StateStore.DirectoryForCurrentUser() : Path.Combine(root, "usernscontainer");
    }

    private static string PrivateCopy(string shipped)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(shipped);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotExecutable(shipped, $"and you may not read it to run a private copy: {e.Message}", e);
        }
        var hash = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var dir = CacheDirectory();
        var (fault, detail) = PrivateDirectory.Ensure(dir);
        if (fault != PrivateDirectory.Fault.None)
            throw NotExecutable(shipped, $"and its private copy cannot be kept in '{dir}': {detail}", null);
        var copy = Path.Combine(dir, $"usnc-helper-{HelperProcess.Architecture}-{hash[..16]}");
        if (File.Exists(copy) && Matches(copy, hash))
            return copy;
        var tmp = copy + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var fs = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                fs.Write(bytes);
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            File.Move(tmp, copy, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(tmp);
            throw NotExecutable(shipped, $"and its private copy '{copy}' could not be written: {e.Message}", e);
        }
        if (!Matches(copy, hash))
            throw NotExecutable(shipped, $"and its private copy '{copy}' does not match it", null);
        return copy;
    }

    /// <summary>The copy is this user's, not a symlink, and has the shipped file's content.</summary>
    private static bool Matches(string copy, string hash)
    {
        var info = new FileInfo(copy);
        if (info.LinkTarget is not null || Libc.OwnerOf(copy, followLinks: false) != Libc.geteuid())
            return false;
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(copy))).ToLowerInvariant() == hash;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static UserNsContainerException NotExecutable(string shipped, string why, Exception? inner) =>
        new UserNsContainerException("HelperNotExecutable", FailureKind.PermissionDenied,
            $"The native helper '{shipped}' is not executable (installed from a package, which keeps no file modes), {why}.", shipped,
            $"As its owner (root, for a module installed for all users): chmod 755 {shipped}", inner);
}
