using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Turns what users write for -UidMap/-GidMap into ranges: "0:100000:65536" strings
/// (several separated by commas or newlines), "0 100000 65536" lines, hashtables or objects
/// with ContainerId, HostId and Count, or IdMapRange values.</summary>
internal static class IdMapArgument
{
    public static IdMapRange[] Convert(object[] values, string parameter)
    {
        var result = new List<IdMapRange>();
        foreach (var raw in values)
        {
            var value = raw is PSObject pso ? pso.BaseObject : raw;
            switch (value)
            {
                case IdMapRange r:
                    result.Add(r);
                    break;
                case string s:
                    result.AddRange(IdMapRange.Parse(s, parameter));
                    break;
                case IDictionary d:
                    result.Add(IdMapRange.FromParts(Arguments.Get(d, "ContainerId"), Arguments.Get(d, "HostId"), Arguments.Get(d, "Count"), parameter));
                    break;
                default:
                    var o = PSObject.AsPSObject(raw);
                    result.Add(IdMapRange.FromParts(o.Properties["ContainerId"]?.Value, o.Properties["HostId"]?.Value, o.Properties["Count"]?.Value, parameter));
                    break;
            }
        }
        IdMapRange.Validate(result, parameter);
        return result.ToArray();
    }

}
