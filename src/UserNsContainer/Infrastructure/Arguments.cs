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
        {
            var key = e.Key?.ToString() ?? "";
            if (e.Value is null)
                throw new UserNsContainer.Engine.InvalidSpecException("InvalidEnvironmentValue", "Environment", key,
                    "a value for every name ($null is not one; use '' for an empty value, or leave the name out)");
            env[key] = LanguagePrimitives.ConvertTo<string>(e.Value) ?? "";
        }
        return env;
    }

    /// <summary>-Limit: a hashtable of limit names (Processes, OpenFiles, ...) to a count,
    /// 'unlimited' or @(soft, hard); checked by the engine.</summary>
    public static Dictionary<int, UserNsContainer.Engine.ResourceLimits.Limit> Limits(Hashtable table) =>
        UserNsContainer.Engine.ResourceLimits.Parse(table.Cast<DictionaryEntry>().Select(e =>
            new KeyValuePair<string, object?>(e.Key?.ToString() ?? "", Unwrap(e.Value))), "Limit");

    private static object? Unwrap(object? v) => v switch
    {
        PSObject p => Unwrap(p.BaseObject),
        object[] a => a.Select(Unwrap).ToArray(),
        _ => v,
    };

    /// <summary>-User or -Group: a number is an id; anything else a name the container's
    /// /etc/passwd or /etc/group must define (the engine looks it up).</summary>
    /// <summary>-User, -Group, -Environment and -Limit of a process entered into a container
    /// (Enter-ContainerNamespace, New-UserNsContainerSession on a running container).</summary>
    public static void EnteredProcess(UserNsContainer.Engine.ContainerSpec spec, IDictionary<string, object> bound, string user, string group, Hashtable? environment, Hashtable? limit)
    {
        if (bound.ContainsKey("User"))
            Account(user, id => spec.User = id, name => spec.UserName = name);
        if (bound.ContainsKey("Group"))
            Account(group, id => spec.Group = id, name => spec.GroupName = name);
        if (environment is not null)
            spec.Environment = Environment(environment);
        if (limit is not null)
            spec.Limits = Limits(limit);
    }

    public static void Account(string value, Action<uint> id, Action<string> name)
    {
        if (uint.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            id(n);
        else
            name(value);
    }
}
