using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The resource limits a container's main process and entered processes start with: the
/// caller's own, as bwrap and a native command give them, and what -Limit sets.
///
/// The .NET runtime raises its own open-files soft limit to the hard limit when it starts,
/// so the helper it spawns would pass that on (a shell at 'ulimit -Sn 512' would give the
/// container 20000, and select() users past 1024 fds break). The engine gives the limit the
/// nearest ancestor that is not a .NET process runs with (the shell that started pwsh), or
/// 1024 (at most the hard limit) where none can be read.
/// </summary>
public static class ResourceLimits
{
    /// <summary>The names users know (ulimit's, Docker's --ulimit) and the kernel's RLIMIT_* numbers.</summary>
    public static readonly IReadOnlyDictionary<string, int> Names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["CpuSeconds"] = 0,    // RLIMIT_CPU
        ["FileSize"] = 1,      // RLIMIT_FSIZE
        ["CoreSize"] = 4,      // RLIMIT_CORE
        ["Processes"] = 6,     // RLIMIT_NPROC
        ["OpenFiles"] = 7,     // RLIMIT_NOFILE
        ["LockedMemory"] = 8,  // RLIMIT_MEMLOCK
        ["AddressSpace"] = 9,  // RLIMIT_AS
    };

    private const int OpenFiles = 7;
    public const ulong Unlimited = ulong.MaxValue;

    /// <summary>One limit: soft (what applies) and hard (how far the process may raise it).</summary>
    public readonly record struct Limit(ulong Soft, ulong Hard)
    {
        public override string ToString() => Soft == Hard ? Show(Soft) : $"{Show(Soft)}:{Show(Hard)}";
        private static string Show(ulong v) => v == Unlimited ? "unlimited" : v.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>-Limit's entries: a name of <see cref="Names"/> and a value that is a number (soft
    /// and hard), 'unlimited', or two of them (soft, hard). Each is checked against what this
    /// process may set (no more than its hard limit). Keys are the RLIMIT_* numbers.</summary>
    public static Dictionary<int, Limit> Parse(IEnumerable<KeyValuePair<string, object?>> entries, string parameter)
    {
        var result = new Dictionary<int, Limit>();
        foreach (var (name, value) in entries)
        {
            if (!Names.TryGetValue(name, out var resource))
                throw new InvalidSpecException("InvalidLimitName", parameter, name,
                    $"a limit name: {string.Join(", ", Names.Keys)}");
            var limit = ParseValue(name, value, parameter);
            var (_, hard) = Current(resource);
            if (limit.Hard > hard)
                throw new InvalidSpecException("InvalidLimitValue", parameter, $"{name}={limit}",
                    $"at most your own hard limit for {name}, {new Limit(hard, hard)} (only root outside any user namespace may raise it)");
            result[resource] = limit;
        }
        return result;
    }

    private static Limit ParseValue(string name, object? value, string parameter)
    {
        var parts = value switch
        {
            null => Array.Empty<object?>(),
            System.Collections.IList list when value is not string => list.Cast<object?>().ToArray(),
            _ => new[] { value },
        };
        var numbers = parts.Select(p => Number(p)).ToArray();
        if (numbers.Length is 0 or > 2 || numbers.Any(n => n is null) || (numbers.Length == 2 && numbers[0] > numbers[1]))
            throw new InvalidSpecException("InvalidLimitValue", parameter, $"{name}={string.Join(",", parts)}",
                "a count of 0 or more, 'unlimited', or two of them (soft, hard) with soft no more than hard");
        return new Limit(numbers[0]!.Value, numbers[^1]!.Value);
    }

    private static ulong? Number(object? v) => v switch
    {
        string s when s.Equals("unlimited", StringComparison.OrdinalIgnoreCase) => Unlimited,
        string s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null,
        int or long or uint or ulong or short or ushort or byte => Convert.ToDecimal(v, CultureInfo.InvariantCulture) >= 0 ? Convert.ToUInt64(v, CultureInfo.InvariantCulture) : null,
        _ => null,
    };

    /// <summary>The helper's "rlimit" records: the caller's open-files limit as it was before the
    /// runtime raised it, then every limit the spec sets (which win).</summary>
    public static IEnumerable<string[]> Records(IReadOnlyDictionary<int, Limit>? given)
    {
        var all = new SortedDictionary<int, Limit> { [OpenFiles] = CallerOpenFiles.Value };
        foreach (var (resource, limit) in given ?? new Dictionary<int, Limit>())
            all[resource] = limit;
        return all.Select(kv => new[] { "rlimit", kv.Key.ToString(CultureInfo.InvariantCulture), Text(kv.Value.Soft), Text(kv.Value.Hard) });
    }

    private static string Text(ulong v) => v == Unlimited ? "inf" : v.ToString(CultureInfo.InvariantCulture);

    private static readonly Lazy<Limit> CallerOpenFiles = new(() =>
    {
        var (soft, hard) = Current(OpenFiles);
        if (soft < hard)
            return new Limit(soft, hard); // not raised: someone set it so
        var inherited = AncestorOpenFiles();
        return new Limit(Math.Min(inherited ?? 1024, hard), hard);
    });

    /// <summary>The open-files soft limit of the nearest ancestor that is not a .NET process.</summary>
    private static ulong? AncestorOpenFiles()
    {
        int pid = Environment.ProcessId;
        for (int depth = 0; depth < 16 && pid > 1; depth++)
        {
            pid = ProcessInfo.ParentOf(pid) ?? 0;
            if (pid <= 0)
                return null;
            try
            {
                if (File.ReadLines($"/proc/{pid}/maps").Any(l => l.EndsWith("/libcoreclr.so", StringComparison.Ordinal)))
                    continue;
                var line = File.ReadLines($"/proc/{pid}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
                var soft = line?.Substring("Max open files".Length).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                return soft == "unlimited" ? Unlimited : ulong.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        return null;
    }

    private static unsafe (ulong Soft, ulong Hard) Current(int resource)
    {
        ulong* rl = stackalloc ulong[2];
        return Native.Libc.getrlimit(resource, rl) == 0 ? (rl[0], rl[1]) : (Unlimited, Unlimited);
    }
}
