using System;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Base of the cmdlets that act on existing containers: -Container (pipeline, by
/// value; also a handle that went through serialization), -Id and -Name (by property name);
/// each is resolved to a live handle by its Id, or an ObjectNotFound error is written and the
/// pipeline moves on.</summary>
public abstract class ContainerCmdletBase : UserNsContainerCmdlet
{
    protected const string ByContainer = "Container";
    protected const string ById = "Id";
    protected const string ByName = "Name";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByContainer)]
    [ValidateNotNull]
    [HandleArgument]
    public ContainerHandle[] Container { get; set; } = Array.Empty<ContainerHandle>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Names, also piped as strings ('web' | Remove-UserNsContainer), as Get-Process takes them.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByContainer:
                foreach (var c in Container)
                    Resolve(Engine.FindById(c.Id), c.Id, c.Name);
                break;
            case ById:
                foreach (var id in Id)
                    Resolve(Engine.FindById(id), id, null);
                break;
            default:
                foreach (var name in Name)
                    Resolve(Engine.FindByName(name), null, name);
                break;
        }
    }

    private void Resolve(ContainerHandle? handle, string? id, string? name)
    {
        if (handle is null)
        {
            WriteError(ToErrorRecord(NotFound(id, name)));
            return;
        }
        NonTerminating(() => ProcessContainer(handle));
    }

    /// <summary>ContainerNotFound for a handle, Id or name that names no container of this user.</summary>
    internal static UserNsContainerException NotFound(string? id, string? name)
    {
        var what = (name, id) switch
        {
            (not null, not null) => $"named '{name}' with Id '{id}'",
            (not null, null) => $"named '{name}'",
            _ => $"with Id '{id}'",
        };
        return new UserNsContainerException("ContainerNotFound", FailureKind.ObjectNotFound,
            $"No container {what} exists for this user (it may have been removed, or belong to another user).",
            (object?)name ?? id, "List your containers with Get-UserNsContainer.");
    }

    /// <summary>Acts on one resolved container.</summary>
    protected abstract void ProcessContainer(ContainerHandle container);
}
