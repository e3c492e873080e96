using System;
using System.Collections.Generic;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>One line of /proc/PID/uid_map or gid_map: container ids [ContainerId, ContainerId+Count) are host ids [HostId, ...).</summary>
public sealed record IdMapRange(uint ContainerId, uint HostId, uint Count)
{
    public override string ToString() => $"{ContainerId}:{HostId}:{Count}";

    /// <summary>The text the kernel takes: one "container host count" line per range.</summary>
    public static string ToProcText(IEnumerable<IdMapRange> ranges) =>
        string.Concat(ranges.Select(r => $"{r.ContainerId} {r.HostId} {r.Count}\n"));

    /// <summary>Reads /proc/PID/uid_map text.</summary>
    public static IdMapRange[] ParseProcText(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3)
            .Select(f => new IdMapRange(uint.Parse(f[0]), uint.Parse(f[1]), uint.Parse(f[2])))
            .ToArray();
}
