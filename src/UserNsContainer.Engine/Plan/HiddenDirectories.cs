using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The caller's own directories that no container may see: the state directory (records that
/// name processes to signal and enter, environments, logs, the monitors' sockets) and the image
/// store. Whatever shows a host path inside (the host's root, -HostTmp, -BindHome, a -Bind)
/// gets an empty read-only tmpfs over them, locked with the rest; a bind of a path inside the
/// state directory, and a live bind that would show either, are refused.
/// </summary>
public static class HiddenDirectories
{
    /// <summary>The host paths to hide, resolved as the caller sees them.</summary>
    public static string[] For(StateStore store) =>
        new[] { store.Directory, Images.ImageStore.DefaultDirectory() }
            .Select(p => BindMount.RealPath(p) ?? Path.GetFullPath(p)).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Where each hidden directory would show inside the container: for every host path
    /// the container sees at a target, the hidden directories at or under it.</summary>
    public static IEnumerable<string> Targets(IEnumerable<string> hidden, IEnumerable<(string Source, string Target)> exposed)
    {
        var views = exposed.ToList(); // resolved once (a directory root's realpath), not per hidden directory
        return hidden.SelectMany(h => views.Select(v => Relative(h, v.Source) is { } rel ? (rel.Length == 0 ? v.Target : v.Target.TrimEnd('/') + "/" + rel) : null))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Refuses a bind whose source lies inside the state directory (the first of
    /// <paramref name="hidden"/>), and (for a live bind, which cannot be masked after the lock)
    /// one whose source holds any hidden directory.</summary>
    public static void Check(BindMount bind, IReadOnlyList<string> hidden, bool live, string parameter)
    {
        if (bind.SourceMissing)
            return;
        if (Relative(bind.Source, hidden[0]) is not null)
            throw new InvalidSpecException("BindExposesPrivateDirectory", parameter, bind.Source,
                $"a host path outside {hidden[0]} (the state directory: records, sockets and logs no container may see)");
        foreach (var h in hidden)
            if (live && Relative(h, bind.Source) is not null)
                throw new InvalidSpecException("BindExposesPrivateDirectory", parameter, bind.Source,
                    $"a host path that does not hold {h} (a private directory of this module; a bind added live cannot hide it: " +
                    "give the bind with -Bind when the container is created, where it is hidden)");
    }

    /// <summary>The path of <paramref name="path"/> below <paramref name="dir"/> ("" when the same), or null.</summary>
    private static string? Relative(string path, string dir)
    {
        if (path == dir)
            return "";
        var prefix = dir.EndsWith('/') ? dir : dir + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : null;
    }
}
