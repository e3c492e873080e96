using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>Small conversions of loosely typed PowerShell arguments shared by the cmdlets.</summary>
internal static class Arguments
{
    /// <summary>A hashtable's value by key, case-insensitively (PowerShell users write either case).</summary>
    public static object? Get(IDictionary d, string key) =>
        d.Keys.Cast<object>().FirstOrDefault(k => string.Equals(k?.ToString(), key, StringComparison.OrdinalIgnoreCase)) is { } k ? d[k] : null;

    /// <summary>-Environment as name/value strings (validated later by the engine).</summary>
    public static Dictionary<string, string> Environment(Hashtable table)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
            env[e.Key?.ToString() ?? ""] = LanguagePrimitives.ConvertTo<string>(e.Value) ?? "";
        return env;
    }
}
