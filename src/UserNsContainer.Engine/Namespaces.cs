using System;
using System.Collections.Generic;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>The Linux namespaces a container can have; user is always among them.</summary>
[Flags]
public enum NamespaceSet
{
    None = 0,
    User = 1,
    Mnt = 2,
    Pid = 4,
    Ipc = 8,
    Uts = 16,
    Net = 32,
    Cgroup = 64,
    All = User | Mnt | Pid | Ipc | Uts | Net | Cgroup,
}

public static class Namespaces
{
    /// <summary>Names as users write them, in the order setns must join them (user first, mnt last).</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "user", "ipc", "uts", "net", "pid", "cgroup", "mnt" };

    private static readonly Dictionary<string, (NamespaceSet Set, ulong CloneFlag)> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["user"] = (NamespaceSet.User, 0x10000000),
        ["mnt"] = (NamespaceSet.Mnt, 0x00020000),
        ["pid"] = (NamespaceSet.Pid, 0x20000000),
        ["ipc"] = (NamespaceSet.Ipc, 0x08000000),
        ["uts"] = (NamespaceSet.Uts, 0x04000000),
        ["net"] = (NamespaceSet.Net, 0x40000000),
        ["cgroup"] = (NamespaceSet.Cgroup, 0x02000000),
    };

    /// <summary>Parses names; user is added whether or not it was given.</summary>
    public static NamespaceSet Parse(IEnumerable<string>? names)
    {
        if (names is null)
            return NamespaceSet.All;
        var set = NamespaceSet.User;
        foreach (var raw in names)
        {
            var name = raw?.Trim() ?? "";
            if (!Table.TryGetValue(name, out var entry))
                throw new InvalidSpecException("InvalidNamespace", "Namespace", raw,
                    "one or more of " + string.Join(", ", Names));
            set |= entry.Set;
        }
        return set;
    }

    public static ulong CloneFlags(NamespaceSet set) =>
        Table.Values.Where(e => set.HasFlag(e.Set)).Aggregate(0UL, (acc, e) => acc | e.CloneFlag);

    public static string[] ToNames(NamespaceSet set) =>
        Names.Where(n => set.HasFlag(Table[n].Set)).ToArray();
}
