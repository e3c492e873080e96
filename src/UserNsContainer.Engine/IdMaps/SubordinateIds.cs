using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The subordinate id ranges /etc/subuid and /etc/subgid give a user ("name:start:count" or
/// "uid:start:count" lines), which newuidmap and newgidmap let that user map.
/// </summary>
public static class SubordinateIds
{
    public sealed record Range(uint Start, uint Count);

    public static string UidFile { get; set; } = "/etc/subuid";
    public static string GidFile { get; set; } = "/etc/subgid";

    public static IReadOnlyList<Range> For(string file, string userName, uint uid)
    {
        if (!File.Exists(file))
            return Array.Empty<Range>();
        var ranges = new List<Range>();
        foreach (var raw in File.ReadLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var f = line.Split(':');
            if (f.Length != 3 || (f[0] != userName && f[0] != uid.ToString(CultureInfo.InvariantCulture)))
                continue;
            if (uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start) &&
                uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
                ranges.Add(new Range(start, count));
        }
        return ranges;
    }

    /// <summary>True when every host id of <paramref name="map"/> is the caller's own or inside one of <paramref name="ranges"/>.</summary>
    public static bool Covers(IReadOnlyList<Range> ranges, uint ownId, IEnumerable<IdMapRange> map) =>
        map.All(r => (r.HostId == ownId && r.Count == 1) ||
                     ranges.Any(s => r.HostId >= s.Start && (ulong)r.HostId + r.Count <= (ulong)s.Start + s.Count));

    /// <summary>The line to add for <paramref name="userName"/>: past every range already given out.</summary>
    public static string SuggestedLine(string file, string userName, uint count)
    {
        ulong next = 100000;
        if (File.Exists(file))
            foreach (var f in File.ReadLines(file).Select(l => l.Trim().Split(':')).Where(f => f.Length == 3))
                if (ulong.TryParse(f[1], out var s) && ulong.TryParse(f[2], out var c))
                    next = Math.Max(next, s + c);
        return $"{userName}:{next}:{count}";
    }

    /// <summary>The current user's name from /etc/passwd (by effective uid), or the uid itself.</summary>
    public static string UserName(uint uid) =>
        HostAccounts.NameOf("/etc/passwd", uid) ?? uid.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Names of host users and groups by id, read from /etc/passwd and /etc/group.</summary>
public static class HostAccounts
{
    public static string? NameOf(string file, uint id)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(':');
                if (f.Length >= 3 && uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v == id)
                    return f[0];
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
