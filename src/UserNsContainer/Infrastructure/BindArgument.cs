using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Turns -Bind values into binds: 'SOURCE:TARGET[:ro]' strings or hashtables with
/// Source, Target, ReadOnly, Optional, NoCreate, NonRecursive. Relative sources are
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
                IDictionary d => new BindMount
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


    private static bool Flag(IDictionary d, string key) => Arguments.Get(d, key) is { } v && LanguagePrimitives.IsTrue(v);
}
