using System;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Lists this user's containers, from any PowerShell process.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "UserNsContainer", DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(ContainerHandle))]
public sealed class GetUserNsContainerCommand : UserNsContainerCmdlet
{
    private const string ByNameSet = "Name";
    private const string ByIdSet = "Id";

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByNameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    public string[] Id { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        // a fresh list each time: Get | Remove never edits what is being enumerated
        var all = Engine.List();
        if (ParameterSetName == ByIdSet)
        {
            foreach (var id in Id)
                Emit(all.Where(h => h.Id.Equals(id, StringComparison.OrdinalIgnoreCase)).ToList(), id, "Id");
            return;
        }
        if (Name is null)
        {
            WriteObject(all, enumerateCollection: true);
            return;
        }
        foreach (var n in Name)
        {
            var pattern = new WildcardPattern(n, WildcardOptions.None);
            Emit(all.Where(h => pattern.IsMatch(h.Name)).ToList(), n, "Name", WildcardPattern.ContainsWildcardCharacters(n));
        }
    }

    private void Emit(System.Collections.Generic.List<ContainerHandle> hits, string key, string by, bool wildcard = false)
    {
        if (hits.Count == 0 && !wildcard)
        {
            WriteError(ToErrorRecord(new UserNsContainerException("ContainerNotFound", FailureKind.ObjectNotFound,
                $"No container with {by} '{key}' exists for this user.", key, "List your containers with Get-UserNsContainer.")));
            return;
        }
        WriteObject(hits, enumerateCollection: true);
    }
}
