using System;
using System.Collections.Generic;
using System.IO;

namespace UserNsContainer.Engine;

/// <summary>Path lookups inside a root directory that treat absolute symlinks as relative
/// to that root, the way the kernel will see them after pivot_root.</summary>
public static class RootPath
{
    private const int MaxSymlinks = 40;

    /// <summary>The host path that <paramref name="path"/> names inside <paramref name="root"/>, or null.</summary>
    public static string? Resolve(string root, string path)
    {
        root = root.TrimEnd('/');
        var pending = new System.Collections.Generic.Stack<string>();
        PushComponents(pending, path);
        string current = "";
        int links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == "." || part.Length == 0)
                continue;
            if (part == "..")
            {
                int slash = current.LastIndexOf('/');
                current = slash <= 0 ? "" : current[..slash];
                continue;
            }
            var candidate = current + "/" + part;
            var info = new FileInfo(root + candidate);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxSymlinks)
                    return null;
                if (target.StartsWith('/'))
                    current = "";
                PushComponents(pending, target);
                continue;
            }
            if (!info.Exists && !Directory.Exists(root + candidate))
                return null;
            current = candidate;
        }
        return root + (current.Length == 0 ? "/" : current);
    }

    private static void PushComponents(System.Collections.Generic.Stack<string> stack, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
            stack.Push(parts[i]);
    }

    /// <summary>execvp's search, done inside the root: the host path of the program, or null.
    /// A relative path with a slash is taken from <paramref name="workingDirectory"/>; a path
    /// under a bind's target is looked up in the bind's source.</summary>
    public static string? FindExecutable(string root, string command, string searchPath,
        string workingDirectory = "/", IReadOnlyList<BindMount>? binds = null)
    {
        if (command.Contains('/'))
        {
            var path = command.StartsWith('/') ? command : workingDirectory.TrimEnd('/') + "/" + command;
            return Locate(root, path, binds) is { } hit && IsExecutableFile(hit) ? hit : null;
        }
        foreach (var dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var hit = Locate(root, dir.TrimEnd('/') + "/" + command, binds);
            if (IsExecutableFile(hit))
                return hit;
        }
        return null;
    }

    /// <summary>Where a container path is on the host: in the last bind whose target holds it, else in the root.</summary>
    private static string? Locate(string root, string path, IReadOnlyList<BindMount>? binds)
    {
        for (int i = (binds?.Count ?? 0) - 1; i >= 0; i--)
        {
            var b = binds![i];
            var target = b.Target.TrimEnd('/');
            if (path == target)
                return b.Source;
            if (path.StartsWith(target + "/", StringComparison.Ordinal))
                return Resolve(b.Source, path[target.Length..]);
        }
        return Resolve(root, path);
    }

    private static bool IsExecutableFile(string? hostPath)
    {
        if (hostPath is null)
            return false;
        try
        {
            var mode = File.GetUnixFileMode(hostPath);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone (or never there): an image can change while it is looked at
        }
    }
}
