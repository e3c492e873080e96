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

    /// <summary>Namespaces a container with a mount namespace gets in its own (nested) user
    /// namespace, made at the lock step: capabilities count only in the user namespace that
    /// owns a namespace, so root inside can bind ports below 1024, set its hostname and
    /// configure its loopback only in namespaces its own user namespace made.</summary>
    public const NamespaceSet OwnedByNested = NamespaceSet.Ipc | NamespaceSet.Uts | NamespaceSet.Net | NamespaceSet.Cgroup;

    /// <summary>The clone flags of the init: with a mount namespace (the nested design), what
    /// the lock step makes later is left out.</summary>
    public static ulong InitCloneFlags(NamespaceSet set) =>
        CloneFlags(set.HasFlag(NamespaceSet.Mnt) ? set & ~OwnedByNested : set);

    /// <summary>The names of the namespaces the lock step makes in the nested user namespace.</summary>
    public static string[] NestedNames(NamespaceSet set) =>
        set.HasFlag(NamespaceSet.Mnt) ? ToNames(set & OwnedByNested) : Array.Empty<string>();

    public static ulong CloneFlags(NamespaceSet set) =>
        Table.Values.Where(e => set.HasFlag(e.Set)).Aggregate(0UL, (acc, e) => acc | e.CloneFlag);

    public static string[] ToNames(NamespaceSet set) =>
        Names.Where(n => set.HasFlag(Table[n].Set)).ToArray();
}
