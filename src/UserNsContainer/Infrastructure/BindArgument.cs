using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Turns -Bind values into binds: 'SOURCE:TARGET[:ro]' strings or hashtables with
/// Source, Target, ReadOnly, Optional, NoCreate, NonRecursive, IdMap. Relative sources are
/// resolved against the current PowerShell location.</summary>
internal static class BindArgument
{
    public static List<BindMount> Convert(PSCmdlet cmdlet, object[] values, string parameter)
    {
        var result = new List<BindMount>();
        foreach (var raw in values)
        {
            var value = raw is PSObject pso ? pso.BaseObject : raw;
            var bind = value switch
            {
                string s => BindMount.Parse(s, parameter),
                IDictionary d => CheckKeys(d, parameter) ?? new BindMount
                {
                    Source = Arguments.Get(d, "Source")?.ToString() ?? "",
                    Target = Arguments.Get(d, "Target")?.ToString() ?? "",
                    ReadOnly = Flag(d, "ReadOnly"),
                    Optional = Flag(d, "Optional"),
                    NoCreate = Flag(d, "NoCreate"),
                    NonRecursive = Flag(d, "NonRecursive"),
                    IdMap = Flag(d, "IdMap"),
                },
                BindMount b => b,
                _ => throw new InvalidSpecException("InvalidBind", parameter, raw?.ToString(), "'SOURCE:TARGET[:ro]' strings or hashtables"),
            };
            result.Add(bind with { Source = HostPath(cmdlet, bind.Source) });
        }
        return result;
    }

    /// <summary>An absolute host path for what the user typed (relative to the current location).</summary>
    public static string HostPath(PSCmdlet cmdlet, string path) =>
        path.Length == 0 || path.StartsWith('/') ? path : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);


    private static readonly string[] Keys = { "Source", "Target", "ReadOnly", "Optional", "NoCreate", "NonRecursive", "IdMap" };

    /// <summary>Refuses a key that is not a bind setting (a typo such as 'ReadOnyl' would
    /// otherwise be dropped and the bind made read-write); null when all are known.</summary>
    private static BindMount? CheckKeys(IDictionary d, string parameter)
    {
        foreach (var key in d.Keys)
            if (!Keys.Contains(key?.ToString() ?? "", System.StringComparer.OrdinalIgnoreCase))
                throw new InvalidSpecException("InvalidBindKey", parameter, key?.ToString(),
                    $"hashtable keys among {string.Join(", ", Keys)}");
        return null;
    }

    private static bool Flag(IDictionary d, string key) => Arguments.Get(d, key) is { } v && LanguagePrimitives.IsTrue(v);
}
