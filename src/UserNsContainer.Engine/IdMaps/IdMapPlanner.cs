using System;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The maps behind -HostIdCount (Guix's host-uids) and -IdMap Auto. Root maps from its own
/// id upward; an ordinary user maps 0 to itself and the rest from its first subordinate range.
/// </summary>
public static class IdMapPlanner
{
    public const uint AutoCount = 65536;

    /// <summary>Container ids 0..n-1.</summary>
    public static IdMapRange[] HostIds(uint n, uint ownId, uint euid, IdMapWriter.Kind kind)
    {
        if (euid == 0)
            return new[] { new IdMapRange(0, ownId, n) };
        if (n == 1)
            return new[] { new IdMapRange(0, ownId, 1) };
        var start = FirstRange(kind, euid, n - 1, "HostIdCount");
        return new[] { new IdMapRange(0, ownId, 1), new IdMapRange(1, start, n - 1) };
    }

    /// <summary>0 to the caller, 1..65536 to its subordinate range (root: root's range).</summary>
    public static IdMapRange[] Auto(uint ownId, uint euid, IdMapWriter.Kind kind)
    {
        var start = FirstRange(kind, euid, AutoCount, "IdMap");
        return new[] { new IdMapRange(0, ownId, 1), new IdMapRange(1, start, AutoCount) };
    }

    /// <summary>True when -IdMap Auto can be planned for the caller (a subordinate range of
    /// 65536 uids and gids).</summary>
    public static bool HasAutoRange(uint uid, uint gid, uint euid)
    {
        try
        {
            _ = Auto(uid, euid, IdMapWriter.Kind.Uid);
            _ = Auto(gid, euid, IdMapWriter.Kind.Gid);
            return true;
        }
        catch (UserNsContainerException)
        {
            return false;
        }
    }

    private static uint FirstRange(IdMapWriter.Kind kind, uint euid, uint needed, string parameter)
    {
        var file = kind == IdMapWriter.Kind.Uid ? SubordinateIds.UidFile : SubordinateIds.GidFile;
        var user = SubordinateIds.UserName(euid);
        var ranges = SubordinateIds.For(file, user, euid);
        if (ranges.Count == 0)
            throw new UserNsContainerException("SubordinateIdsMissing", FailureKind.PermissionDenied,
                $"-{parameter} needs {needed} subordinate ids, but {file} gives '{user}' no range.", file,
                $"As root, add the line '{SubordinateIds.SuggestedLine(file, user, Math.Max(needed, AutoCount))}' to {file}.");
        var fit = ranges.FirstOrDefault(r => r.Count >= needed);
        if (fit is null)
            throw new UserNsContainerException("SubordinateRangeTooSmall", FailureKind.PermissionDenied,
                $"-{parameter} needs {needed} subordinate ids in one range, but {file} gives '{user}' at most {ranges.Max(r => r.Count)}.", file,
                $"As root, add a larger range: '{SubordinateIds.SuggestedLine(file, user, Math.Max(needed, AutoCount))}', or ask for fewer ids.");
        return fit.Start;
    }
}
