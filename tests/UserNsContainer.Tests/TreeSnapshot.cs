using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace UserNsContainer.Tests;

/// <summary>What "unchanged" means for a directory tree in these tests.</summary>
public static class TreeSnapshot
{
    /// <summary>Every entry under <paramref name="root"/> (symlinks not followed) with its type,
    /// mode, size, mtime (ns) and link target, sorted.</summary>
    public static List<string> Of(string root)
    {
        var psi = new ProcessStartInfo("find", new[] { root, "-printf", "%P %y %m %s %T@ %l\\n" }) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        p.WaitForExit();
        return lines;
    }
}
