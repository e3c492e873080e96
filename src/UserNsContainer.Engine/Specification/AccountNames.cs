using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>-User and -Group given by name, looked up as the container will: in its own
/// /etc/passwd and /etc/group (the image's, or the synthesized ones).</summary>
internal static class AccountNames
{
    /// <summary>A passwd or group line: name, id and (passwd only) the primary gid.</summary>
    public sealed record Entry(string Name, uint Id, uint? PrimaryGid);

    /// <summary>The entry called <paramref name="name"/> among "name:x:id[:gid...]" lines, or null.</summary>
    public static Entry? Find(IEnumerable<string> lines, string name)
    {
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length < 3 || f[0] != name || !uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                continue;
            uint? gid = f.Length >= 4 && uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;
            return new Entry(name, id, gid);
        }
        return null;
    }

    /// <summary>The lines of a file in the container (a host path), or none when it cannot be read.</summary>
    public static string[] Lines(string? hostPath)
    {
        if (hostPath is null)
            return Array.Empty<string>();
        try
        {
            return File.ReadAllLines(hostPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    public static string[] Split(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The names a set of lines defines, for a message (at most a handful).</summary>
    public static string Names(IEnumerable<string> lines)
    {
        var names = lines.Select(l => l.Split(':')[0]).Where(n => n.Length > 0).ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
    }
}
