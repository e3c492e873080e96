using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>One line of /proc/PID/uid_map or gid_map: container ids [ContainerId, ContainerId+Count) are host ids [HostId, ...).</summary>
public sealed record IdMapRange(uint ContainerId, uint HostId, uint Count)
{
    /// <summary>The kernel's limits for one map (measured on 6.18): at most 340 lines, one write under 4096 bytes.</summary>
    public const int MaxRanges = 340;
    public const int MaxTextBytes = 4095;

    /// <summary>The id unmapped ids show as (/proc/sys/kernel/overflowuid).</summary>
    public static uint OverflowId
    {
        get
        {
            try
            {
                return uint.Parse(System.IO.File.ReadAllText("/proc/sys/kernel/overflowuid").Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is System.IO.IOException or FormatException)
            {
                return 65534;
            }
        }
    }

    public override string ToString() => $"{ContainerId}:{HostId}:{Count}";

    /// <summary>The text the kernel takes: one "container host count" line per range.</summary>
    public static string ToProcText(IEnumerable<IdMapRange> ranges) =>
        string.Concat(ranges.Select(r => $"{r.ContainerId} {r.HostId} {r.Count}\n"));

    /// <summary>Reads /proc/PID/uid_map text.</summary>
    public static IdMapRange[] ParseProcText(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3)
            .Select(f => new IdMapRange(uint.Parse(f[0], CultureInfo.InvariantCulture), uint.Parse(f[1], CultureInfo.InvariantCulture), uint.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>Parses "0:100000:65536" (containerd's form) or "0 100000 65536" lines; several
    /// ranges may be given separated by newlines or commas.</summary>
    public static IdMapRange[] Parse(string text, string parameter)
    {
        var result = new List<IdMapRange>();
        foreach (var part in text.Split(new[] { '\n', ',', ';' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(new[] { ':', ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3 || !TryId(fields[0], out var c) || !TryId(fields[1], out var h) || !TryId(fields[2], out var n))
                throw new InvalidSpecException("InvalidIdMap", parameter, part,
                    "ranges written 'container:host:count' (or 'container host count'), three whole numbers from 0 to 4294967295, e.g. 0:100000:65536");
            result.Add(new IdMapRange(c, h, n));
        }
        return result.ToArray();
    }

    /// <summary>Builds a range from loosely typed parts (a hashtable's or an object's values).</summary>
    public static IdMapRange FromParts(object? containerId, object? hostId, object? count, string parameter)
    {
        var text = $"{containerId}:{hostId}:{count}";
        if (containerId is null || hostId is null || count is null)
            throw new InvalidSpecException("InvalidIdMap", parameter, text,
                "each range with ContainerId, HostId and Count, e.g. @{ ContainerId = 0; HostId = 100000; Count = 65536 }");
        return Parse(text, parameter)[0];
    }

    private static bool TryId(string s, out uint value) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Checks a whole map against the kernel's rules before anything is written.</summary>
    public static void Validate(IReadOnlyList<IdMapRange> map, string parameter)
    {
        string Show() => string.Join(",", map);
        if (map.Count == 0)
            throw new InvalidSpecException("InvalidIdMap", parameter, "", "at least one range");
        if (map.Count > MaxRanges)
            throw new InvalidSpecException("IdMapTooLarge", parameter, $"{map.Count} ranges", $"at most {MaxRanges} ranges (the kernel's limit)");
        foreach (var r in map)
        {
            if (r.Count == 0)
                throw new InvalidSpecException("InvalidIdMap", parameter, r.ToString(), "a Count of at least 1");
            if ((ulong)r.ContainerId + r.Count > 1UL << 32 || (ulong)r.HostId + r.Count > 1UL << 32)
                throw new InvalidSpecException("InvalidIdMap", parameter, r.ToString(), "ranges that end within 32-bit ids (id + Count <= 4294967296)");
        }
        CheckOverlap(map, r => r.ContainerId, "container", parameter);
        CheckOverlap(map, r => r.HostId, "host", parameter);
        if (Encoding.ASCII.GetByteCount(ToProcText(map)) > MaxTextBytes)
            throw new InvalidSpecException("IdMapTooLarge", parameter, Show(), $"a map whose text is under {MaxTextBytes + 1} bytes (the kernel's limit)");
    }

    private static void CheckOverlap(IReadOnlyList<IdMapRange> map, Func<IdMapRange, uint> start, string side, string parameter)
    {
        var sorted = map.OrderBy(start).ToArray();
        for (int i = 1; i < sorted.Length; i++)
            if ((ulong)start(sorted[i - 1]) + sorted[i - 1].Count > start(sorted[i]))
                throw new InvalidSpecException("IdMapOverlap", parameter, $"{sorted[i - 1]},{sorted[i]}",
                    $"ranges whose {side} ids do not overlap");
    }

    /// <summary>The container id that <paramref name="hostId"/> appears as; the overflow id when unmapped.</summary>
    public static uint ToContainer(IEnumerable<IdMapRange> map, uint hostId) =>
        map.FirstOrDefault(r => hostId >= r.HostId && hostId - r.HostId < r.Count) is { } r
            ? r.ContainerId + (hostId - r.HostId)
            : OverflowId;

    /// <summary>The host id behind <paramref name="containerId"/>; the overflow id when unmapped.</summary>
    public static uint ToHost(IEnumerable<IdMapRange> map, uint containerId) =>
        map.FirstOrDefault(r => containerId >= r.ContainerId && containerId - r.ContainerId < r.Count) is { } r
            ? r.HostId + (containerId - r.ContainerId)
            : OverflowId;

    /// <summary>The same host ids mapped to themselves: the outer namespace's map when the
    /// container runs in a nested one that takes the real map.</summary>
    public static IdMapRange[] Identity(IEnumerable<IdMapRange> map) =>
        map.Select(r => new IdMapRange(r.HostId, r.HostId, r.Count)).ToArray();

    /// <summary>The host id the container's root (id 0) is; the first range's when 0 is unmapped.</summary>
    public static uint RootHostId(IReadOnlyList<IdMapRange> map) =>
        Maps(map, 0) ? ToHost(map, 0) : map[0].HostId;

    public static bool Maps(IEnumerable<IdMapRange> map, uint containerId) =>
        map.Any(r => containerId >= r.ContainerId && containerId - r.ContainerId < r.Count);
}
